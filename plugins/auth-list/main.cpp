// compozy auth list: every active session of the account.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/sessions.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the sessions as JSON (schema_version 1)");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) { return Options{.json = parsed.count("json") != 0}; }

Result<void> list(const Options& options, Context& context) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  auto sessions = list_sessions(context, *credential);
  if (!sessions) return propagate(sessions);

  if (options.json) {
    context.out().json(sessions_json(context.settings().host, *sessions));
  } else {
    print_sessions(context.out(), context.settings().host, *sessions, context.clock().now());
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth list",
      .usage = "[--json]",
      .manual =
          "Lists every place your account is signed in: session ID, client, device (its user agent),\n"
          "when it was created, last used and expires. '*' marks the session this machine uses. On a\n"
          "terminal the table fits its width; piped, it prints tab-separated lines with RFC 3339 times.\n"
          "Revoke one with `compozy auth revoke ID`.\n\n"
          "Exit codes: 0 ok, 1 error (or a server without session management), 2 bad usage,\n"
          "4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = list,
      .http = make_http_client,
  });
}
