// compozy-devcloud's Authority without HTTP: every check, flow and expiry of the
// server, on a clock the test moves by hand. tests/e2e/devcloud_*.sh keep only what
// needs the wire.
#define BOOST_TEST_MODULE devcloud_authority
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/devcloud_test_options.hpp"
#include "support/temp_folder.hpp"
#include "support/test_printers.hpp"

#include "compozy/crypto.hpp"
#include "compozy/pkce.hpp"
#include "devcloud/authority.hpp"

using namespace compozy;
using namespace compozy::devcloud;
using namespace compozy::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string redirect_uri = "http://127.0.0.1:9/callback";
const std::string issuer = "http://127.0.0.1:8000";
const std::string all_scopes = "openid email profile offline_access";

// Starts at a fixed time, with some milliseconds, as a real clock would have.
class FakeClock {
 public:
  TimeSource source() {
    return [this] { return now_; };
  }
  void advance(WallClock::duration by) { now_ += by; }
  TimePoint now_seconds() const { return std::chrono::time_point_cast<std::chrono::seconds>(now_); }

 private:
  WallClock::time_point now_ = WallClock::time_point(1'800'000'000s + 250ms);
};

// The error code of a refused outcome, or "" when it succeeded.
template <class T>
std::string error_of(const Outcome<T>& outcome) {
  return outcome ? std::string() : outcome.error().error;
}
template <class T>
int status_of(const Outcome<T>& outcome) {
  return outcome ? 0 : outcome.error().status;
}
template <class T>
std::string description_of(const Outcome<T>& outcome) {
  return outcome ? std::string() : outcome.error().description;
}

// `base` with each change applied: {"name", "value"} sets, {"-name", ""} removes.
Params changed(Params base, std::initializer_list<std::pair<std::string, std::string>> changes) {
  for (const auto& [name, value] : changes) {
    if (name.starts_with('-')) {
      std::erase_if(base, [&](const auto& param) { return param.first == name.substr(1); });
      continue;
    }
    const auto found = std::find_if(base.begin(), base.end(), [&](const auto& param) { return param.first == name; });
    if (found == base.end()) {
      base.emplace_back(name, value);
    } else {
      found->second = value;
    }
  }
  return base;
}

// `params` with `name` given once more.
Params repeated(Params params, std::string name, std::string value) {
  params.emplace_back(std::move(name), std::move(value));
  return params;
}

// The claims of a JWT, unverified.
json jwt_claims(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  const auto payload = base64url_decode(jwt.substr(first + 1, second - first - 1));
  BOOST_TEST_REQUIRE(payload.has_value());
  return json::parse(*payload);
}

struct Tokens {
  json body;
  std::string access;
  std::string refresh;  // empty without offline_access
};

struct SignInRequest {
  std::string scope = all_scopes;
  std::string account = {};  // empty: the only --user
  std::string user_agent = "unit-test/1.0";
  std::string client_id = "compozy-cli";
  std::string nonce = {};
};

class Devcloud {
 public:
  explicit Devcloud(Options options = test_options()) : options_(std::move(options)) { open(); }
  Devcloud(const Devcloud&) = delete;
  Devcloud& operator=(const Devcloud&) = delete;

  Authority& operator*() { return *authority_; }
  Authority* operator->() { return authority_.get(); }
  FakeClock& clock() { return clock_; }

  // Stops and starts again with the same options and clock, as a restart with --state does.
  void reopen() {
    authority_.reset();
    open();
  }

  Pkce pkce = make_pkce();

  Params authorize_query(std::initializer_list<std::pair<std::string, std::string>> changes = {}) const {
    return changed({{"response_type", "code"},
                    {"client_id", "compozy-cli"},
                    {"redirect_uri", redirect_uri},
                    {"scope", all_scopes},
                    {"state", "state-123"},
                    {"code_challenge", pkce.challenge},
                    {"code_challenge_method", "S256"}},
                   changes);
  }

  // The code flow up to the code, through the consent request as the person approving it.
  std::string authorize(const SignInRequest& sign_in = {}) {
    const auto request = authority_->check_authorization_request(
        authorize_query({{"scope", sign_in.scope}, {"client_id", sign_in.client_id}, {"nonce", sign_in.nonce}}));
    BOOST_TEST_REQUIRE(request.has_value());
    const auto request_id = authority_->open_consent_request(*request);
    BOOST_TEST_REQUIRE(request_id.has_value());
    const auto answer = authority_->answer_consent_request(*request_id, sign_in.account, true);
    BOOST_TEST_REQUIRE(answer.has_value());
    BOOST_TEST_REQUIRE(!answer->code.empty());
    return answer->code;
  }

  Params code_form(const std::string& code, std::initializer_list<std::pair<std::string, std::string>> changes = {}) {
    return changed({{"grant_type", "authorization_code"},
                    {"client_id", "compozy-cli"},
                    {"code", code},
                    {"redirect_uri", redirect_uri},
                    {"code_verifier", pkce.verifier}},
                   changes);
  }

  Tokens sign_in(const SignInRequest& sign_in = {}) {
    const std::string code = authorize(sign_in);
    return tokens_from(
        authority_->grant_tokens(code_form(code, {{"client_id", sign_in.client_id}}), sign_in.user_agent));
  }

  Outcome<json> refresh(const std::string& refresh_token,
                        std::initializer_list<std::pair<std::string, std::string>> changes = {}) {
    return authority_->grant_tokens(
        changed({{"grant_type", "refresh_token"}, {"client_id", "compozy-cli"}, {"refresh_token", refresh_token}},
                changes),
        "unit-test/1.0");
  }

  Caller caller(const std::string& token) {
    auto caller = authority_->authenticate("Bearer " + token);
    BOOST_TEST_REQUIRE(caller.has_value(), "authenticating: " << description_of(caller));
    return *caller;
  }

  static Tokens tokens_from(const Outcome<json>& outcome) {
    BOOST_TEST_REQUIRE(outcome.has_value(), "getting tokens: " << description_of(outcome));
    return {*outcome, outcome->at("access_token").get<std::string>(), outcome->value("refresh_token", "")};
  }

 private:
  void open() {
    auto opened = Authority::open(options_, clock_.source());
    BOOST_TEST_REQUIRE(opened.has_value(), "opening: " << (opened ? "" : opened.error().message));
    authority_ = std::move(*opened);
    authority_->set_issuer(issuer);
  }

  Options options_;
  FakeClock clock_;
  std::unique_ptr<Authority> authority_;
};

}  // namespace

// ---------------------------------------------------------------------------------
// /oauth/authorize: what is checked before anything is shown

BOOST_AUTO_TEST_SUITE(authorization_requests)

// Without a registered client and an allowed redirect URI, the error is shown to the
// person and never sent anywhere (RFC 6749 §4.1.2.1).
BOOST_AUTO_TEST_CASE(untrusted_requests_are_refused_without_redirecting) {
  Devcloud devcloud;
  const struct {
    std::string what;
    Params query;
    std::string error;
    std::string description;
  } cases[] = {
      {"no client_id", devcloud.authorize_query({{"-client_id", ""}}), "invalid_request",
       "the request has no client_id"},
      {"an unknown client", devcloud.authorize_query({{"client_id", "unknown-app"}}), "invalid_client",
       "'unknown-app' is not a registered client"},
      {"client_id twice", repeated(devcloud.authorize_query(), "client_id", "compozy-cli"), "invalid_request",
       "client_id is given more than once"},
      {"no redirect_uri", devcloud.authorize_query({{"-redirect_uri", ""}}), "invalid_request",
       "the request has no redirect_uri"},
      {"https", devcloud.authorize_query({{"redirect_uri", "https://127.0.0.1:8000/callback"}}), "invalid_request",
       "the redirect_uri 'https://127.0.0.1:8000/callback' is not allowed: only http:// loopback redirect URIs are "
       "accepted (RFC 8252 §7.3)"},
      {"localhost", devcloud.authorize_query({{"redirect_uri", "http://localhost:8000/callback"}}), "invalid_request",
       "the redirect_uri 'http://localhost:8000/callback' is not allowed: only the loopback addresses 127.0.0.1 and "
       "[::1] are accepted (RFC 8252 §7.3)"},
      {"another host", devcloud.authorize_query({{"redirect_uri", "http://example.com/callback"}}), "invalid_request",
       ""},
      {"127.0.0.2", devcloud.authorize_query({{"redirect_uri", "http://127.0.0.2:8000/callback"}}), "invalid_request",
       ""},
      {"a fragment", devcloud.authorize_query({{"redirect_uri", "http://127.0.0.1:8000/callback#fragment"}}),
       "invalid_request", ""},
      {"a relative URI", devcloud.authorize_query({{"redirect_uri", "/callback"}}), "invalid_request", ""},
      {"user information", devcloud.authorize_query({{"redirect_uri", "http://user@127.0.0.1:8000/callback"}}),
       "invalid_request", ""},
      {"a look-alike host", devcloud.authorize_query({{"redirect_uri", "http://127.0.0.1.example.com/callback"}}),
       "invalid_request", ""},
      {"a space", devcloud.authorize_query({{"redirect_uri", "http://127.0.0.1:8000/call back"}}), "invalid_request",
       "the redirect_uri 'http://127.0.0.1:8000/call back' is not allowed: it contains spaces or characters outside "
       "printable ASCII"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const auto request = devcloud->check_authorization_request(row.query);
      BOOST_TEST_REQUIRE(!request.has_value());
      BOOST_TEST(!request.error().redirect);
      BOOST_TEST(request.error().error == row.error);
      if (!row.description.empty()) BOOST_TEST(request.error().description == row.description);
    }
  }
}

