// OAuth 2.0 and OpenID Connect as a public native client, against any
// conformant server: discovery (RFC 8414, then OIDC Discovery), the
// authorization code grant with PKCE (RFC 7636) and a loopback redirect
// (RFC 8252), the device grant (RFC 8628), refresh (RFC 6749 §6, with the
// rotation of RFC 9700), revocation (RFC 7009) and the userinfo endpoint.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compozy/error.hpp"
#include "compozy/http_client.hpp"
#include "compozy/timestamp.hpp"
#include "compozy/url.hpp"

namespace compozy {

struct ServerMetadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string device_authorization_endpoint;  // empty when the server has none
  std::string revocation_endpoint;
  std::string userinfo_endpoint;
  std::vector<std::string> code_challenge_methods_supported;
  std::vector<std::string> grant_types_supported;  // empty when the metadata does not say
  bool issuer_in_authorization_response = false;  // RFC 9207
};

// Tries RFC 8414's well-known URL, then OpenID Connect's, and insists that
// the document names `issuer` as its issuer (RFC 8414 §3.3), so that one server
// cannot pose as another.
Result<ServerMetadata> discover(HttpClient& http, std::string_view issuer);

// RFC 6749 §5.1.
struct TokenSet {
  std::string access_token;
  std::string token_type;
  std::string refresh_token;
  std::optional<std::int64_t> expires_in;
  std::string scope;  // empty: as requested (§3.3)
  std::string id_token;
};

// RFC 6749 §5.2 (and RFC 8628 §3.5's device errors): a normal answer to a
// token request, such as "authorization_pending", not a failure of the call.
struct TokenError {
  std::string code;
  std::string description;
};

using TokenOutcome = std::variant<TokenSet, TokenError>;

// The authorization request; `prompt=consent` is added when offline_access is
// asked for, as OpenID Connect Core §11 requires.
struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::vector<std::string> scopes;
  std::string state;
  std::string code_challenge;
  std::string nonce;
};
std::string authorization_url(const ServerMetadata& server, const AuthorizationRequest& request);

// Checks what arrived at the redirect URI: `state` (constant-time), the
// issuer when the server names it (RFC 9207), and an error the server sent.
// Returns the authorization code.
Result<std::string> authorization_code_from(const Params& callback, std::string_view expected_state,
                                            const ServerMetadata& server);

// What a client tells the token endpoint about the machine it runs on, as
// `device_name` and `device_os`: parameters RFC 6749 §3.2 has any other server
// ignore, so that sending them is safe everywhere. Empty ones are not sent.
struct DeviceDescription {
  std::string name;
  std::string os;
};

Result<TokenOutcome> exchange_authorization_code(HttpClient& http, const ServerMetadata& server,
                                                 std::string_view client_id, std::string_view code,
                                                 std::string_view redirect_uri, std::string_view code_verifier,
                                                 const DeviceDescription& device = {});

Result<TokenOutcome> refresh_access_token(HttpClient& http, std::string_view token_endpoint,
                                          std::string_view client_id, std::string_view refresh_token);

struct DeviceAuthorization {
  std::string device_code;
  std::string user_code;
  std::string verification_uri;
  std::string verification_uri_complete;  // empty when the server gives none
  std::chrono::seconds expires_in{0};  // at most a day, whatever the server says
  std::chrono::seconds interval{5};    // RFC 8628 §3.2: 5 when the server says nothing; at most a minute
};

Result<DeviceAuthorization> start_device_authorization(HttpClient& http, const ServerMetadata& server,
                                                       std::string_view client_id,
                                                       const std::vector<std::string>& scopes);

Result<TokenOutcome> poll_device_token(HttpClient& http, const ServerMetadata& server, std::string_view client_id,
                                       std::string_view device_code, const DeviceDescription& device = {});

// OAuth 2.0 Token Exchange (RFC 8693): an access token holding only `scopes`, made
// from `subject_token`. A server whose metadata lists grant types without this one
// is not asked; one that answers unsupported_grant_type is told apart from a refusal.
inline constexpr std::string_view token_exchange_grant = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view access_token_type = "urn:ietf:params:oauth:token-type:access_token";
Result<TokenSet> exchange_token(HttpClient& http, const ServerMetadata& server, std::string_view client_id,
                                std::string_view subject_token, const std::vector<std::string>& scopes);

// RFC 7009. `hint` is "refresh_token" or "access_token".
Result<void> revoke_token(HttpClient& http, std::string_view revocation_endpoint, std::string_view client_id,
                          std::string_view token, std::string_view hint);

// The ID token's claims that OpenID Connect Core §3.1.3.7 asks a client to
// check: issuer, audience, expiry and nonce. The signature check may be left
// out because the token came straight from the token endpoint over the
// connection the client opened (§3.1.3.7, item 6). Returns the session it
// names: `sid` (OpenID Connect Front-Channel Logout §3, Back-Channel Logout
// §2.4), empty when the server sends none.
struct IdTokenClaims {
  std::string session_id;
};
Result<IdTokenClaims> check_id_token(std::string_view id_token, std::string_view issuer, std::string_view client_id,
                                     std::string_view nonce, TimePoint now);

struct Identity {
  std::string subject;
  std::string email;
  std::string name;
  std::optional<TimePoint> credential_expires_at;  // when /api/v1/me tells (an API key's expiry)
  std::string display() const;  // the email, else the name, else the subject
};

// From the userinfo endpoint when there is one, else GET {host}/api/v1/me.
// A 401 is an error of kind `rejected`.
Result<Identity> fetch_identity(HttpClient& http, std::string_view userinfo_endpoint, std::string_view host,
                                std::string_view access_token);

std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(std::string_view scope);

}  // namespace compozy
