// compozy auth token: print a valid access token, for scripts and plugins.
#include "compozy/command.hpp"
#include "compozy/child_process.hpp"
#include "compozy/active_credential.hpp"

namespace {

using namespace compozy;

struct Options {};

Result<Options> parse_options(const cxxopts::ParseResult&) { return Options{}; }

Result<void> print_token(const Options&, Context& context) {
  auto ready = credential_without_refresh(context);
  if (!ready) return propagate(ready);
  if (*ready) {
    context.out().data((*ready)->token + "\n");
    return {};
  }
  // The token must be refreshed first. That takes the network, which this tool
  // does not even load, so that the usual case stays fast: compozy-auth-refresh
  // does it, for the same profile and host.
  return exec_sibling_tool("compozy-auth-refresh", {"--if-expiring", "--print-token"},
                           {{"COMPOZY_PROFILE", context.settings().profile}, {"COMPOZY_HOST", context.settings().host}});
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth token",
      .usage = "",
      .manual =
          "Prints the access token of the profile on standard output, refreshing it first when it expires\n"
          "within a minute (as `compozy auth refresh --if-expiring --print-token`), or the value of\n"
          "FLYZT_API_KEY when that is set. With a valid stored token it makes no network request and\n"
          "takes a few milliseconds. Plugins use it as:\n\n"
          "  token=$(\"$COMPOZY_BIN\" auth token) || exit\n"
          "  curl -H \"Authorization: Bearer $token\" …\n\n"
          "Exit codes: 0 ok, 1 error (such as an unreachable server during a needed refresh), 2 bad usage,\n"
          "4 not logged in, or the session has ended.",
      .parse = parse_options,
      .run = print_token,
  });
}
