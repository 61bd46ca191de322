// One fault switch, as --fault and POST /_faults name it: what devcloud does wrong,
// to which path and how many times. faults.hpp makes it happen.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compozy/error.hpp"

namespace compozy::devcloud {

enum class FaultKind {
  delay,           // waits `seconds`, then answers as usual
  drop,            // sends half of the answer's body, then closes the connection
  status,          // answers `status` with a JSON error, and Retry-After when given
  html,            // answers `status` (502) with a proxy's HTML error page
  malformed_json,  // answers 200 with a body that is almost JSON
  truncated_json,  // the answer's body cut in half, sent as a complete message
  wrong_types,     // the answer's JSON with every value of another type
  missing,         // the answer's JSON without `field`, or without any field
  absurd,          // every number in the answer's JSON replaced by `number`
  oversized,       // answers 200 with a JSON body of `mebibytes` MiB
  redirect,        // answers `status` (302) pointing at the same target on the origin `location`
  trickle,         // the answer's body one byte a second
};

struct Fault {
  FaultKind kind = FaultKind::delay;
  std::string spec;                // as given: GET /_faults shows it
  std::string path;                // "" for every path; "/a*" for every path that starts with "/a"
  std::optional<int> times;        // how many requests it spoils; nullopt: until cleared
  int status = 0;                  // status, html, redirect
  std::optional<int> retry_after;  // status, html: seconds
  int seconds = 0;                 // delay
  int mebibytes = 0;               // oversized
  std::string field;               // missing: "" for all of them
  nlohmann::json number;           // absurd
  std::string location;            // redirect: an origin

  bool applies_to(std::string_view request_path) const;
  // Whether the fault answers instead of the route, which then never runs (and
  // spends no code or refresh token); the others spoil the route's own answer.
  bool replaces_answer() const;
  std::string_view name() const;  // "delay", "malformed-json", …
};

// "KIND[=ARGUMENT][,path=PATH][,times=N][,retry-after=S][,to=ORIGIN]", for example
// "status=503,retry-after=2,path=/oauth/token,times=1" (every kind is in the README).
// Errors carry ExitCode::usage.
Result<Fault> parse_fault_spec(std::string_view spec);

}  // namespace compozy::devcloud
