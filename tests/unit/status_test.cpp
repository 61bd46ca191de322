#define BOOST_TEST_MODULE status
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/credential_status.hpp"
#include "compozy/sessions.hpp"
#include "compozy/sign_out.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;
namespace data = boost::unit_test::data;

namespace {

const std::string host = "https://cloud.example.com";
const std::string userinfo_url = host + "/oauth/userinfo";
const std::string revoke_url = host + "/oauth/revoke";
const std::string sessions_url = host + "/api/v1/auth/sessions";

void store(TestCommand& command, const StoredCredential& credential) {
  BOOST_TEST_REQUIRE(command.store().save("default", credential).has_value());
}

Answer me(const char* email) { return json_response(200, {{"sub", "usr_1"}, {"email", email}}); }

}  // namespace

BOOST_AUTO_TEST_CASE(a_session_the_server_accepts_is_valid_and_checked) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3000)));
  command.http.on("GET", userinfo_url, me("ada@example.com"));
  const CredentialStatus status = assess_credential(command.context(), true);
  BOOST_TEST(state_name(status.state) == "valid");
  BOOST_TEST(status.checked);
  BOOST_TEST(status.works());
  BOOST_TEST(status.account == "ada@example.com");
  BOOST_TEST(status.refreshable);
  BOOST_TEST(header_value(command.http.requests().at(0), "Authorization") == "Bearer at-1");

  const json document = status_json(status);
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["state"] == "valid");
  BOOST_TEST(document["credential"]["source"] == "credentials_file");
  BOOST_TEST(document["credential"]["type"] == "oauth");
  BOOST_TEST(document["credential"]["refreshable"] == true);
  BOOST_TEST(document["credential"]["variable"].is_null());
  BOOST_TEST(document.dump().find("at-1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(offline_status_judges_from_the_store_alone) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3000)));
  const CredentialStatus status = assess_credential(command.context(), false);
  BOOST_TEST(state_name(status.state) == "valid");
  BOOST_TEST(!status.checked);
  BOOST_TEST(command.http.requests().empty());
}

// Issue 10: after a revoke-all elsewhere, an expired access token with a dead
// refresh token showed "✓ Logged in" and exit 0. Only a refresh can tell.
struct ExpiredCase {
  const char* what;
  bool ask_server;
  Answer token_endpoint;
  const char* state;
  bool works;
  const char* problem;
  const char* shown;  // the verdict line
  bool still_stored;
};

std::ostream& operator<<(std::ostream& stream, const ExpiredCase& c) { return stream << c.what; }

const ExpiredCase expired_cases[] = {
    {"the refresh works: proven alive", true,
     json_response(200, {{"access_token", "at-2"}, {"token_type", "Bearer"}, {"refresh_token", "rt-2"},
                         {"expires_in", 3600}}),
     "valid", true, "", "  ✓ Logged in as ada@example.com\n", true},
    {"the server ended the session", true,
     json_response(400, {{"error", "invalid_grant"}, {"error_description", "the session is revoked"}}), "rejected",
     false,
     "the session of profile 'default' has ended: the server refused its refresh token (invalid_grant: the session is "
     "revoked); the stored credentials of profiles 'default' and 'work', which held it, were removed",
     "  ✗ The session of profile 'default' has ended: the server refused its refresh token (invalid_grant: the session "
     "is revoked); the stored credentials of profiles 'default' and 'work', which held it, were removed.\n"
     "  Run `compozy login` to sign in again.\n",
     false},
    {"the server cannot be reached", true, unreachable("cannot connect to 'https://cloud.example.com'"), "offline",
     false,
     "refreshing the access token: cannot connect to 'https://cloud.example.com'",
     "  ! Could not check the credential with the server: refreshing the access token: cannot connect to "
     "'https://cloud.example.com'\n",
     true},
    {"--offline asks nothing, so vouches for nothing", false, respond(500, ""), "expired_refreshable", false, "",
     "  ! Not checked whether the session of ada@example.com still works: its access token has expired, and only a "
     "refresh can tell (run without --offline)\n",
     true},
};

BOOST_DATA_TEST_CASE(an_expired_access_token_is_refreshed_before_any_verdict, data::make(expired_cases), c) {
  TestCommand command;
  StoredCredential expired = signed_in_session(command, seconds(-10));
  expired.session_id = "ses_1";
  store(command, expired);
  StoredCredential work = expired;  // the same session, held by another profile
  work.access_token = "at-work";
  work.refresh_token = "rt-work";
  BOOST_TEST_REQUIRE(command.store().save("work", work).has_value());
  command.http.on("POST", host + "/oauth/token", c.token_endpoint);
  command.http.on("GET", userinfo_url, me("ada@example.com"));

  const CredentialStatus status = assess_credential(command.context(), c.ask_server);
  BOOST_TEST(state_name(status.state) == c.state);
  BOOST_TEST(status.works() == c.works);
  BOOST_TEST(status.checked == c.ask_server);
  BOOST_TEST(status.problem == c.problem);
  BOOST_TEST(command.store().load("default")->has_value() == c.still_stored);
  BOOST_TEST(command.store().load("work")->has_value() == c.still_stored);
  if (!c.ask_server) BOOST_TEST(command.http.requests().empty());
  if (c.works) {
    BOOST_TEST(status.refreshed);
    BOOST_TEST(header_value(command.http.requests_to("GET", userinfo_url).at(0), "Authorization") == "Bearer at-2");
    BOOST_TEST(required(required(command.store().load("default"))).access_token == "at-2");
  }
  print_status(command.context().out(), status);
  const std::string text = command.out();
  BOOST_TEST(text.substr(text.find('\n') + 1).starts_with(c.shown), text);
  BOOST_TEST((text.find("✓") != std::string::npos) == c.works, text);
  if (c.works) BOOST_TEST(text.find("; refreshed just now, as it had expired") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(expired_tokens_without_a_refresh_token_are_expired_without_asking) {
  TestCommand dead;
  StoredCredential credential = signed_in_session(dead, seconds(-10));
  credential.refresh_token.clear();
  store(dead, credential);
  const CredentialStatus expired = assess_credential(dead.context(), true);
  BOOST_TEST(state_name(expired.state) == "expired");
  BOOST_TEST(!expired.works());
  BOOST_TEST(expired.problem == "the access token has expired and cannot be refreshed");
  BOOST_TEST(dead.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_rejected_credential_is_never_confused_with_an_unreachable_server) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3000)));
  command.http.on("GET", userinfo_url, respond(401, ""));
  const CredentialStatus rejected = assess_credential(command.context(), true);
  BOOST_TEST(state_name(rejected.state) == "rejected");
  BOOST_TEST(!rejected.works());

  TestCommand offline;
  store(offline, signed_in_session(offline, seconds(3000)));
  offline.http.on("GET", userinfo_url, unreachable("cannot connect to 'https://cloud.example.com'"));
  const CredentialStatus unreachable_server = assess_credential(offline.context(), true);
  BOOST_TEST(state_name(unreachable_server.state) == "offline");
  BOOST_TEST(unreachable_server.problem == "cannot connect to 'https://cloud.example.com'");

  TestCommand failing;
  store(failing, signed_in_session(failing, seconds(3000)));
  failing.http.on("GET", userinfo_url, respond(503, ""));
  BOOST_TEST(state_name(assess_credential(failing.context(), true).state) == "offline");
}

