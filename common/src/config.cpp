#include "compozy/config.hpp"

#include <sys/stat.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "compozy/atomic_file.hpp"
#include "compozy/file_lock.hpp"
#include "compozy/text.hpp"
#include "compozy/timestamp.hpp"
#include "compozy/url.hpp"

namespace compozy {

namespace {

// "config file '/x/config.yaml', line 4, key 'host': expected a string".
std::unexpected<Error> fail_at(const std::filesystem::path& path, const YAML::Mark& mark,
                               std::string_view key, std::string_view problem) {
  std::string where = "config file '" + path.string() + "'";
  if (!mark.is_null()) where += ", line " + std::to_string(mark.line + 1);
  if (!key.empty()) where += ", key '" + std::string(key) + "'";
  return fail(where + ": " + std::string(problem), ExitCode::failure, "fix or remove the file");
}

// A key, which must be a plain name: yaml-cpp's own "bad conversion" would tell nobody anything.
Result<std::string> read_key(const std::filesystem::path& path, const YAML::Node& key, std::string_view where) {
  if (!key.IsScalar()) return fail_at(path, key.Mark(), where, "expected a name, not a list or a mapping");
  return key.Scalar();
}

Result<std::string> read_string(const std::filesystem::path& path, const YAML::Node& node,
                                std::string_view key) {
  if (!node.IsScalar()) return fail_at(path, node.Mark(), key, "expected a string");
  return node.Scalar();
}

// Scopes are a list ([openid, email]) or one space-separated string, as in OAuth.
Result<std::vector<std::string>> read_scopes(const std::filesystem::path& path, const YAML::Node& node,
                                             std::string_view key) {
  std::vector<std::string> scopes;
  if (node.IsScalar()) return split_words(node.Scalar());
  if (!node.IsSequence()) return fail_at(path, node.Mark(), key, "expected a list of scopes");
  for (const auto& item : node) {
    if (!item.IsScalar()) return fail_at(path, item.Mark(), key, "expected a list of scopes");
    scopes.push_back(item.Scalar());
  }
  return scopes;
}

std::string unknown_key(const std::filesystem::path& path, const YAML::Node& key_node, std::string_view key) {
  return "config file '" + path.string() + "', line " + std::to_string(key_node.Mark().line + 1) + ": unknown key '" +
         std::string(key) + "' is ignored";
}

// A duration such as 90d or 2160h.
Result<std::chrono::seconds> read_age(const std::filesystem::path& path, const YAML::Node& node, const std::string& key) {
  auto text = read_string(path, node, key);
  if (!text) return propagate(text);
  const auto age = parse_duration(*text);
  if (!age || age->count() == 0) return fail_at(path, node.Mark(), key, "expected a duration such as 90d");
  return *age;
}

Result<ProfileConfig> read_profile(const std::filesystem::path& path, const std::string& name,
                                   const YAML::Node& node, std::vector<std::string>& warnings) {
  ProfileConfig profile;
  if (node.IsNull()) return profile;
  const std::string prefix = "profiles." + name;
  if (!node.IsMap()) return fail_at(path, node.Mark(), prefix, "expected a mapping of settings");
  for (const auto& entry : node) {
    auto key_text = read_key(path, entry.first, prefix);
    if (!key_text) return propagate(key_text);
    const std::string& key = *key_text;
    const std::string full_key = prefix + "." + key;
    if (key == "host" || key == "client_id") {
      auto value = read_string(path, entry.second, full_key);
      if (!value) return propagate(value);
      (key == "host" ? profile.host : profile.client_id) = std::move(*value);
    } else if (key == "credential_store") {
      auto value = read_string(path, entry.second, full_key);
      if (!value) return propagate(value);
      profile.credential_store = std::move(*value);
    } else if (key == "scopes" || key == "api_key_scopes") {
      auto scopes = read_scopes(path, entry.second, full_key);
      if (!scopes) return propagate(scopes);
      (key == "scopes" ? profile.scopes : profile.api_key_scopes) = std::move(*scopes);
    } else if (key == "api_key_rotation_age") {
      auto age = read_age(path, entry.second, full_key);
      if (!age) return propagate(age);
      profile.api_key_rotation_age = *age;
    } else {
      warnings.push_back(unknown_key(path, entry.first, full_key));
    }
  }
  return profile;
}

Result<void> read_profiles(const std::filesystem::path& path, const YAML::Node& value, ConfigFile& config) {
  if (value.IsNull()) return {};
  if (!value.IsMap()) return fail_at(path, value.Mark(), "profiles", "expected a mapping of profiles");
  for (const auto& profile : value) {
    auto name_text = read_key(path, profile.first, "profiles");
    if (!name_text) return propagate(name_text);
    const std::string& name = *name_text;
    if (!is_valid_profile_name(name)) {
      return fail_at(path, profile.first.Mark(), "profiles." + name, "a profile name is letters, digits, '-', '_' and '.'");
    }
    auto settings = read_profile(path, name, profile.second, config.warnings);
    if (!settings) return propagate(settings);
    config.profiles[name] = std::move(*settings);
  }
  return {};
}

Result<void> read_aliases(const std::filesystem::path& path, const YAML::Node& value, ConfigFile& config) {
  if (value.IsNull()) return {};
  if (!value.IsMap()) return fail_at(path, value.Mark(), "aliases", "expected a mapping of aliases");
  for (const auto& alias : value) {
    auto name_text = read_key(path, alias.first, "aliases");
    if (!name_text) return propagate(name_text);
    const std::string& name = *name_text;
    auto expansion = read_string(path, alias.second, "aliases." + name);
    if (!expansion) return propagate(expansion);
    config.aliases.emplace_back(name, std::move(*expansion));
  }
  return {};
}

Result<void> read_machine_settings(const std::filesystem::path& path, std::string_view key, const YAML::Node& value,
                                   ConfigFile& config) {
  auto text = read_string(path, value, std::string(key));
  if (!text) return propagate(text);
  if (key == "device_name") {
    if (trim(*text).empty()) return fail_at(path, value.Mark(), "device_name", "give this machine a name, or leave the key out");
    config.device_name = std::move(*text);
    return {};
  }
  const auto age = parse_duration(*text);
  if (!age || age->count() == 0) {
    return fail_at(path, value.Mark(), "inactive_session_age", "expected a duration such as 30d, 12h or 90m");
  }
  config.inactive_session_age = *age;
  return {};
}

Result<void> read_current_profile(const std::filesystem::path& path, const YAML::Node& value, ConfigFile& config) {
  if (value.IsNull()) return {};
  auto name = read_string(path, value, "current_profile");
  if (!name) return propagate(name);
  if (!is_valid_profile_name(*name)) {
    return fail_at(path, value.Mark(), "current_profile", "a profile name is letters, digits, '-', '_' and '.'");
  }
  config.current_profile = std::move(*name);
  return {};
}

// The comment lines that open the file: yaml-cpp drops comments, and these are
// the ones a person most likely wrote to explain the file.
std::string leading_comments(std::string_view text) {
  std::string kept;
  while (!text.empty() && text.front() == '#') {
    const auto end = text.find('\n');
    kept += std::string(text.substr(0, end)) + "\n";
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return kept;
}

// A person who made config.yaml private keeps it so; write access for others
// is never kept, as aliases in it run commands.
mode_t mode_to_keep(const std::filesystem::path& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<mode_t>(info.st_mode & 0755) : 0644;
}

// A config.yaml linked from a dotfiles folder (stow, chezmoi, home-manager)
// stays a link: the file it points to is replaced, in its own folder.
std::filesystem::path file_to_replace(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_symlink(path, error)) return path;
  const auto target = std::filesystem::canonical(path, error);
  return error ? path : target;
}

YAML::Node profiles_node(YAML::Node& root) {
  if (!root["profiles"] || root["profiles"].IsNull()) root["profiles"] = YAML::Node(YAML::NodeType::Map);
  return root["profiles"];
}

}  // namespace

Result<void> edit_config(const std::filesystem::path& path, const ConfigChange& change) {
  if (auto ok = ensure_private_folder(path.parent_path()); !ok) return propagate(ok);
  auto lock = FileLock::acquire(path.parent_path() / "config.lock", "config.yaml");
  if (!lock) return propagate(lock);
  auto text = read_file(path);
  if (!text) return propagate(text);
  const std::string before = text->value_or("");
  // Refuses, with file and line, what load_config would refuse.
  if (auto valid = parse_config(before, path); !valid) return propagate(valid);
  YAML::Node root;
  try {
    root = YAML::Load(before);
    if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
    auto changed = change(root);
    if (!changed) return propagate(changed);
    if (!*changed) return {};
    YAML::Emitter out;
    out << root;
    const std::string after = leading_comments(before) + out.c_str() + "\n";
    // What this writes must read back, or the next command could not start.
    if (auto valid = parse_config(after, path); !valid) return propagate(valid, "editing the configuration");
    const auto file = file_to_replace(path);
    return replace_file_atomically(file, after, mode_to_keep(file));
  } catch (const YAML::Exception& error) {
    return fail_at(path, error.mark, "", error.msg);
  }
}

Result<void> set_profile_host(const std::filesystem::path& path, std::string_view profile, std::string_view host) {
  return edit_config(path, [&](YAML::Node& root) -> Result<bool> {
    YAML::Node profiles = profiles_node(root);
    const std::string name(profile);
    if (profiles[name] && profiles[name].IsMap() && profiles[name]["host"] &&
        profiles[name]["host"].IsScalar() && profiles[name]["host"].Scalar() == host) {
      return false;
    }
    if (!profiles[name] || profiles[name].IsNull()) profiles[name] = YAML::Node(YAML::NodeType::Map);
    profiles[name]["host"] = std::string(host);
    return true;
  });
}

Result<void> set_profile_credential_store(const std::filesystem::path& path, std::string_view profile,
                                          std::string_view store) {
  return edit_config(path, [&](YAML::Node& root) -> Result<bool> {
    YAML::Node profiles = profiles_node(root);
    const std::string name(profile);
    const YAML::Node existing = profiles[name];
    if (existing && existing.IsMap() && existing["credential_store"] && existing["credential_store"].IsScalar() &&
        existing["credential_store"].Scalar() == store) {
      return false;
    }
    if (!profiles[name] || profiles[name].IsNull()) profiles[name] = YAML::Node(YAML::NodeType::Map);
    profiles[name]["credential_store"] = std::string(store);
    return true;
  });
}

Result<void> set_current_profile(const std::filesystem::path& path, std::string_view profile) {
  return edit_config(path, [&](YAML::Node& root) -> Result<bool> {
    if (root["current_profile"] && root["current_profile"].IsScalar() && root["current_profile"].Scalar() == profile) {
      return false;
    }
    root["current_profile"] = std::string(profile);
    return true;
  });
}

Result<bool> remove_profile_config(const std::filesystem::path& path, std::string_view profile) {
  bool removed = false;
  auto edited = edit_config(path, [&](YAML::Node& root) -> Result<bool> {
    const std::string name(profile);
    removed = false;
    if (root["profiles"] && root["profiles"].IsMap() && root["profiles"][name]) {
      YAML::Node profiles = root["profiles"];
      profiles.remove(name);
      removed = true;
    }
    if (root["current_profile"] && root["current_profile"].IsScalar() && root["current_profile"].Scalar() == name) {
      root.remove("current_profile");
      removed = true;
    }
    return removed;
  });
  if (!edited) return propagate(edited);
  return removed;
}

Result<std::filesystem::path> config_dir(const Environment& env) {
  if (auto dir = env.get("COMPOZY_CONFIG_DIR")) return std::filesystem::path(*dir);
  if (auto xdg = env.get("XDG_CONFIG_HOME"); xdg && xdg->starts_with('/')) {
    return std::filesystem::path(*xdg) / "compozy";
  }
  if (auto home = env.get("HOME")) return std::filesystem::path(*home) / ".config" / "compozy";
  return fail("cannot find the configuration folder: HOME is not set",
              ExitCode::failure, "set COMPOZY_CONFIG_DIR or HOME");
}

Result<ConfigFile> load_config(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return propagate(text);
  if (!*text) {
    ConfigFile empty;
    empty.path = path;
    return empty;
  }
  return parse_config(**text, path);
}

Result<ConfigFile> parse_config(std::string_view text, const std::filesystem::path& path) {
  ConfigFile config;
  config.path = path;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return fail_at(path, error.mark, "", error.msg);
  }
  if (root.IsNull()) return config;
  if (!root.IsMap()) return fail_at(path, root.Mark(), "", "expected a mapping at the top level");

