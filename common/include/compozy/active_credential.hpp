// Which credential a command uses, as far as can be told without the network.
//
// FLYZT_API_KEY, when set, wins over anything stored. Otherwise the profile's
// entry in credentials.yaml is used, if it was issued by the configured host:
// its tokens never travel to another one. An access token is refreshed when
// it expires within the refresh margin (refresh.hpp does that).
//
// Nothing here touches the network or OpenSSL, so that compozy-auth-token,
// which links only this, starts in a few milliseconds.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>

#include "compozy/command.hpp"
#include "compozy/stored_credential.hpp"
#include "compozy/error.hpp"

namespace compozy {

enum class CredentialOrigin { environment, credentials_file };

struct ActiveCredential {
  std::string token;
  CredentialOrigin origin = CredentialOrigin::credentials_file;
  std::optional<StoredCredential> stored = std::nullopt;  // when it comes from the file
};

// FLYZT_API_KEY when set: without the blanks around it (a trailing newline is
// a common CI mistake), and refused when anything else in it is not visible
// ASCII, which could inject a header or drive a terminal (exit 2).
Result<std::optional<std::string>> api_key_from_environment(const Environment& env);

// The profile's entry for the configured host, or nullopt.
Result<std::optional<StoredCredential>> stored_credential(Context& context);

// The error for "nothing to authenticate with" (exit 4), naming the profile and host.
std::unexpected<Error> not_logged_in(const Context& context);

// FLYZT_API_KEY, or a stored credential that needs no refresh; nullopt when
// the stored access token must be refreshed first. Exit 4 when there is none.
Result<std::optional<ActiveCredential>> credential_without_refresh(Context& context);

// What `auth token` prints: the token alone, or with --json (schema_version 1)
// the host and profile it is for and what it is, named as in `auth status
// --json`. Both come from the one read of the store that gave the token, so a
// plugin never pairs a token with a host it was not issued by.
nlohmann::json token_json(const Settings& settings, const ActiveCredential& credential);
void print_token(Output& out, const Settings& settings, const ActiveCredential& credential, bool json);

}  // namespace compozy
