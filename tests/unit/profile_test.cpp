#define BOOST_TEST_MODULE profile
#include <boost/test/unit_test.hpp>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/profiles.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;

namespace {

const std::string a_host = "https://a.example.com";
const std::string b_host = "https://b.example.com";

const std::string two_hosts = "profiles:\n  work:\n    host: " + b_host + "\n  lab:\n    host: " + a_host + "\n";

StoredCredential session_at(TestCommand& command, const std::string& host, const std::string& account) {
  StoredCredential credential = signed_in_session(command, seconds(3000));
  credential.host = host;
  credential.account = account;
  credential.token_endpoint = host + "/oauth/token";
  credential.revocation_endpoint = host + "/oauth/revoke";
  credential.userinfo_endpoint = host + "/oauth/userinfo";
  return credential;
}

std::vector<CredentialStore::Entry> entries_of(TestCommand& command) {
  auto entries = command.store().load_all();
  BOOST_TEST_REQUIRE(entries.has_value());
  return *entries;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_list_joins_config_and_credentials_and_judges_each_offline) {
  TestCommand command({.config_yaml = "current_profile: work\n" + two_hosts});
  Context& context = command.context();
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, b_host, "ada@b.example.com")).has_value());
  StoredCredential expired = session_at(command, a_host, "ada@a.example.com");
  expired.expires_at = command.clock.now() - seconds(10);
  BOOST_TEST_REQUIRE(command.store().save("lab", expired).has_value());
  StoredCredential key = session_at(command, default_host, "ci@example.com");
  key.kind = CredentialKind::api_key;
  key.refresh_token.clear();
  key.expires_at.reset();
  BOOST_TEST_REQUIRE(command.store().save("ci", key).has_value());
  BOOST_TEST_REQUIRE(command.store().save("moved", session_at(command, a_host, "bo@example.com")).has_value());

  const auto profiles = summarize_profiles(context.config(), entries_of(command), "work", command.clock.now());
  std::vector<std::string> seen;
  for (const auto& profile : profiles) {
    seen.push_back(profile.name + " " + profile.host + " " + std::string(stored_state_name(profile.state)) +
                   (profile.active ? " *" : ""));
  }
  BOOST_TEST((seen == std::vector<std::string>{
                          "ci " + std::string(default_host) + " api_key",
                          "lab " + a_host + " expired_refreshable",
                          "moved " + std::string(default_host) + " other_host",
                          "work " + b_host + " signed_in *",
                      }));

  BOOST_TEST_REQUIRE(list_profiles(context, true).has_value());
  const json document = json::parse(command.out());
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["active"] == "work");
  BOOST_TEST(document["active_source"] == "config");
  BOOST_TEST(document["profiles"].size() == 4u);
  BOOST_TEST(document["profiles"][3]["account"] == "ada@b.example.com");
  BOOST_TEST(document.dump().find("at-1") == std::string::npos);  // never a token
}

BOOST_AUTO_TEST_CASE(the_table_marks_the_active_profile_and_says_the_state_in_words) {
  TestCommand command({.environment = {{"COMPOZY_PROFILE", "lab"}}, .config_yaml = "current_profile: work\n" + two_hosts});
  StoredCredential expired = session_at(command, a_host, "ada@a.example.com");
  expired.expires_at = command.clock.now() - seconds(10);
  BOOST_TEST_REQUIRE(command.store().save("lab", expired).has_value());
  BOOST_TEST_REQUIRE(list_profiles(command.context(), false).has_value());
  BOOST_TEST(command.out() == "*\tlab\t" + a_host + "\tada@a.example.com\texpired, refreshed by the next command\n"
                              "\twork\t" + b_host + "\t\tnot signed in\n");
}

