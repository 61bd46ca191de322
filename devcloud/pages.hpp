// The HTML a person sees: consent, device verification, the API keys dashboard and
// error pages. Plain server-rendered forms with inline CSS: they work in any browser,
// with curl, and under a Content-Security-Policy that allows no script at all.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "authority.hpp"
#include "state.hpp"

namespace compozy::devcloud {

std::string escape_html(std::string_view text);

struct ConsentPage {
  std::string request_id;
  std::string client_id;
  Scopes scopes;
  std::vector<Account> accounts;
  std::string selected_email;  // from login_hint, when it names one of `accounts`
  std::string return_origin;   // where the browser goes afterwards, e.g. "http://127.0.0.1:53682"
};
std::string render_consent_page(const ConsentPage& page);

// The form to type a user code in; `problem` explains why the last one was not accepted.
std::string render_device_entry_page(std::string_view user_code, std::string_view problem);
std::string render_device_consent_page(const DevicePrompt& prompt, const std::vector<Account>& accounts);
std::string render_device_done_page(bool approved, std::string_view client_id, const Account& account);

std::string render_message_page(std::string_view title, std::string_view message);

struct HomePage {
  std::string issuer;
  bool compozy_api = true;
};
std::string render_home_page(const HomePage& page);

struct ApiKeysPage {
  std::vector<Account> accounts;  // for the account switcher
  Account account;                // acting as
  std::vector<ApiKey> keys;
  std::optional<NewApiKey> created;  // shown once, right after "Generate New Key"
  std::string problem;               // why the form was refused
  std::string name;                  // what the refused form held
  std::string expires_in_days;
  TimePoint now;  // for marking keys expired, by the authority's clock
  Scopes scopes = default_api_key_scopes();  // ticked in the form  // for marking keys expired, by the authority's clock
};
std::string render_api_keys_page(const ApiKeysPage& page);

}  // namespace compozy::devcloud
