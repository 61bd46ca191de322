// What the dispatcher does to the world outside itself, behind an interface
// (as kubectl's PluginHandler), so that its decisions are unit-tested with a
// double that records calls instead of replacing the test process.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "aliases.hpp"
#include "discovery.hpp"

namespace compozy::dispatch {

class Launcher {
 public:
  virtual ~Launcher() = default;
  // Replace this process; each returns only when that failed, with its errno.
  virtual int exec_plugin(const std::string& path, std::span<const std::string> args) = 0;
  virtual int exec_shell_alias(const std::string& command, std::span<const std::string> args) = 0;
  // Read only when no plugin matched, so running a plugin never pays for them.
  virtual std::vector<Alias> aliases() = 0;
  virtual std::vector<FoundPlugin> plugins() = 0;
};

// The real one: execs with COMPOZY_EXEC_PATH and COMPOZY_BIN exported, for
// plugins to call back into the suite.
class ProcessLauncher final : public Launcher {
 public:
  ProcessLauncher(std::vector<std::string> exec_dirs, std::vector<SearchDir> dirs, std::string self);
  int exec_plugin(const std::string& path, std::span<const std::string> args) override;
  int exec_shell_alias(const std::string& command, std::span<const std::string> args) override;
  std::vector<Alias> aliases() override;
  std::vector<FoundPlugin> plugins() override;

 private:
  std::vector<std::string> exec_dirs_;
  std::vector<SearchDir> dirs_;
  std::string self_;
};

// Why a plugin could not be started, as one line on `err`; the exit status
// (126, as a shell says for a file it cannot run; 1 for one that vanished).
int report_exec_failure(std::FILE* err, const std::string& path, int error_number);

}  // namespace compozy::dispatch