BOOST_AUTO_TEST_CASE(nothing_stored_is_not_logged_in) {
  TestCommand command;
  const CredentialStatus status = assess_credential(command.context(), true);
  BOOST_TEST(state_name(status.state) == "not_logged_in");
  BOOST_TEST(status_json(status)["credential"].is_null());
  print_status(command.context().out(), status);
  BOOST_TEST(command.out() == host + "\n  ✗ Not logged in: run `compozy login`\n");
  BOOST_TEST(command.err().empty());
}

BOOST_AUTO_TEST_CASE(flyzt_api_key_is_checked_through_discovery_and_wins_over_the_store) {
  TestCommand command({.environment = {{"FLYZT_API_KEY", "czk_ci"}}});
  store(command, signed_in_session(command, seconds(3000)));
  command.http.on("GET", host + "/.well-known/oauth-authorization-server",
                  json_response(200, {{"issuer", host}, {"token_endpoint", host + "/oauth/token"}}));
  command.http.on("GET", host + "/api/v1/me",
                  json_response(200, {{"id", "usr_2"}, {"email", "ci@example.com"},
                                      {"credential", {{"expires_at", "2027-01-01T00:00:00Z"}}}}));
  const CredentialStatus status = assess_credential(command.context(), true);
  BOOST_TEST(state_name(status.state) == "valid");
  BOOST_TEST(status.account == "ci@example.com");
  BOOST_TEST(status.file_entry_ignored);
  BOOST_TEST(status.expires_at == parse_rfc3339("2027-01-01T00:00:00Z"));
  BOOST_TEST(header_value(command.http.requests().back(), "Authorization") == "Bearer czk_ci");
  const json document = status_json(status);
  BOOST_TEST(document["credential"]["source"] == "environment");
  BOOST_TEST(document["credential"]["variable"] == "FLYZT_API_KEY");
  print_status(command.context().out(), status);
  BOOST_TEST(command.out().find("Credential: API key from FLYZT_API_KEY") != std::string::npos);
  BOOST_TEST(command.err() == "warning: the stored credentials are ignored while FLYZT_API_KEY is set\n");
}

