// compozy auth revoke: end one session of the account.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/refresh.hpp"
#include "compozy/revocation.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string session_id;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("session-id", "the session to revoke", cxxopts::value<std::string>());
  options.parse_positional({"session-id"});
  options.positional_help("SESSION_ID");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("session-id") == 0) {
    return usage_error("which session? give its ID (see `compozy auth list`)");
  }
  Options options{.session_id = parsed["session-id"].as<std::string>()};
  if (options.session_id.empty()) return usage_error("the session ID is empty");
  return options;
}

Result<void> revoke(const Options& options, Context& context) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  auto forgotten = revoke_session_everywhere(context, *credential, options.session_id);
  if (!forgotten) return propagate(forgotten);
  context.out().success("Revoked session " + options.session_id);
  report_forgotten(context.out(), *forgotten, Revoked::one_session, context.settings().implicit_profile);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth revoke",
      .usage = "SESSION_ID",
      .manual =
          "Ends one session of your account (an ID from `compozy auth list`): its tokens stop working at\n"
          "once, wherever they are. Every profile on this machine that held it loses its stored credentials.\n\n"
          "Exit codes: 0 revoked, 1 error (such as no active session with that ID), 2 bad usage,\n"
          "4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = revoke,
      .http = make_http_client,
  });
}
