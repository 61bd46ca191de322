// Ending this machine's session at the server (RFC 7009), as `compozy logout` does.
#pragma once

#include "compozy/command.hpp"
#include "compozy/credential_store.hpp"

namespace compozy {

// Revokes the refresh token first, which ends the session, then the access
// token. The revocation endpoint comes from the credential, else from discovery.
Result<void> revoke_at_server(Context& context, const StoredCredential& credential);

// `compozy logout`: revokes the profile's session (unless `local_only`), then
// removes the entry, if it is still the one revoked: a login that finished
// meanwhile keeps its new credential. An entry that cannot be read is removed
// with a warning, since nothing in it can be revoked.
Result<void> log_out(Context& context, bool local_only);

}  // namespace compozy
