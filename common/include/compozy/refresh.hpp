// Keeping the credential fresh.
//
// Refresh tokens rotate, and the server revokes the whole session when an old
// one comes back (RFC 9700 §4.14.2). So a refresh happens only under the
// credentials lock, after re-reading the file: of many processes that find the
// token expiring at once, the first refreshes and the rest find its result.
#pragma once

#include "compozy/command.hpp"
#include "compozy/error.hpp"
#include "compozy/active_credential.hpp"

namespace compozy {

// What an authenticated request sends: FLYZT_API_KEY, else the stored
// credential, refreshed first when needed. Exit 4 when there is none, or when
// the server no longer accepts its refresh token (the entry is then removed).
Result<ActiveCredential> fresh_credential(Context& context);

enum class RefreshWhen { if_expiring, now };

// Refreshes the stored credential under the lock (see above) and returns what
// is stored afterwards. A network failure leaves the file untouched.
Result<StoredCredential> refresh_stored_credential(Context& context, RefreshWhen when);

}  // namespace compozy
