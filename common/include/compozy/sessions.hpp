// The account's sessions, through the Compozy sessions API
// (GET/DELETE /api/v1/auth/sessions, POST /api/v1/auth/sessions/revoke-all).
// A plain OAuth server has no such API; that is said plainly, never mistaken
// for an empty list.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "compozy/refresh.hpp"
#include "compozy/command.hpp"

namespace compozy {

struct Session {
  std::string id;
  std::string client_id;
  std::string user_agent;
  std::string device_name;     // what the device called itself at sign-in (device_name)
  std::string device_os;       // and its operating system (device_os)
  std::string last_used_from;  // the address of its last use
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> last_used_at;
  std::optional<TimePoint> expires_at;
  bool current = false;  // the session this machine's token belongs to
};

// Sessions unused for longer than this are flagged by `auth list` (inactive_session_age in config.yaml).
inline constexpr std::chrono::seconds default_inactive_session_age = std::chrono::days(30);
std::chrono::seconds inactive_session_age(const ConfigFile& config);

// Unused (last used, else created) for longer than `age` before `now`. This machine's
// session never is: listing the sessions has just used it. One the server gives no
// time for is not judged.
bool is_inactive(const Session& session, TimePoint now, std::chrono::seconds age);

// Each call authenticates with `credential`; a 401 is exit 4 ("run `compozy login`").
Result<std::vector<Session>> list_sessions(Context& context, const ActiveCredential& credential);
Result<void> revoke_session(Context& context, const ActiveCredential& credential, std::string_view id);
Result<int> revoke_all_sessions(Context& context, const ActiveCredential& credential);

// `auth list --json` (schema_version 1).
// `inactive` is judged at `now` against `inactive_age`.
nlohmann::json sessions_json(std::string_view host, const std::vector<Session>& sessions, TimePoint now,
                             std::chrono::seconds inactive_age = default_inactive_session_age);
// `auth list`: a table on a terminal (times relative to `now`), tab-separated
// lines with RFC 3339 times when piped; sessions unused for longer than
// `inactive_age` are marked "inactive".
void print_sessions(Output& out, std::string_view host, const std::vector<Session>& sessions, TimePoint now,
                    std::chrono::seconds inactive_age = default_inactive_session_age);

}  // namespace compozy
