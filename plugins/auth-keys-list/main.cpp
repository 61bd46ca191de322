// compozy auth keys list: the account's API keys, without their secrets.
#include "compozy/api_keys.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the keys as JSON (schema_version 1)");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) { return Options{.json = parsed.count("json") != 0}; }

Result<void> list(const Options& options, Context& context) {
  auto keys = list_api_keys(context);
  if (!keys) return propagate(keys);
  const TimePoint now = context.clock().now();
  if (options.json) {
    context.out().json(api_keys_json(context.settings().host, *keys, now));
  } else {
    print_api_keys(context.out(), context.settings().host, *keys, now);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth keys list",
      .usage = "[--json]",
      .manual =
          "Lists the API keys of your account: ID, name, prefix (the first characters of the key, to\n"
          "recognise it), scopes, environment, when it was created, expires and was last used. FLAGS marks\n"
          "keys that have expired, were never used, or were rotated (they stop at their expiry). On a\n"
          "terminal the table fits its width; piped, it prints tab-separated lines with RFC 3339 times.\n"
          "--json prints {\"schema_version\": 1, \"host\", \"api_keys\": [...]}, each key with \"expired\" and\n"
          "\"never_used\". Secrets are never listed.\n\n"
          "Exit codes: 0 ok, 1 error (a credential without the scope keys:manage), 2 bad usage,\n"
          "4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = list,
      .http = make_http_client,
  });
}
