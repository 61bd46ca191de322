#include "manifest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "compozy/text.hpp"

namespace compozy::dispatch {

namespace {

bool is_key_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// What may follow a quoted value or end a plain one: blanks, then nothing or a comment.
bool is_rest_of_line_empty(std::string_view rest) {
  const std::string_view left = trim(rest);
  return left.empty() || (left.front() == '#' && rest.size() > left.size());
}

Result<std::string> double_quoted(std::string_view text) {
  std::string value;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '"') {
      if (!is_rest_of_line_empty(text.substr(i + 1))) return fail("text after the closing '\"'");
      return value;
    }
    if (text[i] == '\\') {
      if (i + 1 == text.size() || (text[i + 1] != '"' && text[i + 1] != '\\')) {
        return fail("only the escapes \\\" and \\\\ are read in a \"…\" value");
      }
      ++i;
    }
    value += text[i];
  }
  return fail("a '\"' is not closed");
}

Result<std::string> single_quoted(std::string_view text) {
  std::string value;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '\'') {
      value += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\'') {
      value += '\'';
      ++i;
    } else {
      if (!is_rest_of_line_empty(text.substr(i + 1))) return fail("text after the closing \"'\"");
      return value;
    }
  }
  return fail("a \"'\" is not closed");
}

// A value as YAML reads it, or an error where YAML would read something else
// than the text (a list, an anchor, a nested mapping): those must be quoted.
Result<std::string> plain(std::string_view text) {
  std::string_view value = text;
  for (std::size_t i = 1; i < value.size(); ++i) {
    if (value[i] == '#' && value[i - 1] == ' ') {
      value = value.substr(0, i);
      break;
    }
  }
  value = trim(value);
  if (value.empty() || value == "~" || value == "null" || value == "Null" || value == "NULL") return std::string();
  constexpr std::string_view always_indicators = ",[]{}#&*!|>%@`";
  constexpr std::string_view indicators_before_blank = "-?:";
  const bool blank_next = value.size() == 1 || value[1] == ' ';
  if (always_indicators.find(value.front()) != std::string_view::npos ||
      (blank_next && indicators_before_blank.find(value.front()) != std::string_view::npos)) {
    return fail(std::string("a value starting with '") + value.front() + "' must be quoted");
  }
  if (value.ends_with(':') || value.find(": ") != std::string_view::npos) {
    return fail("a value with ': ' in it must be quoted");
  }
  return std::string(value);
}

Result<std::string> scalar(std::string_view text) {
  text = trim(text);
  if (text.starts_with('"')) return double_quoted(text);
  if (text.starts_with('\'')) return single_quoted(text);
  return plain(text);
}

struct Entry {
  std::string_view key;
  std::string value;
};

// One line without its end: nothing for a blank or comment line, else its key and value.
Result<std::optional<Entry>> parse_line(std::string_view line) {
  // A terminal would act on control characters, and some YAML parsers refuse
  // a tab between a key and its value.
  if (!is_printable_utf8(line)) return fail("a control character, a tab or bytes that are not UTF-8");
  if (trim(line).empty() || trim(line).starts_with('#')) return std::nullopt;
  std::size_t key_end = 0;
  while (key_end < line.size() && is_key_character(line[key_end])) ++key_end;
  if (key_end == 0 || key_end == line.size() || line[key_end] != ':' ||
      (key_end + 1 < line.size() && line[key_end + 1] != ' ')) {
    return fail("not 'key: value'");
  }
  const std::string_view key = line.substr(0, key_end);
  auto value = scalar(line.substr(key_end + 1));
  if (!value) return propagate(value, "'" + std::string(key) + "'");
  return Entry{key, std::move(*value)};
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.size() > manifest_max_bytes) return fail("larger than " + std::to_string(manifest_max_bytes) + " bytes");
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  Manifest manifest;
  std::optional<std::string> format;
  std::set<std::string, std::less<>> seen;
  for (std::size_t number = 1; !text.empty(); ++number) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    // "\r\n" ends a line as "\n" does; a "\r" anywhere else is refused (yaml-cpp
    // and PyYAML disagree on a last line that ends in one).
    if (end != std::string_view::npos && line.ends_with('\r')) line.remove_suffix(1);
    const std::string where = "line " + std::to_string(number);
    auto entry = parse_line(line);
    if (!entry) return propagate(entry, where);
    if (!*entry) continue;
    auto& [key, value] = **entry;
    if (!seen.emplace(key).second) return fail(where + ": '" + std::string(key) + "' is given twice");
    if (key == "manifest") format = std::move(value);
    if (key == "summary") manifest.summary = std::move(value);
    if (key == "usage") manifest.usage = std::move(value);
  }
  if (!format) return fail("no 'manifest: " + std::to_string(manifest_format) + "' line");
  if (*format != std::to_string(manifest_format)) {
    return fail("format '" + terminal_safe(*format) + "' is not one this compozy reads (" +
                std::to_string(manifest_format) + ")");
  }
  if (manifest.summary.empty()) return fail("no 'summary'");
  return manifest;
}

std::optional<Result<Manifest>> read_manifest(const std::string& plugin_path) {
  const std::string path = plugin_path + std::string(manifest_suffix);
  // Non-blocking, so that a FIFO named like a manifest cannot hang a listing.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    return Result<Manifest>(fail(std::string("cannot be read: ") + std::strerror(errno)));
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(fd);
    return Result<Manifest>(fail("not a regular file"));
  }
  std::string text(manifest_max_bytes + 1, '\0');
  std::size_t size = 0;
  while (size < text.size()) {
    const ssize_t got = ::read(fd, text.data() + size, text.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error_number = errno;
      ::close(fd);
      return Result<Manifest>(fail(std::string("cannot be read: ") + std::strerror(error_number)));
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  ::close(fd);
  text.resize(size);
  return parse_manifest(text);
}

std::string displayed_summary(const Manifest& manifest) {
  return fit_to_width(terminal_safe(manifest.summary), summary_max_columns);
}

}  // namespace compozy::dispatch
