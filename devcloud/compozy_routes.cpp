// The Compozy account API (/api/v1/…) and the "Settings › API Keys" dashboard.
#include <charconv>

#include "pages.hpp"
#include "routes.hpp"

namespace compozy::devcloud {

namespace {

using nlohmann::json;

json optional_time(const std::optional<TimePoint>& time) { return time ? json(format_rfc3339(*time)) : json(nullptr); }

// Runs `handle` with the caller behind the bearer credential, or answers 401, or 403
// when the credential lacks `scope` (RFC 6750 §3.1).
template <class Handle>
void with_caller(Exchange& exchange, Authority& authority, std::string_view scope, Handle handle) {
  const auto caller =
      authority.authenticate(exchange.request.get_header_value("Authorization"), exchange.request.remote_addr);
  if (!caller) {
    send_error(exchange.response, caller.error());
    return;
  }
  if (!caller->may(scope)) {
    send_error(exchange.response,
               {403, "insufficient_scope", "this needs the scope '" + std::string(scope) + "', which the token lacks"});
    return;
  }
  handle(*caller);
}

void me(Exchange& exchange, Authority& authority) {
  with_caller(exchange, authority, "read", [&](const Caller& caller) {
    send_json(exchange.response, 200,
              {
                  {"id", caller.account.id},
                  {"email", caller.account.email},
                  {"name", caller.account.name},
                  {"credential",
                   {
                       {"type", caller.kind == Caller::Kind::session ? "session" : "api_key"},
                       {"id", caller.credential_id},
                       {"expires_at", optional_time(caller.expires_at)},
                       {"scopes", caller.scopes},
                   }},
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

  ApiKeysPage page = api_keys_page(authority, *account);
  const auto created = days ? authority.create_api_key(*account, name, *days)
                            : std::unexpected(OAuthError{400, "invalid_request",
                                                         "the expiry is a number of days from 0 (never) to 3650"});
  if (!created) {
    page.problem = created.error().description;
    page.name = name;
    page.expires_in_days = days_text;
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
  router.add("GET", "/settings/api-keys", [a](Exchange& exchange) { show_api_keys(exchange, *a); });
  router.add("POST", "/settings/api-keys", [a](Exchange& exchange) { generate_api_key(exchange, *a); });
  router.add("POST", "/settings/api-keys/{}/revoke", [a](Exchange& exchange) { revoke_api_key(exchange, *a); });
}

}  // namespace compozy::devcloud
