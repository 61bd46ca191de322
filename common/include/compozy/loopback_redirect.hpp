// The redirect URI of a native app (RFC 8252 §7.3): a one-shot HTTP server on
// 127.0.0.1 that waits for the browser to bring back the authorization response.
// It serves every connection from one poll loop, each with its own few seconds
// to send its request, so no number of slow or idle connections (any process
// on this machine can open them) can starve the browser's.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "compozy/error.hpp"
#include "compozy/oauth.hpp"

namespace compozy {

class LoopbackRedirect {
 public:
  // Listens before the browser opens, so no response can arrive unheard.
  // Port 0 takes any free port; a fixed one suits SSH port forwarding. Only
  // a response with `state` is taken; any other (a forged or stale link) gets
  // an error page, is reported to `on_ignored`, and the wait goes on.
  static Result<std::unique_ptr<LoopbackRedirect>> listen(int port, const ServerMetadata& server, std::string state,
                                                          std::function<void(std::string_view)> on_ignored);
  virtual ~LoopbackRedirect() = default;

  virtual std::string redirect_uri() const = 0;  // http://127.0.0.1:PORT/callback

  // The authorization code, or the server's refusal, once the response has
  // arrived; an error at `deadline` or on Ctrl-C.
  virtual Result<std::string> wait_for_code(std::chrono::steady_clock::time_point deadline) = 0;
};

// The query of a `GET /callback?… HTTP/1.x` request, from the head the browser
// sent; nullopt for any other request.
std::optional<Params> callback_parameters(std::string_view request_head);

}  // namespace compozy
