// compozy auth revoke: end one session of the account, or every one unused for a while.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/refresh.hpp"
#include "compozy/revocation.hpp"
#include "compozy/sessions.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string session_id;
  std::optional<std::chrono::seconds> inactive;  // --inactive AGE instead of an ID
  bool yes = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("session-id", "the session to revoke", cxxopts::value<std::string>())(
      "inactive", "revoke every session unused for longer than this (30d, 12h), this machine's never",
      cxxopts::value<std::string>(), "DURATION")("y,yes", "with --inactive, do not ask for confirmation");
  options.parse_positional({"session-id"});
  options.positional_help("SESSION_ID");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options;
  options.yes = parsed.count("yes") != 0;
  if (parsed.count("inactive") != 0) {
    if (parsed.count("session-id") != 0) return usage_error("give a SESSION_ID or --inactive, not both");
    const std::string text = parsed["inactive"].as<std::string>();
    const auto age = parse_duration(text);
    if (!age || age->count() == 0) return usage_error("--inactive takes a duration such as 30d or 12h, not '" + text + "'");
    options.inactive = *age;
    return options;
  }
  if (options.yes) return usage_error("--yes goes with --inactive");
  if (parsed.count("session-id") == 0) {
    return usage_error("which session? give its ID (see `compozy auth list`), or --inactive 30d");
  }
  options.session_id = parsed["session-id"].as<std::string>();
  if (options.session_id.empty()) return usage_error("the session ID is empty");
  return options;
}

// "ses_…  laptop (Debian GNU/Linux 12), last used 31 days ago from 127.0.0.1"
std::string describe(const Session& session, TimePoint now) {
  std::string text = session.id + "  " + (session.device_name.empty() ? session.user_agent : session.device_name);
  if (!session.device_os.empty()) text += " (" + session.device_os + ")";
  const auto last_use = session.last_used_at ? session.last_used_at : session.created_at;
  if (last_use) text += ", last used " + relative_time(*last_use, now);
  if (!session.last_used_from.empty()) text += " from " + session.last_used_from;
  return text;
}

Result<void> revoke_inactive(const Options& options, Context& context, const ActiveCredential& credential) {
  Output& out = context.out();
  const std::string& host = context.settings().host;
  const std::string age = format_duration(*options.inactive);
  auto sessions = list_sessions(context, credential);
  if (!sessions) return propagate(sessions);
  const TimePoint now = context.clock().now();
  std::vector<Session> inactive;
  for (const Session& session : *sessions) {
    if (is_inactive(session, now, *options.inactive)) inactive.push_back(session);
  }
  if (inactive.empty()) {
    out.info("No session on " + host + " has been unused for more than " + age + ".");
    return {};
  }
  if (!options.yes) {
    if (!out.stdin_is_terminal()) {
      return usage_error("refusing to revoke sessions without confirmation; pass --yes to do it anyway");
    }
    for (const Session& session : inactive) out.info("  " + describe(session, now));
    const std::string which =
        inactive.size() == 1 ? "this session" : "these " + std::to_string(inactive.size()) + " sessions";
    auto answer = ask_yes_or_no(context, "Revoke " + which + ", unused for more than " + age + ", on " + host + "?");
    if (!answer) return propagate(answer);
    if (!*answer) return fail("nothing was revoked");
  }
  std::vector<std::string> ids;
  for (const Session& session : inactive) ids.push_back(session.id);
  auto forgotten = revoke_sessions_everywhere(context, credential, ids);
  if (!forgotten) return propagate(forgotten);
  out.success("Revoked " + std::to_string(ids.size()) + (ids.size() == 1 ? " session" : " sessions") +
              " unused for more than " + age + " on " + host + ":");
  for (const Session& session : inactive) out.info("  " + describe(session, now));
  report_forgotten(out, *forgotten, Revoked::one_session, context.settings().implicit_profile);
  return {};
}

Result<void> revoke(const Options& options, Context& context) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  if (options.inactive) return revoke_inactive(options, context, *credential);
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
      .usage = "SESSION_ID | --inactive DURATION [--yes]",
      .manual =
          "Ends one session of your account (an ID from `compozy auth list`): its tokens stop working at\n"
          "once, wherever they are. Every profile on this machine that held it loses its stored credentials.\n\n"
          "--inactive DURATION ends every session unused for longer than that (30d, 12h), as `auth list`\n"
          "flags them, and lists what it ended. This machine's session is never one of them: listing the\n"
          "sessions uses it. It asks first on a terminal; without a terminal it refuses unless given --yes.\n\n"
          "Exit codes: 0 revoked (or nothing to revoke), 1 error (such as no active session with that ID) or\n"
          "declined, 2 bad usage (--inactive without a terminal and without --yes), 4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = revoke,
      .http = make_http_client,
  });
}
