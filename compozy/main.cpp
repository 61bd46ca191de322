// compozy: find the tool for a command and exec it, as git runs git-<cmd>.
//
//   compozy [--host URL] [--profile NAME] <command> [<args>]
//
// `compozy auth status x` runs compozy-auth-status with "x" (longest
// dash-joined name first), found in this installation's exec folder, then on
// PATH (dispatcher.hpp). Exit codes: 0 ok, 1 unknown command, 2 bad usage,
// 126 a plugin that cannot be run, 127 an alias naming no command or a core
// command that is not installed (the message names its package); a plugin's
// own pass through.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "compozy/child_process.hpp"
#include "dispatcher.hpp"

int main(int argc, char** argv) {
  using namespace compozy::dispatch;
  const std::string self = compozy::self_executable_path();
  auto exec_folders = exec_dirs(std::getenv("COMPOZY_EXEC_PATH"), self);
  auto folders = search_path(exec_folders, std::getenv("PATH"));
  ProcessLauncher launcher(exec_folders, folders, self);
  Dispatcher dispatcher(exec_folders, folders, launcher, probe_file, stdout, stderr);
  return dispatcher.run(std::vector<std::string>(argv + 1, argv + argc));
}
