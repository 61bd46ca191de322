#include "fault_spec.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>
#include <vector>

#include "compozy/url.hpp"

namespace compozy::devcloud {

namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 12> kind_names{{
    {FaultKind::delay, "delay"},
    {FaultKind::drop, "drop"},
    {FaultKind::status, "status"},
    {FaultKind::html, "html"},
    {FaultKind::malformed_json, "malformed-json"},
    {FaultKind::truncated_json, "truncated-json"},
    {FaultKind::wrong_types, "wrong-types"},
    {FaultKind::missing, "missing"},
    {FaultKind::absurd, "absurd"},
    {FaultKind::oversized, "oversized"},
    {FaultKind::redirect, "redirect"},
    {FaultKind::trickle, "trickle"},
}};

// Where a redirect points by default: another origin, on which nothing listens.
constexpr std::string_view unreachable_origin = "http://127.0.0.1:9";

// Names and values come back in messages, which may reach a terminal.
std::string shown(std::string_view text) {
  std::string result;
  for (const unsigned char c : text.substr(0, 100)) result += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?';
  return result;
}

std::unexpected<Error> spec_error(std::string message) { return fail(std::move(message), ExitCode::usage); }

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> pieces;
  for (auto at = text.find(separator); at != std::string_view::npos; at = text.find(separator)) {
    pieces.push_back(text.substr(0, at));
    text.remove_prefix(at + 1);
  }
  pieces.push_back(text);
  return pieces;
}

// "name=value" as a pair, "name" as a name without a value.
std::pair<std::string_view, std::optional<std::string_view>> name_and_value(std::string_view item) {
  const auto equals = item.find('=');
  if (equals == std::string_view::npos) return {item, std::nullopt};
  return {item.substr(0, equals), item.substr(equals + 1)};
}

Result<int> whole_number(std::string_view what, std::string_view text, int low, int high) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return spec_error(std::string(what) + " '" + shown(text) + "' is not a whole number from " + std::to_string(low) +
                      " to " + std::to_string(high));
  }
  return value;
}

Result<FaultKind> kind_named(std::string_view name) {
  for (const auto& [kind, kind_name] : kind_names) {
    if (kind_name == name) return kind;
  }
  std::string known;
  for (const auto& [kind, kind_name] : kind_names) known += (known.empty() ? "" : ", ") + std::string(kind_name);
  return spec_error("unknown fault '" + shown(name) + "'; expected one of " + known);
}

Result<void> read_status(Fault& fault, std::optional<std::string_view> argument, int fallback) {
  if (!argument && fallback == 0) return spec_error("the fault 'status' needs a status code, as in status=503");
  auto status = argument ? whole_number("status", *argument, 400, 599) : Result<int>(fallback);
  if (!status) return propagate(status);
  fault.status = *status;
  return {};
}

Result<void> read_redirect(Fault& fault, std::optional<std::string_view> argument) {
  fault.status = 302;
  fault.location = unreachable_origin;
  if (!argument) return {};
  const auto status = whole_number("redirect status", *argument, 301, 308);
  if (!status) return propagate(status);
  if (*status == 304 || *status == 305 || *status == 306) {
    return spec_error("redirect status '" + shown(*argument) + "' is not one of 301, 302, 303, 307 and 308");
  }
  fault.status = *status;
  return {};
}

Result<void> read_absurd_number(Fault& fault, std::optional<std::string_view> argument) {
  const std::string text(argument.value_or("1e300"));
  fault.number = nlohmann::json::parse(text, nullptr, false);
  if (fault.number.is_discarded() || !fault.number.is_number()) {
    return spec_error("absurd '" + shown(text) + "' is not a JSON number");
  }
  return {};
}

Result<void> read_missing_field(Fault& fault, std::optional<std::string_view> argument) {
  if (!argument) return {};
  if (argument->empty() || shown(*argument) != *argument) {
    return spec_error("missing '" + shown(*argument) + "' is not a field name");
  }
  fault.field = *argument;
  return {};
}

Result<void> refuse_argument(const Fault& fault, std::optional<std::string_view> argument) {
  if (argument) return spec_error("the fault '" + std::string(fault.name()) + "' takes no argument");
  return {};
}

