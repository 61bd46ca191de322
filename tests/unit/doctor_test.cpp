#define BOOST_TEST_MODULE doctor
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/doctor.hpp"
#include "compozy/support_report.hpp"

using namespace compozy;
using namespace compozy::testing;
using std::chrono::seconds;

namespace {

const std::string host = "https://cloud.example.com";
const std::string metadata_url = host + "/.well-known/oauth-authorization-server";

// A network that answers as each test says; every step works unless told otherwise.
class FakeProbe final : public NetworkProbe {
 public:
  Result<std::vector<std::string>> resolve(const std::string&, std::chrono::milliseconds) override {
    if (dns_fails) return fail({.message = "cannot resolve", .kind = Error::Kind::unreachable});
    return std::vector<std::string>{"192.0.2.1"};
  }
  Result<void> connect(const std::string&, int, std::chrono::milliseconds) override {
    ++connects;
    if (tcp_fails) return fail({.message = "cannot connect: Connection refused", .kind = Error::Kind::unreachable});
    return {};
  }
  Result<TlsFacts> handshake(const std::string&, int, const std::string&, int, std::chrono::milliseconds) override {
    ++handshakes;
    return tls;
  }
  bool dns_fails = false;
  bool tcp_fails = false;
  int connects = 0;
  int handshakes = 0;
  TlsFacts tls{.version = "TLSv1.3", .subject = "cloud.example.com", .issuer = "R11", .root = "ISRG Root X1",
               .verified = true, .verify_error = {}, .trust_from_environment = false, .verified_by_system = true,
               .locally_added_root = {}};
};

std::string http_date_of(TimePoint time) {
  const std::time_t seconds = WallClock::to_time_t(time);
  std::tm parts{};
  ::gmtime_r(&seconds, &parts);
  char text[40] = {};
  std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
  return text;
}

void serve_metadata(TestCommand& command, nlohmann::json document, seconds skew = seconds(0)) {
  command.http.on("GET", metadata_url,
                  respond(200, document.dump(), {{"content-type", "application/json"},
                                                 {"date", http_date_of(command.clock.now() + skew)}}));
}

nlohmann::json metadata_naming(const std::string& issuer) {
  return {{"issuer", issuer}, {"userinfo_endpoint", host + "/oauth/userinfo"}, {"token_endpoint", host + "/oauth/token"},
          {"authorization_endpoint", host + "/oauth/authorize"}};
}

const Check& find(const std::vector<Check>& checks, std::string_view id) {
  for (const auto& check : checks) {
    if (check.id == id) return check;
  }
  throw std::runtime_error("no check " + std::string(id));
}

std::vector<Check> network(TestCommand& command, FakeProbe& probe) {
  return check_network(command.context(), probe, std::chrono::milliseconds(1000)).checks;
}

bool never_writable(const std::string&) { return false; }
bool tmp_writable(const std::string& folder) { return folder == "/tmp"; }

}  // namespace

BOOST_AUTO_TEST_CASE(a_healthy_setup_passes_every_network_check) {
  TestCommand command;
  FakeProbe probe;
  serve_metadata(command, metadata_naming(host));
  command.store().save("default", signed_in_session(command, seconds(3000)));
  command.http.on("GET", host + "/oauth/userinfo", json_response(200, {{"sub", "usr_1"}, {"email", "ada@example.com"}}));
  const auto checks = network(command, probe);
  for (const auto& check : checks) BOOST_TEST(status_name(check.status) == "pass", check.id << ": " << check.detail);
  BOOST_TEST(find(checks, "credential").detail == "the stored session works, as ada@example.com");
}

BOOST_AUTO_TEST_CASE(dns_down_leaves_the_later_checks_unchecked_without_trying_them) {
  TestCommand command;
  FakeProbe probe;
  probe.dns_fails = true;
  const auto checks = network(command, probe);
  BOOST_TEST(status_name(find(checks, "dns").status) == "fail");
  for (const char* id : {"tcp", "tls", "metadata", "clock", "credential"}) {
    BOOST_TEST(status_name(find(checks, id).status) == "skipped");
    BOOST_TEST(find(checks, id).detail == "could not check: DNS failed");
  }
  BOOST_TEST(probe.connects == 0);
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_refused_connection_fails_tcp_and_skips_tls) {
  TestCommand command;
  FakeProbe probe;
  probe.tcp_fails = true;
  const auto checks = network(command, probe);
  BOOST_TEST(find(checks, "tcp").detail == "cloud.example.com:443: cannot connect: Connection refused");
  BOOST_TEST(status_name(find(checks, "tls").status) == "skipped");
  BOOST_TEST(probe.handshakes == 0);
}

