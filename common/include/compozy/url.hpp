// Absolute http(s) URLs, percent-encoding and form bodies
// (application/x-www-form-urlencoded), as OAuth requests and redirects use them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compozy/error.hpp"

namespace compozy {

struct Url {
  std::string scheme;  // "http" or "https", lower-case
  std::string host;    // lower-case; an IPv6 literal without its brackets
  int port = 0;        // explicit, or the scheme's default
  std::string target;  // path and query, at least "/"

  std::string origin() const;  // "https://host[:port]", the default port left out
  std::string str() const;     // origin() + target
  std::string path() const;    // target without the query
  bool is_loopback() const;    // an address in 127.0.0.0/8, ::1, or exactly localhost
};

// Accepts only absolute http and https URLs without user information or fragment.
Result<Url> parse_url(std::string_view text);

// Resolves a path-absolute reference ("/oauth/token") or an absolute URL against `base`.
Result<Url> resolve_url(const Url& base, std::string_view reference);

using Params = std::vector<std::pair<std::string, std::string>>;

std::string percent_encode(std::string_view text);  // keeps only RFC 3986 unreserved characters
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = true);

std::string form_encode(const Params& params);  // a=1&b=x%20y
Params parse_query(std::string_view query);     // malformed pairs are dropped
std::optional<std::string> find_param(const Params& params, std::string_view name);

// `url` with `params` appended to its query.
std::string with_query(std::string_view url, const Params& params);

}  // namespace compozy
