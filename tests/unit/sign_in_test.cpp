#define BOOST_TEST_MODULE sign_in
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "compozy/browser.hpp"
#include "compozy/crypto.hpp"
#include "compozy/config.hpp"
#include "compozy/sign_in.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;
namespace data = boost::unit_test::data;

namespace {

const std::string host = "https://cloud.example.com";
const std::string device_url = host + "/oauth/device";
const std::string token_url = host + "/oauth/token";
const std::string userinfo_url = host + "/oauth/userinfo";

ServerMetadata server() {
  ServerMetadata server;
  server.issuer = host;
  server.authorization_endpoint = host + "/oauth/authorize";
  server.token_endpoint = token_url;
  server.device_authorization_endpoint = device_url;
  server.revocation_endpoint = host + "/oauth/revoke";
  server.userinfo_endpoint = userinfo_url;
  return server;
}

json device_answer(int expires_in = 600, int interval = 5) {
  return {{"device_code", "dc-1"},
          {"user_code", "BCDF-GHJK"},
          {"verification_uri", host + "/device"},
          {"verification_uri_complete", host + "/device?user_code=BCDF-GHJK"},
          {"expires_in", expires_in},
          {"interval", interval}};
}

json tokens() {
  return {{"access_token", "at-1"}, {"token_type", "Bearer"}, {"refresh_token", "rt-1"}, {"expires_in", 3600},
          {"scope", "openid email offline_access"}};
}

Answer pending(const char* code) { return json_response(400, {{"error", code}}); }

void serve_identity(FakeHttpClient& http) {
  http.on("GET", userinfo_url, json_response(200, {{"sub", "usr_1"}, {"email", "ada@example.com"}}));
}

Result<StoredCredential> device_sign_in(TestCommand& command, seconds timeout = seconds(300)) {
  Context& context = command.context();
  return sign_in_with_device_code(context, server(), {std::nullopt, command.clock.monotonic() + timeout});
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_device_flow_polls_until_approved_and_stores_who_signed_in) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer()));
  command.http.on("POST", token_url, pending("authorization_pending"))
      .on("POST", token_url, pending("authorization_pending"))
      .on("POST", token_url, json_response(200, tokens()));
  serve_identity(command.http);

  const auto credential = device_sign_in(command);
  BOOST_TEST_REQUIRE(credential.has_value(), credential.error().message);
  BOOST_TEST(credential->access_token == "at-1");
  BOOST_TEST(credential->refresh_token == "rt-1");
  BOOST_TEST(credential->account == "ada@example.com");
  BOOST_TEST(credential->subject == "usr_1");
  BOOST_TEST(credential->host == host);
  BOOST_TEST(credential->obtained_at == command.clock.now());
  BOOST_TEST(credential->expires_at == std::optional<TimePoint>(command.clock.now() + seconds(3600)));
  BOOST_TEST(credential->revocation_endpoint == host + "/oauth/revoke");
  BOOST_TEST(command.http.requests_to("POST", token_url).size() == 3u);
  BOOST_TEST(form_value(command.http.requests_to("POST", token_url).at(0), "grant_type") ==
             "urn:ietf:params:oauth:grant-type:device_code");
  BOOST_TEST(form_value(command.http.requests_to("POST", device_url).at(0), "scope") == "openid email offline_access");
  // The person sees the code and where to enter it.
  BOOST_TEST(command.err().find("First copy your one-time code: BCDF-GHJK") != std::string::npos);
  BOOST_TEST(command.err().find(host + "/device?user_code=BCDF-GHJK") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(slow_down_adds_five_seconds_to_the_interval_each_time) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer(600, 2)));
  command.http.on("POST", token_url, pending("slow_down"))
      .on("POST", token_url, pending("authorization_pending"))
      .on("POST", token_url, pending("slow_down"))
      .on("POST", token_url, json_response(200, tokens()));
  serve_identity(command.http);
  BOOST_TEST_REQUIRE(device_sign_in(command).has_value());
  using std::chrono::milliseconds;
  BOOST_TEST(command.clock.sleeps == (std::vector<milliseconds>{seconds(2), seconds(7), seconds(7), seconds(12)}));
}

BOOST_AUTO_TEST_CASE(without_an_interval_the_client_waits_five_seconds) {
  TestCommand command;
  json answer = device_answer();
  answer.erase("interval");
  command.http.on("POST", device_url, json_response(200, answer));
  command.http.on("POST", token_url, json_response(200, tokens()));
  serve_identity(command.http);
  BOOST_TEST_REQUIRE(device_sign_in(command).has_value());
  BOOST_TEST(command.clock.sleeps.at(0) == std::chrono::milliseconds(seconds(5)));
}

