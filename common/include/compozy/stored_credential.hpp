// One stored credential: what login keeps for a profile, and when its access
// token needs refreshing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "compozy/timestamp.hpp"

namespace compozy {

enum class CredentialKind { oauth, api_key };

struct StoredCredential {
  std::string host;  // the server that issued it; never sent anywhere else
  std::string client_id;
  CredentialKind kind = CredentialKind::oauth;
  std::string access_token;  // for kind api_key, the key
  std::string refresh_token;  // empty when the server gave none
  std::optional<TimePoint> expires_at;  // of the access token
  std::optional<TimePoint> obtained_at;  // when the access token was issued
  std::vector<std::string> scopes;
  std::string account;  // as shown: the email, else the name, else the subject
  std::string subject;
  // The server's name for the session (the ID token's `sid`); empty when it
  // gave none. Every profile holding it loses its credentials when it ends.
  std::string session_id;
  // From the server's metadata at login, so a refresh needs no discovery.
  std::string token_endpoint;
  std::string revocation_endpoint;
  std::string userinfo_endpoint;
  // The store that holds the tokens (secret_store.hpp): empty or "file" for
  // credentials.yaml itself, else a helper's name. secret_ref names the item
  // there; CredentialStore fills the tokens in on reading and makes a new
  // item whenever they change.
  std::string store;
  std::string secret_ref;

  bool operator==(const StoredCredential&) const = default;
};

// 60 s, or half the token's lifetime when that is shorter, so that a token
// living 30 s is not refreshed by every call.
std::chrono::seconds refresh_margin(const StoredCredential& credential);
bool expires_within_margin(const StoredCredential& credential, TimePoint now);
bool has_expired(const StoredCredential& credential, TimePoint now);
// Whether a credential manager (not credentials.yaml) holds its tokens.
bool held_by_manager(const StoredCredential& credential);

}  // namespace compozy
