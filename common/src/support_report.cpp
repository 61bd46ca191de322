#include "compozy/support_report.hpp"

#include <openssl/crypto.h>
#include <sys/utsname.h>

#include <algorithm>
#include <regex>

#include "compozy/active_credential.hpp"
#include "compozy/atomic_file.hpp"
#include "compozy/text.hpp"
#include "compozy/version.hpp"

namespace compozy {

namespace {

constexpr std::string_view redacted = "[redacted]";

void replace_all(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;  // shorter would erase ordinary words, and is no secret worth the name
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + redacted.size())) {
    text.replace(at, secret.size(), redacted);
  }
}

// What looks like a secret wherever it stands, then fields named as one.
const std::vector<std::pair<std::regex, std::string>>& secret_patterns() {
  static const auto flags = std::regex::ECMAScript | std::regex::icase;
  static const std::vector<std::pair<std::regex, std::string>> patterns{
      {std::regex(R"(\b(bearer|basic)[ \t]+(?!\[redacted\])[A-Za-z0-9._~+/=-]+)", flags), "$1 [redacted]"},
      {std::regex(R"(eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)", flags), "[redacted]"},
      {std::regex(R"(czk_[A-Za-z0-9_-]+)", flags), "[redacted]"},
      {std::regex(R"(://[^/@\s]*@)", flags), "://[redacted]@"},
      {std::regex(R"(([?&][^=&#\s]+)=[^&#\s]*)", flags), "$1=[redacted]"},
      {std::regex(R"(((set-)?cookie[ \t]*:[ \t]*).*)", flags), "$1[redacted]"},
      {std::regex(R"((["']?)([A-Za-z0-9_.-]*(token|secret|passw|key|code|cookie|authorization|session|sid|ref)[A-Za-z0-9_.-]*)(["']?)([ \t]*[:=][ \t]*)(["']?)(?!\[redacted\]|https?://)[^\s"',}\]]+)",
                  flags),
       "$1$2$4$5$6[redacted]"},
  };
  return patterns;
}

// The variables that change what compozy does; secrets among them are redacted like the rest.
constexpr std::string_view reported_variables[] = {
    "COMPOZY_PROFILE",    "COMPOZY_HOST",  "COMPOZY_CLIENT_ID", "COMPOZY_CONFIG_DIR", "COMPOZY_CREDENTIAL_STORE",
    "COMPOZY_HTTP_TIMEOUT", "COMPOZY_EXEC_PATH", "XDG_CONFIG_HOME", "HTTPS_PROXY", "https_proxy",
    "http_proxy",         "HTTP_PROXY",    "NO_PROXY",          "no_proxy",           "SSL_CERT_FILE",
    "SSL_CERT_DIR",       "DBUS_SESSION_BUS_ADDRESS",
};

std::string operating_system() {
  std::string shown = "unknown";
  if (auto release = read_file("/etc/os-release"); release && *release) {
    static const std::regex pretty(R"(PRETTY_NAME="?([^"\n]*))");
    if (std::smatch match; std::regex_search(**release, match, pretty)) shown = match[1];
  }
  utsname system{};
  if (::uname(&system) == 0) shown += std::string(" (") + system.sysname + " " + system.release + " " + system.machine + ")";
  return shown;
}

std::string file_section(const std::filesystem::path& path) {
  auto content = read_file(path);
  if (!content) return "(cannot be read: " + content.error().message + ")\n";
  if (!*content) return "(none)\n";
  return **content + ((*content)->ends_with('\n') ? "" : "\n");
}

// Every secret this machine holds for compozy, so that none survives even where no pattern finds it.
std::vector<std::string> known_secrets(Context& context) {
  std::vector<std::string> secrets;
  if (auto key = context.env().get(api_key_variable)) secrets.push_back(std::string(trim(*key)));
  if (auto entries = context.store().load_all()) {
    for (const auto& entry : *entries) {
      secrets.push_back(entry.credential.access_token);
      secrets.push_back(entry.credential.refresh_token);
      secrets.push_back(entry.credential.secret_ref);
    }
  }
  // Longest first, so that a secret holding another is removed whole.
  std::sort(secrets.begin(), secrets.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return secrets;
}

// Each line made safe, as a terminal might show the file: the config may hold anything.
std::string safe_lines(std::string_view text) {
  std::string safe;
  while (!text.empty()) {
    const auto end = text.find('\n');
    safe += terminal_safe(text.substr(0, end)) + "\n";
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return safe;
}

}  // namespace

std::string redact_secrets(std::string_view text, const std::vector<std::string>& known) {
  std::string result(text);
  for (const auto& secret : known) replace_all(result, secret);
  for (const auto& [pattern, replacement] : secret_patterns()) result = std::regex_replace(result, pattern, replacement);
  return result;
}

std::string support_report(Context& context, const std::vector<Check>& checks) {
  std::string report = "compozy doctor report, " + format_rfc3339(context.clock().now()) + "\n\n";
  report += "compozy " + std::string(version) + ", " + OpenSSL_version(OPENSSL_VERSION) + "\n";
  report += "system: " + operating_system() + "\n\n== checks ==\n";
  for (const auto& check : checks) {
    report += "[" + std::string(status_name(check.status)) + "] " + check.title + " -- " + check.detail + "\n";
    if (!check.fix.empty() && check.status != CheckStatus::pass) report += "    fix -- " + check.fix + "\n";
  }
  report += "\n== environment ==\n";
  report += std::string(api_key_variable) + (context.env().has(api_key_variable) ? " is set\n" : " is not set\n");
  for (const auto name : reported_variables) {
    if (auto value = context.env().get(name)) report += std::string(name) + "=" + *value + "\n";
  }
  report += "\n== " + context.config_file().string() + " ==\n" + file_section(context.config_file());
  report += "\n== " + context.store().file().string() + " ==\n" + file_section(context.store().file());
  report += "\n== last errors ==\n"
            "compozy keeps no log of errors or requests. The checks above are what it can tell; to show\n"
            "a failing command's requests, run it again with COMPOZY_DEBUG=1 (query values are redacted)\n"
            "and attach its standard error.\n";
  return safe_lines(redact_secrets(report, known_secrets(context)));
}

Result<void> write_support_report(const std::filesystem::path& path, std::string_view report) {
  return replace_file_atomically(path, report, 0600);
}

}  // namespace compozy
