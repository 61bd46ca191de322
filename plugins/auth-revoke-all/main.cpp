// compozy auth revoke-all: end every session of the account, this one included.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/revocation.hpp"
#include "compozy/sessions.hpp"

namespace {

using namespace compozy;

struct Options {
  bool yes = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("y,yes", "do not ask for confirmation");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) { return Options{.yes = parsed.count("yes") != 0}; }

Result<bool> confirmed(Context& context, std::string_view question) {
  if (!context.out().stdin_is_terminal()) {
    return usage_error("refusing to revoke every session without confirmation; pass --yes to do it anyway");
  }
  // The account and host come from the server and the config: ask_yes_or_no makes them safe.
  return ask_yes_or_no(context, question);
}

Result<void> revoke_all(const Options& options, Context& context) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  const bool with_api_key = credential->origin == CredentialOrigin::environment ||
                            (credential->stored && credential->stored->kind == CredentialKind::api_key);
  if (!options.yes) {
    const std::string account = credential->stored ? credential->stored->account : "your account";
    auto answer = confirmed(context, "Revoke every session of " + account + " on " + context.settings().host +
                                         ", this machine's included?");
    if (!answer) return propagate(answer);
    if (!*answer) return fail("nothing was revoked");
  }
  auto count = revoke_all_sessions(context, *credential);
  if (!count) return propagate(count);

  context.out().success("Revoked " + std::to_string(*count) + (*count == 1 ? " session" : " sessions") + " on " +
                        context.settings().host);
  auto forgotten = forget_sessions_of_account(context, *credential);
  if (!forgotten) return propagate(forgotten);
  report_forgotten(context.out(), *forgotten, Revoked::every_session, context.settings().implicit_profile);
  if (with_api_key) {
    context.out().info("API keys are managed in the dashboard (Settings > API Keys) and are not revoked by this.");
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth revoke-all",
      .usage = "[--yes]",
      .manual =
          "Ends every session of your account, this machine's included, and removes the stored credentials\n"
          "of every profile signed in to that account on this host. It asks first on a terminal; without a\n"
          "terminal it refuses unless given --yes.\n"
          "API keys are not sessions: manage them in the dashboard.\n\n"
          "Exit codes: 0 revoked, 1 error or declined, 2 bad usage (no terminal and no --yes),\n"
          "4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = revoke_all,
      .http = make_http_client,
  });
}
