#define BOOST_TEST_MODULE secret_store
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>
#include <map>
#include <memory>

#include "support/temp_folder.hpp"
#include "support/test_printers.hpp"

#include "compozy/credential_store.hpp"
#include "compozy/secret_store.hpp"

using namespace compozy;
using Variables = std::map<std::string, std::string, std::less<>>;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream(path);
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

// What a fake store holds, shared by every CredentialStore of a test, and a
// journal of what was done, with what credentials.yaml said at that moment.
struct FakeVault {
  std::map<std::string, std::pair<SecretItem, Secrets>> items;
  std::vector<std::string> journal;
  std::filesystem::path watched_file;
  bool fail_store = false;
  bool store_then_fail = false;  // as a writer killed after storing, before replacing the file
  bool fail_erase = false;
  bool fail_get = false;
};

class FakeSecretStore final : public SecretStore {
 public:
  FakeSecretStore(std::string name, std::shared_ptr<FakeVault> vault) : name_(std::move(name)), vault_(vault) {}
  const std::string& name() const override { return name_; }
  Result<std::optional<Secrets>> get(const SecretItem& item) override {
    if (vault_->fail_get) return fail("credential store '" + name_ + "': get failed", ExitCode::store_failed);
    const auto found = vault_->items.find(item.reference);
    if (found == vault_->items.end()) return std::optional<Secrets>();
    return std::optional<Secrets>(found->second.second);
  }
  Result<void> store(const SecretItem& item, const Secrets& secrets) override {
    note("store " + item.reference);
    if (vault_->fail_store) return fail("credential store '" + name_ + "': store failed", ExitCode::store_failed);
    vault_->items[item.reference] = {item, secrets};
    if (vault_->store_then_fail) return fail("killed", ExitCode::store_failed);
    return {};
  }
  Result<void> erase(const SecretItem& item) override {
    note("erase " + item.reference);
    if (vault_->fail_erase) return fail("credential store '" + name_ + "': erase failed", ExitCode::store_failed);
    vault_->items.erase(item.reference);
    return {};
  }
  Result<std::vector<SecretItem>> list() override {
    std::vector<SecretItem> listed;
    for (const auto& [reference, item] : vault_->items) listed.push_back(item.first);
    return listed;
  }

 private:
  // Whether credentials.yaml named the item when the action came.
  void note(const std::string& action) {
    const std::string reference = action.substr(action.find(' ') + 1);
    const bool named = read_text(vault_->watched_file).find(reference) != std::string::npos;
    vault_->journal.push_back(action + (named ? " (named by the file)" : " (not named by the file)"));
  }
  std::string name_;
  std::shared_ptr<FakeVault> vault_;
};

struct Fixture {
  TempFolder folder;
  std::shared_ptr<FakeVault> vault = std::make_shared<FakeVault>();
  CredentialStore store{folder.path(), [vault = vault](std::string_view name) -> Result<std::unique_ptr<SecretStore>> {
                          if (name != "vault") return fail("no store '" + std::string(name) + "'", ExitCode::store_failed);
                          return std::unique_ptr<SecretStore>(std::make_unique<FakeSecretStore>("vault", vault));
                        }};
  Fixture() { vault->watched_file = store.file(); }

  std::string file_text() const { return read_text(store.file()); }
};

StoredCredential credential(std::string access, std::string store = "vault") {
  StoredCredential stored;
  stored.host = "https://cloud.example.com";
  stored.client_id = "compozy-cli";
  stored.account = "ada@example.com";
  stored.access_token = std::move(access);
  stored.refresh_token = "rt-" + stored.access_token;
  stored.store = std::move(store);
  return stored;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_manager_entry_keeps_its_tokens_out_of_the_file, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  BOOST_TEST(file_text().find("at-one") == std::string::npos);
  BOOST_TEST(file_text().find("store: vault") != std::string::npos);
  BOOST_TEST(vault->items.size() == 1u);
  auto loaded = store.load("default");
  BOOST_REQUIRE(loaded && *loaded);
  BOOST_TEST((*loaded)->access_token == "at-one");
  BOOST_TEST((*loaded)->refresh_token == "rt-at-one");
  BOOST_TEST((*loaded)->store == "vault");
}