BOOST_AUTO_TEST_CASE(the_text_status_says_who_where_and_until_when) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3600)));
  command.http.on("GET", userinfo_url, me("ada@example.com"));
  print_status(command.context().out(), assess_credential(command.context(), true));
  const std::string text = command.out();
  BOOST_TEST(text.find("  ✓ Logged in as ada@example.com\n") != std::string::npos, text);
  BOOST_TEST(text.find("  Credential: OAuth session, stored in " + command.store().file().string()) != std::string::npos);
  BOOST_TEST(text.find("  Access token: expires in 1 hour (") != std::string::npos);
  BOOST_TEST(text.find("; refreshed automatically") != std::string::npos);
  BOOST_TEST(text.find("  Scopes: openid email offline_access") != std::string::npos);
  BOOST_TEST(command.err().empty(), "the report is data, on stdout");
}

BOOST_AUTO_TEST_CASE(logout_revokes_the_refresh_token_then_the_access_token) {
  TestCommand command;
  command.http.on("POST", revoke_url, respond(200, ""));
  BOOST_TEST_REQUIRE(revoke_at_server(command.context(), signed_in_session(command, seconds(3000))).has_value());
  const auto& sent = command.http.requests();
  BOOST_TEST_REQUIRE(sent.size() == 2u);
  BOOST_TEST(form_value(sent[0], "token") == "rt-1");
  BOOST_TEST(form_value(sent[0], "token_type_hint") == "refresh_token");
  BOOST_TEST(form_value(sent[1], "token") == "at-1");
  BOOST_TEST(form_value(sent[1], "token_type_hint") == "access_token");
}

BOOST_AUTO_TEST_CASE(logout_stops_at_the_first_failed_revocation_and_finds_the_endpoint_if_needed) {
  TestCommand command;
  command.http.on("POST", revoke_url, respond(503, ""));
  const auto failed = revoke_at_server(command.context(), signed_in_session(command, seconds(3000)));
  BOOST_TEST_REQUIRE(!failed.has_value());
  BOOST_TEST(failed.error().message == "revocation endpoint '" + revoke_url + "' answered HTTP 503");
  BOOST_TEST(command.http.requests().size() == 1u);

  TestCommand without_endpoint;
  StoredCredential credential = signed_in_session(without_endpoint, seconds(3000));
  credential.revocation_endpoint.clear();
  without_endpoint.http.on("GET", host + "/.well-known/oauth-authorization-server",
                           json_response(200, {{"issuer", host}, {"token_endpoint", host + "/oauth/token"}}));
  const auto none = revoke_at_server(without_endpoint.context(), credential);
  BOOST_TEST_REQUIRE(!none.has_value());
  BOOST_TEST(none.error().message == "the server offers no token revocation");
}

