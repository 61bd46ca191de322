#define BOOST_TEST_MODULE credential_helper_protocol
#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>

#include "compozy/credential_helper.hpp"

using namespace compozy;
using namespace compozy::credential_helper;

namespace {

Result<Request> read(const std::string& text, Action action) {
  std::istringstream input(text);
  return read_request(input, action);
}

std::string error_of(const std::string& text, Action action) {
  const auto request = read(text, action);
  BOOST_TEST_REQUIRE(!request.has_value());
  BOOST_TEST(static_cast<int>(request.error().code) == 2);
  return request.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(knows_the_four_actions) {
  BOOST_TEST((*parse_action("get") == Action::get));
  BOOST_TEST((*parse_action("store") == Action::store));
  BOOST_TEST((*parse_action("erase") == Action::erase));
  BOOST_TEST((*parse_action("list") == Action::list));
  for (const char* unknown : {"", "GET", "fetch", "get "}) {
    const auto action = parse_action(unknown);
    BOOST_TEST_REQUIRE(!action.has_value());
    BOOST_TEST(static_cast<int>(action.error().code) == 2);
    BOOST_TEST(action.error().message == "unknown action; expected get, store, erase or list");
  }
}

BOOST_AUTO_TEST_CASE(reads_a_store_request_and_ignores_unknown_fields) {
  const auto request = read(
      R"({"version":1,"reference":"Ab_9-z","profile":"work","host":"https://h","account":"ada","later":[1],)"
      R"("secrets":{"access_token":"at","refresh_token":"","kind":"x"}})",
      Action::store);
  BOOST_TEST_REQUIRE(request.has_value());
  BOOST_TEST(request->item.reference == "Ab_9-z");
  BOOST_TEST(request->item.profile == "work");
  BOOST_TEST(request->item.host == "https://h");
  BOOST_TEST(request->item.account == "ada");
  BOOST_TEST_REQUIRE(request->secrets.has_value());
  BOOST_TEST(request->secrets->access_token == "at");
  BOOST_TEST(request->secrets->refresh_token == "");
}

BOOST_AUTO_TEST_CASE(get_and_erase_need_only_the_reference_and_list_nothing) {
  const auto get = read(R"({"version":1,"reference":"r"})", Action::get);
  BOOST_TEST_REQUIRE(get.has_value());
  BOOST_TEST(get->item.reference == "r");
  BOOST_TEST(!get->secrets.has_value());
  BOOST_TEST(read(R"({"version":1,"reference":"r","profile":null})", Action::erase).has_value());
  BOOST_TEST(read(R"({"version":1})", Action::list).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_bad_requests_naming_what_is_wrong) {
  const std::string item = R"("reference":"r","profile":"p","host":"h","account":"a")";
  const struct {
    std::string text;
    Action action;
    std::string message;
  } cases[] = {
      {"", Action::list, "bad request: it is not JSON"},
      {"{", Action::list, "bad request: it is not JSON"},
      {"[]", Action::list, "bad request: it is not a JSON object"},
      {"{}", Action::list, "bad request: \"version\" is missing"},
      {R"({"version":"1"})", Action::list, "bad request: unsupported \"version\"; this helper speaks version 1"},
      {R"({"version":2})", Action::list, "bad request: unsupported \"version\"; this helper speaks version 1"},
      {R"({"version":1.5})", Action::list, "bad request: unsupported \"version\"; this helper speaks version 1"},
      {R"({"version":1})", Action::get, "bad request: \"reference\" is missing"},
      {R"({"version":1,"reference":7})", Action::get, "bad request: \"reference\" is not a string"},
      {R"({"version":1,"reference":""})", Action::get, "bad request: \"reference\" is not 1 to 64 of A-Z a-z 0-9 _ -"},
      {R"({"version":1,"reference":"a b"})", Action::erase,
       "bad request: \"reference\" is not 1 to 64 of A-Z a-z 0-9 _ -"},
      {R"({"version":1,"reference":")" + std::string(65, 'a') + "\"}", Action::get,
       "bad request: \"reference\" is not 1 to 64 of A-Z a-z 0-9 _ -"},
      {R"({"version":1,"reference":"r","host":"h","account":"a","secrets":{"access_token":"t"}})", Action::store,
       "bad request: \"profile\" is missing"},
      {R"({"version":1,)" + item + "}", Action::store, "bad request: \"secrets\" is missing or not an object"},
      {R"({"version":1,)" + item + R"(,"secrets":"t"})", Action::store,
       "bad request: \"secrets\" is missing or not an object"},
      {R"({"version":1,)" + item + R"(,"secrets":{"refresh_token":"r"}})", Action::store,
       "bad request: \"access_token\" is missing"},
      {R"({"version":1,)" + item + R"(,"secrets":{"access_token":""}})", Action::store,
       "bad request: \"secrets\": \"access_token\" is empty"},
      {R"({"version":1,)" + item + R"(,"secrets":{"access_token":"t","refresh_token":5}})", Action::store,
       "bad request: \"refresh_token\" is not a string"},
  };
  for (const auto& bad : cases) {
    BOOST_TEST_CONTEXT(bad.text) { BOOST_TEST(error_of(bad.text, bad.action) == bad.message); }
  }
}

BOOST_AUTO_TEST_CASE(takes_a_request_of_1_mib_and_refuses_one_byte_more) {
  const std::string head = R"({"version":1,"pad":")";
  const std::string tail = "\"}";
  const std::string fits = head + std::string(max_message_bytes - head.size() - tail.size(), 'x') + tail;
  BOOST_TEST(fits.size() == max_message_bytes);
  BOOST_TEST(read(fits, Action::list).has_value());
  const std::string too_large = head + std::string(max_message_bytes - head.size() - tail.size() + 1, 'x') + tail;
  BOOST_TEST(error_of(too_large, Action::list) == "bad request: it is larger than 1 MiB");
}

BOOST_AUTO_TEST_CASE(writes_the_replies) {
  BOOST_TEST(secrets_reply(std::nullopt) == "{\"secrets\":null,\"version\":1}\n");
  BOOST_TEST(secrets_reply(Secrets{"at", ""}) ==
             "{\"secrets\":{\"access_token\":\"at\",\"refresh_token\":\"\"},\"version\":1}\n");
  BOOST_TEST(done_reply() == "{\"version\":1}\n");
  BOOST_TEST(items_reply({}) == "{\"items\":[],\"version\":1}\n");
  BOOST_TEST(items_reply({{"r", "p", "h", "a"}}) ==
             "{\"items\":[{\"account\":\"a\",\"host\":\"h\",\"profile\":\"p\",\"reference\":\"r\"}],\"version\":1}\n");
}

BOOST_AUTO_TEST_CASE(the_keyring_value_round_trips_and_anything_else_is_not_ours) {
  const auto secrets = decode_secrets(encode_secrets({"at\"\n", "rt"}));
  BOOST_TEST_REQUIRE(secrets.has_value());
  BOOST_TEST(secrets->access_token == "at\"\n");
  BOOST_TEST(secrets->refresh_token == "rt");
  for (const char* foreign : {"", "hunter2", "[]", "{}", R"({"access_token":""})", R"({"access_token":1})"})
    BOOST_TEST(!decode_secrets(foreign).has_value(), foreign);
  const auto without_refresh = decode_secrets(R"({"access_token":"at"})");
  BOOST_TEST_REQUIRE(without_refresh.has_value());
  BOOST_TEST(without_refresh->refresh_token == "");
}
