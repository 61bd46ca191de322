#include "compozy/oauth.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "compozy/config.hpp"
#include "compozy/crypto.hpp"
#include "compozy/json_fields.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

using nlohmann::json;

std::string trim_slash(std::string_view text) {
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return std::string(text);
}

// Lifetimes a server may give, clamped: an access token lives at most a year
// (a larger number is a mistake, and would overflow time arithmetic), a device
// code at most a day, and polls are at least a second and at most a minute apart.
constexpr std::int64_t longest_token_lifetime = 366 * 86400;
constexpr std::int64_t longest_device_code_lifetime = 86400;
constexpr std::int64_t longest_poll_interval = 60;

std::unexpected<Error> server_failed(std::string_view what, std::string_view url, int status) {
  return fail_with_status(std::string(what) + " '" + std::string(url) + "'", status);
}

// RFC 6749 §5.2: a server refuses a request with 400 (401 for the client's
// credentials) and an error code. A 5xx or a 429 with the same body is the server
// failing or busy (RFC 7009 §2.2.1: 503 means try later), and its words are no verdict.
bool is_refusal(const HttpResponse& response, const std::optional<json>& document) {
  return (response.status == 400 || response.status == 401) && document && document->contains("error");
}

bool is_token_text(std::string_view token) {
  return std::all_of(token.begin(), token.end(), [](char c) { return c > ' ' && c < 0x7F; });
}

Result<std::string> checked_endpoint(const json& document, const char* name) {
  const std::string endpoint = string_field(document, name);
  if (endpoint.empty()) return endpoint;
  // The same rule as for the host: an endpoint that would carry tokens over
  // plain http to another machine is refused, whatever the metadata says.
  if (auto checked = normalize_host(endpoint); !checked) {
    return propagate(checked, "server metadata '" + std::string(name) + "'");
  }
  return endpoint;
}

Result<TokenOutcome> read_token_response(const Result<HttpResponse>& response, std::string_view endpoint) {
  if (!response) return std::unexpected(response.error());
  const auto document = parse_json_object(response->body);
  if (response->ok()) {
    if (!document) return fail("token endpoint '" + std::string(endpoint) + "' answered with something that is not JSON");
    TokenSet tokens;
    tokens.access_token = string_field(*document, "access_token");
    tokens.token_type = string_field(*document, "token_type");
    tokens.refresh_token = string_field(*document, "refresh_token");
    tokens.scope = string_field(*document, "scope");
    tokens.id_token = string_field(*document, "id_token");
    // Some servers send a string of digits; RFC 6749 says a number, but the meaning is clear.
    tokens.expires_in = integer_field(*document, "expires_in", 0, longest_token_lifetime);
    if (tokens.access_token.empty()) {
      return fail("token endpoint '" + std::string(endpoint) + "' sent no access_token");
    }
    // RFC 6749 Appendix A: a token is visible ASCII. Anything else would end up
    // in an HTTP header and on the terminal of whoever runs `auth token`.
    if (!is_token_text(tokens.access_token) || !is_token_text(tokens.refresh_token)) {
      return fail("token endpoint '" + std::string(endpoint) + "' issued a token with characters a token cannot hold");
    }
    if (!equals_ignoring_case(tokens.token_type, "bearer")) {
      return fail("token endpoint '" + std::string(endpoint) + "' issued a token of type '" + tokens.token_type +
                  "'; compozy supports Bearer tokens only");
    }
    return TokenOutcome(std::move(tokens));
  }
  if (is_refusal(*response, document)) {
    return TokenOutcome(TokenError{string_field(*document, "error"), string_field(*document, "error_description")});
  }
  return server_failed("token endpoint", endpoint, response->status);
}

Params with_device(Params form, const DeviceDescription& device) {
  if (!device.name.empty()) form.emplace_back("device_name", device.name);
  if (!device.os.empty()) form.emplace_back("device_os", device.os);
  return form;
}

Result<TokenOutcome> post_token_request(HttpClient& http, std::string_view endpoint, const Params& form,
                                        bool repeatable) {
  HttpRequest request = HttpRequest::post_form(std::string(endpoint), form);
  // A code or a refresh token is spent when the server sees it, so such a
  // request is never sent twice; a device poll may be.
  request.idempotent = repeatable;
  return read_token_response(http.send(request), endpoint);
}

}  // namespace

