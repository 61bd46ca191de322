// Which credential a command uses, and keeping it fresh.
//
// FLYZT_API_KEY, when set, wins over anything stored. Otherwise the profile's
// entry in credentials.yaml, if it was issued by the configured host, is used,
// refreshed first when its access token expires within the refresh margin.
//
// Refresh tokens rotate, and the server revokes the whole session when an old
// one comes back (RFC 9700 §4.14.2). So a refresh happens only under the
// credentials lock, after re-reading the file: of many processes that find the
// token expiring at once, the first refreshes and the rest find its result.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "compozy/command.hpp"
#include "compozy/credential_store.hpp"
#include "compozy/error.hpp"

namespace compozy {

inline constexpr char api_key_variable[] = "FLYZT_API_KEY";

enum class CredentialOrigin { environment, credentials_file };

struct ActiveCredential {
  std::string token;
  CredentialOrigin origin = CredentialOrigin::credentials_file;
  std::optional<StoredCredential> stored;  // when it comes from the file
};

// 60 s, or half the token's lifetime when that is shorter, so that a token
// living 30 s is not refreshed by every call.
std::chrono::seconds refresh_margin(const StoredCredential& credential);
bool expires_within_margin(const StoredCredential& credential, TimePoint now);
bool has_expired(const StoredCredential& credential, TimePoint now);

// The profile's entry for the configured host, or nullopt. An entry issued by
// another host is never returned: its tokens must not travel there.
Result<std::optional<StoredCredential>> stored_credential(Context& context);

// The error for "nothing to authenticate with" (exit 4), naming the profile and host.
Error not_logged_in(const Context& context);

// What an authenticated request sends: FLYZT_API_KEY, else the stored
// credential, refreshed first when needed. Exit 4 when there is none, or when
// the server no longer accepts its refresh token (the entry is then removed).
Result<ActiveCredential> active_credential(Context& context);

enum class RefreshWhen { if_expiring, now };

// Refreshes the stored credential under the lock (see above) and returns what
// is stored afterwards. A network failure leaves the file untouched.
Result<StoredCredential> refresh_stored_credential(Context& context, RefreshWhen when);

}  // namespace compozy
