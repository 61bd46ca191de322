#include "compozy/sign_out.hpp"

#include "compozy/active_credential.hpp"
#include "compozy/oauth.hpp"

namespace compozy {

Result<void> revoke_at_server(Context& context, const StoredCredential& credential) {
  std::string endpoint = credential.revocation_endpoint;
  if (endpoint.empty()) {
    auto server = discover(context.http(), credential.host);
    if (!server) return propagate(server);
    endpoint = server->revocation_endpoint;
    if (endpoint.empty()) return fail("the server offers no token revocation");
  }
  if (!credential.refresh_token.empty()) {
    auto revoked =
        revoke_token(context.http(), endpoint, credential.client_id, credential.refresh_token, "refresh_token");
    if (!revoked) return revoked;
  }
  return revoke_token(context.http(), endpoint, credential.client_id, credential.access_token, "access_token");
}

namespace {

std::string whose(const Settings& settings, const StoredCredential& credential) {
  return settings.host + " (" + credential.account + ")" +
         (settings.profile == default_profile ? "" : ", profile '" + settings.profile + "'");
}

// Removes the profile's entry if it is still `revoked`; whether it was.
Result<bool> forget(Context& context, const StoredCredential& revoked) {
  bool removed = false;
  auto updated = context.store().update(context.settings().profile, [&](const std::optional<StoredCredential>& current)
                                                                         -> Result<CredentialStore::Update> {
    removed = current == revoked;
    return CredentialStore::Update{removed ? std::nullopt : current};
  });
  if (!updated) return propagate(updated);
  return removed;
}

void explain_what_stays_valid(Output& out, const StoredCredential& credential, bool local_only,
                              const std::optional<Error>& revocation_failed) {
  if (credential.kind == CredentialKind::api_key) {
    out.info("The API key itself stays valid: revoke it in the dashboard (Settings > API Keys) if it is no longer needed.");
    return;
  }
  if (!local_only && !revocation_failed) return;
  const std::string until =
      credential.expires_at ? " (the access token until " + format_rfc3339(*credential.expires_at) + ")" : "";
  if (local_only) {
    out.warning("the tokens were not revoked (--local-only): they stay valid until they expire" + until);
    return;
  }
  out.warning("the tokens could not be revoked (" + revocation_failed->message + "): they stay valid until they expire" +
              until);
  out.info("Run `compozy auth revoke-all` later, or revoke the session from another machine, to end it now.");
}

Result<void> forget_unreadable_entry(Context& context, const Error& unreadable) {
  auto removed = context.store().remove(context.settings().profile);
  if (!removed) return propagate(removed);
  context.out().warning("the stored entry of profile '" + context.settings().profile + "' could not be read (" +
                        unreadable.message + "); it was removed, and nothing in it could be revoked");
  return {};
}

}  // namespace

Result<void> log_out(Context& context, bool local_only) {
  const Settings& settings = context.settings();
  Output& out = context.out();
  const bool key_in_environment = context.env().has(api_key_variable);
  auto stored = context.store().load(settings.profile);
  if (!stored && stored.error().kind == Error::Kind::unreadable_entry) return forget_unreadable_entry(context, stored.error());
  if (!stored) return propagate(stored);
  if (!*stored || (*stored)->host != settings.host) {
    if (!key_in_environment) return not_logged_in(context);
    out.info("No stored credentials for " + settings.host + "; " + api_key_variable +
             " is set and stays in effect until you unset it.");
    return {};
  }
  const StoredCredential credential = std::move(**stored);
  std::optional<Error> revocation_failed;
  if (credential.kind == CredentialKind::oauth && !local_only) {
    if (auto revoked = revoke_at_server(context, credential); !revoked) revocation_failed = std::move(revoked.error());
  }
  auto removed = forget(context, credential);
  if (!removed) return propagate(removed);
  if (*removed) {
    out.success("Logged out of " + whose(settings, credential));
  } else {
    out.warning("a sign-in finished while logging out: its new credentials were kept");
  }
  explain_what_stays_valid(out, credential, local_only, revocation_failed);
  if (key_in_environment) out.warning(std::string(api_key_variable) + " is set and stays in effect until you unset it");
  return {};
}

}  // namespace compozy