// Once the client and its redirect URI are trusted, errors go back to it with its state.
BOOST_AUTO_TEST_CASE(other_errors_go_back_to_the_client) {
  Options options = test_options();
  Devcloud devcloud(options);
  const struct {
    std::string what;
    Params query;
    std::string error;
    std::string description;
  } cases[] = {
      {"an implicit grant", devcloud.authorize_query({{"response_type", "token"}}), "unsupported_response_type",
       "only response_type=code is supported, not 'token'"},
      {"no response_type", devcloud.authorize_query({{"-response_type", ""}}), "invalid_request",
       "response_type is missing"},
      {"no PKCE", devcloud.authorize_query({{"-code_challenge", ""}}), "invalid_request",
       "code_challenge is missing: PKCE (RFC 7636) is required"},
      {"plain PKCE", devcloud.authorize_query({{"code_challenge_method", "plain"}}), "invalid_request",
       "code_challenge_method must be S256"},
      {"no PKCE method", devcloud.authorize_query({{"-code_challenge_method", ""}}), "invalid_request",
       "code_challenge_method must be S256"},
      {"a short challenge", devcloud.authorize_query({{"code_challenge", "short"}}), "invalid_request",
       "code_challenge is not a base64url SHA-256 digest"},
      {"a challenge that is not base64url", devcloud.authorize_query({{"code_challenge", std::string(42, 'a') + "+"}}),
       "invalid_request", "code_challenge is not a base64url SHA-256 digest"},
      {"an unknown scope", devcloud.authorize_query({{"scope", "openid admin"}}), "invalid_scope",
       "unknown scope 'admin'; supported: openid email profile offline_access read write keys:manage"},
      {"no scope", devcloud.authorize_query({{"-scope", ""}}), "invalid_scope",
       "scope is required; supported: openid email profile offline_access read write keys:manage"},
      {"a blank scope", devcloud.authorize_query({{"scope", "  "}}), "invalid_scope",
       "scope is required; supported: openid email profile offline_access read write keys:manage"},
      {"prompt=none", devcloud.authorize_query({{"prompt", "none"}}), "consent_required",
       "consent is needed and prompt=none forbids asking for it"},
      {"prompt=none with another", devcloud.authorize_query({{"prompt", "none login"}}), "invalid_request",
       "prompt=none cannot be combined with other values"},
      {"a parameter twice (RFC 6749 §3.1)", repeated(devcloud.authorize_query(), "scope", "openid"), "invalid_request",
       "'scope' is given more than once"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const auto request = devcloud->check_authorization_request(row.query);
      BOOST_TEST_REQUIRE(!request.has_value());
      BOOST_TEST(request.error().redirect);
      BOOST_TEST(request.error().redirect_uri == redirect_uri);
      BOOST_TEST(request.error().state == "state-123");
      BOOST_TEST(request.error().error == row.error);
      BOOST_TEST(request.error().description == row.description);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_checked_request_keeps_what_the_code_needs) {
  Devcloud devcloud;
  const auto request =
      devcloud->check_authorization_request(devcloud.authorize_query({{"scope", "offline_access  email openid"},
                                                                      {"nonce", "n-1"},
                                                                      {"login_hint", "ada@example.com"},
                                                                      {"prompt", "login consent"}}));
  BOOST_TEST_REQUIRE(request.has_value());
  BOOST_TEST(request->client_id == "compozy-cli");
  BOOST_TEST(request->redirect_uri == redirect_uri);
  BOOST_TEST(request->state == "state-123");
  BOOST_TEST(request->code_challenge == devcloud.pkce.challenge);
  BOOST_TEST(request->nonce == "n-1");
  BOOST_TEST(request->login_hint == "ada@example.com");
  BOOST_TEST(!request->prompt_none);
  // In the order of supported_scopes, whatever the order asked in.
  BOOST_TEST(join_scopes(request->scopes) == "openid email offline_access");
}

BOOST_AUTO_TEST_CASE(any_loopback_port_and_path_is_a_redirect_uri) {
  Devcloud devcloud;
  for (const std::string uri : {"http://[::1]:61234/cb", "http://127.0.0.1:1/any/path?x=1", "http://127.0.0.1/"}) {
    BOOST_TEST_CONTEXT(uri) {
      BOOST_TEST(devcloud->check_authorization_request(devcloud.authorize_query({{"redirect_uri", uri}})).has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(prompt_none_is_answered_only_with_auto_approve) {
  Options options = test_options();
  options.auto_approve = true;
  Devcloud devcloud(options);
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query({{"prompt", "none"}}));
  BOOST_TEST_REQUIRE(request.has_value());
  BOOST_TEST(request->prompt_none);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The consent request between the page and the person's answer

BOOST_AUTO_TEST_SUITE(consent)

BOOST_AUTO_TEST_CASE(an_approved_request_gives_a_code_once) {
  Devcloud devcloud;
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query());
  BOOST_TEST_REQUIRE(request.has_value());
  const auto request_id = devcloud->open_consent_request(*request);
  BOOST_TEST_REQUIRE(request_id.has_value());
  BOOST_TEST(request_id->size() >= 43u);  // unguessable: 32 random bytes

  const auto answer = devcloud->answer_consent_request(*request_id, "", true);
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->redirect_uri == redirect_uri);
  BOOST_TEST(answer->state == "state-123");
  BOOST_TEST(answer->code.size() >= 43u);

  const auto again = devcloud->answer_consent_request(*request_id, "", true);
  BOOST_TEST(error_of(again) == "invalid_request");
  BOOST_TEST(description_of(again) == "this sign-in request has expired or was already answered");
  BOOST_TEST(error_of(devcloud->answer_consent_request("made-up", "", true)) == "invalid_request");
}

BOOST_AUTO_TEST_CASE(a_denied_request_gives_no_code) {
  Devcloud devcloud;
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query({{"state", "s-2"}}));
  BOOST_TEST_REQUIRE(request.has_value());
  const auto request_id = devcloud->open_consent_request(*request);
  BOOST_TEST_REQUIRE(request_id.has_value());
  const auto answer = devcloud->answer_consent_request(*request_id, "", false);
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST(answer->code.empty());
  BOOST_TEST(answer->state == "s-2");
}

BOOST_AUTO_TEST_CASE(the_account_must_be_one_of_the_users) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob.smith@example.com"};
  Devcloud devcloud(options);
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query());
  BOOST_TEST_REQUIRE(request.has_value());
  const auto request_id = devcloud->open_consent_request(*request);
  BOOST_TEST_REQUIRE(request_id.has_value());
  BOOST_TEST(description_of(devcloud->answer_consent_request(*request_id, "mallory@example.com", true)) ==
             "'mallory@example.com' is not an account here");
  // With several accounts, one must be chosen; the request waits for it.
  BOOST_TEST(description_of(devcloud->answer_consent_request(*request_id, "", true)) == "choose an account");
  const auto answer = devcloud->answer_consent_request(*request_id, "BOB.smith@example.com", true);
  BOOST_TEST_REQUIRE(answer.has_value());
  const Tokens tokens = Devcloud::tokens_from(devcloud->grant_tokens(devcloud.code_form(answer->code), ""));
  BOOST_TEST(devcloud.caller(tokens.access).account.email == "bob.smith@example.com");
  BOOST_TEST(devcloud.caller(tokens.access).account.name == "Bob Smith");
}

BOOST_AUTO_TEST_CASE(a_request_waits_ten_minutes_for_its_answer) {
  Devcloud devcloud;
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query());
  BOOST_TEST_REQUIRE(request.has_value());
  const auto first = devcloud->open_consent_request(*request);
  const auto second = devcloud->open_consent_request(*request);
  BOOST_TEST_REQUIRE((first.has_value() && second.has_value()));
  devcloud.clock().advance(10min);  // issued with its start rounded up: just inside
  BOOST_TEST(devcloud->answer_consent_request(*first, "", true).has_value());
  devcloud.clock().advance(1s);
  BOOST_TEST(description_of(devcloud->answer_consent_request(*second, "", true)) ==
             "this sign-in request has expired or was already answered");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The token endpoint: codes

BOOST_AUTO_TEST_SUITE(authorization_codes)

BOOST_AUTO_TEST_CASE(a_code_gives_tokens_and_an_id_token_for_the_account) {
  Options options = test_options();
  options.users = {"ada.lovelace@example.com"};
  Devcloud devcloud(options);
  const Tokens tokens = devcloud.sign_in({.nonce = "nonce-42"});
  BOOST_TEST(tokens.body.at("token_type") == "Bearer");
  BOOST_TEST(tokens.body.at("expires_in") == 3600);
  BOOST_TEST(tokens.body.at("scope") == all_scopes);
  BOOST_TEST(tokens.access.size() >= 43u);
  BOOST_TEST(tokens.refresh.size() >= 43u);
  BOOST_TEST(tokens.access != tokens.refresh);

  const json claims = jwt_claims(tokens.body.at("id_token").get<std::string>());
  const Caller caller = devcloud.caller(tokens.access);
  BOOST_TEST(claims.at("iss") == issuer);
  BOOST_TEST(claims.at("aud") == "compozy-cli");
  BOOST_TEST(claims.at("sub") == caller.account.id);
  BOOST_TEST(caller.account.id.starts_with("usr_"));
  BOOST_TEST(claims.at("nonce") == "nonce-42");
  BOOST_TEST(claims.at("email") == "ada.lovelace@example.com");
  BOOST_TEST(claims.at("email_verified") == true);
  BOOST_TEST(claims.at("name") == "Ada Lovelace");
  BOOST_TEST(claims.at("iat") == unix_seconds(devcloud.clock().now_seconds()));
  BOOST_TEST(claims.at("exp").get<std::int64_t>() - claims.at("iat").get<std::int64_t>() == 3600);
  BOOST_TEST(claims.at("auth_time") == unix_seconds(devcloud.clock().now_seconds()));

  BOOST_TEST(caller.account.email == "ada.lovelace@example.com");
  BOOST_TEST((caller.kind == Caller::Kind::session));
  BOOST_TEST(caller.credential_id.starts_with("ses_"));
  BOOST_TEST(claims.at("sid") == caller.credential_id);
  BOOST_TEST(join_scopes(caller.scopes) == all_scopes);
}

BOOST_AUTO_TEST_CASE(the_scopes_decide_the_tokens_and_claims) {
  Devcloud devcloud;
  const Tokens openid_only = devcloud.sign_in({.scope = "openid"});
  BOOST_TEST(openid_only.refresh.empty());  // no offline_access
  const json claims = jwt_claims(openid_only.body.at("id_token").get<std::string>());
  BOOST_TEST(!claims.contains("email"));
  BOOST_TEST(!claims.contains("name"));
  BOOST_TEST(!claims.contains("nonce"));
  BOOST_TEST(join_scopes(devcloud.caller(openid_only.access).scopes) == "openid");

  const Tokens email_only = devcloud.sign_in({.scope = "email"});
  BOOST_TEST(!email_only.body.contains("id_token"));  // no openid
}

BOOST_AUTO_TEST_CASE(a_code_is_bound_to_its_client_redirect_uri_and_verifier) {
  Options options = test_options();
  options.clients = {"compozy-cli", "other-app"};
  Devcloud devcloud(options);
  const std::string code = devcloud.authorize();
  const struct {
    std::string what;
    Params form;
    int status;
    std::string error;
    std::string description;
  } cases[] = {
      {"another client", devcloud.code_form(code, {{"client_id", "other-app"}}), 400, "invalid_grant",
       "the authorization code was issued to another client"},
      {"an unknown client", devcloud.code_form(code, {{"client_id", "nobody"}}), 401, "invalid_client",
       "'nobody' is not a registered client"},
      {"no client", devcloud.code_form(code, {{"-client_id", ""}}), 401, "invalid_client", "client_id is missing"},
      {"another redirect_uri", devcloud.code_form(code, {{"redirect_uri", "http://127.0.0.1:9/other"}}), 400,
       "invalid_grant", "redirect_uri differs from the one in the authorization request"},
      {"no redirect_uri", devcloud.code_form(code, {{"-redirect_uri", ""}}), 400, "invalid_request",
       "redirect_uri is missing"},
      {"a wrong verifier", devcloud.code_form(code, {{"code_verifier", make_pkce().verifier}}), 400, "invalid_grant",
       "code_verifier does not match the code_challenge"},
      {"a verifier too short", devcloud.code_form(code, {{"code_verifier", "short"}}), 400, "invalid_grant",
       "code_verifier is not 43 to 128 unreserved characters (RFC 7636 §4.1)"},
      {"no verifier", devcloud.code_form(code, {{"-code_verifier", ""}}), 400, "invalid_request",
       "code_verifier is missing: PKCE (RFC 7636) is required"},
      {"no code", devcloud.code_form(code, {{"-code", ""}}), 400, "invalid_request", "code is missing"},
      {"an unknown code", devcloud.code_form("made-up"), 400, "invalid_grant",
       "the authorization code is unknown or expired"},
      {"no grant_type", devcloud.code_form(code, {{"-grant_type", ""}}), 400, "invalid_request",
       "grant_type is missing"},
      {"the password grant", devcloud.code_form(code, {{"grant_type", "password"}}), 400, "unsupported_grant_type",
       "grant_type 'password' is not supported"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      const auto tokens = devcloud->grant_tokens(row.form, "");
      BOOST_TEST_REQUIRE(!tokens.has_value());
      BOOST_TEST(tokens.error().status == row.status);
      BOOST_TEST(tokens.error().error == row.error);
      BOOST_TEST(tokens.error().description == row.description);
    }
  }
  // A refused attempt does not burn the code: the client holding the verifier still gets its tokens.
  BOOST_TEST(devcloud->grant_tokens(devcloud.code_form(code), "").has_value());
}

BOOST_AUTO_TEST_CASE(a_code_lives_sixty_seconds) {
  Devcloud devcloud;
  const std::string in_time = devcloud.authorize();
  const std::string late = devcloud.authorize();
  devcloud.clock().advance(60s);  // codes are issued with their start rounded up: this is just inside
  BOOST_TEST(devcloud->grant_tokens(devcloud.code_form(in_time), "").has_value());
  devcloud.clock().advance(1s);
  BOOST_TEST(description_of(devcloud->grant_tokens(devcloud.code_form(late), "")) ==
             "the authorization code is unknown or expired");
}

BOOST_AUTO_TEST_CASE(a_replayed_code_revokes_what_it_issued) {
  Devcloud devcloud;
  const std::string code = devcloud.authorize();
  const Tokens tokens = Devcloud::tokens_from(devcloud->grant_tokens(devcloud.code_form(code), ""));
  BOOST_TEST(devcloud->authenticate("Bearer " + tokens.access).has_value());

  const auto replay = devcloud->grant_tokens(devcloud.code_form(code), "");
  BOOST_TEST(error_of(replay) == "invalid_grant");
  BOOST_TEST(description_of(replay) == "the authorization code was already used; the tokens issued for it are revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + tokens.access)) == "invalid_token");
  BOOST_TEST(error_of(devcloud.refresh(tokens.refresh)) == "invalid_grant");
  // Remembered for an hour after it expired, so a late replay still revokes.
  const Tokens later = devcloud.sign_in();
  const std::string second_code = devcloud.authorize();
  const Tokens second = Devcloud::tokens_from(devcloud->grant_tokens(devcloud.code_form(second_code), ""));
  devcloud.clock().advance(59min);
  BOOST_TEST(description_of(devcloud->grant_tokens(devcloud.code_form(second_code), "")) ==
             "the authorization code was already used; the tokens issued for it are revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + second.access)) == "invalid_token");
  BOOST_TEST(devcloud->authenticate("Bearer " + later.access).has_value());
}

BOOST_AUTO_TEST_CASE(auto_approve_issues_a_code_for_the_hinted_account) {
  Options options = test_options();
  options.auto_approve = true;
  options.users = {"first@example.com", "second@example.com"};
  Devcloud devcloud(options);
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query({{"prompt", "none"}}));
  BOOST_TEST_REQUIRE(request.has_value());
  const Account* second = devcloud->find_user("SECOND@example.com");
  BOOST_TEST_REQUIRE(second != nullptr);
  const auto code = devcloud->issue_code(*request, *second);
  BOOST_TEST_REQUIRE(code.has_value());
  const Tokens tokens = Devcloud::tokens_from(devcloud->grant_tokens(devcloud.code_form(*code), ""));
  BOOST_TEST(devcloud.caller(tokens.access).account.email == "second@example.com");
  BOOST_TEST(devcloud->find_user("nobody@example.com") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The token endpoint: refresh tokens (RFC 6749 §6, RFC 9700 §4.14.2)

BOOST_AUTO_TEST_SUITE(refresh_tokens)

BOOST_AUTO_TEST_CASE(a_refresh_rotates_both_tokens) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in({.nonce = "nonce-1"});
  const Tokens second = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  BOOST_TEST(second.body.at("token_type") == "Bearer");
  BOOST_TEST(second.body.at("scope") == all_scopes);
  BOOST_TEST(!second.refresh.empty());
  BOOST_TEST(second.refresh != first.refresh);
  BOOST_TEST(second.access != first.access);
  BOOST_TEST(devcloud.caller(second.access).credential_id == devcloud.caller(first.access).credential_id);
  BOOST_TEST(jwt_claims(second.body.at("id_token").get<std::string>()).at("sid") ==
             devcloud.caller(first.access).credential_id);
  // The nonce belongs to the authentication; a refreshed ID token leaves it out.
  BOOST_TEST(!jwt_claims(second.body.at("id_token").get<std::string>()).contains("nonce"));
}

BOOST_AUTO_TEST_CASE(a_narrower_scope_applies_to_the_new_access_token_only) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  const Tokens narrow = Devcloud::tokens_from(devcloud.refresh(first.refresh, {{"scope", "openid"}}));
  BOOST_TEST(narrow.body.at("scope") == "openid");
  BOOST_TEST(join_scopes(devcloud.caller(narrow.access).scopes) == "openid");
  // The session keeps what was granted: the next refresh may ask for more again.
  const Tokens wider = Devcloud::tokens_from(devcloud.refresh(narrow.refresh, {{"scope", "openid email"}}));
  BOOST_TEST(wider.body.at("scope") == "openid email");

  const auto unknown = devcloud.refresh(wider.refresh, {{"scope", "openid admin"}});
  BOOST_TEST(error_of(unknown) == "invalid_scope");
  const Tokens limited = devcloud.sign_in({.scope = "openid offline_access"});
  const auto more = devcloud.refresh(limited.refresh, {{"scope", "openid email"}});
  BOOST_TEST(error_of(more) == "invalid_scope");
  BOOST_TEST(description_of(more) == "scope 'email' was not granted");
  // A refused refresh does not use the token up.
  BOOST_TEST(devcloud.refresh(limited.refresh).has_value());
}

BOOST_AUTO_TEST_CASE(a_reused_refresh_token_ends_the_whole_session) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  const Tokens second = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  const Tokens bystander = devcloud.sign_in();

  devcloud.clock().advance(31s);  // past the reuse interval
  const auto reuse = devcloud.refresh(first.refresh);
  BOOST_TEST(error_of(reuse) == "invalid_grant");
  BOOST_TEST(description_of(reuse) == "the refresh token was already used; the session is revoked");
  // The thief and the client lose the session alike.
  BOOST_TEST(description_of(devcloud.refresh(second.refresh)) == "the refresh token is unknown, expired or revoked");
  BOOST_TEST(description_of(devcloud->authenticate("Bearer " + second.access)) ==
             "the access token is unknown, expired or revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + first.access)) == "invalid_token");
  BOOST_TEST(devcloud.refresh(bystander.refresh).has_value());
}

// A client killed after the server answered and before it stored the answer comes
// back with the token it still has: within --refresh-reuse-interval that is answered
// with new tokens for the same session, and what the lost answer gave is withdrawn.
BOOST_AUTO_TEST_CASE(the_token_rotated_away_last_is_answered_again_within_the_reuse_interval) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  const Tokens lost = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  const std::string session = devcloud.caller(lost.access).credential_id;
  devcloud.clock().advance(30s);

  const Tokens again = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  BOOST_TEST(again.refresh != lost.refresh);
  BOOST_TEST(again.access != lost.access);
  BOOST_TEST(devcloud.caller(again.access).credential_id == session);
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + lost.access)) == "invalid_token");
  // The chain goes on from the new answer.
  const Tokens next = Devcloud::tokens_from(devcloud.refresh(again.refresh));
  BOOST_TEST(devcloud.caller(next.access).credential_id == session);
}

