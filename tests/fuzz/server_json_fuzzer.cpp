// Every JSON document compozy reads from a server, given the fuzzer's bytes as
// the body: metadata, token, device and identity answers, sessions, revoke-all,
// an ID token's claims, API keys (as `auth keys` and `auth status` read them),
// and what `compozy api` shows (the same bytes also as
// its Link header). None may crash, hang or throw; each is an answer or an error.
#include "compozy/api_keys.hpp"
#include "compozy/api_request.hpp"
#include "compozy/crypto.hpp"
#include "compozy/oauth.hpp"
#include "compozy/sessions.hpp"
#include "fuzz_input.hpp"
#include "support/test_context.hpp"

using namespace compozy;
using namespace compozy::fuzzing;
using namespace compozy::testing;

namespace {

const std::string host = "https://cloud.example.com";

void read_as_server_answers(const std::string& body, int status) {
  FakeHttpClient http;
  const Answer answer = respond(status, body, {{"content-type", "application/json"}});
  for (const char* path : {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    http.on("GET", host + path, answer);
  }
  (void)discover(http, host);

  http.on("POST", host + "/oauth/token", answer);
  if (const auto outcome = refresh_access_token(http, host + "/oauth/token", "compozy-cli", "rt")) {
    if (const auto* tokens = std::get_if<TokenSet>(&*outcome)) {
      FUZZ_CHECK(!tokens->access_token.empty());
      FUZZ_CHECK(!tokens->expires_in || (*tokens->expires_in >= 0 && *tokens->expires_in <= 366 * 86400));
    }
  }
  ServerMetadata server;
  server.issuer = host;
  server.device_authorization_endpoint = host + "/oauth/device";
  http.on("POST", server.device_authorization_endpoint, answer);
  if (const auto device = start_device_authorization(http, server, "compozy-cli", {"openid"})) {
    FUZZ_CHECK(device->interval.count() >= 1 && device->interval.count() <= 60);
    FUZZ_CHECK(device->expires_in.count() >= 1 && device->expires_in.count() <= 86400);
  }
  http.on("GET", host + "/oauth/userinfo", answer);
  (void)fetch_identity(http, host + "/oauth/userinfo", host, "at");
  (void)revoke_token(http, host + "/oauth/revoke", "compozy-cli", "rt", "refresh_token");
}

void read_as_session_answers(const std::string& body) {
  TestCommand command;
  command.http.on("GET", host + "/api/v1/auth/sessions", respond(200, body));
  command.http.on("POST", host + "/api/v1/auth/sessions/revoke-all", respond(200, body));
  if (const auto sessions = list_sessions(command.context(), ActiveCredential{"at"})) {
    (void)sessions_json(host, *sessions, command.clock.now()).dump();
    print_sessions(command.context().out(), host, *sessions, command.clock.now());
  }
  (void)revoke_all_sessions(command.context(), ActiveCredential{"at"});
}

// On a terminal nothing the server sent may reach it as an escape sequence.
void read_as_api_answers(const std::string& body) {
  for (const bool terminal : {false, true}) {
    TestCommand command({.environment = {{"FLYZT_API_KEY", "czk_fuzz"}}, .terminal = {.stdout_is_terminal = terminal}});
    command.http.on("GET", host + "/api", respond(200, body, {{"link", body}}));
    (void)call_api({.target = "/api", .paginate = true, .include = terminal, .max_pages = 3}, command.context());
    if (terminal) FUZZ_CHECK(command.out().find('\x1b') == std::string::npos);
  }
}

// The key list, a new key and the key behind FLYZT_API_KEY: a table on a
// terminal, JSON and warnings, none with an escape sequence of the server's.
void read_as_api_key_answers(const std::string& body) {
  for (const bool terminal : {false, true}) {
    // Without colour, so that any escape sequence on the terminal is the server's.
    TestCommand command({.environment = {{"FLYZT_API_KEY", "czk_fuzz"}},
                         .terminal = {.stdout_is_terminal = terminal, .color_allowed = false}});
    if (const auto keys = parse_api_key_list(body)) {
      (void)api_keys_json(host, *keys, command.clock.now()).dump();
      print_api_keys(command.context().out(), host, *keys, command.clock.now());
      for (const ApiKey& key : *keys) {
        for (const std::string& warning : api_key_warnings(key, command.clock.now(), std::chrono::hours(24 * 90),
                                                           std::vector<std::string>{"read"})) {
          FUZZ_CHECK(warning.find('\x1b') == std::string::npos);
        }
      }
    }
    (void)parse_new_api_key(body);
    command.http.on("GET", host + "/api/v1/me", respond(200, body));
    (void)fetch_own_api_key(command.context(), "czk_fuzz");
    if (terminal) FUZZ_CHECK(command.out().find('\x1b') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(text_of(data, size));
  read_as_server_answers(body, 200);
  read_as_server_answers(body, 400);
  read_as_session_answers(body);
  read_as_api_answers(body);
  read_as_api_key_answers(body);
  (void)check_id_token("e30." + base64url_encode(body) + ".sig", host, "compozy-cli", "n-1", from_unix_seconds(1'800'000'000));
  return 0;
}
