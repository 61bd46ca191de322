// compozy alias: the command aliases of config.yaml.
#include "compozy/command.hpp"

namespace {

struct Options {
  bool json = false;
  bool null_separated = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the aliases as JSON")(
      "z,null", "print NAME NUL EXPANSION NUL for each alias, for scripts (and the dispatcher)");
}

compozy::Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options{.json = parsed.count("json") != 0, .null_separated = parsed.count("null") != 0};
  if (options.json && options.null_separated) return compozy::usage_error("--json and --null cannot be combined");
  return options;
}

compozy::Result<void> list_aliases(const Options& options, compozy::Context& context) {
  const auto& aliases = context.config().aliases;
  if (options.null_separated) {
    std::string listing;
    for (const auto& [name, expansion] : aliases) listing += name + '\0' + expansion + '\0';
    context.out().data(listing);
  } else if (options.json) {
    nlohmann::json document = nlohmann::json::object();
    for (const auto& [name, expansion] : aliases) document[name] = expansion;
    context.out().json({{"schema_version", 1}, {"aliases", document}});
  } else if (aliases.empty()) {
    context.out().info("no aliases; add some under 'aliases:' in " + context.config().path.string());
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, expansion] : aliases) rows.push_back({name, expansion});
    context.out().table({"ALIAS", "RUNS"}, rows);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return compozy::run_command(argc, argv, compozy::Command<Options>{
      .name = "alias",
      .usage = "[--json | --null]",
      .manual =
          "Aliases live under 'aliases:' in config.yaml and run when no command of that name exists:\n\n"
          "  aliases:\n"
          "    st: auth status\n"
          "    who: \"!compozy auth status --json | jq -r .account\"\n\n"
          "An expansion is split into words as a shell would, with quotes; one that starts with '!'\n"
          "runs in /bin/sh, with the rest of the command line as \"$@\". An alias never shadows a command.\n\n"
          "Exit codes: 0 ok, 1 a malformed config.yaml, 2 bad usage.",
      .declare = declare_options,
      .parse = parse_options,
      .run = list_aliases,
      .talks_to_server = false,
  });
}
