// From `compozy [options] WORDS…` to what runs: a plugin (exec'd, so its exit
// status and signals reach the shell untouched), a built-in, a group listing,
// an alias, or "not a compozy command" with suggestions.
#pragma once

#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "launcher.hpp"
#include "resolve.hpp"
#include "search_path.hpp"

namespace compozy::dispatch {

class Dispatcher {
 public:
  Dispatcher(std::vector<std::string> exec_dirs, std::vector<SearchDir> dirs, Launcher& launcher, ProbeFile probe,
             std::FILE* out, std::FILE* err);

  // The whole command line after the program name; the exit status (when no plugin took over).
  int run(std::vector<std::string> args);

 private:
  // What the leading words name, tried in the order that dispatching uses.
  struct Target {
    enum class Kind { plugin, not_executable, group, alias, unknown };
    Kind kind = Kind::unknown;
    std::string path;          // plugin, not_executable
    std::size_t words = 0;     // the words the name took
    const Alias* alias = nullptr;
  };
  Target find_target(std::span<const std::string> args);

  int dispatch_command(std::vector<std::string> args);
  int run_builtin(std::span<const std::string> args);
  int help(std::span<const std::string> args);
  int unknown_command(std::span<const std::string> args, std::size_t word_count);

  const std::vector<FoundPlugin>& plugins();
  const std::vector<Alias>& aliases();

  std::vector<std::string> exec_dirs_;
  std::vector<SearchDir> dirs_;
  Launcher& launcher_;
  ProbeFile probe_;
  std::FILE* out_;
  std::FILE* err_;
  std::optional<std::vector<FoundPlugin>> plugins_;
  std::optional<std::vector<Alias>> aliases_;
};

}  // namespace compozy::dispatch