BOOST_AUTO_TEST_CASE(sessions_are_listed_with_this_machines_marked) {
  TestCommand command;
  command.http.on("GET", sessions_url,
                  json_response(200, {{"sessions",
                                       {{{"id", "ses_1"}, {"client_id", "compozy-cli"}, {"user_agent", "compozy/0.1.0"},
                                         {"created_at", "2027-01-15T08:00:00Z"}, {"current", true}},
                                        {{"id", "ses_2"}, {"client_id", "compozy-cli"}, {"user_agent", "curl/8"}},
                                        {{"client_id", "no id: dropped"}},
                                        "not an object"}}}));
  const auto sessions = list_sessions(command.context(), ActiveCredential{"at-1"});
  BOOST_TEST_REQUIRE(sessions.has_value());
  BOOST_TEST_REQUIRE(sessions->size() == 2u);
  BOOST_TEST(sessions->at(0).current);
  BOOST_TEST(sessions->at(0).created_at == parse_rfc3339("2027-01-15T08:00:00Z"));
  BOOST_TEST(!sessions->at(1).current);

  print_sessions(command.context().out(), host, *sessions, command.clock.now());
  BOOST_TEST(command.out() == "*\tses_1\tcompozy/0.1.0\t\t2027-01-15T08:00:00Z\t\t\t\t\n"
                              "\tses_2\tcurl/8\t\t\t\t\t\t\n");
  const json document = sessions_json(host, *sessions, command.clock.now());
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["sessions"][0]["id"] == "ses_1");
  BOOST_TEST(document["sessions"][1]["created_at"].is_null());
}

BOOST_AUTO_TEST_CASE(a_server_without_the_sessions_api_says_so) {
  for (const Answer& answer : {respond(404, ""), respond(405, ""), json_response(200, {{"items", json::array()}})}) {
    TestCommand command;
    command.http.on("GET", sessions_url, answer);
    const auto sessions = list_sessions(command.context(), ActiveCredential{"at-1"});
    BOOST_TEST_REQUIRE(!sessions.has_value());
    BOOST_TEST(sessions.error().message == "the server at '" + host + "' does not offer session management");
    BOOST_TEST(sessions.error().hint == "manage sessions in that server's own console");
  }
}

// Found by the fault matrix (tests/e2e/faults.sh): a server failing mid-answer was
// said to have no session management, and one whose sessions could not be read to
// have none, with exit status 0.
BOOST_AUTO_TEST_CASE(a_broken_listing_is_an_error_not_a_missing_api_nor_an_empty_list) {
  const struct {
    Answer answer;
    std::string message;
  } cases[] = {
      {respond(200, R"({"sessions": [{"id": "ses_1",)", {{"content-type", "application/json; charset=utf-8"}}),
       "'" + sessions_url + "' answered with something that is not JSON"},
      {json_response(200, {{"sessions", {{{"id", 5}}, {{"id", json::array()}}, "ses_3"}}}),
       "'" + sessions_url + "' listed sessions without an id"},
  };
  for (const auto& c : cases) {
    TestCommand command;
    command.http.on("GET", sessions_url, c.answer);
    BOOST_TEST(failure_of(list_sessions(command.context(), ActiveCredential{"at-1"})).message == c.message);
  }
  TestCommand html_page;
  html_page.http.on("GET", sessions_url, respond(200, "<html></html>", {{"content-type", "text/html"}}));
  BOOST_TEST(failure_of(list_sessions(html_page.context(), ActiveCredential{"at-1"})).message ==
             "the server at '" + host + "' does not offer session management");
  TestCommand empty;
  empty.http.on("GET", sessions_url, json_response(200, {{"sessions", json::array()}}));
  BOOST_TEST(required(list_sessions(empty.context(), ActiveCredential{"at-1"})).empty());
}

BOOST_AUTO_TEST_CASE(a_rejected_session_credential_says_which_one) {
  TestCommand command;
  command.http.on("GET", sessions_url, respond(401, ""));
  const auto stored_session = list_sessions(command.context(), ActiveCredential{"at-1"});
  BOOST_TEST_REQUIRE(!stored_session.has_value());
  BOOST_TEST((stored_session.error().code == ExitCode::not_logged_in));
  BOOST_TEST(stored_session.error().hint == "run `compozy login`");
  const auto key = list_sessions(command.context(), ActiveCredential{"czk", CredentialOrigin::environment});
  BOOST_TEST_REQUIRE(!key.has_value());
  BOOST_TEST(key.error().message == "the server rejected the API key in FLYZT_API_KEY");
}

