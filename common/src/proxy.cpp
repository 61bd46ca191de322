#include "compozy/proxy.hpp"

#include "compozy/text.hpp"

namespace compozy {

namespace {

// "host", "host:port", "[::1]", ".example.com": the host part, and whether its port (if any) matches.
bool names_host(std::string entry, const Url& url) {
  if (const auto colon = entry.rfind(':');
      colon != std::string::npos && entry.find(']') == std::string::npos && entry.find(':') == colon) {
    if (entry.substr(colon + 1) != std::to_string(url.port)) return false;
    entry.resize(colon);
  }
  if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
  if (!entry.empty() && entry.front() == '.') entry.erase(0, 1);
  return !entry.empty() && (url.host == entry || url.host.ends_with("." + entry));
}

std::optional<std::string> setting_for(const Url& url, const Environment& env) {
  if (url.scheme == "https") return env.get("HTTPS_PROXY") ? env.get("HTTPS_PROXY") : env.get("https_proxy");
  return env.get("http_proxy");
}

// "user:pass@" in front of the proxy's host, percent-decoded.
void take_credentials(std::string& authority, Proxy& proxy) {
  const auto at = authority.rfind('@');
  if (at == std::string::npos) return;
  const std::string credentials = authority.substr(0, at);
  authority.erase(0, at + 1);
  const auto colon = credentials.find(':');
  proxy.user = percent_decode(credentials.substr(0, colon), false).value_or("");
  if (colon != std::string::npos) proxy.password = percent_decode(credentials.substr(colon + 1), false).value_or("");
}

}  // namespace

bool bypasses_proxy(const Url& url, std::string_view no_proxy) {
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    const std::string entry = lower(trim(no_proxy.substr(0, comma)));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry == "*") return true;
    if (names_host(entry, url)) return true;
  }
  return false;
}

Result<std::optional<Proxy>> proxy_for(const Url& url, const Environment& env) {
  // Like Go's net/http, never send this machine's own traffic to a proxy.
  if (url.is_loopback()) return std::optional<Proxy>();
  const auto no_proxy = env.get("NO_PROXY") ? env.get("NO_PROXY") : env.get("no_proxy");
  if (no_proxy && bypasses_proxy(url, *no_proxy)) return std::optional<Proxy>();
  const std::optional<std::string> setting = setting_for(url, env);
  if (!setting) return std::optional<Proxy>();

  std::string text = *setting;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  const auto scheme_end = text.find("://") + 3;
  const auto authority_end = text.find('/', scheme_end);
  std::string authority =
      text.substr(scheme_end, authority_end == std::string::npos ? std::string::npos : authority_end - scheme_end);
  Proxy proxy;
  take_credentials(authority, proxy);
  auto parsed = parse_url(text.substr(0, scheme_end) + authority);
  if (!parsed || parsed->scheme != "http") {
    return fail("invalid proxy '" + authority + "' in " + (url.scheme == "https" ? "HTTPS_PROXY" : "http_proxy"),
                ExitCode::usage, "set it to http://HOST:PORT (a proxy is reached over plain http and tunnels TLS)");
  }
  proxy.host = parsed->host;
  proxy.port = parsed->port;
  proxy.shown = parsed->origin();
  return std::optional<Proxy>(std::move(proxy));
}

}  // namespace compozy