struct DeviceEnding {
  const char* what;
  std::vector<Answer> polls;
  int code_lifetime;
  int timeout;
  std::string message;
  std::string hint;
};

std::ostream& operator<<(std::ostream& stream, const DeviceEnding& c) { return stream << c.what; }

const DeviceEnding device_endings[] = {
    {"a denial", {pending("authorization_pending"), pending("access_denied")}, 600, 300, "the sign-in was denied",
     "run `compozy login` again and approve the code"},
    {"the server's expired_token", {pending("expired_token")}, 600, 300,
     "the code expired before it was approved (after 10 minutes)", "run `compozy login` again"},
    {"another refusal", {json_response(400, {{"error", "invalid_client"}, {"error_description", "who?"}})}, 600, 300,
     "the server refused the device sign-in (invalid_client: who?)", ""},
    {"the code's lifetime running out", {pending("authorization_pending")}, 20, 300,
     "the code expired before it was approved", "run `compozy login` again"},
    {"the --timeout running out", {pending("authorization_pending")}, 600, 20,
     "timed out waiting for the code to be approved", "run `compozy login` again, with a longer --timeout if needed"},
    {"the server out of reach", {unreachable("cannot connect to 'https://cloud.example.com'")}, 600, 300,
     "waiting for the approval: cannot connect to 'https://cloud.example.com'", ""},
};

BOOST_DATA_TEST_CASE(the_device_flow_ends_with_one_clear_reason, data::make(device_endings), c) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer(c.code_lifetime, 5)));
  for (const auto& poll : c.polls) command.http.on("POST", token_url, poll);
  const auto credential = device_sign_in(command, seconds(c.timeout));
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message == c.message);
  BOOST_TEST(credential.error().hint == c.hint);
  BOOST_TEST(command.http.requests_to("GET", userinfo_url).empty());
}

BOOST_AUTO_TEST_CASE(a_server_without_device_authorization_says_what_to_use_instead) {
  TestCommand command;
  ServerMetadata no_device = server();
  no_device.device_authorization_endpoint.clear();
  const auto credential =
      sign_in_with_device_code(command.context(), no_device, {std::nullopt, command.clock.monotonic() + seconds(60)});
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message == "the server at '" + host + "' offers no device sign-in");
  BOOST_TEST(command.http.requests().empty());
}

struct BadDeviceAnswer {
  const char* what;
  Answer answer;
  std::string message;
};

std::ostream& operator<<(std::ostream& stream, const BadDeviceAnswer& c) { return stream << c.what; }

const BadDeviceAnswer bad_device_answers[] = {
    {"missing fields", json_response(200, {{"device_code", "x"}}),
     "starting the device sign-in: device authorization endpoint '" + device_url +
         "' left out device_code, user_code or verification_uri"},
    {"not JSON", respond(200, "hello"),
     "starting the device sign-in: device authorization endpoint '" + device_url + "' answered with something that is not JSON"},
    {"a refusal", json_response(400, {{"error", "invalid_scope"}, {"error_description", "nope"}}),
     "starting the device sign-in: device authorization endpoint '" + device_url + "' refused: invalid_scope nope"},
    // The fault matrix (tests/e2e/faults.sh): a failing server's JSON is not a refusal, and not shown.
    {"a 503 with an error body", json_response(503, {{"error", "temporarily_unavailable"}, {"error_description", "x"}}),
     "starting the device sign-in: device authorization endpoint '" + device_url + "' answered HTTP 503"},
};

BOOST_DATA_TEST_CASE(a_bad_device_answer_is_named, data::make(bad_device_answers), c) {
  TestCommand command;
  command.http.on("POST", device_url, c.answer);
  const auto credential = device_sign_in(command);
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message == c.message);
}

BOOST_AUTO_TEST_CASE(an_id_token_from_the_device_flow_is_checked) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer()));
  json with_id_token = tokens();
  with_id_token["id_token"] = base64url_encode("{}") + "." +
                              base64url_encode(json{{"iss", "https://evil.example.com"}, {"aud", "compozy-cli"},
                                                    {"exp", 1'900'000'000}}.dump()) + ".sig";
  command.http.on("POST", token_url, json_response(200, with_id_token));
  serve_identity(command.http);
  const auto credential = device_sign_in(command);
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message ==
             "checking the sign-in: the ID token was issued by 'https://evil.example.com', not '" + host + "'");
}

BOOST_AUTO_TEST_CASE(the_session_is_named_by_the_id_tokens_sid) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer()));
  json with_id_token = tokens();
  const auto expires = unix_seconds(command.clock.now()) + 3600;
  with_id_token["id_token"] = base64url_encode("{}") + "." +
                              base64url_encode(json{{"iss", host}, {"aud", "compozy-cli"}, {"exp", expires},
                                                    {"sub", "usr_1"}, {"sid", "ses_1"}}.dump()) + ".sig";
  command.http.on("POST", token_url, json_response(200, with_id_token));
  serve_identity(command.http);
  const auto credential = device_sign_in(command);
  BOOST_TEST_REQUIRE(credential.has_value(), credential.error().message);
  BOOST_TEST(credential->session_id == "ses_1");
}

