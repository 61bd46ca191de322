#define BOOST_TEST_MODULE api_keys
#include <boost/test/unit_test.hpp>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/api_keys.hpp"
#include "compozy/api_request.hpp"
#include "compozy/credential_status.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;

namespace {

const std::string host = "https://cloud.example.com";
const std::string keys_url = host + "/api/v1/api-keys";
constexpr seconds day{86400};

json key_json(std::string id, std::string name) {
  return {{"id", id},
          {"name", name},
          {"prefix", "czk_ab12cd34"},
          {"scopes", {"read"}},
          {"environment", nullptr},
          {"created_at", "2026-11-01T00:00:00Z"},
          {"expires_at", nullptr},
          {"last_used_at", nullptr}};
}

ApiKey key_named(std::string id, std::string name) { return *api_key_from_json(key_json(std::move(id), std::move(name))); }

struct SignedIn {
  SignedIn() { BOOST_TEST_REQUIRE(command.store().save("default", signed_in_session(command, seconds(3000))).has_value()); }
  TestCommand command;
};

}  // namespace

// --- Reading the API's answers ------------------------------------------------

BOOST_AUTO_TEST_CASE(a_listing_is_read_and_its_text_made_safe_and_bounded) {
  json item = key_json("key_1", "ci\x1b[31m deploys");
  item["name"] = std::string("ci\x1b]0;owned\x07") + std::string(500, 'x');
  item["last_used_at"] = "2026-11-20T10:00:00Z";
  const auto keys = parse_api_key_list(json{{"api_keys", {item, key_json("key_2", "other")}}}.dump());
  BOOST_TEST_REQUIRE(keys.has_value());
  BOOST_TEST(keys->size() == 2U);
  const ApiKey& first = keys->front();
  BOOST_TEST(first.name.find('\x1b') == std::string::npos);
  BOOST_TEST(first.name.find('\x07') == std::string::npos);
  BOOST_TEST(first.name.size() <= 4 * 200U);  // 200 bytes, each at most "\x1b" once made safe
  BOOST_TEST(first.prefix == "czk_ab12cd34");
  BOOST_TEST(!first.never_used());
  BOOST_TEST((*keys)[1].never_used());
}

BOOST_AUTO_TEST_CASE(a_broken_listing_is_an_error_not_an_empty_list) {
  for (const char* body : {"", "[]", R"({"api_keys": {}})", R"({"api_keys": [{"name": "no id"}]})", "<html>"}) {
    BOOST_TEST(!parse_api_key_list(body).has_value(), body);
  }
  BOOST_TEST(parse_api_key_list(R"({"api_keys": []})")->empty());
}

BOOST_AUTO_TEST_CASE(a_new_key_must_hold_a_printable_secret) {
  json created = key_json("key_1", "ci");
  created["key"] = "czk_secret";
  BOOST_TEST(parse_new_api_key(created.dump())->secret == "czk_secret");
  for (const char* secret : {"", "czk_a\nb", "czk \x1b[2J"}) {
    created["key"] = secret;
    BOOST_TEST(!parse_new_api_key(created.dump()).has_value());
  }
  created.erase("key");
  BOOST_TEST(!parse_new_api_key(created.dump()).has_value());
}

// --- Naming a key -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_key_is_found_by_id_or_by_a_name_only_one_key_has) {
  const std::vector<ApiKey> keys = {key_named("key_1", "ci"), key_named("key_2", "twin"), key_named("key_3", "twin"),
                                    key_named("key_4", "key_1")};
  BOOST_TEST(find_api_key(keys, "key_2")->id == "key_2");
  BOOST_TEST(find_api_key(keys, "ci")->id == "key_1");
  BOOST_TEST(find_api_key(keys, "key_1")->id == "key_1");  // an ID wins over a name
  const auto twins = find_api_key(keys, "twin");
  BOOST_TEST_REQUIRE(!twins.has_value());
  BOOST_TEST(twins.error().message == "2 API keys are named 'twin': key_2, key_3");
  BOOST_TEST(twins.error().hint == "name the one you mean by its ID");
  std::vector<ApiKey> rotated = keys;
  rotated[1].replaced_by = "key_3";
  BOOST_TEST(find_api_key(rotated, "twin")->id == "key_3");  // the current one, not the one it replaced
  const auto none = find_api_key(keys, "nothing\x1b");
  BOOST_TEST_REQUIRE(!none.has_value());
  BOOST_TEST(none.error().message.find('\x1b') == std::string::npos);
}

// --- Options ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(scopes_are_given_repeated_or_with_commas_each_once) {
  BOOST_TEST(*parse_scope_options({"read", "write,keys:manage", "read"}) ==
             (std::vector<std::string>{"read", "write", "keys:manage"}));
  BOOST_TEST(parse_scope_options({})->empty());
  BOOST_TEST((parse_scope_options({","}).error().code == ExitCode::usage));
  BOOST_TEST((parse_scope_options({"re ad\x1b"}).error().code == ExitCode::usage));
}

BOOST_AUTO_TEST_CASE(durations_take_days_and_are_bounded) {
  BOOST_TEST(parse_duration("30d")->count() == 30 * 86400);
  BOOST_TEST(parse_duration("24h")->count() == 86400);
  BOOST_TEST(parse_duration("90m")->count() == 5400);
  BOOST_TEST(parse_duration("90")->count() == 90);
  for (const char* bad : {"", "d", "-1d", "1w", "1.5h", "99999999999999d", "36501000d"}) {
    BOOST_TEST(!parse_duration(bad).has_value(), bad);
  }
  BOOST_TEST(format_duration(day * 90) == "90d");
  BOOST_TEST(format_duration(seconds(5400)) == "90m");
  BOOST_TEST(format_duration(seconds(45)) == "45s");
}

