#include "compozy/profiles.hpp"

#include <algorithm>
#include <map>

#include "compozy/active_credential.hpp"
#include "compozy/sign_out.hpp"
#include "compozy/text.hpp"

namespace compozy {

std::string_view stored_state_name(StoredState state) {
  switch (state) {
    case StoredState::signed_in: return "signed_in";
    case StoredState::expired_refreshable: return "expired_refreshable";
    case StoredState::expired: return "expired";
    case StoredState::api_key: return "api_key";
    case StoredState::other_host: return "other_host";
    case StoredState::not_signed_in: return "not_signed_in";
  }
  return "not_signed_in";
}

namespace {

StoredState stored_state(const CredentialStore::Entry& entry, std::string_view host, TimePoint now) {
  const StoredCredential& credential = entry.credential;
  if (credential.host != host) return StoredState::other_host;
  const bool expired = has_expired(credential, now);
  if (credential.kind == CredentialKind::api_key) return expired ? StoredState::expired : StoredState::api_key;
  if (!expired) return StoredState::signed_in;
  return entry.refreshable ? StoredState::expired_refreshable : StoredState::expired;
}

std::string state_words(const ProfileSummary& profile) {
  switch (profile.state) {
    case StoredState::signed_in: return "signed in";
    case StoredState::expired_refreshable: return "expired, refreshed by the next command";
    case StoredState::expired: return "expired";
    case StoredState::api_key: return "API key";
    case StoredState::other_host: return "signed in to " + profile.credential_host + ", not this host";
    case StoredState::not_signed_in: return "not signed in";
  }
  return "";
}

bool profile_exists(const ConfigFile& config, const std::vector<CredentialStore::Entry>& entries,
                    std::string_view name) {
  return name == default_profile || config.profiles.contains(std::string(name)) ||
         std::any_of(entries.begin(), entries.end(), [&](const auto& entry) { return entry.profile == name; });
}

Result<void> check_name(std::string_view name) {
  if (is_valid_profile_name(name)) return {};
  return usage_error("invalid profile name '" + std::string(name) + "': a profile name is letters, digits, '-', '_' and '.'");
}

std::string named(std::string_view profile) { return "profile '" + std::string(profile) + "'"; }

}  // namespace

std::vector<ProfileSummary> summarize_profiles(const ConfigFile& config,
                                               const std::vector<CredentialStore::Entry>& entries,
                                               std::string_view active, TimePoint now) {
  std::map<std::string, ProfileSummary> by_name;
  const auto summary = [&](const std::string& name) -> ProfileSummary& {
    auto& profile = by_name[name];
    if (profile.name.empty()) {
      profile.name = name;
      profile.host = configured_host(config, name);
      profile.active = name == active;
    }
    return profile;
  };
  for (const auto& [name, settings] : config.profiles) summary(name).in_config = true;
  for (const auto& entry : entries) {
    auto& profile = summary(entry.profile);
    profile.account = entry.credential.account;
    profile.credential_host = entry.credential.host;
    profile.state = stored_state(entry, profile.host, now);
  }
  summary(std::string(active));  // the active profile is there even when nothing is known of it
  std::vector<ProfileSummary> profiles;
  for (auto& [name, profile] : by_name) profiles.push_back(std::move(profile));
  return profiles;
}

nlohmann::json profiles_json(const std::vector<ProfileSummary>& profiles, const ProfileChoice& active) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& profile : profiles) {
    list.push_back({
        {"name", profile.name},
        {"host", profile.host},
        {"active", profile.active},
        {"in_config", profile.in_config},
        {"account", profile.account.empty() ? nlohmann::json() : nlohmann::json(profile.account)},
        {"state", stored_state_name(profile.state)},
        {"credential_host", profile.credential_host.empty() ? nlohmann::json() : nlohmann::json(profile.credential_host)},
    });
  }
  return {
      {"schema_version", 1},
      {"active", active.name},
      {"active_source", source_name(active.source)},
      {"profiles", list},
  };
}

void print_profiles(Output& out, const std::vector<ProfileSummary>& profiles) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& profile : profiles) {
    // Names, hosts and accounts come from files a person may have edited.
    rows.push_back({profile.active ? "*" : "", terminal_safe(profile.name), terminal_safe(profile.host),
                    terminal_safe(profile.account), terminal_safe(state_words(profile))});
  }
  out.table({"", "PROFILE", "HOST", "ACCOUNT", "STATE"}, rows, {1, 2});
}

