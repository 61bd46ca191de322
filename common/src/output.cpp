#include "compozy/output.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "compozy/text.hpp"

namespace compozy {

namespace {


int terminal_width(const Environment& env, std::FILE* stream) {
  winsize size{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const auto columns = env.get("COLUMNS")) {
    int value = 0;
    std::from_chars(columns->data(), columns->data() + columns->size(), value);
    if (value > 0) return value;
  }
  return 80;
}

}  // namespace

Terminal Terminal::of_process(const Environment& env) {
  return Terminal{
      .stdin_is_terminal = ::isatty(STDIN_FILENO) == 1,
      .stdout_is_terminal = ::isatty(STDOUT_FILENO) == 1,
      .stderr_is_terminal = ::isatty(STDERR_FILENO) == 1,
      // https://no-color.org: any non-empty NO_COLOR turns colour off.
      .color_allowed = !env.has("NO_COLOR") && env.get("TERM").value_or("") != "dumb",
      .width = terminal_width(env, stdout),
  };
}

Output::Output(Terminal terminal, std::FILE* out, std::FILE* err)
    : terminal_(terminal),
      out_(out),
      err_(err),
      color_out_(terminal.color_allowed && terminal.stdout_is_terminal),
      color_err_(terminal.color_allowed && terminal.stderr_is_terminal) {}

std::string Output::paint(std::string_view code, std::string_view text, bool on) const {
  if (!on) return std::string(text);
  return "\033[" + std::string(code) + "m" + std::string(text) + "\033[0m";
}

std::string Output::bold(std::string_view text) const { return paint("1", text, color_err_ || color_out_); }
std::string Output::dim(std::string_view text) const { return paint("2", text, color_err_ || color_out_); }

void Output::data(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
}

// ASCII only, with every control character escaped, so a document printed to
// a terminal cannot drive it; invalid UTF-8 from a server becomes U+FFFD
// instead of an exception.
void Output::json(const nlohmann::json& document) {
  data(document.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) + "\n");
}

// Lines mix our words and colours with what servers and files said. Styles
// are painted when either stream takes colour, and each line keeps them only
// if its own stream does.
void Output::info(std::string_view line) {
  const std::string text = (color_err_ ? terminal_safe_keeping_style(line) : terminal_safe_without_style(line)) + "\n";
  std::fwrite(text.data(), 1, text.size(), err_);
}

void Output::report(std::string_view line) {
  data((color_out_ ? terminal_safe_keeping_style(line) : terminal_safe_without_style(line)) + "\n");
}

std::string Output::check_mark() const { return paint("32", "✓", color_err_ || color_out_); }
std::string Output::cross_mark() const { return paint("31", "✗", color_err_ || color_out_); }
std::string Output::attention_mark() const { return paint("33", "!", color_err_ || color_out_); }

void Output::success(std::string_view line) { info(check_mark() + " " + std::string(line)); }

void Output::warning(std::string_view line) { info(paint("33", "warning:", color_err_) + " " + std::string(line)); }

namespace {

std::string as_records(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                       int width) {
  std::size_t label_width = 0;
  for (const auto& name : header) label_width = std::max(label_width, display_width(name));
  const std::size_t room = static_cast<std::size_t>(std::max(width, 1));
  std::string text;
  for (const auto& row : rows) {
    if (!text.empty()) text += "\n";
    for (std::size_t i = 0; i < row.size() && i < header.size(); ++i) {
      if (row[i].empty()) continue;
      if (header[i].empty()) {  // a mark such as "*": it heads the block
        text += row[i] + "\n";
        continue;
      }
      const std::string label = header[i] + std::string(label_width - display_width(header[i]) + 2, ' ');
      // A value longer than the line goes on lines of its own, whole: never cut, and
      // never wrapped by the terminal after a label.
      if (display_width(label) + display_width(row[i]) > room) {
        text += header[i] + "\n" + row[i] + "\n";
      } else {
        text += label + row[i] + "\n";
      }
    }
  }
  return text;
}

}  // namespace

void Output::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& given_rows,
                   const std::vector<std::size_t>& keep_whole) {
  // Cells are data from servers: a tab or newline in one must not make a new field or row.
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : given_rows) {
    auto& safe = rows.emplace_back();
    for (const auto& cell : row) safe.push_back(terminal_safe(cell));
  }
  std::string text;
  if (!terminal_.stdout_is_terminal) {
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) text += (i != 0 ? "\t" : "") + row[i];
      text += "\n";
    }
    data(text);
    return;
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = display_width(header[i]);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  // Shrink the widest column that may shrink until the table fits, never below 4.
  constexpr std::size_t narrowest = 4;
  const auto total = [&] {
    std::size_t sum = widths.empty() ? 0 : (widths.size() - 1) * 2;
    for (auto w : widths) sum += w;
    return sum;
  };
  while (total() > static_cast<std::size_t>(terminal_.width)) {
    std::size_t widest = widths.size();
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const bool whole = std::find(keep_whole.begin(), keep_whole.end(), i) != keep_whole.end();
      if (!whole && widths[i] > narrowest && (widest == widths.size() || widths[i] > widths[widest])) widest = i;
    }
    if (widest == widths.size()) break;
    --widths[widest];
  }
  // Columns kept whole that still do not fit would wrap at the terminal's edge, in the
  // middle of an ID: each row becomes a block of "NAME  value" lines instead, as
  // `kubectl describe` shows what does not fit a row.
  if (total() > static_cast<std::size_t>(terminal_.width)) {
    data(as_records(header, rows, terminal_.width));
    return;
  }
  const auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string result;
    for (std::size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
      std::string cell = fit_to_width(cells[i], widths[i]);
      const bool last = i + 1 == cells.size();
      if (!last) cell += std::string(widths[i] - display_width(cell) + 2, ' ');
      result += cell;
    }
    return (is_header ? paint("1", result, color_out_) : result) + "\n";
  };
  text += line(header, true);
  for (const auto& row : rows) text += line(row, false);
  data(text);
}

Spinner::Spinner(Output& output, std::string message) : output_(output), message_(std::move(message)) {
  if (!output_.stderr_is_terminal()) {
    output_.info(message_);
    return;
  }
  running_ = true;
  thread_ = std::thread([this] {
    static constexpr const char* frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t frame = 0; running_; ++frame) {
      const auto seconds =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(output_.err(), "\r\033[K%s %s %s", frames[frame % 10], message_.c_str(),
                   output_.dim(std::to_string(seconds) + "s").c_str());
      std::fflush(output_.err());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fputs("\r\033[K", output_.err());
    std::fflush(output_.err());
  });
}

void Spinner::stop() {
  if (running_.exchange(false) && thread_.joinable()) thread_.join();
}

Spinner::~Spinner() { stop(); }

std::string relative_time(TimePoint when, TimePoint now) {
  const auto seconds = unix_seconds(when) - unix_seconds(now);
  const auto magnitude = seconds < 0 ? -seconds : seconds;
  const auto phrase = [](long long count, const char* unit) {
    return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
  };
  if (magnitude < 5) return "just now";
  std::string amount;
  if (magnitude < 90) {
    amount = phrase(magnitude, "second");
  } else if (magnitude < 3570) {
    amount = phrase((magnitude + 30) / 60, "minute");
  } else if (magnitude < 48 * 3600) {
    amount = phrase((magnitude + 1800) / 3600, "hour");
  } else {
    amount = phrase((magnitude + 43200) / 86400, "day");
  }
  return seconds < 0 ? amount + " ago" : "in " + amount;
}

}  // namespace compozy
