// Discovery, authorization (with its consent page), token, device, revocation and
// userinfo endpoints.
#include <array>

#include "pages.hpp"
#include "routes.hpp"

namespace compozy::devcloud {

namespace {

using nlohmann::json;

json grant_types(const Authority& authority) {
  json types = json::array({"authorization_code", "refresh_token", device_code_grant});
  if (authority.options().token_exchange) types.push_back(token_exchange_grant);
  return types;
}

json metadata(const Authority& authority) {
  const std::string& issuer = authority.issuer();
  json document{
      {"issuer", issuer},
      {"authorization_endpoint", issuer + "/oauth/authorize"},
      {"token_endpoint", issuer + "/oauth/token"},
      {"device_authorization_endpoint", issuer + "/oauth/device"},
      {"revocation_endpoint", issuer + "/oauth/revoke"},
      {"userinfo_endpoint", issuer + "/oauth/userinfo"},
      {"jwks_uri", issuer + "/oauth/jwks"},
      {"response_types_supported", json::array({"code"})},
      {"response_modes_supported", json::array({"query"})},
      {"grant_types_supported", grant_types(authority)},
      {"code_challenge_methods_supported", json::array({"S256"})},
      {"token_endpoint_auth_methods_supported", json::array({"none"})},
      {"revocation_endpoint_auth_methods_supported", json::array({"none"})},
      {"scopes_supported", supported_scopes()},
      {"subject_types_supported", json::array({"public"})},
      {"id_token_signing_alg_values_supported", json::array({"RS256"})},
      {"claims_supported",
       json::array(
           {"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "sid", "email", "email_verified", "name"})},
      {"prompt_values_supported", json::array({"none", "login", "consent", "select_account"})},
      {"authorization_response_iss_parameter_supported", true},
  };
  if (const auto& shown = authority.options().metadata_issuer) {
    if (shown->empty()) {
      document.erase("issuer");
    } else {
      document["issuer"] = *shown;
    }
  }
  return document;
}

void send_no_cache_json(httplib::Response& response, int status, const json& body) {
  response.set_header("Pragma", "no-cache");  // Cache-Control: no-store is on every response
  send_json(response, status, body);
}

void send_no_cache_error(httplib::Response& response, const OAuthError& error) {
  response.set_header("Pragma", "no-cache");
  send_error(response, error);
}

void send_error_page(httplib::Response& response, int status, std::string_view title, std::string_view message) {
  send_html(response, status, render_message_page(title, message));
}

// The log shows which grant was asked for, but never echoes what a client sent in its place.
std::string grant_type_note(const Params& form) {
  const auto grant_type = find_param(form, "grant_type");
  if (!grant_type) return {};
  for (const std::string_view known :
       {std::string_view("authorization_code"), std::string_view("refresh_token"), device_code_grant}) {
    if (*grant_type == known) return "grant_type=" + *grant_type;
  }
  return "grant_type=unsupported";
}

// RFC 6749 §4.1.2 and RFC 9207: the answer to the client travels in the redirect's query.
std::string authorization_response(const Authority& authority, const std::string& redirect_uri,
                                   const std::string& state, Params params) {
  if (!state.empty()) params.emplace_back("state", state);
  params.emplace_back("iss", authority.issuer());
  return with_query(redirect_uri, params);
}

// Answers the request's refusal: shown to the person, or sent back to a trusted client.
void refuse_authorization(Exchange& exchange, const Authority& authority, const AuthorizationRefusal& refusal) {
  if (!refusal.redirect) {
    send_error_page(exchange.response, 400, "This sign-in link is not valid", refusal.description);
    return;
  }
  send_redirect(exchange.response,
                authorization_response(authority, refusal.redirect_uri, refusal.state,
                                       {{"error", refusal.error}, {"error_description", refusal.description}}));
}

// --auto-approve: a code at once, for the hinted account or the first --user.
void approve_at_once(Exchange& exchange, Authority& authority, const CheckedAuthorizeRequest& request) {
  const Account* account = authority.find_user(request.login_hint);
  const auto code = authority.issue_code(request, account ? *account : authority.users().front());
  if (!code) {
    send_error_page(exchange.response, code.error().status, "Something went wrong", code.error().description);
    return;
  }
  send_redirect(exchange.response,
                authorization_response(authority, request.redirect_uri, request.state, {{"code", *code}}));
}

void show_consent_page(Exchange& exchange, Authority& authority, const CheckedAuthorizeRequest& request) {
  const auto request_id = authority.open_consent_request(request);
  if (!request_id) {
    send_error_page(exchange.response, request_id.error().status, "Something went wrong",
                    request_id.error().description);
    return;
  }
  const Account* hinted = authority.find_user(request.login_hint);
  const auto return_url = parse_url(request.redirect_uri);
  send_html(exchange.response, 200,
            render_consent_page({*request_id, request.client_id, request.scopes, authority.users(),
                                 hinted ? hinted->email : std::string(), return_url ? return_url->origin() : ""}));
}

void authorize(Exchange& exchange, Authority& authority) {
  const auto query = read_query(exchange);
  if (!query) {
    send_error_page(exchange.response, 400, "This sign-in link is not valid", query.error().description);
    return;
  }
  const auto request = authority.check_authorization_request(*query);
  if (!request) {
    refuse_authorization(exchange, authority, request.error());
  } else if (authority.options().auto_approve) {
    approve_at_once(exchange, authority, *request);
  } else {
    show_consent_page(exchange, authority, *request);
  }
}

void authorize_decision(Exchange& exchange, Authority& authority) {
  if (refuse_cross_origin_form(exchange, authority)) return;
  const auto form = read_form(exchange);
  if (!form) {
    send_error_page(exchange.response, 400, "The answer could not be read", form.error().description);
    return;
  }
  const auto request_id = find_param(*form, "request_id");
  const auto decision = find_param(*form, "decision");
  if (!request_id || request_id->empty()) {
    send_error_page(exchange.response, 400, "The answer could not be read", "request_id is missing");
    return;
  }
  if (!decision || (*decision != "approve" && *decision != "deny")) {
    send_error_page(exchange.response, 400, "The answer could not be read", "decision must be approve or deny");
    return;
  }
  const auto answer =
      authority.answer_consent_request(*request_id, find_param(*form, "account").value_or(""), *decision == "approve");
  if (!answer) {
    send_error_page(exchange.response, answer.error().status, "This sign-in request cannot be answered",
                    answer.error().description + ". Start the sign-in again from your application.");
    return;
  }
  if (answer->code.empty()) {
    send_redirect(exchange.response, authorization_response(authority, answer->redirect_uri, answer->state,
                                                            {{"error", "access_denied"},
                                                             {"error_description", "the request was denied"}}));
  } else {
    send_redirect(exchange.response,
                  authorization_response(authority, answer->redirect_uri, answer->state, {{"code", answer->code}}));
  }
}

void token(Exchange& exchange, Authority& authority) {
  const auto form = read_form(exchange);
  if (!form) {
    send_no_cache_error(exchange.response, form.error());
    return;
  }
  exchange.log_note = grant_type_note(*form);
  const auto tokens = authority.grant_tokens(*form, exchange.request.get_header_value("User-Agent"),
                                             exchange.request.remote_addr);
  if (!tokens) {
    send_no_cache_error(exchange.response, tokens.error());
    return;
  }
  send_no_cache_json(exchange.response, 200, *tokens);
}

void device_authorization(Exchange& exchange, Authority& authority) {
  const auto form = read_form(exchange);
  const auto started = form ? authority.authorize_device(*form) : std::unexpected(form.error());
  if (!started) {
    send_no_cache_error(exchange.response, started.error());
    return;
  }
  send_no_cache_json(exchange.response, 200, *started);
}

// What /device shows for a code it cannot use: the entry form again, or a message.
void device_problem(Exchange& exchange, std::string_view user_code, const OAuthError& error) {
  if (error.error == "already_answered" || error.status >= 500) {
    send_error_page(exchange.response, error.status, "This code was already used",
                    error.status >= 500 ? error.description
                                        : "It was approved or denied already. Start again in your terminal if you "
                                          "need a new one.");
    return;
  }
  const std::string problem = error.status == 404 ? "That code is unknown or has expired. Check the code in your "
                                                    "terminal, or start again to get a new one."
                                                  : "That does not look like a code: " + error.description + ".";
  send_html(exchange.response, error.status, render_device_entry_page(user_code, problem));
}

// A page opened from another page, a link or a form elsewhere, as browsers say in
// Sec-Fetch-Site; typed, bookmarked and script requests (which send none) are not.
bool is_opened_from_elsewhere(const httplib::Request& request) {
  const std::string site = request.get_header_value("Sec-Fetch-Site");
  return !site.empty() && site != "same-origin" && site != "none";
}

void device_page(Exchange& exchange, Authority& authority) {
  const auto query = read_query(exchange);
  if (!query) {
    send_html(exchange.response, 400, render_device_entry_page({}, query.error().description));
    return;
  }
  const std::string user_code = find_param(*query, "user_code").value_or("");
  if (user_code.empty()) {
    send_html(exchange.response, 200, render_device_entry_page({}, {}));
    return;
  }
  const auto prompt = authority.find_device_request(user_code);
  if (!prompt) {
    device_problem(exchange, user_code, prompt.error());
    return;
  }
  // --auto-approve approves on sight, but not for a page that another site opened:
  // that gets the consent page, whose answer must come from devcloud's own origin.
  if (authority.options().auto_approve && !is_opened_from_elsewhere(exchange.request)) {
    const auto answered = authority.answer_device_request(user_code, authority.users().front().email, true);
    if (!answered) {
      device_problem(exchange, user_code, answered.error());
      return;
    }
    send_html(exchange.response, 200, render_device_done_page(true, prompt->client_id, *answered));
    return;
  }
  send_html(exchange.response, 200, render_device_consent_page(*prompt, authority.users()));
}

void device_decision(Exchange& exchange, Authority& authority) {
  if (refuse_cross_origin_form(exchange, authority)) return;
  const auto form = read_form(exchange);
  if (!form) {
    send_error_page(exchange.response, 400, "The answer could not be read", form.error().description);
    return;
  }
  const std::string user_code = find_param(*form, "user_code").value_or("");
  const auto decision = find_param(*form, "decision");
  if (!decision || (*decision != "approve" && *decision != "deny")) {
    send_error_page(exchange.response, 400, "The answer could not be read", "decision must be approve or deny");
    return;
  }
  const auto prompt = authority.find_device_request(user_code);
  if (!prompt) {
    device_problem(exchange, user_code, prompt.error());
    return;
  }
  const bool approve = *decision == "approve";
  const auto answered = authority.answer_device_request(user_code, find_param(*form, "account").value_or(""), approve);
  if (!answered) {
    if (answered.error().error == "invalid_request") {
      send_error_page(exchange.response, 400, "The answer could not be read", answered.error().description);
    } else {
      device_problem(exchange, user_code, answered.error());
    }
    return;
  }
  send_html(exchange.response, 200, render_device_done_page(approve, prompt->client_id, *answered));
}

void revoke(Exchange& exchange, Authority& authority) {
  const auto form = read_form(exchange);
  const auto revoked = form ? authority.revoke(*form) : std::unexpected(form.error());
  if (!revoked) {
    send_no_cache_error(exchange.response, revoked.error());
    return;
  }
  exchange.response.status = 200;  // RFC 7009 §2.2: the body is ignored; we send none
}

void userinfo(Exchange& exchange, Authority& authority) {
  const auto caller =
      authority.authenticate(exchange.request.get_header_value("Authorization"), exchange.request.remote_addr);
  if (!caller) {
    send_error(exchange.response, caller.error());
    return;
  }
  const auto has = [&](std::string_view scope) {
    return std::find(caller->scopes.begin(), caller->scopes.end(), scope) != caller->scopes.end();
  };
  json claims = {{"sub", caller->account.id}};
  if (has("email")) {
    claims["email"] = caller->account.email;
    claims["email_verified"] = true;
  }
  if (has("profile")) claims["name"] = caller->account.name;
  send_json(exchange.response, 200, claims);
}

}  // namespace

bool refuse_cross_origin_form(Exchange& exchange, const Authority& authority) {
  if (!is_cross_origin_post(exchange.request, authority.issuer(), authority.options().public_host)) return false;
  send_error_page(exchange.response, 403, "Request blocked",
                  "This form was sent from another website. Open the page from devcloud itself and try again.");
  return true;
}

void add_oauth_routes(Router& router, Authority& authority) {
  Authority* const a = &authority;
  const auto serve_metadata = [a](Exchange& exchange) { send_json(exchange.response, 200, metadata(*a)); };
  const Discovery discovery = authority.options().discovery;
  if (discovery != Discovery::openid) router.add("GET", "/.well-known/oauth-authorization-server", serve_metadata);
  if (discovery != Discovery::oauth) router.add("GET", "/.well-known/openid-configuration", serve_metadata);

  router.add("GET", "/", [a](Exchange& exchange) {
    send_html(exchange.response, 200, render_home_page({a->issuer(), a->options().compozy_api}));
  });
  router.add("GET", "/oauth/jwks", [a](Exchange& exchange) {
    send_json(exchange.response, 200, {{"keys", json::array({a->signing_key().public_jwk()})}});
  });
  router.add("GET", "/oauth/authorize", [a](Exchange& exchange) { authorize(exchange, *a); });
  router.add("POST", "/oauth/authorize/decision", [a](Exchange& exchange) { authorize_decision(exchange, *a); });
  router.add("POST", "/oauth/token", [a](Exchange& exchange) { token(exchange, *a); });
  router.add("POST", "/oauth/device", [a](Exchange& exchange) { device_authorization(exchange, *a); });
  router.add("GET", "/device", [a](Exchange& exchange) { device_page(exchange, *a); });
  router.add("POST", "/device/decision", [a](Exchange& exchange) { device_decision(exchange, *a); });
  router.add("POST", "/oauth/revoke", [a](Exchange& exchange) { revoke(exchange, *a); });
  router.add("GET", "/oauth/userinfo", [a](Exchange& exchange) { userinfo(exchange, *a); });
  router.add("POST", "/oauth/userinfo", [a](Exchange& exchange) { userinfo(exchange, *a); });
}

}  // namespace compozy::devcloud
