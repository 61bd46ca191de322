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

#include "compozy/config.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/proxy.hpp"
#include "compozy/text.hpp"
#include "compozy/timestamp.hpp"
#include "compozy/version.hpp"

namespace compozy {

// The system's hashed folder is read one certificate at a time as a chain needs it.
std::pair<std::string, std::string> trusted_ca_locations(const Environment& env) {
  if (auto file = env.get("SSL_CERT_FILE")) return {*file, ""};
  if (auto dir = env.get("SSL_CERT_DIR")) return {"", *dir};
  if (::access(system_ca_folder, R_OK | X_OK) == 0) return {"", system_ca_folder};
  return {"", ""};
}

namespace {

using SteadyClock = std::chrono::steady_clock;

long milliseconds_between(SteadyClock::time_point from, SteadyClock::time_point to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

std::optional<std::chrono::milliseconds> retry_after(const HttpResponse& response) {
  const auto value = response.header("retry-after");
  if (!value) return std::nullopt;
  long seconds = 0;
  const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), seconds);
  if (ec != std::errc() || end != value->data() + value->size() || seconds < 0) return std::nullopt;
  // Any wait past the request's deadline is cut by it; this keeps the arithmetic in range.
  return std::chrono::seconds(std::min(seconds, 3600L));
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

bool is_idempotent(const HttpRequest& request) {
  return request.idempotent.value_or(request.method == "GET" || request.method == "HEAD" || request.method == "PUT" ||
                                     request.method == "DELETE");
}

std::unexpected<Error> fail_unreachable(std::string message, std::string hint = {}) {
  return fail({std::move(message), ExitCode::failure, std::move(hint), Error::Kind::unreachable});
}

// What one attempt came to. A request that never reached the server is safe
// to send again, even a POST whose repetition would not be.
struct Attempt {
  Result<HttpResponse> response;
  bool may_have_reached_server = true;
};

// What httplib reported once the request ended, however it ended.
struct Transfer {
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  std::string body;
  bool too_large = false;
  bool timed_out = false;
  bool stopped_by_user = false;
  long verify_result = X509_V_OK;
};

class HttplibClient final : public HttpClient {
 public:
  HttplibClient(const Environment& env, HttpLimits limits)
      : env_(env), limits_(limits), debug_(env.get("COMPOZY_DEBUG").value_or("0") != "0") {}

  Result<HttpResponse> send(const HttpRequest& request) override;

 private:
  Result<HttpResponse> send_with_retries(const Url& url, const HttpRequest& request, SteadyClock::time_point deadline);
  Attempt attempt(const Url& url, const HttpRequest& request, SteadyClock::time_point deadline);
  httplib::Request to_httplib(const Url& url, const HttpRequest& request, Transfer& transfer) const;
  void run_until_deadline(httplib::Client& client, httplib::Request& request, Transfer& transfer,
                          SteadyClock::time_point deadline);
  std::unexpected<Error> describe_failure(const Url& url, const Transfer& transfer, const std::optional<Proxy>& proxy,
                                          SteadyClock::time_point deadline) const;
  void log(const HttpRequest& request, const Url& url, std::string_view outcome, SteadyClock::time_point started) const;