BOOST_AUTO_TEST_CASE(answering_again_counts_from_the_first_answer) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  Devcloud::tokens_from(devcloud.refresh(first.refresh));
  devcloud.clock().advance(20s);
  const Tokens second_try = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  devcloud.clock().advance(11s);  // 31 s after the rotation
  BOOST_TEST(description_of(devcloud.refresh(first.refresh)) ==
             "the refresh token was already used; the session is revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + second_try.access)) == "invalid_token");
}

// Only one chain of tokens lives: whoever uses the withdrawn answer, or a token older
// than the last one rotated away, ends the session, as a replay does.
BOOST_AUTO_TEST_CASE(the_withdrawn_answer_and_older_tokens_are_replays) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  const Tokens lost = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  const Tokens again = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  BOOST_TEST(description_of(devcloud.refresh(lost.refresh)) ==
             "the refresh token was already used; the session is revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + again.access)) == "invalid_token");

  const Tokens one = devcloud.sign_in();
  const Tokens two = Devcloud::tokens_from(devcloud.refresh(one.refresh));
  const Tokens three = Devcloud::tokens_from(devcloud.refresh(two.refresh));
  BOOST_TEST(description_of(devcloud.refresh(one.refresh)) ==
             "the refresh token was already used; the session is revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + three.access)) == "invalid_token");
}

BOOST_AUTO_TEST_CASE(a_reuse_interval_of_zero_answers_nothing_again) {
  Options options = test_options();
  options.refresh_reuse_interval = 0s;
  Devcloud devcloud(options);
  const Tokens first = devcloud.sign_in();
  const Tokens second = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  BOOST_TEST(description_of(devcloud.refresh(first.refresh)) ==
             "the refresh token was already used; the session is revoked");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + second.access)) == "invalid_token");
}

