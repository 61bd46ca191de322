// compozy auth keys create: a new API key, printed once.
#include "compozy/api_keys.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/oauth.hpp"

namespace {

using namespace compozy;

void declare_options(cxxopts::Options& options) {
  options.add_options()("name", "what the key is for", cxxopts::value<std::string>())(
      "scope", "a scope the key gets (repeatable): read, write, keys:manage",
      cxxopts::value<std::vector<std::string>>())(
      "expires", "how long the key lives: 30d, 24h, 90m (default: it never expires)", cxxopts::value<std::string>())(
      "environment", "a label for where the key is used, such as production", cxxopts::value<std::string>());
  options.parse_positional({"name"});
  options.positional_help("NAME");
}

Result<ApiKeyRequest> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("name") == 0) return usage_error("name the key: `compozy auth keys create NAME`");
  ApiKeyRequest request{.name = parsed["name"].as<std::string>()};
  if (request.name.empty()) return usage_error("the key's name is empty");
  if (parsed.count("scope") != 0) {
    auto scopes = parse_scope_options(parsed["scope"].as<std::vector<std::string>>());
    if (!scopes) return propagate(scopes);
    request.scopes = std::move(*scopes);
  }
  if (parsed.count("expires") != 0) {
    request.expires_in = parse_duration(parsed["expires"].as<std::string>());
    if (!request.expires_in || request.expires_in->count() == 0) {
      return usage_error("--expires is a duration such as 90d, 24h or 90m, up to 3650d");
    }
  }
  if (parsed.count("environment") != 0) request.environment = parsed["environment"].as<std::string>();
  return request;
}

Result<void> create(const ApiKeyRequest& request, Context& context) {
  auto created = create_api_key(context, request);
  if (!created) return propagate(created);
  context.out().data(created->secret + "\n");
  const ApiKey& key = created->key;
  context.out().success("Created API key '" + key.name + "' (" + key.id + ", scopes " + join_scopes(key.scopes) +
                        (key.expires_at ? ", expires " + format_rfc3339(*key.expires_at) : ", never expires") + ")");
  context.out().info("Copy it now: it will not be shown again.");
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<ApiKeyRequest>{
      .name = "auth keys create",
      .usage = "NAME [--scope S]... [--expires 30d] [--environment NAME]",
      .manual =
          "Creates an API key for your account and prints it on stdout, followed by a newline and\n"
          "nothing else, so that it can go straight into a secret store:\n\n"
          "    compozy auth keys create ci --scope read --expires 90d | gh secret set FLYZT_API_KEY\n\n"
          "It is shown this once; the server keeps only its hash. Scopes (repeat --scope, or separate\n"
          "them with commas): read (see the account and its sessions), write (end sessions), keys:manage\n"
          "(manage API keys); without --scope the key gets read and write. --expires takes 90d, 24h or\n"
          "90m; without it the key never expires. --environment records a label (production, staging)\n"
          "that `auth keys list` shows, so that each environment can have its own key.\n\n"
          "Exit codes: 0 created, 1 error (a credential without the scope keys:manage, a name or scope\n"
          "the server refuses), 2 bad usage, 4 not logged in.",
      .declare = declare_options,
      .parse = parse_options,
      .run = create,
      .http = make_http_client,
  });
}
