#include "compozy/doctor.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "compozy/active_credential.hpp"
#include "compozy/config.hpp"
#include "compozy/http_client.hpp"
#include "compozy/json_fields.hpp"
#include "compozy/oauth.hpp"
#include "compozy/proxy.hpp"
#include "compozy/text.hpp"

namespace compozy {

std::string_view status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::warn: return "warn";
    case CheckStatus::fail: return "fail";
    case CheckStatus::skipped: return "skipped";
  }
  return "skipped";
}

namespace {

Check passed(std::string id, std::string title, std::string detail) {
  return {std::move(id), CheckStatus::pass, std::move(title), std::move(detail), {}};
}
Check warned(std::string id, std::string title, std::string detail, std::string fix = {}) {
  return {std::move(id), CheckStatus::warn, std::move(title), std::move(detail), std::move(fix)};
}
Check failed(std::string id, std::string title, std::string detail, std::string fix) {
  return {std::move(id), CheckStatus::fail, std::move(title), std::move(detail), std::move(fix)};
}
Check not_checked(std::string id, std::string title, std::string detail) {
  return {std::move(id), CheckStatus::skipped, std::move(title), std::move(detail), {}};
}

std::string_view setting_origin(SettingSource source, std::string_view flag, std::string_view variable) {
  switch (source) {
    case SettingSource::flag: return flag;
    case SettingSource::environment: return variable;
    case SettingSource::profile: return "config.yaml";
    case SettingSource::built_in: return "the default";
  }
  return "the default";
}

std::string seconds_text(long long seconds) {
  return std::to_string(seconds) + (seconds == 1 ? " second" : " seconds");
}

// Permission bits that let others than the owner in.
bool open_to_others(const std::filesystem::path& path, mode_t bits) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && (info.st_mode & bits) != 0;
}

// A credential manager named by the profile's entry, COMPOZY_CREDENTIAL_STORE
// or config.yaml: listing its items is read-only, and shows it reachable and unlocked.
std::optional<std::string> chosen_store(const Context& context, const std::optional<StoredCredential>& entry) {
  if (entry && held_by_manager(*entry)) return entry->store;
  if (auto named = context.env().get("COMPOZY_CREDENTIAL_STORE")) return named;
  const auto profile = context.config().profiles.find(context.settings().profile);
  if (profile != context.config().profiles.end() && profile->second.credential_store) {
    return profile->second.credential_store;
  }
  return std::nullopt;
}

}  // namespace

Check check_config(const Context& context) {
  const auto path = context.config_file();
  auto config = load_config(path);
  if (!config) {
    return failed("config", "config", config.error().message, "correct the line named in " + path.string());
  }
  if (!std::filesystem::exists(path)) return passed("config", "config", "no " + path.string() + ": the defaults apply");
  if (!config->warnings.empty()) {
    return warned("config", "config", path.string() + ": " + join(config->warnings, "; "),
                  "remove or correct the key in " + path.string());
  }
  return passed("config", "config", path.string() + " parses");
}

Check check_profile(const Context& context) {
  const Settings& settings = context.settings();
  return passed("profile", "profile and host",
                "profile '" + settings.profile + "' (from " +
                    std::string(setting_origin(settings.profile_source, "--profile", "COMPOZY_PROFILE")) + "), host " +
                    settings.host + " (from " +
                    std::string(setting_origin(settings.host_source, "--host", "COMPOZY_HOST")) + ")");
}

