// `compozy auth token --scope S`: a token that holds only some of the session's
// scopes, for a plugin or a CI step that needs less than the whole session,
// through OAuth 2.0 Token Exchange (RFC 8693). It is handed over and never
// stored: it cannot be refreshed, and it expires no later than the session's
// access token.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compozy/active_credential.hpp"
#include "compozy/command.hpp"

namespace compozy {

struct NarrowedToken {
  std::string token;
  std::vector<std::string> scopes;  // as the server granted them
  std::optional<TimePoint> expires_at;
};

// Exchanges `credential` (a session's access token; an API key cannot be) at the profile's host.
Result<NarrowedToken> narrow_token(Context& context, const ActiveCredential& credential,
                                   const std::vector<std::string>& scopes);

// `auth token --scope S --json`: as `auth token --json`, with credential.scopes, and
// credential.store null (the token is in no store).
nlohmann::json narrowed_token_json(const Settings& settings, const ActiveCredential& subject,
                                   const NarrowedToken& narrowed);

}  // namespace compozy
