// The HTTP(S) server around the routes: binds 127.0.0.1 only, reads bodies under a
// cap, turns every failure into a JSON error, logs one line per request, and
// answers badly where a fault is switched on.
#pragma once

#include <memory>

#include "authority.hpp"
#include "compozy/error.hpp"
#include "faults.hpp"
#include "http.hpp"

namespace compozy::devcloud {

class Server {
 public:
  // Loads the TLS certificate and key when the options name them.
  static Result<std::unique_ptr<Server>> create(Authority& authority);

  // Binds 127.0.0.1:port (0: any free port) and returns the port.
  Result<int> bind(int port);
  // Serves until stop() is called, from any thread.
  Result<void> serve();
  void stop();
  // Whether serve() has started accepting, so that a stop() cannot be lost before it.
  bool is_running() const;

 private:
  Server(Authority& authority, std::unique_ptr<httplib::Server> http);
  void route_everything_to_router();
  void answer_httplib_errors_as_json();
  void handle(const httplib::Request& request, httplib::Response& response, const httplib::ContentReader* reader);
  // Routes the exchange, through the fault that applies to it if any; returns the log note.
  std::string answer(Exchange& exchange);

  Authority& authority_;
  std::unique_ptr<httplib::Server> http_;
  Router router_;
  FaultSwitch faults_;
};

}  // namespace compozy::devcloud
