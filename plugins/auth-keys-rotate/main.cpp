// compozy auth keys rotate: a new key in place of an old one, which works on for a grace period.
#include "compozy/api_keys.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"

namespace {

using namespace compozy;

struct Options {
  std::string key;  // an ID or a name
  std::chrono::seconds grace{0};
};

void declare_options(cxxopts::Options& options) {
  declare_key_argument(options);
  options.add_options()("grace", "how long the old key keeps working: 24h, 90m, 7d (default 0: it stops at once)",
                        cxxopts::value<std::string>());
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  auto key = parse_key_argument(parsed);
  if (!key) return propagate(key);
  Options options{.key = std::move(*key)};
  if (parsed.count("grace") != 0) {
    const auto grace = parse_duration(parsed["grace"].as<std::string>());
    if (!grace) return usage_error("--grace is a duration such as 24h, 90m or 7d");
    options.grace = *grace;
  }
  return options;
}

Result<void> rotate(const Options& options, Context& context) {
  auto keys = list_api_keys(context);
  if (!keys) return propagate(keys);
  auto old = find_api_key(*keys, options.key);
  if (!old) return propagate(old);
  auto created = rotate_api_key(context, old->id, options.grace);
  if (!created) return propagate(created);
  context.out().data(created->secret + "\n");
  context.out().success("Rotated API key '" + created->key.name + "': the new one is " + created->key.id +
                        ", shown once, above");
  const auto& replaced = created->replaced;
  if (replaced && replaced->expires_at && !replaced->expired(context.clock().now())) {
    const TimePoint ends = *replaced->expires_at;
    context.out().info("The old key (" + old->id + ") works until " + format_rfc3339(ends) + ", then is refused.");
  } else {
    context.out().info("The old key (" + old->id + ") no longer works.");
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth keys rotate",
      .usage = "ID|NAME [--grace 24h]",
      .manual =
          "Replaces an API key (named by its ID or name) with a new one that has the same name, scopes,\n"
          "environment and expiry policy (a key made to last 90 days gets 90 days from now), and prints\n"
          "the new key on stdout, once, as `auth keys create` does:\n\n"
          "    compozy auth keys rotate ci --grace 24h | gh secret set FLYZT_API_KEY\n\n"
          "The old key keeps working for --grace (24h, 90m, 7d; default 0: it stops at once), so that\n"
          "what uses it can switch; stderr says when it stops.\n\n"
          "Exit codes: 0 rotated, 1 error (no such key, a name several keys share, a credential without\n"
          "the scope keys:manage), 2 bad usage, 4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = rotate,
      .http = make_http_client,
  });
}
