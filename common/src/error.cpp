#include "compozy/error.hpp"

namespace compozy {

Error Error::with_context(std::string_view clause) && {
  message = std::string(clause) + ": " + message;
  return std::move(*this);
}

std::unexpected<Error> fail(std::string message, ExitCode code, std::string hint) {
  return std::unexpected(Error{std::move(message), code, std::move(hint)});
}

std::unexpected<Error> fail(Error error) { return std::unexpected(std::move(error)); }

std::unexpected<Error> exit_quietly(ExitCode code) {
  return std::unexpected(Error{.message = {}, .code = code, .already_shown = true});
}

}  // namespace compozy
