// The authorization server itself, apart from HTTP: it checks requests, issues and
// revokes credentials, and keeps the state (in memory, and in the --state file a
// moment after each change, by a StateWriter). One mutex guards the state; every
// public member may be called from any request thread.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "compozy/error.hpp"
#include "compozy/url.hpp"
#include "options.hpp"
#include "signing_key.hpp"
#include "state.hpp"
#include "state_writer.hpp"

namespace compozy::devcloud {

// An error as RFC 6749 §5.2 (and RFC 6750, RFC 8628) words it.
struct OAuthError {
  int status = 400;
  std::string error;  // "invalid_request", "invalid_grant", …
  std::string description;
  std::string scope = {};  // for 403 insufficient_scope: the scope the request needs (RFC 6750 §3.1)
};

template <class T = void>
using Outcome = std::expected<T, OAuthError>;

inline constexpr std::string_view device_code_grant = "urn:ietf:params:oauth:grant-type:device_code";
// RFC 8693: a token narrowed from another.
inline constexpr std::string_view token_exchange_grant = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr std::string_view access_token_type = "urn:ietf:params:oauth:token-type:access_token";

// The scopes devcloud grants, in the order they are shown and listed.
const std::vector<std::string>& supported_scopes();
std::string join_scopes(const Scopes& scopes);
// A human sentence for the consent pages, e.g. "See your e-mail address".
std::string_view describe_scope(std::string_view scope);

// Why /oauth/authorize refuses. Without a trusted client and redirect URI the error is
// shown to the person (RFC 6749 §4.1.2.1); otherwise it goes back to the client.
struct AuthorizationRefusal {
  bool redirect = false;
  std::string redirect_uri;
  std::string state;
  std::string error;
  std::string description;
};

// Where the browser goes after the person answered the consent page.
struct ConsentAnswer {
  std::string redirect_uri;
  std::string state;
  std::string code;  // empty when denied
};

struct DevicePrompt {
  std::string user_code;  // as shown: "BCDF-GHJK"
  std::string client_id;
  Scopes scopes;
};

// The scopes an API key may hold, in the order they are shown: what the account API
// lets it do. A session's access token may do all of it.
//   read         see the account and its sessions
//   write        end sessions
//   keys:manage  list, create, revoke and rotate API keys
const std::vector<std::string>& api_key_scopes();
std::string_view describe_api_key_scope(std::string_view scope);
// What a key made without scopes gets: what keys could always do.
const Scopes& default_api_key_scopes();

// Who is behind a bearer credential.
struct Caller {
  Account account;
  enum class Kind { session, api_key } kind = Kind::session;
  std::string credential_id;  // "ses_…" or "key_…"
  std::optional<TimePoint> expires_at;
  Scopes scopes;  // the OpenID Connect scopes userinfo answers by
  std::optional<ApiKey> key;  // with an API key: the key, as it was when it authenticated
  // With a session's access token, what it may do in the account API: a login's token
  // that names no API scope may do everything (as before scopes existed); an
  // exchanged one (RFC 8693) only what it names.
  Scopes api_scopes;

  // Whether the account API lets this credential do what `scope` stands for.
  bool may(std::string_view scope) const;
};

// What a new API key is to be; checked by create_api_key.
struct ApiKeySpec {
  std::string name;
  Scopes scopes;  // empty: default_api_key_scopes
  std::string environment;
  std::optional<std::int64_t> lifetime_seconds;  // nullopt: never expires
};

struct SessionInfo {
  SessionRecord session;
  bool current = false;
};

// What time it is. The real clock by default; tests pass one they move by hand, so
// that expiry is tested without sleeping.
using TimeSource = std::function<WallClock::time_point()>;

struct NewApiKey {
  ApiKey key;
  std::string secret;  // "czk_…", shown once and never again
};

class Authority {
 public:
  // Loads the --state file (a missing file starts fresh), registers the accounts and
  // clients of `options`, takes the --signing-key or creates one on first start, and saves.
  static Result<std::unique_ptr<Authority>> open(const Options& options, TimeSource clock = &WallClock::now);

  // The issuer is known once the server is bound; set it before serving.
  void set_issuer(std::string issuer) { issuer_ = std::move(issuer); }
  const std::string& issuer() const { return issuer_; }

  const Options& options() const { return options_; }
  const std::vector<Account>& users() const { return users_; }  // who may sign in, --user order
  const Account* find_user(std::string_view email) const;
  bool is_client(std::string_view client_id) const;
  const SigningKey& signing_key() const { return signing_key_; }
  // In whole seconds, like every time in the state.
  TimePoint now() const;

  // Authorization code flow (RFC 6749 §4.1, RFC 7636, RFC 8252).
  std::expected<CheckedAuthorizeRequest, AuthorizationRefusal> check_authorization_request(const Params& query) const;
  Outcome<std::string> open_consent_request(const CheckedAuthorizeRequest& request);  // the request id
  Outcome<std::string> issue_code(const CheckedAuthorizeRequest& request, const Account& account);
  Outcome<ConsentAnswer> answer_consent_request(std::string_view request_id, std::string_view account_email,
                                                bool approve);