Check check_credential_store(Context& context) {
  const std::string title = "credential store";
  const auto file = context.store().file();
  const auto folder = file.parent_path();
  if (std::filesystem::exists(file) && open_to_others(file, S_IRWXG | S_IRWXO)) {
    return failed("credential_store", title, file.string() + " can be read or changed by other users",
                  "chmod 600 " + file.string());
  }
  auto entry = context.store().load(context.settings().profile);
  if (!entry) return failed("credential_store", title, entry.error().message, entry.error().hint);
  if (const auto store = chosen_store(context, *entry); store && *store != file_store_name) {
    auto opened = context.store().secret_store(*store);
    if (!opened) return failed("credential_store", title, opened.error().message, opened.error().hint);
    if (auto listed = (*opened)->list(); !listed) {
      return failed("credential_store", title,
                    "credential store '" + *store + "' is not reachable or locked: " + listed.error().message,
                    listed.error().hint.empty() ? "unlock the keyring, or run `compozy login --store file`"
                                                : listed.error().hint);
    }
    return passed("credential_store", title, "credential store '" + *store + "' answers; " + file.string());
  }
  if (std::filesystem::exists(folder) && open_to_others(folder, S_IWGRP | S_IWOTH)) {
    return warned("credential_store", title, folder.string() + " can be changed by other users",
                  "chmod 700 " + folder.string());
  }
  if (!std::filesystem::exists(file)) return passed("credential_store", title, "no " + file.string() + " yet");
  return passed("credential_store", title, file.string() + ", which only you can read");
}

Check check_api_key(Context& context) {
  const std::string title = api_key_variable;
  auto key = api_key_from_environment(context.env());
  if (!key) return failed("api_key", title, key.error().message, key.error().hint);
  if (!*key) return passed("api_key", title, "not set: the stored credential is used");
  auto stored = stored_credential(context);
  if (stored && *stored) {
    return warned("api_key", title,
                  "set, and it shadows the stored credential of profile '" + context.settings().profile + "'",
                  std::string("unset ") + api_key_variable + " to use the stored credential");
  }
  // Compozy keys are "czk_" and 43 base64url characters; anything else was
  // likely pasted from elsewhere (an access token, another service's key).
  if (!(*key)->starts_with("czk_") || (*key)->size() != 47) {
    return warned("api_key", title, "set, but it does not look like a Compozy API key (czk_…)",
                  "create a key in Settings > API Keys and set it alone");
  }
  return passed("api_key", title, "set, a Compozy API key; it wins over anything stored");
}

Check check_proxy(const Context& context) {
  const std::string title = "proxy";
  auto url = parse_url(context.settings().host);
  if (!url) return not_checked("proxy", title, url.error().message);
  auto proxy = proxy_for(*url, context.env());
  if (!proxy) return failed("proxy", title, proxy.error().message, proxy.error().hint);
  if (*proxy) return passed("proxy", title, "through " + (*proxy)->shown + " (HTTPS_PROXY)");
  if (url->is_loopback()) return passed("proxy", title, "none: this machine is always reached directly");
  const auto no_proxy = context.env().get("NO_PROXY") ? context.env().get("NO_PROXY") : context.env().get("no_proxy");
  if (no_proxy && (context.env().has("HTTPS_PROXY") || context.env().has("https_proxy"))) {
    return passed("proxy", title, "none: NO_PROXY names " + url->host);
  }
  if (context.env().has("HTTP_PROXY") && url->scheme == "https") {
    return warned("proxy", title, "HTTP_PROXY is set, but https requests use only HTTPS_PROXY",
                  "set HTTPS_PROXY if this network needs a proxy");
  }
  return passed("proxy", title, "none: connecting directly");
}

Check check_plugins(const PluginFindings& plugins, bool (*world_writable)(const std::string& folder)) {
  for (const auto& folder : plugins.search_folders) {
    if (world_writable(folder)) {
      return failed("plugins", "plugins",
                    folder + " is searched for commands and anyone can write to it: anyone can plant a compozy-* command",
                    "remove " + folder + " from PATH, or run `chmod o-w " + folder + "`");
    }
  }
  if (!plugins.warnings.empty()) {
    return warned("plugins", "plugins", join(plugins.warnings, "; "), "run `compozy plugin list` and remove or rename the files named");
  }
  return passed("plugins", "plugins", std::to_string(plugins.runnable) + " commands found, none shadowed");
}