BOOST_AUTO_TEST_CASE(an_api_key_is_checked_with_the_server_before_it_is_kept) {
  TestCommand command;
  command.http.on("GET", host + "/.well-known/oauth-authorization-server",
                  json_response(200, {{"issuer", host}, {"token_endpoint", token_url}}));
  command.http.on("GET", host + "/api/v1/me",
                  json_response(200, {{"id", "usr_1"}, {"email", "ada@example.com"},
                                      {"credential", {{"type", "api_key"}, {"expires_at", "2027-06-01T00:00:00Z"}}}}));
  const auto credential = sign_in_with_api_key(command.context(), "czk_key");
  BOOST_TEST_REQUIRE(credential.has_value(), credential.error().message);
  BOOST_TEST((credential->kind == CredentialKind::api_key));
  BOOST_TEST(credential->access_token == "czk_key");
  BOOST_TEST(credential->account == "ada@example.com");
  BOOST_TEST(credential->expires_at == parse_rfc3339("2027-06-01T00:00:00Z"));
  BOOST_TEST(header_value(command.http.requests().back(), "Authorization") == "Bearer czk_key");

  TestCommand refused;
  refused.http.on("GET", host + "/api/v1/me", respond(401, ""));
  const auto rejected = sign_in_with_api_key(refused.context(), "czk_bad");
  BOOST_TEST_REQUIRE(!rejected.has_value());
  BOOST_TEST(rejected.error().message == "the server at '" + host + "' rejected this API key");
}

BOOST_AUTO_TEST_CASE(a_new_sign_in_revokes_the_session_it_replaces) {
  TestCommand command;
  StoredCredential old_session;
  old_session.host = host;
  old_session.client_id = "compozy-cli";
  old_session.access_token = "at-old";
  old_session.refresh_token = "rt-old";
  old_session.revocation_endpoint = host + "/oauth/revoke";
  BOOST_TEST_REQUIRE(command.store().save("default", old_session).has_value());
  StoredCredential new_session = old_session;
  new_session.access_token = "at-new";
  new_session.refresh_token = "rt-new";
  new_session.account = "ada@example.com";
  command.http.on("POST", host + "/oauth/revoke", respond(200, ""));

  BOOST_TEST_REQUIRE(keep_signed_in(command.context(), new_session).has_value());
  BOOST_TEST(required(required(command.store().load("default"))).access_token == "at-new");
  const auto revoked = command.http.requests_to("POST", host + "/oauth/revoke");
  BOOST_TEST_REQUIRE(revoked.size() == 2u);
  BOOST_TEST(form_value(revoked[0], "token") == "rt-old");
  BOOST_TEST(form_value(revoked[1], "token") == "at-old");
  BOOST_TEST(command.err() == "✓ Logged in to " + host + " as ada@example.com\n"
                              "Replaced the session of an unknown account at " + host + ": it was revoked.\n");

  TestCommand offline;
  BOOST_TEST_REQUIRE(offline.store().save("default", old_session).has_value());
  offline.http.on("POST", host + "/oauth/revoke", unreachable("cannot connect to 'https://cloud.example.com'"));
  BOOST_TEST_REQUIRE(keep_signed_in(offline.context(), new_session).has_value());
  BOOST_TEST(offline.err().find("warning: this replaced the session of an unknown account at " + host +
                                ", which could not be revoked (cannot connect to 'https://cloud.example.com'): it "
                                "stays valid until it expires") != std::string::npos, offline.err());
}

