// compozy auth list: every active session of the account.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/sessions.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
  std::optional<std::chrono::seconds> inactive_age;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the sessions as JSON (schema_version 1)")(
      "inactive-age", "flag sessions unused for longer than this (default: inactive_session_age in config.yaml, else 30d)",
      cxxopts::value<std::string>(), "DURATION");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options;
  options.json = parsed.count("json") != 0;
  if (parsed.count("inactive-age") != 0) {
    const std::string text = parsed["inactive-age"].as<std::string>();
    const auto age = parse_duration(text);
    if (!age || age->count() == 0) return usage_error("--inactive-age takes a duration such as 30d or 12h, not '" + text + "'");
    options.inactive_age = *age;
  }
  return options;
}

Result<void> list(const Options& options, Context& context) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  auto sessions = list_sessions(context, *credential);
  if (!sessions) return propagate(sessions);

  const auto age = options.inactive_age.value_or(inactive_session_age(context.config()));
  const TimePoint now = context.clock().now();
  if (options.json) {
    context.out().json(sessions_json(context.settings().host, *sessions, now, age));
  } else {
    print_sessions(context.out(), context.settings().host, *sessions, now, age);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth list",
      .usage = "[--json] [--inactive-age DURATION]",
      .manual =
          "Lists every place your account is signed in: session ID, device (the name and operating system\n"
          "it gave at sign-in, else its user agent), when it was created and last used, from which address,\n"
          "and when it expires. '*' marks the session this machine uses. Sessions unused for longer than\n"
          "--inactive-age (inactive_session_age in config.yaml, default 30d) are marked 'inactive'; this\n"
          "machine's never is. On a terminal the table fits its width by display width, IDs never cut (rows\n"
          "become blocks of lines when even that does not fit); piped, it prints tab-separated lines with\n"
          "RFC 3339 times. Revoke one with `compozy auth revoke ID`, the inactive ones with\n"
          "`compozy auth revoke --inactive 30d`.\n\n"
          "Exit codes: 0 ok, 1 error (or a server without session management), 2 bad usage,\n"
          "4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = list,
      .http = make_http_client,
  });
}
