#include "compozy/error.hpp"

namespace compozy {

Error Error::with_context(std::string_view clause) && {
  message = std::string(clause) + ": " + message;
  return std::move(*this);
}

std::unexpected<Error> fail(std::string message, ExitCode code, std::string hint) {
  return std::unexpected(Error{std::move(message), code, std::move(hint)});
}

std::unexpected<Error> fail_with_context(Error error, std::string_view clause) {
  return std::unexpected(std::move(error).with_context(clause));
}

}  // namespace compozy