// Each session keeps its own spent tokens until it ends, so no flood of other sign-ins
// and refreshes pushes them out; the number of sessions is bounded instead, and a
// sign-in beyond it is refused rather than making room.
BOOST_AUTO_TEST_CASE(a_flood_neither_hides_a_replay_nor_grows_without_bound) {
  Options options = test_options();
  options.max_sessions = 100;
  Devcloud devcloud(options);
  const SignInRequest quick{.scope = "offline_access"};  // no ID token to sign
  const Tokens victim = devcloud.sign_in(quick);
  Devcloud::tokens_from(devcloud.refresh(victim.refresh));

  std::vector<Tokens> flood;
  for (int i = 0; i < 99; ++i) flood.push_back(devcloud.sign_in(quick));
  const auto beyond = devcloud->grant_tokens(devcloud.code_form(devcloud.authorize(quick)), "");
  BOOST_TEST(status_of(beyond) == 503);
  BOOST_TEST(error_of(beyond) == "temporarily_unavailable");
  BOOST_TEST(description_of(beyond) ==
             "the server holds 100 sessions, its --max-sessions; end some or try again later");
  std::string refresh = flood.front().refresh;
  for (int i = 0; i < 2000; ++i) refresh = Devcloud::tokens_from(devcloud.refresh(refresh)).refresh;

  devcloud.clock().advance(31s);
  BOOST_TEST(description_of(devcloud.refresh(victim.refresh)) ==
             "the refresh token was already used; the session is revoked");
  // The victim's session is gone, so there is room for one more.
  BOOST_TEST(devcloud->grant_tokens(devcloud.code_form(devcloud.authorize(quick)), "").has_value());
}

BOOST_AUTO_TEST_CASE(a_session_keeps_its_last_fifty_spent_tokens) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  Devcloud devcloud(options);
  const Tokens first = devcloud.sign_in({.scope = "offline_access"});
  std::vector<std::string> refreshes = {first.refresh};
  for (int i = 0; i < 60; ++i) refreshes.push_back(Devcloud::tokens_from(devcloud.refresh(refreshes.back())).refresh);
  BOOST_TEST_REQUIRE(devcloud->flush().has_value());
  std::ifstream file(*options.state_file);
  const json saved = json::parse(file);
  BOOST_TEST(saved.at("sessions").at(0).at("spent_refresh_hashes").size() == 50u);
  devcloud.clock().advance(31s);
  // The oldest is forgotten and refused like any unknown token; the session lives on.
  BOOST_TEST(description_of(devcloud.refresh(refreshes.front())) == "the refresh token is unknown, expired or revoked");
  BOOST_TEST(description_of(devcloud.refresh(refreshes[10])) ==
             "the refresh token was already used; the session is revoked");
}

BOOST_AUTO_TEST_CASE(a_refresh_token_is_bound_to_its_client) {
  Options options = test_options();
  options.clients = {"compozy-cli", "other-app"};
  Devcloud devcloud(options);
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST(description_of(devcloud.refresh(tokens.refresh, {{"client_id", "other-app"}})) ==
             "the refresh token was issued to another client");
  BOOST_TEST(description_of(devcloud.refresh(tokens.refresh, {{"-refresh_token", ""}})) == "refresh_token is missing");
  BOOST_TEST(devcloud.refresh(tokens.refresh).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Device authorization (RFC 8628)

BOOST_AUTO_TEST_SUITE(device_flow)

struct DeviceStart {
  std::string device_code;
  std::string user_code;
};

DeviceStart start_device_flow(Devcloud& devcloud, const std::string& scope = "openid email offline_access") {
  const auto started = devcloud->authorize_device({{"client_id", "compozy-cli"}, {"scope", scope}});
  BOOST_TEST_REQUIRE(started.has_value(), description_of(started));
  return {started->at("device_code").get<std::string>(), started->at("user_code").get<std::string>()};
}

Outcome<json> poll(Devcloud& devcloud, const std::string& device_code, const std::string& client_id = "compozy-cli") {
  return devcloud->grant_tokens(
      {{"grant_type", std::string(device_code_grant)}, {"client_id", client_id}, {"device_code", device_code}}, "");
}

BOOST_AUTO_TEST_CASE(the_device_endpoint_answers_as_rfc_8628_asks) {
  Options options = test_options();
  options.device_code_ttl = 600s;
  Devcloud devcloud(options);
  const auto started = devcloud->authorize_device({{"client_id", "compozy-cli"}, {"scope", "openid"}});
  BOOST_TEST_REQUIRE(started.has_value());
  const std::string user_code = started->at("user_code").get<std::string>();
  BOOST_TEST(user_code.size() == 9u);
  BOOST_TEST(user_code[4] == '-');
  BOOST_TEST(user_code.find_first_not_of("BCDFGHJKLMNPQRSTVWXZ-") == std::string::npos);
  BOOST_TEST(started->at("device_code").get<std::string>().size() >= 43u);
  BOOST_TEST(started->at("verification_uri") == issuer + "/device");
  BOOST_TEST(started->at("verification_uri_complete") == issuer + "/device?user_code=" + user_code);
  BOOST_TEST(started->at("expires_in") == 600);
  BOOST_TEST(started->at("interval") == 1);

  BOOST_TEST(description_of(devcloud->authorize_device({{"scope", "openid"}})) == "client_id is missing");
  BOOST_TEST(error_of(devcloud->authorize_device({{"client_id", "nobody"}, {"scope", "openid"}})) == "invalid_client");
  BOOST_TEST(error_of(devcloud->authorize_device({{"client_id", "compozy-cli"}, {"scope", "admin"}})) ==
             "invalid_scope");
}

BOOST_AUTO_TEST_CASE(pending_slow_down_and_approved) {
  Devcloud devcloud;
  const DeviceStart device = start_device_flow(devcloud);
  BOOST_TEST(error_of(poll(devcloud, device.device_code)) == "authorization_pending");
  devcloud.clock().advance(999ms);
  const auto too_soon = poll(devcloud, device.device_code);
  BOOST_TEST(error_of(too_soon) == "slow_down");
  BOOST_TEST(description_of(too_soon) == "polling too fast; wait 6 seconds between requests");
  devcloud.clock().advance(5s);
  BOOST_TEST(error_of(poll(devcloud, device.device_code)) == "slow_down");  // the interval is now 11 s
  devcloud.clock().advance(11s);
  BOOST_TEST(error_of(poll(devcloud, device.device_code)) == "authorization_pending");

  // The person types the code in lower case, without its dash.
  std::string typed;
  for (const char c : device.user_code) {
    if (c != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto prompt = devcloud->find_device_request(typed);
  BOOST_TEST_REQUIRE(prompt.has_value());
  BOOST_TEST(prompt->user_code == device.user_code);
  BOOST_TEST(prompt->client_id == "compozy-cli");
  BOOST_TEST(join_scopes(prompt->scopes) == "openid email offline_access");
  BOOST_TEST(devcloud->answer_device_request(typed, "", true).has_value());

  const Tokens tokens = Devcloud::tokens_from(poll(devcloud, device.device_code));
  BOOST_TEST(tokens.body.at("token_type") == "Bearer");
  BOOST_TEST(tokens.body.at("scope") == "openid email offline_access");
  BOOST_TEST(!tokens.refresh.empty());
  BOOST_TEST(tokens.body.contains("id_token"));
  BOOST_TEST(devcloud.caller(tokens.access).account.email == "ada@example.com");
  BOOST_TEST(description_of(poll(devcloud, device.device_code)) == "the device code was already used");
}

BOOST_AUTO_TEST_CASE(denied_expired_unknown_and_foreign_codes) {
  Options options = test_options();
  options.clients = {"compozy-cli", "other-app"};
  options.device_code_ttl = 30s;
  Devcloud devcloud(options);
  const DeviceStart denied = start_device_flow(devcloud);
  BOOST_TEST(devcloud->answer_device_request(denied.user_code, "", false).has_value());
  BOOST_TEST(error_of(poll(devcloud, denied.device_code)) == "access_denied");

  const DeviceStart waiting = start_device_flow(devcloud);
  BOOST_TEST(description_of(poll(devcloud, waiting.device_code, "other-app")) ==
             "the device code was issued to another client");
  BOOST_TEST(description_of(poll(devcloud, "not-a-device-code")) == "the device code is unknown");
  BOOST_TEST(description_of(devcloud->grant_tokens(
                 {{"grant_type", std::string(device_code_grant)}, {"client_id", "compozy-cli"}}, "")) ==
             "device_code is missing");

  devcloud.clock().advance(31s);
  BOOST_TEST(error_of(poll(devcloud, waiting.device_code)) == "expired_token");
  BOOST_TEST(error_of(poll(devcloud, denied.device_code)) == "expired_token");
  BOOST_TEST(status_of(devcloud->find_device_request(waiting.user_code)) == 404);
  BOOST_TEST(error_of(devcloud->answer_device_request(waiting.user_code, "", true)) == "not_found");
  // An hour later even the expiry is forgotten.
  devcloud.clock().advance(1h);
  BOOST_TEST(error_of(poll(devcloud, waiting.device_code)) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(a_user_code_is_answered_once_by_an_account_here) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Devcloud devcloud(options);
  const DeviceStart device = start_device_flow(devcloud);
  BOOST_TEST(description_of(devcloud->answer_device_request(device.user_code, "", true)) == "choose an account");
  BOOST_TEST(description_of(devcloud->answer_device_request(device.user_code, "eve@example.com", true)) ==
             "'eve@example.com' is not an account here");
  const auto answered = devcloud->answer_device_request(device.user_code, "bob@example.com", true);
  BOOST_TEST_REQUIRE(answered.has_value());
  BOOST_TEST(answered->email == "bob@example.com");
  BOOST_TEST(error_of(devcloud->find_device_request(device.user_code)) == "already_answered");
  BOOST_TEST(error_of(devcloud->answer_device_request(device.user_code, "bob@example.com", false)) ==
             "already_answered");
  const Tokens tokens = Devcloud::tokens_from(poll(devcloud, device.device_code));
  BOOST_TEST(devcloud.caller(tokens.access).account.email == "bob@example.com");

  for (const std::string typo : {"AEIOU", "BCDF-GHJ", "BCDF-GHJKL", ""}) {
    BOOST_TEST_CONTEXT(typo) {
      BOOST_TEST(description_of(devcloud->find_device_request(typo)) == "a code has 8 letters, like BCDF-GHJK");
    }
  }
  BOOST_TEST(status_of(devcloud->find_device_request("BCDF-GHJK")) == 404);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Revocation (RFC 7009)

BOOST_AUTO_TEST_SUITE(revocation)

BOOST_AUTO_TEST_CASE(an_access_token_alone_is_revoked) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST(
      devcloud->revoke({{"token", tokens.access}, {"token_type_hint", "access_token"}, {"client_id", "compozy-cli"}})
          .has_value());
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + tokens.access)) == "invalid_token");
  BOOST_TEST(devcloud.refresh(tokens.refresh).has_value());  // the session lives on
}

BOOST_AUTO_TEST_CASE(a_refresh_token_ends_its_session_whatever_the_hint) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST(devcloud->revoke({{"token", tokens.refresh}, {"token_type_hint", "something_else"}}).has_value());
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + tokens.access)) == "invalid_token");
  BOOST_TEST(error_of(devcloud.refresh(tokens.refresh)) == "invalid_grant");
  // Revoking it again, or a token never issued, is answered alike (RFC 7009 §2.2).
  BOOST_TEST(devcloud->revoke({{"token", tokens.refresh}}).has_value());
  BOOST_TEST(devcloud->revoke({{"token", "never-issued"}}).has_value());
}