Result<void> list_profiles(Context& context, bool json) {
  auto active = resolve_profile(std::nullopt, context.env(), context.config());
  if (!active) return propagate(active);
  auto entries = context.store().load_all(CredentialStore::Tokens::left_in_store);
  if (!entries) return propagate(entries);
  const auto profiles = summarize_profiles(context.config(), *entries, active->name, context.clock().now());
  if (json) {
    context.out().json(profiles_json(profiles, *active));
  } else {
    print_profiles(context.out(), profiles);
  }
  return {};
}

void declare_profile_argument(cxxopts::Options& options) {
  options.add_options()("name", "the profile", cxxopts::value<std::string>());
  options.parse_positional({"name"});
  options.positional_help("NAME");
}

Result<ProfileArgument> parse_profile_argument(const cxxopts::ParseResult& parsed) {
  if (parsed.count("name") == 0) return usage_error("which profile? give its name (see `compozy profile list`)");
  return ProfileArgument{.name = parsed["name"].as<std::string>()};
}

Result<void> use_profile(Context& context, std::string_view name) {
  if (auto ok = check_name(name); !ok) return ok;
  auto entries = context.store().load_all(CredentialStore::Tokens::left_in_store);
  if (!entries) return propagate(entries);
  if (!profile_exists(context.config(), *entries, name)) {
    return fail("there is no " + named(name), ExitCode::usage,
                "add it with `compozy profile add " + std::string(name) + " --host URL`, or see `compozy profile list`");
  }
  // A profile whose host cannot be used would make every later command fail before it starts.
  if (const auto found = context.config().profiles.find(std::string(name));
      found != context.config().profiles.end() && found->second.host) {
    if (auto host = normalize_host(*found->second.host); !host) {
      Error error = std::move(host.error()).with_context("the host of " + named(name) + " in " +
                                                         context.config_file().string());
      error.hint = "correct it in that file, then run `compozy profile use " + std::string(name) + "` again";
      return fail(std::move(error));
    }
  }
  if (auto set = set_current_profile(context.config_file(), name); !set) return propagate(set);
  Output& out = context.out();
  out.success("Using " + named(name) + " (" + configured_host(context.config(), name) + ") from now on");
  if (const auto shell = context.env().get("COMPOZY_PROFILE"); shell && *shell != name) {
    out.warning("COMPOZY_PROFILE is set to '" + *shell + "': it still wins in this shell (unset it to use '" +
               std::string(name) + "')");
  }
  if (context.env().has("COMPOZY_HOST")) {
    out.warning("COMPOZY_HOST is set: it still chooses the host in this shell (unset it to use the profile's)");
  }
  return {};
}

Result<void> add_profile(Context& context, std::string_view name, std::string_view host) {
  if (auto ok = check_name(name); !ok) return ok;
  auto normalized = normalize_host(host);
  if (!normalized) {
    Error error = std::move(normalized.error()).with_context("--host");
    error.code = ExitCode::usage;
    return fail(std::move(error));
  }
  const std::string before = configured_host(context.config(), name);
  const bool existed = context.config().profiles.contains(std::string(name));
  bool signed_in = false;
  // Checked and written under the credentials lock, so that a login cannot
  // store a credential for another host between the check and the write.
  auto kept = context.store().update(name, [&](const std::optional<StoredCredential>& current)
                                                   -> Result<CredentialStore::Update> {
    // A credential stays with the host that issued it: moving the profile would
    // leave its session alive and unreachable by `compozy logout`.
    if (current && current->host != *normalized) {
      return fail(named(name) + " is signed in to " + current->host + " as " + current->account +
                      "; its host cannot change while it holds that credential",
                  ExitCode::failure,
                  "run `compozy logout --profile " + std::string(name) + "` first, then add it again");
    }
    if (auto set = set_profile_host(context.config_file(), name, *normalized); !set) return propagate(set);
    signed_in = current.has_value();
    return CredentialStore::Update{.entry = current};
  });
  if (!kept) return propagate(kept);
  Output& out = context.out();
  if (existed && before != *normalized) {
    out.success("Changed the host of " + named(name) + " from " + before + " to " + *normalized);
  } else {
    out.success((existed ? "Kept " : "Added ") + named(name) + " for " + *normalized);
  }
  if (!signed_in) out.info("Sign in to it with `compozy login --profile " + std::string(name) + "`.");
  return {};
}

