#include "compozy/stored_credential.hpp"

#include <algorithm>

namespace compozy {

std::chrono::seconds refresh_margin(const StoredCredential& credential) {
  constexpr std::chrono::seconds margin{60};
  if (!credential.expires_at || !credential.obtained_at) return margin;
  const auto lifetime = *credential.expires_at - *credential.obtained_at;
  return std::clamp(std::chrono::duration_cast<std::chrono::seconds>(lifetime / 2), std::chrono::seconds(0), margin);
}

bool expires_within_margin(const StoredCredential& credential, TimePoint now) {
  return credential.expires_at && *credential.expires_at - refresh_margin(credential) <= now;
}

bool has_expired(const StoredCredential& credential, TimePoint now) {
  return credential.expires_at && *credential.expires_at <= now;
}

bool held_by_manager(const StoredCredential& credential) {
  return !credential.store.empty() && credential.store != "file";
}

}  // namespace compozy
