#include "compozy/revocation.hpp"

#include <algorithm>

#include "compozy/oauth.hpp"
#include "compozy/sessions.hpp"

namespace compozy {

namespace {

bool same_nonempty(std::string_view a, std::string_view b) { return !a.empty() && a == b; }

// Which session a live access token belongs to, by the sessions API's `current` marker.
Result<std::string> current_session_of(Context& context, const StoredCredential& credential) {
  auto sessions = list_sessions(context, {credential.access_token, CredentialOrigin::credentials_file, credential});
  if (!sessions) return propagate(sessions);
  const auto current = std::find_if(sessions->begin(), sessions->end(), [](const Session& s) { return s.current; });
  return current == sessions->end() ? std::string() : current->id;
}

// The stored sessions on this host that do not name their session and whose
// access token can still ask the server; `credential`'s own entry is asked already.
Result<std::vector<CredentialStore::Entry>> unnamed_live_sessions(Context& context,
                                                                  const ActiveCredential& credential) {
  auto entries = context.store().load_all();
  if (!entries) return propagate(entries);
  const TimePoint now = context.clock().now();
  std::erase_if(*entries, [&](const CredentialStore::Entry& entry) {
    const StoredCredential& stored = entry.credential;
    const bool asked =
        credential.origin == CredentialOrigin::credentials_file && entry.profile == context.settings().profile;
    // An expired one refreshes before its next use, and so finds out.
    return asked || stored.kind != CredentialKind::oauth || stored.host != context.settings().host ||
           !stored.session_id.empty() || has_expired(stored, now);
  });
  return entries;
}

}  // namespace

bool holds_session(const StoredCredential& credential, std::string_view host, std::string_view session_id) {
  return credential.kind == CredentialKind::oauth && credential.host == host &&
         same_nonempty(credential.session_id, session_id);
}

bool shares_session(const StoredCredential& credential, const StoredCredential& ended) {
  return credential.kind == CredentialKind::oauth && credential.host == ended.host &&
         (same_nonempty(credential.session_id, ended.session_id) ||
          same_nonempty(credential.refresh_token, ended.refresh_token) ||
          same_nonempty(credential.access_token, ended.access_token));
}

bool session_of_account(const StoredCredential& credential, const StoredCredential& whose) {
  if (credential.kind != CredentialKind::oauth || credential.host != whose.host) return false;
  if (!credential.subject.empty() && !whose.subject.empty()) return credential.subject == whose.subject;
  return same_nonempty(credential.account, whose.account);
}

std::string profile_list(const std::vector<std::string>& profiles) {
  std::string text = profiles.size() == 1 ? "profile " : "profiles ";
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    if (i > 0) text += i + 1 == profiles.size() ? " and " : ", ";
    text += "'" + profiles[i] + "'";
  }
  return text;
}

Result<Forgotten> revoke_session_everywhere(Context& context, const ActiveCredential& credential,
                                            std::string_view session_id) {
  return revoke_sessions_everywhere(context, credential, {std::string(session_id)});
}

Result<Forgotten> revoke_sessions_everywhere(Context& context, const ActiveCredential& credential,
                                             const std::vector<std::string>& session_ids) {
  const auto ending = [&](std::string_view id) {
    return std::find(session_ids.begin(), session_ids.end(), id) != session_ids.end();
  };
  // Learn which credentials hold them first: once revoked, their tokens can no longer ask.
  auto sessions = list_sessions(context, credential);
  if (!sessions) return propagate(sessions);
  Forgotten forgotten;
  std::vector<StoredCredential> holders;
  const bool ours =
      std::any_of(sessions->begin(), sessions->end(), [&](const Session& s) { return s.current && ending(s.id); });
  if (ours && credential.stored) holders.push_back(*credential.stored);
  auto unnamed = unnamed_live_sessions(context, credential);
  if (!unnamed) return propagate(unnamed);
  for (const auto& entry : *unnamed) {
    auto current = current_session_of(context, entry.credential);
    if (!current) {
      forgotten.unknown.push_back("whether profile '" + entry.profile + "' held it (" + current.error().message + ")");
    } else if (ending(*current)) {
      holders.push_back(entry.credential);
    }
  }

  std::vector<std::string> revoked;
  Result<void> failure;
  for (const std::string& id : session_ids) {
    failure = revoke_session(context, credential, id);
    if (!failure) break;
    revoked.push_back(id);
  }
  const std::string& host = context.settings().host;
  const auto held = [&](const StoredCredential& stored) {
    if (std::any_of(revoked.begin(), revoked.end(), [&](const auto& id) { return holds_session(stored, host, id); })) {
      return true;
    }
    // A holder known only by asking held one of them: gone for sure once all of them are.
    return revoked.size() == session_ids.size() &&
           std::any_of(holders.begin(), holders.end(),
                       [&](const StoredCredential& holder) { return shares_session(stored, holder); });
  };
  auto removed = context.store().remove_all([&](const CredentialStore::Entry& entry) { return held(entry.credential); });
  if (!failure) return propagate(failure);
  if (!removed) return propagate(removed, "the session was revoked, but removing its stored credentials failed");
  forgotten.profiles = std::move(*removed);
  return forgotten;
}

Result<Forgotten> forget_sessions_of_account(Context& context, const ActiveCredential& credential) {
  StoredCredential whose;
  if (credential.stored) {
    whose = *credential.stored;
  } else {
    // An API key from the environment names no account: the server knows whose it is.
    auto identity = fetch_identity(context.http(), {}, context.settings().host, credential.token);
    if (!identity) {
      return Forgotten{{}, {"whether this machine stores sessions of that account (" + identity.error().message + ")"}};
    }
    whose.host = context.settings().host;
    whose.subject = identity->subject;
    whose.account = identity->display();
  }
  auto removed = context.store().remove_all(
      [&](const CredentialStore::Entry& entry) { return session_of_account(entry.credential, whose); });
  if (!removed) return propagate(removed, "the sessions were revoked, but removing their stored credentials failed");
  return Forgotten{std::move(*removed), {}};
}

void report_forgotten(Output& out, const Forgotten& forgotten, Revoked revoked, std::string_view active_profile) {
  const auto& profiles = forgotten.profiles;
  if (!profiles.empty()) {
    const bool one = profiles.size() == 1;
    std::string why = one ? "its session was revoked" : "their session was revoked";
    if (!one && revoked == Revoked::every_session) why = "their sessions were revoked";
    std::string login = "compozy login --profile NAME";
    if (one) login = profiles[0] == active_profile ? "compozy login" : "compozy login --profile " + profiles[0];
    out.info("Removed the stored credentials of " + profile_list(profiles) + " (" + why + "); run `" + login +
             "` to sign in again.");
  }
  for (const auto& what : forgotten.unknown) out.warning("could not tell " + what);
}

}  // namespace compozy
