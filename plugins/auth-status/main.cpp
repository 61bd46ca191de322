// compozy auth status: who you are signed in as, and whether it still works.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/credential_status.hpp"
#include "compozy/interrupt.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
  bool offline = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the status as JSON (schema_version 1)")(
      "offline", "do not ask the server; judge from what is stored");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  return Options{.json = parsed.count("json") != 0, .offline = parsed.count("offline") != 0};
}

Result<void> show_status(const Options& options, Context& context) {
  const CredentialStatus status = assess_credential(context, !options.offline);
  // Ctrl-C during a request or a refresh: whatever was learnt, the person asked to stop.
  if (interrupted()) return fail_interrupted();
  if (options.json) {
    context.out().json(status_json(status));
  } else {
    print_status(context.out(), status);
  }
  if (!status.works()) return exit_quietly(ExitCode::failure);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth status",
      .usage = "[--json] [--offline]",
      .manual =
          "Shows the host, the account, where the credential comes from (FLYZT_API_KEY or the credentials\n"
          "file), when it expires and its scopes, and asks the server whether it still accepts it. An\n"
          "expired access token is refreshed first, as any command would, since only a refresh shows\n"
          "whether the session still lives; if the server has ended it, its stored credentials are removed.\n"
          "--offline asks nothing, and then cannot vouch for an expired access token. --json prints a\n"
          "document whose \"state\" is one of valid, expired_refreshable, expired, rejected,\n"
          "not_logged_in and offline (see the README).\n\n"
          "Exit codes: 0 logged in with a credential that works (valid), 1 otherwise, including when the\n"
          "server could not be asked, 2 bad usage, 130 interrupted.",
      .declare = declare_options,
      .parse = parse_options,
      .run = show_status,
      .http = make_http_client,
  });
}
