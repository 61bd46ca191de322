// Everything a command shows. One rule for every command: what the command was
// asked for is data, on stdout (a token, JSON, a table, the report `auth status`
// gives); messages about the work (progress, ✓ done, warning:, error:, hint:)
// are on stderr. Colour only on a terminal and never with NO_COLOR, a spinner
// while waiting, tables that fit the terminal (tab-separated when piped), and JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/timestamp.hpp"

namespace compozy {

// What the streams are attached to: read from the process, or given by a test.
struct Terminal {
  bool stdin_is_terminal = false;
  bool stdout_is_terminal = false;
  bool stderr_is_terminal = false;
  bool color_allowed = true;  // false with NO_COLOR or TERM=dumb
  int width = 80;             // of the terminal on stdout

  static Terminal of_process(const Environment& env);
};

class Output {
 public:
  explicit Output(const Environment& env) : Output(Terminal::of_process(env), stdout, stderr) {}
  Output(Terminal terminal, std::FILE* out, std::FILE* err);

  void data(std::string_view text);            // stdout, as given
  void json(const nlohmann::json& document);   // stdout, indented, one trailing newline
  void report(std::string_view line);          // stdout, one line of a report made safe
  void info(std::string_view line);            // stderr, one line made safe
  void success(std::string_view line);         // stderr, "✓ " in green on a terminal
  void warning(std::string_view line);         // stderr, "warning: …"
  std::string bold(std::string_view text) const;
  std::string dim(std::string_view text) const;
  // "✓", "✗" and "!", in green, red and yellow, for report and info lines.
  std::string check_mark() const;
  std::string cross_mark() const;
  std::string attention_mark() const;

  // Columns aligned to fit the terminal, the widest cells shortened with "…"
  // (never those of the columns in `keep_whole`, such as IDs to copy); when
  // stdout is not a terminal, tab-separated rows without the header.
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
             const std::vector<std::size_t>& keep_whole = {});

  bool stdout_is_terminal() const { return terminal_.stdout_is_terminal; }
  bool stderr_is_terminal() const { return terminal_.stderr_is_terminal; }
  bool stdin_is_terminal() const { return terminal_.stdin_is_terminal; }
  std::FILE* err() const { return err_; }

 private:
  std::string paint(std::string_view code, std::string_view text, bool on) const;

  Terminal terminal_;
  std::FILE* out_;
  std::FILE* err_;
  bool color_out_;
  bool color_err_;
};

// "⠋ Waiting for approval in the browser… 12s", redrawn on a terminal;
// elsewhere the message is printed once. Stops and clears its line when destroyed.
class Spinner {
 public:
  Spinner(Output& output, std::string message);
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;
  ~Spinner();
  void stop();

 private:
  Output& output_;
  std::string message_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

// "in 59 minutes", "3 hours ago", "in 12 seconds".
std::string relative_time(TimePoint when, TimePoint now);

}  // namespace compozy
