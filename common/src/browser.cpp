#include "compozy/browser.hpp"

#include <unistd.h>

#include "compozy/child_process.hpp"
#include "compozy/active_credential.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

bool on_path(const Environment& env, std::string_view program) {
  const std::string path = env.get("PATH").value_or("/usr/bin:/bin");
  std::string_view rest = path;
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    if (dir.starts_with('/') && ::access((dir + "/" + std::string(program)).c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> browser_command(const Environment& env) {
  if (const auto browser = env.get("BROWSER")) {
    // Python's webbrowser allows a list of commands separated by ':'; the first is used.
    auto words = split_words(std::string_view(*browser).substr(0, browser->find(':')));
    if (!words.empty()) return words;
  }
  if (env.has("SSH_CONNECTION") || env.has("SSH_TTY")) return std::nullopt;
  if ((env.has("DISPLAY") || env.has("WAYLAND_DISPLAY")) && on_path(env, "xdg-open")) {
    return std::vector<std::string>{"xdg-open"};
  }
  return std::nullopt;
}

Result<void> open_in_browser(const std::vector<std::string>& command, std::string_view url) {
  ChildProcess browser;
  browser.argv = command;
  bool placed = false;
  for (auto& word : browser.argv) {
    if (const auto at = word.find("%s"); at != std::string::npos) {
      word.replace(at, 2, url);
      placed = true;
    }
  }
  if (!placed) browser.argv.emplace_back(url);
  browser.program = browser.argv.front();
  browser.input = browser.output = browser.errors = ChildProcess::Stream::null;
  browser.own_session = true;
  // The browser needs none of our secrets.
  browser.environment_changes = {{api_key_variable, std::nullopt}};
  if (auto started = browser.start(); !started) return propagate(started, "opening the browser");
  return {};
}

}  // namespace compozy
