#include "compozy/url.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cctype>

namespace compozy {

namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

int default_port(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

bool is_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string Url::origin() const {
  const std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string result = scheme + "://" + shown_host;
  if (port != default_port(scheme)) result += ":" + std::to_string(port);
  return result;
}

std::string Url::str() const { return origin() + target; }

std::string Url::path() const { return target.substr(0, target.find('?')); }

// An address literal in 127.0.0.0/8 or ::1, or exactly "localhost": a name
// that only starts like one (127.0.0.1.nip.io) may resolve anywhere.
bool Url::is_loopback() const {
  if (host == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

Result<Url> parse_url(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return fail("invalid URL '" + std::string(text) + "': " + std::string(why));
  };
  // RFC 3986: a URI is printable ASCII without spaces; anything else is either
  // a mistake or an attempt to smuggle something past a check.
  if (std::any_of(text.begin(), text.end(), [](char c) { return c <= ' ' || c >= 0x7F; })) {
    return bad("it holds spaces, control characters or non-ASCII characters");
  }
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http:// or https://");
  Url url;
  url.scheme = lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") return bad("expected http:// or https://");

  std::string_view rest = text.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return bad("a fragment is not allowed");
  const auto authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  url.target = authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
  if (url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return bad("user information is not allowed");

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the host");
      port = after.substr(1);
    }
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos) {
      return bad("invalid IPv6 address");
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return bad("the host is missing");
    if (!std::all_of(host.begin(), host.end(), is_host_char)) return bad("invalid host name");
  }
  url.host = lower(host);
  url.port = default_port(url.scheme);
  if (!port.empty()) {
    int value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value < 1 || value > 65535) {
      return bad("invalid port");
    }
    url.port = value;
  }
  return url;
}

Result<Url> resolve_url(const Url& base, std::string_view reference) {
  if (reference.starts_with("/") && !reference.starts_with("//")) {
    Url url = base;
    url.target = std::string(reference);
    return url;
  }
  return parse_url(reference);
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += '%';
      encoded += digits[c >> 4];
      encoded += digits[c & 0xf];
    }
  }
  return encoded;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      unsigned value = 0;  // unsigned, so that "%-1" is refused rather than read as -1
      const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
      if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
      decoded += static_cast<char>(value);
      i += 2;
    } else if (text[i] == '+' && plus_is_space) {
      decoded += ' ';
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

std::string form_encode(const Params& params) {
  std::string body;
  for (const auto& [name, value] : params) {
    if (!body.empty()) body += '&';
    body += percent_encode(name) + "=" + percent_encode(value);
  }
  return body;
}

Params parse_query(std::string_view query) {
  Params params;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (name && value) params.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

std::optional<std::string> find_param(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string with_query(std::string_view url, const Params& params) {
  std::string result(url);
  if (params.empty()) return result;
  result += url.find('?') == std::string_view::npos ? '?' : '&';
  return result + form_encode(params);
}

}  // namespace compozy
