// compozy auth token: print a valid access token, for scripts and plugins.
#include "compozy/command.hpp"
#include "compozy/child_process.hpp"
#include "compozy/active_credential.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the token with its host, profile, type, expiry and source (schema_version 1)");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) { return Options{.json = parsed.count("json") != 0}; }

Result<void> show_token(const Options& options, Context& context) {
  auto ready = credential_without_refresh(context);
  if (!ready) return propagate(ready);
  if (*ready) {
    print_token(context.out(), context.settings(), **ready, options.json);
    return {};
  }
  // The token must be refreshed first. That takes the network, which this tool
  // does not even load, so that the usual case stays fast: compozy-auth-refresh
  // does it, for the same profile and host, and prints what this tool would.
  std::vector<std::string> arguments{"--if-expiring", "--print-token"};
  if (options.json) arguments.emplace_back("--json");
  const Settings& settings = context.settings();
  return exec_sibling_tool("compozy-auth-refresh", std::move(arguments),
                           {{"COMPOZY_PROFILE", settings.profile}, {"COMPOZY_HOST", settings.host}});
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth token",
      .usage = "[--json]",
      .manual =
          "Prints the access token of the profile on standard output, refreshing it first when it expires\n"
          "within a minute (as `compozy auth refresh --if-expiring --print-token`), or the value of\n"
          "FLYZT_API_KEY when that is set. With a valid stored token it makes no network request and\n"
          "takes a few milliseconds.\n\n"
          "--json prints {\"schema_version\": 1, \"host\", \"profile\", \"token\", \"credential\": {\"type\",\n"
          "\"source\", \"variable\", \"expires_at\", \"store\"}}: the token with the host it belongs to, from\n"
          "one read of the store (\"store\" names the credential store holding it). A plugin sends the token\n"
          "to that host and nowhere else (COMPOZY_HOST is set only when --host was given, not when the host\n"
          "comes from the profile):\n\n"
          "  auth=$(\"$COMPOZY_BIN\" auth token --json) || exit\n"
          "  host=$(printf '%s' \"$auth\" | jq -r .host)\n"
          "  printf '%s' \"$auth\" | jq -r '\"Authorization: Bearer \" + .token' | curl -fsS -H @- \"$host/api/v1/me\"\n\n"
          "or lets `compozy api /api/v1/me` do all of it.\n\n"
          "Exit codes: 0 ok, 1 error (such as an unreachable server during a needed refresh), 2 bad usage,\n"
          "4 not logged in, or the session has ended.",
      .declare = declare_options,
      .parse = parse_options,
      .run = show_token,
  });
}
