// compozy doctor: check everything a sign-in depends on, and say how to fix what is wrong.
#include <cstdlib>
#include <filesystem>

#include "compozy/child_process.hpp"
#include "compozy/command.hpp"
#include "compozy/doctor.hpp"
#include "compozy/http_client.hpp"
#include "compozy/support_report.hpp"
#include "discovery.hpp"
#include "plugin_list.hpp"
#include "search_path.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
  std::optional<std::filesystem::path> report;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the checks as JSON (schema_version 1)")(
      "report", "also write the findings, versions, OS and settings, secrets removed, to FILE",
      cxxopts::value<std::string>(), "FILE");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options{.json = parsed.count("json") != 0, .report = std::nullopt};
  if (parsed.count("report") != 0) options.report = parsed["report"].as<std::string>();
  return options;
}

// What the dispatcher would find: it exported COMPOZY_EXEC_PATH; run alone,
// this tool's own folder stands in for it.
PluginFindings find_plugin_findings() {
  using namespace compozy::dispatch;
  const char* exec_path = std::getenv("COMPOZY_EXEC_PATH");
  const std::string own_folder = std::filesystem::path(self_executable_path()).parent_path().string();
  const auto exec_folders = exec_dirs(exec_path != nullptr ? exec_path : own_folder.c_str(), "");
  const auto folders = search_path(exec_folders, std::getenv("PATH"));
  const auto plugins = find_plugins(folders);
  PluginFindings findings{.runnable = static_cast<int>(runnable_files(plugins).size()),
                          .warnings = plugin_warnings(plugins, exec_folders),
                          .search_folders = {}};
  for (const auto& folder : folders) findings.search_folders.push_back(folder.path);
  return findings;
}

// One attempt per request, each within its share of the run's deadline (doctor.cpp).
std::unique_ptr<HttpClient> make_doctor_http_client(const Environment& env) {
  const auto step = network_step_deadline(env);
  return make_http_client_with_limits(env.without("COMPOZY_HTTP_TIMEOUT"),
                                      HttpLimits{.deadline = step, .connect_timeout = step, .max_attempts = 1});
}

Result<void> run_doctor(const Options& options, Context& context) {
  const auto probe = make_network_probe(context.env());
  const std::vector<Check> checks = run_checks(context, *probe, find_plugin_findings());
  if (options.json) {
    context.out().json(checks_json(checks));
  } else {
    print_checks(context.out(), checks);
  }
  if (options.report) {
    if (auto written = write_support_report(*options.report, support_report(context, checks)); !written) {
      return propagate(written, "writing the report");
    }
    context.out().success("Wrote " + options.report->string() + " (secrets removed): attach it to your support request");
  }
  if (any_failed(checks)) return exit_quietly(ExitCode::failure);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "doctor",
      .usage = "[--json] [--report FILE]",
      .manual =
          "Checks, in order, what signing in depends on, and prints one line each: ✓ passed, ! a warning,\n"
          "✗ failed (with the one command or setting that fixes it below), - could not check. The checks:\n"
          "config.yaml parses; the profile and host in use and where each came from; the credential store\n"
          "(file permissions; a keyring or helper answers); FLYZT_API_KEY (its shape, and whether it\n"
          "shadows a stored credential); the proxy; DNS; TCP; TLS (version, the certificate's issuer, and a\n"
          "CA added by hand or through SSL_CERT_FILE, as a TLS-inspecting proxy needs); the server's\n"
          "metadata and its issuer; the clock against the server's Date (a warning past 30 s, a failure\n"
          "past 5 min); the credential against the server; and the plugins found (shadowed, overriding\n"
          "a core command, not executable, in a folder anyone can write to).\n\n"
          "Doctor changes nothing: it never refreshes a token, and reads only. Each network step has a\n"
          "sixth of the HTTP deadline (COMPOZY_HTTP_TIMEOUT, 30s), so the whole run ends within it; once\n"
          "DNS or TCP fails, the later checks say they could not check.\n\n"
          "--json prints {\"schema_version\": 1, \"ok\", \"checks\": [{\"id\", \"status\", \"title\", \"detail\",\n"
          "\"fix\"}]}, status one of pass, warn, fail and skipped. --report FILE writes the same findings with\n"
          "the versions, the OS, the settings and the config and credentials files into FILE (mode 0600),\n"
          "every token, key, code, cookie and password removed, to attach to a support request.\n\n"
          "  compozy doctor\n"
          "  compozy doctor --report compozy-report.txt\n\n"
          "Exit codes: 0 every check passed or warned, 1 a check failed, 2 bad usage.",
      .declare = declare_options,
      .parse = parse_options,
      .run = run_doctor,
      .diagnoses_config = true,
      .http = make_doctor_http_client,
  });
}
