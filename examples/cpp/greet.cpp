// compozy greet: greets the signed-in account, built against the installed
// compozy SDK (docs/plugins.md shows this file, and tests/e2e/sdk.sh checks
// that it still does). The harness gives it --help, --host and --profile, the
// error line and the exit codes; send_api_call sends the profile's
// credential, refreshed when needed, to the profile's host only.
#include <compozy/api_request.hpp>
#include <compozy/command.hpp>
#include <compozy/json_fields.hpp>
#include <compozy/text.hpp>

using namespace compozy;

struct NoOptions {};

Result<void> greet(const NoOptions&, Context& context) {
  auto me = send_api_call({.target = "/api/v1/me"}, context);  // refreshed when needed; 401 is exit 4
  if (!me) return propagate(me);
  const auto account = parse_json_object(me->body);
  if (!account) return fail("'/api/v1/me' did not answer a JSON object");
  context.out().data("Hello, " + terminal_safe(string_field(*account, "email")) + "!\n");
  context.out().info("(profile '" + context.settings().profile + "' on " + context.settings().host + ")");
  return {};
}

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<NoOptions>{
      .name = "greet",
      .summary = "Greet the signed-in account",
      .usage = "[--profile NAME]",
      .manual = "Asks the profile's host who is signed in and greets them.\n\n"
                "Exit codes: 0 ok, 1 failure, 2 bad usage, 4 not signed in or the credential was rejected.",
      .run = greet,
      .http = make_http_client,
  });
}
