// compozy auth keys revoke: end one API key, named by its ID or name.
#include "compozy/api_keys.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string key;  // an ID or a name
};

void declare_options(cxxopts::Options& options) { declare_key_argument(options); }

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  auto key = parse_key_argument(parsed);
  if (!key) return propagate(key);
  return Options{.key = std::move(*key)};
}

Result<void> revoke(const Options& options, Context& context) {
  auto keys = list_api_keys(context);
  if (!keys) return propagate(keys);
  auto key = find_api_key(*keys, options.key);
  if (!key) return propagate(key);
  if (auto revoked = revoke_api_key(context, key->id); !revoked) return propagate(revoked);
  context.out().success("Revoked API key '" + key->name + "' (" + key->id + "): it no longer works");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth keys revoke",
      .usage = "ID|NAME",
      .manual =
          "Revokes an API key of your account at once, named by its ID or by its name (from `compozy\n"
          "auth keys list`). A name that several keys share is refused, and the message lists their IDs.\n\n"
          "Exit codes: 0 revoked, 1 error (no such key, a name several keys share, a credential without\n"
          "the scope keys:manage), 2 bad usage, 4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = revoke,
      .http = make_http_client,
  });
}
