// The Compozy account API (/api/v1/…) and the "Settings › API Keys" dashboard.
#include <charconv>

#include "pages.hpp"
#include "routes.hpp"

namespace compozy::devcloud {

namespace {

using nlohmann::json;

json optional_time(const std::optional<TimePoint>& time) { return time ? json(format_rfc3339(*time)) : json(nullptr); }

// Runs `handle` with the caller behind the bearer credential, or answers 401; or 403
// when the credential lacks `scope` (RFC 6750 §3.1; empty: any credential will do).
template <class Handle>
void with_caller(Exchange& exchange, Authority& authority, std::string_view scope, Handle handle) {
  const auto caller =
      authority.authenticate(exchange.request.get_header_value("Authorization"), exchange.request.remote_addr);
  if (!caller) {
    send_error(exchange.response, caller.error());
    return;
  }
  if (!scope.empty() && !caller->may(scope)) {
    send_error(exchange.response, {403, "insufficient_scope",
                                   "this credential lacks the scope '" + std::string(scope) + "' that this request needs",
                                   std::string(scope)});
    return;
  }
  handle(*caller);
}

// An API key as the API shows it: never its secret, nor its hash. checked_at is
// this server's time, by which clients judge expiry and age: it is this clock
// that refuses a key, whatever the client's says.
json api_key_json(const ApiKey& key, TimePoint now) {
  return {
      {"checked_at", format_rfc3339(now)},
      {"id", key.id},
      {"name", key.name},
      {"prefix", key.prefix},
      {"scopes", key.scopes},
      {"environment", key.environment.empty() ? json(nullptr) : json(key.environment)},
      {"created_at", format_rfc3339(key.created_at)},
      {"expires_at", optional_time(key.expires_at)},
      {"last_used_at", optional_time(key.last_used_at)},
      {"last_used_from", key.last_used_from.empty() ? json(nullptr) : json(key.last_used_from)},
      {"replaced_by", key.replaced_by.empty() ? json(nullptr) : json(key.replaced_by)},
  };
}

// Who the caller is; for an API key also its name, scopes and age, which
// `compozy auth status` checks. Any credential may ask about itself.
void me(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, "", [&](const Caller& caller) {
    json credential = {
        {"type", caller.kind == Caller::Kind::session ? "session" : "api_key"},
        {"id", caller.credential_id},
        {"expires_at", optional_time(caller.expires_at)},
        {"scopes", caller.scopes},
    };
    if (caller.key) {
      credential.update(api_key_json(*caller.key, authority.now()));
      credential["type"] = "api_key";
    }
    send_json(exchange.response, 200,
              {
                  {"id", caller.account.id},
                  {"email", caller.account.email},
                  {"name", caller.account.name},
                  {"credential", credential},
              });
  });
}

void list_sessions(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, "read", [&](const Caller& caller) {
    json sessions = json::array();
    for (const SessionInfo& info : authority.sessions_of(caller)) {
      sessions.push_back({
          {"id", info.session.id},
          {"client_id", info.session.client_id},
          {"user_agent", info.session.user_agent},
          {"device_name", info.session.device_name},
          {"device_os", info.session.device_os},
          {"created_at", format_rfc3339(info.session.created_at)},
          {"last_used_at", format_rfc3339(info.session.last_used_at)},
          {"last_used_from", info.session.last_used_from},
          {"expires_at", format_rfc3339(info.session.expires_at)},
          {"current", info.current},
      });
    }
    send_json(exchange.response, 200, {{"sessions", sessions}});
  });
}

void delete_session(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, "write", [&](const Caller& caller) {
    const auto revoked = authority.revoke_session(caller, exchange.path_arguments.at(0));
    if (!revoked) {
      send_error(exchange.response, revoked.error());
      return;
    }
    exchange.response.status = 204;
  });
}

void revoke_all_sessions(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, "write", [&](const Caller& caller) {
    const auto count = authority.revoke_all_sessions(caller);
    if (!count) {
      send_error(exchange.response, count.error());
      return;
    }
    send_json(exchange.response, 200, {{"revoked", *count}});
  });
}

// ---------------------------------------------------------------------------------
// /api/v1/api-keys: what the dashboard does, for the CLI

constexpr std::string_view manage_keys = "keys:manage";

// The JSON object a POST carries; an empty body is an empty object.
Outcome<json> read_json_object(const Exchange& exchange) {
  if (exchange.body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  if (media_type(exchange.request) != "application/json") {
    return std::unexpected(OAuthError{415, "invalid_request", "send the body as application/json"});
  }
  json body = json::parse(exchange.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return std::unexpected(OAuthError{400, "invalid_request", "the body is not a JSON object"});
  }
  return body;
}

// A whole number of seconds from a JSON field, or nullopt when absent or null.
Outcome<std::optional<std::int64_t>> seconds_field(const json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_number_integer()) {
    return std::unexpected(OAuthError{400, "invalid_request", std::string(name) + " is not a whole number of seconds"});
  }
  return found->get<std::int64_t>();
}

