// compozy-devcloud's fault switches: the spec that names a fault, which requests
// it spoils and how often, what it makes of an answer, and /_faults. What only a
// socket shows (a delay, a dropped connection, a trickle) is in tests/e2e/faults.sh.
#define BOOST_TEST_MODULE devcloud_faults
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/test_printers.hpp"

#include "compozy/url.hpp"
#include "devcloud/authority.hpp"
#include "devcloud/fault_spec.hpp"
#include "devcloud/faults.hpp"
#include "devcloud/routes.hpp"

using namespace compozy;
using namespace compozy::devcloud;
using nlohmann::json;

namespace {

Fault parsed(const std::string& spec) {
  auto fault = parse_fault_spec(spec);
  BOOST_TEST_REQUIRE(fault.has_value(), spec + ": " + (fault ? "" : fault.error().message));
  return *fault;
}

const std::string token_answer =
    R"({"access_token":"at-1","token_type":"Bearer","expires_in":3600,"refresh_token":"rt-1","scope":"openid email"})";

}  // namespace

BOOST_AUTO_TEST_SUITE(spec)

BOOST_AUTO_TEST_CASE(every_fault_has_a_name_and_sensible_defaults) {
  BOOST_TEST(parsed("delay").seconds == 5);
  BOOST_TEST(parsed("delay=2").seconds == 2);
  BOOST_TEST(parsed("html").status == 502);
  BOOST_TEST(parsed("oversized").mebibytes == 20);
  BOOST_TEST(parsed("oversized=1").mebibytes == 1);
  BOOST_TEST(parsed("redirect").status == 302);
  BOOST_TEST(parsed("redirect").location == "http://127.0.0.1:9");
  BOOST_TEST(parsed("absurd").number == json(1e300));
  BOOST_TEST(parsed("missing").field == "");
  for (const std::string name : {"drop", "malformed-json", "truncated-json", "wrong-types", "trickle"}) {
    const Fault fault = parsed(name);
    BOOST_TEST(fault.name() == name);
    BOOST_TEST(fault.path == "");
    BOOST_TEST(!fault.times.has_value());
  }
}

BOOST_AUTO_TEST_CASE(arguments_and_settings_set_their_values) {
  const Fault status = parsed("status=503,retry-after=2,path=/oauth/token,times=3");
  BOOST_TEST((status.kind == FaultKind::status));
  BOOST_TEST(status.status == 503);
  BOOST_TEST(status.retry_after == std::optional<int>(2));
  BOOST_TEST(status.path == "/oauth/token");
  BOOST_TEST(status.times == std::optional<int>(3));
  BOOST_TEST(status.spec == "status=503,retry-after=2,path=/oauth/token,times=3");

  const Fault redirect = parsed("redirect=307,to=https://elsewhere.example:8443");
  BOOST_TEST(redirect.status == 307);
  BOOST_TEST(redirect.location == "https://elsewhere.example:8443");
  BOOST_TEST(parsed("missing=access_token").field == "access_token");
  BOOST_TEST(parsed("absurd=-5").number == json(-5));
  BOOST_TEST(parsed("absurd=9223372036854775807").number == json(INT64_MAX));
  BOOST_TEST(parsed("html=503,retry-after=0").retry_after == std::optional<int>(0));
}