  try {
    for (const auto& entry : root) {
      auto key = read_key(path, entry.first, "");
      if (!key) return propagate(key);
      Result<void> read;
      if (*key == "profiles") {
        read = read_profiles(path, entry.second, config);
      } else if (*key == "current_profile") {
        read = read_current_profile(path, entry.second, config);
      } else if (*key == "aliases") {
        read = read_aliases(path, entry.second, config);
      } else if (*key == "api_key_rotation_age") {
        auto age = read_age(path, entry.second, *key);
        if (age) config.api_key_rotation_age = *age;
        read = age ? Result<void>{} : propagate(age);
      } else if (*key == "device_name" || *key == "inactive_session_age") {
        read = read_machine_settings(path, *key, entry.second, config);
      } else {
        config.warnings.push_back(unknown_key(path, entry.first, *key));
      }
      if (!read) return propagate(read);
    }
  } catch (const YAML::Exception& error) {
    return fail_at(path, error.mark, "", error.msg);
  }
  return config;
}

std::string_view describe(SettingSource source) {
  switch (source) {
    case SettingSource::flag:
      return "flag";
    case SettingSource::environment:
      return "environment";
    case SettingSource::profile:
      return "config file";
    case SettingSource::built_in:
      return "default";
  }
  return "default";
}