BOOST_AUTO_TEST_CASE(an_untrusted_certificate_leaves_every_later_check_unchecked) {
  TestCommand command;
  FakeProbe probe;
  probe.tls.verified = false;
  probe.tls.verify_error = "self-signed certificate in certificate chain";
  const auto checks = network(command, probe);
  BOOST_TEST(status_name(find(checks, "tls").status) == "fail");
  for (const char* id : {"metadata", "clock", "credential"}) {
    BOOST_TEST(find(checks, id).detail == "could not check: TLS failed");
  }
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(tls_names_the_issuer_of_an_untrusted_certificate_as_interception) {
  TlsFacts facts{.version = "TLSv1.3", .subject = "cloud.example.com", .issuer = "Contoso Inspection CA", .root = {},
                 .verified = false, .verify_error = "unable to get local issuer certificate",
                 .trust_from_environment = false, .verified_by_system = false, .locally_added_root = {}};
  const Check check = judge_tls(facts, "cloud.example.com");
  BOOST_TEST(status_name(check.status) == "fail");
  BOOST_TEST(check.detail.find("issued by 'Contoso Inspection CA' is not trusted") != std::string::npos);
  BOOST_TEST(check.detail.find("intercepts TLS") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(tls_trusted_only_through_ssl_cert_file_is_a_warning_naming_the_root) {
  TlsFacts facts{.version = "TLSv1.3", .subject = "cloud.example.com", .issuer = "Proxy CA", .root = "Proxy CA",
                 .verified = true, .verify_error = {}, .trust_from_environment = true, .verified_by_system = false,
                 .locally_added_root = {}};
  const Check check = judge_tls(facts, "cloud.example.com");
  BOOST_TEST(status_name(check.status) == "warn");
  BOOST_TEST(check.detail.find("trusted only through SSL_CERT_FILE/SSL_CERT_DIR (root 'Proxy CA')") != std::string::npos);
  facts.verified_by_system = true;
  BOOST_TEST(status_name(judge_tls(facts, "cloud.example.com").status) == "pass");
}

BOOST_AUTO_TEST_CASE(tls_through_a_locally_added_root_is_a_warning_naming_the_file) {
  TlsFacts facts{.version = "TLSv1.2", .subject = "cloud.example.com", .issuer = "Corp CA", .root = "Corp CA",
                 .verified = true, .verify_error = {}, .trust_from_environment = false, .verified_by_system = true,
                 .locally_added_root = "/usr/local/share/ca-certificates/corp.crt"};
  const Check check = judge_tls(facts, "cloud.example.com");
  BOOST_TEST(status_name(check.status) == "warn");
  BOOST_TEST(check.fix.find("/usr/local/share/ca-certificates/corp.crt") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(clock_skew_passes_warns_and_fails_at_30_seconds_and_5_minutes) {
  const TimePoint now = from_unix_seconds(1'800'000'000);
  const auto judge = [&](long skew) {
    return status_name(judge_clock(http_date_of(now + seconds(skew)), now).status);
  };
  BOOST_TEST(judge(0) == "pass");
  BOOST_TEST(judge(30) == "pass");
  BOOST_TEST(judge(-31) == "warn");
  BOOST_TEST(judge(300) == "warn");
  BOOST_TEST(judge(301) == "fail");
  BOOST_TEST(judge(-3600) == "fail");
  BOOST_TEST(judge_clock(http_date_of(now + seconds(600)), now).detail.starts_with("this machine's clock is 600 seconds behind the server's"));
  BOOST_TEST(status_name(judge_clock(std::nullopt, now).status) == "skipped");
  BOOST_TEST(status_name(judge_clock("yesterday", now).status) == "skipped");
}

BOOST_AUTO_TEST_CASE(metadata_without_an_issuer_or_with_another_fails) {
  for (const auto& [document, expected] :
       std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"token_endpoint", host + "/oauth/token"}}, "names no issuer"},
           {metadata_naming("https://evil.example.com"), "names the issuer 'https://evil.example.com', not"}}) {
    TestCommand command;
    FakeProbe probe;
    serve_metadata(command, document);
    const Check check = find(network(command, probe), "metadata");
    BOOST_TEST(status_name(check.status) == "fail");
    BOOST_TEST(check.detail.find(expected) != std::string::npos, check.detail);
  }
}

BOOST_AUTO_TEST_CASE(an_expired_session_is_reported_refreshable_and_never_refreshed) {
  TestCommand command;
  FakeProbe probe;
  serve_metadata(command, metadata_naming(host));
  command.store().save("default", signed_in_session(command, seconds(-10)));
  const Check check = find(network(command, probe), "credential");
  BOOST_TEST(status_name(check.status) == "warn");
  BOOST_TEST(check.detail.find("doctor changes nothing") != std::string::npos);
  for (const auto& request : command.http.requests()) BOOST_TEST(request.url != host + "/oauth/token");
}

BOOST_AUTO_TEST_CASE(a_rejected_credential_fails_with_the_login_command) {
  TestCommand command;
  FakeProbe probe;
  serve_metadata(command, metadata_naming(host));
  command.store().save("default", signed_in_session(command, seconds(3000)));
  command.http.on("GET", host + "/oauth/userinfo", json_response(401, {{"error", "invalid_token"}}));
  const Check check = find(network(command, probe), "credential");
  BOOST_TEST(status_name(check.status) == "fail");
  BOOST_TEST(check.fix == "run `compozy login`");
}

BOOST_AUTO_TEST_CASE(not_signed_in_is_a_warning) {
  TestCommand command;
  FakeProbe probe;
  serve_metadata(command, metadata_naming(host));
  const Check check = find(network(command, probe), "credential");
  BOOST_TEST(status_name(check.status) == "warn");
  BOOST_TEST(check.detail == "not signed in to https://cloud.example.com");
}

BOOST_AUTO_TEST_CASE(a_config_with_an_unknown_key_warns_and_a_broken_one_fails_naming_the_line) {
  TestCommand warned({.config_yaml = "profiles:\n  default:\n    hots: https://x.example.com\n"});
  BOOST_TEST(status_name(check_config(warned.context()).status) == "warn");
  TestCommand fine;
  BOOST_TEST(status_name(check_config(fine.context()).status) == "pass");
  fine.folder.write("config.yaml", "profiles: [\n");
  const Check broken = check_config(fine.context());
  BOOST_TEST(status_name(broken.status) == "fail");
  BOOST_TEST(broken.detail.find("line") != std::string::npos, broken.detail);
}

BOOST_AUTO_TEST_CASE(the_profile_check_says_where_profile_and_host_came_from) {
  TestCommand command({.environment = {{"COMPOZY_PROFILE", "work"}}});
  const Check check = check_profile(command.context());
  BOOST_TEST(check.detail == "profile 'work' (from COMPOZY_PROFILE), host https://cloud.example.com (from config.yaml)");
}

BOOST_AUTO_TEST_CASE(a_credentials_file_others_can_read_fails_with_the_chmod) {
  TestCommand command;
  BOOST_TEST(status_name(check_credential_store(command.context()).status) == "pass");
  command.store().save("default", signed_in_session(command, seconds(3000)));
  ::chmod(command.store().file().c_str(), 0644);
  const Check check = check_credential_store(command.context());
  BOOST_TEST(status_name(check.status) == "fail");
  BOOST_TEST(check.fix == "chmod 600 " + command.store().file().string());
}

BOOST_AUTO_TEST_CASE(the_file_store_chosen_by_name_needs_no_helper) {
  TestCommand command({.environment = {{"COMPOZY_CREDENTIAL_STORE", "file"}, {"PATH", "/nonexistent"}}});
  BOOST_TEST(status_name(check_credential_store(command.context()).status) == "pass");
}

BOOST_AUTO_TEST_CASE(a_credential_store_that_is_not_installed_fails) {
  TestCommand command({.environment = {{"COMPOZY_CREDENTIAL_STORE", "no-such-vault"}, {"PATH", "/nonexistent"}}});
  const Check check = check_credential_store(command.context());
  BOOST_TEST(status_name(check.status) == "fail");
  BOOST_TEST(check.detail.find("no-such-vault") != std::string::npos, check.detail);
}

BOOST_AUTO_TEST_CASE(the_api_key_check_reads_its_shape_and_what_it_shadows) {
  TestCommand unset;
  BOOST_TEST(status_name(check_api_key(unset.context()).status) == "pass");
  TestCommand good({.environment = {{"FLYZT_API_KEY", "czk_" + std::string(43, 'a')}}});
  BOOST_TEST(status_name(check_api_key(good.context()).status) == "pass");
  TestCommand odd({.environment = {{"FLYZT_API_KEY", "eyJhbGciOi.x.y"}}});
  BOOST_TEST(check_api_key(odd.context()).detail == "set, but it does not look like a Compozy API key (czk_…)");
  TestCommand shadowing({.environment = {{"FLYZT_API_KEY", "czk_" + std::string(43, 'a')}}});
  shadowing.store().save("default", signed_in_session(shadowing, seconds(3000)));
  BOOST_TEST(check_api_key(shadowing.context()).detail.find("shadows the stored credential") != std::string::npos);
  TestCommand broken({.environment = {{"FLYZT_API_KEY", "czk_a\x1b[2J"}}});
  BOOST_TEST(status_name(check_api_key(broken.context()).status) == "fail");
}

BOOST_AUTO_TEST_CASE(the_proxy_check_names_the_proxy_and_no_proxy) {
  TestCommand through({.environment = {{"HTTPS_PROXY", "http://user:pw@proxy.example.com:3128"}}});
  BOOST_TEST(check_proxy(through.context()).detail == "through http://proxy.example.com:3128 (HTTPS_PROXY)");
  TestCommand bypassed({.environment = {{"HTTPS_PROXY", "http://proxy.example.com:3128"}, {"NO_PROXY", ".example.com"}}});
  BOOST_TEST(check_proxy(bypassed.context()).detail == "none: NO_PROXY names cloud.example.com");
  TestCommand broken({.environment = {{"HTTPS_PROXY", "socks5://proxy.example.com"}}});
  BOOST_TEST(status_name(check_proxy(broken.context()).status) == "fail");
}

BOOST_AUTO_TEST_CASE(the_plugin_check_fails_on_a_world_writable_folder_and_warns_on_shadowing) {
  PluginFindings findings{.runnable = 3, .warnings = {}, .search_folders = {"/usr/libexec/compozy", "/tmp"}};
  BOOST_TEST(status_name(check_plugins(findings, never_writable).status) == "pass");
  BOOST_TEST(status_name(check_plugins(findings, tmp_writable).status) == "fail");
  findings.warnings = {"/home/a/bin/compozy-login overrides the core command 'login'"};
  BOOST_TEST(status_name(check_plugins(findings, never_writable).status) == "warn");
}

BOOST_AUTO_TEST_CASE(redaction_removes_every_kind_of_secret) {
  const std::string text =
      "access_token: at-secret-1\n"
      "  \"refresh_token\": \"rt-secret-2\",\n"
      "Authorization: Bearer abc.def.ghi\n"
      "Cookie: session=s3cr3t\n"
      "HTTPS_PROXY=http://user:hunter22@proxy:3128\n"
      "url https://x/cb?code=c0de&state=st4te\n"
      "jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\n"
      "key czk_abcdefghijklmnop\n"
      "client_secret=topsecret\n"
      "plain known-value-9 in a sentence\n"
      "host: https://cloud.example.com\n";
  const std::string redacted = redact_secrets(text, {"known-value-9"});
  for (const char* secret : {"at-secret-1", "rt-secret-2", "abc.def.ghi", "s3cr3t", "hunter22", "c0de", "st4te",
                             "eyJhbGciOiJSUzI1NiJ9", "czk_abcdefghijklmnop", "topsecret", "known-value-9"}) {
    BOOST_TEST(redacted.find(secret) == std::string::npos, secret << " survived in:\n" << redacted);
  }
  BOOST_TEST(redacted.find("host: https://cloud.example.com") != std::string::npos);
  // A field already redacted stays whole; an endpoint's URL is no secret, and the next line is its own.
  const std::string yaml = "access_token: at-9\ntoken_endpoint: https://x/oauth/token\nrevocation_endpoint: https://x/r\n";
  BOOST_TEST(redact_secrets(yaml, {"at-9"}) ==
             "access_token: [redacted]\ntoken_endpoint: https://x/oauth/token\nrevocation_endpoint: https://x/r\n");
}

BOOST_AUTO_TEST_CASE(the_json_document_is_versioned_with_one_object_per_check) {
  const std::vector<Check> checks{{"clock", CheckStatus::warn, "clock", "40 seconds ahead", "fix it"},
                                  {"dns", CheckStatus::pass, "DNS", "ok", ""}};
  const auto document = checks_json(checks);
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["ok"] == true);
  BOOST_TEST(document["checks"][0]["status"] == "warn");
  BOOST_TEST(document["checks"][1]["fix"].is_null());
  BOOST_TEST(any_failed({{"x", CheckStatus::fail, "x", "", ""}}));
}
