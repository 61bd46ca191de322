// Where the secrets of a stored credential live, when not in credentials.yaml
// itself: a credential helper, `compozy-credential-NAME get|store|erase|list`,
// that speaks JSON on stdin and stdout (docs/credential-helpers.md), as git's
// and Docker's credential helpers do. The Secret Service is the helper named
// `secret-service`; `compozy-credential-file` is the reference one.
//
// credentials.yaml keeps what is not secret and, for such an entry, the
// store's name and a reference to the item; the "file" store is the file
// itself, secrets inline, as before stores existed.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"

namespace compozy {

inline constexpr char file_store_name[] = "file";
inline constexpr char secret_service_store_name[] = "secret-service";

struct Secrets {
  std::string access_token;
  std::string refresh_token;  // empty when the server gave none
  bool operator==(const Secrets&) const = default;
};

// An item: `reference` identifies it; the rest labels it for a person who
// looks at the store (Seahorse, `pass ls`).
struct SecretItem {
  std::string reference;  // [A-Za-z0-9_-]{1,64}, new for every write
  std::string profile;
  std::string host;
  std::string account;
};

class SecretStore {
 public:
  virtual ~SecretStore() = default;
  virtual const std::string& name() const = 0;
  virtual Result<std::optional<Secrets>> get(const SecretItem& item) = 0;  // nullopt: no such item
  virtual Result<void> store(const SecretItem& item, const Secrets& secrets) = 0;
  virtual Result<void> erase(const SecretItem& item) = 0;  // a missing item is no failure
  virtual Result<std::vector<SecretItem>> list() = 0;
};

// A store name is "file" or a helper's NAME: [a-z0-9-]{1,40}, starting with a letter or digit.
Result<void> check_store_name(std::string_view name);

// How long a helper may take before it is killed: 10 s, or
// COMPOZY_CREDENTIAL_HELPER_TIMEOUT seconds (for tests; fractions allowed).
std::chrono::milliseconds helper_deadline(const Environment& env);

// compozy-credential-NAME from this installation's folders first
// (COMPOZY_EXEC_PATH, which the dispatcher sets, then this tool's own
// folder), then the absolute entries of PATH; nullopt when there is none.
std::optional<std::filesystem::path> find_credential_helper(std::string_view name, const Environment& env);

// The store behind helper NAME; fails (naming it, exit 5) when no such helper is installed.
Result<std::unique_ptr<SecretStore>> open_helper_store(std::string_view name, const Environment& env);

// A helper at a known path, given `deadline` for each action.
std::unique_ptr<SecretStore> make_helper_store(std::string name, std::filesystem::path program,
                                               std::chrono::milliseconds deadline);

// Opens a store by name, for CredentialStore; tests pass fakes.
using SecretStoreOpener = std::function<Result<std::unique_ptr<SecretStore>>(std::string_view name)>;

// A fresh random reference, prefixed with `scope` so that a sweep touches only
// the items of one credentials file (several config folders may share a keyring).
std::string new_secret_reference(std::string_view scope);

}  // namespace compozy