// --- Hygiene ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(warnings_name_expiry_within_a_week_age_and_extra_scopes) {
  const TimePoint now = *parse_rfc3339("2026-12-01T00:00:00Z");
  ApiKey key = key_named("key_1", "ci");
  key.scopes = {"read", "write"};
  key.created_at = now - day * 10;
  key.expires_at = now + day * 3;
  const auto warnings = api_key_warnings(key, now, day * 90, std::vector<std::string>{"read"});
  BOOST_TEST_REQUIRE(warnings.size() == 2U);
  BOOST_TEST(warnings[0].starts_with("the API key 'ci' expires in 3 days (2026-12-04T00:00:00Z)"));
  BOOST_TEST(warnings[1] == "the API key 'ci' has scopes beyond the profile's api_key_scopes (read): write; use a key "
                            "with fewer");

  key.expires_at = now + day * 8;
  key.created_at = now - day * 91;
  const auto old = api_key_warnings(key, now, day * 90, std::nullopt);
  BOOST_TEST_REQUIRE(old.size() == 1U);
  BOOST_TEST(old[0].starts_with("the API key 'ci' is 91 days old, past api_key_rotation_age (90d)"));

  key.created_at = now - day * 89;
  BOOST_TEST(api_key_warnings(key, now, day * 90, std::vector<std::string>{"read", "write"}).empty());
}

BOOST_AUTO_TEST_CASE(the_rotation_age_comes_from_the_profile_then_the_file_then_90_days) {
  TestCommand command({.config_yaml = "api_key_rotation_age: 30d\nprofiles:\n  ci:\n    api_key_rotation_age: 7d\n"
                                      "    api_key_scopes: [read]\n"});
  const ConfigFile& config = command.context().config();
  BOOST_TEST(api_key_rotation_age(config, "ci").count() == 7 * 86400);
  BOOST_TEST(api_key_rotation_age(config, "default").count() == 30 * 86400);
  BOOST_TEST(api_key_rotation_age(ConfigFile{}, "default").count() == 90 * 86400);
  BOOST_TEST(*config.profiles.at("ci").api_key_scopes == std::vector<std::string>{"read"});
}

// --- Requests ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(create_posts_json_and_returns_the_secret_once) {
  SignedIn signed_in;
  TestCommand& command = signed_in.command;
  json created = key_json("key_1", "ci");
  created["key"] = "czk_secret";
  command.http.on("POST", keys_url, json_response(201, created));
  const auto key = create_api_key(command.context(), {.name = "ci", .scopes = {"read"}, .expires_in = day * 90});
  BOOST_TEST_REQUIRE(key.has_value());
  BOOST_TEST(key->secret == "czk_secret");
  const auto sent = command.http.requests_to("POST", keys_url);
  BOOST_TEST_REQUIRE(sent.size() == 1U);
  BOOST_TEST(json::parse(sent[0].body) == (json{{"name", "ci"}, {"scopes", {"read"}}, {"expires_in", 90 * 86400}}));
  BOOST_TEST(sent[0].content_type == "application/json");
}

BOOST_AUTO_TEST_CASE(a_403_insufficient_scope_names_the_scope_and_exits_1) {
  SignedIn signed_in;
  TestCommand& command = signed_in.command;
  command.http.on("GET", keys_url,
                  respond(403, R"({"error":"insufficient_scope"})",
                          {{"www-authenticate", "Bearer realm=\"x\", error=\"insufficient_scope\", "
                                                "scope=\"keys:manage\", error_description=\"a, b\""}}));
  const auto keys = list_api_keys(command.context());
  BOOST_TEST_REQUIRE(!keys.has_value());
  BOOST_TEST((keys.error().code == ExitCode::failure));
  BOOST_TEST(keys.error().message == "the credential lacks the scope 'keys:manage' that '" + keys_url + "' needs (HTTP 403)");
}

BOOST_AUTO_TEST_CASE(the_scope_of_a_challenge_is_read_only_from_insufficient_scope) {
  const auto challenge = [](std::string header) {
    return insufficient_scope(HttpResponse{403, {{"www-authenticate", std::move(header)}}, ""});
  };
  BOOST_TEST(*challenge(R"(Bearer error="insufficient_scope", scope="write")") == "write");
  BOOST_TEST(*challenge(R"(Bearer error_description="scope=\"no\"", error=insufficient_scope, scope=read)") == "read");
  BOOST_TEST(!challenge(R"(Bearer error="invalid_token", scope="write")").has_value());
  BOOST_TEST(challenge("Bearer error=\"insufficient_scope\", scope=\"a\x1b[2Jb\"")->find('\x1b') == std::string::npos);
  BOOST_TEST(!insufficient_scope(HttpResponse{401, {{"www-authenticate", R"(Bearer error="insufficient_scope")"}}, ""}));
}

BOOST_AUTO_TEST_CASE(list_json_flags_expired_and_never_used_keys) {
  const TimePoint now = *parse_rfc3339("2026-12-01T00:00:00Z");
  ApiKey expired = key_named("key_1", "old");
  expired.expires_at = now - day;
  expired.last_used_at = now - day * 2;
  const json document = api_keys_json(host, {expired, key_named("key_2", "new")}, now);
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["api_keys"][0]["expired"] == true);
  BOOST_TEST(document["api_keys"][0]["never_used"] == false);
  BOOST_TEST(document["api_keys"][1]["expired"] == false);
  BOOST_TEST(document["api_keys"][1]["never_used"] == true);
}