  // One client per origin for the life of the process: its TLS context reads
  // the trusted certificates once, and kept-alive connections are reused, so
  // the requests of one command (discovery, token, userinfo) share a handshake.
  httplib::Client& client_for(const Url& url, const std::optional<Proxy>& proxy);

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
    const auto [file, dir] = trusted_ca_locations(env_);
    if (!file.empty() || !dir.empty()) client->set_ca_cert_path(file, dir);
  }
  return *client;
}

Result<HttpResponse> HttplibClient::send(const HttpRequest& original) {
  const auto deadline = SteadyClock::now() + limits_.deadline;
  // A line break in a header would end it and start another of someone else's choosing.
  for (const auto& [name, value] : original.headers) {
    if ((name + value).find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return fail("refusing to send the header '" + name + "': it holds a line break or a NUL");
    }
  }
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
    if (next->scheme == "http" && !next->is_loopback()) {
      return fail("refusing to follow a redirect to plain http outside this machine ('" + next->origin() + "')");
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
  const bool idempotent = is_idempotent(request);
  std::mt19937 jitter(std::random_device{}());
  for (int attempt_number = 1;; ++attempt_number) {
    Attempt outcome = attempt(url, request, deadline);
    auto& response = outcome.response;
    if (!response && response.error().code == ExitCode::interrupted) return response;

    // A request that may have reached the server is repeated only if repeating is harmless.
    bool retry = false;
    std::chrono::milliseconds wait{200 << (attempt_number - 1)};
    wait += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 100)(jitter));
    if (!response) {
      retry = response.error().kind == Error::Kind::unreachable && (idempotent || !outcome.may_have_reached_server);
    } else if (idempotent && (response->status == 429 || response->status >= 500)) {
      retry = true;
      if (const auto asked = retry_after(*response)) wait = *asked;
    }
    if (!retry || attempt_number >= limits_.max_attempts || SteadyClock::now() + wait >= deadline) return response;
    if (auto slept = sleep_unless_interrupted(wait); !slept) return propagate(slept);
  }
}

httplib::Request HttplibClient::to_httplib(const Url& url, const HttpRequest& request, Transfer& transfer) const {
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
    http_request.set_header("Content-Type",
                            request.content_type.empty() ? "application/octet-stream" : request.content_type);
  }
  http_request.content_receiver = [&transfer, max = limits_.max_body_bytes](const char* data, std::size_t length,
                                                                           std::uint64_t, std::uint64_t) {
    if (transfer.body.size() + length > max) {
      transfer.too_large = true;
      return false;
    }
    transfer.body.append(data, length);
    return true;
  };
  return http_request;
}

// httplib has no overall deadline, and a server may complete TLS and then
// trickle or say nothing; so the request runs beside this thread, which
// stops it when the deadline passes or the user presses Ctrl-C.
void HttplibClient::run_until_deadline(httplib::Client& client, httplib::Request& request, Transfer& transfer,
                                       SteadyClock::time_point deadline) {
  bool done = false;
  std::mutex mutex;
  std::condition_variable finished;
  std::thread worker([&] {
    client.send(request, transfer.response, transfer.error);
    std::lock_guard lock(mutex);
    done = true;
    finished.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    while (!done) {
      finished.wait_for(lock, std::chrono::milliseconds(50));
      if (done || (!interrupted() && SteadyClock::now() < deadline)) continue;
      (interrupted() ? transfer.stopped_by_user : transfer.timed_out) = true;
      lock.unlock();
      client.stop();
      lock.lock();
      finished.wait(lock, [&] { return done; });
    }
  }
  worker.join();
  transfer.verify_result = client.get_openssl_verify_result();
}

Attempt HttplibClient::attempt(const Url& url, const HttpRequest& request, SteadyClock::time_point deadline) {
  const auto started = SteadyClock::now();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - started);
  if (left.count() <= 0) return {fail_unreachable("no answer from '" + url.origin() + "' in time"), false};
  auto proxy = proxy_for(url, env_);
  if (!proxy) return {propagate(proxy), false};

  httplib::Client& client = client_for(url, *proxy);
  const auto seconds = [](std::chrono::milliseconds ms) { return std::max<long>(1, (ms.count() + 999) / 1000); };
  client.set_connection_timeout(std::min(limits_.connect_timeout, left));
  // The deadline ends the request; these only back it up, a second later.
  client.set_read_timeout(seconds(left) + 1, 0);
  client.set_write_timeout(seconds(left) + 1, 0);

  Transfer transfer;
  httplib::Request http_request = to_httplib(url, request, transfer);
  run_until_deadline(client, http_request, transfer, deadline);
  const bool reached = transfer.error != httplib::Error::Connection &&
                       transfer.error != httplib::Error::ConnectionTimeout;
  const bool failed = transfer.stopped_by_user || transfer.too_large || transfer.timed_out ||
                      transfer.error != httplib::Error::Success;
  // A connection that failed or was cut off is not reused: the next attempt starts afresh.
  if (failed) clients_.erase(url.origin());
  if (failed) {
    auto failure = describe_failure(url, transfer, *proxy, deadline);
    log(request, url, "error: " + failure.error().message, started);
    return {std::move(failure), reached};
  }
  HttpResponse response;
  response.status = transfer.response.status;
  for (const auto& [name, value] : transfer.response.headers) response.headers.emplace_back(lower(name), value);
  response.body = std::move(transfer.body);
  log(request, url, std::to_string(response.status), started);
  return {std::move(response), true};
}