  // The token endpoint: every grant type, from its form parameters.
  // `address` is the client's, kept as the session's last use.
  Outcome<nlohmann::json> grant_tokens(const Params& form, std::string_view user_agent,
                                       std::string_view address = {});

  // Device authorization (RFC 8628).
  Outcome<nlohmann::json> authorize_device(const Params& form);
  Outcome<DevicePrompt> find_device_request(std::string_view user_code);
  // The account that approved or denied: the only one when `account_email` is empty.
  Outcome<Account> answer_device_request(std::string_view user_code, std::string_view account_email, bool approve);

  // Token revocation (RFC 7009).
  Outcome<void> revoke(const Params& form);

  // Bearer authentication (RFC 6750) with an access token or an API key; the
  // credential's use (time, and `address` as where from) is recorded.
  Outcome<Caller> authenticate(std::string_view authorization_header, std::string_view address = {});

  std::vector<SessionInfo> sessions_of(const Caller& caller);
  Outcome<void> revoke_session(const Caller& caller, std::string_view session_id);
  Outcome<int> revoke_all_sessions(const Caller& caller);

  // Writes the --state file now if anything is not yet written: at shutdown.
  Result<void> flush();

  Outcome<NewApiKey> create_api_key(const Account& account, const ApiKeySpec& spec);
  // As the dashboard asks: a name and a number of days (0 or none: never), the default scopes.
  Outcome<NewApiKey> create_api_key(const Account& account, std::string_view name, std::optional<int> expires_in_days,
                                    Scopes scopes = {});
  std::vector<ApiKey> api_keys_of(const Account& account);
  Outcome<void> revoke_api_key(const Account& account, std::string_view key_id);
  // A new key with the old one's name, scopes, environment and expiry policy; the old
  // one keeps working for `grace`, then is refused (at once when grace is 0).
  Outcome<NewApiKey> rotate_api_key(const Account& account, std::string_view key_id, std::chrono::seconds grace);

  // Moves devcloud's clock forward, for tests of expiry that must not sleep (/_clock).
  void advance_clock(std::chrono::seconds by) { clock_offset_seconds_ += by.count(); }

 private:
  Authority(Options options, TimeSource clock, State state, SigningKey signing_key);

  std::optional<AuthorizationRefusal> refusal_without_redirect(const Params& query) const;

  // Rounded up, so that whatever is issued with a lifetime of N seconds lives at least
  // N, never less, as clients counting expires_in expect.
  TimePoint expiry_after(std::chrono::seconds lifetime) const;
  WallClock::time_point clock_now() const;  // the clock, moved by advance_clock
  std::int64_t now_milliseconds() const;  // Unix time, for the device flow's polling interval

  // Run `apply` on the state under the lock, after dropping what has expired. What
  // `change` applied is written soon if it succeeded; what `use` applied (last-used
  // times) is written with the next change. A refusal writes nothing unless it says so.
  template <class Apply>
  auto change(Apply&& apply) -> decltype(apply(std::declval<State&>()));
  template <class Apply>
  auto use(Apply&& apply) -> decltype(apply(std::declval<State&>()));
  void must_save();  // for a refusal that changed the state, as a replay that ends a session
  void may_save();   // for bookkeeping that a restart may lose, as a device poll's time

  Outcome<void> room_for_a_session(const State& state) const;
  bool may_answer_again(const SessionRecord& session, const std::string& refresh_hash) const;

  Outcome<nlohmann::json> redeem_code(State& state, const Params& form, std::string_view client_id,
                                      std::string_view user_agent);
  Outcome<nlohmann::json> refresh(State& state, const Params& form, std::string_view client_id);
  Outcome<nlohmann::json> exchange_token(State& state, const Params& form, std::string_view client_id);
  Outcome<nlohmann::json> redeem_device_code(State& state, const Params& form, std::string_view client_id,
                                             std::string_view user_agent);
  Outcome<nlohmann::json> issue_tokens(State& state, SessionRecord& session, const Scopes& scopes, bool first_issue);
  Result<std::string> sign_id_token(const SessionRecord& session, const Scopes& scopes, bool first_issue) const;
  Outcome<Caller> api_key_caller(State& state, const std::string& hash, std::string_view remote_address) const;
  Outcome<Caller> access_token_caller(State& state, const std::string& hash) const;
  const Account* find_account(std::string_view id) const;

  Options options_;
  TimeSource clock_;
  std::atomic<std::int64_t> clock_offset_seconds_{0};
  std::string issuer_;
  std::vector<Account> accounts_;  // everyone the state knows, for tokens of former --user accounts
  std::vector<Account> users_;
  std::vector<std::string> clients_;
  SigningKey signing_key_;


  std::mutex mutex_;
  State state_;
  std::unique_ptr<StateWriter> state_writer_;  // with --state; last, so that it is gone before the state
};

}  // namespace compozy::devcloud
