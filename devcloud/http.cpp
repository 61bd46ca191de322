#include "http.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

namespace compozy::devcloud {

namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> segments;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    const auto slash = path.find('/');
    segments.emplace_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  return segments;
}

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xe0) == 0xc0) {
      length = 2;
      code = byte & 0x1f;
    } else if ((byte & 0xf0) == 0xe0) {
      length = 3;
      code = byte & 0x0f;
    } else if ((byte & 0xf8) == 0xf0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = code << 6 | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return false;
    i += length;
  }
  return true;
}

// RFC 6750 §3: the quoted error_description allows neither '"' nor '\'.
std::string challenge_text(std::string_view text) {
  std::string result;
  for (const unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') result += static_cast<char>(c);
  }
  return result;
}

std::string host_without_port(std::string_view host) {
  if (host.starts_with('[')) return lower(host.substr(0, host.find(']') + 1));
  return lower(host.substr(0, host.find(':')));
}

// What the "{}" segments of `pattern` matched, or nullopt when the path is not the pattern's.
std::optional<std::vector<std::string>> match(const std::vector<std::string>& pattern,
                                              const std::vector<std::string>& segments) {
  if (pattern.size() != segments.size()) return std::nullopt;
  std::vector<std::string> arguments;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (pattern[i] == "{}") {
      if (segments[i].empty()) return std::nullopt;
      arguments.push_back(segments[i]);
    } else if (pattern[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return arguments;
}

// The path exists, but not for this method: OPTIONS gets 204, anything else 405; both name the methods in Allow.
void answer_other_method(Exchange& exchange, std::vector<std::string> allowed) {
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) allowed.push_back("HEAD");
  allowed.push_back("OPTIONS");
  std::string allow;
  for (const std::string& name : allowed) allow += (allow.empty() ? "" : ", ") + name;
  exchange.response.set_header("Allow", allow);
  if (exchange.request.method == "OPTIONS") {
    exchange.response.status = 204;
    return;
  }
  send_error(exchange.response, {405, "method_not_allowed",
                                 printable_path(exchange.request.path) + " does not accept " + exchange.request.method +
                                     "; use " + allow});
}

}  // namespace

void Router::add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back({std::move(method), split_path(pattern), std::move(handler)});
}

void Router::dispatch(Exchange& exchange) const {
  const std::string& method = exchange.request.method;
  const std::vector<std::string> segments = split_path(exchange.request.path);
  std::vector<std::string> allowed;
  for (const Route& route : routes_) {
    auto arguments = match(route.segments, segments);
    if (!arguments) continue;
    if (route.method == method || (method == "HEAD" && route.method == "GET")) {
      exchange.path_arguments = std::move(*arguments);
      route.handler(exchange);
      return;
    }
    if (std::find(allowed.begin(), allowed.end(), route.method) == allowed.end()) allowed.push_back(route.method);
  }
  if (allowed.empty()) {
    send_error(exchange.response,
               {404, "not_found", "there is no endpoint at " + printable_path(exchange.request.path)});
    return;
  }
  answer_other_method(exchange, allowed);
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(dump_json(body), "application/json");
}

void send_error(httplib::Response& response, const OAuthError& error) {
  if (error.status == 401 && error.error == "invalid_token") {
    response.set_header("WWW-Authenticate",
                        "Bearer realm=\"compozy-devcloud\", error=\"invalid_token\", "
                        "error_description=\"" +
                            challenge_text(error.description) + "\"");
  }
  if (error.status == 403 && error.error == "insufficient_scope") {
    response.set_header("WWW-Authenticate", "Bearer realm=\"compozy-devcloud\", error=\"insufficient_scope\", scope=\"" +
                                                challenge_text(error.scope) + "\", error_description=\"" +
                                                challenge_text(error.description) + "\"");
  }
  send_json(response, error.status, {{"error", error.error}, {"error_description", error.description}});
}

void send_html(httplib::Response& response, int status, std::string html) {
  response.status = status;
  // Pages never run script, never load anything and never sit in a frame (clickjacking).
  response.set_header("Content-Security-Policy",
                      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
                      "base-uri 'none'");
  response.set_header("X-Frame-Options", "DENY");
  response.set_content(std::move(html), "text/html; charset=utf-8");
}

void send_redirect(httplib::Response& response, const std::string& location, int status) {
  response.status = status;
  response.set_header("Location", location);
}

std::string media_type(const httplib::Request& request) {
  const std::string header = request.get_header_value("Content-Type");
  std::string_view value = header;
  value = value.substr(0, value.find(';'));
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return lower(value);
}

Outcome<Params> parse_form(std::string_view text) {
  Params params;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value || name->empty()) {
      return std::unexpected(
          OAuthError{400, "invalid_request", "malformed form parameter '" + printable_path(pair.substr(0, 64)) + "'"});
    }
    if (!is_valid_utf8(*name) || !is_valid_utf8(*value)) {
      return std::unexpected(OAuthError{400, "invalid_request", "form parameters must be UTF-8"});
    }
    params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

Outcome<Params> read_form(const Exchange& exchange) {
  const std::string type = media_type(exchange.request);
  if (type != "application/x-www-form-urlencoded") {
    return std::unexpected(OAuthError{
        400, "invalid_request",
        "expected Content-Type application/x-www-form-urlencoded" + (type.empty() ? std::string() : ", not " + type)});
  }
  auto params = parse_form(exchange.body);
  if (!params) return params;
  for (auto param = params->begin(); param != params->end(); ++param) {
    if (std::any_of(params->begin(), param, [&](const auto& earlier) { return earlier.first == param->first; })) {
      return std::unexpected(OAuthError{400, "invalid_request", "'" + param->first + "' is given more than once"});
    }
  }
  return params;
}

Outcome<Params> read_query(const Exchange& exchange) {
  const std::string& target = exchange.request.target;
  const auto question = target.find('?');
  if (question == std::string::npos) return Params{};
  return parse_form(std::string_view(target).substr(question + 1));
}

bool is_expected_host(std::string_view host_header, std::string_view public_host) {
  if (host_header.empty()) return true;  // HTTP/1.0
  const std::string host = host_without_port(host_header);
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == lower(public_host);
}

bool is_cross_origin_post(const httplib::Request& request, std::string_view issuer, std::string_view public_host) {
  if (request.get_header_value("Sec-Fetch-Site") == "cross-site") return true;
  const std::string origin = request.get_header_value("Origin");
  if (origin.empty()) return false;
  const auto ours = parse_url(issuer);
  const auto theirs = parse_url(origin);
  if (!ours || !theirs) return true;  // "null" from sandboxed frames and data: URLs included
  const std::string host = theirs->host.find(':') != std::string::npos ? "[" + theirs->host + "]" : theirs->host;
  return theirs->scheme != ours->scheme || theirs->port != ours->port || !is_expected_host(host, public_host);
}

std::string printable_path(std::string_view path) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string result;
  for (const unsigned char c : path.substr(0, 200)) {
    if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
      result += static_cast<char>(c);
    } else {
      result += '%';
      result += digits[c >> 4];
      result += digits[c & 0xf];
    }
  }
  if (path.size() > 200) result += "...";
  return result;
}

}  // namespace compozy::devcloud