BOOST_AUTO_TEST_CASE(a_spent_refresh_token_ends_its_session_too) {
  Devcloud devcloud;
  const Tokens first = devcloud.sign_in();
  const Tokens second = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  BOOST_TEST(devcloud->revoke({{"token", first.refresh}}).has_value());
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + second.access)) == "invalid_token");
  BOOST_TEST(error_of(devcloud.refresh(second.refresh)) == "invalid_grant");
}

BOOST_AUTO_TEST_CASE(refusals) {
  Options options = test_options();
  options.clients = {"compozy-cli", "other-app"};
  Devcloud devcloud(options);
  const Tokens tokens = devcloud.sign_in();
  const auto no_token = devcloud->revoke({{"client_id", "compozy-cli"}});
  BOOST_TEST(error_of(no_token) == "invalid_request");
  BOOST_TEST(description_of(no_token) == "token is missing");
  const auto unknown_client = devcloud->revoke({{"token", "x"}, {"client_id", "nobody"}});
  BOOST_TEST(error_of(unknown_client) == "invalid_client");
  BOOST_TEST(status_of(unknown_client) == 401);
  for (const std::string& token : {tokens.access, tokens.refresh}) {
    const auto foreign = devcloud->revoke({{"token", token}, {"client_id", "other-app"}});
    BOOST_TEST(error_of(foreign) == "unauthorized_client");
  }
  BOOST_TEST(devcloud->authenticate("Bearer " + tokens.access).has_value());
}

BOOST_AUTO_TEST_CASE(an_api_key_is_revoked_only_with_the_compozy_api) {
  for (const bool compozy_api : {true, false}) {
    BOOST_TEST_CONTEXT("compozy_api " << compozy_api) {
      Options options = test_options();
      options.compozy_api = compozy_api;
      Devcloud devcloud(options);
      const auto key = devcloud->create_api_key(devcloud->users().front(), "ci", std::nullopt);
      BOOST_TEST_REQUIRE(key.has_value());
      BOOST_TEST(devcloud->revoke({{"token", key->secret}}).has_value());
      BOOST_TEST(devcloud->api_keys_of(devcloud->users().front()).size() == (compozy_api ? 0u : 1u));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Bearer authentication (RFC 6750) with an access token or an API key

BOOST_AUTO_TEST_SUITE(bearer_authentication)

BOOST_AUTO_TEST_CASE(what_is_not_a_valid_credential) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  const auto revoked_key = devcloud->create_api_key(devcloud->users().front(), "old", std::nullopt);
  BOOST_TEST_REQUIRE(revoked_key.has_value());
  BOOST_TEST(devcloud->revoke_api_key(devcloud->users().front(), revoked_key->key.id).has_value());
  const struct {
    std::string header;
    std::string description;
  } cases[] = {
      {"", "the request has no bearer token"},
      {"   ", "the request has no bearer token"},
      {"Basic Zm9vOmJhcg==", "expected an 'Authorization: Bearer <token>' header"},
      {"Bearer", "expected an 'Authorization: Bearer <token>' header"},
      {"Bearer    ", "the bearer token is empty"},
      {"Bearer forged", "the access token is unknown, expired or revoked"},
      {"Bearer " + tokens.refresh, "the access token is unknown, expired or revoked"},
      {"Bearer czk_" + std::string(43, 'a'), "the API key is unknown or revoked"},
      {"Bearer " + revoked_key->secret, "the API key is unknown or revoked"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT("'" << row.header << "'") {
      const auto caller = devcloud->authenticate(row.header);
      BOOST_TEST(status_of(caller) == 401);
      BOOST_TEST(error_of(caller) == "invalid_token");
      BOOST_TEST(description_of(caller) == row.description);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_scheme_is_case_insensitive_and_spaces_do_not_count) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST(devcloud->authenticate("bearer " + tokens.access).has_value());
  BOOST_TEST(devcloud->authenticate("BEARER   " + tokens.access + "  ").has_value());
}

BOOST_AUTO_TEST_CASE(an_access_token_names_its_session_and_its_expiry) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in({.scope = "openid email"});
  const Caller caller = devcloud.caller(tokens.access);
  BOOST_TEST((caller.kind == Caller::Kind::session));
  BOOST_TEST(caller.credential_id.starts_with("ses_"));
  BOOST_TEST(caller.expires_at == std::optional(devcloud.clock().now_seconds() + 1s + 3600s));
  BOOST_TEST(join_scopes(caller.scopes) == "openid email");
}

BOOST_AUTO_TEST_CASE(an_api_key_acts_for_its_account_until_it_expires) {
  Devcloud devcloud;
  const auto key = devcloud->create_api_key(devcloud->users().front(), "CI deploys", 1);
  BOOST_TEST_REQUIRE(key.has_value());
  const Caller caller = devcloud.caller(key->secret);
  BOOST_TEST((caller.kind == Caller::Kind::api_key));
  BOOST_TEST(caller.credential_id == key->key.id);
  BOOST_TEST(caller.account.email == "ada@example.com");
  BOOST_TEST(join_scopes(caller.scopes) == "openid email profile");
  BOOST_TEST(caller.expires_at == key->key.expires_at);
  const auto listed = devcloud->api_keys_of(devcloud->users().front());
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed.front().last_used_at == std::optional(devcloud.clock().now_seconds()));

  devcloud.clock().advance(24h + 1s);
  BOOST_TEST(description_of(devcloud->authenticate("Bearer " + key->secret)) == "the API key has expired");
  // Still listed, so that the dashboard can mark it expired.
  BOOST_TEST(devcloud->api_keys_of(devcloud->users().front()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(api_keys_are_not_credentials_without_the_compozy_api) {
  Options options = test_options();
  options.compozy_api = false;
  Devcloud devcloud(options);
  const auto key = devcloud->create_api_key(devcloud->users().front(), "ci", std::nullopt);
  BOOST_TEST_REQUIRE(key.has_value());
  BOOST_TEST(description_of(devcloud->authenticate("Bearer " + key->secret)) ==
             "the access token is unknown, expired or revoked");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Lifetimes: a token of N seconds lives at least N, and less than N + 1

BOOST_AUTO_TEST_SUITE(lifetimes)

BOOST_AUTO_TEST_CASE(access_and_refresh_tokens_expire_after_their_ttl) {
  Options options = test_options();
  options.access_token_ttl = 1s;
  options.refresh_token_ttl = 3s;
  Devcloud devcloud(options);
  const Tokens first = devcloud.sign_in();
  BOOST_TEST(first.body.at("expires_in") == 1);
  devcloud.clock().advance(1s);
  BOOST_TEST(devcloud->authenticate("Bearer " + first.access).has_value());
  devcloud.clock().advance(1s);
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + first.access)) == "invalid_token");

  const Tokens second = Devcloud::tokens_from(devcloud.refresh(first.refresh));
  const Caller caller = devcloud.caller(second.access);
  BOOST_TEST(devcloud->sessions_of(caller).size() == 1u);
  devcloud.clock().advance(3s);
  const Tokens third = Devcloud::tokens_from(devcloud.refresh(second.refresh));  // just in time
  devcloud.clock().advance(4s);
  BOOST_TEST(description_of(devcloud.refresh(third.refresh)) == "the refresh token is unknown, expired or revoked");
  BOOST_TEST(devcloud->sessions_of(caller).empty());
}

BOOST_AUTO_TEST_CASE(a_session_without_a_refresh_token_ends_with_its_access_token) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in({.scope = "openid"});
  const Caller caller = devcloud.caller(tokens.access);
  BOOST_TEST(devcloud->sessions_of(caller).size() == 1u);
  devcloud.clock().advance(3601s);
  BOOST_TEST(devcloud->sessions_of(caller).empty());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// An account's sessions, as /api/v1/auth/sessions shows and ends them

BOOST_AUTO_TEST_SUITE(sessions)

BOOST_AUTO_TEST_CASE(an_account_sees_and_ends_only_its_own_sessions) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Devcloud devcloud(options);
  const Tokens ada_first = devcloud.sign_in({.account = "ada@example.com", .user_agent = "first-client/1.0"});
  devcloud.clock().advance(1s);
  const Tokens ada_second = devcloud.sign_in({.account = "ada@example.com", .user_agent = "second-client/2.0"});
  const Tokens bob = devcloud.sign_in({.account = "bob@example.com", .user_agent = "bob\x01\x7f/1.0"});
  const Caller ada = devcloud.caller(ada_second.access);
  const Caller bob_caller = devcloud.caller(bob.access);

  const auto listed = devcloud->sessions_of(ada);
  BOOST_TEST_REQUIRE(listed.size() == 2u);
  BOOST_TEST(listed[0].session.user_agent == "first-client/1.0");  // oldest first
  BOOST_TEST(!listed[0].current);
  BOOST_TEST(listed[1].session.user_agent == "second-client/2.0");
  BOOST_TEST(listed[1].current);
  BOOST_TEST(listed[1].session.id == ada.credential_id);
  BOOST_TEST(listed[1].session.client_id == "compozy-cli");
  BOOST_TEST(listed[1].session.created_at == devcloud.clock().now_seconds());
  const auto bobs = devcloud->sessions_of(bob_caller);
  BOOST_TEST_REQUIRE(bobs.size() == 1u);
  BOOST_TEST(bobs[0].session.user_agent ==
             "bob?"
             "?/1.0");  // no control characters reach a terminal

  const auto foreign = devcloud->revoke_session(ada, bob_caller.credential_id);
  BOOST_TEST(status_of(foreign) == 404);
  BOOST_TEST(description_of(foreign) == "no active session with id " + bob_caller.credential_id);
  BOOST_TEST(devcloud->authenticate("Bearer " + bob.access).has_value());
  BOOST_TEST(description_of(devcloud->revoke_session(ada, "ses_unknown")) == "no active session with id ses_unknown");

  BOOST_TEST(devcloud->revoke_session(ada, listed[0].session.id).has_value());
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + ada_first.access)) == "invalid_token");
  BOOST_TEST(error_of(devcloud.refresh(ada_first.refresh)) == "invalid_grant");
  BOOST_TEST(status_of(devcloud->revoke_session(ada, listed[0].session.id)) == 404);

  devcloud.sign_in({.account = "ada@example.com"});
  const auto revoked = devcloud->revoke_all_sessions(ada);
  BOOST_TEST_REQUIRE(revoked.has_value());
  BOOST_TEST(*revoked == 2);
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + ada_second.access)) == "invalid_token");
  const auto left = devcloud->sessions_of(bob_caller);
  BOOST_TEST_REQUIRE(left.size() == 1u);
  BOOST_TEST(left[0].current);
}

