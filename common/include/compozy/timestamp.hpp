// Points in time on the wire and in files: RFC 3339 in UTC, whole seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace compozy {

using WallClock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<WallClock, std::chrono::seconds>;

TimePoint now_seconds();
std::string format_rfc3339(TimePoint time);  // "2026-11-28T05:44:49Z"
// Accepts "Z" or a numeric offset, and drops fractional seconds.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// "90", "90s", "5m", "1h", "30d": a duration given on the command line or in config.yaml.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// The other way: the largest unit that divides it, "30d", "12h", "90m", "45s".
std::string format_duration(std::chrono::seconds duration);

std::int64_t unix_seconds(TimePoint time);
TimePoint from_unix_seconds(std::int64_t seconds);

}  // namespace compozy