BOOST_AUTO_TEST_CASE(revoking_sessions_reads_the_servers_answers) {
  TestCommand command;
  command.http.on("DELETE", sessions_url + "/ses_1", respond(204, ""));
  command.http.on("DELETE", sessions_url + "/ses_x", respond(404, ""));
  command.http.on("POST", sessions_url + "/revoke-all", json_response(200, {{"revoked", 3}}));
  BOOST_TEST(revoke_session(command.context(), ActiveCredential{"at-1"}, "ses_1").has_value());
  const auto unknown = revoke_session(command.context(), ActiveCredential{"at-1"}, "ses_x");
  BOOST_TEST_REQUIRE(!unknown.has_value());
  BOOST_TEST(unknown.error().message == "no active session with id 'ses_x'");
  BOOST_TEST(unknown.error().hint == "see `compozy auth list` for the sessions of your account");
  const auto count = revoke_all_sessions(command.context(), ActiveCredential{"at-1"});
  BOOST_TEST_REQUIRE(count.has_value());
  BOOST_TEST(*count == 3);

  TestCommand vague;
  vague.http.on("POST", sessions_url + "/revoke-all", json_response(200, {{"ok", true}}));
  BOOST_TEST(failure_of(revoke_all_sessions(vague.context(), ActiveCredential{"at-1"})).message ==
             "'" + sessions_url + "/revoke-all' did not say how many sessions it revoked");
}

// Issue 8, finding 2: the account name from the server was stored, then printed raw.
BOOST_AUTO_TEST_CASE(a_hostile_account_name_never_reaches_the_terminal_raw) {
  TestCommand command;
  StoredCredential credential = signed_in_session(command, seconds(3000));
  credential.account = "\033[2J\033]0;owned\aada";
  store(command, credential);
  print_status(command.context().out(), assess_credential(command.context(), false));
  BOOST_TEST(command.out().find('\033') == std::string::npos, command.out());
  BOOST_TEST(command.out().find("\\x1b[2J\\x1b]0;owned\\x07ada") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failure_is_reported_on_one_safe_line) {
  TestCommand command;
  detail::report_failure(command.context().out(), "auth status",
                         Error{"the server refused: \033]8;;https://evil/\033\\click\033]8;;\033\\\nfake line", ExitCode::failure,
                               "run\rthis"});
  BOOST_TEST(command.err() ==
             "compozy auth status: error: the server refused: \\x1b]8;;https://evil/\\x1b\\click\\x1b]8;;\\x1b\\\\x0afake line\n"
             "hint: run\\x0dthis\n");
}

// Found writing the man pages: login's usage runs over two lines, and its second came out as "\x0a".
BOOST_AUTO_TEST_CASE(a_usage_of_several_lines_is_shown_as_lines) {
  TestCommand command;
  detail::report_failure(command.context().out(), "login", Error{"option 'x' does not exist", ExitCode::usage},
                         "[--web]\n       [--store NAME]");
  BOOST_TEST(command.err() ==
             "compozy login: error: option 'x' does not exist\n"
             "usage: compozy login [--web]\n"
             "       [--store NAME]\n");
}

BOOST_AUTO_TEST_CASE(session_fields_of_the_wrong_type_are_skipped_not_thrown) {
  TestCommand command;
  command.http.on("GET", sessions_url,
                  json_response(200, {{"sessions", {{{"id", 5}, {"current", "yes"}},
                                                    {{"id", "ses_2"}, {"user_agent", json::array()}, {"current", 1}}}}}));
  const auto sessions = required(list_sessions(command.context(), ActiveCredential{"at-1"}));
  BOOST_TEST_REQUIRE(sessions.size() == 1u);
  BOOST_TEST(sessions[0].id == "ses_2");
  BOOST_TEST(sessions[0].user_agent.empty());
  BOOST_TEST(!sessions[0].current);
  command.http.on("POST", sessions_url + "/revoke-all", json_response(200, {{"revoked", "3"}}));
  BOOST_TEST(required(revoke_all_sessions(command.context(), ActiveCredential{"at-1"})) == 3);
}

BOOST_AUTO_TEST_CASE(logout_revokes_then_forgets_and_says_so) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3000)));
  command.http.on("POST", revoke_url, respond(200, ""));
  BOOST_TEST_REQUIRE(log_out(command.context(), false).has_value());
  BOOST_TEST(!required(command.store().load("default")).has_value());
  BOOST_TEST(command.err() == "✓ Logged out of " + host + " (ada@example.com)\n");
  BOOST_TEST(command.http.requests().size() == 2u);
}

