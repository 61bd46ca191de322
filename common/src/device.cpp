#include "compozy/device.hpp"

#include <unistd.h>

#include <climits>
#include <fstream>
#include <sstream>

#include "compozy/text.hpp"

namespace compozy {

namespace {

// One line of at most device_text_columns, whatever a file or a person wrote.
std::string bounded_line(std::string_view text) {
  return fit_to_width(terminal_safe(trim(text)), device_text_columns);
}

// os-release(5): KEY=value, the value maybe in double or single quotes.
std::string pretty_name(std::string_view os_release) {
  std::istringstream lines{std::string(os_release)};
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("PRETTY_NAME=")) continue;
    std::string_view value = trim(std::string_view(line).substr(12));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return {};
}

std::string read_text(const char* path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

DeviceDescription describe_device(const std::optional<std::string>& chosen, std::string_view host_name,
                                  std::string_view os_release) {
  return {bounded_line(chosen && !trim(*chosen).empty() ? std::string_view(*chosen) : host_name),
          bounded_line(pretty_name(os_release))};
}

DeviceDescription this_device(const std::optional<std::string>& chosen) {
  char host_name[HOST_NAME_MAX + 1] = {};
  if (gethostname(host_name, sizeof host_name - 1) != 0) host_name[0] = '\0';
  std::string os_release = read_text("/etc/os-release");
  if (os_release.empty()) os_release = read_text("/usr/lib/os-release");
  return describe_device(chosen, host_name, os_release);
}

}  // namespace compozy
