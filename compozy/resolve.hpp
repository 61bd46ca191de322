// From the words a user typed to the plugin that runs them:
// `compozy auth status x` tries compozy-auth-status-x, then compozy-auth-status,
// then compozy-auth, each in every search folder, longest name first (as kubectl).
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/core_commands.hpp"
#include "search_path.hpp"

namespace compozy::dispatch {

using compozy::plugin_prefix;

enum class FileKind { missing, executable, not_executable };

// Tells what is at a path; the real one stats the file, tests pass their own.
using ProbeFile = std::function<FileKind(const std::string& path)>;
FileKind probe_file(const std::string& path);

// Whether an argument can be part of a command name: letters, digits and
// "-_.+", not starting with "-", and never "/" or "..", so that no typed word
// can reach outside a search folder; never ending in ".manifest", so that a
// plugin's manifest is never taken for a command.
bool is_name_word(std::string_view word);

inline constexpr std::size_t max_file_name = 255;  // NAME_MAX on Linux

// How many leading arguments can be joined into a name; joining stops at the
// first option, at anything that cannot be in a name, and before the name
// would be longer than a file name can be.
std::size_t count_name_words(std::span<const std::string> args);

std::string plugin_file_name(std::span<const std::string> words);  // compozy-auth-status

struct Resolution {
  std::string path;            // the plugin to run; empty when none was found
  std::size_t words = 0;       // how many arguments its name took
  std::string not_executable;  // the longest-named match without a run bit, if nothing ran
};

Resolution resolve_command(std::span<const std::string> args, const std::vector<SearchDir>& dirs,
                           const ProbeFile& probe);

}  // namespace compozy::dispatch
