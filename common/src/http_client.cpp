#include "compozy/http_client.hpp"

// The only file that includes httplib.h: everything else talks to HttpClient.
#include <httplib.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "compozy/command.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/timestamp.hpp"
#include "compozy/version.hpp"

namespace compozy {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

long milliseconds_between(SteadyClock::time_point from, SteadyClock::time_point to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

struct Proxy {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;
  std::string shown;  // for messages, without the password
};

// curl's reading of NO_PROXY: "*", or host names that match exactly or as a
// domain suffix (".example.com" and "example.com" both match a.example.com),
// optionally with a port.
bool bypasses_proxy(const Url& url, std::string_view no_proxy) {
  while (!no_proxy.empty()) {
    const auto comma = no_proxy.find(',');
    std::string entry = lower(no_proxy.substr(0, comma));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    entry.erase(0, entry.find_first_not_of(" \t"));
    entry.erase(entry.find_last_not_of(" \t") + 1);
    if (entry == "*") return true;
    if (entry.empty()) continue;
    if (const auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(']') == std::string::npos &&
                                             entry.find(':') == colon) {
      if (entry.substr(colon + 1) != std::to_string(url.port)) continue;
      entry.resize(colon);
    }
    if (entry.front() == '[' && entry.back() == ']') entry = entry.substr(1, entry.size() - 2);
    if (entry.front() == '.') entry.erase(0, 1);
    if (url.host == entry || url.host.ends_with("." + entry)) return true;
  }
  return false;
}

Result<std::optional<Proxy>> proxy_for(const Url& url, const Environment& env) {
  // Like Go's net/http, never send this machine's own traffic to a proxy.
  if (url.is_loopback()) return std::optional<Proxy>();
  const auto no_proxy = env.get("NO_PROXY") ? env.get("NO_PROXY") : env.get("no_proxy");
  if (no_proxy && bypasses_proxy(url, *no_proxy)) return std::optional<Proxy>();
  // As curl: only the lower-case http_proxy, which a CGI request cannot set through a header.
  const std::optional<std::string> setting =
      url.scheme == "https" ? (env.get("HTTPS_PROXY") ? env.get("HTTPS_PROXY") : env.get("https_proxy"))
                            : env.get("http_proxy");
  if (!setting) return std::optional<Proxy>();

  std::string text = *setting;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  Proxy proxy;
  const auto scheme_end = text.find("://") + 3;
  auto authority_end = text.find('/', scheme_end);
  std::string authority = text.substr(scheme_end, authority_end == std::string::npos ? std::string::npos
                                                                                     : authority_end - scheme_end);
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    const std::string credentials = authority.substr(0, at);
    authority.erase(0, at + 1);
    const auto colon = credentials.find(':');
    proxy.user = percent_decode(credentials.substr(0, colon), false).value_or("");
    if (colon != std::string::npos) proxy.password = percent_decode(credentials.substr(colon + 1), false).value_or("");
  }
  auto parsed = parse_url(text.substr(0, scheme_end) + authority);
  if (!parsed || parsed->scheme != "http") {
    return fail("invalid proxy '" + authority + "' in HTTPS_PROXY", ExitCode::usage,
                "set it to http://HOST:PORT (a proxy is reached over plain http and tunnels TLS)");
  }
  proxy.host = parsed->host;
  proxy.port = parsed->port;
  proxy.shown = parsed->origin();
  return std::optional<Proxy>(std::move(proxy));
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
  const auto value = response.header("retry-after");
  if (!value) return std::nullopt;
  long seconds = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  if (ec != std::errc() || end != value->data() + value->size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// SSL_CERT_FILE, else SSL_CERT_DIR, else the system's hashed folder, which
// OpenSSL reads one certificate at a time as a chain needs it.
std::pair<std::string, std::string> trust_locations(const Environment& env) {
  if (auto file = env.get("SSL_CERT_FILE")) return {*file, ""};
  if (auto dir = env.get("SSL_CERT_DIR")) return {"", *dir};
  if (::access("/etc/ssl/certs", R_OK | X_OK) == 0) return {"", "/etc/ssl/certs"};
  return {"", ""};
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

class HttplibClient final : public HttpClient {
 public:
  HttplibClient(const Environment& env, HttpLimits limits)
      : env_(env), limits_(limits), debug_(env.get("COMPOZY_DEBUG").value_or("0") != "0") {}

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  Result<HttpResponse> send_with_retries(const Url& url, const HttpRequest& request, SteadyClock::time_point deadline);
  Result<HttpResponse> attempt(const Url& url, const HttpRequest& request, SteadyClock::time_point deadline);
  void log(const HttpRequest& request, const Url& url, std::string_view outcome, SteadyClock::time_point started) const;

  // One client per origin for the life of the process: its TLS context reads
  // the trusted certificates once, and kept-alive connections are reused, so
  // the requests of one command (discovery, token, userinfo) share a handshake.
  httplib::Client& client_for(const Url& url, const std::optional<Proxy>& proxy);

  // Whether the last attempt may have reached the server: false only when no
  // connection was made, which makes even a POST safe to send again.
  bool request_sent_ = false;

  Environment env_;
  HttpLimits limits_;
  bool debug_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
};

httplib::Client& HttplibClient::client_for(const Url& url, const std::optional<Proxy>& proxy) {
  auto& client = clients_[url.origin()];
  if (client) return *client;
  const std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  client = std::make_unique<httplib::Client>(url.scheme + "://" + host + ":" + std::to_string(url.port));
  client->set_keep_alive(true);
  // Without it, a request written in two pieces waits for the delayed ACK of the first (40 ms).
  client->set_tcp_nodelay(true);
  client->set_follow_location(false);
  if (proxy) {
    client->set_proxy(proxy->host, proxy->port);
    if (!proxy->user.empty()) client->set_proxy_basic_auth(proxy->user, proxy->password);
  }
  if (url.scheme == "https") {
    client->enable_server_certificate_verification(true);
    const auto [file, dir] = trust_locations(env_);
    if (!file.empty() || !dir.empty()) client->set_ca_cert_path(file, dir);
  }
  return *client;
}

Result<HttpResponse> HttplibClient::send(const HttpRequest& original) {
  const auto deadline = SteadyClock::now() + limits_.deadline;
  auto url = parse_url(original.url);
  if (!url) return propagate(url);
  HttpRequest request = original;
  for (int hops = 0;; ++hops) {
    auto response = send_with_retries(*url, request, deadline);
    if (!response || !is_redirect(response->status) || (request.method != "GET" && request.method != "HEAD")) {
      return response;
    }
    const auto location = response->header("location");
    if (!location) return response;
    if (hops == limits_.max_redirects) return fail("too many redirects from '" + url->origin() + "'");
    auto next = resolve_url(*url, *location);
    if (!next) return propagate(next, "redirect from '" + url->origin() + "'");
    if (url->scheme == "https" && next->scheme == "http") {
      return fail("refusing to follow a redirect from https to plain http ('" + next->origin() + "')");
    }
    if (next->origin() != url->origin()) {
      // A bearer token is meant for the origin it was issued for only.
      std::erase_if(request.headers, [](const auto& header) { return lower(header.first) == "authorization"; });
    }
    url = std::move(next);
  }
}

Result<HttpResponse> HttplibClient::send_with_retries(const Url& url, const HttpRequest& request,
                                                      SteadyClock::time_point deadline) {
  const bool idempotent = request.idempotent.value_or(request.method == "GET" || request.method == "HEAD" ||
                                                      request.method == "PUT" || request.method == "DELETE");
  std::mt19937 jitter(std::random_device{}());
  for (int attempt_number = 1;; ++attempt_number) {
    auto response = attempt(url, request, deadline);
    if (!response && response.error().code == ExitCode::interrupted) return response;

    // A request that may have reached the server is repeated only if repeating is harmless.
    bool retry = false;
    std::chrono::milliseconds wait{200 << (attempt_number - 1)};
    wait += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 100)(jitter));
    if (!response) {
      retry = response.error().kind == Error::Kind::unreachable &&
              (idempotent || !request_sent_);
    } else if (idempotent && (response->status == 429 || response->status >= 500)) {
      retry = true;
      if (const auto asked = retry_after(*response)) wait = *asked;
    }
    if (!retry || attempt_number >= limits_.max_attempts || SteadyClock::now() + wait >= deadline) return response;
    if (auto slept = sleep_unless_interrupted(wait); !slept) return propagate(slept);
  }
}

Result<HttpResponse> HttplibClient::attempt(const Url& url, const HttpRequest& request,
                                            SteadyClock::time_point deadline) {
  const auto started = SteadyClock::now();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started);
  const std::string origin = url.origin();
  const auto unreachable = [&](std::string message, std::string hint = {}) {
    log(request, url, "error: " + message, started);
    return fail({std::move(message), ExitCode::failure, std::move(hint), Error::Kind::unreachable});
  };
  if (left.count() <= 0) return unreachable("no answer from '" + origin + "' in time");

  request_sent_ = false;
  auto proxy = proxy_for(url, env_);
  if (!proxy) return propagate(proxy);

  httplib::Client& client = client_for(url, *proxy);
  const auto seconds = [](std::chrono::milliseconds ms) { return std::max<long>(1, (ms.count() + 999) / 1000); };
  client.set_connection_timeout(std::min(limits_.connect_timeout, left));
  // The deadline below ends the request; these only back it up, a second later.
  client.set_read_timeout(seconds(left) + 1, 0);
  client.set_write_timeout(seconds(left) + 1, 0);

  httplib::Request http_request;
  http_request.method = request.method;
  http_request.path = url.target;
  http_request.set_header("User-Agent", std::string("compozy/") + compozy::version);
  http_request.set_header("Accept", "application/json");
  for (const auto& [name, value] : request.headers) {
    http_request.headers.erase(name);
    http_request.headers.emplace(name, value);
  }
  if (!request.body.empty() || request.method == "POST") {
    http_request.body = request.body;
    http_request.set_header("Content-Type", request.content_type.empty() ? "application/octet-stream"
                                                                         : request.content_type);
  }
  std::string body;
  bool too_large = false;
  http_request.content_receiver = [&](const char* data, std::size_t length, std::uint64_t, std::uint64_t) {
    if (body.size() + length > limits_.max_body_bytes) {
      too_large = true;
      return false;
    }
    body.append(data, length);
    return true;
  };

  // httplib has no overall deadline, and a server may complete TLS and then
  // trickle or say nothing; so the request runs beside this thread, which
  // stops it when the deadline passes or the user presses Ctrl-C.
  httplib::Response http_response;
  httplib::Error error = httplib::Error::Success;
  bool done = false;
  std::mutex mutex;
  std::condition_variable finished;
  std::thread worker([&] {
    client.send(http_request, http_response, error);
    std::lock_guard lock(mutex);
    done = true;
    finished.notify_all();
  });
  bool timed_out = false;
  bool stopped_by_user = false;
  {
    std::unique_lock lock(mutex);
    while (!done) {
      finished.wait_for(lock, std::chrono::milliseconds(50));
      if (done) break;
      if (interrupted() || SteadyClock::now() >= deadline) {
        (interrupted() ? stopped_by_user : timed_out) = true;
        lock.unlock();
        client.stop();
        lock.lock();
        finished.wait(lock, [&] { return done; });
      }
    }
  }
  worker.join();
  request_sent_ = error != httplib::Error::Connection && error != httplib::Error::ConnectionTimeout;
  const long verify_result = client.get_openssl_verify_result();
  // A connection that failed or was cut off is not reused: the next attempt starts afresh.
  if (stopped_by_user || too_large || timed_out || error != httplib::Error::Success) clients_.erase(origin);

  if (stopped_by_user) return fail_interrupted();
  if (too_large) {
    log(request, url, "error: response too large", started);
    return fail("the response from '" + origin + "' is larger than " +
                std::to_string(limits_.max_body_bytes >> 20) + " MiB");
  }
  const std::string via = *proxy ? " through the proxy '" + (*proxy)->shown + "'" : "";
  if (timed_out || (error != httplib::Error::Success && SteadyClock::now() >= deadline)) {
    return unreachable("'" + origin + "' did not answer within " +
                       std::to_string(limits_.deadline.count() / 1000) + " s" + via);
  }
  switch (error) {
    case httplib::Error::Success:
      break;
    case httplib::Error::Connection:
      return unreachable("cannot connect to '" + origin + "'" + via, "check the host and your network connection");
    case httplib::Error::ConnectionTimeout:
      return unreachable("cannot connect to '" + origin + "'" + via + ": timed out", "check the host and your network connection");
    case httplib::Error::SSLConnection:
      return unreachable("TLS handshake with '" + origin + "' failed" + via);
    case httplib::Error::SSLLoadingCerts: {
      const auto [file, dir] = trust_locations(env_);
      return unreachable("cannot load the trusted certificates from '" + (file.empty() ? dir : file) + "'",
                         "check SSL_CERT_FILE or SSL_CERT_DIR");
    }
    case httplib::Error::SSLServerVerification: {
      const std::string reason = verify_result != X509_V_OK ? X509_verify_cert_error_string(verify_result)
                                                     : "it is not valid for the name '" + url.host + "'";
      return unreachable("the TLS certificate of '" + origin + "' is not trusted: " + reason,
                         "if a proxy or a private CA signs it, set SSL_CERT_FILE to that CA's certificate");
    }
    default:
      return unreachable("the connection to '" + origin + "' failed" + via + " (" + httplib::to_string(error) + ")");
  }

  HttpResponse response;
  response.status = http_response.status;
  for (const auto& [name, value] : http_response.headers) response.headers.emplace_back(lower(name), value);
  response.body = std::move(body);
  log(request, url, std::to_string(response.status), started);
  return response;
}

void HttplibClient::log(const HttpRequest& request, const Url& url, std::string_view outcome,
                        SteadyClock::time_point started) const {
  if (!debug_) return;
  std::fprintf(stderr, "compozy: http: %s %s -> %.*s in %ld ms\n", request.method.c_str(),
               redact_url(url.str()).c_str(), static_cast<int>(outcome.size()), outcome.data(),
               milliseconds_between(started, SteadyClock::now()));
}

}  // namespace

