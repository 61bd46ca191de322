// compozy profile remove: log a profile out, then forget it.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string name;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("name", "the profile", cxxopts::value<std::string>());
  options.parse_positional({"name"});
  options.positional_help("NAME");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("name") == 0) return usage_error("which profile? give its name (see `compozy profile list`)");
  return Options{.name = parsed["name"].as<std::string>()};
}

Result<void> remove(const Options& options, Context& context) { return remove_profile(context, options.name); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "profile remove",
      .usage = "NAME",
      .manual =
          "Logs the profile out first: its session is revoked at the host that issued it (RFC 7009) and its\n"
          "credential removed (an API key is only forgotten; revoke keys in the dashboard). Then the\n"
          "profile is removed from config.yaml. If the session cannot be revoked, nothing is removed.\n"
          "Removing the active profile makes default active again.\n\n"
          "Exit codes: 0 removed, 1 the session could not be revoked or a file could not be written,\n"
          "2 bad usage or no such profile.",
      .declare = declare_options,
      .parse = parse_options,
      .run = remove,
      .talks_to_server = false,
      .http = make_http_client,
  });
}
