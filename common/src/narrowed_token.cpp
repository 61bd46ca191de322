#include "compozy/narrowed_token.hpp"

#include "compozy/oauth.hpp"

namespace compozy {

Result<NarrowedToken> narrow_token(Context& context, const ActiveCredential& credential,
                                   const std::vector<std::string>& scopes) {
  const bool api_key = credential.origin == CredentialOrigin::environment ||
                       (credential.stored && credential.stored->kind == CredentialKind::api_key);
  if (api_key) {
    return fail("--scope narrows a session's token, and the credential is an API key", ExitCode::failure,
                "give the key only the scopes it needs when you create it");
  }
  const std::string& host = context.settings().host;
  auto server = discover(context.http(), host);
  if (!server) return propagate(server);
  const std::string client_id = credential.stored ? credential.stored->client_id : context.settings().client_id;
  auto tokens = exchange_token(context.http(), *server, client_id, credential.token, scopes);
  if (!tokens) return propagate(tokens);
  NarrowedToken narrowed{tokens->access_token, tokens->scope.empty() ? scopes : split_scopes(tokens->scope), {}};
  if (tokens->expires_in) narrowed.expires_at = context.clock().now() + std::chrono::seconds(*tokens->expires_in);
  // RFC 8693 §2.2.1: the token is no later than its subject, whatever the answer claims.
  const auto subject_expiry = credential.stored ? credential.stored->expires_at : std::nullopt;
  if (subject_expiry && (!narrowed.expires_at || *subject_expiry < *narrowed.expires_at)) {
    narrowed.expires_at = subject_expiry;
  }
  return narrowed;
}

nlohmann::json narrowed_token_json(const Settings& settings, const ActiveCredential& subject,
                                   const NarrowedToken& narrowed) {
  nlohmann::json document = token_json(settings, subject);
  document["token"] = narrowed.token;
  document["credential"]["expires_at"] =
      narrowed.expires_at ? nlohmann::json(format_rfc3339(*narrowed.expires_at)) : nlohmann::json();
  document["credential"]["store"] = nullptr;
  document["credential"]["scopes"] = narrowed.scopes;
  return document;
}

}  // namespace compozy