BOOST_AUTO_TEST_CASE(what_is_wrong_is_said_in_one_line) {
  const struct {
    std::string spec;
    std::string message;
  } cases[] = {
      {"",
       "unknown fault ''; expected one of delay, drop, status, html, malformed-json, truncated-json, "
       "wrong-types, missing, absurd, oversized, redirect, trickle"},
      {"status", "the fault 'status' needs a status code, as in status=503"},
      {"status=200", "status '200' is not a whole number from 400 to 599"},
      {"delay=0", "delay '0' is not a whole number from 1 to 3600"},
      {"delay=1s", "delay '1s' is not a whole number from 1 to 3600"},
      {"oversized=2048", "oversized '2048' is not a whole number from 1 to 1024"},
      {"redirect=304", "redirect status '304' is not one of 301, 302, 303, 307 and 308"},
      {"redirect,to=ftp://x", "to 'ftp://x' is not an origin, as in http://host:port"},
      {"redirect,to=http://x/path", "to 'http://x/path' is not an origin, as in http://host:port"},
      {"absurd=many", "absurd 'many' is not a JSON number"},
      {"absurd=\"1\"", "absurd '\"1\"' is not a JSON number"},
      {"missing=", "missing '' is not a field name"},
      {"drop=1", "the fault 'drop' takes no argument"},
      {"drop,times=0", "times '0' is not a whole number from 1 to 1000000"},
      {"drop,times", "'times' is not a setting, as in times=2"},
      {"drop,times=1,times=2", "'times' is given twice"},
      {"drop,path=oauth", "path 'oauth' is not a path, nor a path prefix ending in '*'"},
      {"drop,path=/a*b", "path '/a*b' is not a path, nor a path prefix ending in '*'"},
      {"drop,retry-after=1", "the fault 'drop' has no setting 'retry-after'"},
      {"status=429,to=http://x", "the fault 'status' has no setting 'to'"},
      {"drop,colour=red", "the fault 'drop' has no setting 'colour'"},
      {"drop,path=/\x1b]0;x\x07", "path '/?]0;x?' is not a path, nor a path prefix ending in '*'"},
  };
  for (const auto& row : cases) {
    BOOST_TEST_CONTEXT(row.spec) {
      const auto fault = parse_fault_spec(row.spec);
      BOOST_TEST_REQUIRE(!fault.has_value());
      BOOST_TEST(fault.error().message == row.message);
      BOOST_TEST((fault.error().code == ExitCode::usage));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_fault_applies_to_its_path_its_prefix_or_every_path) {
  BOOST_TEST(parsed("drop").applies_to("/anything"));
  BOOST_TEST(parsed("drop,path=/oauth/token").applies_to("/oauth/token"));
  BOOST_TEST(!parsed("drop,path=/oauth/token").applies_to("/oauth/tokens"));
  BOOST_TEST(parsed("drop,path=/.well-known/*").applies_to("/.well-known/openid-configuration"));
  BOOST_TEST(!parsed("drop,path=/.well-known/*").applies_to("/oauth/token"));
}

// A replacing fault keeps the route from running, so that no code or refresh token is spent.
BOOST_AUTO_TEST_CASE(status_pages_and_junk_replace_the_answer_the_others_spoil_it) {
  for (const std::string spec : {"status=500", "html", "malformed-json", "oversized", "redirect"}) {
    BOOST_TEST(parsed(spec).replaces_answer(), spec);
  }
  for (const std::string spec : {"delay", "drop", "truncated-json", "wrong-types", "missing", "absurd", "trickle"}) {
    BOOST_TEST(!parsed(spec).replaces_answer(), spec);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(switch_board)

BOOST_AUTO_TEST_CASE(a_fault_spoils_as_many_requests_as_it_was_given) {
  FaultSwitch faults;
  faults.add(parsed("status=503,times=2,path=/oauth/token"));
  BOOST_TEST(!faults.take("/oauth/userinfo").has_value());
  BOOST_TEST(faults.describe().dump() ==
             R"({"faults":[{"remaining":2,"spec":"status=503,times=2,path=/oauth/token"}]})");
  BOOST_TEST(faults.take("/oauth/token").has_value());
  BOOST_TEST(faults.take("/oauth/token").has_value());
  BOOST_TEST(!faults.take("/oauth/token").has_value());
  BOOST_TEST(faults.describe().dump() == R"({"faults":[]})");
}

BOOST_AUTO_TEST_CASE(the_first_fault_added_wins_until_cleared) {
  FaultSwitch faults;
  faults.add(parsed("drop,path=/oauth/token"));
  faults.add(parsed("trickle"));
  BOOST_TEST(faults.take("/oauth/token")->name() == "drop");
  BOOST_TEST(faults.take("/oauth/userinfo")->name() == "trickle");
  BOOST_TEST(faults.take("/oauth/token")->name() == "drop");
  BOOST_TEST(faults.describe()["faults"][1]["remaining"].is_null());
  faults.clear();
  BOOST_TEST(!faults.take("/oauth/token").has_value());
}

BOOST_AUTO_TEST_CASE(a_stop_ends_every_pause_at_once) {
  FaultSwitch faults;
  BOOST_TEST(faults.pause(std::chrono::milliseconds(1)));
  faults.stop();
  BOOST_TEST(!faults.pause(std::chrono::hours(1)));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(answers)

BOOST_AUTO_TEST_CASE(truncated_json_is_the_first_half) {
  BOOST_TEST(rewrite_json_body(parsed("truncated-json"), "{\"a\":\"bc\"}") == "{\"a\":");
  BOOST_TEST(json::parse(rewrite_json_body(parsed("truncated-json"), token_answer), nullptr, false).is_discarded());
}

BOOST_AUTO_TEST_CASE(wrong_types_turn_strings_into_numbers_and_numbers_into_strings) {
  const json spoiled = json::parse(rewrite_json_body(parsed("wrong-types"), token_answer));
  BOOST_TEST(spoiled.at("access_token").is_number());
  BOOST_TEST(spoiled.at("token_type").is_number());
  BOOST_TEST(spoiled.at("expires_in") == "3600");
  const json nested =
      json::parse(rewrite_json_body(parsed("wrong-types"), R"({"sessions":[{"id":"s1","current":true}]})"));
  BOOST_TEST(nested.at("sessions").at(0).at("id").is_number());
  BOOST_TEST(nested.at("sessions").at(0).at("current") == "true");
}

BOOST_AUTO_TEST_CASE(missing_takes_one_field_or_all_of_them) {
  const json without_token = json::parse(rewrite_json_body(parsed("missing=access_token"), token_answer));
  BOOST_TEST(!without_token.contains("access_token"));
  BOOST_TEST(without_token.at("refresh_token") == "rt-1");
  BOOST_TEST(rewrite_json_body(parsed("missing"), token_answer) == "{}");
  BOOST_TEST(rewrite_json_body(parsed("missing"), "[1,2]") == "[]");
}

BOOST_AUTO_TEST_CASE(absurd_replaces_every_number_however_deep) {
  const json huge = json::parse(rewrite_json_body(parsed("absurd"), token_answer));
  BOOST_TEST(huge.at("expires_in") == json(1e300));
  BOOST_TEST(huge.at("access_token") == "at-1");
  const json negative = json::parse(rewrite_json_body(parsed("absurd=-5"), R"({"a":[1,{"b":2.5}],"c":"3"})"));
  BOOST_TEST(negative.dump() == R"({"a":[-5,{"b":-5}],"c":"3"})");
  BOOST_TEST(rewrite_json_body(parsed("absurd=9223372036854775807"), R"({"expires_in":1})") ==
             R"({"expires_in":9223372036854775807})");
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_are_left_alone) {
  for (const std::string spec : {"wrong-types", "missing", "absurd"}) {
    BOOST_TEST(rewrite_json_body(parsed(spec), "<html>page</html>") == "<html>page</html>", spec);
    BOOST_TEST(rewrite_json_body(parsed(spec), "") == "", spec);
  }
}

BOOST_AUTO_TEST_CASE(the_junk_is_what_it_claims_to_be) {
  BOOST_TEST(json::parse(malformed_json_body(), nullptr, false).is_discarded());
  BOOST_TEST(html_error_page(502).find("<title>502 Bad Gateway</title>") != std::string::npos);
  BOOST_TEST(html_error_page(503).find("<h1>503 Service Temporarily Unavailable</h1>") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(endpoint)

namespace {

// /_faults through the Router, as devcloud --faults serves it.
class FaultRoutes {
 public:
  FaultRoutes() {
    Options options;
    options.users = {"ada@example.com"};
    options.clients = {"compozy-cli"};
    options.faults_switchable = true;
    auto opened = Authority::open(options);
    BOOST_TEST_REQUIRE(opened.has_value(), (opened ? "" : opened.error().message));
    authority_ = std::move(*opened);
    authority_->set_issuer("http://127.0.0.1:8000");
    add_fault_routes(router_, faults_, *authority_);
  }

  httplib::Response call(const std::string& method, const std::string& body = {},
                         const std::string& from = "127.0.0.1") {
    httplib::Request request;
    request.method = method;
    request.target = request.path = "/_faults";
    request.remote_addr = from;
    if (!body.empty()) request.headers.emplace("Content-Type", "application/x-www-form-urlencoded");
    httplib::Response response;
    Exchange exchange{request, response, body, {}, {}};
    router_.dispatch(exchange);
    return response;
  }

  FaultSwitch faults_;

 private:
  std::unique_ptr<Authority> authority_;
  Router router_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(post_adds_get_lists_and_delete_clears) {
  FaultRoutes routes;
  const auto added = routes.call("POST", "fault=" + percent_encode("status=503,times=1"));
  BOOST_TEST(added.status == 200);
  BOOST_TEST(json::parse(added.body)["faults"][0]["spec"] == "status=503,times=1");
  BOOST_TEST(json::parse(routes.call("GET").body)["faults"].size() == 1u);
  BOOST_TEST(routes.faults_.take("/oauth/token").has_value());
  routes.call("POST", "fault=drop");
  BOOST_TEST(routes.call("DELETE").status == 200);
  BOOST_TEST(json::parse(routes.call("GET").body)["faults"].empty());
}

BOOST_AUTO_TEST_CASE(a_bad_spec_or_form_is_a_400_that_says_why) {
  FaultRoutes routes;
  const auto bad = routes.call("POST", "fault=explode");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(json::parse(bad.body)["error_description"].get<std::string>().starts_with("unknown fault 'explode'"));
  BOOST_TEST(routes.call("POST", "fault=drop&times=2").status == 400);
  BOOST_TEST(routes.call("POST", "spec=drop").status == 400);
}

BOOST_AUTO_TEST_CASE(only_this_machine_may_switch_faults) {
  FaultRoutes routes;
  for (const std::string method : {"GET", "POST", "DELETE"}) {
    BOOST_TEST(routes.call(method, method == "POST" ? "fault=drop" : "", "192.0.2.7").status == 403, method);
  }
  BOOST_TEST(!routes.faults_.take("/").has_value());
  BOOST_TEST(routes.call("GET", {}, "::1").status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
