// compozy-devcloud's endpoints and pages, driven through its Router in-process: the
// status, headers, JSON and HTML that each route answers, without a socket. What only
// a real connection shows (httplib's own limits, Host refusal before routing, TLS, the
// log line) stays in tests/e2e/devcloud_*.sh.
#define BOOST_TEST_MODULE devcloud_routes
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/devcloud_test_options.hpp"
#include "support/temp_folder.hpp"
#include "support/test_printers.hpp"

#include "compozy/crypto.hpp"
#include "compozy/pkce.hpp"
#include "devcloud/authority.hpp"
#include "devcloud/http.hpp"
#include "devcloud/routes.hpp"

using namespace compozy;
using namespace compozy::devcloud;
using namespace compozy::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string issuer = "http://127.0.0.1:8000";
const std::string redirect_uri = "http://127.0.0.1:9/callback";
const std::string form_type = "application/x-www-form-urlencoded";

struct Reply {
  int status = 0;
  httplib::Headers headers;
  std::string body;
  std::string log_note;

  std::string header(const std::string& name) const {
    const auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  json body_json() const { return json::parse(body, nullptr, false); }
  bool has(const std::string& text) const { return body.find(text) != std::string::npos; }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A devcloud whose routes are called directly, on a clock the test moves.
class Routes {
 public:
  explicit Routes(Options options = test_options()) {
    auto opened = Authority::open(options, [this] { return now_; });
    BOOST_TEST_REQUIRE(opened.has_value(), (opened ? "" : opened.error().message));
    authority_ = std::move(*opened);
    authority_->set_issuer(issuer);
    add_oauth_routes(router_, *authority_);
    if (options.compozy_api) add_compozy_routes(router_, *authority_);
  }
  Routes(const Routes&) = delete;
  Routes& operator=(const Routes&) = delete;

  Authority& authority() { return *authority_; }
  void advance(WallClock::duration by) { now_ += by; }

  Reply call(const std::string& method, const std::string& target, const std::string& body = {},
             const Headers& headers = {}) {
    httplib::Request request;
    request.method = method;
    request.target = target;
    request.path = target.substr(0, target.find('?'));
    for (const auto& [name, value] : headers) request.headers.emplace(name, value);
    httplib::Response response;
    Exchange exchange{request, response, body, {}, {}};
    router_.dispatch(exchange);
    return {response.status, response.headers, response.body, exchange.log_note};
  }
  Reply get(const std::string& target, const Headers& headers = {}) { return call("GET", target, {}, headers); }
  Reply post(const std::string& target, const Params& form, Headers headers = {}) {
    headers.emplace_back("Content-Type", form_type);
    return call("POST", target, form_encode(form), headers);
  }
  Reply as(const std::string& token, const std::string& method, const std::string& target) {
    return call(method, target, {}, {{"Authorization", "Bearer " + token}});
  }

  Pkce pkce = make_pkce();

  std::string authorize_url(const Params& extra = {}) {
    Params query = {{"response_type", "code"},        {"client_id", "compozy-cli"},
                    {"redirect_uri", redirect_uri},   {"scope", "openid email profile offline_access"},
                    {"state", "state-123"},           {"code_challenge", pkce.challenge},
                    {"code_challenge_method", "S256"}};
    for (const auto& [name, value] : extra) {
      std::erase_if(query, [&](const auto& param) { return param.first == name; });
      query.emplace_back(name, value);
    }
    return "/oauth/authorize?" + form_encode(query);
  }

  // The code flow through the consent page as a browser would post it; the tokens' JSON.
  json sign_in(const Params& extra = {}, const std::string& account = {}) {
    const Reply page = get(authorize_url(extra));
    BOOST_TEST_REQUIRE(page.status == 200);
    Params answer = {{"request_id", hidden_field(page, "request_id")}, {"decision", "approve"}};
    if (!account.empty()) answer.emplace_back("account", account);
    const Reply redirect = post("/oauth/authorize/decision", answer);
    BOOST_TEST_REQUIRE(redirect.status == 302);
    const Reply tokens = post("/oauth/token", {{"grant_type", "authorization_code"},
                                               {"client_id", "compozy-cli"},
                                               {"code", query_value(redirect.header("Location"), "code")},
                                               {"redirect_uri", redirect_uri},
                                               {"code_verifier", pkce.verifier}});
    BOOST_TEST_REQUIRE(tokens.status == 200, tokens.body);
    return tokens.body_json();
  }

  static std::string hidden_field(const Reply& page, const std::string& name) {
    const std::string start = "name=\"" + name + "\" value=\"";
    const auto at = page.body.find(start);
    if (at == std::string::npos) return {};
    const auto from = at + start.size();
    return page.body.substr(from, page.body.find('"', from) - from);
  }

  static std::string query_value(const std::string& url, const std::string& name) {
    const auto question = url.find('?');
    if (question == std::string::npos) return {};
    return find_param(parse_query(url.substr(question + 1)), name).value_or("");
  }

 private:
  WallClock::time_point now_ = WallClock::time_point(1'800'000'000s);
  std::unique_ptr<Authority> authority_;
  Router router_;
};

void check_html_page(const Reply& reply) {
  BOOST_TEST(reply.header("Content-Type") == "text/html; charset=utf-8");
  BOOST_TEST(reply.header("X-Frame-Options") == "DENY");
  const std::string policy = reply.header("Content-Security-Policy");
  BOOST_TEST(policy.find("default-src 'none'") != std::string::npos);
  BOOST_TEST(policy.find("frame-ancestors 'none'") != std::string::npos);
  BOOST_TEST(policy.find("script-src") == std::string::npos);
}

void check_oauth_error(const Reply& reply, int status, const std::string& error, const std::string& description = {}) {
  BOOST_TEST(reply.status == status);
  BOOST_TEST(reply.header("Content-Type") == "application/json");
  const json body = reply.body_json();
  BOOST_TEST_REQUIRE(body.is_object(), reply.body);
  BOOST_TEST(body.value("error", "") == error);
  BOOST_TEST(body.at("error_description").is_string());
  if (!description.empty()) BOOST_TEST(body.value("error_description", "") == description);
}

}  // namespace

// ---------------------------------------------------------------------------------
// Discovery and the router

BOOST_AUTO_TEST_SUITE(discovery_and_routing)

BOOST_AUTO_TEST_CASE(both_metadata_documents_describe_every_endpoint) {
  Routes routes;
  const Reply oauth = routes.get("/.well-known/oauth-authorization-server");
  BOOST_TEST(oauth.status == 200);
  BOOST_TEST(oauth.header("Content-Type") == "application/json");
  const json metadata = oauth.body_json();
  BOOST_TEST(metadata.at("issuer") == issuer);
  BOOST_TEST(metadata.at("authorization_endpoint") == issuer + "/oauth/authorize");
  BOOST_TEST(metadata.at("token_endpoint") == issuer + "/oauth/token");
  BOOST_TEST(metadata.at("device_authorization_endpoint") == issuer + "/oauth/device");
  BOOST_TEST(metadata.at("revocation_endpoint") == issuer + "/oauth/revoke");
  BOOST_TEST(metadata.at("userinfo_endpoint") == issuer + "/oauth/userinfo");
  BOOST_TEST(metadata.at("jwks_uri") == issuer + "/oauth/jwks");
  BOOST_TEST(metadata.at("response_types_supported") == json({"code"}));
  BOOST_TEST(metadata.at("grant_types_supported") ==
             json({"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code",
                   "urn:ietf:params:oauth:grant-type:token-exchange"}));
  BOOST_TEST(metadata.at("code_challenge_methods_supported") == json({"S256"}));
  BOOST_TEST(metadata.at("token_endpoint_auth_methods_supported") == json({"none"}));
  BOOST_TEST(metadata.at("revocation_endpoint_auth_methods_supported") == json({"none"}));
  BOOST_TEST(metadata.at("scopes_supported") == json({"openid", "email", "profile", "offline_access", "read", "write", "keys:manage"}));
  BOOST_TEST(metadata.at("subject_types_supported") == json({"public"}));
  BOOST_TEST(metadata.at("id_token_signing_alg_values_supported") == json({"RS256"}));
  BOOST_TEST(metadata.at("claims_supported").dump().find("\"email\"") != std::string::npos);
  BOOST_TEST(metadata.at("authorization_response_iss_parameter_supported") == true);
  BOOST_TEST(routes.get("/.well-known/openid-configuration").body_json() == metadata);
}

BOOST_AUTO_TEST_CASE(the_discovery_option_chooses_the_documents) {
  const struct {
    Discovery discovery;
    int oauth;
    int openid;
  } cases[] = {{Discovery::both, 200, 200}, {Discovery::oauth, 200, 404}, {Discovery::openid, 404, 200}};
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT("discovery " << static_cast<int>(row.discovery)) {
      Options options = test_options();
      options.discovery = row.discovery;
      Routes routes(options);
      BOOST_TEST(routes.get("/.well-known/oauth-authorization-server").status == row.oauth);
      BOOST_TEST(routes.get("/.well-known/openid-configuration").status == row.openid);
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods_get_404_and_405) {
  Routes routes;
  check_oauth_error(routes.get("/no/such/endpoint"), 404, "not_found", "there is no endpoint at /no/such/endpoint");
  check_oauth_error(routes.call("DELETE", "/oauth"), 404, "not_found");
  const Reply get_token = routes.get("/oauth/token");
  check_oauth_error(get_token, 405, "method_not_allowed", "/oauth/token does not accept GET; use POST, OPTIONS");
  BOOST_TEST(get_token.header("Allow") == "POST, OPTIONS");
  const Reply put_userinfo = routes.call("PUT", "/oauth/userinfo", "x=1");
  check_oauth_error(put_userinfo, 405, "method_not_allowed");
  BOOST_TEST(put_userinfo.header("Allow") == "GET, POST, HEAD, OPTIONS");
  const Reply options = routes.call("OPTIONS", "/oauth/token");
  BOOST_TEST(options.status == 204);
  BOOST_TEST(options.header("Allow") == "POST, OPTIONS");
  BOOST_TEST(routes.call("HEAD", "/oauth/jwks").status == 200);
  // "{}" matches one non-empty segment only.
  check_oauth_error(routes.call("DELETE", "/api/v1/auth/sessions/"), 404, "not_found");
}

BOOST_AUTO_TEST_CASE(the_jwk_set_publishes_the_key_that_signs_id_tokens) {
  Routes routes;
  const json keys = routes.get("/oauth/jwks").body_json().at("keys");
  BOOST_TEST_REQUIRE(keys.size() == 1u);
  BOOST_TEST(keys[0].at("kty") == "RSA");
  BOOST_TEST(keys[0].at("use") == "sig");
  BOOST_TEST(keys[0].at("alg") == "RS256");
  BOOST_TEST(keys[0].at("e") == "AQAB");
  const std::string id_token = routes.sign_in().at("id_token");
  const auto header = base64url_decode(id_token.substr(0, id_token.find('.')));
  BOOST_TEST_REQUIRE(header.has_value());
  const json jose = json::parse(*header);
  BOOST_TEST(jose.at("alg") == "RS256");
  BOOST_TEST(jose.at("typ") == "JWT");
  BOOST_TEST(jose.at("kid") == keys[0].at("kid"));
}

BOOST_AUTO_TEST_CASE(the_home_page_links_to_what_there_is) {
  Routes routes;
  const Reply home = routes.get("/");
  BOOST_TEST(home.status == 200);
  check_html_page(home);
  BOOST_TEST(home.has("<a href=\"/settings/api-keys\">"));
  BOOST_TEST(home.has("<code>" + issuer + "</code>"));
  Options options = test_options();
  options.compozy_api = false;
  Routes plain(options);
  BOOST_TEST(!plain.get("/").has("/settings/api-keys"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Form bodies (RFC 6749 §3.2) and the token endpoint's answers

BOOST_AUTO_TEST_SUITE(forms_and_tokens)

BOOST_AUTO_TEST_CASE(malformed_forms_are_refused_with_json_errors) {
  Routes routes;
  const struct {
    std::string what;
    std::string body;
    Headers headers;
    int status;
    std::string error;
    std::string description;
  } cases[] = {
      {"JSON",
       R"({"grant_type":"refresh_token"})",
       {{"Content-Type", "application/json"}},
       400,
       "invalid_request",
       "expected Content-Type application/x-www-form-urlencoded, not application/json"},
      {"no content type",
       "grant_type=refresh_token",
       {},
       400,
       "invalid_request",
       "expected Content-Type application/x-www-form-urlencoded"},
      {"multipart",
       "x",
       {{"Content-Type", "multipart/form-data; boundary=x"}},
       400,
       "invalid_request",
       "expected Content-Type application/x-www-form-urlencoded, not multipart/form-data"},
      {"a bad escape",
       "grant_type=%zz&client_id=compozy-cli",
       {{"Content-Type", form_type}},
       400,
       "invalid_request",
       "malformed form parameter 'grant_type=%zz'"},
      {"not UTF-8",
       "grant_type=%ff&client_id=compozy-cli",
       {{"Content-Type", form_type}},
       400,
       "invalid_request",
       "form parameters must be UTF-8"},
      {"a parameter twice",
       "client_id=compozy-cli&grant_type=refresh_token&grant_type=authorization_code",
       {{"Content-Type", "Application/X-WWW-Form-Urlencoded; charset=utf-8"}},
       400,
       "invalid_request",
       "'grant_type' is given more than once"},
      {"no grant type",
       "client_id=compozy-cli",
       {{"Content-Type", form_type}},
       400,
       "invalid_request",
       "grant_type is missing"},
      {"the password grant",
       "client_id=compozy-cli&grant_type=password",
       {{"Content-Type", form_type}},
       400,
       "unsupported_grant_type",
       "grant_type 'password' is not supported"},
      {"no client",
       "grant_type=refresh_token",
       {{"Content-Type", form_type}},
       401,
       "invalid_client",
       "client_id is missing"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const Reply reply = routes.call("POST", "/oauth/token", row.body, row.headers);
      check_oauth_error(reply, row.status, row.error, row.description);
      BOOST_TEST(reply.header("Pragma") == "no-cache");
    }
  }
  check_oauth_error(routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "admin"}}), 400,
                    "invalid_scope");
  check_oauth_error(routes.post("/oauth/device", {{"scope", "openid"}}), 401, "invalid_client");
}

// The log shows which grant was asked for, and never what a client sent in its place.
BOOST_AUTO_TEST_CASE(the_log_note_names_only_known_grant_types) {
  Routes routes;
  const struct {
    std::string grant_type;
    std::string note;
  } cases[] = {
      {"authorization_code", "grant_type=authorization_code"},
      {"refresh_token", "grant_type=refresh_token"},
      {"urn:ietf:params:oauth:grant-type:device_code", "grant_type=urn:ietf:params:oauth:grant-type:device_code"},
      {"secret-looking-value", "grant_type=unsupported"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.grant_type) {
      BOOST_TEST(routes.post("/oauth/token", {{"client_id", "compozy-cli"}, {"grant_type", row.grant_type}}).log_note ==
                 row.note);
    }
  }
  BOOST_TEST(routes.post("/oauth/token", {{"client_id", "compozy-cli"}}).log_note.empty());
}

BOOST_AUTO_TEST_CASE(tokens_come_as_uncacheable_json) {
  Routes routes;
  const json tokens = routes.sign_in();
  BOOST_TEST(tokens.at("token_type") == "Bearer");
  const Reply refreshed = routes.post(
      "/oauth/token",
      {{"grant_type", "refresh_token"}, {"client_id", "compozy-cli"}, {"refresh_token", tokens.at("refresh_token")}});
  BOOST_TEST(refreshed.status == 200);
  BOOST_TEST(refreshed.header("Content-Type") == "application/json");
  BOOST_TEST(refreshed.header("Pragma") == "no-cache");
  BOOST_TEST(refreshed.log_note == "grant_type=refresh_token");
  const Reply device = routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "openid"}});
  BOOST_TEST(device.status == 200);
  BOOST_TEST(device.header("Pragma") == "no-cache");
}

