// Everything devcloud knows, as plain data, and its JSON form in the --state file.
// Secrets (tokens, codes, keys, request ids) are kept only as SHA-256 hex digests:
// the file lets a restart go on, and never hands out a working credential.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compozy/error.hpp"
#include "compozy/timestamp.hpp"

namespace compozy::devcloud {

using Scopes = std::vector<std::string>;  // in the order of supported_scopes, no duplicates

struct Account {
  std::string id;  // "usr_…"
  std::string email;
  std::string name;
};

// A session's last refresh, which --refresh-reuse-interval may answer once more: a
// client killed before it stored the answer comes back with the token it still holds.
struct Rotation {
  std::string spent_hash;  // the refresh token it took
  TimePoint at;
  std::string issued_access_hash;  // what it gave, withdrawn if it is answered again
  std::string issued_refresh_hash;
};

// The server's record of one session, which RFC 6749 calls a grant: everything issued
// from one approved authorization, refreshed or not. (compozy::Session, in the client,
// is what the sessions API shows of one.)
struct SessionRecord {
  std::string id;  // "ses_…"
  std::string account_id;
  std::string client_id;
  std::string user_agent;
  // What the client said of itself on its token requests (device_name, device_os), and
  // the address of its last request, so that a person tells two laptops apart.
  std::string device_name;
  std::string device_os;
  std::string last_used_from;
  Scopes scopes;  // as granted; an access token may carry fewer
  std::string nonce;
  TimePoint auth_time;
  TimePoint created_at;
  TimePoint last_used_at;
  TimePoint expires_at;  // of the current refresh token, or of the access token when there is none
  // The refresh tokens this session rotated away, oldest first, kept as long as the
  // session: any of them presented again is a replay (RFC 9700 §4.14.2). Each session
  // keeps its own, so no flood of other sessions can push them out.
  std::vector<std::string> spent_refresh_hashes;
  std::optional<Rotation> last_rotation;
};

struct AccessToken {
  std::string session_id;
  Scopes scopes;
  TimePoint expires_at;
  // Issued by token exchange (RFC 8693): its API scopes are exactly those it names,
  // never the full access a login's token without API scopes has.
  bool exchanged = false;
};

// A refresh token that can be used now; the spent ones are kept by their session.
struct RefreshToken {
  std::string session_id;
  TimePoint expires_at;
};

struct AuthorizationCode {
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;
  std::string account_id;
  Scopes scopes;
  std::string nonce;
  TimePoint auth_time;
  TimePoint expires_at;
  std::string session_id;  // set once redeemed: a replay revokes this session
};

// An /oauth/authorize request that passed every check, on its way to a code: at once
// with --auto-approve, or once the person approves. (compozy::AuthorizationRequest,
// in the client, is what a client builds to send.)
struct CheckedAuthorizeRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;
  std::string nonce;
  std::string login_hint;
  bool prompt_none = false;
  Scopes scopes;
};

// An authorization request waiting for the person's Approve or Deny.
struct ConsentRequest {
  CheckedAuthorizeRequest request;
  TimePoint expires_at;
};

enum class DeviceStatus { pending, approved, denied, redeemed };

// What one device code stands for (RFC 8628 §3.2), from its issue until it is redeemed
// or forgotten. (compozy::DeviceAuthorization, in the client, is the device endpoint's
// answer.)
struct DeviceCodeRecord {
  std::string user_code_hash;
  std::string client_id;
  Scopes scopes;
  TimePoint expires_at;
  std::int64_t interval_seconds = 5;
  std::optional<std::int64_t> last_poll_ms;  // Unix milliseconds, for slow_down
  DeviceStatus status = DeviceStatus::pending;
  std::string account_id;  // who approved or denied
  TimePoint decided_at;
};

// An API key. Its secret is shown once, at creation; `prefix` (its first characters)
// tells it apart in lists.
struct ApiKey {
  std::string id;  // "key_…"
  std::string account_id;
  std::string name;
  std::string hash;
  std::string prefix;       // "czk_ab12cd34"
  Scopes scopes;            // in the order of api_key_scopes
  std::string environment;  // a label the owner chose ("production"), or empty
  TimePoint created_at;
  std::optional<TimePoint> last_used_at;
  std::string last_used_from;  // the address of its last use
  std::optional<TimePoint> expires_at;  // nullopt: never
  // The expiry policy a rotation keeps: each new key lives this long. nullopt: never expires.
  std::optional<std::int64_t> lifetime_seconds;
  std::string replaced_by;  // the key a rotation made in its place; this one ends at expires_at
};

struct State {
  std::vector<Account> accounts;
  std::vector<std::string> clients;
  std::string signing_key_pem;
  std::map<std::string, SessionRecord> sessions;           // by id
  std::map<std::string, AccessToken> access_tokens;        // by token hash
  std::map<std::string, RefreshToken> refresh_tokens;      // by token hash
  std::map<std::string, AuthorizationCode> codes;          // by code hash
  std::map<std::string, ConsentRequest> consent_requests;  // by request id hash
  std::map<std::string, DeviceCodeRecord> device_codes;    // by device code hash
  std::map<std::string, ApiKey> api_keys;                  // by id
  // Which session spent a refresh token, by token hash: an index of the sessions'
  // spent_refresh_hashes, made when the file is read and never written to it.
  std::map<std::string, std::string> spent_refresh_tokens;
};

nlohmann::json state_to_json(const State& state);
// Errors name what is wrong, not the file; the caller adds that.
Result<State> state_from_json(const nlohmann::json& json);

}  // namespace compozy::devcloud
