// config.yaml and the settings of one profile.
//
//   profiles:
//     default:
//       host: https://cloud.compozy.com
//     work:
//       host: https://compozy.internal.example
//       client_id: compozy-cli
//       scopes: [openid, email, offline_access]
//   aliases:
//     st: auth status
//
// Each setting comes from, in order: a flag, the environment (COMPOZY_HOST,
// COMPOZY_CLIENT_ID, COMPOZY_PROFILE), the profile, the built-in default.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"

namespace compozy {

inline constexpr char default_host[] = "https://cloud.compozy.com";
inline constexpr char default_client_id[] = "compozy-cli";
inline constexpr char default_profile[] = "default";
// OpenID Connect Core 1.0: `openid` makes it an OpenID request, `email` is the
// scope that releases the account's address at the userinfo endpoint (without
// it a conformant provider returns only `sub`), and `offline_access` asks for
// a refresh token (§11).
inline const std::vector<std::string> default_scopes{"openid", "email", "offline_access"};

struct ProfileConfig {
  std::optional<std::string> host;
  std::optional<std::string> client_id;
  std::optional<std::vector<std::string>> scopes;
};

struct ConfigFile {
  std::filesystem::path path;
  std::map<std::string, ProfileConfig> profiles;
  std::vector<std::pair<std::string, std::string>> aliases;  // in file order
  std::vector<std::string> warnings;  // unknown keys, said once per command
};

// COMPOZY_CONFIG_DIR, else $XDG_CONFIG_HOME/compozy, else ~/.config/compozy.
Result<std::filesystem::path> config_dir(const Environment& env);

// A missing file is an empty configuration. A malformed one is an error that
// names the file, the line and the key.
Result<ConfigFile> load_config(const std::filesystem::path& path);
// The same, from text already read (`path` is for messages).
Result<ConfigFile> parse_config(std::string_view text, const std::filesystem::path& path);

enum class SettingSource { flag, environment, profile, built_in };
std::string_view describe(SettingSource source);

struct Settings {
  std::string profile;
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

// Plain http is allowed only to this machine; credentials never cross a
// network unencrypted.
Result<std::string> normalize_host(std::string_view host);

bool is_valid_profile_name(std::string_view name);

// COMPOZY_HTTP_TIMEOUT: the deadline of each request ("30", "30s", "2m"), nullopt
// when unset; a value that is not a positive duration is a usage error.
Result<std::optional<std::chrono::seconds>> http_timeout_setting(const Environment& env);

}  // namespace compozy
