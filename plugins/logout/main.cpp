// compozy logout: revoke this machine's tokens at the server, then forget them.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/sign_out.hpp"

namespace {

using namespace compozy;

struct Options {
  bool local_only = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("local-only", "only remove the stored credentials; do not contact the server");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  return Options{.local_only = parsed.count("local-only") != 0};
}

Result<void> sign_out(const Options& options, Context& context) { return log_out(context, options.local_only); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "logout",
      .usage = "[--local-only]",
      .manual =
          "Revokes the profile's refresh and access tokens at the server (RFC 7009), which ends this\n"
          "machine's session, then removes the profile's stored credentials. If the server cannot be\n"
          "reached the credentials are still removed, and you are told that the tokens stay valid until\n"
          "they expire. An API key is only forgotten here; revoke keys in the dashboard.\n\n"
          "Exit codes: 0 logged out, 1 error, 2 bad usage, 4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = sign_out,
      .http = make_http_client,
  });
}
