#define BOOST_TEST_MODULE credential_store
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "support/temp_folder.hpp"
#include "support/test_printers.hpp"

#include "compozy/stored_credential.hpp"
#include "compozy/credential_store.hpp"

using namespace compozy;

namespace {

StoredCredential credential_for(const std::string& account, std::size_t padding = 0) {
  StoredCredential credential;
  credential.host = "https://cloud.example.com";
  credential.client_id = "compozy-cli";
  credential.access_token = "at-" + account + std::string(padding, 'x');
  credential.refresh_token = "rt-" + account;
  credential.obtained_at = from_unix_seconds(1'800'000'000);
  credential.expires_at = from_unix_seconds(1'800'003'600);
  credential.scopes = {"openid", "offline_access"};
  credential.account = account + "@example.com";
  credential.subject = "usr_" + account;
  credential.session_id = "ses_" + account;
  credential.token_endpoint = "https://cloud.example.com/oauth/token";
  return credential;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream(path);
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 07777;
}

// Runs `body` in a child process and returns its pid.
template <class Body>
pid_t in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    body();
    ::_exit(0);
  }
  return pid;
}

int exit_status(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_entry_round_trips_in_a_private_file_in_a_private_folder) {
  TempFolder temp;
  CredentialStore store(temp.path() / "compozy");
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  const auto loaded = store.load("default");
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST_REQUIRE(loaded->has_value());
  BOOST_TEST((**loaded == credential_for("ada")));
  BOOST_TEST(mode_of(temp.path() / "compozy") == 0700u);
  BOOST_TEST(mode_of(store.file()) == 0600u);
  BOOST_TEST(!required(store.load("other")).has_value());
}

BOOST_AUTO_TEST_CASE(profiles_are_kept_apart) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  BOOST_TEST(required(required(store.load("default"))).access_token == "at-ada");
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace");
  BOOST_TEST(*store.remove("default") == true);
  BOOST_TEST(*store.remove("default") == false);
  BOOST_TEST(!required(store.load("default")).has_value());
  BOOST_TEST(required(required(store.load("work"))).account == "grace@example.com");
}

BOOST_AUTO_TEST_CASE(a_file_others_can_read_is_refused_with_the_fix) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  ::chmod(store.file().c_str(), 0644);
  const auto loaded = store.load("default");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error().message ==
             "credentials file '" + store.file().string() + "' is accessible by others (mode 0644)");
  BOOST_TEST(loaded.error().hint.starts_with("run `chmod 600 " + store.file().string() + "`"));
  BOOST_TEST(!store.save("work", credential_for("grace")).has_value());
}

BOOST_AUTO_TEST_CASE(a_failed_change_writes_nothing) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  const auto before = std::filesystem::last_write_time(store.file());
  const auto result = store.update("default", [](const auto&) -> Result<CredentialStore::Update> {
    return fail("network down");
  });
  BOOST_TEST(!result.has_value());
  BOOST_TEST(required(required(store.load("default"))).access_token == "at-ada");
  BOOST_TEST((std::filesystem::last_write_time(store.file()) == before));
}

BOOST_AUTO_TEST_CASE(a_damaged_or_newer_file_is_reported_not_overwritten) {
  TempFolder temp;
  CredentialStore store(temp.path());
  temp.write("credentials.yaml", "profiles:\n  default:\n    host: [x\n");
  ::chmod(store.file().c_str(), 0600);
  auto loaded = store.load("default");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error().message.starts_with("credentials file '" + store.file().string() + "', line "));
  BOOST_TEST(!store.save("default", credential_for("ada")).has_value());

  temp.write("credentials.yaml", "version: 9\nprofiles: {}\n");
  loaded = store.load("default");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error().message.find("written by a newer compozy") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(concurrent_processes_never_lose_each_others_entries) {
  TempFolder temp;
  constexpr int writers = 8;
  constexpr int rounds = 15;
  std::vector<pid_t> children;
  for (int writer = 0; writer < writers; ++writer) {
    children.push_back(in_child([&, writer] {
      CredentialStore store(temp.path());
      for (int round = 0; round < rounds; ++round) {
        const auto saved = store.save("p" + std::to_string(writer), credential_for("w" + std::to_string(round)));
        if (!saved) ::_exit(1);
      }
    }));
  }
  for (const pid_t child : children) BOOST_TEST(exit_status(child) == 0);
  CredentialStore store(temp.path());
  for (int writer = 0; writer < writers; ++writer) {
    const auto loaded = store.load("p" + std::to_string(writer));
    BOOST_TEST_REQUIRE(loaded.has_value());
    BOOST_TEST_REQUIRE(loaded->has_value());
    BOOST_TEST((*loaded)->access_token == "at-w" + std::to_string(rounds - 1));
  }
}

