#include "state.hpp"

namespace compozy::devcloud {

namespace {

using nlohmann::json;

constexpr std::string_view state_format = "compozy-devcloud-state";
constexpr int state_version = 1;

// Thrown inside state_from_json only, and turned into an Error at its edge.
struct MalformedState {
  std::string message;
};

[[noreturn]] void malformed(std::string message) { throw MalformedState{std::move(message)}; }

std::string time_text(TimePoint time) { return format_rfc3339(time); }

json optional_time(const std::optional<TimePoint>& time) { return time ? json(format_rfc3339(*time)) : json(nullptr); }

const json& member(const json& object, const char* name) {
  if (!object.is_object()) malformed("expected an object");
  const auto found = object.find(name);
  if (found == object.end()) malformed(std::string("'") + name + "' is missing");
  return *found;
}

std::string text(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_string()) malformed(std::string("'") + name + "' is not a string");
  return value.get<std::string>();
}

std::int64_t integer(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_number_integer()) malformed(std::string("'") + name + "' is not a whole number");
  return value.get<std::int64_t>();
}

bool boolean(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_boolean()) malformed(std::string("'") + name + "' is not true or false");
  return value.get<bool>();
}

TimePoint time(const json& object, const char* name) {
  const std::string value = text(object, name);
  const auto parsed = parse_rfc3339(value);
  if (!parsed) malformed(std::string("'") + name + "' is not an RFC 3339 time: '" + value + "'");
  return *parsed;
}

std::optional<TimePoint> maybe_time(const json& object, const char* name) {
  if (member(object, name).is_null()) return std::nullopt;
  return time(object, name);
}

std::vector<std::string> strings(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_array()) malformed(std::string("'") + name + "' is not a list");
  std::vector<std::string> result;
  for (const json& item : value) {
    if (!item.is_string()) malformed(std::string("'") + name + "' holds something other than strings");
    result.push_back(item.get<std::string>());
  }
  return result;
}

const json& list(const json& object, const char* name) {
  const json& value = member(object, name);
  if (!value.is_array()) malformed(std::string("'") + name + "' is not a list");
  return value;
}

// Reads list `name` into a map keyed by member `key` of each entry, naming the entry on errors.
template <class Value, class Read>
std::map<std::string, Value> keyed(const json& object, const char* name, const char* key, Read read) {
  std::map<std::string, Value> result;
  std::size_t index = 0;
  for (const json& entry : list(object, name)) {
    try {
      std::string id = text(entry, key);
      if (result.contains(id)) malformed("'" + std::string(key) + "' is not unique");
      result.emplace(std::move(id), read(entry));
    } catch (MalformedState& error) {
      malformed(std::string(name) + "[" + std::to_string(index) + "]: " + error.message);
    }
    ++index;
  }
  return result;
}

std::string_view device_status_name(DeviceStatus status) {
  switch (status) {
    case DeviceStatus::pending:
      return "pending";
    case DeviceStatus::approved:
      return "approved";
    case DeviceStatus::denied:
      return "denied";
    case DeviceStatus::redeemed:
      return "redeemed";
  }
  return "pending";
}

DeviceStatus device_status(const json& object) {
  const std::string name = text(object, "status");
  for (const DeviceStatus status :
       {DeviceStatus::pending, DeviceStatus::approved, DeviceStatus::denied, DeviceStatus::redeemed}) {
    if (name == device_status_name(status)) return status;
  }
  malformed("'status' is not pending, approved, denied or redeemed: '" + name + "'");
}

}  // namespace

json state_to_json(const State& state) {
  json accounts = json::array();
  for (const Account& account : state.accounts) {
    accounts.push_back({{"id", account.id}, {"email", account.email}, {"name", account.name}});
  }
  json sessions = json::array();
  for (const auto& [id, session] : state.sessions) {
    sessions.push_back({
        {"id", id},
        {"account_id", session.account_id},
        {"client_id", session.client_id},
        {"user_agent", session.user_agent},
        {"scopes", session.scopes},
        {"nonce", session.nonce},
        {"auth_time", time_text(session.auth_time)},
        {"created_at", time_text(session.created_at)},
        {"last_used_at", time_text(session.last_used_at)},
        {"expires_at", time_text(session.expires_at)},
    });
  }
  json access_tokens = json::array();
  for (const auto& [hash, token] : state.access_tokens) {
    access_tokens.push_back({{"hash", hash},
                             {"session_id", token.session_id},
                             {"scopes", token.scopes},
                             {"expires_at", time_text(token.expires_at)}});
  }
  json refresh_tokens = json::array();
  for (const auto& [hash, token] : state.refresh_tokens) {
    refresh_tokens.push_back({{"hash", hash},
                              {"session_id", token.session_id},
                              {"expires_at", time_text(token.expires_at)},
                              {"used", token.used}});
  }
  json codes = json::array();
  for (const auto& [hash, code] : state.codes) {
    codes.push_back({
        {"hash", hash},
        {"client_id", code.client_id},
        {"redirect_uri", code.redirect_uri},
        {"code_challenge", code.code_challenge},
        {"account_id", code.account_id},
        {"scopes", code.scopes},
        {"nonce", code.nonce},
        {"auth_time", time_text(code.auth_time)},
        {"expires_at", time_text(code.expires_at)},
        {"session_id", code.session_id},
    });
  }
  json consent_requests = json::array();
  for (const auto& [hash, pending] : state.consent_requests) {
    const CheckedAuthorizeRequest& request = pending.request;
    consent_requests.push_back({
        {"hash", hash},
        {"client_id", request.client_id},
        {"redirect_uri", request.redirect_uri},
        {"state", request.state},
        {"code_challenge", request.code_challenge},
        {"nonce", request.nonce},
        {"login_hint", request.login_hint},
        {"scopes", request.scopes},
        {"expires_at", time_text(pending.expires_at)},
    });
  }
  json device_codes = json::array();
  for (const auto& [hash, device] : state.device_codes) {
    device_codes.push_back({
        {"hash", hash},
        {"user_code_hash", device.user_code_hash},
        {"client_id", device.client_id},
        {"scopes", device.scopes},
        {"expires_at", time_text(device.expires_at)},
        {"interval_seconds", device.interval_seconds},
        {"last_poll_ms", device.last_poll_ms ? json(*device.last_poll_ms) : json(nullptr)},
        {"status", device_status_name(device.status)},
        {"account_id", device.account_id},
        {"decided_at", time_text(device.decided_at)},
    });
  }
  json api_keys = json::array();
  for (const auto& [id, key] : state.api_keys) {
    api_keys.push_back({
        {"id", id},
        {"account_id", key.account_id},
        {"name", key.name},
        {"hash", key.hash},
        {"created_at", time_text(key.created_at)},
        {"last_used_at", optional_time(key.last_used_at)},
        {"expires_at", optional_time(key.expires_at)},
    });
  }
  return {
      {"format", state_format},
      {"version", state_version},
      {"signing_key_pem", state.signing_key_pem},
      {"accounts", accounts},
      {"clients", state.clients},
      {"sessions", sessions},
      {"access_tokens", access_tokens},
      {"refresh_tokens", refresh_tokens},
      {"codes", codes},
      {"consent_requests", consent_requests},
      {"device_authorizations", device_codes},
      {"api_keys", api_keys},
  };
}