// Issue 10: `login --profile work --host B` over a session at host A revokes it
// at A (its own host), and records B as the profile's host once signed in.
BOOST_AUTO_TEST_CASE(a_login_to_another_host_revokes_the_old_session_at_its_own_host_and_records_the_new_host) {
  TestCommand command({.host = "https://b.example.com", .profile = "work", .host_from_flag = true,
                       .config_yaml = "aliases:\n  st: auth status\nprofiles:\n  work:\n    host: https://a.example.com\n"});
  StoredCredential at_a;
  at_a.host = "https://a.example.com";
  at_a.client_id = "compozy-cli";
  at_a.access_token = "at-a";
  at_a.refresh_token = "rt-a";
  at_a.account = "ada@a.example.com";
  BOOST_TEST_REQUIRE(command.store().save("work", at_a).has_value());
  command.http.on("GET", "https://a.example.com/.well-known/oauth-authorization-server",
                  json_response(200, {{"issuer", "https://a.example.com"},
                                      {"token_endpoint", "https://a.example.com/oauth/token"},
                                      {"revocation_endpoint", "https://a.example.com/oauth/revoke"}}));
  command.http.on("POST", "https://a.example.com/oauth/revoke", respond(200, ""));
  StoredCredential at_b = at_a;
  at_b.host = "https://b.example.com";
  at_b.access_token = "at-b";
  at_b.refresh_token = "rt-b";
  at_b.account = "ada@b.example.com";
  BOOST_TEST_REQUIRE(keep_signed_in(command.context(), at_b).has_value());

  const auto revoked = command.http.requests_to("POST", "https://a.example.com/oauth/revoke");
  BOOST_TEST_REQUIRE(revoked.size() == 2u);
  BOOST_TEST(form_value(revoked[0], "token") == "rt-a");
  BOOST_TEST(command.http.requests_to("POST", "https://b.example.com/oauth/revoke").empty());
  BOOST_TEST(command.err().find("Profile 'work' now uses https://b.example.com (was https://a.example.com)") !=
             std::string::npos, command.err());
  BOOST_TEST(command.err().find("Replaced the session of ada@a.example.com at https://a.example.com: it was revoked.") !=
             std::string::npos, command.err());
  auto config = load_config(command.context().config_file());
  BOOST_TEST_REQUIRE(config.has_value());
  BOOST_TEST(config->profiles.at("work").host == std::optional<std::string>("https://b.example.com"));
  BOOST_TEST(config->aliases.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_replaced_api_key_is_reported_and_the_host_is_recorded_only_from_a_flag) {
  TestCommand command;
  StoredCredential key;
  key.host = host;
  key.kind = CredentialKind::api_key;
  key.access_token = "key-1";
  key.account = "ada@example.com";
  BOOST_TEST_REQUIRE(command.store().save("default", key).has_value());
  StoredCredential session = key;
  session.kind = CredentialKind::oauth;
  session.access_token = "at-new";
  BOOST_TEST_REQUIRE(keep_signed_in(command.context(), session).has_value());
  BOOST_TEST(command.http.requests().empty());
  BOOST_TEST(command.err().find("warning: this replaced the API key of ada@example.com at " + host +
                                ": it is forgotten here but stays valid") != std::string::npos, command.err());
  BOOST_TEST(!std::filesystem::exists(command.context().config_file()));  // the host came from the profile
}

namespace {

// A browser that writes the arguments it was given to a file, one per line.
std::vector<std::string> recording_browser(const TempFolder& folder) {
  folder.write("browser", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$0.args.tmp\"\n"
                          "env > \"$0.env\"\nmv \"$0.args.tmp\" \"$0.args\"\n");
  ::chmod((folder.path() / "browser").c_str(), 0700);
  return {(folder.path() / "browser").string()};
}

std::string browser_arguments(const TempFolder& folder) {
  for (int i = 0; i < 400 && !std::filesystem::exists(folder.path() / "browser.args"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::ifstream stream(folder.path() / "browser.args");
  return std::string(std::istreambuf_iterator<char>(stream), {});
}

}  // namespace

// Issue 8, findings 2 and 3: the device flow printed the server's code and URL raw,
// and handed any verification URL to the browser.
BOOST_AUTO_TEST_CASE(the_device_page_opens_only_when_it_is_an_https_url_and_is_shown_safely) {
  for (const char* page : {"--version", "file:///etc/passwd", "javascript:alert(1)", "http://evil.example.com/device",
                           "https://cloud.example.com/device?user_code=X\033]0;t\a"}) {
    TestCommand command;
    const auto browser = recording_browser(command.folder);
    json answer = device_answer();
    answer["verification_uri"] = page;
    answer["verification_uri_complete"] = page;
    answer["user_code"] = "\033[2JBCDF";
    command.http.on("POST", device_url, json_response(200, answer));
    command.http.on("POST", token_url, json_response(200, tokens()));
    serve_identity(command.http);
    BOOST_TEST_REQUIRE(sign_in_with_device_code(command.context(), server(),
                                                {browser, command.clock.monotonic() + seconds(300)})
                           .has_value());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    BOOST_TEST(!std::filesystem::exists(command.folder.path() / "browser.args"), page);
    BOOST_TEST(command.err().find('\033') == std::string::npos, command.err());
    BOOST_TEST(command.err().find("\\x1b[2JBCDF") != std::string::npos);
    BOOST_TEST(command.err().find("warning: not opening the verification page in a browser: it is not an https URL") !=
               std::string::npos, command.err());
  }
  TestCommand command;
  const auto browser = recording_browser(command.folder);
  command.http.on("POST", device_url, json_response(200, device_answer()));
  command.http.on("POST", token_url, json_response(200, tokens()));
  serve_identity(command.http);
  BOOST_TEST_REQUIRE(sign_in_with_device_code(command.context(), server(),
                                              {browser, command.clock.monotonic() + seconds(300)})
                         .has_value());
  BOOST_TEST(browser_arguments(command.folder) == host + "/device?user_code=BCDF-GHJK\n");
}

// Issue 8, finding 8: FLYZT_API_KEY reached the browser's environment.
BOOST_AUTO_TEST_CASE(the_browser_gets_none_of_our_secrets) {
  TempFolder folder;
  const auto browser = recording_browser(folder);
  ::setenv("FLYZT_API_KEY", "czk_secret", 1);
  const auto opened = open_in_browser(browser, "https://cloud.example.com/x");
  ::unsetenv("FLYZT_API_KEY");
  BOOST_TEST_REQUIRE(opened.has_value());
  BOOST_TEST(browser_arguments(folder) == "https://cloud.example.com/x\n");
  std::ifstream env(folder.path() / "browser.env");
  const std::string seen(std::istreambuf_iterator<char>(env), {});
  BOOST_TEST(seen.find("czk_secret") == std::string::npos);
}

// Issue 8, finding 7: browser_command kept a view into a temporary PATH string (ASan: use after
// free) whenever DISPLAY was set and PATH was longer than 15 characters.
BOOST_AUTO_TEST_CASE(a_desktop_session_finds_xdg_open_on_a_long_path) {
  TempFolder folder;
  folder.write("xdg-open", "#!/bin/sh\n");
  ::chmod((folder.path() / "xdg-open").c_str(), 0700);
  const std::string path = "/nonexistent/" + std::string(200, 'p') + ":" + folder.path().string();
  const auto command = browser_command(Environment({{"DISPLAY", ":0"}, {"PATH", path}}));
  BOOST_TEST_REQUIRE(command.has_value());
  BOOST_TEST(*command == std::vector<std::string>{"xdg-open"});
  BOOST_TEST(!browser_command(Environment({{"DISPLAY", ":0"}, {"PATH", "/nonexistent"}})).has_value());
  BOOST_TEST(!browser_command(Environment({{"DISPLAY", ":0"}, {"SSH_TTY", "/dev/pts/1"}, {"PATH", path}})).has_value());
}

BOOST_AUTO_TEST_CASE(slow_down_never_stretches_the_interval_past_a_minute) {
  TestCommand command;
  command.http.on("POST", device_url, json_response(200, device_answer(86400, 50)));
  for (int i = 0; i < 5; ++i) command.http.on("POST", token_url, pending("slow_down"));
  command.http.on("POST", token_url, json_response(200, tokens()));
  serve_identity(command.http);
  BOOST_TEST_REQUIRE(device_sign_in(command, seconds(3600)).has_value());
  for (const auto slept : command.clock.sleeps) BOOST_TEST(slept <= std::chrono::milliseconds(seconds(60)));
}

// Issue 8, finding 8: a login into a folder it could not write left a live session behind.
BOOST_AUTO_TEST_CASE(a_session_that_cannot_be_stored_is_revoked_at_once) {
  TestCommand command;
  std::filesystem::create_directory(command.folder.path() / "credentials.lock");  // no lock, no write
  StoredCredential credential;
  credential.host = host;
  credential.client_id = "compozy-cli";
  credential.access_token = "at-new";
  credential.refresh_token = "rt-new";
  credential.revocation_endpoint = host + "/oauth/revoke";
  command.http.on("POST", host + "/oauth/revoke", respond(200, ""));
  const auto kept = keep_signed_in(command.context(), credential);
  BOOST_TEST_REQUIRE(!kept.has_value());
  BOOST_TEST(kept.error().message.starts_with("storing the credentials: locking '"), kept.error().message);
  BOOST_TEST(kept.error().message.ends_with("; the new session was revoked"));
  const auto revoked = command.http.requests_to("POST", host + "/oauth/revoke");
  BOOST_TEST_REQUIRE(revoked.size() == 2u);
  BOOST_TEST(form_value(revoked[0], "token") == "rt-new");
}