std::string_view source_name(SettingSource source) {
  switch (source) {
    case SettingSource::flag: return "flag";
    case SettingSource::environment: return "environment";
    case SettingSource::profile: return "config";
    case SettingSource::built_in: return "default";
  }
  return "default";
}

bool is_valid_profile_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && name.front() != '.' && name.front() != '-' &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
         });
}

Result<std::string> normalize_host(std::string_view host) {
  auto url = parse_url(host);
  if (!url) return propagate(url);
  if (url->target.find('?') != std::string::npos) {
    return fail("invalid host '" + std::string(host) + "': a host URL has no query");
  }
  if (url->scheme == "http" && !url->is_loopback()) {
    return fail("refusing plain http for '" + std::string(host) + "': credentials would cross the network unencrypted",
                ExitCode::failure, "use an https:// URL");
  }
  std::string path = url->path();
  while (!path.empty() && path.back() == '/') path.pop_back();
  return url->origin() + path;
}

Result<std::optional<std::chrono::seconds>> http_timeout_setting(const Environment& env) {
  const auto value = env.get("COMPOZY_HTTP_TIMEOUT");
  if (!value) return std::optional<std::chrono::seconds>();
  const auto timeout = parse_duration(*value);
  if (!timeout || timeout->count() == 0 || *timeout > std::chrono::hours(24)) {
    return fail("COMPOZY_HTTP_TIMEOUT is not a duration ('" + *value + "')", ExitCode::usage,
                "set it to seconds or a duration such as 30s or 2m, or unset it for the default of 30 s");
  }
  return std::optional<std::chrono::seconds>(*timeout);
}

