// credentials.yaml: one entry per profile, beside config.yaml.
//
// The folder is 0700 and the file 0600; a file that others can read is refused,
// as ssh refuses a private key. Every write holds an advisory lock and replaces
// the file atomically, so neither a crash nor a concurrent compozy process can
// leave it half-written or drop another profile's entry.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/error.hpp"
#include "compozy/stored_credential.hpp"

namespace YAML {
class Node;
}

namespace compozy {

class CredentialStore {
 public:
  explicit CredentialStore(std::filesystem::path folder);

  const std::filesystem::path& file() const { return file_; }

  // Reads without the lock: writers rename whole files into place, so a
  // reader sees one complete version or the other.
  Result<std::optional<StoredCredential>> load(std::string_view profile) const;

  // One profile's entry, as load_all and update_all show it.
  struct Entry {
    std::string profile;
    StoredCredential credential;
  };
  // Every entry that can be read, in the file's order, without the lock (as load).
  Result<std::vector<Entry>> load_all() const;

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
  // `change` fails.
  using ChangeAll = std::function<Result<void>(std::vector<Entry>& entries)>;
  Result<void> update_all(const ChangeAll& change);

  // Removes every entry `belongs` picks, in one write; returns their profiles in the file's order.
  using Selector = std::function<bool(const Entry&)>;
  Result<std::vector<std::string>> remove_all(const Selector& belongs);

  Result<void> save(std::string_view profile, const StoredCredential& credential);
  Result<bool> remove(std::string_view profile);  // whether there was an entry

 private:
  // Holds the lock, reads the file, lets `decide` edit its profiles, and
  // writes them back atomically when it says it changed something.
  Result<void> rewrite(const std::function<Result<bool>(YAML::Node& profiles)>& decide);
  std::vector<Entry> readable_entries(const YAML::Node& profiles) const;
  void remove_stale_copies() const;

  std::filesystem::path folder_;
  std::filesystem::path file_;
  std::filesystem::path lock_file_;
};

}  // namespace compozy
