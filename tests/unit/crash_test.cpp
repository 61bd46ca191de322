// Issue 8, crashes: SIGKILL at random moments of the credential writes that
// login, refresh, revoke and logout make, 1000 times in all. After every kill
// the store must be whole: readable, each entry an old or a new version and
// never a mixture, and the other profile untouched. A kill that landed while
// the temporary copy existed (after it was created, before the rename) leaves
// that copy behind: the test counts those, and the next write must remove it.
#define BOOST_TEST_MODULE crash
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/refresh.hpp"
#include "compozy/sign_in.hpp"
#include "compozy/sign_out.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;

namespace {

const std::string host = "https://cloud.example.com";

// Every version of the session carries the same mark in both tokens, so an
// entry mixing two versions is seen at once.
StoredCredential session(TestCommand& command, const std::string& mark) {
  StoredCredential credential;
  credential.host = host;
  credential.client_id = "compozy-cli";
  credential.access_token = "at-" + mark;
  credential.refresh_token = "rt-" + mark;
  credential.obtained_at = command.clock.now();
  credential.expires_at = command.clock.now() + seconds(3600);
  credential.scopes = {"openid", "offline_access"};
  credential.account = "ada@example.com";
  credential.token_endpoint = host + "/oauth/token";
  credential.revocation_endpoint = host + "/oauth/revoke";
  return credential;
}

// What one write path does to the store, as the command does it.
enum class Write { login, refresh, revoke, logout };
constexpr Write writes[] = {Write::login, Write::refresh, Write::revoke, Write::logout};

// A child that repeats `write` (with a login before each removal, so there is
// always something to remove) until it is killed.
[[noreturn]] void write_until_killed(const std::filesystem::path& folder, Write write, int ready_fd) {
  TestCommand command({.config_dir = folder});
  int version = 0;
  const auto next_mark = [&] { return std::to_string(::getpid()) + "-" + std::to_string(++version); };
  command.http.on("POST", host + "/oauth/revoke", json_response(200, json::object()));
  command.http.on("POST", host + "/oauth/token", [&](const HttpRequest&) -> Result<HttpResponse> {
    const std::string mark = next_mark();
    return HttpResponse{200, {}, json{{"access_token", "at-" + mark}, {"refresh_token", "rt-" + mark},
                                      {"token_type", "Bearer"}, {"expires_in", 3600}}.dump()};
  });
  (void)!::write(ready_fd, "r", 1);
  for (;;) {
    if (write != Write::refresh || !required(command.store().load("default"))) {
      (void)keep_signed_in(command.context(), session(command, next_mark()));
    }
    switch (write) {
      case Write::login: (void)keep_signed_in(command.context(), session(command, next_mark())); break;
      case Write::refresh: (void)refresh_stored_credential(command.context(), RefreshWhen::now); break;
      // As revocation removes every profile of an ended session: through remove_all.
      case Write::revoke:
        (void)command.store().remove_all([](const CredentialStore::Entry& entry) { return entry.profile == "default"; });
        break;
      case Write::logout: (void)log_out(command.context(), false); break;
    }
  }
}

bool left_a_copy(const std::filesystem::path& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().filename().string().starts_with(".credentials.yaml.tmp-")) return true;
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_store_killed_at_any_moment_of_a_write_is_whole_old_or_new) {
  TempFolder folder;
  TestCommand parent({.config_dir = folder.path()});
  const StoredCredential other = session(parent, "other");
  BOOST_TEST_REQUIRE(parent.store().save("other", other).has_value());

  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> delay_us(0, 4000);
  constexpr int kills = 1000;
  int mid_write = 0;
  int per_write[4] = {};
  for (int kill = 0; kill < kills; ++kill) {
    const Write write = writes[kill % 4];
    int ready[2];
    BOOST_TEST_REQUIRE(::pipe(ready) == 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(ready[0]);
      write_until_killed(folder.path(), write, ready[1]);
    }
    ::close(ready[1]);
    char byte;
    BOOST_TEST_REQUIRE(::read(ready[0], &byte, 1) == 1);
    ::close(ready[0]);
    ::usleep(static_cast<useconds_t>(delay_us(random)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST_REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL), "kill " << kill << ": the writer ended first");

    if (left_a_copy(folder.path())) {
      ++mid_write;
      ++per_write[kill % 4];
    }
    const auto entry = parent.store().load("default");
    BOOST_TEST_REQUIRE(entry.has_value(), "kill " << kill << ": " << entry.error().message);
    if (*entry) {
      BOOST_TEST_REQUIRE((*entry)->access_token.substr(3) == (*entry)->refresh_token.substr(3),
                         "kill " << kill << ": an entry mixes two versions");
    }
    const auto untouched = parent.store().load("other");
    BOOST_TEST_REQUIRE(untouched.has_value());
    BOOST_TEST_REQUIRE(required(*untouched).access_token == other.access_token, "kill " << kill);
  }
  BOOST_TEST_MESSAGE(kills << " kills, " << mid_write << " mid-write (login " << per_write[0] << ", refresh "
                           << per_write[1] << ", revoke " << per_write[2] << ", logout " << per_write[3] << ")");
  // Kills at random moments must have hit the window often enough to mean something.
  BOOST_TEST(mid_write >= kills / 20);

  BOOST_TEST_REQUIRE(parent.store().save("default", session(parent, "last")).has_value());
  BOOST_TEST(!left_a_copy(folder.path()));
}
