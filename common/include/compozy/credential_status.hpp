// What `compozy auth status` finds out: which credential is in use, where it
// comes from, and whether the server still accepts it.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/active_credential.hpp"
#include "compozy/api_keys.hpp"
#include "compozy/command.hpp"

namespace compozy {

// The `state` of `auth status --json` (schema_version 1; README, "auth status --json").
enum class CredentialState {
  valid,                // the server accepted it (or, unchecked, it has not expired)
  expired_refreshable,  // the access token expired and was not refreshed (--offline): not known to work
  expired,              // expired with nothing to refresh it with
  rejected,             // the server refused it
  not_logged_in,        // nothing stored for this host, and no FLYZT_API_KEY
  offline,              // the server could not be reached to check it
};
std::string_view state_name(CredentialState state);

struct CredentialStatus {
  CredentialState state = CredentialState::not_logged_in;
  bool checked = false;  // asked the server
  std::string profile;
  SettingSource profile_source = SettingSource::built_in;
  bool active = false;  // the profile commands here use (auth status --all)
  std::string host;
  std::string login_command = "compozy login";  // reproduces this profile and host
  std::string account;
  std::string subject;
  std::optional<CredentialOrigin> origin;
  std::optional<CredentialKind> kind;
  std::string file;  // the credentials file, when the credential comes from it
  std::string store;  // which store holds its tokens: "file" or a helper's name
  std::optional<TimePoint> expires_at;
  bool refreshable = false;
  std::vector<std::string> scopes;
  std::string problem;  // why it is not valid, in words
  bool file_entry_ignored = false;  // a stored entry exists but FLYZT_API_KEY wins
  bool refreshed = false;           // the access token had expired, and status refreshed it
  bool refresh_refused = false;     // the server refused the refresh token: the session has ended
  bool store_failed = false;        // the credential store could not be read (exit 5): problem says why
  TimePoint assessed_at;             // when, by the command's clock
  std::optional<ApiKey> api_key;     // FLYZT_API_KEY's key, as the server describes it
  std::vector<std::string> warnings;  // credential hygiene (api_key_warnings), for stderr and --json

  bool works() const;  // exit 0 for `auth status`
};

CredentialStatus assess_credential(Context& context, bool ask_server);

nlohmann::json status_json(const CredentialStatus& status);
// The report on stdout (it is what `auth status` is asked for); warnings on stderr.
void print_status(Output& out, const CredentialStatus& status);

}  // namespace compozy