std::string configured_host(const ConfigFile& config, std::string_view profile) {
  const auto found = config.profiles.find(std::string(profile));
  if (found == config.profiles.end() || !found->second.host) return default_host;
  return normalize_host(*found->second.host).value_or(*found->second.host);
}

std::chrono::seconds api_key_rotation_age(const ConfigFile& config, std::string_view profile) {
  const auto entry = config.profiles.find(std::string(profile));
  if (entry != config.profiles.end() && entry->second.api_key_rotation_age) return *entry->second.api_key_rotation_age;
  return config.api_key_rotation_age.value_or(default_api_key_rotation_age);
}

std::string configured_profile(const ConfigFile& config) { return config.current_profile.value_or(default_profile); }

Result<ProfileChoice> resolve_profile(const std::optional<std::string>& flag, const Environment& env,
                                      const ConfigFile& config) {
  ProfileChoice choice{default_profile, SettingSource::built_in};
  if (config.current_profile && !env.has(api_key_variable)) choice = {*config.current_profile, SettingSource::profile};
  if (flag) {
    choice = {*flag, SettingSource::flag};
  } else if (auto from_env = env.get("COMPOZY_PROFILE")) {
    choice = {*from_env, SettingSource::environment};
  }
  if (!is_valid_profile_name(choice.name)) {
    return fail("invalid profile name '" + choice.name + "'" +
                    (choice.source == SettingSource::environment ? " (from COMPOZY_PROFILE)" : ""),
                ExitCode::usage, "a profile name is letters, digits, '-', '_' and '.'");
  }
  return choice;
}

