#include "launcher.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "compozy/child_process.hpp"
#include "compozy/core_commands.hpp"
#include "exit_codes.hpp"

namespace compozy::dispatch {

namespace {

void print(std::FILE* stream, std::string_view text) { std::fwrite(text.data(), 1, text.size(), stream); }

// execve says ENOENT for a script whose interpreter is missing.
std::string missing_interpreter(const std::string& path) {
  std::ifstream stream(path);
  std::string first_line;
  std::getline(stream, first_line);
  if (!first_line.starts_with("#!")) return {};
  std::string interpreter = first_line.substr(2);
  interpreter.erase(0, interpreter.find_first_not_of(" \t"));
  return interpreter.substr(0, interpreter.find_first_of(" \t\r"));
}

}  // namespace

ProcessLauncher::ProcessLauncher(std::vector<std::string> exec_dirs, std::vector<SearchDir> dirs, std::string self)
    : exec_dirs_(std::move(exec_dirs)), dirs_(std::move(dirs)), self_(std::move(self)) {}

int ProcessLauncher::exec_plugin(const std::string& path, std::span<const std::string> args) {
  ChildProcess plugin;
  plugin.program = path;
  plugin.argv.push_back(path.substr(path.rfind('/') + 1));
  plugin.argv.insert(plugin.argv.end(), args.begin(), args.end());
  plugin.environment_changes.emplace_back("COMPOZY_EXEC_PATH", join_dirs(exec_dirs_));
  if (!self_.empty()) plugin.environment_changes.emplace_back("COMPOZY_BIN", self_);
  return plugin.exec();
}

int ProcessLauncher::exec_shell_alias(const std::string& command, std::span<const std::string> args) {
  // As git runs "!" aliases: the rest of the command line becomes "$@".
  ChildProcess shell;
  shell.program = "/bin/sh";
  shell.argv = {"sh", "-c", command + " \"$@\"", command};
  shell.argv.insert(shell.argv.end(), args.begin(), args.end());
  return shell.exec();
}

std::vector<Alias> ProcessLauncher::aliases() { return load_aliases(exec_dirs_); }

std::vector<FoundPlugin> ProcessLauncher::plugins() { return find_plugins(dirs_); }

int report_exec_failure(std::FILE* err, const std::string& path, int error_number) {
  const std::string file = path.substr(path.rfind('/') + 1);
  std::string reason;
  switch (error_number) {
    case EACCES:
      reason = "it is not executable (permission denied); try chmod +x";
      break;
    case ENOEXEC:
      reason = "it is not in an executable format (a script needs a '#!' line)";
      break;
    case ENOENT: {
      const std::string interpreter = missing_interpreter(path);
      if (interpreter.empty()) {
        print(err, "compozy: '" + path + "' disappeared before it could run\n");
        return exit_unknown_command;
      }
      reason = "bad interpreter '" + interpreter + "': no such file";
      break;
    }
    default:
      reason = std::strerror(error_number);
  }
  print(err, "compozy: cannot run '" + display_name(file) + "' (" + path + "): " + reason + "\n");
  return exit_cannot_run;
}

}  // namespace compozy::dispatch
