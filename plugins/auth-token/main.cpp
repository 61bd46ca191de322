// compozy auth token: print a valid access token, for scripts and plugins.
#include "compozy/command.hpp"
#include "compozy/child_process.hpp"
#include "compozy/active_credential.hpp"
#include "compozy/text.hpp"

#include <algorithm>

namespace {

using namespace compozy;

struct Options {
  bool json = false;
  std::vector<std::string> scopes;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the token with its host, profile, type, expiry and source (schema_version 1)")(
      "scope", "a token narrowed to this scope (repeatable): read, write, keys:manage, openid, email, …",
      cxxopts::value<std::vector<std::string>>(), "SCOPE");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options;
  options.json = parsed.count("json") != 0;
  if (parsed.count("scope") != 0) options.scopes = parsed["scope"].as<std::vector<std::string>>();
  for (const std::string& scope : options.scopes) {
    // RFC 6749 §3.3: a scope token is visible ASCII other than " and \.
    const bool valid = !scope.empty() && std::all_of(scope.begin(), scope.end(), [](unsigned char c) {
      return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (!valid) return usage_error("--scope takes one scope such as read, not '" + terminal_safe(scope) + "'");
  }
  return options;
}

// A narrowed token takes a request to the server (RFC 8693), and so does a refresh:
// compozy-auth-refresh does either, for the same profile and host, and prints what
// this tool would. This one stays without HTTP or TLS, so that the usual case is fast.
Result<void> exec_auth_refresh(const Options& options, const Context& context) {
  std::vector<std::string> arguments{"--if-expiring", "--print-token"};
  if (options.json) arguments.emplace_back("--json");
  for (const std::string& scope : options.scopes) {
    arguments.emplace_back("--scope");
    arguments.push_back(scope);
  }
  const Settings& settings = context.settings();
  return exec_sibling_tool("compozy-auth-refresh", std::move(arguments),
                           {{"COMPOZY_PROFILE", settings.profile}, {"COMPOZY_HOST", settings.host}});
}

Result<void> show_token(const Options& options, Context& context) {
  if (!options.scopes.empty()) return exec_auth_refresh(options, context);
  auto ready = credential_without_refresh(context);
  if (!ready) return propagate(ready);
  if (*ready) {
    print_token(context.out(), context.settings(), **ready, options.json);
    return {};
  }
  return exec_auth_refresh(options, context);  // the token must be refreshed first
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth token",
      .usage = "[--json] [--scope SCOPE]...",
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
          "--scope SCOPE (repeatable) prints instead a token that holds only those scopes, for a plugin or a\n"
          "CI step that needs less than your whole session: read, write, keys:manage, and the OpenID ones.\n"
          "It comes from the server by OAuth 2.0 Token Exchange (RFC 8693), expires no later than the\n"
          "session's access token, cannot be refreshed, and is not stored. The API refuses it (403\n"
          "insufficient_scope) outside those scopes. A server without token exchange is an error (exit 1).\n\n"
          "Exit codes: 0 ok, 1 error (such as an unreachable server during a needed refresh), 2 bad usage,\n"
          "4 not logged in, or the session has ended.",
      .declare = declare_options,
      .parse = parse_options,
      .run = show_token,
  });
}