Result<ServerMetadata> discover(HttpClient& http, std::string_view issuer) {
  auto issuer_url = parse_url(issuer);
  if (!issuer_url) return propagate(issuer_url);
  const std::string path = trim_slash(issuer_url->path());
  // RFC 8414 §3.1 puts the well-known segment before the issuer's path;
  // OpenID Connect Discovery §4 appends it.
  const std::vector<std::string> candidates{
      issuer_url->origin() + "/.well-known/oauth-authorization-server" + path,
      issuer_url->origin() + path + "/.well-known/openid-configuration",
  };
  std::string tried;
  for (const auto& url : candidates) {
    auto response = http.send(HttpRequest::get(url));
    if (!response) return propagate(response, "discovering the server");
    if (!tried.empty()) tried += ", ";
    tried += "'" + url + "': HTTP " + std::to_string(response->status);
    if (response->status == 404 || response->status == 410) continue;
    if (!response->ok()) return server_failed("server metadata", url, response->status);
    const auto document = parse_json_object(response->body);
    if (!document) return fail("server metadata '" + url + "' is not a JSON object");

    ServerMetadata server;
    server.issuer = string_field(*document, "issuer");
    if (trim_slash(server.issuer) != trim_slash(issuer)) {
      return fail("server metadata '" + url + "' names the issuer '" + server.issuer + "', not '" +
                      std::string(issuer) + "'",
                  ExitCode::failure, "set the host to the server's issuer URL exactly");
    }
    for (auto [field, name] : {std::pair{&server.authorization_endpoint, "authorization_endpoint"},
                               std::pair{&server.token_endpoint, "token_endpoint"},
                               std::pair{&server.device_authorization_endpoint, "device_authorization_endpoint"},
                               std::pair{&server.revocation_endpoint, "revocation_endpoint"},
                               std::pair{&server.userinfo_endpoint, "userinfo_endpoint"}}) {
      auto endpoint = checked_endpoint(*document, name);
      if (!endpoint) return propagate(endpoint);
      *field = std::move(*endpoint);
    }
    if (server.token_endpoint.empty()) return fail("server metadata '" + url + "' has no token_endpoint");
    server.code_challenge_methods_supported = string_list(*document, "code_challenge_methods_supported");
    server.grant_types_supported = string_list(*document, "grant_types_supported");
    server.issuer_in_authorization_response = true_field(*document, "authorization_response_iss_parameter_supported");
    return server;
  }
  return fail("no OAuth server at '" + std::string(issuer) + "' (" + tried + ")", ExitCode::failure,
              "check the host: --host, COMPOZY_HOST or the profile's host in config.yaml");
}

std::string join_scopes(const std::vector<std::string>& scopes) { return join(scopes, " "); }

std::vector<std::string> split_scopes(std::string_view scope) { return split_words(scope); }

std::string authorization_url(const ServerMetadata& server, const AuthorizationRequest& request) {
  Params params{
      {"response_type", "code"},
      {"client_id", request.client_id},
      {"redirect_uri", request.redirect_uri},
      {"scope", join_scopes(request.scopes)},
      {"state", request.state},
      {"code_challenge", request.code_challenge},
      {"code_challenge_method", "S256"},
  };
  if (!request.nonce.empty()) params.emplace_back("nonce", request.nonce);
  if (std::find(request.scopes.begin(), request.scopes.end(), "offline_access") != request.scopes.end()) {
    params.emplace_back("prompt", "consent");
  }
  return with_query(server.authorization_endpoint, params);
}

Result<std::string> authorization_code_from(const Params& callback, std::string_view expected_state,
                                            const ServerMetadata& server) {
  const auto state = find_param(callback, "state");
  if (!state || !constant_time_equal(*state, expected_state)) {
    return fail("the sign-in response does not belong to this login (state mismatch)");
  }
  // RFC 9207: a server that names itself must be the server we asked.
  const auto issuer = find_param(callback, "iss");
  if (issuer ? *issuer != server.issuer : server.issuer_in_authorization_response) {
    return fail("the sign-in response came from another issuer ('" + issuer.value_or("none") + "', expected '" +
                server.issuer + "')");
  }
  if (const auto error = find_param(callback, "error")) {
    const std::string description = find_param(callback, "error_description").value_or("");
    if (*error == "access_denied") {
      return fail("the sign-in was denied" + (description.empty() ? "" : ": " + description), ExitCode::failure,
                  "run `compozy login` again and approve the request");
    }
    return fail("the server refused the sign-in: " + *error + (description.empty() ? "" : ": " + description));
  }
  const auto code = find_param(callback, "code");
  if (!code || code->empty()) return fail("the sign-in response carries no authorization code");
  return *code;
}

