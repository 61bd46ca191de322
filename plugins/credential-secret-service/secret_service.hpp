// compozy's items in the freedesktop.org Secret Service (GNOME Keyring,
// KWallet), through libsecret's synchronous API, every call bounded by a deadline.
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "compozy/error.hpp"
#include "protocol.hpp"

namespace compozy::credential_helper {

// Longer than a person needs to type a keyring password into a prompt, and
// shorter than the 10 s after which compozy kills a helper, so that the helper
// says what it was waiting for rather than being killed silently.
inline constexpr std::chrono::seconds secret_service_deadline{8};

Result<std::optional<Secrets>> find_secrets(const ItemDescription& item);
Result<void> store_secrets(const ItemDescription& item, const Secrets& secrets);
Result<void> erase_secrets(const ItemDescription& item);  // a missing item is no failure
Result<std::vector<ItemDescription>> list_items();

}  // namespace compozy::credential_helper