BOOST_AUTO_TEST_CASE(use_sets_current_profile_and_says_when_the_shell_overrides_it) {
  TestCommand command({.environment = {{"COMPOZY_PROFILE", "lab"}}, .config_yaml = "aliases:\n  st: auth status\n" + two_hosts});
  BOOST_TEST_REQUIRE(use_profile(command.context(), "work").has_value());
  auto config = load_config(command.context().config_file());
  BOOST_TEST_REQUIRE(config.has_value());
  BOOST_TEST(config->current_profile == std::optional<std::string>("work"));
  BOOST_TEST(config->aliases.size() == 1u);
  BOOST_TEST(command.err() == "✓ Using profile 'work' (" + b_host + ") from now on\n"
                              "warning: COMPOZY_PROFILE is set to 'lab': it still wins in this shell (unset it to use 'work')\n");

  const auto missing = use_profile(command.context(), "nope");
  BOOST_TEST_REQUIRE(!missing.has_value());
  BOOST_TEST((missing.error().code == ExitCode::usage));
  BOOST_TEST(missing.error().message == "there is no profile 'nope'");
  BOOST_TEST(missing.error().hint.starts_with("add it with `compozy profile add nope --host URL`"));
  BOOST_TEST((use_profile(command.context(), "../x").error().code == ExitCode::usage));
}

BOOST_AUTO_TEST_CASE(add_refuses_to_move_a_profile_that_holds_a_credential) {
  TestCommand command({.config_yaml = two_hosts});
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, b_host, "ada@b.example.com")).has_value());
  const auto moved = add_profile(command.context(), "work", a_host);
  BOOST_TEST_REQUIRE(!moved.has_value());
  BOOST_TEST(moved.error().message == "profile 'work' is signed in to " + b_host +
                                          " as ada@b.example.com; its host cannot change while it holds that credential");
  BOOST_TEST(moved.error().hint == "run `compozy logout --profile work` first, then add it again");

  BOOST_TEST((add_profile(command.context(), "new", "http://example.com").error().code == ExitCode::usage));
  BOOST_TEST_REQUIRE(add_profile(command.context(), "new", "http://127.0.0.1:8080/").has_value());
  BOOST_TEST_REQUIRE(add_profile(command.context(), "lab", b_host).has_value());  // no credential: it may move
  auto config = load_config(command.context().config_file());
  BOOST_TEST_REQUIRE(config.has_value());
  BOOST_TEST(config->profiles.at("new").host == std::optional<std::string>("http://127.0.0.1:8080"));
  BOOST_TEST(config->profiles.at("lab").host == std::optional<std::string>(b_host));
}

BOOST_AUTO_TEST_CASE(remove_revokes_the_session_at_its_own_host_then_forgets_the_profile) {
  TestCommand command({.config_yaml = "current_profile: work\n" + two_hosts});
  // Signed in to a, though the profile now says b: the session is ended where it lives.
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, a_host, "ada@a.example.com")).has_value());
  BOOST_TEST_REQUIRE(command.store().save("lab", session_at(command, a_host, "ada@a.example.com")).has_value());
  command.http.on("POST", a_host + "/oauth/revoke", respond(200, ""));
  BOOST_TEST_REQUIRE(remove_profile(command.context(), "work").has_value());
  BOOST_TEST(command.http.requests_to("POST", a_host + "/oauth/revoke").size() == 2u);
  BOOST_TEST(!required(command.store().load("work")).has_value());
  BOOST_TEST(required(command.store().load("lab")).has_value());
  auto config = load_config(command.context().config_file());
  BOOST_TEST_REQUIRE(config.has_value());
  BOOST_TEST(!config->profiles.contains("work"));
  BOOST_TEST(!config->current_profile.has_value());
  BOOST_TEST(command.err().find("'default' is active again") != std::string::npos, command.err());
}

BOOST_AUTO_TEST_CASE(remove_keeps_everything_when_the_session_cannot_be_revoked) {
  TestCommand command({.config_yaml = two_hosts});
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, b_host, "ada@b.example.com")).has_value());
  command.http.on("POST", b_host + "/oauth/revoke", unreachable("cannot connect to 'https://b.example.com'"));
  const auto removed = remove_profile(command.context(), "work");
  BOOST_TEST_REQUIRE(!removed.has_value());
  BOOST_TEST((removed.error().code == ExitCode::failure));
  BOOST_TEST(removed.error().message.starts_with("revoking the session of profile 'work' at " + b_host +
                                                 " (nothing was removed): cannot connect"), removed.error().message);
  BOOST_TEST(required(command.store().load("work")).has_value());
  BOOST_TEST(required(load_config(command.context().config_file())).profiles.contains("work"));
  BOOST_TEST((remove_profile(command.context(), "nope").error().code == ExitCode::usage));
}

