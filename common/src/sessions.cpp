#include "compozy/sessions.hpp"

#include <nlohmann/json.hpp>

#include "compozy/api_request.hpp"
#include "compozy/http_client.hpp"
#include "compozy/json_fields.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

std::string sessions_url(const Context& context) { return context.settings().host + "/api/v1/auth/sessions"; }

Result<HttpResponse> send_with(Context& context, const ActiveCredential& credential, HttpRequest request) {
  request.bearer(credential.token);
  auto response = context.http().send(request);
  if (!response) return propagate(response);
  if (response->status == 401) {
    auto rejected = fail_with_status("'" + request.url + "'", response->status, Sent::bearer_credential);
    if (credential.origin == CredentialOrigin::environment) {
      rejected.error().message = "the server rejected the API key in " + std::string(api_key_variable);
      rejected.error().hint = "check the key in the dashboard (Settings > API Keys)";
    }
    return rejected;
  }
  if (insufficient_scope(*response)) {
    if (auto refused = check_api_status(*response, request.url, credential.origin); !refused) return propagate(refused);
  }
  return response;
}

std::unexpected<Error> no_sessions_api(const Context& context) {
  return fail("the server at '" + context.settings().host + "' does not offer session management",
              ExitCode::failure, "manage sessions in that server's own console");
}

std::unexpected<Error> unexpected_answer(const HttpResponse& response, std::string_view url) {
  return fail_with_status("'" + std::string(url) + "'", response.status);
}

std::optional<TimePoint> time_field(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return parse_rfc3339(found->get<std::string>());
}

// A web app without the API may answer any path with its HTML page; a body that
// says it is JSON and is not comes from a server that is failing.
bool claims_json(const HttpResponse& response) {
  const std::string type = lower(response.header("content-type").value_or(""));
  return type.starts_with("application/json") || type.find("+json") != std::string::npos;
}

// The sessions a listing names; an item without an id cannot be shown or revoked.
std::vector<Session> readable_sessions(const nlohmann::json& listed) {
  std::vector<Session> sessions;
  for (const auto& item : listed) {
    if (!item.is_object()) continue;
    Session session;
    session.id = string_field(item, "id");
    session.client_id = string_field(item, "client_id");
    session.user_agent = string_field(item, "user_agent");
    session.device_name = string_field(item, "device_name");
    session.device_os = string_field(item, "device_os");
    session.last_used_from = string_field(item, "last_used_from");
    session.created_at = time_field(item, "created_at");
    session.last_used_at = time_field(item, "last_used_at");
    session.expires_at = time_field(item, "expires_at");
    session.current = true_field(item, "current");
    if (!session.id.empty()) sessions.push_back(std::move(session));
  }
  return sessions;
}

}  // namespace

std::chrono::seconds inactive_session_age(const ConfigFile& config) {
  return config.inactive_session_age.value_or(default_inactive_session_age);
}

bool is_inactive(const Session& session, TimePoint now, std::chrono::seconds age) {
  const auto last_use = session.last_used_at ? session.last_used_at : session.created_at;
  return !session.current && last_use && now - *last_use > age;
}

Result<std::vector<Session>> list_sessions(Context& context, const ActiveCredential& credential) {
  const std::string url = sessions_url(context);
  auto response = send_with(context, credential, HttpRequest::get(url));
  if (!response) return propagate(response);
  const auto document = parse_json_object(response->body);
  if (response->ok() && !document && claims_json(*response)) {
    return fail("'" + url + "' answered with something that is not JSON");
  }
  const bool is_listing = document && document->contains("sessions") && (*document)["sessions"].is_array();
  if (response->status == 404 || response->status == 405 || (response->ok() && !is_listing)) {
    return no_sessions_api(context);
  }
  if (!response->ok()) return unexpected_answer(*response, url);
  const nlohmann::json& listed = (*document)["sessions"];
  std::vector<Session> sessions = readable_sessions(listed);
  // Found by the fault matrix: "No active sessions" was said of a listing that had
  // some, none of which could be read; that is a broken answer, not an empty one.
  if (sessions.empty() && !listed.empty()) return fail("'" + url + "' listed sessions without an id");
  return sessions;
}

