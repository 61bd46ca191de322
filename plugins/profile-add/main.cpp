// compozy profile add: a profile and the host it signs in to.
#include "compozy/command.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string name;
  std::string host;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("name", "the profile", cxxopts::value<std::string>())(
      "host", "the server of this profile, e.g. https://compozy.example.com", cxxopts::value<std::string>(), "URL");
  options.parse_positional({"name"});
  options.positional_help("NAME");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("name") == 0) return usage_error("which profile? give its name");
  if (parsed.count("host") == 0) return usage_error("give the profile's server with --host URL");
  return Options{.name = parsed["name"].as<std::string>(), .host = parsed["host"].as<std::string>()};
}

Result<void> add(const Options& options, Context& context) { return add_profile(context, options.name, options.host); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "profile add",
      .usage = "NAME --host URL",
      .manual =
          "Adds the profile to config.yaml with its host (https, or plain http to this machine only), or\n"
          "changes the host of one that exists. A profile that holds a credential keeps its host: run\n"
          "`compozy logout --profile NAME` first, which revokes its session. `compozy login --profile NAME\n"
          "--host URL` adds the profile too, once the sign-in succeeds.\n\n"
          "Exit codes: 0 ok, 1 the profile holds a credential for another host, or config.yaml could not\n"
          "be written, 2 bad usage (a bad name or host).",
      .declare = declare_options,
      .parse = parse_options,
      .run = add,
      .talks_to_server = false,
  });
}
