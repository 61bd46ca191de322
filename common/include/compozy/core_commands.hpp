// The commands that ship with compozy, as data: one table feeds the help
// overview, the plugin list's warnings, each tool's own --help (the summary is
// written once, here), the "not installed" message that names the package to
// install, and the test that each one was built.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace compozy {

inline constexpr std::string_view plugin_prefix = "compozy-";

// The Debian package of the dispatcher; a core command of another package is
// optional, and hidden from help while it is not installed.
inline constexpr std::string_view dispatcher_package = "compozy";

struct CoreCommand {
  std::string_view name;  // as typed: "auth revoke-all"
  std::string_view summary;
  // The Debian package that ships its executable, named when it is missing.
  std::string_view package = dispatcher_package;
};

std::span<const CoreCommand> core_commands();

// Commands the dispatcher answers itself; a plugin of the same name never runs.
std::span<const std::string_view> builtin_commands();

// "auth revoke-all" -> "compozy-auth-revoke-all".
std::string core_file_name(std::string_view name);

// The core command whose executable is `file`, if any.
std::optional<CoreCommand> find_core_command(std::string_view file);
// The core command typed as `name` ("auth status"), if any.
std::optional<CoreCommand> core_command_named(std::string_view name);

// How to show a plugin's file as a command: a core command as the table spells
// it, any other with its dashes read as spaces (compozy-foo-bar -> "foo bar").
std::string display_name(std::string_view file);

}  // namespace compozy