std::unexpected<Error> HttplibClient::describe_failure(const Url& url, const Transfer& transfer,
                                                       const std::optional<Proxy>& proxy,
                                                       SteadyClock::time_point deadline) const {
  const std::string origin = url.origin();
  if (transfer.stopped_by_user) return fail_interrupted();
  if (transfer.too_large) {
    return fail("the response from '" + origin + "' is larger than " + std::to_string(limits_.max_body_bytes >> 20) +
                " MiB");
  }
  const std::string via = proxy ? " through the proxy '" + proxy->shown + "'" : "";
  if (transfer.timed_out || SteadyClock::now() >= deadline) {
    return fail_unreachable("'" + origin + "' did not answer within " +
                            std::to_string(limits_.deadline.count() / 1000) + " s" + via);
  }
  const std::string check_network = "check the host and your network connection";
  switch (transfer.error) {
    case httplib::Error::Connection:
      return fail_unreachable("cannot connect to '" + origin + "'" + via, check_network);
    case httplib::Error::ConnectionTimeout:
      return fail_unreachable("cannot connect to '" + origin + "'" + via + ": timed out", check_network);
    case httplib::Error::SSLConnection:
      return fail_unreachable("TLS handshake with '" + origin + "' failed" + via);
    case httplib::Error::SSLLoadingCerts: {
      const auto [file, dir] = trusted_ca_locations(env_);
      return fail_unreachable("cannot load the trusted certificates from '" + (file.empty() ? dir : file) + "'",
                              "check SSL_CERT_FILE or SSL_CERT_DIR");
    }
    case httplib::Error::SSLServerVerification: {
      const std::string reason = transfer.verify_result != X509_V_OK
                                     ? X509_verify_cert_error_string(transfer.verify_result)
                                     : "it is not valid for the name '" + url.host + "'";
      return fail_unreachable("the TLS certificate of '" + origin + "' is not trusted: " + reason,
                              "if a proxy or a private CA signs it, set SSL_CERT_FILE to that CA's certificate");
    }
    default:
      return fail_unreachable("the connection to '" + origin + "' failed" + via + " (" +
                              httplib::to_string(transfer.error) + ")");
  }
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

std::unique_ptr<HttpClient> make_http_client(const Environment& env) { return make_http_client_with_limits(env, {}); }

std::unique_ptr<HttpClient> make_http_client_with_limits(const Environment& env, HttpLimits limits) {
  // The harness has refused a value that is not a duration before any command runs.
  if (const auto timeout = http_timeout_setting(env); timeout && *timeout) limits.deadline = **timeout;
  return std::make_unique<HttplibClient>(env, limits);
}

std::unexpected<Error> fail_with_status(std::string_view what, int status, Sent sent) {
  if (sent == Sent::bearer_credential && (status == 401 || status == 403)) {
    return fail({.message = "the server rejected the credential (HTTP " + std::to_string(status) + ")",
                 .code = ExitCode::not_logged_in,
                 .hint = "run `compozy login`",
                 .kind = Error::Kind::rejected});
  }
  return fail({.message = std::string(what) + " answered HTTP " + std::to_string(status),
               .kind = status >= 500 ? Error::Kind::unreachable : Error::Kind::general});
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
