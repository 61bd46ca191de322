#include "state.hpp"

#include <concepts>
#include <type_traits>

namespace compozy::devcloud {

namespace {

using nlohmann::json;

constexpr std::string_view state_format = "compozy-devcloud-state";
// 2: spent refresh tokens moved from refresh_tokens ("used": true) into their sessions.
// 3: API keys have a prefix, scopes, an environment, where they were last used from,
//    an expiry policy and the key that replaced them.
constexpr std::int64_t state_version = 3;

// Each record type is described once, by a `describe` that calls `field(name, member)`
// for every member. The same description writes the record (with a Writer) and reads
// it (with a Reader), so the two directions cannot drift apart.
template <class T, class Record>
concept record_of = std::same_as<std::remove_const_t<T>, Record>;

// A map of records that the file keeps as a list, each entry carrying its key as `key`.
template <class Map>
struct Keyed {
  const char* key;
  Map& records;
};
template <class Map>
Keyed<Map> keyed_by(const char* key, Map& records) {
  return {key, records};
}

void describe(auto& field, record_of<Account> auto& account) {
  field("id", account.id);
  field("email", account.email);
  field("name", account.name);
}

void describe(auto& field, record_of<Rotation> auto& rotation) {
  field("spent_hash", rotation.spent_hash);
  field("at", rotation.at);
  field("issued_access_hash", rotation.issued_access_hash);
  field("issued_refresh_hash", rotation.issued_refresh_hash);
}

void describe(auto& field, record_of<SessionRecord> auto& session) {
  field("id", session.id);
  field("account_id", session.account_id);
  field("client_id", session.client_id);
  field("user_agent", session.user_agent);
  field("device_name", session.device_name);
  field("device_os", session.device_os);
  field("last_used_from", session.last_used_from);
  field("scopes", session.scopes);
  field("nonce", session.nonce);
  field("auth_time", session.auth_time);
  field("created_at", session.created_at);
  field("last_used_at", session.last_used_at);
  field("expires_at", session.expires_at);
  field("spent_refresh_hashes", session.spent_refresh_hashes);
  field("last_rotation", session.last_rotation);
}

void describe(auto& field, record_of<AccessToken> auto& token) {
  field("session_id", token.session_id);
  field("scopes", token.scopes);
  field("expires_at", token.expires_at);
  field("exchanged", token.exchanged);
}

void describe(auto& field, record_of<RefreshToken> auto& token) {
  field("session_id", token.session_id);
  field("expires_at", token.expires_at);
}

void describe(auto& field, record_of<AuthorizationCode> auto& code) {
  field("client_id", code.client_id);
  field("redirect_uri", code.redirect_uri);
  field("code_challenge", code.code_challenge);
  field("account_id", code.account_id);
  field("scopes", code.scopes);
  field("nonce", code.nonce);
  field("auth_time", code.auth_time);
  field("expires_at", code.expires_at);
  field("session_id", code.session_id);
}

// prompt_none is not kept: a request with prompt=none never waits for consent.
void describe(auto& field, record_of<ConsentRequest> auto& pending) {
  field("client_id", pending.request.client_id);
  field("redirect_uri", pending.request.redirect_uri);
  field("state", pending.request.state);
  field("code_challenge", pending.request.code_challenge);
  field("nonce", pending.request.nonce);
  field("login_hint", pending.request.login_hint);
  field("scopes", pending.request.scopes);
  field("expires_at", pending.expires_at);
}

void describe(auto& field, record_of<DeviceCodeRecord> auto& device) {
  field("user_code_hash", device.user_code_hash);
  field("client_id", device.client_id);
  field("scopes", device.scopes);
  field("expires_at", device.expires_at);
  field("interval_seconds", device.interval_seconds);
  field("last_poll_ms", device.last_poll_ms);
  field("status", device.status);
  field("account_id", device.account_id);
  field("decided_at", device.decided_at);
}

void describe(auto& field, record_of<ApiKey> auto& key) {
  field("id", key.id);
  field("account_id", key.account_id);
  field("name", key.name);
  field("hash", key.hash);
  field("prefix", key.prefix);
  field("scopes", key.scopes);
  field("environment", key.environment);
  field("created_at", key.created_at);
  field("last_used_at", key.last_used_at);
  field("last_used_from", key.last_used_from);
  field("expires_at", key.expires_at);
  field("lifetime_seconds", key.lifetime_seconds);
  field("replaced_by", key.replaced_by);
}

void describe(auto& field, record_of<State> auto& state) {
  field("signing_key_pem", state.signing_key_pem);
  field("accounts", state.accounts);
  field("clients", state.clients);
  field("sessions", keyed_by("id", state.sessions));
  field("access_tokens", keyed_by("hash", state.access_tokens));
  field("refresh_tokens", keyed_by("hash", state.refresh_tokens));
  field("codes", keyed_by("hash", state.codes));
  field("consent_requests", keyed_by("hash", state.consent_requests));
  field("device_authorizations", keyed_by("hash", state.device_codes));
  field("api_keys", keyed_by("id", state.api_keys));
}

constexpr std::pair<DeviceStatus, std::string_view> device_status_names[] = {
    {DeviceStatus::pending, "pending"},
    {DeviceStatus::approved, "approved"},
    {DeviceStatus::denied, "denied"},
    {DeviceStatus::redeemed, "redeemed"},
};

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

// ---------------------------------------------------------------------------------
// Writing

json to_json_value(const std::string& text) { return text; }
json to_json_value(const std::vector<std::string>& texts) { return texts; }
json to_json_value(std::int64_t number) { return number; }
json to_json_value(bool flag) { return flag; }
json to_json_value(TimePoint time) { return format_rfc3339(time); }

json to_json_value(DeviceStatus status) {
  for (const auto& [value, name] : device_status_names) {
    if (value == status) return std::string(name);
  }
  return "pending";
}

template <class Record>
json to_json_value(const Record& record);

template <class T>
json to_json_value(const std::optional<T>& value) {
  return value ? to_json_value(*value) : json(nullptr);
}

template <class Record>
json to_json_value(const std::vector<Record>& records) {
  json list = json::array();
  for (const Record& record : records) list.push_back(to_json_value(record));
  return list;
}

template <class Map>
json to_json_value(const Keyed<Map>& keyed) {
  json list = json::array();
  for (const auto& [key, record] : keyed.records) {
    json entry = to_json_value(record);
    entry[keyed.key] = key;
    list.push_back(std::move(entry));
  }
  return list;
}

struct Writer {
  json& object;
  template <class T>
  void operator()(const char* name, T&& value) {
    object[name] = to_json_value(value);
  }
};

template <class Record>
json to_json_value(const Record& record) {
  json object = json::object();
  Writer write{object};
  describe(write, record);
  return object;
}

// ---------------------------------------------------------------------------------
// Reading: the first problem found, named by the path to it ("sessions[2]: 'nonce' is missing")

Result<void> read_value(const json& value, std::string_view name, std::string& text) {
  if (!value.is_string()) return fail(quoted(name) + " is not a string");
  text = value.get<std::string>();
  return {};
}

Result<void> read_value(const json& value, std::string_view name, std::vector<std::string>& texts) {
  if (!value.is_array()) return fail(quoted(name) + " is not a list");
  texts.clear();
  for (const json& item : value) {
    if (!item.is_string()) return fail(quoted(name) + " holds something other than strings");
    texts.push_back(item.get<std::string>());
  }
  return {};
}

Result<void> read_value(const json& value, std::string_view name, std::int64_t& number) {
  if (!value.is_number_integer()) return fail(quoted(name) + " is not a whole number");
  number = value.get<std::int64_t>();
  return {};
}

Result<void> read_value(const json& value, std::string_view name, bool& flag) {
  if (!value.is_boolean()) return fail(quoted(name) + " is not true or false");
  flag = value.get<bool>();
  return {};
}

Result<void> read_value(const json& value, std::string_view name, TimePoint& time) {
  std::string text;
  if (auto read = read_value(value, name, text); !read) return read;
  const auto parsed = parse_rfc3339(text);
  if (!parsed) return fail(quoted(name) + " is not an RFC 3339 time: '" + text + "'");
  time = *parsed;
  return {};
}

Result<void> read_value(const json& value, std::string_view name, DeviceStatus& status) {
  std::string text;
  if (auto read = read_value(value, name, text); !read) return read;
  for (const auto& [candidate, candidate_name] : device_status_names) {
    if (text == candidate_name) {
      status = candidate;
      return {};
    }
  }
  return fail(quoted(name) + " is not pending, approved, denied or redeemed: '" + text + "'");
}

template <class Record>
Result<void> read_value(const json& value, std::string_view name, Record& record);

template <class T>
Result<void> read_value(const json& value, std::string_view name, std::optional<T>& optional) {
  if (value.is_null()) {
    optional.reset();
    return {};
  }
  T present{};
  if (auto read = read_value(value, name, present); !read) return read;
  optional = std::move(present);
  return {};
}

std::string entry_name(std::string_view list, std::size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

template <class Record>
Result<void> read_value(const json& value, std::string_view name, std::vector<Record>& records) {
  if (!value.is_array()) return fail(quoted(name) + " is not a list");
  records.clear();
  for (const json& entry : value) {
    Record record{};
    if (auto read = read_value(entry, name, record); !read) return propagate(read, entry_name(name, records.size()));
    records.push_back(std::move(record));
  }
  return {};
}

template <class Map>
Result<void> read_entry(const json& entry, const char* key, Map& records) {
  std::string id;
  if (!entry.is_object()) return fail("expected an object");
  if (!entry.contains(key)) return fail(quoted(key) + " is missing");
  if (auto read = read_value(entry[key], key, id); !read) return read;
  if (records.contains(id)) return fail(quoted(key) + " is not unique");
  typename Map::mapped_type record{};
  if (auto read = read_value(entry, key, record); !read) return read;
  records.emplace(std::move(id), std::move(record));
  return {};
}

template <class Map>
Result<void> read_value(const json& value, std::string_view name, Keyed<Map> keyed) {
  if (!value.is_array()) return fail(quoted(name) + " is not a list");
  keyed.records.clear();
  std::size_t index = 0;
  for (const json& entry : value) {
    if (auto read = read_entry(entry, keyed.key, keyed.records); !read) return propagate(read, entry_name(name, index));
    ++index;
  }
  return {};
}

struct Reader {
  const json& object;
  Result<void> outcome = {};

  template <class T>
  void operator()(const char* name, T&& value) {
    if (!outcome) return;
    const auto found = object.find(name);
    if (found == object.end()) {
      outcome = fail(quoted(name) + " is missing");
      return;
    }
    outcome = read_value(*found, name, value);
  }
};

template <class Record>
Result<void> read_value(const json& value, std::string_view, Record& record) {
  if (!value.is_object()) return fail("expected an object");
  Reader read{value};
  describe(read, record);
  return read.outcome;
}

// The version of a compozy-devcloud state file.
Result<std::int64_t> version_of(const json& document) {
  const auto format = document.is_object() ? document.find("format") : document.end();
  if (!document.is_object() || format == document.end() || !format->is_string() ||
      format->get<std::string>() != state_format) {
    return fail("not a compozy-devcloud state file");
  }
  std::int64_t version = 0;
  Reader read{document};
  read("version", version);
  if (!read.outcome) return propagate(read.outcome);
  if (version < 1 || version > state_version) {
    return fail("unsupported version " + std::to_string(version) + " (expected " + std::to_string(state_version) + ")");
  }
  return version;
}

// Version 1 kept spent refresh tokens among the usable ones, marked "used"; they move
// to their sessions, so that a restart after an upgrade still knows them for replays.
json upgraded_from_version_1(json document) {
  if (!document.contains("sessions") || !document["sessions"].is_array()) return document;
  for (json& session : document["sessions"]) {
    if (!session.is_object()) continue;
    session["spent_refresh_hashes"] = json::array();
    session["last_rotation"] = nullptr;
  }
  if (!document.contains("refresh_tokens") || !document["refresh_tokens"].is_array()) return document;
  json usable = json::array();
  for (json& token : document["refresh_tokens"]) {
    if (!token.is_object() || token.value("used", false) != true) {
      usable.push_back(std::move(token));
      continue;
    }
    for (json& session : document["sessions"]) {
      if (session.is_object() && session.value("id", "") == token.value("session_id", "")) {
        session["spent_refresh_hashes"].push_back(token.value("hash", ""));
      }
    }
  }
  document["refresh_tokens"] = std::move(usable);
  return document;
}

// Keys made before version 3 could do everything the account API offered then:
// read and write. Their prefix is unknown (only the hash was kept).
json upgraded_from_version_2(json document) {
  if (!document.contains("api_keys") || !document["api_keys"].is_array()) return document;
  for (json& key : document["api_keys"]) {
    if (!key.is_object()) continue;
    key["prefix"] = "czk_";
    key["scopes"] = json::array({"read", "write"});
    key["environment"] = "";
    key["last_used_from"] = "";
    key["lifetime_seconds"] = nullptr;
    key["replaced_by"] = "";
    const auto created = key.value("created_at", "");
    const auto expires = key.contains("expires_at") && key["expires_at"].is_string()
                             ? key["expires_at"].get<std::string>() : std::string();
    const auto from = parse_rfc3339(created);
    const auto to = parse_rfc3339(expires);
    if (from && to) key["lifetime_seconds"] = unix_seconds(*to) - unix_seconds(*from);
  }
  return document;
}

// Fields added without a new version (device names, token exchange) take their empty
// value in a file written before them, so that an upgrade keeps its sessions.
json with_later_fields(json document) {
  const auto fill = [&](const char* list, std::initializer_list<std::pair<const char*, json>> defaults) {
    if (!document.contains(list) || !document[list].is_array()) return;
    for (json& record : document[list]) {
      if (!record.is_object()) continue;
      for (const auto& [name, value] : defaults) {
        if (!record.contains(name)) record[name] = value;
      }
    }
  };
  fill("sessions", {{"device_name", ""}, {"device_os", ""}, {"last_used_from", ""}});
  fill("access_tokens", {{"exchanged", false}});
  return document;
}

void index_spent_refresh_tokens(State& state) {
  state.spent_refresh_tokens.clear();
  for (const auto& [id, session] : state.sessions) {
    for (const std::string& hash : session.spent_refresh_hashes) state.spent_refresh_tokens[hash] = id;
  }
}

}  // namespace

json state_to_json(const State& state) {
  json document = to_json_value(state);
  document["format"] = std::string(state_format);
  document["version"] = state_version;
  return document;
}

Result<State> state_from_json(const json& document) {
  const auto version = version_of(document);
  if (!version) return propagate(version);
  State state;
  json current = *version == 1 ? upgraded_from_version_1(document) : document;
  if (*version < 3) current = upgraded_from_version_2(std::move(current));
  current = with_later_fields(std::move(current));
  if (auto read = read_value(current, "", state); !read) return propagate(read);
  index_spent_refresh_tokens(state);
  return state;
}

}  // namespace compozy::devcloud