BOOST_AUTO_TEST_CASE(a_writer_killed_at_any_moment_leaves_a_whole_file) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("first", 100'000)).has_value());
  for (int attempt = 0; attempt < 20; ++attempt) {
    const pid_t child = in_child([&] {
      CredentialStore writer(temp.path());
      for (int round = 0;; ++round) (void)writer.save("default", credential_for("r" + std::to_string(round), 100'000));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + attempt * 3));
    ::kill(child, SIGKILL);
    BOOST_TEST(exit_status(child) == 128 + SIGKILL);
    const auto loaded = store.load("default");
    BOOST_TEST_REQUIRE(loaded.has_value(), (loaded ? "" : loaded.error().message));
    BOOST_TEST_REQUIRE(loaded->has_value());
    // Whole and consistent: the token and the account come from the same write.
    const std::string& account = (*loaded)->account;
    BOOST_TEST((*loaded)->access_token == "at-" + account.substr(0, account.find('@')) + std::string(100'000, 'x'));
  }
}

BOOST_AUTO_TEST_CASE(the_refresh_margin_never_exceeds_half_the_lifetime) {
  StoredCredential credential = credential_for("ada");
  BOOST_TEST(refresh_margin(credential).count() == 60);
  credential.expires_at = *credential.obtained_at + std::chrono::seconds(30);
  BOOST_TEST(refresh_margin(credential).count() == 15);
  const TimePoint issued = *credential.obtained_at;
  BOOST_TEST(!expires_within_margin(credential, issued + std::chrono::seconds(14)));
  BOOST_TEST(expires_within_margin(credential, issued + std::chrono::seconds(15)));
  BOOST_TEST(!has_expired(credential, issued + std::chrono::seconds(29)));
  BOOST_TEST(has_expired(credential, issued + std::chrono::seconds(30)));
  credential.expires_at.reset();
  BOOST_TEST(!expires_within_margin(credential, issued + std::chrono::hours(1000)));
}

// Issue 8, finding 4: an entry no command could read blocked every command, logout included,
// and the hint said to remove the file, which held the other profiles too.
BOOST_AUTO_TEST_CASE(an_unreadable_time_makes_a_token_expired_not_the_entry_unreadable) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  std::string text = read_text(store.file());
  text.replace(text.find("expires_at: 2027"), 16, "expires_at: 33715");
  temp.write("credentials.yaml", text);
  ::chmod(store.file().c_str(), 0600);
  const auto ada = required(required(store.load("default")));
  BOOST_TEST(ada.access_token == "at-ada");
  BOOST_TEST(has_expired(ada, from_unix_seconds(1'800'000'000)));
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace");
}

BOOST_AUTO_TEST_CASE(a_damaged_entry_blocks_neither_the_other_profiles_nor_its_own_removal) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  std::string text = read_text(store.file());
  text.insert(text.find("profiles:\n") + 10, "  default: [not, a, credential]\n");
  temp.write("credentials.yaml", text);
  ::chmod(store.file().c_str(), 0600);
  const auto damaged = store.load("default");
  BOOST_TEST_REQUIRE(!damaged.has_value());
  BOOST_TEST(damaged.error().message.find("profile 'default': expected a mapping") != std::string::npos);
  BOOST_TEST(damaged.error().hint == "run `compozy logout --profile default` to remove that entry");
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace");
  BOOST_TEST_REQUIRE(store.save("other", credential_for("bob")).has_value());
  BOOST_TEST(required(store.remove("default")));
  BOOST_TEST(!required(store.load("default")).has_value());
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace");
}

// Issue 8, finding 8: after the last profile went, the file was rewritten as a one-line flow mapping.
BOOST_AUTO_TEST_CASE(the_file_goes_with_the_last_entry) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  BOOST_TEST(read_text(store.file()).starts_with("# compozy credentials: written by compozy, readable by you alone.\n"
                                                 "version: 1\nprofiles:\n  default:\n    host: "));
  BOOST_TEST(required(store.remove("default")));
  BOOST_TEST(required(store.remove("work")));
  BOOST_TEST(!std::filesystem::exists(store.file()));
  BOOST_TEST(!required(store.load("work")).has_value());
}

// A writer killed between writing its copy and renaming it left the copy, tokens and all.
BOOST_AUTO_TEST_CASE(a_copy_left_by_a_killed_writer_is_removed_by_the_next_write) {
  TempFolder temp;
  CredentialStore store(temp.path());
  temp.write(".credentials.yaml.tmp-AbC123", "access_token: at-secret\n");
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST(!std::filesystem::exists(temp.path() / ".credentials.yaml.tmp-AbC123"));
}

// Revocation removes every profile holding the ended session, in one write (issue 10).
BOOST_AUTO_TEST_CASE(remove_all_takes_the_entries_it_picks_in_one_write_and_says_which) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  BOOST_TEST_REQUIRE(store.save("spare", credential_for("ada")).has_value());
  std::string text = read_text(store.file());
  text.insert(text.find("profiles:\n") + 10, "  damaged: [not, a, credential]\n");
  temp.write("credentials.yaml", text);
  ::chmod(store.file().c_str(), 0600);

  std::vector<std::string> seen;
  const auto removed = store.remove_all([&](const CredentialStore::Entry& entry) {
    seen.push_back(entry.profile);
    return entry.credential.session_id == "ses_ada";
  });
  BOOST_TEST_REQUIRE(removed.has_value(), removed.error().message);
  BOOST_TEST(*removed == (std::vector<std::string>{"default", "spare"}));
  BOOST_TEST(seen == (std::vector<std::string>{"default", "work", "spare"}));  // the damaged entry cannot match
  BOOST_TEST(!required(store.load("default")).has_value());
  BOOST_TEST(!required(store.load("spare")).has_value());
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace");
  BOOST_TEST(!store.load("damaged").has_value());  // still there, still unreadable

  const auto before = read_text(store.file());
  BOOST_TEST(required(store.remove_all([](const CredentialStore::Entry&) { return false; })).empty());
  BOOST_TEST(read_text(store.file()) == before);
}

BOOST_AUTO_TEST_CASE(update_all_writes_what_changed_and_nothing_when_it_fails) {
  TempFolder temp;
  CredentialStore store(temp.path());
  BOOST_TEST_REQUIRE(store.save("default", credential_for("ada")).has_value());
  BOOST_TEST_REQUIRE(store.save("work", credential_for("grace")).has_value());
  const auto failed = store.update_all([](std::vector<CredentialStore::Entry>& entries) -> Result<void> {
    entries.clear();
    return fail("the server could not be reached");
  });
  BOOST_TEST_REQUIRE(!failed.has_value());
  BOOST_TEST(failed.error().message == "the server could not be reached");
  BOOST_TEST(required(store.load("default")).has_value());

  const auto changed = store.update_all([](std::vector<CredentialStore::Entry>& entries) -> Result<void> {
    entries.at(1).credential.access_token = "at-grace-2";
    entries.erase(entries.begin());
    entries.push_back({"new", credential_for("bob")});
    return {};
  });
  BOOST_TEST_REQUIRE(changed.has_value(), changed.error().message);
  BOOST_TEST(!required(store.load("default")).has_value());
  BOOST_TEST(required(required(store.load("work"))).access_token == "at-grace-2");
  BOOST_TEST(required(required(store.load("new"))).access_token == "at-bob");
}
