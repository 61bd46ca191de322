#include "compozy/browser.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>

extern char** environ;

namespace compozy {

namespace {

bool on_path(const Environment& env, std::string_view program) {
  std::string_view path = env.get("PATH").value_or("/usr/bin:/bin");
  std::string owned(path);
  path = owned;
  while (!path.empty()) {
    const auto colon = path.find(':');
    const std::string dir(path.substr(0, colon));
    if (dir.starts_with('/') && ::access((dir + "/" + std::string(program)).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    path.remove_prefix(colon + 1);
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> browser_command(const Environment& env) {
  if (const auto browser = env.get("BROWSER")) {
    // Python's webbrowser allows a list of commands separated by ':'; the first is used.
    std::string_view first(*browser);
    first = first.substr(0, first.find(':'));
    std::vector<std::string> words;
    for (std::size_t start = 0; start < first.size();) {
      const auto end = std::min(first.find(' ', start), first.size());
      if (end > start) words.emplace_back(first.substr(start, end - start));
      start = end + 1;
    }
    if (!words.empty()) return words;
  }
  if (env.has("SSH_CONNECTION") || env.has("SSH_TTY")) return std::nullopt;
  if ((env.has("DISPLAY") || env.has("WAYLAND_DISPLAY")) && on_path(env, "xdg-open")) {
    return std::vector<std::string>{"xdg-open"};
  }
  return std::nullopt;
}

Result<void> open_in_browser(const std::vector<std::string>& command, std::string_view url) {
  std::vector<std::string> words = command;
  bool placed = false;
  for (auto& word : words) {
    if (const auto at = word.find("%s"); at != std::string::npos) {
      word.replace(at, 2, url);
      placed = true;
    }
  }
  if (!placed) words.emplace_back(url);
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int error_number = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error_number != 0) {
    return fail("cannot start the browser '" + command.front() + "': " + std::strerror(error_number));
  }
  return {};
}

}  // namespace compozy
