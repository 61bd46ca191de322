// Which proxy a request goes through: HTTPS_PROXY (or https_proxy) for https,
// the lower-case http_proxy for http (as curl: a CGI request can set
// HTTP_PROXY through a header), never for this machine, and not for hosts
// NO_PROXY names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"
#include "compozy/url.hpp"

namespace compozy {

struct Proxy {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string shown;  // for messages: its origin, without the credentials
};

// curl's reading of NO_PROXY: "*", or host names that match exactly or as a
// domain suffix (".example.com" and "example.com" both match a.example.com),
// optionally with a port.
bool bypasses_proxy(const Url& url, std::string_view no_proxy);

// nullopt: connect directly. An error for a setting that is not an http:// proxy URL.
Result<std::optional<Proxy>> proxy_for(const Url& url, const Environment& env);

}  // namespace compozy
