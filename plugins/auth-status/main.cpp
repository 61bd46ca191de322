// compozy auth status: who you are signed in as, and whether it still works.
#include "compozy/command.hpp"
#include "compozy/store_choice.hpp"
#include "compozy/http_client.hpp"
#include "compozy/credential_status.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

struct Options {
  bool json = false;
  bool offline = false;
  bool all = false;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("json", "print the status as JSON (schema_version 1)")(
      "offline", "do not ask the server; judge from what is stored")(
      "all", "show every profile, each checked at its own host");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  const bool all = parsed.count("all") != 0;
  if (all && (parsed.count("profile") != 0 || parsed.count("host") != 0)) {
    return usage_error("--all checks every profile at its own host: leave out --profile and --host");
  }
  return Options{.json = parsed.count("json") != 0, .offline = parsed.count("offline") != 0, .all = all};
}

Result<void> show_every_status(const Options& options, Context& context) {
  const auto statuses = assess_all_profiles(context, !options.offline);
  if (interrupted()) return fail_interrupted();
  if (options.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& status : statuses) list.push_back(status_json(status));
    context.out().json({{"schema_version", 1}, {"profiles", list}});
  } else {
    for (std::size_t i = 0; i < statuses.size(); ++i) {
      if (i != 0) context.out().report("");
      print_status(context.out(), statuses[i]);
    }
  }
  if (context.env().has(api_key_variable) || context.env().has("COMPOZY_HOST")) {
    context.out().warning(std::string(api_key_variable) + " and COMPOZY_HOST are left out of --all: each profile is "
                         "shown with its own host and stored credential");
  }
  if (!all_work(statuses)) return exit_quietly(ExitCode::failure);
  return {};
}

Result<void> show_status(const Options& options, Context& context) {
  if (options.all) return show_every_status(options, context);
  const CredentialStatus status = assess_credential(context, !options.offline);
  // Ctrl-C during a request or a refresh: whatever was learnt, the person asked to stop.
  if (interrupted()) return fail_interrupted();
  if (options.json) {
    context.out().json(status_json(status));
  } else {
    print_status(context.out(), status);
  }
  for (const std::string& warning : status.warnings) context.out().warning(warning);
  if (!status.store.empty() && status.store != file_store_name) {
    if (auto warning = inline_tokens_warning(context, status.store)) context.out().warning(*warning);
  }
  if (status.store_failed) return exit_quietly(ExitCode::store_failed);
  if (!status.works()) return exit_quietly(ExitCode::failure);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "auth status",
      .usage = "[--json] [--offline] [--all]",
      .manual =
          "Shows the host, the account, where the credential comes from (FLYZT_API_KEY or the credentials\n"
          "file), when it expires and its scopes, and asks the server whether it still accepts it. An\n"
          "expired access token is refreshed first, as any command would, since only a refresh shows\n"
          "whether the session still lives; if the server has ended it, its stored credentials are removed.\n"
          "--offline asks nothing, and then cannot vouch for an expired access token. --json prints a\n"
          "document whose \"state\" is one of valid, expired_refreshable, expired, rejected,\n"
          "not_logged_in and offline (see the README). The header says where the profile came from\n"
          "(--profile, COMPOZY_PROFILE, `compozy profile use`).\n\n"
          "With FLYZT_API_KEY it also says the key's name, scopes and expiry, and warns (on stderr, and in\n"
          "\"warnings\" of --json) when the key expires within 7 days, is older than api_key_rotation_age\n"
          "(config.yaml, default 90d), or has scopes beyond the profile's api_key_scopes.\n\n"
          "--all shows every profile of config.yaml and credentials.yaml, each checked as above at its own\n"
          "host with its stored credential (FLYZT_API_KEY and COMPOZY_HOST are left out); with --json,\n"
          "{\"schema_version\": 1, \"profiles\": [one document as above for each]}. Like `gh auth status`,\n"
          "it exits 0 only when at least one profile is signed in and every signed-in one works; profiles\n"
          "with no credential do not count.\n\n"
          "Exit codes: 0 logged in with a credential that works (valid), 1 otherwise, including when the\n"
          "server could not be asked, 2 bad usage, 5 the credential store holding the tokens failed,\n"
          "130 interrupted.",
      .declare = declare_options,
      .parse = parse_options,
      .run = show_status,
      .http = make_http_client,
  });
}
