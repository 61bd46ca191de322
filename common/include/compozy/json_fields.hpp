// Reading JSON documents from servers without trusting them: no field access
// throws whatever its type, numbers are range-checked, and nesting is bounded
// before anything is parsed.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace compozy {

inline constexpr int max_json_depth = 32;

// The document, if `body` is a JSON object nested at most max_json_depth deep.
std::optional<nlohmann::json> parse_json_object(std::string_view body);
// Any JSON value nested at most `max_depth` deep, for what compozy only shows.
std::optional<nlohmann::json> parse_json_value(std::string_view body, int max_depth);

// A string field, or "" when it is missing or of another type.
std::string string_field(const nlohmann::json& document, const char* name);
// A number field as a whole number: an integer, a float with no fraction, or
// a string of digits, within [low, high] (clamped); nullopt for anything else.
std::optional<std::int64_t> integer_field(const nlohmann::json& document, const char* name, std::int64_t low,
                                          std::int64_t high);
// true only for the JSON value true.
bool true_field(const nlohmann::json& document, const char* name);
// The strings of an array field; other items are left out.
std::vector<std::string> string_list(const nlohmann::json& document, const char* name);

}  // namespace compozy