// {name, scopes, environment, expires_in (seconds) | expires_at (RFC 3339)}
Outcome<ApiKeySpec> api_key_spec(const json& body, TimePoint now) {
  ApiKeySpec spec;
  const auto text = [&](const char* name) {
    const auto found = body.find(name);
    return found != body.end() && found->is_string() ? found->get<std::string>() : std::string();
  };
  spec.name = text("name");
  spec.environment = text("environment");
  if (const auto scopes = body.find("scopes"); scopes != body.end() && !scopes->is_null()) {
    if (!scopes->is_array() || scopes->size() > 10) {
      return std::unexpected(OAuthError{400, "invalid_request", "scopes is a list of at most 10 names"});
    }
    for (const json& scope : *scopes) {
      if (!scope.is_string()) return std::unexpected(OAuthError{400, "invalid_request", "scopes holds a non-string"});
      spec.scopes.push_back(scope.get<std::string>());
    }
  }
  auto expires_in = seconds_field(body, "expires_in");
  if (!expires_in) return std::unexpected(expires_in.error());
  spec.lifetime_seconds = *expires_in;
  if (const std::string at = text("expires_at"); !at.empty()) {
    const auto when = parse_rfc3339(at);
    if (!when || spec.lifetime_seconds) {
      return std::unexpected(OAuthError{400, "invalid_request",
                                        "expires_at is an RFC 3339 time, and not given with expires_in"});
    }
    spec.lifetime_seconds = unix_seconds(*when) - unix_seconds(now);
  }
  return spec;
}

void list_api_keys(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, manage_keys, [&](const Caller& caller) {
    json keys = json::array();
    for (const ApiKey& key : authority.api_keys_of(caller.account)) keys.push_back(api_key_json(key, authority.now()));
    send_json(exchange.response, 200, {{"api_keys", keys}, {"scopes_supported", api_key_scopes()}});
  });
}

void send_new_key(Exchange& exchange, const Outcome<NewApiKey>& created, int status, TimePoint now) {
  if (!created) return send_error(exchange.response, created.error());
  json body = api_key_json(created->key, now);
  body["key"] = created->secret;  // once, here, and never again
  send_json(exchange.response, status, body);
}

void create_api_key(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, manage_keys, [&](const Caller& caller) {
    const auto body = read_json_object(exchange);
    if (!body) return send_error(exchange.response, body.error());
    const auto spec = api_key_spec(*body, authority.now());
    if (!spec) return send_error(exchange.response, spec.error());
    send_new_key(exchange, authority.create_api_key(caller.account, *spec), 201, authority.now());
  });
}

void delete_api_key(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, manage_keys, [&](const Caller& caller) {
    const auto revoked = authority.revoke_api_key(caller.account, exchange.path_arguments.at(0));
    if (!revoked) return send_error(exchange.response, revoked.error());
    exchange.response.status = 204;
  });
}

void rotate_api_key(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, manage_keys, [&](const Caller& caller) {
    const auto body = read_json_object(exchange);
    if (!body) return send_error(exchange.response, body.error());
    const auto grace = seconds_field(*body, "grace_seconds");
    if (!grace) return send_error(exchange.response, grace.error());
    const auto id = exchange.path_arguments.at(0);
    const auto created = authority.rotate_api_key(caller.account, id, std::chrono::seconds(grace->value_or(0)));
    if (!created) return send_error(exchange.response, created.error());
    json body_out = api_key_json(created->key, authority.now());
    body_out["key"] = created->secret;
    for (const ApiKey& key : authority.api_keys_of(caller.account)) {
      if (key.id == id) body_out["replaced"] = api_key_json(key, authority.now());
    }
    send_json(exchange.response, 201, body_out);
  });
}

// ---------------------------------------------------------------------------------
// The dashboard

// The dashboard acts as one of the --user accounts, chosen by name; devcloud has no login.
const Account* dashboard_account(Exchange& exchange, Authority& authority, std::string_view email) {
  if (email.empty()) return &authority.users().front();
  if (const Account* account = authority.find_user(email)) return account;
  send_html(exchange.response, 404,
            render_message_page("No such account", "'" + std::string(email) +
                                                       "' is not an account here. Start devcloud with --user " +
                                                       std::string(email) + " to add it."));
  return nullptr;
}

ApiKeysPage api_keys_page(Authority& authority, const Account& account) {
  return {authority.users(), account, authority.api_keys_of(account), std::nullopt, {}, {}, {}, authority.now()};
}