BOOST_FIXTURE_TEST_CASE(new_tokens_are_stored_first_and_the_old_item_erased_after_the_file_changed, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  const std::string first = vault->items.begin()->first;
  vault->journal.clear();
  BOOST_REQUIRE(store.update("default", [](const std::optional<StoredCredential>& current) -> Result<CredentialStore::Update> {
    auto refreshed = *current;
    refreshed.access_token = "at-two";
    return CredentialStore::Update{refreshed};
  }));
  BOOST_REQUIRE(vault->journal.size() == 2u);
  BOOST_TEST(vault->journal[0].starts_with("store "));
  BOOST_TEST(vault->journal[0].ends_with("(not named by the file)"));
  BOOST_TEST(vault->journal[1] == "erase " + first + " (not named by the file)");
  BOOST_TEST(vault->items.size() == 1u);
  BOOST_TEST(vault->items.begin()->second.second.access_token == "at-two");
  BOOST_TEST(file_text().find(vault->items.begin()->first) != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(unchanged_tokens_keep_their_item, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  vault->journal.clear();
  BOOST_REQUIRE(store.update("default", [](const std::optional<StoredCredential>& current) -> Result<CredentialStore::Update> {
    auto changed = *current;
    changed.account = "ada@new.example.com";
    return CredentialStore::Update{changed};
  }));
  BOOST_TEST(vault->journal.empty());
  BOOST_TEST(vault->items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(a_failed_store_changes_nothing, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  const std::string before = file_text();
  vault->fail_store = true;
  auto saved = store.save("default", credential("at-two"));
  BOOST_REQUIRE(!saved);
  BOOST_TEST((saved.error().code == ExitCode::store_failed));
  BOOST_TEST(saved.error().message == "storing the tokens of profile 'default': credential store 'vault': store failed");
  BOOST_TEST(file_text() == before);
  BOOST_TEST((*store.load("default"))->access_token == "at-one");
}

BOOST_FIXTURE_TEST_CASE(a_store_that_fails_after_storing_leaves_the_file_and_no_orphan, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  const std::string before = file_text();
  vault->store_then_fail = true;
  BOOST_REQUIRE(!store.save("default", credential("at-two")));
  BOOST_TEST(file_text() == before);
  BOOST_TEST((*store.load("default"))->access_token == "at-one");
  BOOST_TEST(vault->items.size() == 1u);
}

// A writer killed between storing and replacing the file leaves an item that
// no entry names: the store stays readable, and the next write sweeps it.
BOOST_FIXTURE_TEST_CASE(a_writer_killed_after_storing_leaves_a_readable_store_and_the_next_write_sweeps, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  const std::string ours = vault->items.begin()->first;
  const std::string orphan = ours.substr(0, ours.find('-')) + "-killedwriter";
  vault->items[orphan] = {{orphan, "default", "https://cloud.example.com", "ada"}, {"at-lost", ""}};
  BOOST_TEST((*store.load("default"))->access_token == "at-one");
  BOOST_REQUIRE(store.save("default", credential("at-three")));
  BOOST_TEST(vault->items.size() == 1u);
  BOOST_TEST(vault->items.count(orphan) == 0u);
  BOOST_TEST((*store.load("default"))->access_token == "at-three");
}

BOOST_FIXTURE_TEST_CASE(an_erase_that_fails_is_no_failure_and_is_swept_later, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  vault->fail_erase = true;
  BOOST_REQUIRE(store.save("default", credential("at-two")));
  BOOST_TEST((*store.load("default"))->access_token == "at-two");
  BOOST_TEST(vault->items.size() == 2u);
  vault->fail_erase = false;
  BOOST_REQUIRE(store.save("default", credential("at-three")));
  BOOST_TEST(vault->items.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(the_sweep_leaves_other_config_folders_items_alone, Fixture) {
  vault->items["0badf00d-other"] = {{"0badf00d-other", "default", "https://x", "bob"}, {"at-theirs", ""}};
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  BOOST_REQUIRE(store.save("default", credential("at-two")));
  BOOST_TEST(vault->items.count("0badf00d-other") == 1u);
  BOOST_TEST(vault->items.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(moving_between_stores_leaves_no_copy_behind, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one", "file")));
  BOOST_TEST(file_text().find("at-one") != std::string::npos);
  BOOST_REQUIRE(store.save("default", credential("at-one", "vault")));
  BOOST_TEST(file_text().find("at-one") == std::string::npos);
  BOOST_TEST(file_text().find("rt-at-one") == std::string::npos);
  BOOST_TEST(vault->items.size() == 1u);
  BOOST_REQUIRE(store.save("default", credential("at-one", "file")));
  BOOST_TEST(file_text().find("at-one") != std::string::npos);
  BOOST_TEST(file_text().find("secret_ref") == std::string::npos);
  BOOST_TEST(vault->items.empty());
}

BOOST_FIXTURE_TEST_CASE(removing_an_entry_erases_its_item, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  BOOST_REQUIRE(store.save("work", credential("at-two")));
  auto removed = store.remove("default");
  BOOST_REQUIRE(removed);
  BOOST_TEST(*removed);
  BOOST_TEST(vault->items.size() == 1u);
  BOOST_TEST((*store.load("work"))->access_token == "at-two");
}

BOOST_FIXTURE_TEST_CASE(inline_tokens_are_found_and_moved, Fixture) {
  BOOST_REQUIRE(store.save("old", credential("at-old", "")));
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  auto inline_profiles = store.inline_profiles();
  BOOST_REQUIRE(inline_profiles);
  BOOST_TEST(*inline_profiles == std::vector<std::string>{"old"});
  auto moved = store.move_inline_tokens("vault");
  BOOST_REQUIRE(moved);
  BOOST_TEST(*moved == std::vector<std::string>{"old"});
  BOOST_TEST(file_text().find("at-old") == std::string::npos);
  BOOST_TEST((*store.load("old"))->access_token == "at-old");
  BOOST_TEST(store.inline_profiles()->empty());
}

BOOST_FIXTURE_TEST_CASE(a_store_that_fails_to_read_is_an_error_not_an_absent_entry, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  vault->fail_get = true;
  auto loaded = store.load("default");
  BOOST_REQUIRE(!loaded);
  BOOST_TEST((loaded.error().code == ExitCode::store_failed));
  BOOST_TEST(loaded.error().message == "reading the tokens of profile 'default': credential store 'vault': get failed");
  BOOST_TEST(!store.load_all());
  const std::string before = file_text();
  BOOST_TEST(!store.save("default", credential("at-two")));
  BOOST_TEST(file_text() == before);
}

BOOST_FIXTURE_TEST_CASE(a_listing_leaves_the_tokens_in_their_store_and_so_survives_a_broken_one, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  auto without_refresh = credential("at-two");
  without_refresh.refresh_token.clear();
  BOOST_REQUIRE(store.save("work", without_refresh));
  BOOST_REQUIRE(store.save("plain", credential("at-three", "file")));
  vault->fail_get = true;
  BOOST_TEST(!store.load_all());
  auto listed = store.load_all(CredentialStore::Tokens::left_in_store);
  BOOST_REQUIRE(listed);
  BOOST_REQUIRE(listed->size() == 3u);
  BOOST_TEST((*listed)[0].profile == "default");
  BOOST_TEST((*listed)[0].credential.account == "ada@example.com");
  BOOST_TEST((*listed)[0].credential.access_token.empty());
  BOOST_TEST((*listed)[0].refreshable);
  BOOST_TEST(!(*listed)[1].refreshable);
  BOOST_TEST((*listed)[2].credential.access_token == "at-three");  // the file's own tokens are read
  BOOST_TEST((*listed)[2].refreshable);
}

BOOST_FIXTURE_TEST_CASE(an_entry_whose_item_is_gone_says_so_and_login_may_replace_it, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  vault->items.clear();
  auto loaded = store.load("default");
  BOOST_REQUIRE(!loaded);
  BOOST_TEST((loaded.error().code == ExitCode::not_logged_in));
  BOOST_TEST(loaded.error().message.find("its tokens are missing from credential store 'vault'") != std::string::npos);
  BOOST_REQUIRE(store.save("default", credential("at-two")));
  BOOST_TEST((*store.load("default"))->access_token == "at-two");
}

BOOST_FIXTURE_TEST_CASE(a_copied_entry_keeps_the_item_it_shares, Fixture) {
  BOOST_REQUIRE(store.save("default", credential("at-one")));
  BOOST_REQUIRE(store.update_all([](std::vector<CredentialStore::Entry>& entries) -> Result<void> {
    entries.push_back({"copy", entries.front().credential});
    return {};
  }));
  BOOST_REQUIRE(store.remove("default"));
  BOOST_TEST((*store.load("copy"))->access_token == "at-one");
}

BOOST_AUTO_TEST_CASE(store_names_are_checked) {
  BOOST_TEST(check_store_name("secret-service").has_value());
  BOOST_TEST(check_store_name("json-file").has_value());
  BOOST_TEST(!check_store_name("../evil").has_value());
  BOOST_TEST(!check_store_name("-x").has_value());
  BOOST_TEST(!check_store_name("").has_value());
  BOOST_TEST((check_store_name("Nope").error().code == ExitCode::usage));
}

BOOST_AUTO_TEST_CASE(references_are_scoped_random_and_fit_the_protocol) {
  const std::string one = new_secret_reference("abcd1234");
  const std::string two = new_secret_reference("abcd1234");
  BOOST_TEST(one != two);
  BOOST_TEST(one.starts_with("abcd1234-"));
  BOOST_TEST(one.size() <= 64u);
  BOOST_TEST(one.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_helper_deadline_is_ten_seconds_unless_tests_shorten_it) {
  BOOST_TEST(helper_deadline(Environment(Variables{})).count() == 10'000);
  BOOST_TEST(helper_deadline(Environment(Variables{{"COMPOZY_CREDENTIAL_HELPER_TIMEOUT", "0.5"}})).count() == 500);
  BOOST_TEST(helper_deadline(Environment(Variables{{"COMPOZY_CREDENTIAL_HELPER_TIMEOUT", "soon"}})).count() == 10'000);
}

namespace {

// A helper that answers every action with `script` (sh), in a folder of its own.
struct ScriptedHelper {
  TempFolder folder;
  std::unique_ptr<SecretStore> store;
  explicit ScriptedHelper(const std::string& script, std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    folder.write("compozy-credential-scripted", "#!/bin/sh\n" + script + "\n");
    std::filesystem::permissions(folder.path() / "compozy-credential-scripted", std::filesystem::perms::owner_all);
    store = make_helper_store("scripted", folder.path() / "compozy-credential-scripted", deadline);
  }
  std::string where() const {
    return "credential store 'scripted' (" + (folder.path() / "compozy-credential-scripted").string() + ")";
  }
};

const SecretItem item{"ref-1", "default", "https://cloud.example.com", "ada@example.com"};

}  // namespace

BOOST_AUTO_TEST_CASE(a_helper_gets_the_request_on_stdin_and_the_action_in_argv) {
  ScriptedHelper helper("[ \"$1\" = get ] || exit 9\n"
                        "grep -q '\"reference\":\"ref-1\"' || exit 8\n"
                        "echo '{\"version\":1,\"secrets\":{\"access_token\":\"at\",\"refresh_token\":\"rt\"}}'");
  auto got = helper.store->get(item);
  BOOST_REQUIRE(got);
  BOOST_REQUIRE(got->has_value());
  BOOST_TEST((**got == Secrets{"at", "rt"}));
}

BOOST_AUTO_TEST_CASE(a_helper_without_the_item_answers_null) {
  ScriptedHelper helper("cat >/dev/null; echo '{\"version\":1,\"secrets\":null}'");
  auto got = helper.store->get(item);
  BOOST_REQUIRE(got);
  BOOST_TEST(!got->has_value());
}

BOOST_AUTO_TEST_CASE(the_secrets_go_to_a_helper_on_stdin_never_in_argv_or_the_environment) {
  ScriptedHelper helper("input=$(cat)\n"
                        "case \"$*$(env)\" in *at-secret*) exit 7 ;; esac\n"
                        "case \"$input\" in *'\"access_token\":\"at-secret\"'*) echo '{\"version\":1}' ;; *) exit 6 ;; esac");
  BOOST_TEST(helper.store->store(item, {"at-secret", "rt-secret"}).has_value());
}

BOOST_AUTO_TEST_CASE(a_helper_answer_without_the_protocol_is_one_error_naming_the_store) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"cat >/dev/null; echo '{\"secrets\":null}'", "get answered something else than the protocol's JSON (no \"version\": 1)"},
      {"cat >/dev/null; echo '[1,2]'", "get answered something else than the protocol's JSON (not one JSON object)"},
      {"cat >/dev/null; echo '{\"version\":1,\"secrets\":{\"refresh_token\":\"x\"}}'",
       "get answered something else than the protocol's JSON ('secrets' has no access_token)"},
      {"cat >/dev/null; printf 'no \\033[31mway\\n' >&2; exit 4", "get failed (exit 4): no \\x1b[31mway"},
  };
  for (const auto& [script, problem] : cases) {
    ScriptedHelper helper(script);
    auto got = helper.store->get(item);
    BOOST_REQUIRE(!got);
    BOOST_TEST(got.error().message == helper.where() + ": " + problem, got.error().message);
    BOOST_TEST((got.error().code == ExitCode::store_failed));
  }
}

BOOST_AUTO_TEST_CASE(a_helper_that_hangs_is_killed_at_its_deadline) {
  ScriptedHelper helper("exec sleep 30", std::chrono::milliseconds(200));
  const auto started = std::chrono::steady_clock::now();
  auto listed = helper.store->list();
  BOOST_REQUIRE(!listed);
  BOOST_TEST(listed.error().message == helper.where() + ": list did not finish in time");
  BOOST_TEST((std::chrono::steady_clock::now() - started < std::chrono::seconds(2)));
}

BOOST_AUTO_TEST_CASE(a_helper_lists_its_items) {
  ScriptedHelper helper("cat >/dev/null; echo '{\"version\":1,\"items\":[{\"reference\":\"a\",\"profile\":\"p\"},{\"x\":1}]}'");
  auto listed = helper.store->list();
  BOOST_REQUIRE(listed);
  BOOST_REQUIRE(listed->size() == 1u);
  BOOST_TEST((*listed)[0].reference == "a");
  BOOST_TEST((*listed)[0].profile == "p");
}