std::string command_for(const Settings& settings, std::string_view command) {
  std::string line = "compozy " + std::string(command);
  // A profile chosen on this command line or in this shell is named: the hint
  // may be followed in another terminal, or after `profile use` in one.
  const bool profile_given =
      settings.profile_source == SettingSource::flag || settings.profile_source == SettingSource::environment;
  if (profile_given || settings.profile != settings.implicit_profile) line += " --profile " + settings.profile;
  const bool host_given = settings.host_source == SettingSource::flag || settings.host_source == SettingSource::environment;
  if (host_given) line += " --host " + settings.host;
  return line;
}

Result<Settings> resolve_settings(const SettingFlags& flags, const Environment& env, const ConfigFile& config) {
  Settings settings;
  auto choice = resolve_profile(flags.profile, env, config);
  if (!choice) return propagate(choice);
  settings.profile = std::move(choice->name);
  settings.profile_source = choice->source;
  auto implicit = resolve_profile(std::nullopt, env, config);
  settings.implicit_profile = implicit ? implicit->name : settings.profile;
  const auto found = config.profiles.find(settings.profile);
  const ProfileConfig profile = found != config.profiles.end() ? found->second : ProfileConfig{};

  std::string host = default_host;
  if (flags.host) {
    host = *flags.host;
    settings.host_source = SettingSource::flag;
  } else if (auto from_env = env.get("COMPOZY_HOST")) {
    host = *from_env;
    settings.host_source = SettingSource::environment;
  } else if (profile.host) {
    host = *profile.host;
    settings.host_source = SettingSource::profile;
  }
  auto normalized = normalize_host(host);
  if (!normalized) {
    return propagate(normalized, "host of profile '" + settings.profile + "' (from " +
                                 std::string(describe(settings.host_source)) + ")");
  }
  settings.host = std::move(*normalized);

  settings.client_id = env.get("COMPOZY_CLIENT_ID").value_or(profile.client_id.value_or(default_client_id));
  settings.scopes = profile.scopes.value_or(default_scopes);
  return settings;
}

}  // namespace compozy