void show_api_keys(Exchange& exchange, Authority& authority) {
  const auto query = read_query(exchange);
  if (!query) {
    send_html(exchange.response, 400, render_message_page("This address is not valid", query.error().description));
    return;
  }
  const Account* account = dashboard_account(exchange, authority, find_param(*query, "account").value_or(""));
  if (account == nullptr) return;
  send_html(exchange.response, 200, render_api_keys_page(api_keys_page(authority, *account)));
}

std::optional<int> parse_days(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return 0;
  int days = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return days;
}

// A dashboard form post and the account it acts for; nullopt when an error page has been sent instead.
struct DashboardPost {
  Params form;
  const Account* account;
};

std::optional<DashboardPost> read_dashboard_post(Exchange& exchange, Authority& authority) {
  if (refuse_cross_origin_form(exchange, authority)) return std::nullopt;
  auto form = read_form(exchange);
  if (!form) {
    send_html(exchange.response, 400, render_message_page("The form could not be read", form.error().description));
    return std::nullopt;
  }
  const Account* account = dashboard_account(exchange, authority, find_param(*form, "account").value_or(""));
  if (account == nullptr) return std::nullopt;
  return DashboardPost{std::move(*form), account};
}

void generate_api_key(Exchange& exchange, Authority& authority) {
  const auto post = read_dashboard_post(exchange, authority);
  if (!post) return;
  const Account* account = post->account;
  const std::string name = find_param(post->form, "name").value_or("");
  const std::string days_text = find_param(post->form, "expires_in_days").value_or("");
  const auto days = parse_days(days_text);
  Scopes scopes;
  // One checkbox per scope, each its own field: a form may not repeat one (RFC 6749 §3.2, read_form).
  for (const std::string& scope : api_key_scopes()) {
    if (find_param(post->form, "scope_" + scope)) scopes.push_back(scope);
  }

  ApiKeysPage page = api_keys_page(authority, *account);
  const auto created = days ? authority.create_api_key(*account, name, *days, scopes)
                            : std::unexpected(OAuthError{400, "invalid_request",
                                                         "the expiry is a number of days from 0 (never) to 3650"});
  if (!created) {
    page.problem = created.error().description;
    page.name = name;
    page.expires_in_days = days_text;
    page.scopes = scopes;
    send_html(exchange.response, created.error().status, render_api_keys_page(page));
    return;
  }
  page.keys = authority.api_keys_of(*account);
  page.created = *created;
  send_html(exchange.response, 200, render_api_keys_page(page));
}

void revoke_api_key(Exchange& exchange, Authority& authority) {
  const auto post = read_dashboard_post(exchange, authority);
  if (!post) return;
  const Account* account = post->account;
  const auto revoked = authority.revoke_api_key(*account, exchange.path_arguments.at(0));
  if (!revoked) {
    send_html(exchange.response, revoked.error().status,
              render_message_page("The key could not be revoked", revoked.error().description));
    return;
  }
  // Post/Redirect/Get, so that reloading the list does not post again.
  send_redirect(exchange.response, "/settings/api-keys?account=" + percent_encode(account->email), 303);
}

}  // namespace

void add_compozy_routes(Router& router, Authority& authority) {
  Authority* const a = &authority;
  router.add("GET", "/api/v1/me", [a](Exchange& exchange) { me(exchange, *a); });
  router.add("GET", "/api/v1/auth/sessions", [a](Exchange& exchange) { list_sessions(exchange, *a); });
  router.add("DELETE", "/api/v1/auth/sessions/{}", [a](Exchange& exchange) { delete_session(exchange, *a); });
  router.add("POST", "/api/v1/auth/sessions/revoke-all",
             [a](Exchange& exchange) { revoke_all_sessions(exchange, *a); });
  router.add("GET", "/api/v1/api-keys", [a](Exchange& exchange) { list_api_keys(exchange, *a); });
  router.add("POST", "/api/v1/api-keys", [a](Exchange& exchange) { create_api_key(exchange, *a); });
  router.add("DELETE", "/api/v1/api-keys/{}", [a](Exchange& exchange) { delete_api_key(exchange, *a); });
  router.add("POST", "/api/v1/api-keys/{}/rotate", [a](Exchange& exchange) { rotate_api_key(exchange, *a); });
  router.add("GET", "/settings/api-keys", [a](Exchange& exchange) { show_api_keys(exchange, *a); });
  router.add("POST", "/settings/api-keys", [a](Exchange& exchange) { generate_api_key(exchange, *a); });
  router.add("POST", "/settings/api-keys/{}/revoke", [a](Exchange& exchange) { revoke_api_key(exchange, *a); });
}

}  // namespace compozy::devcloud