BOOST_AUTO_TEST_CASE(revocation_answers_200_with_no_body) {
  Routes routes;
  const json tokens = routes.sign_in();
  const Reply revoked = routes.post("/oauth/revoke", {{"token", tokens.at("access_token")}});
  BOOST_TEST(revoked.status == 200);
  BOOST_TEST(revoked.body.empty());
  check_oauth_error(routes.post("/oauth/revoke", {{"client_id", "compozy-cli"}}), 400, "invalid_request");
  check_oauth_error(routes.post("/oauth/revoke", {{"token", "x"}, {"client_id", "nobody"}}), 401, "invalid_client");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Bearer-authenticated endpoints: userinfo and the Compozy API

BOOST_AUTO_TEST_SUITE(bearer_endpoints)

BOOST_AUTO_TEST_CASE(a_refused_credential_gets_the_rfc_6750_challenge) {
  Routes routes;
  const Reply reply = routes.as("forged", "GET", "/api/v1/me");
  check_oauth_error(reply, 401, "invalid_token");
  BOOST_TEST(reply.header("WWW-Authenticate") ==
             "Bearer realm=\"compozy-devcloud\", error=\"invalid_token\", "
             "error_description=\"the access token is unknown, expired or revoked\"");
  BOOST_TEST(routes.get("/oauth/userinfo").header("WWW-Authenticate").find("error=\"invalid_token\"") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(userinfo_follows_the_granted_scopes) {
  Options options = test_options();
  options.users = {"grace@example.com"};
  Routes routes(options);
  const json openid = routes.sign_in({{"scope", "openid"}});
  const Reply only_sub = routes.as(openid.at("access_token"), "GET", "/oauth/userinfo");
  BOOST_TEST(only_sub.status == 200);
  BOOST_TEST(only_sub.body_json().size() == 1u);
  BOOST_TEST(only_sub.body_json().contains("sub"));
  const json full = routes.sign_in({{"scope", "openid email profile"}});
  const json claims = routes.as(full.at("access_token"), "POST", "/oauth/userinfo").body_json();
  BOOST_TEST(claims.at("email") == "grace@example.com");
  BOOST_TEST(claims.at("email_verified") == true);
  BOOST_TEST(claims.at("name") == "Grace");
}

BOOST_AUTO_TEST_CASE(me_and_the_sessions_api_answer_in_their_shapes) {
  Routes routes;
  const std::string access = routes.sign_in().at("access_token");
  const Reply me = routes.as(access, "GET", "/api/v1/me");
  BOOST_TEST(me.status == 200);
  const json account = me.body_json();
  BOOST_TEST(account.at("id").get<std::string>().starts_with("usr_"));
  BOOST_TEST(account.at("email") == "ada@example.com");
  BOOST_TEST(account.at("name") == "Ada");
  BOOST_TEST(account.at("credential").at("type") == "session");
  BOOST_TEST(account.at("credential").at("id").get<std::string>().starts_with("ses_"));
  BOOST_TEST(account.at("credential").at("expires_at") == "2027-01-15T09:00:00Z");
  BOOST_TEST(account.at("credential").at("scopes") == json({"openid", "email", "profile", "offline_access"}));

  const Reply listed = routes.as(access, "GET", "/api/v1/auth/sessions");
  BOOST_TEST(listed.status == 200);
  const json sessions = listed.body_json().at("sessions");
  BOOST_TEST_REQUIRE(sessions.size() == 1u);
  BOOST_TEST(sessions[0].at("id") == account.at("credential").at("id"));
  BOOST_TEST(sessions[0].at("client_id") == "compozy-cli");
  BOOST_TEST(sessions[0].at("created_at") == "2027-01-15T08:00:00Z");
  BOOST_TEST(sessions[0].at("last_used_at") == "2027-01-15T08:00:00Z");
  BOOST_TEST(sessions[0].at("expires_at").is_string());
  BOOST_TEST(sessions[0].at("current") == true);
  BOOST_TEST(sessions[0].contains("user_agent"));

  const std::string other = routes.sign_in().at("access_token");
  const std::string other_id = routes.as(other, "GET", "/api/v1/me").body_json().at("credential").at("id");
  const Reply deleted = routes.as(access, "DELETE", "/api/v1/auth/sessions/" + other_id);
  BOOST_TEST(deleted.status == 204);
  BOOST_TEST(deleted.body.empty());
  check_oauth_error(routes.as(access, "DELETE", "/api/v1/auth/sessions/" + other_id), 404, "not_found",
                    "no active session with id " + other_id);
  const Reply all = routes.as(access, "POST", "/api/v1/auth/sessions/revoke-all");
  BOOST_TEST(all.status == 200);
  BOOST_TEST(all.body_json() == json({{"revoked", 1}}));
  BOOST_TEST(routes.as(access, "GET", "/api/v1/me").status == 401);
}

BOOST_AUTO_TEST_CASE(an_api_key_is_a_credential_of_the_api) {
  Routes routes;
  const auto key = routes.authority().create_api_key(routes.authority().users().front(), "ci", 1);
  BOOST_TEST_REQUIRE(key.has_value());
  const json me = routes.as(key->secret, "GET", "/api/v1/me").body_json();
  BOOST_TEST(me.at("credential").at("type") == "api_key");
  BOOST_TEST(me.at("credential").at("id") == key->key.id);
  BOOST_TEST(me.at("credential").at("expires_at") == "2027-01-16T08:00:00Z");
  BOOST_TEST(routes.as(key->secret, "GET", "/oauth/userinfo").body_json().at("email") == "ada@example.com");
}

BOOST_AUTO_TEST_CASE(without_the_compozy_api_only_the_standard_endpoints_answer) {
  Options options = test_options();
  options.compozy_api = false;
  Routes routes(options);
  const std::string access = routes.sign_in().at("access_token");
  BOOST_TEST(routes.as(access, "GET", "/oauth/userinfo").status == 200);
  BOOST_TEST(routes.get("/.well-known/oauth-authorization-server").status == 200);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/me"},
           {"GET", "/api/v1/auth/sessions"},
           {"POST", "/api/v1/auth/sessions/revoke-all"},
           {"GET", "/settings/api-keys"},
       }) {
    BOOST_TEST_CONTEXT(method << " " << path) { check_oauth_error(routes.as(access, method, path), 404, "not_found"); }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// /oauth/authorize and the consent page

BOOST_AUTO_TEST_SUITE(consent_page)

BOOST_AUTO_TEST_CASE(the_page_shows_the_app_the_account_and_the_scopes) {
  Options options = test_options();
  options.users = {"ada.lovelace@example.com"};
  Routes routes(options);
  const Reply page = routes.get(routes.authorize_url());
  BOOST_TEST(page.status == 200);
  check_html_page(page);
  BOOST_TEST(page.has("<title>Authorize compozy-cli"));
  BOOST_TEST(page.has("<strong>compozy-cli</strong> wants to access your Compozy account"));
  BOOST_TEST(page.has("Ada Lovelace"));
  BOOST_TEST(page.has(R"(<input type="hidden" name="account" value="ada.lovelace@example.com">)"));
  for (const std::string scope : {"Confirm who you are", "See your e-mail address", "See your name",
                                  "Stay signed in until you sign out or revoke access"}) {
    BOOST_TEST(page.has(scope), scope);
  }
  BOOST_TEST(page.has(R"(<form method="post" action="/oauth/authorize/decision">)"));
  BOOST_TEST(page.has(R"(<button type="submit" name="decision" value="approve" class="primary">Approve</button>)"));
  BOOST_TEST(page.has(R"(<button type="submit" name="decision" value="deny" class="secondary">Deny</button>)"));
  BOOST_TEST(page.has("you will be sent back to <code>http://127.0.0.1:9</code>"));
  BOOST_TEST(Routes::hidden_field(page, "request_id").size() >= 43u);

  const Reply narrow = routes.get(routes.authorize_url({{"scope", "openid"}}));
  BOOST_TEST(narrow.has("Confirm who you are"));
  BOOST_TEST(!narrow.has("See your e-mail address"));
  BOOST_TEST(!narrow.has("Stay signed in"));
}

BOOST_AUTO_TEST_CASE(the_page_escapes_what_the_request_carries) {
  Options options = test_options();
  options.clients = {"<script>alert(1)</script>"};
  Routes routes(options);
  const Reply page = routes.get(routes.authorize_url({{"client_id", "<script>alert(1)</script>"}}));
  BOOST_TEST(page.status == 200);
  BOOST_TEST(!page.has("<script>"));
  BOOST_TEST(page.has("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

BOOST_AUTO_TEST_CASE(the_page_picks_among_several_accounts) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob.smith@example.com"};
  Routes routes(options);
  const Reply page = routes.get(routes.authorize_url({{"login_hint", "bob.smith@example.com"}}));
  BOOST_TEST(page.has(R"(<select id="account" name="account">)"));
  BOOST_TEST(page.has(R"(<option value="ada@example.com">Ada)"));
  BOOST_TEST(page.has(R"(<option value="bob.smith@example.com" selected>Bob Smith)"));
  const Reply stranger =
      routes.post("/oauth/authorize/decision", {{"request_id", Routes::hidden_field(page, "request_id")},
                                                {"account", "mallory@example.com"},
                                                {"decision", "approve"}});
  BOOST_TEST(stranger.status == 400);
  BOOST_TEST(stranger.has("is not an account here"));
}

BOOST_AUTO_TEST_CASE(the_answer_redirects_back_with_state_and_issuer) {
  Routes routes;
  const Reply page = routes.get(routes.authorize_url({{"state", "a b&c=d"}}));
  const std::string request_id = Routes::hidden_field(page, "request_id");
  const Reply approved =
      routes.post("/oauth/authorize/decision", {{"request_id", request_id}, {"decision", "approve"}});
  BOOST_TEST(approved.status == 302);
  const std::string location = approved.header("Location");
  BOOST_TEST(location.starts_with(redirect_uri + "?"));
  BOOST_TEST(Routes::query_value(location, "state") == "a b&c=d");
  BOOST_TEST(Routes::query_value(location, "iss") == issuer);  // RFC 9207
  BOOST_TEST(Routes::query_value(location, "code").size() >= 43u);

  const Reply again = routes.post("/oauth/authorize/decision", {{"request_id", request_id}, {"decision", "approve"}});
  BOOST_TEST(again.status == 400);
  check_html_page(again);
  BOOST_TEST(again.has("This sign-in request cannot be answered"));
  BOOST_TEST(again.has("this sign-in request has expired or was already answered"));
  const Reply maybe = routes.post("/oauth/authorize/decision", {{"request_id", "made-up"}, {"decision", "maybe"}});
  BOOST_TEST(maybe.status == 400);
  BOOST_TEST(maybe.has("decision must be approve or deny"));
  BOOST_TEST(routes.post("/oauth/authorize/decision", {{"decision", "approve"}}).has("request_id is missing"));

  const Reply denied_page = routes.get(routes.authorize_url({{"state", "s-2"}}));
  const Reply denied =
      routes.post("/oauth/authorize/decision",
                  {{"request_id", Routes::hidden_field(denied_page, "request_id")}, {"decision", "deny"}});
  BOOST_TEST(Routes::query_value(denied.header("Location"), "error") == "access_denied");
  BOOST_TEST(Routes::query_value(denied.header("Location"), "state") == "s-2");
  BOOST_TEST(Routes::query_value(denied.header("Location"), "code").empty());
}

BOOST_AUTO_TEST_CASE(errors_for_the_client_are_redirected_and_the_others_shown) {
  Routes routes;
  const Reply to_client = routes.get(routes.authorize_url({{"response_type", "token"}, {"state", "s-1"}}));
  BOOST_TEST(to_client.status == 302);
  const std::string location = to_client.header("Location");
  BOOST_TEST(location.starts_with(redirect_uri + "?"));
  BOOST_TEST(Routes::query_value(location, "error") == "unsupported_response_type");
  BOOST_TEST(!Routes::query_value(location, "error_description").empty());
  BOOST_TEST(Routes::query_value(location, "state") == "s-1");
  BOOST_TEST(Routes::query_value(location, "iss") == issuer);

  for (const std::string uri : {"http://localhost:8000/callback", "http://example.com/callback"}) {
    BOOST_TEST_CONTEXT(uri) {
      const Reply shown = routes.get(routes.authorize_url({{"redirect_uri", uri}}));
      BOOST_TEST(shown.status == 400);
      BOOST_TEST(shown.header("Location").empty());
      check_html_page(shown);
      BOOST_TEST(shown.has("This sign-in link is not valid"));
    }
  }
  const Reply unknown = routes.get(routes.authorize_url({{"client_id", "unknown-app"}}));
  BOOST_TEST(unknown.has("is not a registered client"));
  BOOST_TEST(routes.get("/oauth/authorize?client_id=%zz").status == 400);
}

BOOST_AUTO_TEST_CASE(auto_approve_redirects_at_once_for_the_hinted_account) {
  Options options = test_options();
  options.auto_approve = true;
  options.users = {"first@example.com", "second@example.com"};
  Routes routes(options);
  const Reply hinted = routes.get(routes.authorize_url({{"login_hint", "second@example.com"}, {"prompt", "none"}}));
  BOOST_TEST(hinted.status == 302);
  const std::string code = Routes::query_value(hinted.header("Location"), "code");
  const Reply tokens = routes.post("/oauth/token", {{"grant_type", "authorization_code"},
                                                    {"client_id", "compozy-cli"},
                                                    {"code", code},
                                                    {"redirect_uri", redirect_uri},
                                                    {"code_verifier", routes.pkce.verifier}});
  BOOST_TEST_REQUIRE(tokens.status == 200);
  const std::string access = tokens.body_json().at("access_token");
  BOOST_TEST(routes.as(access, "GET", "/api/v1/me").body_json().at("email") == "second@example.com");
  const Reply first = routes.get(routes.authorize_url());
  BOOST_TEST_REQUIRE(first.status == 302);
  const Reply first_tokens =
      routes.post("/oauth/token", {{"grant_type", "authorization_code"},
                                   {"client_id", "compozy-cli"},
                                   {"code", Routes::query_value(first.header("Location"), "code")},
                                   {"redirect_uri", redirect_uri},
                                   {"code_verifier", routes.pkce.verifier}});
  BOOST_TEST_REQUIRE(first_tokens.status == 200);
  BOOST_TEST(routes.as(first_tokens.body_json().at("access_token"), "GET", "/api/v1/me").body_json().at("email") ==
             "first@example.com");
}

BOOST_AUTO_TEST_CASE(forms_posted_from_another_origin_are_refused) {
  Routes routes;
  const std::string request_id = Routes::hidden_field(routes.get(routes.authorize_url()), "request_id");
  const Params answer = {{"request_id", request_id}, {"decision", "approve"}};
  const struct {
    std::string what;
    Headers headers;
    int status;
  } cases[] = {
      {"another site", {{"Origin", "http://evil.example"}}, 403},
      {"another port", {{"Origin", "http://127.0.0.1:1"}}, 403},
      {"https", {{"Origin", "https://127.0.0.1:8000"}}, 403},
      {"a sandboxed frame", {{"Origin", "null"}}, 403},
      {"Sec-Fetch-Site", {{"Sec-Fetch-Site", "cross-site"}}, 403},
      {"the page's own origin", {{"Origin", issuer}, {"Sec-Fetch-Site", "same-origin"}}, 302},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const Reply reply = routes.post("/oauth/authorize/decision", answer, row.headers);
      BOOST_TEST(reply.status == row.status);
      if (row.status == 403) BOOST_TEST(reply.has("Request blocked"));
    }
  }
  BOOST_TEST(routes.post("/settings/api-keys", {{"name", "stolen"}}, {{"Origin", "http://127.0.0.1:1"}}).status == 403);
  BOOST_TEST(routes
                 .post("/device/decision", {{"user_code", "BCDF-GHJK"}, {"decision", "approve"}},
                       {{"Sec-Fetch-Site", "cross-site"}})
                 .status == 403);
  BOOST_TEST(routes.authority().api_keys_of(routes.authority().users().front()).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The device pages

BOOST_AUTO_TEST_SUITE(device_pages)

BOOST_AUTO_TEST_CASE(the_pages_take_a_code_and_an_answer) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Routes routes(options);
  const Reply entry = routes.get("/device");
  BOOST_TEST(entry.status == 200);
  check_html_page(entry);
  BOOST_TEST(entry.has("Enter the code shown in your terminal."));
  BOOST_TEST(entry.has(R"(<form method="get" action="/device">)"));
  BOOST_TEST(entry.has(R"(name="user_code")"));
  const Reply typo = routes.get("/device?user_code=AEIOU");
  BOOST_TEST(typo.status == 400);
  BOOST_TEST(typo.has("That does not look like a code"));
  const Reply unknown = routes.get("/device?user_code=BCDF-GHJK");
  BOOST_TEST(unknown.status == 404);
  BOOST_TEST(unknown.has("That code is unknown or has expired."));

  const json started =
      routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "openid email"}}).body_json();
  const std::string user_code = started.at("user_code");
  const Reply consent = routes.get("/device?user_code=" + user_code);
  BOOST_TEST(consent.status == 200);
  BOOST_TEST(consent.has(R"(<form method="post" action="/device/decision">)"));
  BOOST_TEST(consent.has("<div class=\"user-code\">" + user_code + "</div>"));
  BOOST_TEST(consent.has("<input type=\"hidden\" name=\"user_code\" value=\"" + user_code + "\">"));
  BOOST_TEST(consent.has(R"(<option value="bob@example.com">)"));
  BOOST_TEST(consent.has("See your e-mail address"));
  const Reply done = routes.post("/device/decision",
                                 {{"user_code", user_code}, {"account", "bob@example.com"}, {"decision", "approve"}});
  BOOST_TEST(done.status == 200);
  BOOST_TEST(done.has("Device connected"));
  BOOST_TEST(done.has("<strong>compozy-cli</strong> on your other device is signed in as <strong>bob@example.com</strong>"));
  BOOST_TEST(done.has("You can return to your terminal"));
  const Reply used = routes.get("/device?user_code=" + user_code);
  BOOST_TEST(used.status == 400);
  BOOST_TEST(used.has("This code was already used"));
  BOOST_TEST(routes.post("/device/decision", {{"user_code", user_code}, {"decision", "deny"}}).status == 400);

  const Reply tokens = routes.post("/oauth/token", {{"grant_type", std::string(device_code_grant)},
                                                    {"client_id", "compozy-cli"},
                                                    {"device_code", started.at("device_code")}});
  BOOST_TEST_REQUIRE(tokens.status == 200);
  BOOST_TEST(routes.as(tokens.body_json().at("access_token"), "GET", "/api/v1/me").body_json().at("email") ==
             "bob@example.com");
}

BOOST_AUTO_TEST_CASE(denied_and_refused_answers) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Routes routes(options);
  const std::string user_code =
      routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "openid"}}).body_json().at("user_code");
  const Reply maybe = routes.post("/device/decision", {{"user_code", user_code}, {"decision", "maybe"}});
  BOOST_TEST(maybe.status == 400);
  BOOST_TEST(maybe.has("decision must be approve or deny"));
  const Reply nobody = routes.post("/device/decision", {{"user_code", user_code}, {"decision", "approve"}});
  BOOST_TEST(nobody.status == 400);
  BOOST_TEST(nobody.has("choose an account"));
  const Reply denied =
      routes.post("/device/decision", {{"user_code", user_code}, {"account", "ada@example.com"}, {"decision", "deny"}});
  BOOST_TEST(denied.status == 200);
  BOOST_TEST(denied.has("Request denied"));
  BOOST_TEST(denied.has("was not given access to <strong>ada@example.com</strong>"));
  BOOST_TEST(denied.has("start again on that device"));
}

