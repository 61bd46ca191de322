#include "compozy/refresh.hpp"

#include <algorithm>

#include "compozy/interrupt.hpp"
#include "compozy/oauth.hpp"
#include "compozy/revocation.hpp"

namespace compozy {

namespace {

using Update = CredentialStore::Update;

// A credential without a refresh token is usable until it expires; after that it is dead.
Result<Update> without_refresh_token(const Context& context, const StoredCredential& current, RefreshWhen when,
                                     TimePoint now) {
  const bool expired = has_expired(current, now);
  Update update{expired ? std::nullopt : std::optional<StoredCredential>(current)};
  if (when == RefreshWhen::now || expired) {
    update.failure = Error{"profile '" + context.settings().profile + "' has no refresh token: the server issued none",
                           ExitCode::not_logged_in, "run `" + command_for(context.settings(), "login") + "`"};
  }
  return update;
}

// What the server said to the refresh token, turned into the profile's new entry.
Result<Update> after_refresh(const Context& context, const StoredCredential& current,
                             const std::string& token_endpoint, const TokenOutcome& outcome, TimePoint now) {
  if (const auto* error = std::get_if<TokenError>(&outcome)) {
    const std::string said = error->code + (error->description.empty() ? "" : ": " + error->description);
    if (error->code != "invalid_grant") return fail("refreshing the access token: the server refused (" + said + ")");
    // The session has ended (expired, revoked, or logged out elsewhere): the
    // stored tokens are dead, so they go, and the caller hears why.
    return Update{std::nullopt, Error{"the session of profile '" + context.settings().profile +
                                          "' has ended: the server refused its refresh token (" + said + ")",
                                      ExitCode::not_logged_in, "run `" + command_for(context.settings(), "login") + "`",
                                      Error::Kind::rejected}};
  }
  const auto& tokens = std::get<TokenSet>(outcome);
  StoredCredential next = current;
  next.access_token = tokens.access_token;
  // A server that does not rotate keeps the old refresh token valid (RFC 6749 §6).
  if (!tokens.refresh_token.empty()) next.refresh_token = tokens.refresh_token;
  next.obtained_at = now;
  next.expires_at = tokens.expires_in ? std::optional<TimePoint>(now + std::chrono::seconds(*tokens.expires_in))
                                      : std::nullopt;
  if (!tokens.scope.empty()) next.scopes = split_scopes(tokens.scope);
  next.token_endpoint = token_endpoint;
  // A credential stored before its server named sessions learns the name here;
  // an ID token that does not check out teaches nothing and costs nothing.
  if (!tokens.id_token.empty()) {
    const auto claims = check_id_token(tokens.id_token, current.host, current.client_id, {}, now);
    if (claims && !claims->session_id.empty()) next.session_id = claims->session_id;
  }
  return Update{std::move(next)};
}

// Says, after the server ended a session, whose stored credentials went with it.
Error with_what_was_removed(Error ended, const std::vector<std::string>& removed, const std::string& profile) {
  if (ended.kind != Error::Kind::rejected || removed.empty()) return ended;
  if (removed == std::vector<std::string>{profile}) {
    ended.message += "; its stored credentials were removed";
  } else {
    ended.message += "; the stored credentials of " + profile_list(removed) + ", which held it, were removed";
  }
  return ended;
}

// Decides, with the lock held and the file just read, whether and how to refresh.
Result<Update> refresh_decision(Context& context, const std::optional<StoredCredential>& current, RefreshWhen when) {
  const Settings& settings = context.settings();
  if (!current || current->host != settings.host) return not_logged_in(context);
  const TimePoint now = context.clock().now();
  // Another process may have refreshed while this one waited for the lock.
  if (when == RefreshWhen::if_expiring && !expires_within_margin(*current, now)) return Update{current};
  if (current->kind == CredentialKind::api_key) {
    return fail("profile '" + settings.profile +
                "' uses an API key, which does not expire like a session and cannot be refreshed");
  }
  if (current->refresh_token.empty()) return without_refresh_token(context, *current, when, now);

  std::string token_endpoint = current->token_endpoint;
  if (token_endpoint.empty()) {
    auto server = discover(context.http(), current->host);
    if (!server) return propagate(server);
    token_endpoint = server->token_endpoint;
  }
  auto outcome = refresh_access_token(context.http(), token_endpoint, current->client_id, current->refresh_token);
  if (!outcome) return propagate(outcome, "refreshing the access token");
  return after_refresh(context, *current, token_endpoint, *outcome, now);
}

}  // namespace

Result<ActiveCredential> fresh_credential(Context& context) {
  auto ready = credential_without_refresh(context);
  if (!ready) return propagate(ready);
  if (*ready) return std::move(**ready);

  auto stored = stored_credential(context);
  if (!stored) return propagate(stored);
  if (!*stored) return not_logged_in(context);
  auto refreshed = refresh_stored_credential(context, RefreshWhen::if_expiring);
  if (!refreshed) {
    // The server is out of reach but the token has not expired yet: use it.
    if (refreshed.error().kind != Error::Kind::unreachable || has_expired(**stored, context.clock().now())) {
      return propagate(refreshed);
    }
    refreshed = std::move(**stored);
  }
  std::string token = refreshed->access_token;
  return ActiveCredential{std::move(token), CredentialOrigin::credentials_file, std::move(*refreshed)};
}

Result<StoredCredential> refresh_stored_credential(Context& context, RefreshWhen when) {
  const std::string& profile = context.settings().profile;
  Update decided;
  std::vector<std::string> removed;
  // Every profile's entry is decided under the one lock: a session the server
  // has ended goes from all the profiles that hold it, in one write.
  auto written = context.store().update_all([&](std::vector<CredentialStore::Entry>& entries) -> Result<void> {
    const auto own = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return e.profile == profile; });
    const auto current = own == entries.end() ? std::nullopt : std::optional<StoredCredential>(own->credential);
    auto decision = refresh_decision(context, current, when);
    if (!decision) return propagate(decision);
    decided = std::move(*decision);
    if (decided.entry) {
      own->credential = *decided.entry;  // refresh_decision fails without a current entry
      return {};
    }
    const bool session_ended = decided.failure && decided.failure->kind == Error::Kind::rejected;
    std::erase_if(entries, [&](const CredentialStore::Entry& entry) {
      const bool goes = entry.profile == profile || (session_ended && shares_session(entry.credential, *current));
      if (goes) removed.push_back(entry.profile);
      return goes;
    });
    return {};
  });
  if (!written) return propagate(written);
  if (decided.failure) return fail(with_what_was_removed(std::move(*decided.failure), removed, profile));
  // Ctrl-C during the refresh: the new tokens are stored; now stop.
  if (interrupted()) return fail_interrupted();
  if (!decided.entry) return not_logged_in(context);
  return std::move(*decided.entry);
}

}  // namespace compozy
