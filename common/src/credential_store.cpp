#include "compozy/credential_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "compozy/atomic_file.hpp"
#include "compozy/file_lock.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

constexpr int file_format_version = 1;

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A problem with the whole file: nothing in it can be read, so the hint must
// not cost the other profiles' sessions (a removed file leaves its tokens
// valid and unrevokable).
std::unexpected<Error> fail_in(const std::filesystem::path& path, const YAML::Mark& mark, std::string_view problem) {
  std::string where = "credentials file '" + path.string() + "'";
  if (!mark.is_null()) where += ", line " + std::to_string(mark.line + 1);
  return fail(where + ": " + std::string(problem), ExitCode::failure,
              "fix the file by hand (it is YAML), or move it aside and run `compozy login`");
}

// A problem with one profile's entry, which blocks no other profile.
std::unexpected<Error> fail_in_entry(const std::filesystem::path& path, std::string_view profile, const YAML::Node& at,
                                     std::string_view problem) {
  auto failure = fail_in(path, at.Mark(), "profile '" + std::string(profile) + "': " + std::string(problem));
  failure.error().hint = "run `compozy logout --profile " + std::string(profile) + "` to remove that entry";
  failure.error().kind = Error::Kind::unreadable_entry;
  return failure;
}

// As ssh treats a private key: refuse a file that someone else could read.
// A link is refused too: an atomic write would replace the link, not its
// target, and leave the old tokens there.
Result<void> check_private(const std::filesystem::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return {};
    return fail("reading '" + path.string() + "': " + std::strerror(errno));
  }
  if (S_ISLNK(info.st_mode)) {
    return fail("credentials file '" + path.string() + "' is a symbolic link", ExitCode::failure,
                "replace the link with the file it points to (compozy writes it in place, atomically)");
  }
  if (info.st_uid != ::geteuid()) {
    return fail("credentials file '" + path.string() + "' belongs to another user", ExitCode::failure,
                "remove it, then run `compozy login`");
  }
  if ((info.st_mode & 077) != 0) {
    return fail("credentials file '" + path.string() + "' is accessible by others (mode " +
                    octal_mode(info.st_mode) + ")",
                ExitCode::failure, "run `chmod 600 " + path.string() + "`, then consider the tokens in it exposed");
  }
  return {};
}

Result<YAML::Node> read_document(const std::filesystem::path& path) {
  if (auto ok = check_private(path); !ok) return propagate(ok);
  auto text = read_file(path);
  if (!text) return propagate(text);
  if (!*text) return YAML::Node(YAML::NodeType::Map);
  try {
    YAML::Node root = YAML::Load(**text);
    if (root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap()) return fail_in(path, root.Mark(), "expected a mapping at the top level");
    if (const auto version = root["version"]; version && version.Scalar() != std::to_string(file_format_version)) {
      return fail("credentials file '" + path.string() + "' was written by a newer compozy (format '" +
                      (version.IsScalar() ? version.Scalar() : "?") + "')",
                  ExitCode::failure, "upgrade compozy");
    }
    if (const auto profiles = root["profiles"]; profiles && !profiles.IsMap() && !profiles.IsNull()) {
      return fail_in(path, profiles.Mark(), "'profiles' must be a mapping");
    }
    return root;
  } catch (const YAML::Exception& error) {
    return fail_in(path, error.mark, error.msg);
  }
}

std::string_view kind_name(CredentialKind kind) { return kind == CredentialKind::api_key ? "api_key" : "oauth"; }

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

// A time compozy wrote; one that cannot be read counts as long past, so a
// damaged expiry makes the next command refresh rather than fail.
std::optional<TimePoint> stored_time(const YAML::Node& node, const char* key) {
  if (!node[key]) return std::nullopt;
  return parse_rfc3339(scalar(node, key)).value_or(TimePoint{});
}

std::vector<std::string> stored_scopes(const YAML::Node& node) {
  const YAML::Node scopes = node["scopes"];
  if (scopes && scopes.IsScalar()) return split_words(scopes.Scalar());
  std::vector<std::string> list;
  if (!scopes || !scopes.IsSequence()) return list;
  for (const auto& scope : scopes) {
    if (scope.IsScalar()) list.push_back(scope.Scalar());
  }
  return list;
}