BOOST_AUTO_TEST_CASE(status_all_checks_each_profile_at_its_own_host) {
  TestCommand command({.environment = {{"FLYZT_API_KEY", "env-key"}}, .config_yaml = "current_profile: work\n" + two_hosts});
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, b_host, "ada@b.example.com")).has_value());
  BOOST_TEST_REQUIRE(command.store().save("lab", session_at(command, a_host, "ada@a.example.com")).has_value());
  command.http.on("GET", b_host + "/oauth/userinfo", json_response(200, {{"sub", "usr_1"}, {"email", "ada@b.example.com"}}));
  command.http.on("GET", a_host + "/oauth/userinfo", respond(401, ""));
  const auto statuses = assess_all_profiles(command.context(), true);
  BOOST_TEST_REQUIRE(statuses.size() == 2u);
  BOOST_TEST(statuses[0].profile == "lab");
  BOOST_TEST(statuses[0].host == a_host);
  BOOST_TEST(state_name(statuses[0].state) == "rejected");
  BOOST_TEST(statuses[0].login_command == "compozy login --profile lab");
  BOOST_TEST(statuses[1].profile == "work");
  BOOST_TEST(statuses[1].active);
  BOOST_TEST(state_name(statuses[1].state) == "valid");
  BOOST_TEST(statuses[1].login_command == "compozy login --profile work");
  // The key in the environment is used for neither: each is its own stored credential.
  for (const auto& request : command.http.requests()) BOOST_TEST(header_value(request, "Authorization") != "Bearer env-key");
  BOOST_TEST(!all_work(statuses));
  BOOST_TEST(all_work({statuses[1]}));
  CredentialStatus nobody;
  BOOST_TEST(!all_work({nobody}));  // signed in nowhere
  BOOST_TEST(all_work({statuses[1], nobody}));
}

BOOST_AUTO_TEST_CASE(hints_from_layers_that_know_no_profile_are_made_to_name_it) {
  TestCommand command({.profile = "lab", .environment = {{"COMPOZY_HOST", a_host}}});
  const Settings& settings = command.context().settings();
  BOOST_TEST(reproducing_hint("run `compozy login`", settings) == "run `compozy login --profile lab --host " + a_host + "`");
  BOOST_TEST(reproducing_hint("run `compozy login` again and approve the request", settings) ==
             "run `compozy login --profile lab --host " + a_host + "` again and approve the request");
  BOOST_TEST(reproducing_hint("run `compozy logout --profile x`", settings) == "run `compozy logout --profile x`");
  BOOST_TEST(reproducing_hint("check the key", settings) == "check the key");
  TestCommand plain;
  BOOST_TEST(reproducing_hint("run `compozy login`", plain.context().settings()) == "run `compozy login`");
}

BOOST_AUTO_TEST_CASE(status_says_where_the_profile_came_from_and_how_to_sign_in_to_it) {
  TestCommand command({.host = a_host, .profile = "lab"});
  const CredentialStatus status = assess_credential(command.context(), false);
  print_status(command.context().out(), status);
  BOOST_TEST(command.out() == a_host + " (profile 'lab', from --profile)\n  ✗ Not logged in: run `compozy login --profile lab`\n");
  BOOST_TEST(status_json(status)["profile_source"] == "flag");
}

// Issue 10: a credential stored for another host than the profile's is named, not silently "not logged in".
BOOST_AUTO_TEST_CASE(status_names_the_host_a_profiles_credential_is_for) {
  TestCommand command({.host = a_host, .profile = "work"});
  BOOST_TEST_REQUIRE(command.store().save("work", session_at(command, b_host, "bo@b.example.com")).has_value());
  const CredentialStatus status = assess_credential(command.context(), true);
  BOOST_TEST(state_name(status.state) == "not_logged_in");
  print_status(command.context().out(), status);
  BOOST_TEST(command.out().find("✗ Not logged in: run `compozy login --profile work` (the profile's stored credential "
                                "is for " + b_host + ", not this host)") != std::string::npos, command.out());
  BOOST_TEST(command.http.requests().empty());
}
