#include "compozy/json_fields.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace compozy {

namespace {

// How deeply `body` nests arrays and objects, counted outside strings; a
// parser walks the tree recursively somewhere (if only to free it).
int nesting_depth(std::string_view body) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

std::optional<std::int64_t> whole_number(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
      return INT64_MAX;
    }
    return value.get<std::int64_t>();
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (!std::isfinite(number) || number != std::floor(number)) return std::nullopt;
    if (number >= 9.2e18) return INT64_MAX;
    if (number <= -9.2e18) return INT64_MIN;
    return static_cast<std::int64_t>(number);
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    std::int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || end != text.data() + text.size()) return std::nullopt;
    if (error == std::errc::result_out_of_range) return text.front() == '-' ? INT64_MIN : INT64_MAX;
    if (error != std::errc()) return std::nullopt;
    return number;
  }
  return std::nullopt;
}

}  // namespace

std::optional<nlohmann::json> parse_json_object(std::string_view body) {
  auto document = parse_json_value(body, max_json_depth);
  if (!document || !document->is_object()) return std::nullopt;
  return document;
}

std::optional<nlohmann::json> parse_json_value(std::string_view body, int max_depth) {
  if (nesting_depth(body) > max_depth) return std::nullopt;
  nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded()) return std::nullopt;
  return document;
}

std::string string_field(const nlohmann::json& document, const char* name) {
  const auto found = document.find(name);
  return found != document.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::optional<std::int64_t> integer_field(const nlohmann::json& document, const char* name, std::int64_t low,
                                          std::int64_t high) {
  const auto found = document.find(name);
  if (found == document.end()) return std::nullopt;
  const auto number = whole_number(*found);
  if (!number) return std::nullopt;
  return std::clamp(*number, low, high);
}

bool true_field(const nlohmann::json& document, const char* name) {
  const auto found = document.find(name);
  return found != document.end() && found->is_boolean() && found->get<bool>();
}

std::vector<std::string> string_list(const nlohmann::json& document, const char* name) {
  std::vector<std::string> values;
  const auto found = document.find(name);
  if (found == document.end() || !found->is_array()) return values;
  for (const auto& item : *found) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

}  // namespace compozy