Result<State> state_from_json(const json& document) try {
  if (!document.is_object() || document.value("format", "") != state_format) {
    malformed("not a compozy-devcloud state file");
  }
  if (integer(document, "version") != state_version) {
    malformed("unsupported version " + std::to_string(integer(document, "version")) + " (expected " +
              std::to_string(state_version) + ")");
  }
  State state;
  state.signing_key_pem = text(document, "signing_key_pem");
  std::size_t index = 0;
  for (const json& entry : list(document, "accounts")) {
    try {
      state.accounts.push_back({text(entry, "id"), text(entry, "email"), text(entry, "name")});
    } catch (MalformedState& error) {
      malformed("accounts[" + std::to_string(index) + "]: " + error.message);
    }
    ++index;
  }
  state.clients = strings(document, "clients");
  state.sessions = keyed<SessionRecord>(document, "sessions", "id", [](const json& entry) {
    return SessionRecord{text(entry, "id"),         text(entry, "account_id"), text(entry, "client_id"),
                         text(entry, "user_agent"), strings(entry, "scopes"),  text(entry, "nonce"),
                         time(entry, "auth_time"),  time(entry, "created_at"), time(entry, "last_used_at"),
                         time(entry, "expires_at")};
  });
  state.access_tokens = keyed<AccessToken>(document, "access_tokens", "hash", [](const json& entry) {
    return AccessToken{text(entry, "session_id"), strings(entry, "scopes"), time(entry, "expires_at")};
  });
  state.refresh_tokens = keyed<RefreshToken>(document, "refresh_tokens", "hash", [](const json& entry) {
    return RefreshToken{text(entry, "session_id"), time(entry, "expires_at"), boolean(entry, "used")};
  });
  state.codes = keyed<AuthorizationCode>(document, "codes", "hash", [](const json& entry) {
    return AuthorizationCode{text(entry, "client_id"),  text(entry, "redirect_uri"), text(entry, "code_challenge"),
                             text(entry, "account_id"), strings(entry, "scopes"),    text(entry, "nonce"),
                             time(entry, "auth_time"),  time(entry, "expires_at"),   text(entry, "session_id")};
  });
  state.consent_requests = keyed<ConsentRequest>(document, "consent_requests", "hash", [](const json& entry) {
    CheckedAuthorizeRequest request{text(entry, "client_id"),
                                    text(entry, "redirect_uri"),
                                    text(entry, "state"),
                                    text(entry, "code_challenge"),
                                    text(entry, "nonce"),
                                    text(entry, "login_hint"),
                                    false,
                                    strings(entry, "scopes")};
    return ConsentRequest{std::move(request), time(entry, "expires_at")};
  });
  state.device_codes = keyed<DeviceCodeRecord>(document, "device_authorizations", "hash", [](const json& entry) {
    DeviceCodeRecord device;
    device.user_code_hash = text(entry, "user_code_hash");
    device.client_id = text(entry, "client_id");
    device.scopes = strings(entry, "scopes");
    device.expires_at = time(entry, "expires_at");
    device.interval_seconds = integer(entry, "interval_seconds");
    if (!member(entry, "last_poll_ms").is_null()) device.last_poll_ms = integer(entry, "last_poll_ms");
    device.status = device_status(entry);
    device.account_id = text(entry, "account_id");
    device.decided_at = time(entry, "decided_at");
    return device;
  });
  state.api_keys = keyed<ApiKey>(document, "api_keys", "id", [](const json& entry) {
    return ApiKey{text(entry, "id"),
                  text(entry, "account_id"),
                  text(entry, "name"),
                  text(entry, "hash"),
                  time(entry, "created_at"),
                  maybe_time(entry, "last_used_at"),
                  maybe_time(entry, "expires_at")};
  });
  return state;
} catch (const MalformedState& error) {
  return fail(error.message);
}

}  // namespace compozy::devcloud
