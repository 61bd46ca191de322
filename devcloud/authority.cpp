#include "authority.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "compozy/atomic_file.hpp"
#include "compozy/crypto.hpp"
#include "compozy/pkce.hpp"
#include "compozy/text.hpp"

namespace compozy::devcloud {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto code_ttl = 60s;
constexpr auto consent_request_ttl = 10min;
// Redeemed codes and expired device codes are remembered a while longer, so that a
// replayed code still revokes what it issued and a late poll still hears expired_token.
constexpr auto afterlife = 1h;
constexpr std::size_t max_pending_requests = 1000;
// A session remembers this many of its spent refresh tokens. Forgetting the oldest
// costs only the alarm, never safety: a forgotten token is refused like an unknown one.
constexpr std::size_t max_spent_refresh_tokens = 50;
// Changes are written at most this often: a burst of requests costs one write.
constexpr auto state_write_interval = 150ms;
constexpr std::string_view api_key_prefix = "czk_";
// RFC 8628 §6.1: consonants only, so no word can be spelled and nothing looks alike.
constexpr std::string_view user_code_alphabet = "BCDFGHJKLMNPQRSTVWXZ";

std::string new_id(std::string_view prefix) { return std::string(prefix) + random_token(12); }
std::string digest(std::string_view secret) { return sha256_hex(secret); }

OAuthError invalid_request(std::string description) { return {400, "invalid_request", std::move(description)}; }
OAuthError invalid_grant(std::string description) { return {400, "invalid_grant", std::move(description)}; }
OAuthError invalid_client(std::string description) { return {401, "invalid_client", std::move(description)}; }
OAuthError invalid_token(std::string description) { return {401, "invalid_token", std::move(description)}; }
OAuthError server_error(std::string description) { return {500, "server_error", std::move(description)}; }

bool has_scope(const Scopes& scopes, std::string_view scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::string supported_scope_list() { return join_scopes(supported_scopes()); }

// Space-separated scopes (RFC 6749 §3.3) in our canonical order, or the first unknown one.
std::expected<Scopes, std::string> parse_scopes(std::string_view text) {
  Scopes requested;
  while (!text.empty()) {
    const auto space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    if (!has_scope(supported_scopes(), word)) return std::unexpected(std::string(word));
    requested.emplace_back(word);
  }
  Scopes ordered;
  for (const std::string& scope : supported_scopes()) {
    if (has_scope(requested, scope)) ordered.push_back(scope);
  }
  return ordered;
}

Outcome<Scopes> required_scopes(const std::optional<std::string>& text) {
  if (!text || text->find_first_not_of(' ') == std::string::npos) {
    return std::unexpected(OAuthError{400, "invalid_scope", "scope is required; supported: " + supported_scope_list()});
  }
  auto scopes = parse_scopes(*text);
  if (!scopes) {
    return std::unexpected(OAuthError{400, "invalid_scope",
                                      "unknown scope '" + scopes.error() + "'; supported: " + supported_scope_list()});
  }
  return *scopes;
}

bool same_text_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

// "jane.doe@example.com" -> "Jane Doe"
std::string name_from_email(std::string_view email) {
  std::string name;
  bool word_start = true;
  for (const char c : email.substr(0, email.find('@'))) {
    if (c == '.' || c == '_' || c == '-' || c == '+') {
      if (!name.empty() && name.back() != ' ') name += ' ';
      word_start = true;
    } else {
      name += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      word_start = false;
    }
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  return name.empty() ? std::string(email) : name;
}

// RFC 8252 §7.3: native clients receive the code on a loopback IP literal, on any port.
// `localhost` is refused (§8.3: it may resolve elsewhere), and so is every other host.
std::optional<std::string> loopback_redirect_problem(std::string_view uri) {
  if (!std::all_of(uri.begin(), uri.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; })) {
    return "it contains spaces or characters outside printable ASCII";
  }
  const auto url = parse_url(uri);
  if (!url) return url.error().message;
  if (url->scheme != "http") return "only http:// loopback redirect URIs are accepted (RFC 8252 §7.3)";
  if (url->host != "127.0.0.1" && url->host != "::1") {
    return "only the loopback addresses 127.0.0.1 and [::1] are accepted (RFC 8252 §7.3)";
  }
  return std::nullopt;
}

std::ptrdiff_t count_param(const Params& params, std::string_view name) {
  return std::count_if(params.begin(), params.end(), [&](const auto& param) { return param.first == name; });
}

// RFC 6749 §3.1: parameters must not be included more than once.
std::optional<OAuthError> repeated_parameter(const Params& query) {
  for (const auto& [name, value] : query) {
    if (count_param(query, name) > 1) return invalid_request("'" + name + "' is given more than once");
  }
  return std::nullopt;
}

std::optional<OAuthError> response_type_problem(const Params& query) {
  const auto response_type = find_param(query, "response_type");
  if (!response_type || response_type->empty()) return invalid_request("response_type is missing");
  if (*response_type != "code") {
    return OAuthError{400, "unsupported_response_type",
                      "only response_type=code is supported, not '" + *response_type + "'"};
  }
  return std::nullopt;
}

// PKCE is required, and only S256 (RFC 7636 §4.2; RFC 9700 §2.1.1 rules out plain).
Outcome<std::string> s256_code_challenge(const Params& query) {
  const auto challenge = find_param(query, "code_challenge");
  if (!challenge || challenge->empty()) {
    return std::unexpected(invalid_request("code_challenge is missing: PKCE (RFC 7636) is required"));
  }
  const auto method = find_param(query, "code_challenge_method");
  if (!method || *method != "S256") return std::unexpected(invalid_request("code_challenge_method must be S256"));
  // BASE64URL(SHA256(…)) is always 43 characters.
  if (challenge->size() != 43 || !base64url_decode(*challenge)) {
    return std::unexpected(invalid_request("code_challenge is not a base64url SHA-256 digest"));
  }
  return *challenge;
}

// OIDC Core §3.1.2.1: space-separated; "none" stands alone. Other values (login,
// consent, select_account) change nothing: the consent page is always shown.
Outcome<bool> is_prompt_none(const std::optional<std::string>& prompt) {
  if (!prompt) return false;
  std::vector<std::string_view> words;
  for (std::string_view rest = *prompt; !rest.empty();) {
    const auto space = rest.find(' ');
    if (space != 0) words.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  const bool none = std::find(words.begin(), words.end(), "none") != words.end();
  if (none && words.size() > 1)
    return std::unexpected(invalid_request("prompt=none cannot be combined with other values"));
  return none;
}

// RFC 6750 §2.1: "Bearer" in any case, then the token; spaces around it do not count.
Outcome<std::string_view> bearer_token(std::string_view header) {
  if (header.find_first_not_of(' ') == std::string_view::npos) {
    return std::unexpected(invalid_token("the request has no bearer token"));
  }
  const auto space = header.find(' ');
  if (space == std::string_view::npos || !same_text_ignoring_case(header.substr(0, space), "Bearer")) {
    return std::unexpected(invalid_token("expected an 'Authorization: Bearer <token>' header"));
  }
  std::string_view token = header.substr(space);
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::unexpected(invalid_token("the bearer token is empty"));
  return token;
}

std::string format_user_code(std::string_view code) {
  return std::string(code.substr(0, 4)) + "-" + std::string(code.substr(4));
}

// RFC 8628 §6.1: case-insensitive, and the dash (or any spacing) does not count.
std::optional<std::string> normalize_user_code(std::string_view text) {
  std::string code;
  for (const char c : text) {
    if (c == '-' || c == ' ') continue;
    const char upper = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (user_code_alphabet.find(upper) == std::string_view::npos) return std::nullopt;
    code += upper;
  }
  if (code.size() != 8) return std::nullopt;
  return code;
}

std::string new_user_code() {
  std::string code;
  while (code.size() < 8) {
    for (const unsigned char byte : random_bytes(16)) {
      // 240 is the largest multiple of 20 below 256: no letter is likelier than another.
      if (byte < 240 && code.size() < 8) code += user_code_alphabet[byte % user_code_alphabet.size()];
    }
  }
  return code;
}

// The device authorization that a (normalized) user code names, or end().
auto find_by_user_code(std::map<std::string, DeviceCodeRecord>& devices, std::string_view user_code) {
  const std::string hash = digest(user_code);
  return std::find_if(devices.begin(), devices.end(),
                      [&](const auto& entry) { return entry.second.user_code_hash == hash; });
}

std::string printable(std::string_view text, std::size_t limit) {
  std::string result;
  for (const unsigned char c : text.substr(0, limit)) result += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return result;
}

// What a client says of its device, kept as sent when it is a line of UTF-8 text (a
// host name may be "Zoë's laptop"), cut at a character boundary; '?'s otherwise.
std::string device_text(const Params& form, std::string_view name) {
  constexpr std::size_t limit = 64;
  const std::string text = find_param(form, name).value_or("");
  if (!is_printable_utf8(text)) return printable(text, limit);
  std::size_t end = std::min(text.size(), limit);
  while (end > 0 && end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// A token request's device_name and device_os (unknown parameters to any other server,
// which RFC 6749 §3.2 has it ignore); a request without them keeps what was said before.
void note_device(SessionRecord& session, const Params& form, std::string_view address) {
  if (auto name = device_text(form, "device_name"); !name.empty()) session.device_name = std::move(name);
  if (auto os = device_text(form, "device_os"); !os.empty()) session.device_os = std::move(os);
  if (!address.empty()) session.last_used_from = std::string(address);
}

bool names_api_scope(const Scopes& scopes) {
  return std::any_of(scopes.begin(), scopes.end(), [](const std::string& scope) { return has_scope(api_key_scopes(), scope); });
}

Scopes api_scopes_of(const Scopes& scopes, bool exchanged) {
  if (!exchanged && !names_api_scope(scopes)) return api_key_scopes();
  Scopes granted;
  for (const std::string& scope : api_key_scopes()) {
    if (has_scope(scopes, scope)) granted.push_back(scope);
  }
  return granted;
}

void forget_spent_refresh_tokens(State& state, const SessionRecord& session) {
  for (const std::string& hash : session.spent_refresh_hashes) state.spent_refresh_tokens.erase(hash);
}

void end_session(State& state, const std::string& session_id) {
  const std::string id = session_id;  // the argument may live in what is erased
  if (const auto session = state.sessions.find(id); session != state.sessions.end()) {
    forget_spent_refresh_tokens(state, session->second);
    state.sessions.erase(session);
  }
  std::erase_if(state.access_tokens, [&](const auto& entry) { return entry.second.session_id == id; });
  std::erase_if(state.refresh_tokens, [&](const auto& entry) { return entry.second.session_id == id; });
}

void forget_expired(State& state, TimePoint now) {
  for (auto session = state.sessions.begin(); session != state.sessions.end();) {
    if (session->second.expires_at > now) {
      ++session;
      continue;
    }
    forget_spent_refresh_tokens(state, session->second);
    session = state.sessions.erase(session);
  }
  std::erase_if(state.access_tokens, [&](const auto& entry) {
    return entry.second.expires_at <= now || !state.sessions.contains(entry.second.session_id);
  });
  std::erase_if(state.refresh_tokens, [&](const auto& entry) {
    return entry.second.expires_at <= now || !state.sessions.contains(entry.second.session_id);
  });
  std::erase_if(state.codes, [&](const auto& entry) {
    const AuthorizationCode& code = entry.second;
    return code.expires_at + (code.session_id.empty() ? 0s : afterlife) <= now;
  });
  std::erase_if(state.consent_requests, [&](const auto& entry) { return entry.second.expires_at <= now; });
  std::erase_if(state.device_codes, [&](const auto& entry) { return entry.second.expires_at + afterlife <= now; });
  // A key a rotation replaced is gone a while after its grace ends; an expired key
  // that was never replaced stays listed, flagged, until someone revokes it.
  std::erase_if(state.api_keys, [&](const auto& entry) {
    const ApiKey& key = entry.second;
    return !key.replaced_by.empty() && key.expires_at && *key.expires_at + afterlife <= now;
  });
}

// Keeps pending requests bounded, whatever a script throws at the server.
template <class Map>
void make_room(Map& pending) {
  while (pending.size() >= max_pending_requests) {
    const auto oldest = std::min_element(pending.begin(), pending.end(), [](const auto& a, const auto& b) {
      return a.second.expires_at < b.second.expires_at;
    });
    pending.erase(oldest);
  }
}

SessionRecord& start_session(State& state, const Account& account, std::string_view client_id,
                             std::string_view user_agent, const Scopes& scopes, std::string nonce, TimePoint auth_time,
                             TimePoint now) {
  SessionRecord session{new_id("ses_"),
                        account.id,
                        std::string(client_id),
                        printable(user_agent, 256),
                        {},
                        {},
                        {},
                        scopes,
                        std::move(nonce),
                        auth_time,
                        now,
                        now,
                        now,
                        {},
                        std::nullopt};
  const std::string id = session.id;
  return state.sessions.emplace(id, std::move(session)).first->second;
}

// The session a refresh token belongs to, usable or spent, or nullptr.
SessionRecord* session_of_refresh_token(State& state, const std::string& hash) {
  std::string session_id;
  if (const auto usable = state.refresh_tokens.find(hash); usable != state.refresh_tokens.end()) {
    session_id = usable->second.session_id;
  } else if (const auto spent = state.spent_refresh_tokens.find(hash); spent != state.spent_refresh_tokens.end()) {
    session_id = spent->second;
  }
  const auto session = state.sessions.find(session_id);
  return session == state.sessions.end() ? nullptr : &session->second;
}

void spend_refresh_token(State& state, SessionRecord& session, const std::string& hash) {
  state.refresh_tokens.erase(hash);
  session.spent_refresh_hashes.push_back(hash);
  state.spent_refresh_tokens[hash] = session.id;
  if (session.spent_refresh_hashes.size() > max_spent_refresh_tokens) {
    state.spent_refresh_tokens.erase(session.spent_refresh_hashes.front());
    session.spent_refresh_hashes.erase(session.spent_refresh_hashes.begin());
  }
}

// The tokens of the last rotation, when it is answered again: their client never
// stored them. The refresh token counts as spent rather than unknown, so that if
// someone did keep it, using it ends the session: one chain of tokens, never two.
void withdraw_last_issue(State& state, SessionRecord& session) {
  const Rotation& rotation = *session.last_rotation;
  state.access_tokens.erase(rotation.issued_access_hash);
  if (state.refresh_tokens.contains(rotation.issued_refresh_hash)) {
    spend_refresh_token(state, session, rotation.issued_refresh_hash);
  }
}

// The granted scopes, or the narrower ones a refresh asks for (RFC 6749 §6).
Outcome<Scopes> refreshed_scopes(const Scopes& granted, const Params& form) {
  const auto requested = find_param(form, "scope");
  if (!requested || requested->empty()) return granted;
  auto narrowed = required_scopes(requested);
  if (!narrowed) return std::unexpected(narrowed.error());
  for (const std::string& scope : *narrowed) {
    if (!has_scope(granted, scope)) {
      return std::unexpected(OAuthError{400, "invalid_scope", "scope '" + scope + "' was not granted"});
    }
  }
  return narrowed;
}

std::string add_code(State& state, const CheckedAuthorizeRequest& request, const Account& account, TimePoint now,
                     TimePoint expires_at) {
  make_room(state.codes);
  const std::string code = random_token(32);
  state.codes[digest(code)] = AuthorizationCode{request.client_id,
                                                request.redirect_uri,
                                                request.code_challenge,
                                                account.id,
                                                request.scopes,
                                                request.nonce,
                                                now,
                                                expires_at,
                                                {}};
  return code;
}

Result<State> load_state(const std::optional<std::filesystem::path>& file) {
  if (!file) return State{};
  const std::string clause = "reading state file '" + file->string() + "'";
  auto content = read_file(*file);
  if (!content) return propagate(content);  // it names the file
  if (!*content) return State{};            // the first start
  const json document = json::parse(**content, nullptr, false);
  if (document.is_discarded()) return fail(clause + ": not valid JSON");
  auto state = state_from_json(document);
  if (!state) return propagate(state, clause);
  return state;
}

// --signing-key wins over the key in the state file; without either a new key is made.
Result<SigningKey> choose_signing_key(const Options& options, const State& state) {
  if (options.signing_key_file) {
    const std::string clause = "reading signing key '" + options.signing_key_file->string() + "'";
    auto pem = read_file(*options.signing_key_file);
    if (!pem) return propagate(pem);  // it names the file
    if (!*pem) return fail(clause + ": no such file");
    auto key = SigningKey::from_pem(**pem);
    if (!key) return propagate(key, clause);
    return key;
  }
  if (state.signing_key_pem.empty()) return SigningKey::generate();
  auto key = SigningKey::from_pem(state.signing_key_pem);
  if (!key && options.state_file) return propagate(key, "reading state file '" + options.state_file->string() + "'");
  return key;
}

// The --user accounts, as the state knows them (a restart keeps their ids), added when new.
std::vector<Account> register_users(State& state, const std::vector<std::string>& emails) {
  std::vector<Account> users;
  for (const std::string& email : emails) {
    auto known = std::find_if(state.accounts.begin(), state.accounts.end(),
                              [&](const Account& account) { return same_text_ignoring_case(account.email, email); });
    if (known == state.accounts.end()) {
      state.accounts.push_back({new_id("usr_"), email, name_from_email(email)});
      known = state.accounts.end() - 1;
    }
    users.push_back(*known);
  }
  return users;
}

// A restart keeps the clients of earlier runs registered, so their refresh tokens go on working.
void register_clients(State& state, const std::vector<std::string>& clients) {
  for (const std::string& client : clients) {
    if (std::find(state.clients.begin(), state.clients.end(), client) == state.clients.end()) {
      state.clients.push_back(client);
    }
  }
}

}  // namespace

const std::vector<std::string>& supported_scopes() {
  static const std::vector<std::string> scopes = {"openid", "email", "profile", "offline_access",
                                                  "read",   "write", "keys:manage"};
  return scopes;
}

const std::vector<std::string>& api_key_scopes() {
  static const std::vector<std::string> scopes = {"read", "write", "keys:manage"};
  return scopes;
}

std::string_view describe_api_key_scope(std::string_view scope) {
  return has_scope(api_key_scopes(), scope) ? describe_scope(scope) : "";
}

const Scopes& default_api_key_scopes() {
  static const Scopes scopes = {"read", "write"};
  return scopes;
}

bool Caller::may(std::string_view scope) const {
  return has_scope(key ? key->scopes : api_scopes, scope);
}

std::string join_scopes(const Scopes& scopes) {
  std::string text;
  for (const std::string& scope : scopes) {
    if (!text.empty()) text += ' ';
    text += scope;
  }
  return text;
}

std::string_view describe_scope(std::string_view scope) {
  if (scope == "openid") return "Confirm who you are";
  if (scope == "email") return "See your e-mail address";
  if (scope == "profile") return "See your name";
  if (scope == "offline_access") return "Stay signed in until you sign out or revoke access";
  if (scope == "read") return "See your account and its sessions";
  if (scope == "write") return "End sessions";
  if (scope == "keys:manage") return "List, create, revoke and rotate API keys";
  return "Unknown permission";
}

// ---------------------------------------------------------------------------------
// Lifecycle and persistence

Authority::Authority(Options options, TimeSource clock, State state, SigningKey signing_key)
    : options_(std::move(options)),
      clock_(std::move(clock)),
      signing_key_(std::move(signing_key)),
      state_(std::move(state)) {}

WallClock::time_point Authority::clock_now() const {
  return clock_() + std::chrono::seconds(clock_offset_seconds_.load());
}

TimePoint Authority::now() const { return std::chrono::time_point_cast<std::chrono::seconds>(clock_now()); }

TimePoint Authority::expiry_after(std::chrono::seconds lifetime) const {
  return std::chrono::ceil<std::chrono::seconds>(clock_now()) + lifetime;
}

std::int64_t Authority::now_milliseconds() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(clock_now().time_since_epoch()).count();
}

Result<std::unique_ptr<Authority>> Authority::open(const Options& options, TimeSource clock) {
  auto state = load_state(options.state_file);
  if (!state) return propagate(state);
  auto signing_key = choose_signing_key(options, *state);
  if (!signing_key) return propagate(signing_key);
  state->signing_key_pem = signing_key->private_key_pem();
  std::vector<Account> users = register_users(*state, options.users);
  register_clients(*state, options.clients);

  std::unique_ptr<Authority> authority(
      new Authority(options, std::move(clock), std::move(*state), std::move(*signing_key)));
  authority->accounts_ = authority->state_.accounts;
  authority->users_ = std::move(users);
  authority->clients_ = authority->state_.clients;
  authority->clock_offset_seconds_ = options.clock_offset.count();
  forget_expired(authority->state_, authority->now());
  if (options.state_file) {
    // Written at once, so that a file that cannot be written stops the start.
    if (auto saved = write_state_file(*options.state_file, authority->state_); !saved) return propagate(saved);
    Authority* const owner = authority.get();
    authority->state_writer_ = std::make_unique<StateWriter>(*options.state_file, state_write_interval, [owner] {
      std::lock_guard lock(owner->mutex_);
      return owner->state_;
    });
  }
  return authority;
}

Result<void> Authority::flush() { return state_writer_ ? state_writer_->flush() : Result<void>(); }

void Authority::must_save() {
  if (state_writer_) state_writer_->changed();
}

void Authority::may_save() {
  if (state_writer_) state_writer_->used();
}

template <class Apply>
auto Authority::change(Apply&& apply) -> decltype(apply(std::declval<State&>())) {
  std::lock_guard lock(mutex_);
  forget_expired(state_, now());
  auto outcome = apply(state_);
  if (outcome) must_save();
  return outcome;
}

template <class Apply>
auto Authority::use(Apply&& apply) -> decltype(apply(std::declval<State&>())) {
  std::lock_guard lock(mutex_);
  forget_expired(state_, now());
  auto outcome = apply(state_);
  if (outcome) may_save();
  return outcome;
}

Outcome<void> Authority::room_for_a_session(const State& state) const {
  if (std::cmp_less(state.sessions.size(), options_.max_sessions)) return {};
  // Refused rather than making room: forgetting a session would forget its spent refresh tokens too.
  return std::unexpected(OAuthError{503, "temporarily_unavailable",
                                    "the server holds " + std::to_string(options_.max_sessions) +
                                        " sessions, its --max-sessions; end some or try again later"});
}

// Auth0's reuse interval: only the refresh token rotated away last, and only for a while.
bool Authority::may_answer_again(const SessionRecord& session, const std::string& refresh_hash) const {
  const std::optional<Rotation>& rotation = session.last_rotation;
  return options_.refresh_reuse_interval > 0s && rotation && rotation->spent_hash == refresh_hash &&
         now() - rotation->at <= options_.refresh_reuse_interval;
}

const Account* Authority::find_user(std::string_view email) const {
  const auto found = std::find_if(users_.begin(), users_.end(), [&](const Account& account) {
    return same_text_ignoring_case(account.email, email);
  });
  return found == users_.end() ? nullptr : &*found;
}

const Account* Authority::find_account(std::string_view id) const {
  const auto found =
      std::find_if(accounts_.begin(), accounts_.end(), [&](const Account& account) { return account.id == id; });
  return found == accounts_.end() ? nullptr : &*found;
}

bool Authority::is_client(std::string_view client_id) const {
  return std::find(clients_.begin(), clients_.end(), client_id) != clients_.end();
}

// ---------------------------------------------------------------------------------
// Authorization code flow

// Without a client and redirect URI we trust, nothing may be sent to the redirect URI.
std::optional<AuthorizationRefusal> Authority::refusal_without_redirect(const Params& query) const {
  const auto refuse_here = [](std::string error, std::string description) {
    return AuthorizationRefusal{false, {}, {}, std::move(error), std::move(description)};
  };
  if (count_param(query, "client_id") > 1) return refuse_here("invalid_request", "client_id is given more than once");
  if (count_param(query, "redirect_uri") > 1) {
    return refuse_here("invalid_request", "redirect_uri is given more than once");
  }
  const auto client_id = find_param(query, "client_id");
  if (!client_id || client_id->empty()) return refuse_here("invalid_request", "the request has no client_id");
  if (!is_client(*client_id)) return refuse_here("invalid_client", "'" + *client_id + "' is not a registered client");
  const auto redirect_uri = find_param(query, "redirect_uri");
  if (!redirect_uri || redirect_uri->empty()) return refuse_here("invalid_request", "the request has no redirect_uri");
  if (auto problem = loopback_redirect_problem(*redirect_uri)) {
    return refuse_here("invalid_request", "the redirect_uri '" + *redirect_uri + "' is not allowed: " + *problem);
  }
  return std::nullopt;
}

std::expected<CheckedAuthorizeRequest, AuthorizationRefusal> Authority::check_authorization_request(
    const Params& query) const {
  if (auto refusal = refusal_without_redirect(query)) return std::unexpected(std::move(*refusal));
  CheckedAuthorizeRequest request;
  request.client_id = *find_param(query, "client_id");
  request.redirect_uri = *find_param(query, "redirect_uri");
  request.state = find_param(query, "state").value_or("");
  request.nonce = find_param(query, "nonce").value_or("");
  request.login_hint = find_param(query, "login_hint").value_or("");
  const auto refuse = [&](OAuthError error) {
    return std::unexpected(AuthorizationRefusal{true, request.redirect_uri, request.state, std::move(error.error),
                                                std::move(error.description)});
  };
  if (auto problem = repeated_parameter(query)) return refuse(std::move(*problem));
  if (auto problem = response_type_problem(query)) return refuse(std::move(*problem));
  auto challenge = s256_code_challenge(query);
  if (!challenge) return refuse(std::move(challenge.error()));
  request.code_challenge = std::move(*challenge);
  auto scopes = required_scopes(find_param(query, "scope"));
  if (!scopes) return refuse(std::move(scopes.error()));
  request.scopes = std::move(*scopes);
  auto prompt_none = is_prompt_none(find_param(query, "prompt"));
  if (!prompt_none) return refuse(std::move(prompt_none.error()));
  request.prompt_none = *prompt_none;
  // OIDC Core §3.1.2.1: with prompt=none nothing may be shown; only --auto-approve can answer.
  if (request.prompt_none && !options_.auto_approve) {
    return refuse({400, "consent_required", "consent is needed and prompt=none forbids asking for it"});
  }
  return request;
}

Outcome<std::string> Authority::open_consent_request(const CheckedAuthorizeRequest& request) {
  return change([&](State& state) -> Outcome<std::string> {
    make_room(state.consent_requests);
    std::string id = random_token(32);
    state.consent_requests[digest(id)] = ConsentRequest{request, expiry_after(consent_request_ttl)};
    return id;
  });
}

Outcome<std::string> Authority::issue_code(const CheckedAuthorizeRequest& request, const Account& account) {
  return change([&](State& state) -> Outcome<std::string> {
    return add_code(state, request, account, now(), expiry_after(code_ttl));
  });
}

Outcome<ConsentAnswer> Authority::answer_consent_request(std::string_view request_id, std::string_view account_email,
                                                         bool approve) {
  const Account* account = account_email.empty() && users_.size() == 1 ? &users_.front() : find_user(account_email);
  return change([&](State& state) -> Outcome<ConsentAnswer> {
    const auto found = state.consent_requests.find(digest(request_id));
    if (found == state.consent_requests.end()) {
      return std::unexpected(invalid_request("this sign-in request has expired or was already answered"));
    }
    if (account == nullptr) {
      return std::unexpected(invalid_request(
          account_email.empty() ? "choose an account" : "'" + std::string(account_email) + "' is not an account here"));
    }
    const ConsentRequest pending = std::move(found->second);
    state.consent_requests.erase(found);
    ConsentAnswer answer{pending.request.redirect_uri, pending.request.state, {}};
    if (approve) answer.code = add_code(state, pending.request, *account, now(), expiry_after(code_ttl));
    return answer;
  });
}

// ---------------------------------------------------------------------------------
// Token endpoint

Outcome<json> Authority::grant_tokens(const Params& form, std::string_view user_agent, std::string_view address) {
  const auto client_id = find_param(form, "client_id");
  if (!client_id || client_id->empty()) return std::unexpected(invalid_client("client_id is missing"));
  if (!is_client(*client_id)) return std::unexpected(invalid_client("'" + *client_id + "' is not a registered client"));
  const auto grant_type = find_param(form, "grant_type");
  if (!grant_type || grant_type->empty()) return std::unexpected(invalid_request("grant_type is missing"));

  return change([&](State& state) -> Outcome<json> {
    auto tokens = [&]() -> Outcome<json> {
      if (*grant_type == "authorization_code") return redeem_code(state, form, *client_id, user_agent);
      if (*grant_type == "refresh_token") return refresh(state, form, *client_id);
      if (*grant_type == device_code_grant) return redeem_device_code(state, form, *client_id, user_agent);
      if (*grant_type == token_exchange_grant && options_.token_exchange) return exchange_token(state, form, *client_id);
      return std::unexpected(
          OAuthError{400, "unsupported_grant_type", "grant_type '" + *grant_type + "' is not supported"});
    }();
    if (tokens && *grant_type != token_exchange_grant) {
      const auto access = state.access_tokens.find(digest(tokens->value("access_token", "")));
      if (access != state.access_tokens.end()) note_device(state.sessions.at(access->second.session_id), form, address);
    }
    return tokens;
  });
}

Outcome<json> Authority::redeem_code(State& state, const Params& form, std::string_view client_id,
                                     std::string_view user_agent) {
  const auto code = find_param(form, "code");
  const auto redirect_uri = find_param(form, "redirect_uri");
  const auto verifier = find_param(form, "code_verifier");
  if (!code || code->empty()) return std::unexpected(invalid_request("code is missing"));
  if (!redirect_uri || redirect_uri->empty()) return std::unexpected(invalid_request("redirect_uri is missing"));
  if (!verifier || verifier->empty()) {
    return std::unexpected(invalid_request("code_verifier is missing: PKCE (RFC 7636) is required"));
  }

  const auto found = state.codes.find(digest(*code));
  if (found == state.codes.end()) return std::unexpected(invalid_grant("the authorization code is unknown or expired"));
  AuthorizationCode& grant = found->second;
  if (!grant.session_id.empty()) {
    // RFC 6749 §4.1.2: a code used twice may have been stolen; what it issued goes too.
    end_session(state, grant.session_id);
    must_save();
    return std::unexpected(
        invalid_grant("the authorization code was already used; the tokens issued for it are revoked"));
  }
  if (grant.expires_at <= now()) return std::unexpected(invalid_grant("the authorization code has expired"));
  if (grant.client_id != client_id) {
    return std::unexpected(invalid_grant("the authorization code was issued to another client"));
  }
  if (grant.redirect_uri != *redirect_uri) {
    return std::unexpected(invalid_grant("redirect_uri differs from the one in the authorization request"));
  }
  if (!is_valid_code_verifier(*verifier)) {
    return std::unexpected(invalid_grant("code_verifier is not 43 to 128 unreserved characters (RFC 7636 §4.1)"));
  }
  if (!constant_time_equal(pkce_challenge_s256(*verifier), grant.code_challenge)) {
    return std::unexpected(invalid_grant("code_verifier does not match the code_challenge"));
  }
  const Account* account = find_account(grant.account_id);
  if (account == nullptr) return std::unexpected(invalid_grant("the account of this code no longer exists"));
  if (auto room = room_for_a_session(state); !room) return std::unexpected(room.error());

  SessionRecord& session =
      start_session(state, *account, client_id, user_agent, grant.scopes, grant.nonce, grant.auth_time, now());
  grant.session_id = session.id;
  return issue_tokens(state, session, session.scopes, true);
}

Outcome<json> Authority::refresh(State& state, const Params& form, std::string_view client_id) {
  const auto token = find_param(form, "refresh_token");
  if (!token || token->empty()) return std::unexpected(invalid_request("refresh_token is missing"));
  const std::string hash = digest(*token);
  SessionRecord* const session = session_of_refresh_token(state, hash);
  if (session == nullptr) return std::unexpected(invalid_grant("the refresh token is unknown, expired or revoked"));
  if (session->client_id != client_id) {
    return std::unexpected(invalid_grant("the refresh token was issued to another client"));
  }
  const bool usable = state.refresh_tokens.contains(hash);
  if (!usable && !may_answer_again(*session, hash)) {
    // RFC 9700 §4.14.2: either the client or an attacker holds a stolen copy; end the session for both.
    end_session(state, session->id);
    must_save();
    return std::unexpected(invalid_grant("the refresh token was already used; the session is revoked"));
  }
  auto scopes = refreshed_scopes(session->scopes, form);
  if (!scopes) return std::unexpected(scopes.error());

  if (usable) {
    spend_refresh_token(state, *session, hash);
    session->last_rotation = Rotation{hash, now(), {}, {}};
  } else {
    // Answered again with new tokens, as Auth0 does, not with the same ones, as Okta
    // does: the state keeps only hashes, and a thief within the interval would get
    // the very tokens the client holds. What the first answer gave is withdrawn.
    withdraw_last_issue(state, *session);
  }
  session->last_used_at = now();
  return issue_tokens(state, *session, *scopes, false);
}

// RFC 8693 §2.1: a token with fewer scopes, for a plugin or a CI step that needs less
// than the whole session. It belongs to the subject's session (revoking that ends it),
// expires no later than the subject token, and comes without a refresh token.
Outcome<json> Authority::exchange_token(State& state, const Params& form, std::string_view client_id) {
  const auto subject = find_param(form, "subject_token");
  if (!subject || subject->empty()) return std::unexpected(invalid_request("subject_token is missing"));
  if (find_param(form, "subject_token_type").value_or("") != access_token_type) {
    return std::unexpected(invalid_request("subject_token_type must be " + std::string(access_token_type)));
  }
  if (const auto wanted = find_param(form, "requested_token_type"); wanted && *wanted != access_token_type) {
    return std::unexpected(invalid_request("only access tokens are issued (requested_token_type " +
                                           std::string(access_token_type) + ")"));
  }
  const auto found = state.access_tokens.find(digest(*subject));
  const auto session =
      found == state.access_tokens.end() ? state.sessions.end() : state.sessions.find(found->second.session_id);
  if (session == state.sessions.end() || found->second.expires_at <= now()) {
    return std::unexpected(invalid_request("the subject token is unknown, expired or revoked"));
  }
  if (session->second.client_id != client_id) {
    return std::unexpected(invalid_request("the subject token was issued to another client"));
  }
  const AccessToken& subject_token = found->second;
  auto requested = required_scopes(find_param(form, "scope"));
  if (!requested) return std::unexpected(requested.error());
  const Scopes allowed = api_scopes_of(subject_token.scopes, subject_token.exchanged);
  for (const std::string& scope : *requested) {
    if (!has_scope(subject_token.scopes, scope) && !has_scope(allowed, scope)) {
      return std::unexpected(OAuthError{400, "invalid_scope", "the subject token does not hold scope '" + scope + "'"});
    }
  }
  const std::string access_token = random_token(32);
  const TimePoint expires_at = std::min(subject_token.expires_at, expiry_after(options_.access_token_ttl));
  state.access_tokens[digest(access_token)] = AccessToken{session->first, *requested, expires_at, true};
  session->second.last_used_at = now();
  return json{
      {"access_token", access_token},
      {"issued_token_type", access_token_type},
      {"token_type", "Bearer"},
      {"expires_in", std::max<std::int64_t>(0, (expires_at - now()).count())},
      {"scope", join_scopes(*requested)},
  };
}

Outcome<json> Authority::redeem_device_code(State& state, const Params& form, std::string_view client_id,
                                            std::string_view user_agent) {
  const auto code = find_param(form, "device_code");
  if (!code || code->empty()) return std::unexpected(invalid_request("device_code is missing"));
  const auto found = state.device_codes.find(digest(*code));
  if (found == state.device_codes.end()) return std::unexpected(invalid_grant("the device code is unknown"));
  DeviceCodeRecord& device = found->second;
  if (device.client_id != client_id) {
    return std::unexpected(invalid_grant("the device code was issued to another client"));
  }
  if (device.status == DeviceStatus::redeemed)
    return std::unexpected(invalid_grant("the device code was already used"));
  if (device.expires_at <= now()) {
    return std::unexpected(OAuthError{400, "expired_token", "the device code has expired; start a new sign-in"});
  }
  if (device.status == DeviceStatus::denied) {
    return std::unexpected(OAuthError{400, "access_denied", "the request was denied"});
  }
  if (device.status == DeviceStatus::pending) {
    const std::int64_t now_ms = now_milliseconds();
    const std::optional<std::int64_t> last_poll = std::exchange(device.last_poll_ms, now_ms);
    if (last_poll && now_ms - *last_poll < device.interval_seconds * 1000) {
      // RFC 8628 §3.5: the client must add 5 seconds to its interval; so do we.
      device.interval_seconds += 5;
      may_save();
      return std::unexpected(OAuthError{
          400, "slow_down",
          "polling too fast; wait " + std::to_string(device.interval_seconds) + " seconds between requests"});
    }
    may_save();
    return std::unexpected(OAuthError{400, "authorization_pending", "waiting for the person to approve the request"});
  }
  const Account* account = find_account(device.account_id);
  if (account == nullptr) return std::unexpected(invalid_grant("the account of this device code no longer exists"));
  if (auto room = room_for_a_session(state); !room) return std::unexpected(room.error());
  device.status = DeviceStatus::redeemed;
  SessionRecord& session =
      start_session(state, *account, client_id, user_agent, device.scopes, {}, device.decided_at, now());
  return issue_tokens(state, session, session.scopes, true);
}

Outcome<json> Authority::issue_tokens(State& state, SessionRecord& session, const Scopes& scopes, bool first_issue) {
  const std::string access_token = random_token(32);
  const std::string access_hash = digest(access_token);
  state.access_tokens[access_hash] = AccessToken{session.id, scopes, expiry_after(options_.access_token_ttl), false};
  std::string refresh_hash;
  json body = {
      {"access_token", access_token},
      {"token_type", "Bearer"},
      {"expires_in", options_.access_token_ttl.count()},
      {"scope", join_scopes(scopes)},
  };
  if (has_scope(session.scopes, "offline_access")) {
    const std::string refresh_token = random_token(32);
    refresh_hash = digest(refresh_token);
    session.expires_at = expiry_after(options_.refresh_token_ttl);
    state.refresh_tokens[refresh_hash] = RefreshToken{session.id, session.expires_at};
    body["refresh_token"] = refresh_token;
  } else {
    session.expires_at = std::max(session.expires_at, expiry_after(options_.access_token_ttl));
  }
  if (session.last_rotation) {  // so that answering this rotation again can withdraw what it gave
    session.last_rotation->issued_access_hash = access_hash;
    session.last_rotation->issued_refresh_hash = refresh_hash;
  }

  if (has_scope(scopes, "openid")) {
    auto id_token = sign_id_token(session, scopes, first_issue);
    if (!id_token) return std::unexpected(server_error(id_token.error().message));
    body["id_token"] = *id_token;
  }
  return body;
}

Result<std::string> Authority::sign_id_token(const SessionRecord& session, const Scopes& scopes,
                                             bool first_issue) const {
  const TimePoint now = this->now();
  json claims = {
      {"iss", issuer_},
      {"sub", session.account_id},
      {"aud", session.client_id},
      {"iat", unix_seconds(now)},
      {"exp", unix_seconds(now + options_.access_token_ttl)},
      {"auth_time", unix_seconds(session.auth_time)},
      // The session's id, as the sessions API names it: OpenID Connect's session ID
      // (Front-Channel Logout §3, Back-Channel Logout §2.4), by which a client tells
      // which of its stored credentials a revocation ended.
      {"sid", session.id},
  };
  // The nonce belongs to the authentication; refreshed ID tokens leave it out (OIDC Core errata, §12.2).
  if (first_issue && !session.nonce.empty()) claims["nonce"] = session.nonce;
  const Account* account = find_account(session.account_id);
  if (account != nullptr && has_scope(scopes, "email")) {
    claims["email"] = account->email;
    claims["email_verified"] = true;
  }
  if (account != nullptr && has_scope(scopes, "profile")) claims["name"] = account->name;
  return signing_key_.sign_jwt(claims);
}

// ---------------------------------------------------------------------------------
// Device authorization

Outcome<json> Authority::authorize_device(const Params& form) {
  const auto client_id = find_param(form, "client_id");
  if (!client_id || client_id->empty()) return std::unexpected(invalid_client("client_id is missing"));
  if (!is_client(*client_id)) return std::unexpected(invalid_client("'" + *client_id + "' is not a registered client"));
  auto scopes = required_scopes(find_param(form, "scope"));
  if (!scopes) return std::unexpected(scopes.error());

  return change([&](State& state) -> Outcome<json> {
    make_room(state.device_codes);
    std::string user_code;
    do {
      user_code = new_user_code();
    } while (find_by_user_code(state.device_codes, user_code) != state.device_codes.end());
    const std::string device_code = random_token(32);
    DeviceCodeRecord device;
    device.user_code_hash = digest(user_code);
    device.client_id = *client_id;
    device.scopes = *scopes;
    device.expires_at = expiry_after(options_.device_code_ttl);
    device.interval_seconds = options_.device_interval.count();
    state.device_codes[digest(device_code)] = std::move(device);

    const std::string shown = format_user_code(user_code);
    return json{
        {"device_code", device_code},
        {"user_code", shown},
        {"verification_uri", issuer_ + "/device"},
        {"verification_uri_complete", issuer_ + "/device?user_code=" + shown},
        {"expires_in", options_.device_code_ttl.count()},
        {"interval", options_.device_interval.count()},
    };
  });
}

Outcome<DevicePrompt> Authority::find_device_request(std::string_view user_code) {
  const auto code = normalize_user_code(user_code);
  if (!code) return std::unexpected(invalid_request("a code has 8 letters, like BCDF-GHJK"));
  std::lock_guard lock(mutex_);
  const auto found = find_by_user_code(state_.device_codes, *code);
  if (found == state_.device_codes.end() || found->second.expires_at <= now()) {
    return std::unexpected(OAuthError{404, "not_found", "the code is unknown or has expired"});
  }
  if (found->second.status != DeviceStatus::pending) {
    return std::unexpected(OAuthError{400, "already_answered", "this code was already approved or denied"});
  }
  return DevicePrompt{format_user_code(*code), found->second.client_id, found->second.scopes};
}

Outcome<Account> Authority::answer_device_request(std::string_view user_code, std::string_view account_email,
                                               bool approve) {
  const auto code = normalize_user_code(user_code);
  if (!code) return std::unexpected(invalid_request("a code has 8 letters, like BCDF-GHJK"));
  const Account* account = account_email.empty() && users_.size() == 1 ? &users_.front() : find_user(account_email);
  return change([&](State& state) -> Outcome<Account> {
    const auto found = find_by_user_code(state.device_codes, *code);
    if (found == state.device_codes.end() || found->second.expires_at <= now()) {
      return std::unexpected(OAuthError{404, "not_found", "the code is unknown or has expired"});
    }
    DeviceCodeRecord& device = found->second;
    if (device.status != DeviceStatus::pending) {
      return std::unexpected(OAuthError{400, "already_answered", "this code was already approved or denied"});
    }
    if (account == nullptr) {
      return std::unexpected(invalid_request(
          account_email.empty() ? "choose an account" : "'" + std::string(account_email) + "' is not an account here"));
    }
    device.status = approve ? DeviceStatus::approved : DeviceStatus::denied;
    device.account_id = account->id;
    device.decided_at = now();
    return *account;
  });
}

// ---------------------------------------------------------------------------------
// Revocation and bearer authentication

Outcome<void> Authority::revoke(const Params& form) {
  const auto token = find_param(form, "token");
  if (!token || token->empty()) return std::unexpected(invalid_request("token is missing"));
  const auto client_id = find_param(form, "client_id");
  if (client_id && !is_client(*client_id)) {
    return std::unexpected(invalid_client("'" + *client_id + "' is not a registered client"));
  }
  // token_type_hint only speeds up a lookup (RFC 7009 §2.1); both kinds are searched anyway.
  return change([&](State& state) -> Outcome<void> {
    const std::string hash = digest(*token);
    const auto owned_by_client = [&](const std::string& session_id) {
      const auto session = state.sessions.find(session_id);
      return !client_id || session == state.sessions.end() || session->second.client_id == *client_id;
    };
    if (const auto access = state.access_tokens.find(hash); access != state.access_tokens.end()) {
      if (!owned_by_client(access->second.session_id)) {
        return std::unexpected(OAuthError{400, "unauthorized_client", "the token was issued to another client"});
      }
      state.access_tokens.erase(access);
    } else if (const SessionRecord* session = session_of_refresh_token(state, hash)) {
      // A spent refresh token ends its session too: whoever revokes it wants the grant gone.
      if (!owned_by_client(session->id)) {
        return std::unexpected(OAuthError{400, "unauthorized_client", "the token was issued to another client"});
      }
      end_session(state, session->id);
    } else if (options_.compozy_api && token->starts_with(api_key_prefix)) {
      std::erase_if(state.api_keys, [&](const auto& entry) { return entry.second.hash == hash; });
    }
    // RFC 7009 §2.2: an unknown or already revoked token is answered like a revoked one.
    return {};
  });
}

Outcome<Caller> Authority::authenticate(std::string_view header, std::string_view address) {
  const auto token = bearer_token(header);
  if (!token) return std::unexpected(token.error());
  return use([&](State& state) -> Outcome<Caller> {
    if (options_.compozy_api && token->starts_with(api_key_prefix)) return api_key_caller(state, digest(*token), address);
    auto caller = access_token_caller(state, digest(*token));
    if (caller && !address.empty()) state.sessions.at(caller->credential_id).last_used_from = printable(address, 64);
    return caller;
  });
}

Outcome<Caller> Authority::api_key_caller(State& state, const std::string& hash,
                                          std::string_view address) const {
  const auto key = std::find_if(state.api_keys.begin(), state.api_keys.end(),
                                [&](const auto& entry) { return entry.second.hash == hash; });
  if (key == state.api_keys.end()) return std::unexpected(invalid_token("the API key is unknown or revoked"));
  if (key->second.expires_at && *key->second.expires_at <= now()) {
    return std::unexpected(invalid_token(key->second.replaced_by.empty()
                                             ? "the API key has expired"
                                             : "the API key was rotated and its grace period has ended"));
  }
  const Account* account = find_account(key->second.account_id);
  if (account == nullptr) return std::unexpected(invalid_token("the account of this API key no longer exists"));
  key->second.last_used_at = now();
  key->second.last_used_from = printable(address, 64);
  return Caller{*account,       Caller::Kind::api_key, key->first, key->second.expires_at,
                Scopes{"openid", "email", "profile"}, key->second, key->second.scopes};
}

Outcome<Caller> Authority::access_token_caller(State& state, const std::string& hash) const {
  const auto access = state.access_tokens.find(hash);
  const auto session =
      access == state.access_tokens.end() ? state.sessions.end() : state.sessions.find(access->second.session_id);
  if (session == state.sessions.end()) {
    return std::unexpected(invalid_token("the access token is unknown, expired or revoked"));
  }
  const Account* account = find_account(session->second.account_id);
  if (account == nullptr) return std::unexpected(invalid_token("the account of this token no longer exists"));
  session->second.last_used_at = now();
  return Caller{*account,
                Caller::Kind::session,
                session->first,
                access->second.expires_at,
                access->second.scopes,
                std::nullopt,
                api_scopes_of(access->second.scopes, access->second.exchanged)};
}

// ---------------------------------------------------------------------------------
// Sessions and API keys of an account

std::vector<SessionInfo> Authority::sessions_of(const Caller& caller) {
  std::lock_guard lock(mutex_);
  const TimePoint now = this->now();
  std::vector<SessionInfo> sessions;
  for (const auto& [id, session] : state_.sessions) {
    if (session.account_id != caller.account.id || session.expires_at <= now) continue;
    sessions.push_back({session, caller.kind == Caller::Kind::session && caller.credential_id == id});
  }
  std::sort(sessions.begin(), sessions.end(), [](const SessionInfo& a, const SessionInfo& b) {
    return std::tie(a.session.created_at, a.session.id) < std::tie(b.session.created_at, b.session.id);
  });
  return sessions;
}

Outcome<void> Authority::revoke_session(const Caller& caller, std::string_view session_id) {
  return change([&](State& state) -> Outcome<void> {
    const auto found = state.sessions.find(std::string(session_id));
    if (found == state.sessions.end() || found->second.account_id != caller.account.id) {
      return std::unexpected(OAuthError{404, "not_found", "no active session with id " + std::string(session_id)});
    }
    end_session(state, found->first);
    return {};
  });
}

Outcome<int> Authority::revoke_all_sessions(const Caller& caller) {
  return change([&](State& state) -> Outcome<int> {
    std::vector<std::string> ids;
    for (const auto& [id, session] : state.sessions) {
      if (session.account_id == caller.account.id) ids.push_back(id);
    }
    for (const std::string& id : ids) end_session(state, id);
    return static_cast<int>(ids.size());
  });
}

namespace {

constexpr std::int64_t max_api_key_lifetime_seconds = 3650LL * 86400;  // ten years
constexpr std::size_t api_key_prefix_length = 12;                       // "czk_" and 8 of the secret

Outcome<std::string> api_key_name(std::string_view name) {
  const auto first = name.find_first_not_of(" \t");
  name = first == std::string_view::npos ? std::string_view()
                                         : name.substr(first, name.find_last_not_of(" \t") - first + 1);
  if (name.empty()) return std::unexpected(invalid_request("give the key a name"));
  if (name.size() > 100) return std::unexpected(invalid_request("the name is longer than 100 characters"));
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
    return std::unexpected(invalid_request("the name contains control characters"));
  }
  return std::string(name);
}

// In the order of api_key_scopes, each once; an unknown one is refused, naming the known.
Outcome<Scopes> api_key_scope_set(const Scopes& requested) {
  if (requested.empty()) return default_api_key_scopes();
  for (const std::string& scope : requested) {
    if (!has_scope(api_key_scopes(), scope)) {
      return std::unexpected(OAuthError{400, "invalid_scope",
                                        "unknown scope '" + printable(scope, 40) + "'; API keys may have " +
                                            join_scopes(api_key_scopes())});
    }
  }
  Scopes ordered;
  for (const std::string& scope : api_key_scopes()) {
    if (has_scope(requested, scope)) ordered.push_back(scope);
  }
  return ordered;
}

Outcome<std::string> api_key_environment(std::string_view environment) {
  if (environment.size() > 40 || !std::all_of(environment.begin(), environment.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '-' || c == '_' || c == '.';
      })) {
    return std::unexpected(
        invalid_request("the environment is a label of up to 40 letters, digits, '-', '_' and '.'"));
  }
  return std::string(environment);
}

}  // namespace

Outcome<NewApiKey> Authority::create_api_key(const Account& account, const ApiKeySpec& spec) {
  auto name = api_key_name(spec.name);
  if (!name) return std::unexpected(name.error());
  auto scopes = api_key_scope_set(spec.scopes);
  if (!scopes) return std::unexpected(scopes.error());
  auto environment = api_key_environment(spec.environment);
  if (!environment) return std::unexpected(environment.error());
  if (spec.lifetime_seconds && (*spec.lifetime_seconds <= 0 || *spec.lifetime_seconds > max_api_key_lifetime_seconds)) {
    return std::unexpected(invalid_request("the expiry is from 1 second to 3650 days away, or never"));
  }
  return change([&](State& state) -> Outcome<NewApiKey> {
    NewApiKey created;
    created.secret = std::string(api_key_prefix) + random_token(32);
    ApiKey& key = created.key;
    key.id = new_id("key_");
    key.account_id = account.id;
    key.name = *name;
    key.hash = digest(created.secret);
    key.prefix = created.secret.substr(0, api_key_prefix_length);
    key.scopes = *scopes;
    key.environment = *environment;
    key.created_at = now();
    key.lifetime_seconds = spec.lifetime_seconds;
    if (spec.lifetime_seconds) key.expires_at = expiry_after(std::chrono::seconds(*spec.lifetime_seconds));
    state.api_keys[key.id] = key;
    return created;
  });
}

Outcome<NewApiKey> Authority::create_api_key(const Account& account, std::string_view name,
                                             std::optional<int> expires_in_days, Scopes scopes) {
  if (expires_in_days && (*expires_in_days < 0 || *expires_in_days > 3650)) {
    return std::unexpected(invalid_request("the expiry is a number of days from 0 (never) to 3650"));
  }
  ApiKeySpec spec{std::string(name), std::move(scopes), {}, std::nullopt};
  if (expires_in_days && *expires_in_days > 0) spec.lifetime_seconds = std::int64_t{*expires_in_days} * 86400;
  return create_api_key(account, spec);
}

Outcome<NewApiKey> Authority::rotate_api_key(const Account& account, std::string_view key_id,
                                             std::chrono::seconds grace) {
  if (grace < 0s || grace.count() > max_api_key_lifetime_seconds) {
    return std::unexpected(invalid_request("the grace period is from 0 seconds to 3650 days"));
  }
  std::optional<ApiKey> old;
  {
    std::lock_guard lock(mutex_);
    const auto found = state_.api_keys.find(std::string(key_id));
    if (found != state_.api_keys.end() && found->second.account_id == account.id) old = found->second;
  }
  if (!old || !old->replaced_by.empty() || (old->expires_at && *old->expires_at <= now())) {
    return std::unexpected(OAuthError{404, "not_found", "no usable API key with id " + printable(key_id, 40) +
                                                            " (a rotated or expired key cannot be rotated)"});
  }
  auto created = create_api_key(account, {old->name, old->scopes, old->environment, old->lifetime_seconds});
  if (!created) return created;
  const auto ended = change([&](State& state) -> Outcome<void> {
    const auto found = state.api_keys.find(old->id);
    if (found == state.api_keys.end()) return {};
    found->second.replaced_by = created->key.id;
    const TimePoint ends = now() + grace;
    if (!found->second.expires_at || ends < *found->second.expires_at) found->second.expires_at = ends;
    return {};
  });
  if (!ended) return std::unexpected(ended.error());
  return created;
}

std::vector<ApiKey> Authority::api_keys_of(const Account& account) {
  std::lock_guard lock(mutex_);
  std::vector<ApiKey> keys;
  for (const auto& [id, key] : state_.api_keys) {
    if (key.account_id == account.id) keys.push_back(key);
  }
  std::sort(keys.begin(), keys.end(), [](const ApiKey& a, const ApiKey& b) {
    return std::tie(b.created_at, b.id) < std::tie(a.created_at, a.id);  // newest first
  });
  return keys;
}

Outcome<void> Authority::revoke_api_key(const Account& account, std::string_view key_id) {
  return change([&](State& state) -> Outcome<void> {
    const auto found = state.api_keys.find(std::string(key_id));
    if (found == state.api_keys.end() || found->second.account_id != account.id) {
      return std::unexpected(OAuthError{404, "not_found", "no API key with id " + std::string(key_id)});
    }
    state.api_keys.erase(found);
    return {};
  });
}

}  // namespace compozy::devcloud
