// compozy-devcloud: a local Compozy Cloud, so that the whole suite runs for real on
// one machine (README demo, every end-to-end test), like the Firebase emulators.
//
//   compozy-devcloud [--port N] [--user EMAIL]... [--auto-approve] [--state FILE] …
//
// Prints "compozy-devcloud listening on http://127.0.0.1:PORT" first, then one line
// per request. SIGINT and SIGTERM stop it cleanly with status 0, the --state file
// written. Exit codes: 0 ok, 1 the server could not start (or save), 2 bad usage.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "authority.hpp"
#include "compozy/version.hpp"
#include "options.hpp"
#include "server.hpp"

namespace compozy::devcloud {
namespace {

void print(std::FILE* stream, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fflush(stream);
}

int report(const Error& error) {
  print(stderr, "compozy-devcloud: error: " + error.message + "\n");
  if (!error.hint.empty()) print(stderr, "hint: " + error.hint + "\n");
  return static_cast<int>(error.code);
}

std::string issuer_for(const Options& options, int port) {
  const bool ipv6 = options.public_host.find(':') != std::string::npos && !options.public_host.starts_with('[');
  const std::string host = ipv6 ? "[" + options.public_host + "]" : options.public_host;
  return std::string(options.tls_cert ? "https" : "http") + "://" + host + ":" + std::to_string(port);
}

Result<void> run(const Options& options) {
  // Every thread made from here on inherits this mask, so the signals reach only the
  // watcher below, which stops the server from a normal thread instead of a handler.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-response must not end the server

  auto authority = Authority::open(options);
  if (!authority) return propagate(authority);
  auto server = Server::create(**authority);
  if (!server) return propagate(server);
  const auto port = (*server)->bind(options.port);
  if (!port) return propagate(port);
  (*authority)->set_issuer(issuer_for(options, *port));
  print(stdout, "compozy-devcloud listening on " + (*authority)->issuer() + "\n");

  std::atomic<bool> finished = false;
  std::thread watcher([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    // A signal right after binding may come before serve() runs; keep asking until it has stopped.
    while (!finished) {
      (*server)->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  const auto served = (*server)->serve();
  finished = true;
  pthread_kill(watcher.native_handle(), SIGTERM);  // wakes the watcher if no signal came
  watcher.join();
  if (!served) return served;
  // Changes wait up to a moment to be written; a stop by signal writes them first.
  if (auto flushed = (*authority)->flush(); !flushed) return propagate(flushed, "saving the state");
  return {};
}

}  // namespace
}  // namespace compozy::devcloud

int main(int argc, char** argv) {
  using namespace compozy::devcloud;
  const auto options = parse_options(argc, argv);
  if (!options) return report(options.error());
  if (options->help) {
    print(stdout, usage());
    return 0;
  }
  if (options->version) {
    print(stdout, std::string("compozy-devcloud version ") + compozy::version + "\n");
    return 0;
  }
  if (const auto ran = run(*options); !ran) return report(ran.error());
  return 0;
}
