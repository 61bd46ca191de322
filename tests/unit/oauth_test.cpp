#define BOOST_TEST_MODULE oauth
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "support/fake_http_client.hpp"
#include "support/test_printers.hpp"

#include "compozy/crypto.hpp"
#include "compozy/oauth.hpp"
#include "compozy/device.hpp"
#include "compozy/text.hpp"

#include <limits>

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
namespace data = boost::unit_test::data;

namespace {

const std::string issuer = "https://cloud.example.com";
const std::string oauth_metadata_url = issuer + "/.well-known/oauth-authorization-server";
const std::string openid_metadata_url = issuer + "/.well-known/openid-configuration";

json metadata(const std::string& named_issuer = issuer) {
  return {{"issuer", named_issuer},
          {"authorization_endpoint", named_issuer + "/oauth/authorize"},
          {"token_endpoint", named_issuer + "/oauth/token"},
          {"device_authorization_endpoint", named_issuer + "/oauth/device"},
          {"revocation_endpoint", named_issuer + "/oauth/revoke"},
          {"userinfo_endpoint", named_issuer + "/oauth/userinfo"},
          {"code_challenge_methods_supported", {"S256"}},
          {"authorization_response_iss_parameter_supported", true}};
}

std::string jwt(const json& claims) {
  return base64url_encode(R"({"alg":"RS256"})") + "." + base64url_encode(claims.dump()) + ".signature";
}

const TimePoint now = from_unix_seconds(1'800'000'000);

json id_claims() {
  return {{"iss", issuer}, {"aud", "compozy-cli"}, {"exp", 1'800'000'600}, {"nonce", "n-1"}, {"sub", "usr_1"}};
}

ServerMetadata server_with(bool names_itself) {
  ServerMetadata server;
  server.issuer = issuer;
  server.issuer_in_authorization_response = names_itself;
  return server;
}

}  // namespace

BOOST_AUTO_TEST_CASE(discovery_reads_rfc_8414_metadata_first) {
  FakeHttpClient http;
  http.on("GET", oauth_metadata_url, json_response(200, metadata()));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(server.has_value(), server.error().message);
  BOOST_TEST(server->token_endpoint == issuer + "/oauth/token");
  BOOST_TEST(server->device_authorization_endpoint == issuer + "/oauth/device");
  BOOST_TEST(server->issuer_in_authorization_response);
  BOOST_TEST(server->code_challenge_methods_supported == std::vector<std::string>{"S256"});
  BOOST_TEST(http.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(discovery_falls_back_to_openid_connect_and_puts_paths_where_each_rfc_says) {
  FakeHttpClient http;
  const std::string tenant = issuer + "/tenants/t1";
  http.on("GET", issuer + "/.well-known/oauth-authorization-server/tenants/t1", respond(404, "{}"));
  http.on("GET", tenant + "/.well-known/openid-configuration", json_response(200, metadata(tenant)));
  const auto server = discover(http, tenant);
  BOOST_TEST_REQUIRE(server.has_value(), server.error().message);
  BOOST_TEST(server->issuer == tenant);
  BOOST_TEST(http.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(discovery_refuses_a_server_that_names_another_issuer) {
  FakeHttpClient http;
  http.on("GET", oauth_metadata_url, json_response(200, metadata("https://evil.example.com")));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(!server.has_value());
  BOOST_TEST(server.error().message == "server metadata '" + oauth_metadata_url +
                                           "' names the issuer 'https://evil.example.com', not '" + issuer + "'");
  BOOST_TEST(server.error().hint == "set the host to the server's issuer URL exactly");
}

BOOST_AUTO_TEST_CASE(discovery_refuses_an_endpoint_that_would_carry_tokens_over_plain_http) {
  FakeHttpClient http;
  json document = metadata();
  document["token_endpoint"] = "http://cloud.example.com/oauth/token";
  http.on("GET", oauth_metadata_url, json_response(200, document));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(!server.has_value());
  BOOST_TEST(server.error().message.starts_with("server metadata 'token_endpoint': refusing plain http"));
}

struct BadMetadata {
  const char* what;
  Answer answer;
  std::string expected_start;
  Error::Kind kind = Error::Kind::general;
};

std::ostream& operator<<(std::ostream& stream, const BadMetadata& c) { return stream << c.what; }

const BadMetadata bad_metadata[] = {
    {"not JSON", respond(200, "<html>"), "server metadata '" + oauth_metadata_url + "' is not a JSON object"},
    {"no token endpoint", json_response(200, {{"issuer", issuer}}), "server metadata '" + oauth_metadata_url + "' has no token_endpoint"},
    {"a failing server", respond(503, ""), "server metadata '" + oauth_metadata_url + "' answered HTTP 503", Error::Kind::unreachable},
    {"a refusal", respond(403, ""), "server metadata '" + oauth_metadata_url + "' answered HTTP 403"},
    {"no server at all", unreachable("cannot connect to 'https://cloud.example.com'"),
     "discovering the server: cannot connect to 'https://cloud.example.com'", Error::Kind::unreachable},
};

BOOST_DATA_TEST_CASE(discovery_explains_what_is_wrong_with_the_metadata, data::make(bad_metadata), c) {
  FakeHttpClient http;
  http.on("GET", oauth_metadata_url, c.answer);
  http.on("GET", openid_metadata_url, respond(404, ""));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(!server.has_value());
  BOOST_TEST(server.error().message.starts_with(c.expected_start), server.error().message);
  BOOST_TEST((server.error().kind == c.kind));
}

BOOST_AUTO_TEST_CASE(no_metadata_anywhere_names_both_places_tried) {
  FakeHttpClient http;
  http.on("GET", oauth_metadata_url, respond(404, ""));
  http.on("GET", openid_metadata_url, respond(404, ""));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(!server.has_value());
  BOOST_TEST(server.error().message == "no OAuth server at '" + issuer + "' ('" + oauth_metadata_url + "': HTTP 404, '" +
                                           openid_metadata_url + "': HTTP 404)");
}

struct IdTokenCase {
  const char* what;
  std::function<void(json&)> change;
  std::string nonce;
  std::string expected_error;  // empty: accepted
};

std::ostream& operator<<(std::ostream& stream, const IdTokenCase& c) { return stream << c.what; }

const IdTokenCase id_token_cases[] = {
    {"a good token", [](json&) {}, "n-1", ""},
    {"an audience list with us in it", [](json& c) { c["aud"] = {"other", "compozy-cli"}; }, "n-1", ""},
    {"clock skew within five minutes", [](json& c) { c["exp"] = 1'800'000'000 - 299; }, "n-1", ""},
    {"another issuer", [](json& c) { c["iss"] = "https://evil.example.com"; }, "n-1",
     "the ID token was issued by 'https://evil.example.com', not 'https://cloud.example.com'"},
    {"another audience", [](json& c) { c["aud"] = "someone-else"; }, "n-1",
     "the ID token is not meant for the client 'compozy-cli'"},
    {"an audience list without us", [](json& c) { c["aud"] = {"a", "b"}; }, "n-1",
     "the ID token is not meant for the client 'compozy-cli'"},
    {"no audience", [](json& c) { c.erase("aud"); }, "n-1", "the ID token is not meant for the client 'compozy-cli'"},
    {"expired", [](json& c) { c["exp"] = 1'800'000'000 - 301; }, "n-1",
     "the ID token has expired (is this machine's clock right?)"},
    {"no expiry", [](json& c) { c.erase("exp"); }, "n-1", "the ID token has expired (is this machine's clock right?)"},
    {"an expiry that is not a number", [](json& c) { c["exp"] = "soon"; }, "n-1",
     "the ID token has expired (is this machine's clock right?)"},
    {"another login's nonce", [](json& c) { c["nonce"] = "n-2"; }, "n-1",
     "the ID token answers another login (nonce mismatch)"},
    // Issue 8, finding 8: an ID token without the nonce that was sent was accepted.
    {"no nonce when one was sent", [](json& c) { c.erase("nonce"); }, "n-1",
     "the ID token answers another login (nonce mismatch)"},
    {"a nonce that is not a string", [](json& c) { c["nonce"] = 1; }, "n-1",
     "the ID token answers another login (nonce mismatch)"},
    {"no nonce asked, none given (the device flow)", [](json& c) { c.erase("nonce"); }, "", ""},
};

BOOST_DATA_TEST_CASE(id_tokens_are_checked_as_openid_connect_asks, data::make(id_token_cases), c) {
  json claims = id_claims();
  c.change(claims);
  const auto checked = check_id_token(jwt(claims), issuer, "compozy-cli", c.nonce, now);
  if (c.expected_error.empty()) {
    BOOST_TEST(checked.has_value(), (checked ? "" : checked.error().message));
  } else {
    BOOST_TEST_REQUIRE(!checked.has_value());
    BOOST_TEST(checked.error().message == c.expected_error);
  }
}

BOOST_AUTO_TEST_CASE(an_id_token_names_its_session_by_sid_when_the_server_sends_one) {
  json claims = id_claims();
  BOOST_TEST(required(check_id_token(jwt(claims), issuer, "compozy-cli", "n-1", now)).session_id == "");
  claims["sid"] = "ses_1";
  BOOST_TEST(required(check_id_token(jwt(claims), issuer, "compozy-cli", "n-1", now)).session_id == "ses_1");
  claims["sid"] = 7;  // not a string: no session named
  BOOST_TEST(required(check_id_token(jwt(claims), issuer, "compozy-cli", "n-1", now)).session_id == "");
}

BOOST_AUTO_TEST_CASE(an_id_token_that_is_not_a_jwt_is_refused) {
  BOOST_TEST(failure_of(check_id_token("abc", issuer, "compozy-cli", "", now)).message == "the ID token is not a JWT");
  BOOST_TEST(failure_of(check_id_token("a.!!!.c", issuer, "compozy-cli", "", now)).message ==
             "the ID token's claims are not JSON");
  BOOST_TEST(failure_of(check_id_token("a." + base64url_encode("[1]") + ".c", issuer, "compozy-cli", "", now)).message ==
             "the ID token's claims are not JSON");
}

struct CallbackCase {
  const char* what;
  Params callback;
  bool server_names_itself;
  std::string expected;  // the code, or the error message
  bool ok;
};

std::ostream& operator<<(std::ostream& stream, const CallbackCase& c) { return stream << c.what; }

const CallbackCase callback_cases[] = {
    {"a code with our state", {{"code", "c-1"}, {"state", "s-1"}}, false, "c-1", true},
    {"a code with our state and our issuer", {{"code", "c-1"}, {"state", "s-1"}, {"iss", issuer}}, true, "c-1", true},
    {"another state", {{"code", "c-1"}, {"state", "s-2"}}, false,
     "the sign-in response does not belong to this login (state mismatch)", false},
    {"no state", {{"code", "c-1"}}, false, "the sign-in response does not belong to this login (state mismatch)", false},
    {"another issuer (RFC 9207)", {{"code", "c-1"}, {"state", "s-1"}, {"iss", "https://evil.example.com"}}, true,
     "the sign-in response came from another issuer ('https://evil.example.com', expected 'https://cloud.example.com')",
     false},
    {"no issuer from a server that promised one", {{"code", "c-1"}, {"state", "s-1"}}, true,
     "the sign-in response came from another issuer ('none', expected 'https://cloud.example.com')", false},
    {"a denial", {{"error", "access_denied"}, {"state", "s-1"}}, false, "the sign-in was denied", false},
    {"a denial with a reason", {{"error", "access_denied"}, {"error_description", "no thanks"}, {"state", "s-1"}},
     false, "the sign-in was denied: no thanks", false},
    {"another error", {{"error", "invalid_scope"}, {"error_description", "bad"}, {"state", "s-1"}}, false,
     "the server refused the sign-in: invalid_scope: bad", false},
    {"no code", {{"state", "s-1"}}, false, "the sign-in response carries no authorization code", false},
};

BOOST_DATA_TEST_CASE(the_authorization_response_is_checked_before_its_code_is_used, data::make(callback_cases), c) {
  const auto code = authorization_code_from(c.callback, "s-1", server_with(c.server_names_itself));
  BOOST_TEST_REQUIRE(code.has_value() == c.ok);
  BOOST_TEST((c.ok ? *code : code.error().message) == c.expected);
}

BOOST_AUTO_TEST_CASE(the_authorization_url_carries_pkce_state_nonce_and_asks_consent_for_offline_access) {
  ServerMetadata server;
  server.authorization_endpoint = issuer + "/oauth/authorize";
  const std::string url = authorization_url(server, {.client_id = "compozy-cli",
                                                     .redirect_uri = "http://127.0.0.1:5000/callback",
                                                     .scopes = {"openid", "offline_access"},
                                                     .state = "s-1",
                                                     .code_challenge = "ch",
                                                     .nonce = "n-1"});
  const Params query = parse_query(url.substr(url.find('?') + 1));
  BOOST_TEST(url.starts_with(issuer + "/oauth/authorize?"));
  BOOST_TEST(find_param(query, "response_type") == "code");
  BOOST_TEST(find_param(query, "code_challenge_method") == "S256");
  BOOST_TEST(find_param(query, "code_challenge") == "ch");
  BOOST_TEST(find_param(query, "scope") == "openid offline_access");
  BOOST_TEST(find_param(query, "redirect_uri") == "http://127.0.0.1:5000/callback");
  BOOST_TEST(find_param(query, "nonce") == "n-1");
  BOOST_TEST(find_param(query, "prompt") == "consent");
}

struct TokenResponseCase {
  const char* what;
  Answer answer;
  std::string expected;  // "token:<access>", "refused:<code>", or the start of the error message
};

std::ostream& operator<<(std::ostream& stream, const TokenResponseCase& c) { return stream << c.what; }

const std::string token_url = issuer + "/oauth/token";

const TokenResponseCase token_cases[] = {
    {"tokens", json_response(200, {{"access_token", "at"}, {"token_type", "Bearer"}, {"expires_in", 60}}), "token:at"},
    {"a lower-case bearer", json_response(200, {{"access_token", "at"}, {"token_type", "bearer"}}), "token:at"},
    {"an error (RFC 6749 §5.2)", json_response(400, {{"error", "invalid_grant"}}), "refused:invalid_grant"},
    {"a 401 error", json_response(401, {{"error", "invalid_client"}}), "refused:invalid_client"},
    {"another token type", json_response(200, {{"access_token", "at"}, {"token_type", "MAC"}}),
     "token endpoint '" + token_url + "' issued a token of type 'MAC'"},
    {"no access token", json_response(200, {{"token_type", "Bearer"}}), "token endpoint '" + token_url + "' sent no access_token"},
    {"a token that would inject a header", json_response(200, {{"access_token", "at\r\nX-Evil: 1"}, {"token_type", "Bearer"}}),
     "token endpoint '" + token_url + "' issued a token with characters a token cannot hold"},
    {"a refresh token with an escape", json_response(200, {{"access_token", "at"}, {"token_type", "Bearer"}, {"refresh_token", "r\u001b]0;x"}}),
     "token endpoint '" + token_url + "' issued a token with characters a token cannot hold"},
    {"not JSON", respond(200, "ok"), "token endpoint '" + token_url + "' answered with something that is not JSON"},
    {"a failing server", respond(502, "bad gateway"), "token endpoint '" + token_url + "' answered HTTP 502"},
};

BOOST_DATA_TEST_CASE(token_responses_are_tokens_refusals_or_errors, data::make(token_cases), c) {
  FakeHttpClient http;
  http.on("POST", token_url, c.answer);
  const auto outcome = refresh_access_token(http, token_url, "compozy-cli", "rt");
  std::string got;
  if (!outcome) {
    got = outcome.error().message;
  } else if (const auto* tokens = std::get_if<TokenSet>(&*outcome)) {
    got = "token:" + tokens->access_token;
  } else {
    got = "refused:" + std::get<TokenError>(*outcome).code;
  }
  BOOST_TEST(got.starts_with(c.expected), got);
}

BOOST_AUTO_TEST_CASE(a_refresh_is_a_form_post_that_is_never_repeated) {
  FakeHttpClient http;
  http.on("POST", token_url, json_response(200, {{"access_token", "at"}, {"token_type", "Bearer"}}));
  BOOST_TEST_REQUIRE(refresh_access_token(http, token_url, "compozy-cli", "rt-1").has_value());
  const auto& sent = http.requests().at(0);
  BOOST_TEST(form_value(sent, "grant_type") == "refresh_token");
  BOOST_TEST(form_value(sent, "refresh_token") == "rt-1");
  BOOST_TEST(form_value(sent, "client_id") == "compozy-cli");
  BOOST_TEST(sent.content_type == "application/x-www-form-urlencoded");
  BOOST_TEST(sent.idempotent == std::optional<bool>(false));
}

BOOST_AUTO_TEST_CASE(revocation_posts_the_token_with_its_hint_and_reads_refusals) {
  FakeHttpClient http;
  const std::string url = issuer + "/oauth/revoke";
  http.on("POST", url, respond(200, ""));
  BOOST_TEST(revoke_token(http, url, "compozy-cli", "rt-1", "refresh_token").has_value());
  BOOST_TEST(form_value(http.requests().at(0), "token_type_hint") == "refresh_token");
  BOOST_TEST(http.requests().at(0).idempotent == std::optional<bool>(true));

  FakeHttpClient refusing;
  refusing.on("POST", url, json_response(400, {{"error", "unsupported_token_type"}}));
  BOOST_TEST(failure_of(revoke_token(refusing, url, "compozy-cli", "x", "access_token")).message ==
             "revocation endpoint '" + url + "' refused: unsupported_token_type");
}

// Found by the fault matrix (tests/e2e/faults.sh): a 503 was "refused: temporarily_unavailable",
// in the server's words, though RFC 7009 §2.2.1 says 503 means try again later.
BOOST_AUTO_TEST_CASE(a_failing_or_busy_revocation_endpoint_is_not_a_refusal) {
  const std::string url = issuer + "/oauth/revoke";
  for (const int status : {500, 503, 429}) {
    FakeHttpClient failing;
    failing.on("POST", url, json_response(status, {{"error", "server_error"}, {"error_description", "try later"}}));
    const Error error = failure_of(revoke_token(failing, url, "compozy-cli", "x", "access_token"));
    BOOST_TEST(error.message == "revocation endpoint '" + url + "' answered HTTP " + std::to_string(status));
    BOOST_TEST((error.kind == (status == 429 ? Error::Kind::general : Error::Kind::unreachable)));
  }
}

BOOST_AUTO_TEST_CASE(the_identity_comes_from_userinfo_or_the_compozy_api) {
  FakeHttpClient http;
  http.on("GET", issuer + "/oauth/userinfo", json_response(200, {{"sub", "usr_1"}, {"email", "ada@example.com"}}));
  const auto from_userinfo = fetch_identity(http, issuer + "/oauth/userinfo", issuer, "at");
  BOOST_TEST_REQUIRE(from_userinfo.has_value());
  BOOST_TEST(from_userinfo->display() == "ada@example.com");
  BOOST_TEST(from_userinfo->subject == "usr_1");
  BOOST_TEST(header_value(http.requests().at(0), "Authorization") == "Bearer at");

  http.on("GET", issuer + "/api/v1/me",
          json_response(200, {{"id", "usr_2"}, {"name", "Bob"}, {"credential", {{"expires_at", "2027-01-01T00:00:00Z"}}}}));
  const auto from_api = fetch_identity(http, "", issuer, "key");
  BOOST_TEST_REQUIRE(from_api.has_value());
  BOOST_TEST(from_api->display() == "Bob");
  BOOST_TEST(from_api->subject == "usr_2");
  BOOST_TEST(from_api->credential_expires_at == parse_rfc3339("2027-01-01T00:00:00Z"));
}

BOOST_AUTO_TEST_CASE(a_rejected_credential_is_told_apart_from_a_failing_server) {
  FakeHttpClient http;
  http.on("GET", issuer + "/oauth/userinfo", respond(401, ""));
  const auto rejected = fetch_identity(http, issuer + "/oauth/userinfo", issuer, "at");
  BOOST_TEST_REQUIRE(!rejected.has_value());
  BOOST_TEST((rejected.error().kind == Error::Kind::rejected));
  BOOST_TEST((rejected.error().code == ExitCode::not_logged_in));

  FakeHttpClient failing;
  failing.on("GET", issuer + "/oauth/userinfo", respond(500, ""));
  const auto failed = fetch_identity(failing, issuer + "/oauth/userinfo", issuer, "at");
  BOOST_TEST_REQUIRE(!failed.has_value());
  BOOST_TEST((failed.error().kind == Error::Kind::unreachable));

  FakeHttpClient anonymous;
  anonymous.on("GET", issuer + "/oauth/userinfo", json_response(200, json::object()));
  BOOST_TEST(failure_of(fetch_identity(anonymous, issuer + "/oauth/userinfo", issuer, "at")).message ==
             "identity endpoint '" + issuer + "/oauth/userinfo' did not say who the account is");
}

BOOST_AUTO_TEST_CASE(scopes_split_and_join_on_single_spaces) {
  BOOST_TEST(split_scopes("openid  email offline_access ") == (std::vector<std::string>{"openid", "email", "offline_access"}));
  BOOST_TEST(join_scopes({"openid", "email"}) == "openid email");
  BOOST_TEST(split_scopes("").empty());
}

// Issue 8, finding 4: expires_in 1e12 stored the year 33715, which no later command could read.
BOOST_AUTO_TEST_CASE(lifetimes_from_a_server_are_clamped_to_what_makes_sense) {
  const auto expires_in = [](const json& value) -> std::optional<std::int64_t> {
    FakeHttpClient http;
    http.on("POST", token_url, json_response(200, {{"access_token", "at"}, {"token_type", "Bearer"}, {"expires_in", value}}));
    const auto outcome = refresh_access_token(http, token_url, "compozy-cli", "rt");
    BOOST_TEST_REQUIRE(outcome.has_value());
    return std::get<TokenSet>(*outcome).expires_in;
  };
  constexpr std::int64_t year = 366 * 86400;
  BOOST_TEST(expires_in(3600) == std::optional<std::int64_t>(3600));
  BOOST_TEST(expires_in(1'000'000'000'000) == std::optional<std::int64_t>(year));
  BOOST_TEST(expires_in(100'000'000'000'000'000) == std::optional<std::int64_t>(year));
  BOOST_TEST(expires_in(std::numeric_limits<std::int64_t>::max()) == std::optional<std::int64_t>(year));
  BOOST_TEST(expires_in(-5) == std::optional<std::int64_t>(0));
  BOOST_TEST(expires_in(1e12) == std::optional<std::int64_t>(year));
  BOOST_TEST(expires_in("3600") == std::optional<std::int64_t>(3600));
  BOOST_TEST(!expires_in("1e12").has_value());
  BOOST_TEST(!expires_in("soon").has_value());
  BOOST_TEST(!expires_in(true).has_value());
}

BOOST_AUTO_TEST_CASE(device_lifetimes_and_intervals_are_clamped) {
  FakeHttpClient http;
  ServerMetadata server;
  server.device_authorization_endpoint = issuer + "/oauth/device";
  http.on("POST", server.device_authorization_endpoint,
          json_response(200, {{"device_code", "d"}, {"user_code", "U"}, {"verification_uri", issuer + "/device"},
                              {"expires_in", std::numeric_limits<std::int64_t>::max()},
                              {"interval", std::numeric_limits<std::int64_t>::max()}}));
  const auto device = start_device_authorization(http, server, "compozy-cli", {"openid"});
  BOOST_TEST_REQUIRE(device.has_value());
  BOOST_TEST(device->expires_in == std::chrono::seconds(86400));
  BOOST_TEST(device->interval == std::chrono::seconds(60));
}

// Issue 8, finding 8: a field of an unexpected type threw nlohmann's type_error, which reached
// the user as "internal error: [json.exception.type_error.302] …".
BOOST_AUTO_TEST_CASE(fields_of_the_wrong_type_are_read_as_absent_never_thrown) {
  FakeHttpClient http;
  json document = metadata();
  document["authorization_response_iss_parameter_supported"] = "yes";
  document["code_challenge_methods_supported"] = "S256";
  document["revocation_endpoint"] = 42;
  http.on("GET", oauth_metadata_url, json_response(200, document));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(server.has_value(), server.error().message);
  BOOST_TEST(!server->issuer_in_authorization_response);
  BOOST_TEST(server->code_challenge_methods_supported.empty());
  BOOST_TEST(server->revocation_endpoint.empty());

  FakeHttpClient device_http;
  ServerMetadata device_server;
  device_server.device_authorization_endpoint = issuer + "/oauth/device";
  device_http.on("POST", device_server.device_authorization_endpoint,
                 json_response(200, {{"device_code", "d"}, {"user_code", "U"}, {"verification_uri", issuer + "/device"},
                                     {"expires_in", "soon"}, {"interval", json::array()}}));
  const auto device = start_device_authorization(device_http, device_server, "compozy-cli", {"openid"});
  BOOST_TEST_REQUIRE(device.has_value());
  BOOST_TEST(device->expires_in == std::chrono::seconds(1800));
  BOOST_TEST(device->interval == std::chrono::seconds(5));

  json claims = id_claims();
  claims["exp"] = 1e300;
  BOOST_TEST(check_id_token(jwt(claims), issuer, "compozy-cli", "n-1", now).has_value());
  claims["exp"] = std::numeric_limits<std::int64_t>::max();
  BOOST_TEST(check_id_token(jwt(claims), issuer, "compozy-cli", "n-1", now).has_value());
}

BOOST_AUTO_TEST_CASE(documents_nested_too_deeply_are_refused_before_parsing) {
  FakeHttpClient http;
  http.on("GET", oauth_metadata_url, respond(200, std::string(100'000, '[') + std::string(100'000, ']')));
  const auto server = discover(http, issuer);
  BOOST_TEST_REQUIRE(!server.has_value());
  BOOST_TEST(server.error().message == "server metadata '" + oauth_metadata_url + "' is not a JSON object");
}

// ---------------------------------------------------------------------------------
// Token exchange (RFC 8693) and the device a sign-in names

namespace {

ServerMetadata exchange_server(std::vector<std::string> grants) {
  ServerMetadata server;
  server.issuer = issuer;
  server.token_endpoint = token_url;
  server.grant_types_supported = std::move(grants);
  return server;
}

std::string exchange_outcome(FakeHttpClient& http, const ServerMetadata& server) {
  const auto outcome = exchange_token(http, server, "compozy-cli", "at-full", {"openid", "read"});
  return outcome ? "token:" + outcome->access_token + " " + outcome->scope : outcome.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_token_exchange_sends_what_rfc_8693_asks_and_reads_the_narrowed_token) {
  FakeHttpClient http;
  http.on("POST", token_url,
          json_response(200, {{"access_token", "at-narrow"},
                              {"issued_token_type", "urn:ietf:params:oauth:token-type:access_token"},
                              {"token_type", "Bearer"},
                              {"expires_in", 600},
                              {"scope", "openid read"}}));
  BOOST_TEST(exchange_outcome(http, exchange_server({})) == "token:at-narrow openid read");
  const auto& sent = http.requests().at(0);
  BOOST_TEST(form_value(sent, "grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange");
  BOOST_TEST(form_value(sent, "subject_token") == "at-full");
  BOOST_TEST(form_value(sent, "subject_token_type") == "urn:ietf:params:oauth:token-type:access_token");
  BOOST_TEST(form_value(sent, "requested_token_type") == "urn:ietf:params:oauth:token-type:access_token");
  BOOST_TEST(form_value(sent, "scope") == "openid read");
  BOOST_TEST(form_value(sent, "client_id") == "compozy-cli");
  BOOST_TEST(sent.idempotent == std::optional<bool>(false));  // the subject token is not sent twice
}

BOOST_AUTO_TEST_CASE(a_server_without_token_exchange_is_told_apart_from_a_refusal) {
  const std::string unsupported = "the server at '" + issuer + "' does not offer token exchange (RFC 8693)";
  FakeHttpClient listed_without;
  BOOST_TEST(exchange_outcome(listed_without, exchange_server({"authorization_code", "refresh_token"})) == unsupported);
  BOOST_TEST(listed_without.requests().empty());  // not even asked

  FakeHttpClient answers_unsupported;
  answers_unsupported.on("POST", token_url, json_response(400, {{"error", "unsupported_grant_type"}}));
  BOOST_TEST(exchange_outcome(answers_unsupported, exchange_server({})) == unsupported);

  FakeHttpClient too_wide;
  too_wide.on("POST", token_url,
              json_response(400, {{"error", "invalid_scope"}, {"error_description", "not held: write"}}));
  BOOST_TEST(exchange_outcome(too_wide, exchange_server({})) ==
             "the server refused the scopes 'openid read': not held: write");

  FakeHttpClient other;
  other.on("POST", token_url, json_response(400, {{"error", "invalid_request"}}));
  BOOST_TEST(exchange_outcome(other, exchange_server({})) ==
             "token endpoint '" + token_url + "' refused the token exchange: invalid_request");
}

BOOST_AUTO_TEST_CASE(a_token_request_names_the_device_only_when_there_is_one) {
  FakeHttpClient http;
  http.on("POST", token_url, json_response(200, {{"access_token", "at"}, {"token_type", "Bearer"}}));
  ServerMetadata server = exchange_server({});
  BOOST_TEST_REQUIRE(
      poll_device_token(http, server, "compozy-cli", "dc", {"Zoë's laptop", "Debian GNU/Linux 12"}).has_value());
  BOOST_TEST(form_value(http.requests().at(0), "device_name") == "Zoë's laptop");
  BOOST_TEST(form_value(http.requests().at(0), "device_os") == "Debian GNU/Linux 12");
  BOOST_TEST_REQUIRE(poll_device_token(http, server, "compozy-cli", "dc").has_value());
  BOOST_TEST(form_value(http.requests().at(1), "device_name") == "");
}

BOOST_AUTO_TEST_CASE(the_device_is_its_chosen_name_or_host_name_and_the_pretty_name_bounded_and_safe) {
  const std::string os_release = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
  DeviceDescription device = describe_device(std::nullopt, "build-7", os_release);
  BOOST_TEST(device.name == "build-7");
  BOOST_TEST(device.os == "Debian GNU/Linux 12 (bookworm)");
  BOOST_TEST(describe_device(std::string("Zoë's laptop"), "build-7", "PRETTY_NAME='Arch Linux'").os == "Arch Linux");
  BOOST_TEST(describe_device(std::string("Zoë's laptop"), "build-7", "").name == "Zoë's laptop");
  BOOST_TEST(describe_device(std::string("  "), "build-7", "").name == "build-7");
  BOOST_TEST(describe_device(std::string("evil\x1b[2J"), "", "").name == "evil\\x1b[2J");
  const DeviceDescription wide = describe_device(std::string(40, 'x') + std::string(20, 'y') + "東京東京", "", "");
  BOOST_TEST(display_width(wide.name) <= device_text_columns);
  BOOST_TEST(wide.name.ends_with("…"));
}