// Issue 8, finding 4: logout could not get rid of an entry it could not read.
BOOST_AUTO_TEST_CASE(logout_removes_an_entry_it_cannot_read_and_keeps_the_others) {
  TestCommand command;
  StoredCredential other = signed_in_session(command, seconds(3000));
  BOOST_TEST_REQUIRE(command.store().save("work", other).has_value());
  command.folder.write("credentials.yaml", "version: 1\nprofiles:\n  default: [broken]\n  work:\n    host: " + host +
                                               "\n    type: oauth\n    access_token: at-work\n");
  ::chmod(command.store().file().c_str(), 0600);
  BOOST_TEST_REQUIRE(log_out(command.context(), false).has_value());
  BOOST_TEST(command.err().find("warning: the stored entry of profile 'default' could not be read") != std::string::npos,
             command.err());
  BOOST_TEST(!required(command.store().load("default")).has_value());
  BOOST_TEST(required(required(command.store().load("work"))).access_token == "at-work");
  BOOST_TEST(command.http.requests().empty());
}

// Issue 8, finding 8: a logout racing a new login removed the new credential it never revoked.
BOOST_AUTO_TEST_CASE(logout_keeps_a_credential_that_a_login_stored_meanwhile) {
  TestCommand command;
  store(command, signed_in_session(command, seconds(3000)));
  StoredCredential newer = signed_in_session(command, seconds(3000));
  newer.access_token = "at-newer";
  command.http.on("POST", revoke_url, [&](const HttpRequest&) -> Result<HttpResponse> {
    // While the revocation is on its way, a login in another terminal finishes.
    BOOST_TEST_REQUIRE(CredentialStore(command.folder.path()).save("default", newer).has_value());
    return HttpResponse{200, {}, ""};
  });
  BOOST_TEST_REQUIRE(log_out(command.context(), false).has_value());
  BOOST_TEST(required(required(command.store().load("default"))).access_token == "at-newer");
  BOOST_TEST(command.err().find("warning: a sign-in finished while logging out: its new credentials were kept") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_session_unused_for_longer_than_the_age_is_inactive_but_never_this_machines) {
  const TimePoint now = from_unix_seconds(1'800'000'000);
  const auto days_ago = [&](int days) { return std::optional<TimePoint>(now - std::chrono::days(days)); };
  const auto session = [](std::optional<TimePoint> created, std::optional<TimePoint> last_used, bool current = false) {
    Session made;
    made.id = "ses_x";
    made.created_at = created;
    made.last_used_at = last_used;
    made.current = current;
    return made;
  };
  const Session old = session(days_ago(60), days_ago(31));
  const Session recent = session(days_ago(60), days_ago(29));
  const Session never_used = session(days_ago(31), std::nullopt);
  const Session unknown = session(std::nullopt, std::nullopt);
  const Session ours = session(days_ago(60), days_ago(60), true);
  const auto age = std::chrono::days(30);
  BOOST_TEST(is_inactive(old, now, age));
  BOOST_TEST(!is_inactive(recent, now, age));
  BOOST_TEST(is_inactive(never_used, now, age));
  BOOST_TEST(!is_inactive(unknown, now, age));
  BOOST_TEST(!is_inactive(ours, now, age));
  BOOST_TEST(!is_inactive(old, now, std::chrono::days(40)));

  ConfigFile config;
  BOOST_TEST((inactive_session_age(config) == std::chrono::days(30)));
  config.inactive_session_age = std::chrono::hours(12);
  BOOST_TEST((inactive_session_age(config) == std::chrono::hours(12)));

  const json document = sessions_json("https://h", {old, recent}, now, age);
  BOOST_TEST(document["sessions"][0]["inactive"] == true);
  BOOST_TEST(document["sessions"][1]["inactive"] == false);
}
