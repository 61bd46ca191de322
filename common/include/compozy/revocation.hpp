// When the server says a session is gone, every stored credential on this
// machine that holds it goes too, in every profile: none may keep serving
// dead tokens.
//
// Only the server can name a session. OpenID Connect gives the name: the ID
// token's `sid` (Front-Channel Logout §3, Back-Channel Logout §2.4), kept as
// StoredCredential::session_id; the Compozy sessions API uses the same ids.
// Where a server sends no `sid`, what can still be known is used:
//   - the very same refresh token is the same session (an entry copied by hand);
//   - the sessions API marks `current` the session of the token that asks, so a
//     live access token can be asked which session it belongs to;
//   - revoke-all ends every session of an account: same host and subject.
// Anything else (say, a refresh token rotated from the same grant elsewhere)
// is unknowable, and such a credential finds out at its next refresh.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compozy/active_credential.hpp"
#include "compozy/command.hpp"
#include "compozy/stored_credential.hpp"

namespace compozy {

// Holds the session `session_id` of `host`, as far as the credential itself says.
bool holds_session(const StoredCredential& credential, std::string_view host, std::string_view session_id);

// Belongs to the same session as `ended`: the same host, and the same session
// id or the same refresh token.
bool shares_session(const StoredCredential& credential, const StoredCredential& ended);

// A session (never an API key) of the account `whose` belongs to, on its host:
// what revoke-all ends. By subject; by the account's name when either has no subject.
bool session_of_account(const StoredCredential& credential, const StoredCredential& whose);

// "profile 'a'", "profiles 'a' and 'b'", "profiles 'a', 'b' and 'c'".
std::string profile_list(const std::vector<std::string>& profiles);

// What this machine forgot after the server ended sessions.
struct Forgotten {
  std::vector<std::string> profiles;  // whose stored credentials were removed, in the file's order
  std::vector<std::string> unknown;   // what could not be told: "whether profile 'x' held it (why)"
};

// `auth revoke ID`: revokes the session at the server, then removes every
// stored credential for this host that held it.
Result<Forgotten> revoke_session_everywhere(Context& context, const ActiveCredential& credential,
                                            std::string_view session_id);
// The same for several sessions (`auth revoke --inactive`), listing them once. A
// failure part way still removes the credentials of the sessions already revoked.
Result<Forgotten> revoke_sessions_everywhere(Context& context, const ActiveCredential& credential,
                                             const std::vector<std::string>& session_ids);

// After `auth revoke-all`: removes the stored sessions of the account that
// `credential` belongs to on this host (asking the server whose an API key is).
Result<Forgotten> forget_sessions_of_account(Context& context, const ActiveCredential& credential);

// Tells what was removed, and why, and what could not be told.
enum class Revoked { one_session, every_session };
// `active_profile` is the one config.yaml makes active, which the hint to sign in again need not name.
void report_forgotten(Output& out, const Forgotten& forgotten, Revoked revoked,
                      std::string_view active_profile = default_profile);

}  // namespace compozy