BOOST_AUTO_TEST_CASE(an_api_key_lists_and_ends_sessions_but_is_not_one) {
  Devcloud devcloud;
  devcloud.sign_in();
  const auto key = devcloud->create_api_key(devcloud->users().front(), "ci", std::nullopt);
  BOOST_TEST_REQUIRE(key.has_value());
  const Caller caller = devcloud.caller(key->secret);
  const auto listed = devcloud->sessions_of(caller);
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(!listed[0].current);
  const auto revoked = devcloud->revoke_all_sessions(caller);
  BOOST_TEST_REQUIRE(revoked.has_value());
  BOOST_TEST(*revoked == 1);
  BOOST_TEST(devcloud->authenticate("Bearer " + key->secret).has_value());
}

BOOST_AUTO_TEST_CASE(last_used_follows_the_access_token_and_the_refresh) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  const TimePoint created = devcloud.clock().now_seconds();
  devcloud.clock().advance(10s);
  const Caller caller = devcloud.caller(tokens.access);
  auto listed = devcloud->sessions_of(caller);
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed[0].session.created_at == created);
  BOOST_TEST(listed[0].session.last_used_at == created + 10s);
  devcloud.clock().advance(10s);
  BOOST_TEST(devcloud.refresh(tokens.refresh).has_value());
  listed = devcloud->sessions_of(caller);
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed[0].session.last_used_at == created + 20s);
  BOOST_TEST(listed[0].session.expires_at == created + 21s + 2592000s);
}

BOOST_AUTO_TEST_CASE(a_token_request_names_the_device_and_its_use_is_kept_with_its_address) {
  Devcloud devcloud;
  const std::string code = devcloud.authorize();
  const Tokens tokens = Devcloud::tokens_from(devcloud->grant_tokens(
      devcloud.code_form(code, {{"device_name", "Zoë's laptop"}, {"device_os", "Debian GNU/Linux 12"}}),
      "unit-test/1.0", "127.0.0.7"));
  const Caller caller = devcloud.caller(tokens.access);
  auto listed = devcloud->sessions_of(caller);
  BOOST_TEST_REQUIRE(listed.size() == 1u);
  BOOST_TEST(listed[0].session.device_name == "Zoë's laptop");
  BOOST_TEST(listed[0].session.device_os == "Debian GNU/Linux 12");
  BOOST_TEST(listed[0].session.last_used_from == "127.0.0.7");
  // An API call moves the address on; a refresh without device_name keeps the name.
  BOOST_TEST(devcloud->authenticate("Bearer " + tokens.access, "127.0.0.8").has_value());
  BOOST_TEST(devcloud->grant_tokens(changed({{"grant_type", "refresh_token"},
                                             {"client_id", "compozy-cli"},
                                             {"refresh_token", tokens.refresh}},
                                            {}),
                                    "unit-test/1.0", "127.0.0.9")
                 .has_value());
  listed = devcloud->sessions_of(caller);
  BOOST_TEST(listed[0].session.device_name == "Zoë's laptop");
  BOOST_TEST(listed[0].session.last_used_from == "127.0.0.9");
}

BOOST_AUTO_TEST_CASE(a_device_name_is_bounded_and_control_characters_are_not_kept) {
  Devcloud devcloud;
  const std::string long_name = std::string(62, 'x') + "東京";  // the cut falls inside 東
  const Tokens tokens = Devcloud::tokens_from(devcloud->grant_tokens(
      devcloud.code_form(devcloud.authorize(), {{"device_name", long_name}, {"device_os", "evil\x1b[2J"}}),
      "unit-test/1.0"));
  const auto listed = devcloud->sessions_of(devcloud.caller(tokens.access));
  BOOST_TEST(listed[0].session.device_name == std::string(62, 'x'));
  BOOST_TEST(listed[0].session.device_os == "evil?[2J");
}

BOOST_AUTO_TEST_CASE(the_clock_offset_moves_everything_forward) {
  Devcloud devcloud;
  const Tokens tokens = devcloud.sign_in();
  const TimePoint before = devcloud->now();
  devcloud->advance_clock(std::chrono::days(31));
  BOOST_TEST((devcloud->now() - before == std::chrono::days(31)));
  // The access token (an hour) has expired; the refresh token (30 days) too.
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + tokens.access)) == "invalid_token");
  BOOST_TEST(error_of(devcloud.refresh(tokens.refresh)) == "invalid_grant");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// Token exchange (RFC 8693): a token narrowed from the session's

BOOST_AUTO_TEST_SUITE(token_exchange)

Outcome<json> exchange(Devcloud& devcloud, const std::string& subject,
                       std::initializer_list<std::pair<std::string, std::string>> changes = {}) {
  return devcloud->grant_tokens(changed({{"grant_type", std::string(token_exchange_grant)},
                                         {"client_id", "compozy-cli"},
                                         {"subject_token", subject},
                                         {"subject_token_type", std::string(access_token_type)},
                                         {"requested_token_type", std::string(access_token_type)},
                                         {"scope", "read"}},
                                        changes),
                                "unit-test/1.0");
}

BOOST_AUTO_TEST_CASE(a_narrowed_token_holds_only_its_scopes_and_no_refresh_token) {
  Devcloud devcloud;
  const Tokens full = devcloud.sign_in();
  const auto narrowed = exchange(devcloud, full.access);
  BOOST_TEST_REQUIRE(narrowed.has_value(), description_of(narrowed));
  BOOST_TEST(narrowed->at("issued_token_type") == std::string(access_token_type));
  BOOST_TEST(narrowed->at("token_type") == "Bearer");
  BOOST_TEST(narrowed->at("scope") == "read");
  BOOST_TEST(!narrowed->contains("refresh_token"));
  BOOST_TEST(!narrowed->contains("id_token"));
  const Caller caller = devcloud.caller(narrowed->at("access_token").get<std::string>());
  BOOST_TEST(caller.may("read"));
  BOOST_TEST(!caller.may("write"));
  BOOST_TEST(caller.credential_id == devcloud.caller(full.access).credential_id);
  // A login's token that names no API scope may do everything.
  BOOST_TEST(devcloud.caller(full.access).may("write"));
  // Narrowed to OpenID scopes only, it may do nothing in the API.
  const auto oidc_only = exchange(devcloud, full.access, {{"scope", "openid"}});
  BOOST_TEST_REQUIRE(oidc_only.has_value());
  BOOST_TEST(!devcloud.caller(oidc_only->at("access_token").get<std::string>()).may("read"));
}

BOOST_AUTO_TEST_CASE(a_narrowed_token_expires_no_later_than_its_subject) {
  Devcloud devcloud;
  const Tokens full = devcloud.sign_in();
  devcloud.clock().advance(50min);
  const auto narrowed = exchange(devcloud, full.access);
  BOOST_TEST_REQUIRE(narrowed.has_value());
  BOOST_TEST(narrowed->at("expires_in").get<std::int64_t>() <= 601);  // the subject's end, rounded up
  devcloud.clock().advance(11min);
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + narrowed->at("access_token").get<std::string>())) ==
             "invalid_token");
}

BOOST_AUTO_TEST_CASE(more_than_the_subject_holds_is_invalid_scope) {
  Devcloud devcloud;
  const Tokens full = devcloud.sign_in({.scope = "openid email offline_access"});
  const auto narrowed = exchange(devcloud, full.access, {{"scope", "read"}});
  BOOST_TEST_REQUIRE(narrowed.has_value());
  const std::string read_only = narrowed->at("access_token");
  BOOST_TEST(error_of(exchange(devcloud, read_only, {{"scope", "read write"}})) == "invalid_scope");
  BOOST_TEST(description_of(exchange(devcloud, read_only, {{"scope", "write"}})) ==
             "the subject token does not hold scope 'write'");
  BOOST_TEST(error_of(exchange(devcloud, full.access, {{"scope", "profile"}})) == "invalid_scope");
  BOOST_TEST(error_of(exchange(devcloud, full.access, {{"scope", "admin"}})) == "invalid_scope");
  BOOST_TEST(exchange(devcloud, read_only, {{"scope", "read"}}).has_value());
}

BOOST_AUTO_TEST_CASE(what_is_not_a_token_exchange_request) {
  Devcloud devcloud;
  const Tokens full = devcloud.sign_in();
  BOOST_TEST(error_of(exchange(devcloud, "nonsense")) == "invalid_request");
  BOOST_TEST(error_of(exchange(devcloud, full.refresh)) == "invalid_request");
  BOOST_TEST(error_of(exchange(devcloud, full.access, {{"-subject_token", ""}})) == "invalid_request");
  BOOST_TEST(error_of(exchange(devcloud, full.access, {{"subject_token_type", "urn:x"}})) == "invalid_request");
  BOOST_TEST(error_of(exchange(devcloud, full.access,
                               {{"requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"}})) ==
             "invalid_request");
}

