// What the routes share: a small router of our own (so that 404 and 405 are told
// apart, and no path ever meets a backtracking regex), strict form parsing, and
// responses in the shapes the RFCs ask for.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "authority.hpp"
#include "compozy/url.hpp"

namespace compozy::devcloud {

inline constexpr std::size_t max_body_size = 64 * 1024;

// One request on its way through a route.
struct Exchange {
  const httplib::Request& request;
  httplib::Response& response;
  std::string body;
  std::vector<std::string> path_arguments;  // what the "{}" segments of the route matched
  std::string log_note;                     // e.g. "grant_type=refresh_token"; never a secret
};

using RouteHandler = std::function<void(Exchange&)>;

class Router {
 public:
  // `pattern` is a path whose "{}" segments match any one non-empty segment.
  void add(std::string method, std::string pattern, RouteHandler handler);
  // Runs the matching route, or answers 404, 405 (with Allow) or an OPTIONS request.
  void dispatch(Exchange& exchange) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// JSON, with any invalid UTF-8 replaced rather than thrown about.
std::string dump_json(const nlohmann::json& value);

void send_json(httplib::Response& response, int status, const nlohmann::json& body);
// {"error": …, "error_description": …} (RFC 6749 §5.2), and for 401 invalid_token the
// WWW-Authenticate challenge of RFC 6750 §3, as for 403 insufficient_scope with the scope needed.
void send_error(httplib::Response& response, const OAuthError& error);
void send_html(httplib::Response& response, int status, std::string html);
void send_redirect(httplib::Response& response, const std::string& location, int status = 302);

// "application/x-www-form-urlencoded" from "Application/X-WWW-Form-Urlencoded; charset=utf-8".
std::string media_type(const httplib::Request& request);

// A form body or query string, decoded strictly: malformed escapes and invalid UTF-8
// are errors, not silently dropped pairs.
Outcome<Params> parse_form(std::string_view text);
// The form body of a POST, checked for its content type and repeated parameters
// (RFC 6749 §3.2: "parameters MUST NOT be included more than once").
Outcome<Params> read_form(const Exchange& exchange);
// The query string of the request target, decoded like a form.
Outcome<Params> read_query(const Exchange& exchange);

// Hosts this server answers to: loopback names and --public-host. Anything else in a
// Host header is a DNS-rebinding attempt.
bool is_expected_host(std::string_view host_header, std::string_view public_host);
// A browser form post that a page from another origin made (CSRF) carries that
// origin; curl and same-origin pages pass.
bool is_cross_origin_post(const httplib::Request& request, std::string_view issuer, std::string_view public_host);

std::string printable_path(std::string_view path);

}  // namespace compozy::devcloud
