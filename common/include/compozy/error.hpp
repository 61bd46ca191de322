// Errors are values: every fallible function returns Result<T>, and one place
// (the plugin harness) prints the message once and turns the code into the exit status.
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
  interrupted = 130,  // 128 + SIGINT, as a shell reports it
};

struct Error {
  // Tells apart what callers treat differently: a server that could not be
  // reached is never reported as a credential it rejected.
  enum class Kind { general, unreachable, rejected };

  std::string message;  // git style: lower-case, no full stop, what failed first
  ExitCode code = ExitCode::failure;
  std::string hint = {};  // one optional line telling what to do, e.g. "run `compozy login`"
  Kind kind = Kind::general;

  // Each layer puts its own clause in front on the way up:
  // "refreshing profile 'work': token endpoint 'https://…': HTTP 401".
  [[nodiscard]] Error with_context(std::string_view clause) &&;
};

template <class T = void>
using Result = std::expected<T, Error>;

[[nodiscard]] std::unexpected<Error> fail(std::string message, ExitCode code = ExitCode::failure,
                                          std::string hint = {});

// Passes an error up with the caller's clause in front.
[[nodiscard]] std::unexpected<Error> fail_with_context(Error error, std::string_view clause);

}  // namespace compozy
