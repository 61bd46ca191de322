// Running another program: the one way the suite does it, in the manner of
// git's struct child_process. The dispatcher execs a plugin or a shell alias,
// reads the alias listing, a tool hands over to a sibling tool of its own
// installation, and login starts the browser; each is a ChildProcess.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compozy/error.hpp"

namespace compozy {

struct ChildProcess {
  enum class Stream { inherit, null, pipe };

  std::string program;            // a path, or a bare name looked up on PATH
  std::vector<std::string> argv;  // argv[0] included
  // Set on top of this process's environment; nullopt removes the variable.
  std::vector<std::pair<std::string, std::optional<std::string>>> environment_changes;
  Stream input = Stream::inherit;   // pipe: run() writes its input there
  Stream output = Stream::inherit;  // pipe: run() collects it
  Stream errors = Stream::inherit;
  // A child of its own session: Ctrl-C in the terminal does not reach it
  // (a browser outlives the login that opened it).
  bool own_session = false;

  // Replaces this process. Returns only when the exec failed, with its errno.
  [[nodiscard]] int exec() const;

  // Starts it and does not wait for it. Pipes are for run().
  Result<void> start() const;

  struct Finished {
    int exit_status = 0;          // WEXITSTATUS, or 128 + the signal that ended it
    bool ended_by_signal = false;
    std::string output;           // what it wrote to a piped stdout
    std::string errors;           // the first 4 KiB it wrote to a piped stderr
  };
  // Runs it to its end: writes `input_text` to a piped stdin, collects a piped
  // stdout and stderr. It is killed, and this fails, past `timeout`, past `max_output`
  // bytes of output, or on Ctrl-C (exit 130).
  Result<Finished> run(std::string_view input_text, std::chrono::milliseconds timeout,
                       std::size_t max_output) const;
};

// This executable's own path, from /proc/self/exe; empty when it cannot be read.
std::string self_executable_path();

// Replaces this process with `name` from this executable's own folder, never
// from PATH, so nothing planted there can stand in for a tool of this
// installation. Returns only the failure.
using EnvironmentChanges = decltype(ChildProcess::environment_changes);
std::unexpected<Error> exec_sibling_tool(std::string_view name, std::vector<std::string> arguments,
                                         EnvironmentChanges environment_changes = {});

}  // namespace compozy
