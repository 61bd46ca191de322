// `compozy doctor`: every check of this machine's setup, in the order a
// sign-in depends on them, each a function of the Context (and, for the
// network, a NetworkProbe) that returns a finding. Doctor never changes
// anything: no refresh, no write, no cleanup.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/command.hpp"
#include "compozy/network_probe.hpp"

namespace compozy {

enum class CheckStatus { pass, warn, fail, skipped };  // skipped: could not check
std::string_view status_name(CheckStatus status);

struct Check {
  std::string id;  // stable, for --json: "config", "clock", …
  CheckStatus status = CheckStatus::pass;
  std::string title;   // what was checked: "clock"
  std::string detail;  // the finding
  std::string fix;     // the one command or setting that fixes it, when it is not a pass
};

// What the dispatcher's discovery found (compozy/discovery.hpp), handed in by
// the tool's main so that common/ needs no copy of it.
struct PluginFindings {
  int runnable = 0;
  std::vector<std::string> warnings;        // shadowed, overriding a core command, not executable
  std::vector<std::string> search_folders;  // in search order
};

// The time the clock check allows before it warns, and before it fails.
inline constexpr std::chrono::seconds clock_warn_skew{30};
inline constexpr std::chrono::seconds clock_fail_skew{300};

// The checks one by one, for tests; run_checks runs them all in order.
Check check_config(const Context& context);
Check check_profile(const Context& context);
Check check_credential_store(Context& context);
Check check_api_key(Context& context);
Check check_proxy(const Context& context);
Check check_plugins(const PluginFindings& plugins, bool (*world_writable)(const std::string& folder));

// How each network check went, so that a later one is skipped once an earlier one failed.
struct NetworkChecks {
  std::vector<Check> checks;
};
NetworkChecks check_network(Context& context, NetworkProbe& probe, std::chrono::milliseconds deadline);

// The TLS finding from what a handshake showed (the rule is in the README, "Troubleshooting").
Check judge_tls(const TlsFacts& facts, const std::string& host);
// The clock finding from the server's Date header, against the command's clock.
Check judge_clock(const std::optional<std::string>& date_header, TimePoint now);
// An HTTP-date (RFC 9110 §5.6.7, IMF-fixdate only), as servers send Date.
std::optional<TimePoint> parse_http_date(std::string_view text);

// What each network step may take: a sixth of the HTTP deadline (COMPOZY_HTTP_TIMEOUT,
// else 30 s), so that the whole run ends within it even when every step waits its share.
std::chrono::milliseconds network_step_deadline(const Environment& env);

std::vector<Check> run_checks(Context& context, NetworkProbe& probe, const PluginFindings& plugins);

bool any_failed(const std::vector<Check>& checks);
// "✓ clock: 2 s behind the server", and for a failure "  fix: …" below it.
void print_checks(Output& out, const std::vector<Check>& checks);
nlohmann::json checks_json(const std::vector<Check>& checks);

}  // namespace compozy
