// The one HTTP client of the suite (cpp-httplib over OpenSSL), behind an
// interface: a command gets it from its Context, which a unit test builds
// with a fake (tests/support/fake_http_client.hpp).
//
// Certificates and host names are always verified, against SSL_CERT_FILE or
// SSL_CERT_DIR when set, else the hashed /etc/ssl/certs folder, which OpenSSL
// reads lazily (loading the whole CA bundle costs 30-50 ms). HTTPS_PROXY and
// NO_PROXY are honoured. Every request has an overall deadline; idempotent ones
// are retried with backoff on connection errors, 5xx and 429 (Retry-After is
// honoured); the Authorization header never follows a redirect to another
// origin. COMPOZY_DEBUG=1 logs each request to stderr with query values redacted.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"
#include "compozy/url.hpp"

namespace compozy {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type;
  // Safe to send twice. GET, HEAD, PUT and DELETE are by definition; a caller
  // may say so of a POST whose repetition is harmless (RFC 7009 revocation).
  std::optional<bool> idempotent;

  static HttpRequest get(std::string url);
  static HttpRequest post_form(std::string url, const Params& form);
  HttpRequest& bearer(std::string_view token);
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return status >= 200 && status < 300; }
};

struct HttpLimits {
  std::chrono::milliseconds deadline{30'000};  // for one request, its retries included
  std::chrono::milliseconds connect_timeout{10'000};
  int max_attempts = 3;
  std::size_t max_body_bytes = 4 << 20;
  int max_redirects = 5;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // An error only when no HTTP response arrived (kind unreachable) or the
  // response broke a limit; any status code is a response.
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
};

// The real client, for Command::http. COMPOZY_HTTP_TIMEOUT (a duration: "10",
// "10s", "2m") replaces the deadline.
std::unique_ptr<HttpClient> make_http_client(const Environment& env);
std::unique_ptr<HttpClient> make_http_client_with_limits(const Environment& env, HttpLimits limits);

// The one reading of a status that is not a success, for `what` ("token
// endpoint 'https://…'"). When the request carried a bearer credential, 401
// and 403 are the server's verdict on it (exit 4, kind rejected); 5xx is the
// server failing, no verdict on anything, so it counts as unreachable;
// anything else is a plain failure.
enum class Sent { no_credential, bearer_credential };
std::unexpected<Error> fail_with_status(std::string_view what, int status, Sent sent = Sent::no_credential);

// The CA certificates every TLS connection trusts: {file, folder}, from
// SSL_CERT_FILE, else SSL_CERT_DIR, else the system's folder.
inline constexpr char system_ca_folder[] = "/etc/ssl/certs";
std::pair<std::string, std::string> trusted_ca_locations(const Environment& env);

// "GET https://host/path?code=[redacted]": what debug logging may show of a URL.
std::string redact_url(std::string_view url);

}  // namespace compozy
