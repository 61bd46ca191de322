#include "compozy/environment.hpp"

extern char** environ;

namespace compozy {

Environment Environment::from_process() {
  std::map<std::string, std::string, std::less<>> values;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    const auto equals = text.find('=');
    if (equals != std::string_view::npos) values.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return Environment(std::move(values));
}

Environment::Environment(std::map<std::string, std::string, std::less<>> values) : values_(std::move(values)) {}

std::optional<std::string> Environment::get(std::string_view name) const {
  const auto found = values_.find(name);
  if (found == values_.end() || found->second.empty()) return std::nullopt;
  return found->second;
}

Environment Environment::without(std::string_view name) const {
  auto values = values_;
  if (const auto found = values.find(name); found != values.end()) values.erase(found);
  return Environment(std::move(values));
}

}  // namespace compozy