Result<TokenOutcome> exchange_authorization_code(HttpClient& http, const ServerMetadata& server,
                                                 std::string_view client_id, std::string_view code,
                                                 std::string_view redirect_uri, std::string_view code_verifier,
                                                 const DeviceDescription& device) {
  return post_token_request(http, server.token_endpoint,
                            with_device({{"grant_type", "authorization_code"},
                                         {"code", std::string(code)},
                                         {"redirect_uri", std::string(redirect_uri)},
                                         {"client_id", std::string(client_id)},
                                         {"code_verifier", std::string(code_verifier)}},
                                        device),
                            false);
}

Result<TokenOutcome> refresh_access_token(HttpClient& http, std::string_view token_endpoint,
                                          std::string_view client_id, std::string_view refresh_token) {
  return post_token_request(http, token_endpoint,
                            {{"grant_type", "refresh_token"},
                             {"refresh_token", std::string(refresh_token)},
                             {"client_id", std::string(client_id)}},
                            false);
}

Result<DeviceAuthorization> start_device_authorization(HttpClient& http, const ServerMetadata& server,
                                                       std::string_view client_id,
                                                       const std::vector<std::string>& scopes) {
  const std::string& endpoint = server.device_authorization_endpoint;
  HttpRequest request =
      HttpRequest::post_form(endpoint, {{"client_id", std::string(client_id)}, {"scope", join_scopes(scopes)}});
  request.idempotent = true;  // an unused device code costs nothing
  auto response = http.send(request);
  if (!response) return propagate(response);
  const auto document = parse_json_object(response->body);
  if (!response->ok()) {
    if (is_refusal(*response, document)) {
      return fail("device authorization endpoint '" + endpoint + "' refused: " + string_field(*document, "error") +
                  " " + string_field(*document, "error_description"));
    }
    return server_failed("device authorization endpoint", endpoint, response->status);
  }
  if (!document) return fail("device authorization endpoint '" + endpoint + "' answered with something that is not JSON");
  DeviceAuthorization device;
  device.device_code = string_field(*document, "device_code");
  device.user_code = string_field(*document, "user_code");
  device.verification_uri = string_field(*document, "verification_uri");
  // Some early servers (Google's) spell it verification_url.
  if (device.verification_uri.empty()) device.verification_uri = string_field(*document, "verification_url");
  device.verification_uri_complete = string_field(*document, "verification_uri_complete");
  device.expires_in =
      std::chrono::seconds(integer_field(*document, "expires_in", 1, longest_device_code_lifetime).value_or(1800));
  device.interval = std::chrono::seconds(integer_field(*document, "interval", 1, longest_poll_interval).value_or(5));
  if (device.device_code.empty() || device.user_code.empty() || device.verification_uri.empty()) {
    return fail("device authorization endpoint '" + endpoint + "' left out device_code, user_code or verification_uri");
  }
  return device;
}