BOOST_AUTO_TEST_CASE(auto_approve_connects_the_device_on_sight) {
  Options options = test_options();
  options.auto_approve = true;
  Routes routes(options);
  const json started = routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "openid"}}).body_json();
  const Reply page = routes.get("/device?user_code=" + started.at("user_code").get<std::string>());
  BOOST_TEST(page.status == 200);
  BOOST_TEST(page.has("Device connected"));
  BOOST_TEST(routes
                 .post("/oauth/token", {{"grant_type", std::string(device_code_grant)},
                                        {"client_id", "compozy-cli"},
                                        {"device_code", started.at("device_code")}})
                 .status == 200);
}

// A link on another site must not approve a device: that needs a click on our page.
BOOST_AUTO_TEST_CASE(auto_approve_asks_when_another_site_opened_the_page) {
  Options options = test_options();
  options.auto_approve = true;
  Routes routes(options);
  const json started = routes.post("/oauth/device", {{"client_id", "compozy-cli"}, {"scope", "openid"}}).body_json();
  const std::string page_url = "/device?user_code=" + started.at("user_code").get<std::string>();
  const Params poll = {{"grant_type", std::string(device_code_grant)},
                       {"client_id", "compozy-cli"},
                       {"device_code", started.at("device_code")}};
  for (const std::string site : {"cross-site", "same-site"}) {
    BOOST_TEST_CONTEXT(site) {
      const Reply page = routes.get(page_url, {{"Sec-Fetch-Site", site}});
      BOOST_TEST(page.status == 200);
      BOOST_TEST(!page.has("Device connected"));
      BOOST_TEST(page.has("name=\"decision\""));
      BOOST_TEST(routes.post("/oauth/token", poll).status == 400);  // still pending (or too fast)
    }
  }
  BOOST_TEST(routes.get(page_url, {{"Sec-Fetch-Site", "none"}}).has("Device connected"));  // typed in
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Settings › API Keys

BOOST_AUTO_TEST_SUITE(api_keys_dashboard)

std::string new_api_key(const Reply& page) {
  const std::string start = "<code id=\"new-api-key\">";
  const auto at = page.body.find(start);
  if (at == std::string::npos) return {};
  const auto from = at + start.size();
  return page.body.substr(from, page.body.find('<', from) - from);
}

std::string first_key_id(const Reply& page) {
  const std::string start = "data-key-id=\"";
  const auto at = page.body.find(start);
  if (at == std::string::npos) return {};
  const auto from = at + start.size();
  return page.body.substr(from, page.body.find('"', from) - from);
}

BOOST_AUTO_TEST_CASE(the_dashboard_generates_lists_and_revokes_keys) {
  Routes routes;
  const Reply empty = routes.get("/settings/api-keys");
  BOOST_TEST(empty.status == 200);
  check_html_page(empty);
  BOOST_TEST(empty.has("<title>Settings \u203a API Keys"));
  BOOST_TEST(empty.has(R"(<form class="grid-form" method="post" action="/settings/api-keys">)"));
  BOOST_TEST(empty.has(R"(name="expires_in_days")"));
  BOOST_TEST(empty.has("Generate New Key"));
  BOOST_TEST(empty.has("No API keys yet."));

  const Reply created = routes.post(
      "/settings/api-keys", {{"name", "CI deploys"}, {"expires_in_days", "30"}, {"account", "ada@example.com"}});
  BOOST_TEST(created.status == 200);
  const std::string key = new_api_key(created);
  BOOST_TEST(key.starts_with("czk_"));
  BOOST_TEST(created.has("Copy it now, it will not be shown again."));
  BOOST_TEST(created.has(R"(<td class="name">CI deploys</td>)"));
  const std::string key_id = first_key_id(created);
  BOOST_TEST(key_id.starts_with("key_"));

  const Reply listed = routes.get("/settings/api-keys?account=ada@example.com");
  BOOST_TEST(!listed.has(key));
  BOOST_TEST(!listed.has(R"(id="new-api-key")"));
  BOOST_TEST(listed.has(R"(<td class="name">CI deploys</td>)"));
  BOOST_TEST(listed.has(R"(<td><span class="muted">Never</span></td>)"));  // last used
  BOOST_TEST(routes.as(key, "GET", "/api/v1/me").status == 200);
  BOOST_TEST(!routes.get("/settings/api-keys").has(R"(<td><span class="muted">Never</span></td>)"));

  const Reply revoked = routes.post("/settings/api-keys/" + key_id + "/revoke", {{"account", "ada@example.com"}});
  BOOST_TEST(revoked.status == 303);
  BOOST_TEST(revoked.header("Location") == "/settings/api-keys?account=ada%40example.com");
  BOOST_TEST(routes.as(key, "GET", "/api/v1/me").status == 401);
  BOOST_TEST(routes.get("/settings/api-keys").has("No API keys yet."));
  const Reply again = routes.post("/settings/api-keys/" + key_id + "/revoke", {{"account", "ada@example.com"}});
  BOOST_TEST(again.status == 404);
  BOOST_TEST(again.has("The key could not be revoked"));
}

BOOST_AUTO_TEST_CASE(an_expired_key_is_marked) {
  Routes routes;
  const Reply created = routes.post("/settings/api-keys", {{"name", "short-lived"}, {"expires_in_days", "1"}});
  BOOST_TEST_REQUIRE(created.status == 200);
  BOOST_TEST(!created.has("Expired"));
  routes.advance(24h + 1s);
  const Reply listed = routes.get("/settings/api-keys");
  BOOST_TEST(listed.has(R"(<td class="name">short-lived</td>)"));
  BOOST_TEST(listed.has(R"(<span class="pill bad">Expired</span>)"));
  const Reply refused = routes.as(new_api_key(created), "GET", "/api/v1/me");
  check_oauth_error(refused, 401, "invalid_token", "the API key has expired");
}

BOOST_AUTO_TEST_CASE(bad_forms_are_shown_again_with_the_problem) {
  Routes routes;
  const struct {
    std::string what;
    std::string body;
    std::string content_type;
    std::string problem;
  } cases[] = {
      {"a blank name", "name=++&expires_in_days=", form_type, "give the key a name"},
      {"an expiry in words", "name=x&expires_in_days=soon", form_type,
       "the expiry is a number of days from 0 (never) to 3650"},
      {"a long expiry", "name=x&expires_in_days=99999", form_type,
       "the expiry is a number of days from 0 (never) to 3650"},
      {"not a form", "name=x", "text/plain", "expected Content-Type application/x-www-form-urlencoded, not text/plain"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const Reply reply = routes.call("POST", "/settings/api-keys", row.body, {{"Content-Type", row.content_type}});
      BOOST_TEST(reply.status == 400);
      BOOST_TEST(reply.has(row.problem));
      BOOST_TEST(!reply.has(R"(id="new-api-key")"));
    }
  }
  BOOST_TEST(routes.call("POST", "/settings/api-keys", "name=x&expires_in_days=soon", {{"Content-Type", form_type}})
                 .has(R"(value="soon")"));
  const Reply stranger = routes.get("/settings/api-keys?account=nobody@example.com");
  BOOST_TEST(stranger.status == 404);
  BOOST_TEST(stranger.has("is not an account here"));
  BOOST_TEST(routes.get("/settings/api-keys").has("No API keys yet."));
}

BOOST_AUTO_TEST_CASE(each_account_sees_its_own_keys) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Routes routes(options);
  const Reply bobs_page = routes.get("/settings/api-keys?account=bob@example.com");
  BOOST_TEST(bobs_page.has(R"(<form class="switcher" method="get" action="/settings/api-keys">)"));
  BOOST_TEST(bobs_page.has(R"(<option value="bob@example.com" selected>)"));
  const Reply created = routes.post("/settings/api-keys", {{"name", "bobs"}, {"account", "bob@example.com"}});
  const std::string key = new_api_key(created);
  const std::string key_id = first_key_id(created);
  BOOST_TEST(!routes.get("/settings/api-keys?account=ada@example.com").has("bobs"));
  BOOST_TEST(routes.post("/settings/api-keys/" + key_id + "/revoke", {{"account", "ada@example.com"}}).status == 404);
  BOOST_TEST(routes.as(key, "GET", "/api/v1/me").body_json().at("email") == "bob@example.com");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The helpers that run before any route: hosts (DNS rebinding) and cross-origin posts

BOOST_AUTO_TEST_SUITE(request_guards)

BOOST_AUTO_TEST_CASE(only_loopback_names_and_the_public_host_are_expected) {
  const struct {
    std::string host;
    bool expected;
  } cases[] = {
      {"127.0.0.1:8000", true}, {"localhost:8000", true},     {"LOCALHOST", true},
      {"[::1]:8000", true},     {"devcloud.test:8000", true}, {"", true},  // HTTP/1.0 sends none
      {"evil.example", false},  {"127.0.0.2", false},         {"localhost.evil.example", false},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.host) { BOOST_TEST(is_expected_host(row.host, "devcloud.test") == row.expected); }
  }
}

BOOST_AUTO_TEST_SUITE_END()
