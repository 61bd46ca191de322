#include "server.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include "routes.hpp"

namespace compozy::devcloud {

namespace {

using SteadyClock = std::chrono::steady_clock;

// httplib calls the pre-routing handler, the route and the logger of one request on
// the same worker thread, so what the log line needs can wait here in between.
struct RequestTrace {
  SteadyClock::time_point start;
  bool started = false;
  std::string note;
  bool spoiled = false;  // by a fault, whose answer httplib must send as it is
};
thread_local RequestTrace trace;

// METHOD PATH[ NOTE] STATUS DURATIONms — the path without its query, which may carry
// a code or a state; the note is only ever a grant type.
void log_request(const httplib::Request& request, const httplib::Response& response) {
  const double milliseconds =
      trace.started ? std::chrono::duration<double, std::milli>(SteadyClock::now() - trace.start).count() : 0.0;
  std::string line = request.method.empty() ? "-" : printable_path(request.method);
  line += " ";
  line += request.path.empty() ? "-" : printable_path(request.path);
  if (!trace.note.empty()) line += " " + trace.note;
  char ending[48];
  std::snprintf(ending, sizeof ending, " %d %.2fms\n", response.status, milliseconds);
  line += ending;
  trace = {};

  static std::mutex output;
  const std::lock_guard lock(output);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

// Errors httplib answers before any route runs (bad request lines, oversized bodies,
// over-long URIs) get the same JSON shape as ours.
OAuthError error_for_status(int status) {
  switch (status) {
    case 400:
      return {400, "invalid_request", "the HTTP request is malformed"};
    case 404:
      return {404, "not_found", "there is no endpoint at this path"};
    case 413:
      return {413, "invalid_request", "the request body is larger than 64 KiB"};
    case 414:
      return {414, "invalid_request", "the request URI is longer than 8 KiB"};
    case 416:
      return {416, "invalid_request", "devcloud does not serve byte ranges"};
    case 500:
      return {500, "server_error", "internal error"};
    default:
      return {status, "invalid_request", "the request cannot be served"};
  }
}

Outcome<std::string> read_body(const httplib::Request& request, httplib::Response& response,
                               const httplib::ContentReader& reader) {
  std::string body;
  // httplib treats a POST without Content-Length or chunks as an unreadable body; it is an empty one.
  if (!request.has_header("Content-Length") && request.get_header_value("Transfer-Encoding") != "chunked") {
    return body;
  }
  bool too_large = false;
  const auto take = [&](const char* data, std::size_t size) {
    if (body.size() + size > max_body_size) {
      too_large = true;
      return false;
    }
    body.append(data, size);
    return true;
  };
  // httplib parses multipart bodies itself, and needs both callbacks for it; we take
  // no multipart forms, but the body must still be read before the route refuses it.
  const bool complete = request.is_multipart_form_data()
                            ? reader([](const httplib::MultipartFormData&) { return true; }, take)
                            : reader(take);
  // httplib itself refuses a Content-Length over the cap, and says so in the status.
  if (too_large || response.status == 413) {
    return std::unexpected(OAuthError{413, "invalid_request", "the request body is larger than 64 KiB"});
  }
  if (!complete) return std::unexpected(OAuthError{400, "invalid_request", "the request body could not be read"});
  return body;
}

// Loads the TLS certificate and key when the options name them.
Result<std::unique_ptr<httplib::Server>> make_http_server(const Options& options) {
  if (!options.tls_cert) return std::make_unique<httplib::Server>();
  auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert->c_str(), options.tls_key->c_str());
  if (!tls->is_valid()) {
    return fail("loading TLS certificate '" + options.tls_cert->string() + "' and key '" + options.tls_key->string() +
                "': expected readable PEM files of one key pair");
  }
  return tls;
}

void set_limits_and_headers(httplib::Server& http) {
  http.set_payload_max_length(max_body_size);
  http.set_keep_alive_timeout(2);  // a stop waits for idle keep-alive connections this long
  // httplib writes headers and body apart; with Nagle on, a kept-alive client
  // would wait for the delayed ACK of the first piece (40 ms) before the second.
  http.set_tcp_nodelay(true);
  http.set_read_timeout(10);
  http.set_write_timeout(10);
  // Without httplib's default SO_REUSEPORT, a second server on a busy port fails to
  // bind instead of silently sharing it.
  http.set_socket_options([](socket_t socket) {
    const int yes = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  http.set_default_headers({
      {"Cache-Control", "no-store"},  // tokens, codes and pages for one person: nothing is cacheable
      {"X-Content-Type-Options", "nosniff"},
      // Not no-referrer: under it a browser sends "Origin: null" with a page's own form
      // posts (Fetch §3.1), and refuse_cross_origin_form could not tell them from a
      // forged one. same-origin sends nothing to other origins, the loopback callback included.
      {"Referrer-Policy", "same-origin"},
  });
}

// RFC 9110 §6.6.1: a server with a clock sends Date, in IMF-fixdate.
std::string http_date(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[40] = {};
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return text;
}

// Runs before any route: starts the log line's clock and refuses DNS rebinding.
void refuse_unexpected_hosts(httplib::Server& http, const Authority& authority) {
  http.set_pre_routing_handler([&authority](const httplib::Request& request, httplib::Response& response) {
    trace = {SteadyClock::now(), true, {}, false};
    // devcloud's clock, so --clock-offset and /_clock show in it as in what it issues.
    response.set_header("Date", http_date(authority.now()));
    // httplib would cut any of our responses into byte ranges on request; we serve whole ones.
    const_cast<httplib::Request&>(request).ranges.clear();
    if (!is_expected_host(request.get_header_value("Host"), authority.options().public_host)) {
      response.set_header("Connection", "close");
      send_error(response, {400, "invalid_request",
                            "unexpected Host header '" + printable_path(request.get_header_value("Host")) +
                                "'; devcloud answers to 127.0.0.1, localhost and its --public-host only"});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
}

void answer_exceptions_with_500(httplib::Server& http) {
  http.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr thrown) {
    std::string what = "an unknown exception";
    try {
      std::rethrow_exception(thrown);
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {
    }
    std::fprintf(stderr, "compozy-devcloud: internal error: %s\n", what.c_str());
    response.headers.erase("Location");
    response.headers.erase("WWW-Authenticate");
    send_error(response, {500, "server_error", "internal error"});
  });
}

}  // namespace

Server::Server(Authority& authority, std::unique_ptr<httplib::Server> http)
    : authority_(authority), http_(std::move(http)) {}

Result<std::unique_ptr<Server>> Server::create(Authority& authority) {
  auto http = make_http_server(authority.options());
  if (!http) return propagate(http);
  std::unique_ptr<Server> server(new Server(authority, std::move(*http)));
  add_oauth_routes(server->router_, authority);
  if (authority.options().compozy_api) add_compozy_routes(server->router_, authority);
  if (authority.options().faults_switchable) add_fault_routes(server->router_, server->faults_, authority);
  for (const Fault& fault : authority.options().faults) server->faults_.add(fault);

  set_limits_and_headers(*server->http_);
  refuse_unexpected_hosts(*server->http_, authority);
  server->route_everything_to_router();
  server->answer_httplib_errors_as_json();
  answer_exceptions_with_500(*server->http_);
  server->http_->set_logger(log_request);
  return server;
}

// Every method on every path goes to our router, which tells 404 from 405. Paths
// longer than any route never reach it: a bounded pattern keeps std::regex from
// recursing once per character of a hostile path.
void Server::route_everything_to_router() {
  const std::string any_path = R"(/[\s\S]{0,511})";
  const auto plain = [this](const httplib::Request& request, httplib::Response& response) {
    handle(request, response, nullptr);
  };
  const auto with_body = [this](const httplib::Request& request, httplib::Response& response,
                                const httplib::ContentReader& reader) { handle(request, response, &reader); };
  httplib::Server& h = *http_;
  h.Get(any_path, plain);
  h.Options(any_path, plain);
  h.Post(any_path, plain);
  h.Post(any_path, with_body);
  h.Put(any_path, plain);
  h.Put(any_path, with_body);
  h.Patch(any_path, plain);
  h.Patch(any_path, with_body);
  h.Delete(any_path, plain);
  h.Delete(any_path, with_body);
}

// Errors httplib answers itself (bad request lines, oversized bodies, over-long URIs,
// unrouted methods) get the same JSON shape as ours.
void Server::answer_httplib_errors_as_json() {
  http_->set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& request,
                                                                       httplib::Response& response) {
    // One of ours; a fault's may stream its body, or have none.
    if (!response.body.empty() || trace.spoiled) return httplib::Server::HandlerResponse::Unhandled;
    // httplib answers 400 to methods it routes nowhere (TRACE, CONNECT); for a known path that is a 405.
    if (response.status == 400 && (request.method == "TRACE" || request.method == "CONNECT") && !request.path.empty()) {
      Exchange exchange{request, response, {}, {}, {}};
      router_.dispatch(exchange);
      return httplib::Server::HandlerResponse::Handled;
    }
    send_error(response, error_for_status(response.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
}

void Server::handle(const httplib::Request& request, httplib::Response& response,
                    const httplib::ContentReader* reader) {
  Exchange exchange{request, response, {}, {}, {}};
  if (reader != nullptr) {
    auto body = read_body(request, response, *reader);
    if (!body) {
      // What is left of the body is still on the connection; it cannot carry another request.
      response.set_header("Connection", "close");
      send_error(response, body.error());
      return;
    }
    exchange.body = std::move(*body);
  } else {
    exchange.body = request.body;
  }
  trace.note = answer(exchange);
}

std::string Server::answer(Exchange& exchange) {
  const bool is_switch = authority_.options().faults_switchable && (exchange.request.path == "/_faults" || exchange.request.path == "/_clock");
  const auto fault = is_switch ? std::nullopt : faults_.take(exchange.request.path);
  if (!fault) {
    router_.dispatch(exchange);
    return std::move(exchange.log_note);
  }
  trace.spoiled = true;
  if (fault->replaces_answer()) {
    answer_with_fault(*fault, exchange);
  } else {
    if (fault->kind == FaultKind::delay) faults_.pause(std::chrono::seconds(fault->seconds));
    router_.dispatch(exchange);
    spoil_answer(*fault, exchange, faults_);
  }
  return (exchange.log_note.empty() ? "" : exchange.log_note + " ") + "fault=" + std::string(fault->name());
}

Result<int> Server::bind(int port) {
  errno = 0;
  const int bound =
      port == 0 ? http_->bind_to_any_port("127.0.0.1") : (http_->bind_to_port("127.0.0.1", port) ? port : -1);
  if (bound < 0) {
    const int error_number = errno;
    return fail("cannot listen on 127.0.0.1:" + std::to_string(port) +
                (error_number != 0 ? std::string(": ") + std::strerror(error_number) : std::string()));
  }
  return bound;
}

Result<void> Server::serve() {
  if (!http_->listen_after_bind()) return fail("the server stopped accepting connections");
  return {};
}

void Server::stop() {
  faults_.stop();  // ends delays and trickles, which would otherwise hold their worker threads
  http_->stop();
}

bool Server::is_running() const { return http_->is_running(); }

}  // namespace compozy::devcloud
