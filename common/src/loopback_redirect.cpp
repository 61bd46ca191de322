#include "compozy/loopback_redirect.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>

#include "compozy/crypto.hpp"
#include "compozy/file_descriptor.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

using Monotonic = std::chrono::steady_clock;

constexpr std::size_t max_request_head = 8192;
constexpr std::size_t max_connections = 64;
// A browser sends its request at once; a connection that has not within this is dropped.
constexpr std::chrono::seconds request_patience{5};

// A page of the compozy command on this computer, not of the server: it says so, and
// sends the person back to the terminal. Colours meet WCAG AA (4.5:1) on white.
std::string page(std::string_view title, std::string_view message, bool good) {
  const std::string mark = good ? "&#10003;" : "&#10007;";
  const std::string tone = good ? "ok" : "bad";
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" +
         std::string(title) +
         " \u00b7 compozy</title><style>*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;"
         "flex-direction:column;align-items:center;justify-content:center;padding:24px 16px;background:#f4f6fb;"
         "color:#0f172a;font:16px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
         ".card{width:100%;max-width:440px;background:#fff;border:1px solid #e2e8f0;border-radius:14px;"
         "padding:32px 28px;text-align:center;box-shadow:0 8px 24px rgba(15,23,42,.06)}"
         ".mark{width:56px;height:56px;margin:0 auto 16px;border-radius:50%;display:flex;align-items:center;"
         "justify-content:center;font-size:28px}.ok{background:#ecfdf5;color:#047857}"
         ".bad{background:#fef2f2;color:#b91c1c}h1{font-size:22px;line-height:1.3;margin:0 0 10px}"
         "p{margin:0 0 12px;color:#475569}code{font:14px ui-monospace,Menlo,Consolas,monospace;"
         "background:#f1f5f9;color:#0f172a;border-radius:6px;padding:2px 6px;white-space:nowrap}"
         ".from{margin:18px 0 0;font-size:13px;color:#475569;text-align:center}</style></head><body><main class=\"card\">"
         "<div class=\"mark " +
         tone + "\" aria-hidden=\"true\">" + mark + "</div><h1>" + std::string(title) + "</h1><p>" +
         std::string(message) +
         "</p></main><p class=\"from\">This page comes from the <code>compozy</code> command on this computer."
         "</p></body></html>";
}

std::string http_response(int status, std::string_view reason, const std::string& html) {
  // The callback's URL carries the code: no cache, no referrer, nothing but this page.
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(html.size()) +
         "\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n"
         "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'\r\n"
         "Connection: close\r\n\r\n" +
         html;
}

// One browser connection: what it has sent so far, and until when it may take.
struct Connection {
  FileDescriptor socket;
  std::string head;
  Monotonic::time_point give_up;
};

class PollingLoopbackRedirect final : public LoopbackRedirect {
 public:
  PollingLoopbackRedirect(const ServerMetadata& server, std::string state, std::function<void(std::string_view)> on_ignored)
      : server_metadata_(server), state_(std::move(state)), on_ignored_(std::move(on_ignored)) {}

  Result<void> start(int port);
  std::string redirect_uri() const override { return "http://127.0.0.1:" + std::to_string(port_) + "/callback"; }
  Result<std::string> wait_for_code(std::chrono::steady_clock::time_point deadline) override;

 private:
  void accept_connections();
  // Reads what is there; true when the connection is done with (answered or dropped).
  bool serve(Connection& connection);
  std::string answer(std::string_view head);

  FileDescriptor listener_;
  int port_ = 0;
  std::deque<Connection> connections_;
  const ServerMetadata server_metadata_;
  const std::string state_;
  std::function<void(std::string_view)> on_ignored_;
  std::optional<Result<std::string>> outcome_;
};

