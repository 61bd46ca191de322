// The dispatcher's own exit codes (a plugin's pass through untouched).
#pragma once

namespace compozy::dispatch {

inline constexpr int exit_ok = 0;
inline constexpr int exit_unknown_command = 1;
inline constexpr int exit_usage = 2;
inline constexpr int exit_cannot_run = 126;            // as a shell says for a file it cannot run
inline constexpr int exit_alias_target_missing = 127;  // as a shell says for a command it cannot find

}  // namespace compozy::dispatch
