// credentials.yaml: one entry per profile, beside config.yaml.
//
// The folder is 0700 and the file 0600; a file that others can read is refused,
// as ssh refuses a private key. Every write holds an advisory lock and replaces
// the file atomically, so neither a crash nor a concurrent compozy process can
// leave it half-written or drop another profile's entry.
//
// An entry's tokens live in the file, or in a credential manager
// (secret_store.hpp) when it says `store: NAME` and `secret_ref: R`. Writing
// such an entry stores the tokens under a new reference first, then replaces
// the file, then erases the old item: a crash at any point leaves an entry
// whose item exists. Under the lock, a store's items that no entry references
// (left by such a crash) are swept away.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/error.hpp"
#include "compozy/secret_store.hpp"
#include "compozy/stored_credential.hpp"

namespace YAML {
class Node;
}

namespace compozy {

class CredentialStore {
 public:
  // `open_store` opens a credential manager by name; without it only the file can be used.
  explicit CredentialStore(std::filesystem::path folder, SecretStoreOpener open_store = {});
  ~CredentialStore();
  CredentialStore(CredentialStore&&) noexcept;

  const std::filesystem::path& file() const { return file_; }

  // Reads without the lock: writers rename whole files into place, so a
  // reader sees one complete version or the other.
  Result<std::optional<StoredCredential>> load(std::string_view profile) const;

  // One profile's entry, as load_all and update_all show it.
  struct Entry {
    std::string profile;
    StoredCredential credential;
    // Whether it holds a refresh token: known even when its tokens were left in their store.
    bool refreshable = false;
  };
  // What load_all reads of the entries a credential manager holds.
  enum class Tokens {
    fetched,  // each store is asked for them: needed to use or change a credential
    left_in_store,  // none is run, so a listing of profiles never waits for, or fails with, a keyring
  };
  // Every entry that can be read, in the file's order, without the lock (as
  // load). A credential store that fails is a failure, not a missing entry.
  Result<std::vector<Entry>> load_all(Tokens tokens = Tokens::fetched) const;

  // What a change decides for a profile: the entry it holds afterwards
  // (nullopt: none), and a failure to report once that is stored, as when a
  // session the server has ended is removed and the caller must hear why.
  struct Update {
    std::optional<StoredCredential> entry;
    std::optional<Error> failure = std::nullopt;
  };
  // Decides the profile's new entry from its current one with the lock held
  // throughout, so the decision cannot be overtaken by another process.
  // Nothing is written when `change` fails or changes nothing. Returns the
  // entry stored afterwards, or the Update's failure.
  using Change = std::function<Result<Update>(const std::optional<StoredCredential>& current)>;
  Result<std::optional<StoredCredential>> update(std::string_view profile, const Change& change);

  // Several profiles decided at once, as when a session the server has ended
  // is held by more than one. `change` sees every entry that can be read, in
  // the file's order, and edits the list (changes, erases, appends); what
  // differs is written in one replacement, with the lock held throughout.
  // Entries that cannot be read stay as they are; nothing is written when
  // `change` fails, or when a credential store fails to give an entry's tokens.
  using ChangeAll = std::function<Result<void>(std::vector<Entry>& entries)>;
  Result<void> update_all(const ChangeAll& change);

  // Removes every entry `belongs` picks, in one write; returns their profiles in the file's order.
  using Selector = std::function<bool(const Entry&)>;
  Result<std::vector<std::string>> remove_all(const Selector& belongs);

  Result<void> save(std::string_view profile, const StoredCredential& credential);
  Result<bool> remove(std::string_view profile);  // whether there was an entry

  // The profiles whose tokens are still inline in the file (from before, or another profile).
  Result<std::vector<std::string>> inline_profiles() const;
  // Moves the inline tokens of every profile into `store`, in one write.
  Result<std::vector<std::string>> move_inline_tokens(std::string_view store);

  // Opens (once) the credential manager called `name`.
  Result<SecretStore*> secret_store(std::string_view name) const;

 private:
  // Holds the lock, reads the file, lets `decide` edit its profiles, and
  // writes them back atomically when it says it changed something.
  Result<void> rewrite(const std::function<Result<bool>(YAML::Node& profiles)>& decide);
  std::vector<Entry> readable_entries(const YAML::Node& profiles, Tokens tokens,
                                      std::optional<Error>* store_failure = nullptr) const;
  void remove_stale_copies() const;
  // Reads an entry, tokens included from its store. A store that fails is a
  // failure (exit 5); an item that is missing makes the entry unreadable.
  Result<StoredCredential> read_entry(std::string_view profile, const YAML::Node& node) const;
  // Encodes `fresh` for the file, storing its tokens in its store first when
  // they are not there already; the item it replaces is erased after the write.
  Result<YAML::Node> place(std::string_view profile, StoredCredential& fresh, const std::optional<StoredCredential>& old);
  void forget_item(std::string_view profile, const StoredCredential& old);
  void erase_replaced_items(const YAML::Node& profiles);

  struct PendingErase {
    std::string store;
    SecretItem item;
  };

  std::filesystem::path folder_;
  std::filesystem::path file_;
  std::filesystem::path lock_file_;
  std::string reference_scope_;  // this file's prefix for the references it makes
  SecretStoreOpener open_store_;
  mutable std::vector<std::pair<std::string, std::unique_ptr<SecretStore>>> opened_;
  std::vector<PendingErase> pending_erases_;
  std::vector<std::string> touched_stores_;
};

}  // namespace compozy