Result<void> PollingLoopbackRedirect::start(int port) {
  const auto refuse = [port](std::string why) {
    return fail("cannot listen on 127.0.0.1:" + std::to_string(port) + " for the browser's redirect: " + why,
                ExitCode::failure, port == 0 ? "" : "choose another --callback-port, or free that one");
  };
  listener_ = FileDescriptor(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (listener_.get() < 0) return refuse(std::strerror(errno));
  // SO_REUSEADDR only: SO_REUSEPORT would let a second listener share a busy
  // --callback-port, and the browser's redirect could reach either of them.
  const int yes = 1;
  ::setsockopt(listener_.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_.get(), SOMAXCONN) != 0) {
    return refuse(std::strerror(errno));
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  return {};
}

Result<std::string> PollingLoopbackRedirect::wait_for_code(std::chrono::steady_clock::time_point deadline) {
  while (!outcome_) {
    if (interrupted()) return fail_interrupted();
    const auto now = Monotonic::now();
    if (now >= deadline) {
      return fail("timed out waiting for the sign-in in the browser", ExitCode::failure,
                  "run `compozy login` again, or `compozy login --device` to enter a code instead");
    }
    std::vector<pollfd> fds{{listener_.get(), POLLIN, 0}};
    for (const auto& connection : connections_) fds.push_back({connection.socket.get(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 50);
    if ((fds[0].revents & POLLIN) != 0) accept_connections();
    // Each connection on its own clock: none can hold up another, or the sign-in.
    std::erase_if(connections_, [&](Connection& connection) {
      return serve(connection) || Monotonic::now() >= connection.give_up;
    });
  }
  return *outcome_;
}

void PollingLoopbackRedirect::accept_connections() {
  for (;;) {
    FileDescriptor socket(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (socket.get() < 0) return;
    // A flood of idle connections drops the oldest, never the newest (the browser's).
    if (connections_.size() == max_connections) connections_.pop_front();
    connections_.push_back({std::move(socket), {}, Monotonic::now() + request_patience});
  }
}

bool PollingLoopbackRedirect::serve(Connection& connection) {
  char buffer[2048];
  const ssize_t got = ::recv(connection.socket.get(), buffer, sizeof buffer, 0);
  if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return true;
  if (got < 0) return false;
  connection.head.append(buffer, static_cast<std::size_t>(got));
  const bool complete = connection.head.find("\r\n\r\n") != std::string::npos;
  if (!complete && connection.head.size() <= max_request_head) return false;
  const std::string response = complete ? answer(connection.head)
                                        : http_response(431, "Request Header Fields Too Large", "");
  // Small enough for the socket's buffer; a browser that does not read it loses only its page.
  (void)!::send(connection.socket.get(), response.data(), response.size(), MSG_NOSIGNAL);
  return true;
}

std::string PollingLoopbackRedirect::answer(std::string_view head) {
  const auto callback = callback_parameters(head);
  if (!callback) return http_response(404, "Not Found", page("Not found", "Nothing here.", false));
  if (outcome_) {
    return http_response(409, "Conflict",
                         page("Already done", "This login has already finished; you can close this tab.", false));
  }
  const auto state = find_param(*callback, "state");
  if (!state || !constant_time_equal(*state, state_)) {
    if (on_ignored_) on_ignored_("ignored a sign-in response that does not belong to this login (wrong state)");
    return http_response(400, "Bad Request",
                         page("Not this login",
                              "This response does not belong to the login that is waiting in your terminal, so it "
                              "was ignored. Finish signing in from the link compozy printed.",
                              false));
  }
  outcome_ = authorization_code_from(*callback, state_, server_metadata_);
  if (*outcome_) {
    return http_response(200, "OK",
                         page("You are signed in",
                              "compozy has your sign-in. You can close this tab and return to your terminal.", true));
  }
  if (find_param(*callback, "error") == "access_denied") {
    return http_response(400, "Bad Request",
                         page("Sign-in denied",
                              "You chose Deny, so compozy was not given access to your account and nothing was "
                              "saved. To sign in after all, run <code>compozy login</code> in your terminal again "
                              "and choose Approve. You can close this tab.",
                              false));
  }
  return http_response(400, "Bad Request",
                       page("Sign-in failed",
                            html_escape(outcome_->error().message) + ". Return to your terminal for what to do next.",
                            false));
}

}  // namespace

std::optional<Params> callback_parameters(std::string_view request_head) {
  const auto line_end = request_head.find("\r\n");
  const std::string_view line = request_head.substr(0, line_end);
  if (!line.starts_with("GET ")) return std::nullopt;
  const auto target_end = line.find(' ', 4);
  if (target_end == std::string_view::npos || !line.substr(target_end + 1).starts_with("HTTP/1.")) return std::nullopt;
  const std::string_view target = line.substr(4, target_end - 4);
  const auto question = target.find('?');
  if (target.substr(0, question) != "/callback") return std::nullopt;
  return parse_query(question == std::string_view::npos ? std::string_view() : target.substr(question + 1));
}

Result<std::unique_ptr<LoopbackRedirect>> LoopbackRedirect::listen(int port, const ServerMetadata& server,
                                                                   std::string state,
                                                                   std::function<void(std::string_view)> on_ignored) {
  auto redirect = std::make_unique<PollingLoopbackRedirect>(server, std::move(state), std::move(on_ignored));
  if (auto started = redirect->start(port); !started) return propagate(started);
  return std::unique_ptr<LoopbackRedirect>(std::move(redirect));
}

}  // namespace compozy
