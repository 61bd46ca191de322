#include "aliases.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "resolve.hpp"

extern char** environ;

namespace compozy::dispatch {

std::vector<Alias> parse_alias_listing(std::string_view listing) {
  std::vector<Alias> aliases;
  std::vector<std::string> fields;
  while (!listing.empty()) {
    const auto nul = listing.find('\0');
    if (nul == std::string_view::npos) break;  // a truncated last field is dropped
    fields.emplace_back(listing.substr(0, nul));
    listing.remove_prefix(nul + 1);
  }
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    aliases.push_back({std::move(fields[i]), std::move(fields[i + 1])});
  }
  return aliases;
}

std::vector<Alias> load_aliases(const std::vector<std::string>& exec_dirs) {
  std::string helper;
  for (const auto& dir : exec_dirs) {
    if (probe_file(dir + "/compozy-alias") == FileKind::executable) {
      helper = dir + "/compozy-alias";
      break;
    }
  }
  if (helper.empty()) return {};

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  char arg0[] = "compozy-alias";
  char arg1[] = "--null";
  char* argv[] = {arg0, arg1, nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);

  std::string listing;
  if (spawned == 0) {
    char buffer[4096];
    for (;;) {
      const ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      listing.append(buffer, static_cast<std::size_t>(got));
    }
  }
  ::close(pipe_fds[0]);
  if (spawned != 0) return {};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return parse_alias_listing(listing);
}

std::optional<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = '\0';
      } else {
        word += c;
      }
    } else if (c == '\\' && quote != '\'') {
      if (++i == line.size()) return std::nullopt;
      word += line[i];
      in_word = true;
    } else if (quote == '"') {
      if (c == '"') {
        quote = '\0';
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != '\0') return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace compozy::dispatch
