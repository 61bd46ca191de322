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
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> last_used_at;
  std::optional<TimePoint> expires_at;
  bool current = false;  // the session this machine's token belongs to
};

// Each call authenticates with `credential`; a 401 is exit 4 ("run `compozy login`").
Result<std::vector<Session>> list_sessions(Context& context, const ActiveCredential& credential);
Result<void> revoke_session(Context& context, const ActiveCredential& credential, std::string_view id);
Result<int> revoke_all_sessions(Context& context, const ActiveCredential& credential);

// `auth list --json` (schema_version 1).
nlohmann::json sessions_json(std::string_view host, const std::vector<Session>& sessions);
// `auth list`: a table on a terminal (times relative to `now`), tab-separated
// lines with RFC 3339 times when piped.
void print_sessions(Output& out, std::string_view host, const std::vector<Session>& sessions, TimePoint now);

}  // namespace compozy