Result<void> read_argument(Fault& fault, std::optional<std::string_view> argument) {
  switch (fault.kind) {
    case FaultKind::delay: {
      const auto seconds = argument ? whole_number("delay", *argument, 1, 3600) : Result<int>(5);
      if (!seconds) return propagate(seconds);
      fault.seconds = *seconds;
      return {};
    }
    case FaultKind::oversized: {
      const auto mebibytes = argument ? whole_number("oversized", *argument, 1, 1024) : Result<int>(20);
      if (!mebibytes) return propagate(mebibytes);
      fault.mebibytes = *mebibytes;
      return {};
    }
    case FaultKind::status:
      return read_status(fault, argument, 0);
    case FaultKind::html:
      return read_status(fault, argument, 502);
    case FaultKind::redirect:
      return read_redirect(fault, argument);
    case FaultKind::absurd:
      return read_absurd_number(fault, argument);
    case FaultKind::missing:
      return read_missing_field(fault, argument);
    default:
      return refuse_argument(fault, argument);
  }
}

Result<void> read_path(Fault& fault, std::string_view path) {
  const auto star = path.find('*');
  if (!path.starts_with('/') || shown(path) != path || (star != std::string_view::npos && star + 1 != path.size())) {
    return spec_error("path '" + shown(path) + "' is not a path, nor a path prefix ending in '*'");
  }
  fault.path = path;
  return {};
}

Result<void> read_origin(Fault& fault, std::string_view text) {
  const auto url = parse_url(text);
  if (!url || url->target != "/")
    return spec_error("to '" + shown(text) + "' is not an origin, as in http://host:port");
  fault.location = url->origin();
  return {};
}

Result<void> read_setting(Fault& fault, std::string_view name, std::string_view value) {
  if (name == "path") return read_path(fault, value);
  if (name == "times") {
    const auto times = whole_number("times", value, 1, 1'000'000);
    if (!times) return propagate(times);
    fault.times = *times;
    return {};
  }
  if (name == "retry-after" && (fault.kind == FaultKind::status || fault.kind == FaultKind::html)) {
    const auto seconds = whole_number("retry-after", value, 0, 86400);
    if (!seconds) return propagate(seconds);
    fault.retry_after = *seconds;
    return {};
  }
  if (name == "to" && fault.kind == FaultKind::redirect) return read_origin(fault, value);
  return spec_error("the fault '" + std::string(fault.name()) + "' has no setting '" + shown(name) + "'");
}

}  // namespace

bool Fault::applies_to(std::string_view request_path) const {
  if (path.empty()) return true;
  if (path.ends_with('*')) return request_path.starts_with(std::string_view(path).substr(0, path.size() - 1));
  return request_path == path;
}

bool Fault::replaces_answer() const {
  switch (kind) {
    case FaultKind::status:
    case FaultKind::html:
    case FaultKind::malformed_json:
    case FaultKind::oversized:
    case FaultKind::redirect:
      return true;
    default:
      return false;
  }
}

std::string_view Fault::name() const {
  const auto found =
      std::find_if(kind_names.begin(), kind_names.end(), [&](const auto& entry) { return entry.first == kind; });
  return found->second;
}

Result<Fault> parse_fault_spec(std::string_view spec) {
  if (spec.size() > 1000) return spec_error("a fault is described in at most 1000 characters");
  const std::vector<std::string_view> items = split(spec, ',');
  const auto [name, argument] = name_and_value(items.front());
  const auto kind = kind_named(name);
  if (!kind) return propagate(kind);
  Fault fault;
  fault.kind = *kind;
  fault.spec = spec;
  if (auto read = read_argument(fault, argument); !read) return propagate(read);
  std::vector<std::string_view> seen;
  for (auto item = items.begin() + 1; item != items.end(); ++item) {
    const auto [setting, value] = name_and_value(*item);
    if (!value) return spec_error("'" + shown(*item) + "' is not a setting, as in times=2");
    if (std::find(seen.begin(), seen.end(), setting) != seen.end()) {
      return spec_error("'" + shown(setting) + "' is given twice");
    }
    seen.push_back(setting);
    if (auto read = read_setting(fault, setting, *value); !read) return propagate(read);
  }
  return fault;
}

}  // namespace compozy::devcloud