// Reads what it can: only an entry without a host or a token, or of a type
// this compozy does not know, cannot be used at all.
Result<StoredCredential> decode(const std::filesystem::path& path, std::string_view profile, const YAML::Node& node) {
  if (!node.IsMap()) return fail_in_entry(path, profile, node, "expected a mapping");
  StoredCredential credential;
  credential.host = scalar(node, "host");
  credential.client_id = scalar(node, "client_id");
  const std::string kind = scalar(node, "type");
  if (kind == "api_key") {
    credential.kind = CredentialKind::api_key;
  } else if (kind != "oauth") {
    return fail_in_entry(path, profile, node, "unknown credential type '" + kind + "' (written by a newer compozy?)");
  }
  credential.access_token = scalar(node, "access_token");
  credential.refresh_token = scalar(node, "refresh_token");
  credential.expires_at = stored_time(node, "expires_at");
  credential.obtained_at = stored_time(node, "obtained_at");
  credential.scopes = stored_scopes(node);
  credential.account = scalar(node, "account");
  credential.subject = scalar(node, "subject");
  credential.session_id = scalar(node, "session_id");
  credential.token_endpoint = scalar(node, "token_endpoint");
  credential.revocation_endpoint = scalar(node, "revocation_endpoint");
  credential.userinfo_endpoint = scalar(node, "userinfo_endpoint");
  credential.store = scalar(node, "store");
  credential.secret_ref = scalar(node, "secret_ref");
  if (credential.store == file_store_name) credential.store.clear();
  if (credential.host.empty()) return fail_in_entry(path, profile, node, "'host' is missing");
  if (held_by_manager(credential)) {
    if (credential.secret_ref.empty()) return fail_in_entry(path, profile, node, "'secret_ref' is missing");
    return credential;  // the tokens are filled in from the store
  }
  if (credential.access_token.empty()) return fail_in_entry(path, profile, node, "'access_token' is missing");
  return credential;
}

YAML::Node encode(const StoredCredential& credential) {
  YAML::Node node(YAML::NodeType::Map);
  node["host"] = credential.host;
  node["client_id"] = credential.client_id;
  node["type"] = std::string(kind_name(credential.kind));
  node["account"] = credential.account;
  if (!credential.subject.empty()) node["subject"] = credential.subject;
  if (!credential.session_id.empty()) node["session_id"] = credential.session_id;
  if (held_by_manager(credential)) {
    node["store"] = credential.store;
    node["secret_ref"] = credential.secret_ref;
    // So that a listing can tell "expired, refreshable" without asking the store.
    if (!credential.refresh_token.empty()) node["refreshable"] = true;
  } else {
    node["access_token"] = credential.access_token;
    if (!credential.refresh_token.empty()) node["refresh_token"] = credential.refresh_token;
  }
  if (credential.expires_at) node["expires_at"] = format_rfc3339(*credential.expires_at);
  if (credential.obtained_at) node["obtained_at"] = format_rfc3339(*credential.obtained_at);
  if (!credential.scopes.empty()) {
    YAML::Node scopes(YAML::NodeType::Sequence);
    for (const auto& scope : credential.scopes) scopes.push_back(scope);
    node["scopes"] = scopes;
  }
  if (!credential.token_endpoint.empty()) node["token_endpoint"] = credential.token_endpoint;
  if (!credential.revocation_endpoint.empty()) node["revocation_endpoint"] = credential.revocation_endpoint;
  if (!credential.userinfo_endpoint.empty()) node["userinfo_endpoint"] = credential.userinfo_endpoint;
  return node;
}

SecretItem item_of(std::string_view profile, const StoredCredential& credential) {
  return {credential.secret_ref, std::string(profile), credential.host, credential.account};
}

// FNV-1a of the folder: references made for one credentials file start with
// it, so sweeping never touches another config folder's items in a shared keyring.
std::string scope_of(const std::filesystem::path& folder) {
  std::uint32_t hash = 2166136261u;
  for (const char c : std::filesystem::absolute(folder).lexically_normal().string()) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  char text[9];
  std::snprintf(text, sizeof text, "%08x", hash);
  return text;
}

// Block style, the version first, the profiles in the order they came.
std::string emit(const YAML::Node& profiles) {
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << file_format_version;
  out << YAML::Key << "profiles" << YAML::Value << profiles << YAML::EndMap;
  return "# compozy credentials: written by compozy, readable by you alone.\n" + std::string(out.c_str()) + "\n";
}

}  // namespace

CredentialStore::CredentialStore(std::filesystem::path folder, SecretStoreOpener open_store)
    : folder_(std::move(folder)),
      file_(folder_ / "credentials.yaml"),
      lock_file_(folder_ / "credentials.lock"),
      reference_scope_(scope_of(folder_)),
      open_store_(std::move(open_store)) {}

CredentialStore::~CredentialStore() = default;
CredentialStore::CredentialStore(CredentialStore&&) noexcept = default;

