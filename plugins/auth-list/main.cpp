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
  auto credential = active_credential(context);
  if (!credential) return propagate(credential);
  auto sessions = list_sessions(context, *credential);
  if (!sessions) return propagate(sessions);

  const auto time_text = [&](const std::optional<TimePoint>& when, bool relative) -> std::string {
    if (!when) return relative ? "-" : "";
    return relative ? relative_time(*when, context.clock().now()) : format_rfc3339(*when);
  };
  if (options.json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& session : *sessions) {
      const auto time_or_null = [&](const std::optional<TimePoint>& when) {
        return when ? nlohmann::json(format_rfc3339(*when)) : nlohmann::json();
      };
      items.push_back({{"id", session.id},
                       {"client_id", session.client_id},
                       {"user_agent", session.user_agent},
                       {"created_at", time_or_null(session.created_at)},
                       {"last_used_at", time_or_null(session.last_used_at)},
                       {"expires_at", time_or_null(session.expires_at)},
                       {"current", session.current}});
    }
    context.out().json({{"schema_version", 1}, {"host", context.settings().host}, {"sessions", items}});
    return {};
  }
  if (sessions->empty()) {
    context.out().info("No active sessions on " + context.settings().host + ".");
    return {};
  }
  // On a terminal times read "2 hours ago"; in a pipe they stay machine-readable.
  const bool relative = context.out().stdout_is_terminal();
  std::vector<std::vector<std::string>> rows;
  for (const auto& session : *sessions) {
    rows.push_back({session.current ? "*" : "", session.id, session.client_id, session.user_agent,
                    time_text(session.created_at, relative), time_text(session.last_used_at, relative),
                    time_text(session.expires_at, relative)});
  }
  context.out().table({"", "ID", "CLIENT", "DEVICE", "CREATED", "LAST USED", "EXPIRES"}, rows, {0, 1});
  if (relative && std::any_of(sessions->begin(), sessions->end(), [](const Session& s) { return s.current; })) {
    context.out().info(context.out().dim("* this machine's session"));
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
