// The process environment behind an interface, so tests can hand a command
// exactly the variables they mean to.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace compozy {

class Environment {
 public:
  static Environment from_process();
  explicit Environment(std::map<std::string, std::string, std::less<>> values);

  // An empty variable counts as unset, as it does for most tools (NO_COLOR="" is not set).
  std::optional<std::string> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // A copy with `name` unset.
  Environment without(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace compozy
