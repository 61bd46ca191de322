// Aliases (`aliases:` in config.yaml, e.g. `st: auth status`) are looked up
// only when no plugin matches, so running a plugin never reads config. The
// dispatcher links no YAML parser: it asks the `compozy-alias` tool of its own
// installation, which reads config.yaml as every other tool does.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace compozy::dispatch {

struct Alias {
  std::string name;
  std::string expansion;  // "auth status", or "!shell command" as in git
};

// The output of `compozy-alias --null`: name NUL expansion NUL, repeated.
std::vector<Alias> parse_alias_listing(std::string_view listing);

// Runs `compozy-alias --null` from the first exec folder that has it. Its
// errors (a malformed config.yaml) reach the user on stderr; no aliases then.
// A listing that takes longer or is larger than this is not waited for.
inline constexpr std::chrono::seconds alias_listing_timeout{10};
inline constexpr std::size_t alias_listing_max_bytes = 1 << 20;
std::vector<Alias> load_aliases(const std::vector<std::string>& exec_dirs);

// Splits an alias the way git's split_cmdline does: on blanks, with '...' and
// "..." quoting and backslash escapes. nullopt for an unclosed quote.
std::optional<std::vector<std::string>> split_command_line(std::string_view line);

}  // namespace compozy::dispatch
