#include "compozy/api_keys.hpp"

#include <algorithm>
#include <cctype>

#include "compozy/api_request.hpp"
#include "compozy/http_client.hpp"
#include "compozy/json_fields.hpp"
#include "compozy/oauth.hpp"
#include "compozy/refresh.hpp"
#include "compozy/text.hpp"
#include "compozy/url.hpp"

namespace compozy {

namespace {

using nlohmann::json;

constexpr std::size_t max_keys = 10'000;
constexpr std::size_t max_scopes = 20;

// A text from the server, cut to `limit` bytes and safe for a terminal.
std::string bounded_text(const json& item, const char* name, std::size_t limit) {
  return terminal_safe(std::string_view(string_field(item, name)).substr(0, limit));
}

std::optional<TimePoint> time_field(const json& item, const char* name) {
  const auto found = item.find(name);
  if (found == item.end() || !found->is_string()) return std::nullopt;
  return parse_rfc3339(found->get<std::string>());
}

std::string keys_url(const Context& context) { return context.settings().host + "/api/v1/api-keys"; }

std::unexpected<Error> no_keys_api(const Context& context) {
  return fail("the server at '" + context.settings().host + "' does not offer API key management", ExitCode::failure,
              "manage keys in that server's own console");
}

// Sends `request` with the profile's credential (refreshed first if need be).
Result<HttpResponse> send_authorized(Context& context, HttpRequest request) {
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  request.bearer(credential->token);
  auto response = context.http().send(request);
  if (!response) return propagate(response);
  // 401 and 403 insufficient_scope are about the credential; other answers, each caller reads.
  if (response->status == 401 || insufficient_scope(*response)) {
    if (auto refused = check_api_status(*response, request.url, credential->origin); !refused) return propagate(refused);
  }
  if (response->status >= 500) return fail_with_status("'" + request.url + "'", response->status);
  return response;
}

HttpRequest json_post(std::string url, const json& body) {
  HttpRequest request = HttpRequest::get(std::move(url));
  request.method = "POST";
  request.content_type = "application/json";
  request.body = body.dump();
  request.idempotent = false;  // a second create would make a second key
  return request;
}

}  // namespace

std::optional<ApiKey> api_key_from_json(const json& item) {
  if (!item.is_object()) return std::nullopt;
  ApiKey key;
  key.id = bounded_text(item, "id", 100);
  if (key.id.empty()) return std::nullopt;
  key.name = bounded_text(item, "name", 200);
  key.prefix = bounded_text(item, "prefix", 40);
  for (const std::string& scope : string_list(item, "scopes")) {
    if (key.scopes.size() == max_scopes) break;
    key.scopes.push_back(terminal_safe(std::string_view(scope).substr(0, 60)));
  }
  key.environment = bounded_text(item, "environment", 60);
  key.created_at = time_field(item, "created_at");
  key.expires_at = time_field(item, "expires_at");
  key.last_used_at = time_field(item, "last_used_at");
  key.last_used_from = bounded_text(item, "last_used_from", 100);
  key.replaced_by = bounded_text(item, "replaced_by", 100);
  key.checked_at = time_field(item, "checked_at");
  return key;
}

Result<std::vector<ApiKey>> parse_api_key_list(std::string_view body) {
  const auto document = parse_json_object(body);
  if (!document || !document->contains("api_keys") || !(*document)["api_keys"].is_array()) {
    return fail("the answer is not a list of API keys");
  }
  const json& listed = (*document)["api_keys"];
  if (listed.size() > max_keys) return fail("the answer lists more than " + std::to_string(max_keys) + " keys");
  std::vector<ApiKey> keys;
  for (const json& item : listed) {
    auto key = api_key_from_json(item);
    if (!key) return fail("the answer lists a key without an id");
    keys.push_back(std::move(*key));
  }
  return keys;
}

Result<NewApiKey> parse_new_api_key(std::string_view body) {
  const auto document = parse_json_object(body);
  auto key = document ? api_key_from_json(*document) : std::nullopt;
  const std::string secret = document ? string_field(*document, "key") : std::string();
  // The secret goes to stdout as it is: anything but a printable token would be a broken answer.
  const bool printable = !secret.empty() && secret.size() <= 512 && std::all_of(secret.begin(), secret.end(), [](char c) {
    return c > 0x20 && c < 0x7f;
  });
  if (!key || !printable) return fail("the answer does not hold a new key");
  NewApiKey created{std::move(*key), secret, std::nullopt};
  if (const auto replaced = document->find("replaced"); replaced != document->end()) {
    created.replaced = api_key_from_json(*replaced);
  }
  return created;
}

void declare_key_argument(cxxopts::Options& options) {
  options.add_options()("key", "the key's ID or name", cxxopts::value<std::string>());
  options.parse_positional({"key"});
  options.positional_help("ID|NAME");
}

Result<std::string> parse_key_argument(const cxxopts::ParseResult& parsed) {
  if (parsed.count("key") == 0) return usage_error("which key? give its ID or name (see `compozy auth keys list`)");
  std::string key = parsed["key"].as<std::string>();
  if (key.empty()) return usage_error("the key's ID or name is empty");
  return key;
}

Result<ApiKey> find_api_key(const std::vector<ApiKey>& keys, std::string_view id_or_name) {
  const auto by_id = std::find_if(keys.begin(), keys.end(), [&](const ApiKey& key) { return key.id == id_or_name; });
  if (by_id != keys.end()) return *by_id;
  std::vector<const ApiKey*> named;
  for (const ApiKey& key : keys) {
    if (key.name == id_or_name) named.push_back(&key);
  }
  const std::string shown = "'" + terminal_safe(id_or_name) + "'";
  if (named.empty()) {
    return fail("no API key with the ID or name " + shown, ExitCode::failure,
                "see `compozy auth keys list` for the keys of your account");
  }
  // A name means the current key, not those a rotation replaced (still in their grace).
  if (named.size() > 1) {
    std::vector<const ApiKey*> current;
    for (const ApiKey* key : named) {
      if (key->replaced_by.empty()) current.push_back(key);
    }
    if (current.size() == 1) return *current.front();
  }
  if (named.size() > 1) {
    std::string ids;
    for (const ApiKey* key : named) ids += (ids.empty() ? "" : ", ") + key->id;
    return fail(std::to_string(named.size()) + " API keys are named " + shown + ": " + ids, ExitCode::failure,
                "name the one you mean by its ID");
  }
  return *named.front();
}

Result<std::vector<ApiKey>> list_api_keys(Context& context) {
  auto response = send_authorized(context, HttpRequest::get(keys_url(context)));
  if (!response) return propagate(response);
  if (!response->ok()) return no_keys_api(context);
  auto keys = parse_api_key_list(response->body);
  if (!keys) return propagate(keys, "'" + keys_url(context) + "'");
  return keys;
}

Result<NewApiKey> create_api_key(Context& context, const ApiKeyRequest& request) {
  json body = {{"name", request.name}};
  if (!request.scopes.empty()) body["scopes"] = request.scopes;
  if (request.expires_in) body["expires_in"] = request.expires_in->count();
  if (!request.environment.empty()) body["environment"] = request.environment;
  auto response = send_authorized(context, json_post(keys_url(context), body));
  if (!response) return propagate(response);
  if (response->status == 404 || response->status == 405) return no_keys_api(context);
  if (!response->ok()) {
    const auto answer = parse_json_object(response->body);
    const std::string why = answer ? string_field(*answer, "error_description") : std::string();
    if (why.empty()) return fail_with_status("'" + keys_url(context) + "'", response->status);
    return fail("the server refused the key: " + terminal_safe(std::string_view(why).substr(0, 300)));
  }
  auto created = parse_new_api_key(response->body);
  if (!created) return propagate(created, "'" + keys_url(context) + "'");
  return created;
}

Result<void> revoke_api_key(Context& context, std::string_view id) {
  HttpRequest request = HttpRequest::get(keys_url(context) + "/" + percent_encode(id));
  request.method = "DELETE";
  auto response = send_authorized(context, request);
  if (!response) return propagate(response);
  if (response->status == 404) {
    return fail("no API key with id '" + terminal_safe(id) + "'", ExitCode::failure,
                "see `compozy auth keys list` for the keys of your account");
  }
  if (!response->ok()) return no_keys_api(context);
  return {};
}

Result<NewApiKey> rotate_api_key(Context& context, std::string_view id, std::chrono::seconds grace) {
  const std::string url = keys_url(context) + "/" + percent_encode(id) + "/rotate";
  auto response = send_authorized(context, json_post(url, {{"grace_seconds", grace.count()}}));
  if (!response) return propagate(response);
  if (response->status == 404) {
    const auto answer = parse_json_object(response->body);
    const std::string why = answer ? string_field(*answer, "error_description") : std::string();
    if (why.empty()) return no_keys_api(context);
    return fail(terminal_safe(std::string_view(why).substr(0, 300)), ExitCode::failure,
                "see `compozy auth keys list` for the keys of your account");
  }
  if (!response->ok()) return no_keys_api(context);
  auto created = parse_new_api_key(response->body);
  if (!created) return propagate(created, "'" + url + "'");
  return created;
}

json api_keys_json(std::string_view host, const std::vector<ApiKey>& keys, TimePoint now) {
  const auto time_or_null = [](const std::optional<TimePoint>& when) {
    return when ? json(format_rfc3339(*when)) : json();
  };
  const auto text_or_null = [](const std::string& text) { return text.empty() ? json() : json(text); };
  json items = json::array();
  for (const ApiKey& key : keys) {
    items.push_back({{"id", key.id},
                     {"name", key.name},
                     {"prefix", key.prefix},
                     {"scopes", key.scopes},
                     {"environment", text_or_null(key.environment)},
                     {"created_at", time_or_null(key.created_at)},
                     {"expires_at", time_or_null(key.expires_at)},
                     {"last_used_at", time_or_null(key.last_used_at)},
                     {"last_used_from", text_or_null(key.last_used_from)},
                     {"replaced_by", text_or_null(key.replaced_by)},
                     {"expired", key.expired(now)},
                     {"never_used", key.never_used()}});
  }
  return {{"schema_version", 1}, {"host", host}, {"api_keys", items}};
}

void print_api_keys(Output& out, std::string_view host, const std::vector<ApiKey>& keys, TimePoint now) {
  if (keys.empty()) {
    out.info("No API keys on " + std::string(host) + ".");
    return;
  }
  const bool relative = out.stdout_is_terminal();
  std::vector<std::vector<std::string>> rows;
  for (const ApiKey& key : keys) {
    const auto time_text = [&](const std::optional<TimePoint>& when, std::string_view none) -> std::string {
      if (!when) return relative ? std::string(none) : "";
      return relative ? relative_time(*when, key.judged_at(now)) : format_rfc3339(*when);
    };
    std::vector<std::string> flags;
    if (key.expired(now)) flags.emplace_back("expired");
    if (key.never_used()) flags.emplace_back("never used");
    if (!key.replaced_by.empty()) flags.emplace_back("rotated");
    std::string flag_text;
    for (const std::string& flag : flags) flag_text += (flag_text.empty() ? "" : ", ") + flag;
    rows.push_back({key.id, key.name, key.prefix + (relative ? "\u2026" : ""), join_scopes(key.scopes),
                    key.environment, time_text(key.created_at, "-"), time_text(key.expires_at, "never"),
                    time_text(key.last_used_at, "never"), flag_text});
  }
  out.table({"ID", "NAME", "PREFIX", "SCOPES", "ENVIRONMENT", "CREATED", "EXPIRES", "LAST USED", "FLAGS"}, rows,
            {0, 2});
}

Result<std::optional<ApiKey>> fetch_own_api_key(Context& context, std::string_view token) {
  HttpRequest request = HttpRequest::get(context.settings().host + "/api/v1/me");
  request.bearer(token);
  auto response = context.http().send(request);
  if (!response) return propagate(response);
  if (!response->ok()) return std::optional<ApiKey>();
  const auto document = parse_json_object(response->body);
  const auto credential = document ? document->find("credential") : json::const_iterator();
  if (!document || credential == document->end() || !credential->is_object() ||
      string_field(*credential, "type") != "api_key") {
    return std::optional<ApiKey>();
  }
  return api_key_from_json(*credential);
}

std::vector<std::string> api_key_warnings(const ApiKey& key, TimePoint local_now, std::chrono::seconds rotation_age,
                                          const std::optional<std::vector<std::string>>& allowed) {
  const TimePoint now = key.judged_at(local_now);
  std::vector<std::string> warnings;
  const std::string named = "the API key '" + key.name + "'";
  const std::string rotate = "`compozy auth keys rotate " + key.id + " --grace 24h`";
  if (key.expires_at && *key.expires_at > now && *key.expires_at - now <= api_key_expiry_warning) {
    warnings.push_back(named + " expires " + relative_time(*key.expires_at, now) + " (" +
                       format_rfc3339(*key.expires_at) + "): rotate it with " + rotate);
  }
  if (key.created_at && now - *key.created_at > rotation_age) {
    const auto days = std::chrono::duration_cast<std::chrono::days>(now - *key.created_at).count();
    warnings.push_back(named + " is " + std::to_string(days) + " days old, past api_key_rotation_age (" +
                       format_duration(rotation_age) + "): rotate it with " + rotate);
  }
  if (allowed) {
    std::vector<std::string> beyond;
    for (const std::string& scope : key.scopes) {
      if (std::find(allowed->begin(), allowed->end(), scope) == allowed->end()) beyond.push_back(scope);
    }
    if (!beyond.empty()) {
      warnings.push_back(named + " has scopes beyond the profile's api_key_scopes (" + join_scopes(*allowed) +
                         "): " + join_scopes(beyond) + "; use a key with fewer");
    }
  }
  return warnings;
}

Result<std::vector<std::string>> parse_scope_options(const std::vector<std::string>& given) {
  std::vector<std::string> scopes;
  for (const std::string& option : given) {
    std::string_view rest = option;
    while (!rest.empty()) {
      const auto comma = rest.find_first_of(", ");
      const std::string_view scope = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (scope.empty()) continue;
      if (scope.size() > 60 || !std::all_of(scope.begin(), scope.end(), [](unsigned char c) {
            return std::isalnum(c) || c == ':' || c == '_' || c == '-' || c == '.';
          })) {
        return usage_error("--scope '" + terminal_safe(scope.substr(0, 60)) +
                           "' is not a scope name (such as read, write, keys:manage)");
      }
      if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) scopes.emplace_back(scope);
    }
  }
  if (!given.empty() && scopes.empty()) return usage_error("--scope needs a scope name (read, write, keys:manage)");
  return scopes;
}

}  // namespace compozy
