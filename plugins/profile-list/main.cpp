// compozy profile list: every profile, its host, account and state; * marks the active one.
#include "compozy/command.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the profiles as JSON (schema_version 1)");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) { return Options{.json = parsed.count("json") != 0}; }

Result<void> list(const Options& options, Context& context) { return list_profiles(context, options.json); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "profile list",
      .usage = "[--json]",
      .manual =
          "Lists the profiles of config.yaml and of credentials.yaml: the name, the host, the account signed\n"
          "in and the state of its stored credential (signed in; expired, refreshed by the next command;\n"
          "expired; API key; signed in to another host; not signed in), judged without asking any server\n"
          "(`compozy auth status --all` asks). * marks the active profile: COMPOZY_PROFILE (which\n"
          "`compozy --profile NAME profile list` sets), else the one `compozy profile use` set, else default.\n"
          "Piped, the rows are tab-separated.\n"
          "--json prints {\"schema_version\": 1, \"active\", \"active_source\", \"profiles\": [{\"name\", \"host\",\n"
          "\"active\", \"in_config\", \"account\", \"state\", \"credential_host\"}]} (see the README).\n\n"
          "Exit codes: 0 ok, 1 a malformed config.yaml or credentials.yaml, 2 bad usage.",
      .declare = declare_options,
      .parse = parse_options,
      .run = list,
      .talks_to_server = false,
  });
}