HttpRequest HttpRequest::get(std::string url) {
  HttpRequest request;
  request.url = std::move(url);
  return request;
}

HttpRequest HttpRequest::post_form(std::string url, const Params& form) {
  HttpRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.body = form_encode(form);
  request.content_type = "application/x-www-form-urlencoded";
  return request;
}

HttpRequest& HttpRequest::bearer(std::string_view token) {
  headers.emplace_back("Authorization", "Bearer " + std::string(token));
  return *this;
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return value;
  }
  return std::nullopt;
}

// Defined here rather than in command.cpp, so that a tool which never calls it
// (compozy-auth-token on its fast path) links neither httplib nor OpenSSL.
HttpClient& Context::http() {
  if (!http_) http_ = make_http_client(env_);
  return *http_;
}

std::unique_ptr<HttpClient> make_http_client(const Environment& env, HttpLimits limits) {
  if (const auto timeout = env.get("COMPOZY_HTTP_TIMEOUT")) {
    if (const auto seconds = parse_duration(*timeout); seconds && seconds->count() > 0) limits.deadline = *seconds;
  }
  return std::make_unique<HttplibClient>(env, limits);
}

std::string redact_url(std::string_view url) {
  const auto question = url.find('?');
  if (question == std::string_view::npos) return std::string(url);
  std::string redacted(url.substr(0, question + 1));
  bool first = true;
  for (const auto& [name, value] : parse_query(url.substr(question + 1))) {
    if (!first) redacted += '&';
    first = false;
    redacted += percent_encode(name) + "=[redacted]";
  }
  return redacted;
}

}  // namespace compozy