Result<TokenOutcome> poll_device_token(HttpClient& http, const ServerMetadata& server, std::string_view client_id,
                                       std::string_view device_code, const DeviceDescription& device) {
  return post_token_request(http, server.token_endpoint,
                            with_device({{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                                         {"device_code", std::string(device_code)},
                                         {"client_id", std::string(client_id)}},
                                        device),
                            true);
}

Result<TokenSet> exchange_token(HttpClient& http, const ServerMetadata& server, std::string_view client_id,
                                std::string_view subject_token, const std::vector<std::string>& scopes) {
  const auto& grants = server.grant_types_supported;
  const std::string endpoint = server.token_endpoint;
  const auto unsupported = [&] {
    return fail("the server at '" + server.issuer + "' does not offer token exchange (RFC 8693)", ExitCode::failure,
                "use `compozy auth token` without --scope there");
  };
  if (!grants.empty() && std::find(grants.begin(), grants.end(), token_exchange_grant) == grants.end()) {
    return unsupported();
  }
  auto outcome = post_token_request(http, endpoint,
                                    {{"grant_type", std::string(token_exchange_grant)},
                                     {"client_id", std::string(client_id)},
                                     {"subject_token", std::string(subject_token)},
                                     {"subject_token_type", std::string(access_token_type)},
                                     {"requested_token_type", std::string(access_token_type)},
                                     {"scope", join_scopes(scopes)}},
                                    false);
  if (!outcome) return propagate(outcome);
  if (const auto* refused = std::get_if<TokenError>(&*outcome)) {
    if (refused->code == "unsupported_grant_type") return unsupported();
    if (refused->code == "invalid_scope") {
      return fail("the server refused the scopes '" + join_scopes(scopes) + "'" +
                      (refused->description.empty() ? "" : ": " + refused->description),
                  ExitCode::failure, "ask only for scopes your session holds (see `compozy auth status`)");
    }
    return fail("token endpoint '" + endpoint + "' refused the token exchange: " + refused->code +
                (refused->description.empty() ? "" : ": " + refused->description));
  }
  return std::get<TokenSet>(std::move(*outcome));
}

Result<void> revoke_token(HttpClient& http, std::string_view revocation_endpoint, std::string_view client_id,
                          std::string_view token, std::string_view hint) {
  HttpRequest request = HttpRequest::post_form(
      std::string(revocation_endpoint),
      {{"token", std::string(token)}, {"token_type_hint", std::string(hint)}, {"client_id", std::string(client_id)}});
  request.idempotent = true;  // revoking twice is revoking once (RFC 7009 §2.2)
  auto response = http.send(request);
  if (!response) return propagate(response);
  if (response->ok()) return {};
  if (const auto document = parse_json_object(response->body); is_refusal(*response, document)) {
    return fail("revocation endpoint '" + std::string(revocation_endpoint) +
                "' refused: " + string_field(*document, "error"));
  }
  return server_failed("revocation endpoint", revocation_endpoint, response->status);
}

Result<IdTokenClaims> check_id_token(std::string_view id_token, std::string_view issuer, std::string_view client_id,
                                     std::string_view nonce, TimePoint now) {
  const auto first_dot = id_token.find('.');
  const auto second_dot = id_token.find('.', first_dot + 1);
  if (first_dot == std::string_view::npos || second_dot == std::string_view::npos) {
    return fail("the ID token is not a JWT");
  }
  const auto payload = base64url_decode(id_token.substr(first_dot + 1, second_dot - first_dot - 1));
  const auto claims = payload ? parse_json_object(*payload) : std::nullopt;
  if (!claims) return fail("the ID token's claims are not JSON");
  if (string_field(*claims, "iss") != issuer) {
    return fail("the ID token was issued by '" + string_field(*claims, "iss") + "', not '" + std::string(issuer) + "'");
  }
  const auto audience = claims->find("aud");
  const bool for_us = audience != claims->end() &&
                      ((audience->is_string() && audience->get<std::string>() == client_id) ||
                       (audience->is_array() && std::any_of(audience->begin(), audience->end(), [&](const json& a) {
                          return a.is_string() && a.get<std::string>() == client_id;
                        })));
  if (!for_us) return fail("the ID token is not meant for the client '" + std::string(client_id) + "'");
  constexpr std::int64_t clock_skew = 300;
  const auto expiry = integer_field(*claims, "exp", 0, INT64_MAX - clock_skew);
  if (!expiry || *expiry + clock_skew < unix_seconds(now)) {
    return fail("the ID token has expired (is this machine's clock right?)");
  }
  // OpenID Connect Core §3.1.3.7 item 11: when a nonce was sent, the token must carry it.
  if (!nonce.empty() && !constant_time_equal(string_field(*claims, "nonce"), nonce)) {
    return fail("the ID token answers another login (nonce mismatch)");
  }
  return IdTokenClaims{.session_id = string_field(*claims, "sid")};
}

std::string Identity::display() const {
  if (!email.empty()) return email;
  if (!name.empty()) return name;
  return subject;
}

Result<Identity> fetch_identity(HttpClient& http, std::string_view userinfo_endpoint, std::string_view host,
                                std::string_view access_token) {
  const std::string url =
      userinfo_endpoint.empty() ? trim_slash(host) + "/api/v1/me" : std::string(userinfo_endpoint);
  HttpRequest request = HttpRequest::get(url);
  request.bearer(access_token);
  auto response = http.send(request);
  if (!response) return propagate(response);
  if (!response->ok()) return fail_with_status("identity endpoint '" + url + "'", response->status, Sent::bearer_credential);
  const auto document = parse_json_object(response->body);
  if (!document) return fail("identity endpoint '" + url + "' answered with something that is not JSON");
  Identity identity;
  identity.subject = string_field(*document, userinfo_endpoint.empty() ? "id" : "sub");
  identity.email = string_field(*document, "email");
  identity.name = string_field(*document, "name");
  if (identity.name.empty()) identity.name = string_field(*document, "preferred_username");
  if (const auto credential = document->find("credential"); credential != document->end() && credential->is_object()) {
    identity.credential_expires_at = parse_rfc3339(string_field(*credential, "expires_at"));
  }
  if (identity.display().empty()) return fail("identity endpoint '" + url + "' did not say who the account is");
  return identity;
}

}  // namespace compozy
