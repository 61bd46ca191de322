// Errors are values: every fallible function returns Result<T>, and one place
// (the plugin harness) prints the message once and turns the code into the exit status.
//
// There is one way to make a failure and one way to pass it on:
//
//   if (!ok) return fail("credentials file '" + path + "' is not a mapping");
//   if (!ok) return fail({.message = "…", .code = ExitCode::not_logged_in, .kind = Error::Kind::rejected});
//   auto server = discover(http, host);
//   if (!server) return propagate(server);                        // as it is
//   if (!server) return propagate(server, "signing in to 'x'");   // "signing in to 'x': <its message>"
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace compozy {

// The documented exit codes of every compozy command (README, "Exit codes").
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 2,
  not_logged_in = 4,  // no credentials, or credentials expired beyond refresh
  store_failed = 5,   // the credential store (a helper, the Secret Service) failed or is missing
  interrupted = 130,  // 128 + SIGINT, as a shell reports it
};

struct Error {
  // Tells apart what callers treat differently: a server that could not be
  // reached is never reported as a credential it rejected, and a stored entry
  // that cannot be read is one that logout may still remove.
  enum class Kind { general, unreachable, rejected, unreadable_entry };

  std::string message;  // git style: lower-case, no full stop, what failed first
  ExitCode code = ExitCode::failure;
  std::string hint = {};  // one optional line telling what to do, e.g. "run `compozy login`"
  Kind kind = Kind::general;
  // The command has already shown the user everything (as `auth status` shows
  // its verdict): the harness prints nothing and only exits with `code`.
  bool already_shown = false;

  // Each layer puts its own clause in front on the way up:
  // "refreshing profile 'work': token endpoint 'https://…': HTTP 401".
  [[nodiscard]] Error with_context(std::string_view clause) &&;
};

template <class T = void>
using Result = std::expected<T, Error>;

[[nodiscard]] std::unexpected<Error> fail(std::string message, ExitCode code = ExitCode::failure,
                                          std::string hint = {});
[[nodiscard]] std::unexpected<Error> fail(Error error);

// For a command that has shown its outcome itself and only needs the exit code.
[[nodiscard]] std::unexpected<Error> exit_quietly(ExitCode code);

// Passes a failed result's error up, as it is or with the caller's clause in front.
template <class T, class E>
[[nodiscard]] std::unexpected<E> propagate(std::expected<T, E>& failed) {
  return std::unexpected(std::move(failed.error()));
}
template <class T, class E>
[[nodiscard]] std::unexpected<E> propagate(const std::expected<T, E>& failed) {
  return std::unexpected(failed.error());
}
template <class T>
[[nodiscard]] std::unexpected<Error> propagate(Result<T>& failed, std::string_view clause) {
  return std::unexpected(std::move(failed.error()).with_context(clause));
}

}  // namespace compozy