namespace {

// Revokes the profile's session at its own host and forgets the credential;
// a failure to revoke keeps everything, so the session is never stranded.
Result<void> sign_out_profile(Context& context, std::string_view name) {
  Output& out = context.out();
  auto stored = context.store().load(name);
  if (!stored && stored.error().kind == Error::Kind::unreadable_entry) {
    auto removed = context.store().remove(name);
    if (!removed) return propagate(removed);
    out.warning("the stored entry of " + named(name) + " could not be read (" + stored.error().message +
                "); it was removed, and nothing in it could be revoked");
    return {};
  }
  if (!stored) return propagate(stored);
  if (!*stored) return {};
  const StoredCredential credential = std::move(**stored);
  if (credential.kind == CredentialKind::oauth) {
    if (auto revoked = revoke_at_server(context, credential); !revoked) {
      Error error = std::move(revoked.error()).with_context("revoking the session of " + named(name) + " at " +
                                                             credential.host + " (nothing was removed)");
      error.code = ExitCode::failure;
      error.hint = "retry, or run `compozy logout --profile " + std::string(name) +
                   "`, which forgets the tokens even when they cannot be revoked";
      return fail(std::move(error));
    }
  }
  auto forgotten = context.store().update(name, [&](const std::optional<StoredCredential>& current)
                                                    -> Result<CredentialStore::Update> {
    return CredentialStore::Update{current == credential ? std::nullopt : current};
  });
  if (!forgotten) return propagate(forgotten);
  if (credential.kind == CredentialKind::oauth) {
    out.success("Logged out of " + credential.host + " (" + credential.account + "), " + named(name) +
                ": the session was revoked");
  } else {
    out.success("Forgot the API key of " + named(name) + " (" + credential.account + ")");
    out.info("The API key itself stays valid: revoke it in the dashboard (Settings > API Keys) if it is no longer needed.");
  }
  return {};
}

}  // namespace

Result<void> remove_profile(Context& context, std::string_view name) {
  if (auto ok = check_name(name); !ok) return ok;
  auto entries = context.store().load_all(CredentialStore::Tokens::left_in_store);
  if (!entries) return propagate(entries);
  if (!profile_exists(context.config(), *entries, name)) {
    return fail("there is no " + named(name), ExitCode::usage, "see `compozy profile list`");
  }
  if (auto signed_out = sign_out_profile(context, name); !signed_out) return signed_out;
  auto removed = remove_profile_config(context.config_file(), name);
  if (!removed) return propagate(removed);
  Output& out = context.out();
  out.success("Removed " + named(name));
  if (context.config().current_profile == name) {
    out.info("It was the active profile: '" + std::string(default_profile) + "' is active again.");
  }
  if (context.env().get("COMPOZY_PROFILE") == name) {
    out.warning("COMPOZY_PROFILE is still set to '" + std::string(name) + "' in this shell: unset it");
  }
  return {};
}

std::vector<CredentialStatus> assess_all_profiles(Context& context, bool ask_server) {
  // Each profile at its own host and with its own stored credential: the
  // variables that would make every profile look alike are left out.
  const Environment env = context.env().without("COMPOZY_HOST").without(api_key_variable);
  const auto entries = context.store().load_all(CredentialStore::Tokens::left_in_store);
  const auto active = resolve_profile(std::nullopt, env, context.config());
  const auto profiles = summarize_profiles(context.config(), entries.value_or(std::vector<CredentialStore::Entry>{}),
                                           active ? active->name : std::string(default_profile), context.clock().now());
  std::vector<CredentialStatus> statuses;
  for (const auto& profile : profiles) {
    auto settings = resolve_settings(SettingFlags{.profile = profile.name}, env, context.config());
    CredentialStatus status;
    if (!settings) {
      status.profile = profile.name;
      status.host = profile.host;
      status.problem = settings.error().message;
    } else {
      auto profile_context = context.for_profile(env, std::move(*settings));
      status = assess_credential(*profile_context, ask_server);
    }
    status.active = profile.active;
    // Each was named by --all, not by a flag: the active one says why it is active.
    status.profile_source = profile.active && active ? active->source : SettingSource::built_in;
    statuses.push_back(std::move(status));
  }
  return statuses;
}

bool all_work(const std::vector<CredentialStatus>& statuses) {
  bool any_signed_in = false;
  for (const auto& status : statuses) {
    if (status.state == CredentialState::not_logged_in) continue;
    any_signed_in = true;
    if (!status.works()) return false;
  }
  return any_signed_in;
}

}  // namespace compozy
