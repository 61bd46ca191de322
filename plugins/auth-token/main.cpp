// compozy auth token: print a valid access token, for scripts and plugins.
#include "compozy/active_credential.hpp"
#include "compozy/command.hpp"

namespace {

using namespace compozy;

struct Options {};

Result<Options> parse_options(const cxxopts::ParseResult&) { return Options{}; }

Result<void> print_token(const Options&, Context& context) {
  auto credential = active_credential(context);
  if (!credential) return std::unexpected(std::move(credential.error()));
  context.out().data(credential->token + "\n");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth token",
      .summary = "Print a valid access token for scripts and plugins",
      .usage = "",
      .manual =
          "Prints the access token of the profile on standard output, refreshing it first when it expires\n"
          "within a minute, or the value of FLYZT_API_KEY when that is set. With a valid stored token it\n"
          "makes no network request. Plugins use it as:\n\n"
          "  token=$(\"$COMPOZY_BIN\" auth token) || exit\n"
          "  curl -H \"Authorization: Bearer $token\" …\n\n"
          "Exit codes: 0 ok, 1 error (such as an unreachable server during a needed refresh), 2 bad usage,\n"
          "4 not logged in, or the session has ended.",
      .parse = parse_options,
      .run = print_token,
  });
}
