// Ending this machine's session at the server (RFC 7009), as `compozy logout` does.
#pragma once

#include "compozy/command.hpp"
#include "compozy/credential_store.hpp"

namespace compozy {

// Revokes the refresh token first, which ends the session, then the access
// token. The revocation endpoint comes from the credential, else from discovery.
Result<void> revoke_at_server(Context& context, const StoredCredential& credential);

}  // namespace compozy