Result<SecretStore*> CredentialStore::secret_store(std::string_view name) const {
  for (const auto& [opened_name, store] : opened_) {
    if (opened_name == name) return store.get();
  }
  if (!open_store_) {
    return fail("credential store '" + std::string(name) + "' cannot be used by this tool", ExitCode::store_failed);
  }
  auto store = open_store_(name);
  if (!store) return propagate(store);
  opened_.emplace_back(std::string(name), std::move(*store));
  return opened_.back().second.get();
}

Result<StoredCredential> CredentialStore::read_entry(std::string_view profile, const YAML::Node& node) const {
  auto credential = decode(file_, profile, node);
  if (!credential || !held_by_manager(*credential)) return credential;
  auto store = secret_store(credential->store);
  if (!store) return propagate(store, "reading the tokens of profile '" + std::string(profile) + "'");
  auto secrets = (*store)->get(item_of(profile, *credential));
  if (!secrets) return propagate(secrets, "reading the tokens of profile '" + std::string(profile) + "'");
  if (!*secrets) {
    auto missing = fail_in_entry(file_, profile, node,
                                 "its tokens are missing from credential store '" + credential->store + "'");
    missing.error().hint = "run `compozy login --profile " + std::string(profile) + "` to sign in again";
    missing.error().code = ExitCode::not_logged_in;
    return missing;
  }
  credential->access_token = std::move((*secrets)->access_token);
  credential->refresh_token = std::move((*secrets)->refresh_token);
  return credential;
}

Result<YAML::Node> CredentialStore::place(std::string_view profile, StoredCredential& fresh,
                                          const std::optional<StoredCredential>& old) {
  if (fresh.store == file_store_name) fresh.store.clear();
  const bool same_item = old && held_by_manager(*old) && old->store == fresh.store &&
                         old->access_token == fresh.access_token && old->refresh_token == fresh.refresh_token;
  if (held_by_manager(fresh)) {
    if (same_item) {
      fresh.secret_ref = old->secret_ref;
    } else {
      auto store = secret_store(fresh.store);
      if (!store) return propagate(store, "storing the tokens of profile '" + std::string(profile) + "'");
      fresh.secret_ref = new_secret_reference(reference_scope_);
      touched_stores_.push_back(fresh.store);
      auto stored = (*store)->store(item_of(profile, fresh), {fresh.access_token, fresh.refresh_token});
      if (!stored) return propagate(stored, "storing the tokens of profile '" + std::string(profile) + "'");
    }
  } else {
    fresh.secret_ref.clear();
  }
  if (old && !same_item) forget_item(profile, *old);
  return encode(fresh);
}

void CredentialStore::forget_item(std::string_view profile, const StoredCredential& old) {
  if (!held_by_manager(old) || old.secret_ref.empty()) return;
  pending_erases_.push_back({old.store, item_of(profile, old)});
  touched_stores_.push_back(old.store);
}

// After the file no longer names them: the replaced items, then any item of
// this file's scope that no entry names (left by a writer that was killed).
// A failure here loses nothing: the next write sweeps again.
void CredentialStore::erase_replaced_items(const YAML::Node& profiles) {
  std::vector<std::string> referenced;
  if (profiles && profiles.IsMap()) {
    for (const auto& item : profiles) {
      if (item.second.IsMap()) referenced.push_back(scalar(item.second, "secret_ref"));
    }
  }
  const auto still_named = [&](const std::string& reference) {
    return std::find(referenced.begin(), referenced.end(), reference) != referenced.end();
  };
  // A copied entry may name the same item as the one replaced.
  for (const auto& pending : pending_erases_) {
    if (still_named(pending.item.reference)) continue;
    if (auto store = secret_store(pending.store); store) (void)(*store)->erase(pending.item);
  }
  std::sort(touched_stores_.begin(), touched_stores_.end());
  touched_stores_.erase(std::unique(touched_stores_.begin(), touched_stores_.end()), touched_stores_.end());
  for (const auto& name : touched_stores_) {
    auto store = secret_store(name);
    if (!store) continue;
    auto items = (*store)->list();
    if (!items) continue;
    for (const auto& item : *items) {
      const bool ours = item.reference.starts_with(reference_scope_ + "-");
      if (ours && !still_named(item.reference)) {
        (void)(*store)->erase(item);
      }
    }
  }
}

