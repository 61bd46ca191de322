#include "compozy/loopback_redirect.hpp"

#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "compozy/crypto.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

std::string page(std::string_view title, std::string_view message, bool good) {
  const std::string mark = good ? "&#10003;" : "&#10007;";
  const std::string color = good ? "#15803d" : "#b91c1c";
  return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>compozy: " +
         std::string(title) +
         "</title><style>body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f6f7f9;"
         "color:#111827;display:flex;min-height:100vh;align-items:center;justify-content:center;margin:0}"
         ".card{background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.1);padding:40px 48px;"
         "max-width:420px;text-align:center}.mark{font-size:40px;color:" +
         color + "}h1{font-size:20px;margin:12px 0}p{color:#4b5563;line-height:1.5}</style></head>"
                 "<body><div class=\"card\"><div class=\"mark\">" +
         mark + "</div><h1>" + std::string(title) + "</h1><p>" + std::string(message) +
         "</p></div></body></html>";
}

class HttplibLoopbackRedirect final : public LoopbackRedirect {
 public:
  ~HttplibLoopbackRedirect() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  HttplibLoopbackRedirect(const ServerMetadata& server, std::string state,
                          std::function<void(std::string_view)> on_ignored)
      : server_metadata_(server), state_(std::move(state)), on_ignored_(std::move(on_ignored)) {}

  Result<void> start(int port) {
    // httplib's default SO_REUSEPORT would let a second listener share a busy
    // --callback-port, and the browser's redirect could reach either of them.
    server_.set_socket_options([](socket_t socket) {
      int yes = 1;
      ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ <= 0) {
      return fail("cannot listen on 127.0.0.1:" + std::to_string(port) + " for the browser's redirect",
                  ExitCode::failure, port == 0 ? "" : "choose another --callback-port, or free that one");
    }
    server_.Get("/callback", [this](const httplib::Request& request, httplib::Response& response) {
      handle(request, response);
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return {};
  }

  std::string redirect_uri() const override { return "http://127.0.0.1:" + std::to_string(port_) + "/callback"; }

  Result<std::string> wait_for_code(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock lock(mutex_);
    while (!outcome_ && !interrupted() && std::chrono::steady_clock::now() < deadline) {
      arrived_.wait_for(lock, std::chrono::milliseconds(50));
    }
    if (outcome_) return *outcome_;
    if (interrupted()) return fail_interrupted();
    return fail("timed out waiting for the sign-in in the browser", ExitCode::failure,
                "run `compozy login` again, or `compozy login --device` to enter a code instead");
  }

 private:
  void handle(const httplib::Request& request, httplib::Response& response) {
    Params params;
    for (const auto& [name, value] : request.params) params.emplace_back(name, value);
    std::unique_lock lock(mutex_);
    if (outcome_) {
      response.status = 409;
      response.set_content(page("Already done", "This login has already finished; you can close this tab.", false),
                           "text/html; charset=utf-8");
      return;
    }
    const auto state = find_param(params, "state");
    if (!state || !constant_time_equal(*state, state_)) {
      response.status = 400;
      response.set_content(page("Not this login",
                                "This response does not belong to the login that is waiting in your terminal, "
                                "so it was ignored. Finish signing in from the link compozy printed.",
                                false),
                           "text/html; charset=utf-8");
      if (on_ignored_) on_ignored_("ignored a sign-in response that does not belong to this login (wrong state)");
      return;
    }
    outcome_ = authorization_code_from(params, state_, server_metadata_);
    if (*outcome_) {
      response.set_content(page("You are signed in", "compozy has your sign-in. You can close this tab and "
                                                     "return to your terminal.", true),
                           "text/html; charset=utf-8");
    } else {
      response.status = 400;
      response.set_content(page("Sign-in failed", html_escape(outcome_->error().message) +
                                                      ". Return to your terminal for what to do next.",
                                false),
                           "text/html; charset=utf-8");
    }
    arrived_.notify_all();
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable arrived_;
  const ServerMetadata server_metadata_;
  const std::string state_;
  std::function<void(std::string_view)> on_ignored_;
  std::optional<Result<std::string>> outcome_;
};

}  // namespace

Result<std::unique_ptr<LoopbackRedirect>> LoopbackRedirect::listen(int port, const ServerMetadata& server,
                                                                   std::string state,
                                                                   std::function<void(std::string_view)> on_ignored) {
  auto redirect = std::make_unique<HttplibLoopbackRedirect>(server, std::move(state), std::move(on_ignored));
  if (auto started = redirect->start(port); !started) return propagate(started);
  return std::unique_ptr<LoopbackRedirect>(std::move(redirect));
}

}  // namespace compozy
