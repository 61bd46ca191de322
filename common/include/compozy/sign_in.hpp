// The ways to sign in, each ending in a credential ready to store:
// a browser with PKCE and a loopback redirect, a device code entered on any
// other device, or an API key pasted on standard input.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "compozy/command.hpp"
#include "compozy/credential_store.hpp"
#include "compozy/oauth.hpp"

namespace compozy {

struct BrowserSignIn {
  std::optional<std::vector<std::string>> browser;  // nullopt: only print the URL
  int callback_port = 0;                           // 0: any free port
  std::chrono::steady_clock::time_point deadline;
  DeviceDescription device = {};  // sent with the token request
};

Result<StoredCredential> sign_in_with_browser(Context& context, const ServerMetadata& server,
                                              const BrowserSignIn& how);

struct DeviceSignIn {
  std::optional<std::vector<std::string>> browser;  // opens the verification page too when set
  std::chrono::steady_clock::time_point deadline;
  DeviceDescription device = {};  // sent with the token requests
};

Result<StoredCredential> sign_in_with_device_code(Context& context, const ServerMetadata& server,
                                                  const DeviceSignIn& how);

// Reads a key from standard input (with a hidden prompt on a terminal): a key
// on the command line would show in `ps` and in shell history.
Result<std::string> read_api_key(Context& context);

// Asks the server who the key belongs to; a key it refuses is not stored.
Result<StoredCredential> sign_in_with_api_key(Context& context, std::string key);

// Stores the credential of a finished sign-in for the profile, says who is
// signed in, and revokes the session it replaces, which would otherwise
// linger until it expired (a failure to revoke is said, not fatal).
Result<void> keep_signed_in(Context& context, const StoredCredential& credential);

}  // namespace compozy
