#include "compozy/credential_status.hpp"

#include <cctype>

#include "compozy/oauth.hpp"
#include "compozy/refresh.hpp"

namespace compozy {

std::string_view state_name(CredentialState state) {
  switch (state) {
    case CredentialState::valid: return "valid";
    case CredentialState::expired_refreshable: return "expired_refreshable";
    case CredentialState::expired: return "expired";
    case CredentialState::rejected: return "rejected";
    case CredentialState::not_logged_in: return "not_logged_in";
    case CredentialState::offline: return "offline";
  }
  return "not_logged_in";
}

// An expired access token works only once a refresh has shown the session alive.
bool CredentialStatus::works() const { return state == CredentialState::valid; }

namespace {

// What the store says of the credential, before anyone asks the server.
void describe_stored(CredentialStatus& status, const StoredCredential& credential, const std::string& file) {
  status.origin = CredentialOrigin::credentials_file;
  status.kind = credential.kind;
  status.file = file;
  status.store = held_by_manager(credential) ? credential.store : std::string("file");
  status.account = credential.account;
  status.subject = credential.subject;
  status.expires_at = credential.expires_at;
  status.refreshable = credential.kind == CredentialKind::oauth && !credential.refresh_token.empty();
  status.scopes = credential.scopes;
  status.state = CredentialState::valid;
  if (has_expired(credential, status.assessed_at)) {
    status.state = status.refreshable ? CredentialState::expired_refreshable : CredentialState::expired;
    status.problem = status.refreshable ? "" : "the access token has expired and cannot be refreshed";
  }
}

// FLYZT_API_KEY's name, scopes and age, and what they call for. A server
// that cannot describe it leaves the status as it is: the key works.
void describe_api_key(Context& context, CredentialStatus& status, const std::string& token) {
  auto key = fetch_own_api_key(context, token);
  if (!key || !*key) return;
  status.api_key = std::move(**key);
  status.scopes = status.api_key->scopes;
  if (status.api_key->expires_at) status.expires_at = status.api_key->expires_at;
  const std::string& profile = context.settings().profile;
  const auto entry = context.config().profiles.find(profile);
  const auto allowed = entry == context.config().profiles.end() ? std::nullopt : entry->second.api_key_scopes;
  status.warnings = api_key_warnings(*status.api_key, status.assessed_at,
                                     api_key_rotation_age(context.config(), profile), allowed);
}

// The server's verdict: who the credential belongs to, or that it refuses it,
// or that it could not be asked (which is no verdict at all).
void ask_the_server(Context& context, CredentialStatus& status, const std::string& token,
                    std::string userinfo_endpoint) {
  const Settings& settings = context.settings();
  status.checked = true;
  if (status.origin == CredentialOrigin::environment) {
    auto server = discover(context.http(), settings.host);
    if (server) {
      userinfo_endpoint = server->userinfo_endpoint;
    } else if (server.error().kind == Error::Kind::unreachable) {
      status.state = CredentialState::offline;
      status.problem = server.error().message;
      return;
    }
  }
  auto identity = fetch_identity(context.http(), userinfo_endpoint, settings.host, token);
  if (identity) {
    status.account = identity->display();
    status.subject = identity->subject;
    if (status.origin == CredentialOrigin::environment) {
      status.expires_at = identity->credential_expires_at;
      describe_api_key(context, status, token);
    }
    return;
  }
  // Unreachable, or answering nonsense: either way, no verdict on the credential.
  const bool rejected = identity.error().kind == Error::Kind::rejected;
  status.state = rejected ? CredentialState::rejected : CredentialState::offline;
  status.problem = identity.error().message;
}

// A refresh that failed: the server ended the session (its credentials are
// gone now), or it could not be asked, which is no verdict at all.
void record_failed_refresh(CredentialStatus& status, const Error& error) {
  status.checked = true;
  status.refresh_refused = error.kind == Error::Kind::rejected;
  status.state = status.refresh_refused ? CredentialState::rejected : CredentialState::offline;
  status.problem = error.message;
}

std::string_view profile_source_words(SettingSource source) {
  switch (source) {
    case SettingSource::flag: return "from --profile";
    case SettingSource::environment: return "from COMPOZY_PROFILE";
    case SettingSource::profile: return "from `compozy profile use`";
    case SettingSource::built_in: return "";
  }
  return "";
}

}  // namespace

CredentialStatus assess_credential(Context& context, bool ask_server) {
  CredentialStatus status;
  status.profile = context.settings().profile;
  status.profile_source = context.settings().profile_source;
  status.host = context.settings().host;
  status.login_command = command_for(context.settings(), "login");
  status.assessed_at = context.clock().now();

  auto stored = stored_credential(context);
  if (!stored) {
    status.problem = stored.error().message;
    status.store_failed = stored.error().code == ExitCode::store_failed;
    return status;
  }
  auto key = api_key_from_environment(context.env());
  if (!key) {
    status.problem = key.error().message;
    return status;
  }
  if (*key) {
    status.origin = CredentialOrigin::environment;
    status.kind = CredentialKind::api_key;
    status.file_entry_ignored = stored->has_value();
    status.state = CredentialState::valid;
    if (ask_server) ask_the_server(context, status, **key, {});
    return status;
  }
  if (!*stored) {
    status.problem = "not logged in";
    // As after a login to another host before profiles recorded it: say where that credential is for.
    if (auto held = context.store().load(status.profile); held && *held) {
      status.problem = "the profile's stored credential is for " + (*held)->host + ", not this host";
      // Signing in here would end that session: the way back to it comes first.
      if (context.settings().host_source == SettingSource::flag ||
          context.settings().host_source == SettingSource::environment) {
        status.problem += "; leave out --host and COMPOZY_HOST to use it";
      }
    }
    return status;
  }
  describe_stored(status, **stored, context.store().file().string());
  if (!ask_server) return status;
  StoredCredential credential = std::move(**stored);
  // An expired access token proves nothing either way (the server would only
  // say 401), and a refresh token may be dead, as after a revoke-all elsewhere:
  // only a refresh, under the lock as any command does it, tells.
  if (status.state == CredentialState::expired_refreshable) {
    auto refreshed = refresh_stored_credential(context, RefreshWhen::if_expiring);
    if (!refreshed) {
      record_failed_refresh(status, refreshed.error());
      return status;
    }
    status.refreshed = refreshed->access_token != credential.access_token;
    credential = std::move(*refreshed);
    describe_stored(status, credential, context.store().file().string());
  }
  if (status.state == CredentialState::valid) {
    ask_the_server(context, status, credential.access_token, credential.userinfo_endpoint);
  }
  return status;
}

nlohmann::json status_json(const CredentialStatus& status) {
  const auto optional_string = [](const std::string& text) {
    return text.empty() ? nlohmann::json() : nlohmann::json(text);
  };
  nlohmann::json credential;
  if (status.origin) {
    credential = {
        {"type", status.kind == CredentialKind::api_key ? "api_key" : "oauth"},
        {"source", status.origin == CredentialOrigin::environment ? "environment" : "credentials_file"},
        {"variable", status.origin == CredentialOrigin::environment ? nlohmann::json(api_key_variable) : nlohmann::json()},
        {"file", optional_string(status.file)},
        {"store", optional_string(status.store)},
        {"expires_at", status.expires_at ? nlohmann::json(format_rfc3339(*status.expires_at)) : nlohmann::json()},
        {"refreshable", status.refreshable},
        {"scopes", status.scopes},
    };
    if (status.api_key) {
      const ApiKey& key = *status.api_key;
      const auto time_or_null = [](const std::optional<TimePoint>& when) {
        return when ? nlohmann::json(format_rfc3339(*when)) : nlohmann::json();
      };
      credential["api_key"] = {
          {"id", key.id},
          {"name", key.name},
          {"prefix", key.prefix},
          {"environment", optional_string(key.environment)},
          {"created_at", time_or_null(key.created_at)},
      };
    }
  }
  return {
      {"schema_version", 1},
      {"state", state_name(status.state)},
      {"checked", status.checked},
      {"host", status.host},
      {"profile", status.profile},
      {"profile_source", source_name(status.profile_source)},
      {"account", optional_string(status.account)},
      {"subject", optional_string(status.subject)},
      {"credential", credential},
      {"problem", optional_string(status.problem)},
      {"warnings", status.warnings},
  };
}

void print_status(Output& out, const CredentialStatus& status) {
  std::string profile;
  if (status.profile != default_profile || status.profile_source != SettingSource::built_in) {
    profile = "profile '" + status.profile + "'";
  }
  if (const auto from = profile_source_words(status.profile_source); !from.empty()) profile += ", " + std::string(from);
  if (status.active) profile += profile.empty() ? "active" : ", active";
  out.report(out.bold(status.host) + (profile.empty() ? "" : " (" + profile + ")"));
  const auto line = [&](std::string_view label, std::string_view value) {
    out.report("  " + std::string(label) + ": " + std::string(value));
  };
  switch (status.state) {
    case CredentialState::valid:
      out.report("  " + out.check_mark() +
               (status.checked ? " Logged in as " : " Logged in (not checked with the server) as ") +
               out.bold(status.account.empty() ? "an API key" : status.account));
      break;
    case CredentialState::expired_refreshable:
      out.report("  " + out.attention_mark() + " Not checked whether the session of " + out.bold(status.account) +
               " still works: its access token has expired, and only a refresh can tell (run without --offline)");
      break;
    case CredentialState::expired:
      out.report("  " + out.cross_mark() + " The credentials have expired: run `" + status.login_command + "`");
      break;
    case CredentialState::rejected:
      if (status.refresh_refused) {
        std::string problem = status.problem;
        if (!problem.empty()) problem[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(problem[0])));
        out.report("  " + out.cross_mark() + " " + problem + ".");
        out.report("  Run `" + status.login_command + "` to sign in again.");
        return;
      }
      out.report("  " + out.cross_mark() + " The server rejected the credential: run `" + status.login_command + "`" +
               std::string(status.origin == CredentialOrigin::environment ? ", or check FLYZT_API_KEY" : ""));
      break;
    case CredentialState::not_logged_in:
      if (status.store_failed) {
        out.report("  " + out.cross_mark() + " Could not read the credential: " + status.problem);
        return;
      }
      out.report("  " + out.cross_mark() + " Not logged in: run `" + status.login_command + "`" +
               (status.problem.empty() || status.problem == "not logged in" ? "" : " (" + status.problem + ")"));
      return;
    case CredentialState::offline:
      out.report("  " + out.attention_mark() + " Could not check the credential with the server: " + status.problem);
      break;
  }
  if (status.origin == CredentialOrigin::environment) {
    line("Credential", std::string("API key from ") + api_key_variable);
    if (status.api_key) {
      const ApiKey& key = *status.api_key;
      line("Key name", "'" + key.name + "' (" + key.id + ", " + key.prefix + "…" +
                           (key.environment.empty() ? "" : ", environment " + key.environment) + ")");
      if (key.created_at) line("Created", relative_time(*key.created_at, status.assessed_at));
    }
    if (status.file_entry_ignored) out.warning(std::string("the stored credentials are ignored while ") + api_key_variable + " is set");
  } else {
    const std::string where = status.store.empty() || status.store == "file"
                                  ? status.file
                                  : "credential store '" + status.store + "' (details in " + status.file + ")";
    line("Credential", std::string(status.kind == CredentialKind::api_key ? "API key" : "OAuth session") + ", stored in " + where);
  }
  if (status.expires_at) {
    const TimePoint now = status.assessed_at;
    std::string expiry = (*status.expires_at > now ? "expires " : "expired ") + relative_time(*status.expires_at, now) +
                         " (" + format_rfc3339(*status.expires_at) + ")";
    if (status.refreshed) {
      expiry += "; refreshed just now, as it had expired";
    } else if (status.refreshable) {
      expiry += *status.expires_at > now ? "; refreshed automatically" : "; the next command refreshes it, if it can";
    }
    line(status.kind == CredentialKind::api_key ? "Key" : "Access token", expiry);
  } else if (status.kind == CredentialKind::api_key) {
    line("Key", status.api_key ? "never expires" : "no expiry known");
  }
  if (!status.scopes.empty()) line("Scopes", join_scopes(status.scopes));
}

}  // namespace compozy
