// The account's API keys, through the Compozy API keys API (/api/v1/api-keys):
// `compozy auth keys create|list|revoke|rotate`. A key's secret is in the
// answer to a create or a rotation only; lists show its prefix.
//
// What the server says is read by pure functions (bounded, made terminal-safe)
// that unit tests feed directly; the requests go through the one credential
// path every command uses (fresh_credential), so a session or a key with
// keys:manage in FLYZT_API_KEY both work.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compozy/command.hpp"
#include "compozy/timestamp.hpp"

namespace compozy {

struct ApiKey {
  std::string id;  // "key_…"
  std::string name;
  std::string prefix;  // "czk_ab12cd34": the secret's first characters
  std::vector<std::string> scopes;
  std::string environment;  // a label, or empty
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> expires_at;  // nullopt: never
  std::optional<TimePoint> last_used_at;
  std::string last_used_from;
  std::string replaced_by;  // the key a rotation made in its place
  // The server's time when it described the key: expiry and age are judged by
  // the clock that refuses keys, not by this machine's.
  std::optional<TimePoint> checked_at;

  TimePoint judged_at(TimePoint local_now) const { return checked_at.value_or(local_now); }
  bool expired(TimePoint now) const { return expires_at && *expires_at <= judged_at(now); }
  bool never_used() const { return !last_used_at; }
};

// A key just made: the only time its secret is known.
struct NewApiKey {
  ApiKey key;
  std::string secret;
  std::optional<ApiKey> replaced;  // after a rotation: the old key, with the end of its grace as expiry
};

struct ApiKeyRequest {
  std::string name;
  std::vector<std::string> scopes = {};  // empty: the server's default
  std::optional<std::chrono::seconds> expires_in = std::nullopt;
  std::string environment = {};
};

// The answers of the API, read strictly enough to be safe and loosely enough
// for new fields: at most 10000 keys, each text cut to a bound and made terminal-safe.
Result<std::vector<ApiKey>> parse_api_key_list(std::string_view body);
Result<NewApiKey> parse_new_api_key(std::string_view body);
std::optional<ApiKey> api_key_from_json(const nlohmann::json& item);

// The key that `id_or_name` names: its ID, else its name when exactly one key has
// it (a key that a rotation replaced counts only when no other has the name).
// Several keys of that name is an error that lists their IDs.
Result<ApiKey> find_api_key(const std::vector<ApiKey>& keys, std::string_view id_or_name);

// The ID|NAME argument of `auth keys revoke` and `rotate`, one reading for both.
void declare_key_argument(cxxopts::Options& options);
Result<std::string> parse_key_argument(const cxxopts::ParseResult& parsed);

// The requests; a 401 is exit 4, a 403 insufficient_scope names the scope (exit 1).
Result<std::vector<ApiKey>> list_api_keys(Context& context);
Result<NewApiKey> create_api_key(Context& context, const ApiKeyRequest& request);
Result<void> revoke_api_key(Context& context, std::string_view id);
Result<NewApiKey> rotate_api_key(Context& context, std::string_view id, std::chrono::seconds grace);

// `auth keys list --json` (schema_version 1), each key flagged expired and never_used.
nlohmann::json api_keys_json(std::string_view host, const std::vector<ApiKey>& keys, TimePoint now);
// `auth keys list`: a table on a terminal (times relative to `now`), tab-separated
// lines with RFC 3339 times when piped. FLAGS says "expired", "never used", "rotated".
void print_api_keys(Output& out, std::string_view host, const std::vector<ApiKey>& keys, TimePoint now);

// The key behind `token` as GET /api/v1/me describes it (its `credential`),
// for `auth status`; nullopt when the server does not say (no such API, or
// the token is not an API key).
Result<std::optional<ApiKey>> fetch_own_api_key(Context& context, std::string_view token);

// What `auth status` warns of an API key in FLYZT_API_KEY: it expires within 7
// days, it is older than `rotation_age`, it holds scopes beyond `allowed` (the
// profile's api_key_scopes, when set). One sentence each, without "warning:".
inline constexpr std::chrono::seconds api_key_expiry_warning{7LL * 86400};
std::vector<std::string> api_key_warnings(const ApiKey& key, TimePoint now, std::chrono::seconds rotation_age,
                                          const std::optional<std::vector<std::string>>& allowed);

// A --scope list as given ("read", "read,write", repeated): each scope once, in order.
Result<std::vector<std::string>> parse_scope_options(const std::vector<std::string>& given);

}  // namespace compozy