Result<std::optional<StoredCredential>> CredentialStore::load(std::string_view profile) const {
  // Without the lock, a writer may replace the file and erase the item this
  // read found between the two reads: then the file names a newer item.
  std::string previous_ref;
  for (int attempt = 0;; ++attempt) {
    auto root = read_document(file_);
    if (!root) return propagate(root);
    const YAML::Node profiles = (*root)["profiles"];
    if (!profiles || !profiles[std::string(profile)]) return std::optional<StoredCredential>();
    const YAML::Node node = profiles[std::string(profile)];
    auto credential = read_entry(profile, node);
    const std::string ref = node.IsMap() ? scalar(node, "secret_ref") : std::string();
    const bool overtaken = !credential && credential.error().kind == Error::Kind::unreadable_entry && !ref.empty() &&
                           ref != previous_ref && attempt < 3;
    if (overtaken) {
      previous_ref = ref;
      continue;
    }
    if (!credential) return propagate(credential);
    return std::optional<StoredCredential>(std::move(*credential));
  }
}

Result<void> CredentialStore::rewrite(const std::function<Result<bool>(YAML::Node& profiles)>& decide) {
  if (auto ok = ensure_private_folder(folder_); !ok) return propagate(ok);
  auto lock = FileLock::acquire(lock_file_, "the credentials");
  if (!lock) return propagate(lock);
  remove_stale_copies();

  auto root = read_document(file_);
  if (!root) return propagate(root);
  YAML::Node profiles = (*root)["profiles"];
  if (!profiles || profiles.IsNull()) profiles = YAML::Node(YAML::NodeType::Map);
  // A decision, once the server has been asked, is stored before Ctrl-C takes effect.
  InterruptsHeld hold;
  pending_erases_.clear();
  touched_stores_.clear();
  auto changed = decide(profiles);
  if (!changed || !*changed) {
    // Tokens stored for a write that did not happen belong to no entry.
    pending_erases_.clear();
    if (!touched_stores_.empty()) erase_replaced_items(profiles);
    if (!changed) return propagate(changed);
    return {};
  }
  auto written =
      profiles.size() == 0 ? remove_file_durably(file_) : replace_file_atomically(file_, emit(profiles), 0600);
  if (!written) return written;  // what was stored for it is swept by the next write
  erase_replaced_items(profiles);
  return {};
}

Result<std::optional<StoredCredential>> CredentialStore::update(std::string_view profile, const Change& change) {
  const std::string name(profile);
  std::optional<Update> decided;
  auto written = rewrite([&](YAML::Node& profiles) -> Result<bool> {
    std::optional<StoredCredential> current;
    // An entry that cannot be read is no entry to decide from: a login may
    // replace it and a logout remove it.
    bool unreadable = false;
    if (profiles[name]) {
      auto decoded = read_entry(profile, profiles[name]);
      if (!decoded && decoded.error().kind != Error::Kind::unreadable_entry) return propagate(decoded);
      unreadable = !decoded;
      if (decoded) current = std::move(*decoded);
      // An entry whose item is gone still names it: keep that, to erase it.
      if (auto named = decode(file_, profile, profiles[name]); !decoded && named) current = std::move(*named);
    }
    const std::optional<StoredCredential> readable = unreadable ? std::nullopt : current;
    auto decision = change(readable);
    if (!decision) return propagate(decision);
    decided = std::move(*decision);
    if (decided->entry == readable && !unreadable) return false;
    if (decided->entry) {
      auto node = place(profile, *decided->entry, current);
      if (!node) return propagate(node);
      profiles[name] = *node;
    } else {
      if (current) forget_item(profile, *current);
      profiles.remove(name);
    }
    return true;
  });
  if (!written) return propagate(written);
  if (decided->failure) return fail(std::move(*decided->failure));
  return std::move(decided->entry);
}

std::vector<CredentialStore::Entry> CredentialStore::readable_entries(const YAML::Node& profiles, Tokens tokens,
                                                                     std::optional<Error>* store_failure) const {
  std::vector<Entry> entries;
  if (!profiles || !profiles.IsMap()) return entries;
  for (const auto& item : profiles) {
    const std::string name = item.first.IsScalar() ? item.first.Scalar() : std::string();
    if (name.empty()) continue;
    auto decoded = tokens == Tokens::fetched ? read_entry(name, item.second) : decode(file_, name, item.second);
    if (decoded) {
      const bool left_in_store = tokens == Tokens::left_in_store && held_by_manager(*decoded);
      const bool refreshable = left_in_store ? scalar(item.second, "refreshable") == "true" : !decoded->refresh_token.empty();
      entries.push_back({name, std::move(*decoded), refreshable});
    } else if (store_failure && !*store_failure && decoded.error().kind != Error::Kind::unreadable_entry) {
      *store_failure = decoded.error();
    }
  }
  return entries;
}

