// compozy-devcloud's command line: what each option sets, and the one-line error,
// with exit code 2, for what is wrong.
#define BOOST_TEST_MODULE devcloud_options
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "support/test_printers.hpp"

#include "devcloud/options.hpp"

using namespace compozy;
using namespace compozy::devcloud;
using namespace std::chrono_literals;

namespace {

Result<Options> parse(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "compozy-devcloud");
  std::vector<const char*> argv;
  for (const std::string& argument : arguments) argv.push_back(argument.c_str());
  return parse_options(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_defaults) {
  const auto options = parse({});
  BOOST_TEST_REQUIRE(options.has_value());
  BOOST_TEST(options->port == 0);
  BOOST_TEST(options->users == std::vector<std::string>{"developer@example.com"});
  BOOST_TEST(options->clients == std::vector<std::string>{"compozy-cli"});
  BOOST_TEST(!options->auto_approve);
  BOOST_TEST(options->access_token_ttl.count() == 3600);
  BOOST_TEST(options->refresh_token_ttl.count() == 2592000);
  BOOST_TEST(options->device_interval.count() == 5);
  BOOST_TEST(options->device_code_ttl.count() == 600);
  BOOST_TEST(options->refresh_reuse_interval.count() == 30);
  BOOST_TEST(options->max_sessions == 10000);
  BOOST_TEST(!options->state_file.has_value());
  BOOST_TEST(!options->signing_key_file.has_value());
  BOOST_TEST(options->public_host == "127.0.0.1");
  BOOST_TEST(!options->tls_cert.has_value());
  BOOST_TEST((options->discovery == Discovery::both));
  BOOST_TEST(options->compozy_api);
  BOOST_TEST(!options->help);
  BOOST_TEST(!options->version);
}

BOOST_AUTO_TEST_CASE(every_option_sets_its_value) {
  const auto options = parse({"--port",
                              "8080",
                              "--user",
                              "ada@example.com",
                              "--user",
                              "bob@example.com",
                              "--client",
                              "a",
                              "--client",
                              "b",
                              "--auto-approve",
                              "--access-token-ttl",
                              "1",
                              "--refresh-token-ttl",
                              "3",
                              "--device-interval",
                              "2",
                              "--device-code-ttl",
                              "30",
                              "--refresh-reuse-interval",
                              "0",
                              "--max-sessions",
                              "5",
                              "--state",
                              "state.json",
                              "--signing-key",
                              "key.pem",
                              "--public-host",
                              "devcloud.test",
                              "--tls-cert",
                              "cert.pem",
                              "--tls-key",
                              "key.pem",
                              "--discovery",
                              "openid",
                              "--without-compozy-api",
                              "--help",
                              "--version"});
  BOOST_TEST_REQUIRE(options.has_value(), (options ? "" : options.error().message));
  BOOST_TEST(options->port == 8080);
  BOOST_TEST(options->users == (std::vector<std::string>{"ada@example.com", "bob@example.com"}));
  BOOST_TEST(options->clients == (std::vector<std::string>{"a", "b"}));
  BOOST_TEST(options->auto_approve);
  BOOST_TEST(options->access_token_ttl.count() == 1);
  BOOST_TEST(options->refresh_token_ttl.count() == 3);
  BOOST_TEST(options->device_interval.count() == 2);
  BOOST_TEST(options->device_code_ttl.count() == 30);
  BOOST_TEST(options->refresh_reuse_interval.count() == 0);
  BOOST_TEST(options->max_sessions == 5);
  BOOST_TEST(options->state_file.value_or("").string() == "state.json");
  BOOST_TEST(options->signing_key_file.value_or("").string() == "key.pem");
  BOOST_TEST(options->public_host == "devcloud.test");
  BOOST_TEST(options->tls_cert.value_or("").string() == "cert.pem");
  BOOST_TEST(options->tls_key.value_or("").string() == "key.pem");
  BOOST_TEST((options->discovery == Discovery::openid));
  BOOST_TEST(!options->compozy_api);
  BOOST_TEST(options->help);
  BOOST_TEST(options->version);
}

BOOST_AUTO_TEST_CASE(faults_are_off_unless_asked_for) {
  const auto options = parse({});
  BOOST_TEST_REQUIRE(options.has_value());
  BOOST_TEST(options->faults.empty());
  BOOST_TEST(!options->faults_switchable);
}

// Specs hold commas, which must not split one --fault into several.
BOOST_AUTO_TEST_CASE(each_fault_option_is_one_whole_spec) {
  const auto options = parse({"--faults", "--fault", "status=503,retry-after=2,times=1", "--fault", "delay=3"});
  BOOST_TEST_REQUIRE(options.has_value(), (options ? "" : options.error().message));
  BOOST_TEST(options->faults_switchable);
  BOOST_TEST_REQUIRE(options->faults.size() == 2u);
  BOOST_TEST((options->faults[0].kind == FaultKind::status));
  BOOST_TEST(options->faults[0].retry_after == std::optional<int>(2));
  BOOST_TEST(options->faults[0].times == std::optional<int>(1));
  BOOST_TEST(options->faults[1].seconds == 3);
}

BOOST_AUTO_TEST_CASE(what_is_wrong_is_said_in_one_line) {
  const struct {
    std::vector<std::string> arguments;
    std::string message;
  } cases[] = {
      {{"--no-such-option"}, "unknown option '--no-such-option'"},
      {{"stray-argument"}, "unexpected argument 'stray-argument'"},
      {{"--port", "70000"}, "invalid value '70000' for --port: expected a whole number from 0 to 65535"},
      {{"--port", "8o"}, "invalid value '8o' for --port: expected a whole number from 0 to 65535"},
      {{"--access-token-ttl", "0"},
       "invalid value '0' for --access-token-ttl: expected a whole number from 1 to 316224000"},
      {{"--device-interval", "-1"},
       "invalid value '-1' for --device-interval: expected a whole number from 1 to 316224000"},
      {{"--refresh-reuse-interval", "-1"},
       "invalid value '-1' for --refresh-reuse-interval: expected a whole number from 0 to 3600"},
      {{"--max-sessions", "0"}, "invalid value '0' for --max-sessions: expected a whole number from 1 to 10000000"},
      {{"--user", "not-an-email"}, "invalid --user 'not-an-email': expected an e-mail address"},
      {{"--user", "a@example.com", "--user", "A@example.com"}, "--user 'A@example.com' is given twice"},
      {{"--client", "has space"}, "invalid --client 'has space': expected visible ASCII characters"},
      {{"--client", "a", "--client", "a"}, "--client 'a' is given twice"},
      {{"--state", ""}, "--state needs a file name"},
      {{"--signing-key", ""}, "--signing-key needs a file name"},
      {{"--tls-cert", "cert.pem"}, "--tls-cert needs --tls-key"},
      {{"--tls-key", "key.pem"}, "--tls-key needs --tls-cert"},
      {{"--public-host", "bad host"}, "invalid --public-host 'bad host': expected a host name or IP address"},
      {{"--discovery", "webfinger"}, "invalid --discovery 'webfinger': expected both, oauth or openid"},
      {{"--fault", "explode"},
       "invalid --fault: unknown fault 'explode'; expected one of delay, drop, status, html, malformed-json, "
       "truncated-json, wrong-types, missing, absurd, oversized, redirect, trickle"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.arguments.front()) {
      const auto options = parse(row.arguments);
      BOOST_TEST_REQUIRE(!options.has_value());
      BOOST_TEST(options.error().message == row.message);
      BOOST_TEST((options.error().code == ExitCode::usage));
    }
  }
}

BOOST_AUTO_TEST_CASE(the_usage_names_every_option) {
  for (const std::string option :
       {"--port", "--user", "--client", "--auto-approve", "--access-token-ttl", "--refresh-token-ttl",
        "--device-interval", "--device-code-ttl", "--refresh-reuse-interval", "--max-sessions", "--state",
        "--signing-key", "--public-host", "--tls-cert", "--tls-key", "--discovery", "--without-compozy-api",
        "--faults", "--fault", "--help", "--version"}) {
    BOOST_TEST(usage().find(option) != std::string_view::npos, option);
  }
}
