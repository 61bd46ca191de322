// config.yaml and the settings of one profile.
//
//   current_profile: work          # set by `compozy profile use`
//   profiles:
//     default:
//       host: https://cloud.compozy.com
//     work:
//       host: https://compozy.internal.example
//       client_id: compozy-cli
//       scopes: [openid, email, offline_access]
//       api_key_scopes: [read]     # FLYZT_API_KEY should hold no more (auth status warns)
//   api_key_rotation_age: 90d      # auth status warns of an API key older (also per profile)
//   aliases:
//     st: auth status
//
// Each setting comes from, in order: a flag, the environment (COMPOZY_HOST,
// COMPOZY_CLIENT_ID, COMPOZY_PROFILE), the profile, the built-in default. The
// profile itself comes from --profile, then COMPOZY_PROFILE, then
// current_profile, then "default": a terminal that sets COMPOZY_PROFILE keeps
// its profile when another one runs `compozy profile use` (as kubectl's
// current-context, which every terminal shares). A command reads the file
// once, so its host and its credential always belong to one profile.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"

namespace YAML {
class Node;
}

namespace compozy {

inline constexpr char default_host[] = "https://cloud.compozy.com";
inline constexpr char default_client_id[] = "compozy-cli";
inline constexpr char default_profile[] = "default";
// An API key for CI; it wins over stored credentials (active_credential.hpp).
inline constexpr char api_key_variable[] = "FLYZT_API_KEY";
// OpenID Connect Core 1.0: `openid` makes it an OpenID request, `email` is the
// scope that releases the account's address at the userinfo endpoint (without
// it a conformant provider returns only `sub`), and `offline_access` asks for
// a refresh token (§11).
inline const std::vector<std::string> default_scopes{"openid", "email", "offline_access"};

struct ProfileConfig {
  std::optional<std::string> host;
  std::optional<std::string> client_id;
  std::optional<std::vector<std::string>> scopes;
  // Where login keeps the tokens: "file", "secret-service" or a helper's name (secret_store.hpp).
  std::optional<std::string> credential_store;
  // The most an API key used with this profile should be allowed; `auth status` warns of more.
  std::optional<std::vector<std::string>> api_key_scopes;
  std::optional<std::chrono::seconds> api_key_rotation_age;
};

// The age past which `auth status` says an API key is due for rotation.
inline constexpr std::chrono::seconds default_api_key_rotation_age{90LL * 86400};

struct ConfigFile {
  std::filesystem::path path;
  std::optional<std::string> current_profile;  // `compozy profile use`
  std::map<std::string, ProfileConfig> profiles;
  std::vector<std::pair<std::string, std::string>> aliases;  // in file order
  std::optional<std::string> device_name;  // what sign-ins call this machine instead of its host name
  std::optional<std::chrono::seconds> inactive_session_age;  // `auth list` flags sessions unused for longer
  std::vector<std::string> warnings;  // unknown keys, said once per command
  std::optional<std::chrono::seconds> api_key_rotation_age;
};

// The profile's api_key_rotation_age, else the file's, else default_api_key_rotation_age.
std::chrono::seconds api_key_rotation_age(const ConfigFile& config, std::string_view profile);

// COMPOZY_CONFIG_DIR, else $XDG_CONFIG_HOME/compozy, else ~/.config/compozy.
Result<std::filesystem::path> config_dir(const Environment& env);

// A missing file is an empty configuration. A malformed one is an error that
// names the file, the line and the key.
Result<ConfigFile> load_config(const std::filesystem::path& path);
// The same, from text already read (`path` is for messages).
Result<ConfigFile> parse_config(std::string_view text, const std::filesystem::path& path);

// Changes config.yaml under an advisory lock (config.lock beside it) and
// replaces it atomically, so two commands editing it at once both land and a
// crash never leaves half a file. `change` edits the whole document and says
// whether it changed anything; every key it does not touch (aliases, other
// profiles, keys this version does not know) is written back as it was, in
// its order. yaml-cpp keeps no comments: those at the top of the file are
// kept, any others are lost. A file that does not parse is never replaced;
// the error names the file and the line, as load_config does.
using ConfigChange = std::function<Result<bool>(YAML::Node& root)>;
Result<void> edit_config(const std::filesystem::path& path, const ConfigChange& change);

// The edits the profile commands make, each one edit_config.
Result<void> set_profile_host(const std::filesystem::path& path, std::string_view profile, std::string_view host);
Result<void> set_current_profile(const std::filesystem::path& path, std::string_view profile);
// profiles.NAME.credential_store, as `compozy login --store` records it.
Result<void> set_profile_credential_store(const std::filesystem::path& path, std::string_view profile,
                                          std::string_view store);
// Removes profiles.NAME; when it was current_profile, that key goes too, so
// "default" is active again. Whether there was anything to remove.
Result<bool> remove_profile_config(const std::filesystem::path& path, std::string_view profile);

enum class SettingSource { flag, environment, profile, built_in };
std::string_view describe(SettingSource source);
// For JSON: "flag", "environment", "config", "default".
std::string_view source_name(SettingSource source);

struct ProfileChoice {
  std::string name;
  SettingSource source = SettingSource::built_in;  // profile: current_profile in config.yaml
};
// --profile, COMPOZY_PROFILE, current_profile, "default"; a bad name is a usage
// error. With FLYZT_API_KEY set, current_profile is passed over: the key is
// bound to no host, and `profile use` in another terminal must not choose
// where it is sent.
Result<ProfileChoice> resolve_profile(const std::optional<std::string>& flag, const Environment& env,
                                      const ConfigFile& config);
// The host config.yaml gives the profile (normalised), else the built-in default.
std::string configured_host(const ConfigFile& config, std::string_view profile);
// The profile a command uses with neither --profile nor COMPOZY_PROFILE.
std::string configured_profile(const ConfigFile& config);

struct Settings {
  std::string profile;
  SettingSource profile_source = SettingSource::built_in;
  // What this shell chooses without --profile (COMPOZY_PROFILE, else config.yaml):
  // a hint names --profile when the profile is another, so that it reproduces.
  std::string implicit_profile = default_profile;
  std::string host;  // normalised origin and path, no trailing slash
  SettingSource host_source = SettingSource::built_in;
  std::string client_id;
  std::vector<std::string> scopes;
};

struct SettingFlags {
  std::optional<std::string> profile = std::nullopt;
  std::optional<std::string> host = std::nullopt;
};

// A profile that is not in the file is fine (it has the defaults), so a first
// `compozy login --profile work --host …` needs no config at all.
Result<Settings> resolve_settings(const SettingFlags& flags, const Environment& env, const ConfigFile& config);

// A command line that acts on the same profile and host as this command, for
// hints: "compozy login --profile work --host https://x". --profile is named
// when the profile is not the one config.yaml makes active, --host when the
// host came from a flag or the environment, so following the hint elsewhere
// signs in to the same place.
std::string command_for(const Settings& settings, std::string_view command);

// Plain http is allowed only to this machine; credentials never cross a
// network unencrypted.
Result<std::string> normalize_host(std::string_view host);

bool is_valid_profile_name(std::string_view name);

// COMPOZY_HTTP_TIMEOUT: the deadline of each request ("30", "30s", "2m"), nullopt
// when unset; a value that is not a positive duration is a usage error.
Result<std::optional<std::chrono::seconds>> http_timeout_setting(const Environment& env);

}  // namespace compozy