Result<std::vector<CredentialStore::Entry>> CredentialStore::load_all(Tokens tokens) const {
  auto root = read_document(file_);
  if (!root) return propagate(root);
  std::optional<Error> store_failure;
  auto entries = readable_entries((*root)["profiles"], tokens, &store_failure);
  if (store_failure) return fail(std::move(*store_failure));
  return entries;
}

Result<void> CredentialStore::update_all(const ChangeAll& change) {
  return rewrite([&](YAML::Node& profiles) -> Result<bool> {
    std::optional<Error> store_failure;
    std::vector<Entry> entries = readable_entries(profiles, Tokens::fetched, &store_failure);
    if (store_failure) return fail(std::move(*store_failure));
    const std::vector<Entry> before = entries;
    if (auto ok = change(entries); !ok) return propagate(ok);

    const auto find = [](const std::vector<Entry>& list, const std::string& name) {
      return std::find_if(list.begin(), list.end(), [&](const Entry& entry) { return entry.profile == name; });
    };
    bool changed = false;
    for (const auto& old : before) {
      if (find(entries, old.profile) != entries.end()) continue;
      profiles.remove(old.profile);
      changed = true;
    }
    for (const auto& old : before) {
      if (find(entries, old.profile) == entries.end()) forget_item(old.profile, old.credential);
    }
    for (auto& entry : entries) {
      const auto old = find(before, entry.profile);
      if (old != before.end() && old->credential == entry.credential) continue;
      auto node = place(entry.profile, entry.credential,
                        old == before.end() ? std::nullopt : std::optional<StoredCredential>(old->credential));
      if (!node) return propagate(node);
      profiles[entry.profile] = *node;
      changed = true;
    }
    return changed;
  });
}

Result<std::vector<std::string>> CredentialStore::remove_all(const Selector& belongs) {
  std::vector<std::string> removed;
  auto written = update_all([&](std::vector<Entry>& entries) -> Result<void> {
    removed.clear();
    std::erase_if(entries, [&](const Entry& entry) {
      if (!belongs(entry)) return false;
      removed.push_back(entry.profile);
      return true;
    });
    return {};
  });
  if (!written) return propagate(written);
  return removed;
}

// A writer killed between writing its temporary copy and renaming it over the
// file leaves the copy, tokens and all. Every writer holds the lock while its
// copy exists, so under the lock any copy found is such a leftover.
void CredentialStore::remove_stale_copies() const {
  std::error_code ignored;
  const std::string prefix = "." + file_.filename().string() + ".tmp-";
  for (const auto& entry : std::filesystem::directory_iterator(folder_, ignored)) {
    if (entry.path().filename().string().starts_with(prefix)) std::filesystem::remove(entry.path(), ignored);
  }
}

Result<void> CredentialStore::save(std::string_view profile, const StoredCredential& credential) {
  auto saved = update(profile, [&](const std::optional<StoredCredential>&) -> Result<Update> {
    return Update{credential};
  });
  if (!saved) return propagate(saved);
  return {};
}

Result<bool> CredentialStore::remove(std::string_view profile) {
  // An entry that cannot be read is still an entry: removing it is how a person gets rid of it.
  const auto loaded = load(profile);
  bool existed = !loaded || loaded->has_value();
  auto removed = update(profile, [&](const std::optional<StoredCredential>& current) -> Result<Update> {
    existed = existed || current.has_value();
    return Update{std::nullopt};
  });
  if (!removed) return propagate(removed);
  return existed;
}

}  // namespace compozy

namespace compozy {

Result<std::vector<std::string>> CredentialStore::inline_profiles() const {
  auto root = read_document(file_);
  if (!root) return propagate(root);
  std::vector<std::string> names;
  const YAML::Node profiles = (*root)["profiles"];
  if (!profiles || !profiles.IsMap()) return names;
  for (const auto& item : profiles) {
    if (!item.first.IsScalar() || !item.second.IsMap()) continue;
    if (auto decoded = decode(file_, item.first.Scalar(), item.second); decoded && !held_by_manager(*decoded)) {
      names.push_back(item.first.Scalar());
    }
  }
  return names;
}

Result<std::vector<std::string>> CredentialStore::move_inline_tokens(std::string_view store) {
  std::vector<std::string> moved;
  auto written = update_all([&](std::vector<Entry>& entries) -> Result<void> {
    moved.clear();
    for (auto& entry : entries) {
      if (held_by_manager(entry.credential)) continue;
      entry.credential.store = std::string(store);
      moved.push_back(entry.profile);
    }
    return {};
  });
  if (!written) return propagate(written);
  return moved;
}

}  // namespace compozy
