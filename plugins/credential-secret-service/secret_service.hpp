// compozy's items in the freedesktop.org Secret Service (GNOME Keyring,
// KWallet), through libsecret's synchronous API, every call bounded by a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "compozy/error.hpp"
#include "compozy/credential_helper.hpp"

namespace compozy::credential_helper {

// Long enough for a person to type a keyring password into a prompt, and with
// the grace a call that ignores its cancellation is given, shorter than the
// 10 s after which compozy kills a helper: so the helper says what it was
// waiting for rather than being killed without a word.
inline constexpr std::chrono::seconds secret_service_deadline{7};
inline constexpr std::chrono::seconds cancellation_grace{1};

Result<std::optional<Secrets>> find_secrets(const SecretItem& item);
Result<void> store_secrets(const SecretItem& item, const Secrets& secrets);
Result<void> erase_secrets(const SecretItem& item);  // a missing item is no failure
Result<std::vector<SecretItem>> list_items();

}  // namespace compozy::credential_helper