BOOST_AUTO_TEST_CASE(a_server_without_token_exchange_says_unsupported_grant_type) {
  Options options = test_options();
  options.token_exchange = false;
  Devcloud devcloud(options);
  const Tokens full = devcloud.sign_in();
  BOOST_TEST(error_of(exchange(devcloud, full.access)) == "unsupported_grant_type");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// API keys, as the dashboard makes, lists and revokes them

BOOST_AUTO_TEST_SUITE(api_keys)

BOOST_AUTO_TEST_CASE(what_a_key_may_be_called_and_how_long_it_may_live) {
  Devcloud devcloud;
  const struct {
    std::string name;
    std::optional<int> days;
    std::string description;
  } cases[] = {
      {"", std::nullopt, "give the key a name"},
      {" \t ", std::nullopt, "give the key a name"},
      {std::string(101, 'x'), std::nullopt, "the name is longer than 100 characters"},
      {"tab\tinside", std::nullopt, "the name contains control characters"},
      {"bell\x07", std::nullopt, "the name contains control characters"},
      {"x", -1, "the expiry is a number of days from 0 (never) to 3650"},
      {"x", 3651, "the expiry is a number of days from 0 (never) to 3650"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT("'" << row.name << "' " << row.days.value_or(-99)) {
      const auto key = devcloud->create_api_key(devcloud->users().front(), row.name, row.days);
      BOOST_TEST(error_of(key) == "invalid_request");
      BOOST_TEST(description_of(key) == row.description);
    }
  }
  BOOST_TEST(devcloud->api_keys_of(devcloud->users().front()).empty());
}

BOOST_AUTO_TEST_CASE(a_new_key_is_shown_once_and_listed_newest_first) {
  Devcloud devcloud;
  const Account& ada = devcloud->users().front();
  const auto first = devcloud->create_api_key(ada, "  CI deploys  ", 30);
  BOOST_TEST_REQUIRE(first.has_value());
  BOOST_TEST(first->secret.starts_with("czk_"));
  BOOST_TEST(first->secret.size() == 4u + 43u);  // 32 random bytes
  BOOST_TEST(first->key.id.starts_with("key_"));
  BOOST_TEST(first->key.name == "CI deploys");
  BOOST_TEST(first->key.hash != first->secret);
  BOOST_TEST(first->key.expires_at == std::optional(devcloud.clock().now_seconds() + 1s + std::chrono::days(30)));
  BOOST_TEST(!first->key.last_used_at.has_value());
  devcloud.clock().advance(1s);
  const auto never = devcloud->create_api_key(ada, std::string(100, 'n'), 0);
  BOOST_TEST_REQUIRE(never.has_value());
  BOOST_TEST(!never->key.expires_at.has_value());

  const auto listed = devcloud->api_keys_of(ada);
  BOOST_TEST_REQUIRE(listed.size() == 2u);
  BOOST_TEST(listed[0].id == never->key.id);
  BOOST_TEST(listed[1].id == first->key.id);
}

BOOST_AUTO_TEST_CASE(a_key_belongs_to_one_account) {
  Options options = test_options();
  options.users = {"ada@example.com", "bob@example.com"};
  Devcloud devcloud(options);
  const Account& ada = devcloud->users()[0];
  const Account& bob = devcloud->users()[1];
  const auto bobs = devcloud->create_api_key(bob, "bobs", std::nullopt);
  BOOST_TEST_REQUIRE(bobs.has_value());
  BOOST_TEST(devcloud->api_keys_of(ada).empty());
  const auto foreign = devcloud->revoke_api_key(ada, bobs->key.id);
  BOOST_TEST(status_of(foreign) == 404);
  BOOST_TEST(description_of(foreign) == "no API key with id " + bobs->key.id);
  BOOST_TEST(devcloud.caller(bobs->secret).account.email == "bob@example.com");
  BOOST_TEST(devcloud->revoke_api_key(bob, bobs->key.id).has_value());
  BOOST_TEST(error_of(devcloud->authenticate("Bearer " + bobs->secret)) == "invalid_token");
  BOOST_TEST(status_of(devcloud->revoke_api_key(bob, bobs->key.id)) == 404);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// --state: a restart loses nothing, and the file never holds a working secret

BOOST_AUTO_TEST_SUITE(state_file)

mode_t mode_of(const std::filesystem::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 07777;
}

std::string content_of(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

BOOST_AUTO_TEST_CASE(everything_survives_a_restart) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  options.signing_key_file.reset();  // the state keeps the key it made
  Devcloud devcloud(options);
  const std::string kid = devcloud->signing_key().kid();
  const Tokens tokens = devcloud.sign_in();
  const Caller caller = devcloud.caller(tokens.access);
  const auto key = devcloud->create_api_key(devcloud->users().front(), "deploys", 7);
  BOOST_TEST_REQUIRE(key.has_value());
  const auto request = devcloud->check_authorization_request(devcloud.authorize_query());
  BOOST_TEST_REQUIRE(request.has_value());
  const auto request_id = devcloud->open_consent_request(*request);  // left open across the restart
  BOOST_TEST_REQUIRE(request_id.has_value());
  const auto device = devcloud->authorize_device({{"client_id", "compozy-cli"}, {"scope", "openid"}});
  BOOST_TEST_REQUIRE(device.has_value());

  BOOST_TEST_REQUIRE(devcloud->flush().has_value());
  BOOST_TEST(mode_of(*options.state_file) == 0600u);
  const std::string saved = content_of(*options.state_file);
  for (const std::string& secret :
       {tokens.access, tokens.refresh, key->secret, *request_id, device->at("device_code").get<std::string>(),
        device->at("user_code").get<std::string>()}) {
    BOOST_TEST(saved.find(secret) == std::string::npos, "the state file holds a secret: " << secret);
  }

  devcloud.reopen();
  BOOST_TEST(devcloud->signing_key().kid() == kid);
  const Caller again = devcloud.caller(tokens.access);
  BOOST_TEST(again.account.id == caller.account.id);
  BOOST_TEST(again.credential_id == caller.credential_id);
  BOOST_TEST(devcloud.caller(key->secret).credential_id == key->key.id);
  BOOST_TEST(devcloud->sessions_of(again).size() == 1u);
  BOOST_TEST(devcloud.refresh(tokens.refresh).has_value());
  const auto answer = devcloud->answer_consent_request(*request_id, "", true);
  BOOST_TEST_REQUIRE(answer.has_value());
  BOOST_TEST(devcloud->grant_tokens(devcloud.code_form(answer->code), "").has_value());
  BOOST_TEST(devcloud->answer_device_request(device->at("user_code").get<std::string>(), "", true).has_value());
  BOOST_TEST(devcloud
                 ->grant_tokens({{"grant_type", std::string(device_code_grant)},
                                 {"client_id", "compozy-cli"},
                                 {"device_code", device->at("device_code").get<std::string>()}},
                                "")
                 .has_value());
}

// The inode of a file changes with each write, which replaces the file.
ino_t inode_of(const std::filesystem::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_ino;
}

// Writes happen behind the requests, a moment after a change; a refusal or a mere use
// (a bearer token checked, a last-used time) writes nothing by itself.
BOOST_AUTO_TEST_CASE(only_a_change_writes_the_state_file_and_a_moment_later) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  Devcloud devcloud(options);
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST_REQUIRE(devcloud->flush().has_value());
  const ino_t written = inode_of(*options.state_file);

  BOOST_TEST(error_of(devcloud.refresh("made-up")) == "invalid_grant");
  BOOST_TEST(error_of(devcloud->grant_tokens(devcloud.code_form("made-up"), "")) == "invalid_grant");
  BOOST_TEST(error_of(devcloud->authenticate("Bearer made-up")) == "invalid_token");
  devcloud.caller(tokens.access);
  std::this_thread::sleep_for(400ms);  // more than the writer waits
  BOOST_TEST(inode_of(*options.state_file) == written);

  Devcloud::tokens_from(devcloud.refresh(tokens.refresh));
  for (int waited = 0; waited < 100 && inode_of(*options.state_file) == written; ++waited) {
    std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(inode_of(*options.state_file) != written);
}

// The last-used time waits for the next write, or the shutdown's flush.
BOOST_AUTO_TEST_CASE(a_use_is_written_at_the_flush) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  Devcloud devcloud(options);
  const Tokens tokens = devcloud.sign_in();
  BOOST_TEST_REQUIRE(devcloud->flush().has_value());
  devcloud.clock().advance(60s);
  devcloud.caller(tokens.access);
  BOOST_TEST_REQUIRE(devcloud->flush().has_value());
  std::ifstream file(*options.state_file);
  BOOST_TEST(json::parse(file).at("sessions").at(0).at("last_used_at") ==
             format_rfc3339(devcloud.clock().now_seconds()));
}

BOOST_AUTO_TEST_CASE(accounts_and_clients_of_earlier_runs_are_kept) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  options.clients = {"old-app"};
  std::string ada_id;
  {
    Devcloud devcloud(options);
    ada_id = devcloud->users().front().id;
  }
  options.users = {"bob@example.com", "ADA@example.com"};
  options.clients = {"compozy-cli"};
  Devcloud devcloud(options);
  BOOST_TEST(devcloud->is_client("old-app"));  // so that its refresh tokens go on working
  BOOST_TEST(devcloud->is_client("compozy-cli"));
  BOOST_TEST_REQUIRE(devcloud->users().size() == 2u);
  BOOST_TEST(devcloud->users()[0].email == "bob@example.com");
  BOOST_TEST(devcloud->users()[1].id == ada_id);  // the same account, however the e-mail is spelled
  BOOST_TEST(devcloud->users()[1].email == "ada@example.com");
}

BOOST_AUTO_TEST_CASE(the_signing_key_option_wins_over_the_state) {
  TempFolder folder;
  Options options = test_options();
  options.state_file = folder.path() / "state.json";
  options.signing_key_file.reset();
  std::string made;
  {
    Devcloud devcloud(options);
    made = devcloud->signing_key().kid();
  }
  options.signing_key_file = shared_signing_key();
  Devcloud devcloud(options);
  BOOST_TEST(devcloud->signing_key().kid() != made);
  const auto shared = SigningKey::from_pem(content_of(shared_signing_key()));
  BOOST_TEST_REQUIRE(shared.has_value());
  BOOST_TEST(devcloud->signing_key().kid() == shared->kid());
}

BOOST_AUTO_TEST_CASE(files_that_cannot_be_used_are_refused) {
  TempFolder folder;
  folder.write("other.json", R"({"format": "something else"})");
  folder.write("number.json", R"({"format": 1})");
  folder.write("text.json", "not json");
  folder.write("version.json", R"({"format": "compozy-devcloud-state", "version": 4})");
  folder.write("key.pem", "not a key");
  const struct {
    std::string what;
    std::optional<std::filesystem::path> state_file;
    std::optional<std::filesystem::path> signing_key_file;
    std::string message;
  } cases[] = {
      {"another format",
       folder.path() / "other.json",
       {},
       "reading state file '" + (folder.path() / "other.json").string() + "': not a compozy-devcloud state file"},
      {"a format that is not text",
       folder.path() / "number.json",
       {},
       "reading state file '" + (folder.path() / "number.json").string() + "': not a compozy-devcloud state file"},
      {"not JSON",
       folder.path() / "text.json",
       {},
       "reading state file '" + (folder.path() / "text.json").string() + "': not valid JSON"},
      {"a later version",
       folder.path() / "version.json",
       {},
       "reading state file '" + (folder.path() / "version.json").string() + "': unsupported version 4 (expected 3)"},
      {"a missing signing key",
       {},
       folder.path() / "none.pem",
       "reading signing key '" + (folder.path() / "none.pem").string() + "': no such file"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      Options options = test_options();
      options.state_file = row.state_file;
      options.signing_key_file = row.signing_key_file;
      const auto opened = Authority::open(options);
      BOOST_TEST_REQUIRE(!opened.has_value());
      BOOST_TEST(opened.error().message == row.message);
    }
  }
  Options options = test_options();
  options.signing_key_file = folder.path() / "key.pem";
  const auto bad_key = Authority::open(options);
  BOOST_TEST_REQUIRE(!bad_key.has_value());
  BOOST_TEST(bad_key.error().message.starts_with("reading signing key '" + (folder.path() / "key.pem").string() +
                                                 "': reading the signing key: "));
  options = test_options();
  options.state_file = folder.path() / "missing-folder" / "state.json";
  const auto unwritable = Authority::open(options);
  BOOST_TEST_REQUIRE(!unwritable.has_value());
  BOOST_TEST(unwritable.error().message.starts_with("writing '" + options.state_file->string() + "': "));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------
// The JSON form of the state, both ways

BOOST_AUTO_TEST_SUITE(state_json)

State every_kind_of_record() {
  const TimePoint t = from_unix_seconds(1'800'000'000);
  State state;
  state.signing_key_pem = "-----BEGIN PRIVATE KEY-----\n...";
  state.accounts = {{"usr_1", "ada@example.com", "Ada"}, {"usr_2", "bob@example.com", "Bob"}};
  state.clients = {"compozy-cli", "other"};
  state.sessions["ses_1"] = {"ses_1", "usr_1", "compozy-cli", "ua/1", "Zoë's laptop", "Debian GNU/Linux 12",
                             "127.0.0.1", {"openid", "email"}, "n", t, t + 1s, t + 2s,
                             t + 3s,  {"r0", "r00"}, Rotation{"r00", t + 2s, "a1", "r1"}};
  state.sessions["ses_2"] = {"ses_2", "usr_2", "compozy-cli", "ua/2", "", "", "", {"openid"}, "", t, t, t, t + 3s, {},
                             std::nullopt};
  state.access_tokens["a1"] = {"ses_1", {"openid"}, t + 4s, false};
  state.access_tokens["a2"] = {"ses_1", {"read"}, t + 4s, true};
  state.refresh_tokens["r1"] = {"ses_1", t + 5s};
  state.codes["c1"] = {"compozy-cli", redirect_uri, "challenge", "usr_1", {"openid"}, "n", t, t + 6s, "ses_1"};
  state.consent_requests["q1"] = {
      {"compozy-cli", redirect_uri, "st", "challenge", "n", "ada@example.com", false, {"openid", "offline_access"}},
      t + 7s};
  DeviceCodeRecord device;
  device.user_code_hash = "u1";
  device.client_id = "compozy-cli";
  device.scopes = {"openid"};
  device.expires_at = t + 8s;
  device.interval_seconds = 11;
  device.last_poll_ms = 1'800'000'000'123;
  device.status = DeviceStatus::denied;
  device.account_id = "usr_2";
  device.decided_at = t + 9s;
  state.device_codes["d1"] = device;
  device.status = DeviceStatus::pending;
  device.last_poll_ms.reset();
  state.device_codes["d2"] = device;
  state.api_keys["key_1"] = {"key_1", "usr_1", "ci", "h1", "czk_h1", {"read", "keys:manage"}, "production",
                             t, t + 10s, "127.0.0.1", t + 11s, 11, "key_3"};
  state.api_keys["key_2"] = {"key_2", "usr_2", "never", "h2", "czk_h2", {"read"}, "", t, std::nullopt, "",
                             std::nullopt, std::nullopt, ""};
  return state;
}

BOOST_AUTO_TEST_CASE(what_is_written_is_read_back_the_same) {
  const json written = state_to_json(every_kind_of_record());
  BOOST_TEST(written.at("format") == "compozy-devcloud-state");
  BOOST_TEST(written.at("version") == 3);
  BOOST_TEST(written.at("sessions").at(0).at("auth_time") == "2027-01-15T08:00:00Z");
  BOOST_TEST(written.at("device_authorizations").at(0).at("status") == "denied");
  BOOST_TEST(written.at("device_authorizations").at(1).at("last_poll_ms").is_null());
  BOOST_TEST(written.at("api_keys").at(1).at("expires_at").is_null());
  BOOST_TEST(written.at("access_tokens").at(0).at("hash") == "a1");
  const auto read = state_from_json(written);
  BOOST_TEST_REQUIRE(read.has_value(), (read ? "" : read.error().message));
  BOOST_TEST(state_to_json(*read) == written);
  BOOST_TEST(read->sessions.at("ses_1").expires_at == from_unix_seconds(1'800'000'003));
  BOOST_TEST(read->device_codes.at("d1").last_poll_ms == std::optional<std::int64_t>(1'800'000'000'123));
  BOOST_TEST((read->device_codes.at("d1").status == DeviceStatus::denied));
  BOOST_TEST(read->consent_requests.at("q1").request.login_hint == "ada@example.com");
  BOOST_TEST(read->spent_refresh_tokens == (std::map<std::string, std::string>{{"r0", "ses_1"}, {"r00", "ses_1"}}));
  BOOST_TEST(written.at("sessions").at(1).at("last_rotation").is_null());
  BOOST_TEST(read->sessions.at("ses_1").last_rotation->issued_refresh_hash == "r1");
  BOOST_TEST(!written.contains("spent_refresh_tokens"));  // an index, made again when read
}

// Version 1 kept spent refresh tokens among the usable ones, marked "used".
BOOST_AUTO_TEST_CASE(a_version_1_file_moves_spent_refresh_tokens_to_their_sessions) {
  json old = state_to_json(every_kind_of_record());
  old["version"] = 1;
  for (json& session : old["sessions"]) {
    session.erase("spent_refresh_hashes");
    session.erase("last_rotation");
  }
  old["refresh_tokens"] = json::array({
      {{"hash", "r1"}, {"session_id", "ses_1"}, {"expires_at", "2027-01-15T08:00:05Z"}, {"used", false}},
      {{"hash", "r0"}, {"session_id", "ses_1"}, {"expires_at", "2027-01-15T08:00:05Z"}, {"used", true}},
  });
  const auto read = state_from_json(old);
  BOOST_TEST_REQUIRE(read.has_value(), (read ? "" : read.error().message));
  BOOST_TEST(read->refresh_tokens.size() == 1u);
  BOOST_TEST(read->refresh_tokens.contains("r1"));
  BOOST_TEST(read->sessions.at("ses_1").spent_refresh_hashes == std::vector<std::string>{"r0"});
  BOOST_TEST(read->spent_refresh_tokens.at("r0") == "ses_1");
  BOOST_TEST(!read->sessions.at("ses_1").last_rotation.has_value());
  BOOST_TEST(state_to_json(*read).at("version") == 3);
}

// Keys of version 2 had no scopes, and could do all the account API did: read and write.
BOOST_AUTO_TEST_CASE(a_version_2_file_gives_its_api_keys_read_and_write) {
  json old = state_to_json(every_kind_of_record());
  old["version"] = 2;
  for (json& key : old["api_keys"]) {
    for (const char* added : {"prefix", "scopes", "environment", "last_used_from", "lifetime_seconds", "replaced_by"}) {
      key.erase(added);
    }
  }
  const auto read = state_from_json(old);
  BOOST_TEST_REQUIRE(read.has_value(), (read ? "" : read.error().message));
  const ApiKey& key = read->api_keys.at("key_1");
  BOOST_TEST(key.scopes == (Scopes{"read", "write"}));
  BOOST_TEST(key.lifetime_seconds == std::optional<std::int64_t>(11));  // created at t, expiring at t + 11 s
  BOOST_TEST(!read->api_keys.at("key_2").lifetime_seconds.has_value());
  BOOST_TEST(key.replaced_by.empty());
}

// Each problem is named by the path to it, so a hand-edited file can be mended.
BOOST_AUTO_TEST_CASE(problems_are_named_by_where_they_are) {
  const json good = state_to_json(every_kind_of_record());
  const struct {
    std::string what;
    std::function<void(json&)> spoil;
    std::string message;
  } cases[] = {
      {"not an object", [](json& j) { j = json::array(); }, "not a compozy-devcloud state file"},
      {"no version", [](json& j) { j.erase("version"); }, "'version' is missing"},
      {"a version that is text", [](json& j) { j["version"] = "1"; }, "'version' is not a whole number"},
      {"no accounts", [](json& j) { j.erase("accounts"); }, "'accounts' is missing"},
      {"accounts that are not a list", [](json& j) { j["accounts"] = json::object(); }, "'accounts' is not a list"},
      {"an account that is not an object", [](json& j) { j["accounts"][1] = 3; }, "accounts[1]: expected an object"},
      {"an account without e-mail", [](json& j) { j["accounts"][0].erase("email"); },
       "accounts[0]: 'email' is missing"},
      {"a client that is not text", [](json& j) { j["clients"][0] = 1; },
       "'clients' holds something other than strings"},
      {"a session id twice", [](json& j) { j["sessions"].push_back(j["sessions"][0]); },
       "sessions[2]: 'id' is not unique"},
      {"a session without id", [](json& j) { j["sessions"][0].erase("id"); }, "sessions[0]: 'id' is missing"},
      {"a bad time", [](json& j) { j["sessions"][0]["created_at"] = "yesterday"; },
       "sessions[0]: 'created_at' is not an RFC 3339 time: 'yesterday'"},
      {"scopes that are text", [](json& j) { j["access_tokens"][0]["scopes"] = "openid"; },
       "access_tokens[0]: 'scopes' is not a list"},
      {"a spent hash that is a number", [](json& j) { j["sessions"][0]["spent_refresh_hashes"][0] = 1; },
       "sessions[0]: 'spent_refresh_hashes' holds something other than strings"},
      {"a rotation without its time", [](json& j) { j["sessions"][0]["last_rotation"].erase("at"); },
       "sessions[0]: 'at' is missing"},
      {"a hash that is a number", [](json& j) { j["codes"][0]["hash"] = 7; }, "codes[0]: 'hash' is not a string"},
      {"a consent request without expiry", [](json& j) { j["consent_requests"][0].erase("expires_at"); },
       "consent_requests[0]: 'expires_at' is missing"},
      {"an unknown device status", [](json& j) { j["device_authorizations"][1]["status"] = "lost"; },
       "device_authorizations[1]: 'status' is not pending, approved, denied or redeemed: 'lost'"},
      {"a poll time that is text", [](json& j) { j["device_authorizations"][0]["last_poll_ms"] = "now"; },
       "device_authorizations[0]: 'last_poll_ms' is not a whole number"},
      {"a key expiry that is a number", [](json& j) { j["api_keys"][0]["expires_at"] = 5; },
       "api_keys[0]: 'expires_at' is not a string"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.what) {
      json spoiled = good;
      row.spoil(spoiled);
      const auto read = state_from_json(spoiled);
      BOOST_TEST_REQUIRE(!read.has_value());
      BOOST_TEST(read.error().message == row.message);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
