#include "compozy/active_credential.hpp"

#include <algorithm>

#include "compozy/text.hpp"

namespace compozy {

std::unexpected<Error> not_logged_in(const Context& context) {
  const Settings& settings = context.settings();
  std::string message = "not logged in to '" + settings.host + "'";
  if (settings.profile != default_profile) message += " (profile '" + settings.profile + "')";
  return fail(message, ExitCode::not_logged_in,
              "run `" + command_for(settings, "login") + "`, or set " + api_key_variable);
}

Result<std::optional<StoredCredential>> stored_credential(Context& context) {
  auto stored = context.store().load(context.settings().profile);
  if (!stored) return propagate(stored);
  if (*stored && (*stored)->host != context.settings().host) return std::optional<StoredCredential>();
  return stored;
}

Result<std::optional<std::string>> api_key_from_environment(const Environment& env) {
  const auto value = env.get(api_key_variable);
  if (!value) return std::optional<std::string>();
  const std::string key(trim(*value));
  if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7F; })) {
    return fail(std::string(api_key_variable) + " holds spaces or control characters", ExitCode::usage,
                "set it to the key alone, as the dashboard shows it");
  }
  return std::optional<std::string>(key);
}

Result<std::optional<ActiveCredential>> credential_without_refresh(Context& context) {
  auto key = api_key_from_environment(context.env());
  if (!key) return propagate(key);
  if (*key) return ActiveCredential{std::move(**key), CredentialOrigin::environment, std::nullopt};
  auto stored = stored_credential(context);
  if (!stored) return propagate(stored);
  if (!*stored) return not_logged_in(context);
  if ((*stored)->kind == CredentialKind::oauth && expires_within_margin(**stored, context.clock().now())) {
    return std::optional<ActiveCredential>();
  }
  if (has_expired(**stored, context.clock().now())) {
    return fail("the credentials of profile '" + context.settings().profile + "' have expired",
                ExitCode::not_logged_in, "run `" + command_for(context.settings(), "login") + "`");
  }
  std::string token = (*stored)->access_token;
  return ActiveCredential{std::move(token), CredentialOrigin::credentials_file, std::move(**stored)};
}

nlohmann::json token_json(const Settings& settings, const ActiveCredential& credential) {
  const bool from_environment = credential.origin == CredentialOrigin::environment;
  const auto& stored = credential.stored;
  const bool api_key = from_environment || (stored && stored->kind == CredentialKind::api_key);
  const auto expires_at = stored ? stored->expires_at : std::nullopt;
  return {
      {"schema_version", 1},
      {"host", settings.host},
      {"profile", settings.profile},
      {"token", credential.token},
      {"credential",
       {
           {"type", api_key ? "api_key" : "oauth"},
           {"source", from_environment ? "environment" : "credentials_file"},
           {"variable", from_environment ? nlohmann::json(api_key_variable) : nlohmann::json()},
           {"expires_at", expires_at ? nlohmann::json(format_rfc3339(*expires_at)) : nlohmann::json()},
           {"store", !stored ? nlohmann::json() : nlohmann::json(held_by_manager(*stored) ? stored->store : "file")},
       }},
  };
}

void print_token(Output& out, const Settings& settings, const ActiveCredential& credential, bool json) {
  if (json) {
    out.json(token_json(settings, credential));
  } else {
    out.data(credential.token + "\n");
  }
}

}  // namespace compozy
