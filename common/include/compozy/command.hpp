// The harness every plugin's main hands itself to, as git's common-main.c and
// gh's three-line main.go: it parses the options, builds the Context, runs the
// command, prints an error once ("compozy auth status: error: …" and maybe a
// hint line) and turns it into the documented exit code.
//
//   int main(int argc, char** argv) {
//     return compozy::run_command(argc, argv, compozy::Command<Options>{
//         .name = "auth status", .summary = "…", .usage = "[--json]", .manual = "…",
//         .declare = declare_options, .parse = parse_options, .run = show_status,
//         .http = compozy::make_http_client});
//   }
#pragma once

#include <cxxopts.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "compozy/config.hpp"
#include "compozy/credential_store.hpp"
#include "compozy/environment.hpp"
#include "compozy/error.hpp"
#include "compozy/clock.hpp"
#include "compozy/output.hpp"

namespace compozy {

class HttpClient;

// Makes the command's HTTP client. A tool that talks to a server passes
// compozy::make_http_client (http_client.hpp); one that does not passes
// nothing, and so links neither httplib nor OpenSSL. Tests pass a fake.
using HttpClientFactory = std::function<std::unique_ptr<HttpClient>(const Environment&)>;

// What a command works with; built once per process by the harness, or by a
// unit test with a fake HTTP client, a fake clock and captured output.
class Context {
 public:
  struct Parts {
    Environment env;
    std::filesystem::path config_dir;
    ConfigFile config;
    Settings settings;
  };
  Context(Parts parts, Output& output, HttpClientFactory http_factory, Clock& clock);
  ~Context();

  const Environment& env() const { return env_; }
  Output& out() { return output_; }
  const Settings& settings() const { return settings_; }
  const ConfigFile& config() const { return config_; }
  const std::filesystem::path& config_dir() const { return config_dir_; }
  std::filesystem::path config_file() const { return config_dir_ / "config.yaml"; }
  CredentialStore& store() { return store_; }
  Clock& clock() { return clock_; }
  // Made on first use: a command that needs no network never creates a TLS context.
  HttpClient& http();

  // The same command's Context for another profile, as `auth status --all`
  // checks each: same config, output, clock and kind of HTTP client.
  std::unique_ptr<Context> for_profile(Environment env, Settings settings);

  // The command a failure is reported as, when this tool answers for another
  // (compozy-auth-refresh --print-token does the work of `auth token`).
  void report_as(std::string_view command_name) { reported_name_ = command_name; }
  std::string_view reported_name() const { return reported_name_; }

 private:
  Environment env_;
  Output& output_;
  std::filesystem::path config_dir_;
  ConfigFile config_;
  Settings settings_;
  CredentialStore store_;
  HttpClientFactory http_factory_;
  std::unique_ptr<HttpClient> http_;
  Clock& clock_;
  std::string_view reported_name_;
};

struct CommandInfo {
  std::string_view name;     // as typed after `compozy`: "auth status"
  std::string_view summary;  // one line; a core command's comes from core_commands.hpp
  std::string_view usage;    // the arguments: "[--json] [--offline]"
  std::string_view manual;   // what --help says after the usage, exit codes included
  bool talks_to_server = true;  // false: no --host/--profile, and a bad host setting is no concern
  // true: a config.yaml that does not parse is read as empty, for the command
  // to report (`compozy doctor`), instead of stopping it before it runs.
  bool diagnoses_config = false;
};

template <class Options>
struct Command {
  std::string_view name;
  std::string_view summary = {};  // leave out for a core command: the table has it
  std::string_view usage = {};
  std::string_view manual = {};
  void (*declare)(cxxopts::Options&) = nullptr;
  // Leave out for a command without options of its own: Options is then value-initialised.
  Result<Options> (*parse)(const cxxopts::ParseResult&) = nullptr;
  Result<void> (*run)(const Options&, Context&) = nullptr;
  bool talks_to_server = true;
  bool diagnoses_config = false;
  HttpClientFactory http = nullptr;
};

namespace detail {
// The one place a command's failure is shown: one error line made safe for a
// terminal, maybe a hint, the usage for a usage error; the exit status.
int report_failure(Output& output, std::string_view command_name, const Error& error, std::string_view usage = {});

int run_main(int argc, char** argv, const CommandInfo& info, void (*declare)(cxxopts::Options&),
             const std::function<Result<void>(const cxxopts::ParseResult&)>& parse,
             const std::function<Result<void>(Context&)>& run, const HttpClientFactory& http);
}  // namespace detail

template <class Options>
int run_command(int argc, char** argv, const Command<Options>& command) {
  std::optional<Options> options;
  return detail::run_main(
      argc, argv,
      CommandInfo{command.name, command.summary, command.usage, command.manual, command.talks_to_server,
                  command.diagnoses_config},
      command.declare,
      [&](const cxxopts::ParseResult& parsed) -> Result<void> {
        if (command.parse == nullptr) {
          options.emplace();
          return {};
        }
        auto parsed_options = command.parse(parsed);
        if (!parsed_options) return propagate(parsed_options);
        options = std::move(*parsed_options);
        return {};
      },
      [&](Context& context) { return command.run(*options, context); }, command.http);
}

// A hint to run `compozy login…` from a layer that does not know the profile
// (the HTTP client, the OAuth exchange), made to name the --profile and --host
// of this command, so following it signs in to the same place. Other hints,
// and those that already name a profile or host, are returned as they are.
std::string reproducing_hint(std::string_view hint, const Settings& settings);

// Asks a yes-or-no question on the terminal (stderr, the question made safe);
// true only for y, Y or yes. Ctrl-C while waiting is the interrupted failure.
Result<bool> ask_yes_or_no(Context& context, std::string_view question);

// For parse functions: a usage error (exit 2).
std::unexpected<Error> usage_error(std::string message);

}  // namespace compozy