std::optional<TimePoint> parse_http_date(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  std::tm parts{};
  const std::string copy(trim(text));
  const char* end = ::strptime(copy.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return std::chrono::time_point_cast<std::chrono::seconds>(WallClock::from_time_t(::timegm(&parts)));
}

Check judge_clock(const std::optional<std::string>& date_header, TimePoint now) {
  const std::string title = "clock";
  if (!date_header) return not_checked("clock", title, "the server sent no Date header");
  const auto server_time = parse_http_date(*date_header);
  if (!server_time) return not_checked("clock", title, "the server's Date header is not an HTTP date");
  const long long skew = (now - *server_time).count();
  const long long size = skew < 0 ? -skew : skew;
  const std::string detail = "this machine's clock is " + seconds_text(size) + (skew < 0 ? " behind" : " ahead of") +
                             " the server's (" + format_rfc3339(*server_time) + " there)";
  const std::string fix = "set this machine's clock right: `sudo timedatectl set-ntp true`";
  if (size > clock_fail_skew.count()) {
    return failed("clock", title, detail + ": tokens look expired or not yet valid", fix);
  }
  if (size > clock_warn_skew.count()) return warned("clock", title, detail, fix);
  return passed("clock", title, size == 0 ? "in step with the server" : detail);
}

// The rule: a chain that verifies against the system's CAs is the public CA
// the host is expected to use, unless its root is one an administrator added
// (/usr/local/share/ca-certificates), as a company's TLS-inspecting proxy
// needs; a chain that verifies only through SSL_CERT_FILE or SSL_CERT_DIR
// was trusted by hand. Both are named as interception, with the issuer.
Check judge_tls(const TlsFacts& facts, const std::string& host) {
  const std::string title = "TLS";
  const std::string issued = "certificate for '" + facts.subject + "' issued by '" + facts.issuer + "'";
  if (!facts.verified) {
    return failed("tls", title,
                  facts.version + ", " + issued + " is not trusted (" + facts.verify_error +
                      "): a proxy that intercepts TLS re-signs with its own CA",
                  "if your company inspects TLS, set SSL_CERT_FILE to its CA certificate; else do not sign in from "
                  "this network");
  }
  if (facts.trust_from_environment && !facts.verified_by_system) {
    return warned("tls", title,
                  facts.version + ", " + issued + ", trusted only through SSL_CERT_FILE/SSL_CERT_DIR (root '" +
                      facts.root + "'), not by a public CA: expected only for a private server or a TLS-inspecting proxy",
                  "unset SSL_CERT_FILE and SSL_CERT_DIR unless you put that CA there on purpose");
  }
  if (!facts.locally_added_root.empty()) {
    return warned("tls", title,
                  facts.version + ", " + issued + ", trusted through a locally added CA (" +
                      facts.locally_added_root + "): a TLS-inspecting proxy reads this traffic",
                  "remove " + facts.locally_added_root + " and run `sudo update-ca-certificates` unless it is your company's");
  }
  return passed("tls", title, facts.version + ", " + issued + " for " + host + ", verified");
}

namespace {

std::string metadata_url(const Url& host, std::string_view well_known) {
  const std::string path = host.path() == "/" ? "" : host.path();
  return host.origin() + std::string(well_known) + path;
}

// The metadata check, and the Date header it brought for the clock check.
struct MetadataOutcome {
  Check check;
  std::optional<std::string> date;
  bool reached = false;
};

MetadataOutcome check_metadata(Context& context, const Url& host) {
  const std::string title = "server metadata";
  const std::string issuer = context.settings().host;
  Result<HttpResponse> response = fail("not asked");
  std::string url;
  for (const std::string_view well_known : {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    url = well_known.ends_with("openid-configuration") ? issuer + std::string(well_known) : metadata_url(host, well_known);
    response = context.http().send(HttpRequest::get(url));
    if (!response || response->status != 404) break;
  }
  if (!response) return {not_checked("metadata", title, response.error().message), std::nullopt, false};
  MetadataOutcome outcome{{}, response->header("date"), true};
  if (!response->ok()) {
    outcome.check = failed("metadata", title, url + " answered HTTP " + std::to_string(response->status),
                           "check the host setting: it must be the server's address");
    return outcome;
  }
  const auto document = parse_json_object(response->body);
  if (!document) {
    outcome.check = failed("metadata", title, url + " is not a JSON object", "check the host setting: it must be the server's address");
    return outcome;
  }
  const std::string named = string_field(*document, "issuer");
  const std::string fix = "check that the host setting is the server's address; if it is, tell the server's operator";
  if (named.empty()) {
    outcome.check = failed("metadata", title, url + " names no issuer (RFC 8414 §3.3 requires the host's)", fix);
  } else if (named != issuer) {
    outcome.check = failed("metadata", title,
                           url + " names the issuer '" + named + "', not '" + issuer +
                               "': it would sign you in to another server (RFC 8414 §3.3)",
                           fix);
  } else {
    outcome.check = passed("metadata", title, url + ", issuer " + named);
  }
  return outcome;
}

Check check_credential(Context& context, bool server_reachable) {
  const std::string title = "credential";
  const std::string login = "run `" + command_for(context.settings(), "login") + "`";
  auto key = api_key_from_environment(context.env());
  auto stored = stored_credential(context);
  if (!key || !stored) return not_checked("credential", title, "see the checks above");
  if (!*key && !*stored) return warned("credential", title, "not signed in to " + context.settings().host, login);
  if (!server_reachable) return not_checked("credential", title, "the server could not be asked");
  std::string token;
  std::string userinfo;
  std::string what;
  if (*key) {
    auto server = discover(context.http(), context.settings().host);
    if (!server) return not_checked("credential", title, server.error().message);
    token = **key;
    userinfo = server->userinfo_endpoint;
    what = std::string("the API key in ") + api_key_variable;
  } else {
    const StoredCredential& credential = **stored;
    if (has_expired(credential, context.clock().now())) {
      if (credential.kind == CredentialKind::oauth && !credential.refresh_token.empty()) {
        return warned("credential", title,
                      "the access token expired " + format_rfc3339(*credential.expires_at) +
                          "; the next command refreshes it (doctor changes nothing, so whether the session lives is "
                          "not known)",
                      "run `" + command_for(context.settings(), "auth status") + "`");
      }
      return failed("credential", title, "the access token expired and cannot be refreshed", login);
    }
    token = credential.access_token;
    userinfo = credential.userinfo_endpoint;
    what = credential.kind == CredentialKind::api_key ? "the stored API key" : "the stored session";
  }
  auto identity = fetch_identity(context.http(), userinfo, context.settings().host, token);
  if (identity) return passed("credential", title, what + " works, as " + identity->display());
  if (identity.error().kind == Error::Kind::rejected) {
    return failed("credential", title, what + " was rejected: " + identity.error().message,
                  *key ? std::string("create a new key and set ") + api_key_variable : login);
  }
  return not_checked("credential", title, identity.error().message);
}

Check skipped_after(const std::string& id, const std::string& title, const std::string& earlier) {
  return not_checked(id, title, "could not check: " + earlier + " failed");
}

}  // namespace

NetworkChecks check_network(Context& context, NetworkProbe& probe, std::chrono::milliseconds deadline) {
  NetworkChecks result;
  auto& checks = result.checks;
  auto url = parse_url(context.settings().host);
  auto proxy = url ? proxy_for(*url, context.env()) : Result<std::optional<Proxy>>(std::optional<Proxy>());
  const auto skip_rest = [&](const std::string& earlier, std::vector<std::pair<std::string, std::string>> rest) {
    for (const auto& [id, title] : rest) checks.push_back(skipped_after(id, title, earlier));
  };
  std::vector<std::pair<std::string, std::string>> after_dns{
      {"tcp", "TCP"}, {"tls", "TLS"}, {"metadata", "server metadata"}, {"clock", "clock"}, {"credential", "credential"}};
  if (!url || !proxy) {
    checks.push_back(not_checked("dns", "DNS", "the host or proxy setting is invalid"));
    skip_rest("the host or proxy setting", after_dns);
    return result;
  }
  const std::string target = *proxy ? (*proxy)->host : url->host;
  const int port = *proxy ? (*proxy)->port : url->port;
  const std::string via = *proxy ? " (the proxy)" : "";

  auto addresses = probe.resolve(target, deadline);
  if (!addresses) {
    checks.push_back(failed("dns", "DNS", target + via + ": " + addresses.error().message,
                            "check the host name, and this machine's DNS (/etc/resolv.conf)"));
    skip_rest("DNS", after_dns);
    return result;
  }
  checks.push_back(passed("dns", "DNS", target + via + " is " + join(*addresses, ", ")));
  after_dns.erase(after_dns.begin());

  if (auto connected = probe.connect(target, port, deadline); !connected) {
    checks.push_back(failed("tcp", "TCP", target + ":" + std::to_string(port) + via + ": " + connected.error().message,
                            *proxy ? "check HTTPS_PROXY" : "check that the server runs, and any firewall in between"));
    skip_rest("TCP", after_dns);
    return result;
  }
  checks.push_back(passed("tcp", "TCP", "connected to " + target + ":" + std::to_string(port) + via));
  after_dns.erase(after_dns.begin());

  if (url->scheme == "https") {
    auto facts = probe.handshake(url->host, url->port, *proxy ? (*proxy)->host : "", *proxy ? (*proxy)->port : 0, deadline);
    if (!facts) {
      checks.push_back(failed("tls", "TLS", facts.error().message, "check that the host speaks https on that port"));
      skip_rest("TLS", after_dns);
      return result;
    }
    checks.push_back(judge_tls(*facts, url->host));
    if (checks.back().status == CheckStatus::fail) {
      skip_rest("TLS", after_dns);
      return result;
    }
  } else {
    checks.push_back(passed("tls", "TLS", "not used: plain http, allowed to this machine only"));
  }

  auto metadata = check_metadata(context, *url);
  checks.push_back(metadata.check);
  checks.push_back(metadata.reached ? judge_clock(metadata.date, context.clock().now())
                                    : skipped_after("clock", "clock", "server metadata"));
  checks.push_back(check_credential(context, metadata.reached));
  return result;
}

namespace {

bool is_world_writable(const std::string& folder) {
  struct stat info {};
  return ::stat(folder.c_str(), &info) == 0 && S_ISDIR(info.st_mode) && (info.st_mode & S_IWOTH) != 0;
}

}  // namespace

// Six steps may wait (DNS, TCP, TLS, metadata, the credential, and a key's discovery), one share each.
std::chrono::milliseconds network_step_deadline(const Environment& env) {
  std::chrono::milliseconds total{30'000};
  if (auto timeout = http_timeout_setting(env); timeout && *timeout) total = **timeout;
  return std::max(std::chrono::milliseconds(500), total / 6);
}

std::vector<Check> run_checks(Context& context, NetworkProbe& probe, const PluginFindings& plugins) {
  std::vector<Check> checks{check_config(context), check_profile(context), check_credential_store(context),
                            check_api_key(context), check_proxy(context)};
  for (auto& check : check_network(context, probe, network_step_deadline(context.env())).checks) {
    checks.push_back(std::move(check));
  }
  checks.push_back(check_plugins(plugins, is_world_writable));
  return checks;
}

bool any_failed(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(), [](const Check& check) { return check.status == CheckStatus::fail; });
}

void print_checks(Output& out, const std::vector<Check>& checks) {
  for (const auto& check : checks) {
    std::string mark;
    switch (check.status) {
      case CheckStatus::pass: mark = out.check_mark(); break;
      case CheckStatus::warn: mark = out.attention_mark(); break;
      case CheckStatus::fail: mark = out.cross_mark(); break;
      case CheckStatus::skipped: mark = "-"; break;
    }
    out.report(mark + " " + out.bold(check.title) + ": " + check.detail);
    if (!check.fix.empty() && check.status != CheckStatus::pass) out.report("    fix: " + check.fix);
  }
}

nlohmann::json checks_json(const std::vector<Check>& checks) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& check : checks) {
    list.push_back({{"id", check.id},
                    {"status", status_name(check.status)},
                    {"title", check.title},
                    {"detail", check.detail},
                    {"fix", check.fix.empty() ? nlohmann::json() : nlohmann::json(check.fix)}});
  }
  return {{"schema_version", 1}, {"ok", !any_failed(checks)}, {"checks", list}};
}

}  // namespace compozy
