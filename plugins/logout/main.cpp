// compozy logout: revoke this machine's tokens at the server, then forget them.
#include "compozy/active_credential.hpp"
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

Result<void> log_out(const Options& options, Context& context) {
  const Settings& settings = context.settings();
  Output& out = context.out();
  const bool key_in_environment = context.env().has(api_key_variable);
  auto stored = stored_credential(context);
  if (!stored) return propagate(stored);
  if (!*stored) {
    if (key_in_environment) {
      out.info("No stored credentials for " + settings.host + "; " + api_key_variable +
               " is set and stays in effect until you unset it.");
      return {};
    }
    return not_logged_in(context);
  }
  const StoredCredential credential = std::move(**stored);

  std::optional<Error> revocation_failed;
  if (credential.kind == CredentialKind::oauth && !options.local_only) {
    if (auto revoked = revoke_at_server(context, credential); !revoked) revocation_failed = std::move(revoked.error());
  }
  if (auto removed = context.store().remove(settings.profile); !removed) {
    return propagate(removed);
  }

  out.success("Logged out of " + settings.host + " (" + credential.account + ")" +
              (settings.profile == default_profile ? "" : ", profile '" + settings.profile + "'"));
  if (credential.kind == CredentialKind::api_key) {
    out.info("The API key itself stays valid: revoke it in the dashboard (Settings > API Keys) if it is no longer needed.");
  } else if (options.local_only || revocation_failed) {
    std::string until = credential.expires_at ? " (the access token until " + format_rfc3339(*credential.expires_at) + ")" : "";
    if (options.local_only) {
      out.warning("the tokens were not revoked (--local-only): they stay valid until they expire" + until);
    } else {
      out.warning("the tokens could not be revoked (" + revocation_failed->message +
                  "): they stay valid until they expire" + until);
      out.info("Run `compozy auth revoke-all` later, or revoke the session from another machine, to end it now.");
    }
  }
  if (key_in_environment) {
    out.notice(std::string(api_key_variable) + " is set and stays in effect until you unset it.");
  }
  return {};
}

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
      .run = log_out,
      .http = make_http_client,
  });
}