Result<void> revoke_session(Context& context, const ActiveCredential& credential, std::string_view id) {
  const std::string url = sessions_url(context) + "/" + percent_encode(id);
  HttpRequest request = HttpRequest::get(url);
  request.method = "DELETE";
  auto response = send_with(context, credential, request);
  if (!response) return propagate(response);
  if (response->status == 404) {
    return fail("no active session with id '" + std::string(id) + "'", ExitCode::failure,
                "see `compozy auth list` for the sessions of your account");
  }
  if (!response->ok()) return unexpected_answer(*response, url);
  return {};
}

nlohmann::json sessions_json(std::string_view host, const std::vector<Session>& sessions, TimePoint now,
                             std::chrono::seconds inactive_age) {
  const auto time_or_null = [](const std::optional<TimePoint>& when) {
    return when ? nlohmann::json(format_rfc3339(*when)) : nlohmann::json();
  };
  nlohmann::json items = nlohmann::json::array();
  for (const auto& session : sessions) {
    items.push_back({{"id", session.id},
                     {"client_id", session.client_id},
                     {"user_agent", session.user_agent},
                     {"device_name", session.device_name},
                     {"device_os", session.device_os},
                     {"created_at", time_or_null(session.created_at)},
                     {"last_used_at", time_or_null(session.last_used_at)},
                     {"last_used_from", session.last_used_from},
                     {"expires_at", time_or_null(session.expires_at)},
                     {"current", session.current},
                     {"inactive", is_inactive(session, now, inactive_age)}});
  }
  return {{"schema_version", 1}, {"host", host}, {"sessions", items}};
}

void print_sessions(Output& out, std::string_view host, const std::vector<Session>& sessions, TimePoint now,
                    std::chrono::seconds inactive_age) {
  if (sessions.empty()) {
    out.info("No active sessions on " + std::string(host) + ".");
    return;
  }
  // On a terminal times read "2 hours ago"; in a pipe they stay machine-readable.
  const bool relative = out.stdout_is_terminal();
  const auto time_text = [&](const std::optional<TimePoint>& when) -> std::string {
    if (!when) return relative ? "-" : "";
    return relative ? relative_time(*when, now) : format_rfc3339(*when);
  };
  std::vector<std::vector<std::string>> rows;
  bool any_inactive = false;
  for (const auto& session : sessions) {
    const bool inactive = is_inactive(session, now, inactive_age);
    any_inactive = any_inactive || inactive;
    // A session whose client named no device (an older compozy, curl) is known by its user agent.
    rows.push_back({session.current ? "*" : "", session.id,
                    session.device_name.empty() ? session.user_agent : session.device_name, session.device_os,
                    time_text(session.created_at), time_text(session.last_used_at), session.last_used_from,
                    time_text(session.expires_at), inactive ? "inactive" : ""});
  }
  out.table({"", "ID", "DEVICE", "OS", "CREATED", "LAST USED", "FROM", "EXPIRES", ""}, rows, {0, 1});
  if (relative && std::any_of(sessions.begin(), sessions.end(), [](const Session& s) { return s.current; })) {
    out.info(out.dim("* this machine's session"));
  }
  if (relative && any_inactive) {
    const std::string age = format_duration(inactive_age);
    out.info(out.dim("inactive: unused for more than " + age + "; `compozy auth revoke --inactive " + age +
                     "` ends them"));
  }
}

Result<int> revoke_all_sessions(Context& context, const ActiveCredential& credential) {
  const std::string url = sessions_url(context) + "/revoke-all";
  HttpRequest request = HttpRequest::post_form(url, {});
  request.idempotent = true;  // revoking everything twice revokes the same
  auto response = send_with(context, credential, request);
  if (!response) return propagate(response);
  if (response->status == 404 || response->status == 405) return no_sessions_api(context);
  if (!response->ok()) return unexpected_answer(*response, url);
  const auto document = parse_json_object(response->body);
  const auto revoked = document ? integer_field(*document, "revoked", 0, 1'000'000) : std::nullopt;
  if (!revoked) return fail("'" + url + "' did not say how many sessions it revoked");
  return static_cast<int>(*revoked);
}

}  // namespace compozy
