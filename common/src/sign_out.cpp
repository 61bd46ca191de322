#include "compozy/sign_out.hpp"

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

}  // namespace compozy
