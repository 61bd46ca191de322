// The dispatcher's own exit codes (a plugin's pass through untouched).
#pragma once

namespace compozy::dispatch {

inline constexpr int exit_ok = 0;
inline constexpr int exit_unknown_command = 1;  // also a known synonym ("auth login"), with a hint
inline constexpr int exit_usage = 2;
inline constexpr int exit_cannot_run = 126;            // as a shell says for a file it cannot run
// As a shell says for a command it cannot find: an alias naming no command, and
// a core command whose tool is not installed ("it is in the package compozy-devcloud").
inline constexpr int exit_alias_target_missing = 127;
inline constexpr int exit_not_installed = 127;

}  // namespace compozy::dispatch
