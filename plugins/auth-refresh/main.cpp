// compozy auth refresh: refresh the access token now.
#include "compozy/refresh.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/narrowed_token.hpp"

namespace {

using namespace compozy;

struct Options {
  bool if_expiring = false;
  bool print_token = false;
  bool json = false;
  std::vector<std::string> scopes;  // with --print-token: a narrowed token (what `auth token --scope` hands over)
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("if-expiring", "refresh only if the access token expires within a minute")(
      "print-token", "print the access token on standard output afterwards (what `auth token` hands over)")(
      "json", "with --print-token, print it as `auth token --json` does")(
      "scope", "with --print-token, print a token narrowed to this scope (repeatable), as `auth token --scope` does",
      cxxopts::value<std::vector<std::string>>(), "SCOPE");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options;
  options.if_expiring = parsed.count("if-expiring") != 0;
  options.print_token = parsed.count("print-token") != 0;
  options.json = parsed.count("json") != 0;
  if (options.json && !options.print_token) return usage_error("--json goes with --print-token");
  if (parsed.count("scope") != 0) {
    if (!options.print_token) return usage_error("--scope goes with --print-token");
    options.scopes = parsed["scope"].as<std::vector<std::string>>();
  }
  return options;
}

Result<void> refresh(const Options& options, Context& context) {
  Output& out = context.out();
  if (options.print_token) {
    context.report_as("auth token");
    // Exactly what every command that needs a token does (FLYZT_API_KEY included).
    auto credential = options.if_expiring ? fresh_credential(context) : [&]() -> Result<ActiveCredential> {
      auto refreshed = refresh_stored_credential(context, RefreshWhen::now);
      if (!refreshed) return propagate(refreshed);
      return ActiveCredential{refreshed->access_token, CredentialOrigin::credentials_file, *refreshed};
    }();
    if (!credential) return propagate(credential);
    if (!options.scopes.empty()) {
      auto narrowed = narrow_token(context, *credential, options.scopes);
      if (!narrowed) return propagate(narrowed);
      if (options.json) {
        out.json(narrowed_token_json(context.settings(), *credential, *narrowed));
      } else {
        out.data(narrowed->token + "\n");
      }
      return {};
    }
    print_token(out, context.settings(), *credential, options.json);
    return {};
  }
  const bool key_in_environment = context.env().has(api_key_variable);
  auto stored = stored_credential(context);
  if (!stored) return propagate(stored);
  if (!*stored && key_in_environment) {
    return fail(std::string("nothing to refresh: ") + api_key_variable + " holds an API key, which is not refreshed");
  }
  const auto before = *stored ? (*stored)->access_token : std::string();
  auto refreshed =
      refresh_stored_credential(context, options.if_expiring ? RefreshWhen::if_expiring : RefreshWhen::now);
  if (!refreshed) return propagate(refreshed);
  std::string expiry = "it does not say when it expires";
  if (refreshed->expires_at) {
    expiry = "it expires " + relative_time(*refreshed->expires_at, context.clock().now()) + " (" +
             format_rfc3339(*refreshed->expires_at) + ")";
  }
  if (refreshed->access_token == before) {
    out.info("The access token for " + refreshed->account + " on " + refreshed->host + " is still fresh; " + expiry);
  } else {
    out.success("Refreshed the access token for " + refreshed->account + " on " + refreshed->host + "; " + expiry);
  }
  if (key_in_environment) {
    out.warning(std::string(api_key_variable) + " is set and is used instead of this session until you unset it");
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth refresh",
      .usage = "[--if-expiring] [--print-token [--json] [--scope SCOPE]...]",
      .manual =
          "Exchanges the stored refresh token for a new access token (and, when the server rotates\n"
          "them, a new refresh token, stored before anything else happens), then prints the new expiry.\n"
          "Commands refresh on their own when a token expires within a minute; this is for when you want\n"
          "it now. If the server no longer accepts the refresh token, the session has ended: its stored\n"
          "credentials are removed. A network failure leaves them untouched. Concurrent refreshes from\n"
          "many processes wait for each other, so the server sees one.\n\n"
          "Exit codes: 0 refreshed, 1 error, 2 bad usage, 4 not logged in or the session has ended.",
      .declare = declare_options,
      .parse = parse_options,
      .run = refresh,
      .http = make_http_client,
  });
}
