#define BOOST_TEST_MODULE api
#include <boost/test/unit_test.hpp>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/api_request.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;

namespace {

const std::string host = "https://cloud.example.com";
const std::string me_url = host + "/api/v1/me";
const std::string token_url = host + "/oauth/token";

// A signed-in command whose stdout is a terminal or a pipe.
struct SignedIn {
  explicit SignedIn(bool terminal = false, TestSettings settings = {}) : command([&] {
    settings.terminal.stdout_is_terminal = terminal;
    return settings;
  }()) {
    BOOST_TEST_REQUIRE(command.store().save("default", signed_in_session(command, seconds(3000))).has_value());
  }
  TestCommand command;
};

HttpRequest built(const ApiCall& call, std::optional<std::string> body = std::nullopt) {
  auto request = build_api_request(call, host, std::move(body));
  BOOST_TEST_REQUIRE(request.has_value(), (request ? "" : request.error().message));
  return *request;
}

ExitCode exit_code(const Result<void>& result) { return result ? ExitCode::ok : result.error().code; }

}  // namespace

// --- Where the request goes --------------------------------------------------

BOOST_AUTO_TEST_CASE(a_path_goes_after_the_profiles_host_and_its_own_path) {
  BOOST_TEST(api_url(host, "/api/v1/me")->str() == me_url);
  BOOST_TEST(api_url(host, "api/v1/me")->str() == me_url);
  BOOST_TEST(api_url(host, "/api/v1/sessions?limit=5")->str() == host + "/api/v1/sessions?limit=5");
  BOOST_TEST(api_url("https://compozy.example/tenant", "/api/v1/me")->str() ==
             "https://compozy.example/tenant/api/v1/me");
  // What only looks like another host is a path on this one.
  BOOST_TEST(api_url(host, "//evil.example/x")->origin() == host);
  BOOST_TEST(api_url(host, "a?next=https://evil.example/")->origin() == host);
}

BOOST_AUTO_TEST_CASE(a_url_is_accepted_only_on_the_origin_of_the_profiles_host) {
  BOOST_TEST(api_url(host, me_url)->str() == me_url);
  BOOST_TEST(api_url(host, "HTTPS://Cloud.Example.com:443/api/v1/me")->str() == me_url);
  const struct {
    const char* target;
    const char* message;
  } refused[] = {
      {"https://evil.example/api/v1/me",
       "refusing to send the credential for 'https://cloud.example.com' to 'https://evil.example'"},
      {"http://cloud.example.com/api/v1/me",
       "refusing to send the credential for 'https://cloud.example.com' to 'http://cloud.example.com'"},
      {"https://cloud.example.com:8443/x",
       "refusing to send the credential for 'https://cloud.example.com' to 'https://cloud.example.com:8443'"},
      {"https://cloud.example.com.evil.example/x",
       "refusing to send the credential for 'https://cloud.example.com' to 'https://cloud.example.com.evil.example'"},
      {"https://cloud.example.com@evil.example/x",
       "invalid URL 'https://cloud.example.com@evil.example/x': user information is not allowed"},
      {"ftp://cloud.example.com/x", "invalid URL 'ftp://cloud.example.com/x': expected http:// or https://"},
      {"/api/v1/a b", "the path '/api/v1/a b' holds spaces, control characters or non-ASCII characters"},
      {"/api/v1/me#top", "a fragment ('#…') is never sent to a server"},
      {"", "the path is empty; give one such as /api/v1/me"},
  };
  for (const auto& [target, message] : refused) {
    const auto url = api_url(host, target);
    BOOST_TEST_REQUIRE(!url.has_value(), target);
    BOOST_TEST(url.error().message == message);
    BOOST_TEST((url.error().code == ExitCode::usage), target);
  }
}

BOOST_AUTO_TEST_CASE(another_origin_is_refused_before_any_refresh_or_request) {
  TestCommand command;
  // Even a token that needs refreshing first: nothing at all goes out.
  BOOST_TEST_REQUIRE(command.store().save("default", signed_in_session(command, seconds(5))).has_value());
  const auto result = call_api({.target = "https://evil.example/api/v1/me"}, command.context());
  BOOST_TEST((exit_code(result) == ExitCode::usage));
  BOOST_TEST(command.http.requests().empty());
  BOOST_TEST(command.out().empty());
}

// --- What the request holds ---------------------------------------------------

BOOST_AUTO_TEST_CASE(fields_are_the_query_of_a_get_and_the_json_body_of_a_post) {
  const Params fields{{"name", "ci runner"}, {"limit", "5"}};
  const HttpRequest get = built({.target = "/api/v1/keys", .method = "GET", .fields = fields});
  BOOST_TEST(get.method == "GET");
  BOOST_TEST(get.url == host + "/api/v1/keys?name=ci%20runner&limit=5");
  BOOST_TEST(get.body.empty());

  // With fields and no -X, the method is POST.
  const HttpRequest post = built({.target = "/api/v1/keys", .fields = fields});
  BOOST_TEST(post.method == "POST");
  BOOST_TEST(post.url == host + "/api/v1/keys");
  BOOST_TEST(json::parse(post.body) == (json{{"name", "ci runner"}, {"limit", "5"}}));
  BOOST_TEST(post.content_type == "application/json");

  for (const char* method : {"PUT", "PATCH"}) {
    const HttpRequest request = built({.target = "/x", .method = method, .fields = {{"a", "1"}}});
    BOOST_TEST(request.body == R"({"a":"1"})", method);
    BOOST_TEST(request.url == host + "/x", method);
  }
  const HttpRequest del = built({.target = "/x", .method = "DELETE", .fields = {{"a", "1"}}});
  BOOST_TEST(del.url == host + "/x?a=1");
  BOOST_TEST(del.body.empty());

  const HttpRequest plain = built({.target = "/api/v1/me"});
  BOOST_TEST(plain.method == "GET");
  BOOST_TEST(plain.url == me_url);
  BOOST_TEST(plain.headers.empty());
}

BOOST_AUTO_TEST_CASE(an_input_is_the_body_and_its_fields_go_to_the_query) {
  const HttpRequest request = built({.target = "/x", .fields = {{"dry_run", "1"}}}, R"({"a":[1]})");
  BOOST_TEST(request.method == "POST");
  BOOST_TEST(request.url == host + "/x?dry_run=1");
  BOOST_TEST(request.body == R"({"a":[1]})");
  BOOST_TEST(request.content_type == "application/json");

  const HttpRequest typed =
      built({.target = "/x", .method = "PUT", .headers = {{"content-type", "text/plain"}, {"X-Trace", "1"}}}, "hi");
  BOOST_TEST(typed.content_type == "text/plain");
  BOOST_TEST_REQUIRE(typed.headers.size() == 1u);
  BOOST_TEST(typed.headers[0].first == "X-Trace");
}

BOOST_AUTO_TEST_CASE(the_input_file_is_read_and_a_missing_one_is_bad_usage) {
  SignedIn signed_in;
  TestCommand& command = signed_in.command;
  command.folder.write("body.json", R"({"name":"x"})");
  command.http.on("POST", host + "/api/v1/things", json_response(201, {{"id", "t1"}}));
  const auto sent = call_api({.target = "/api/v1/things", .input = (command.folder.path() / "body.json").string()},
                             command.context());
  BOOST_TEST(sent.has_value());
  BOOST_TEST_REQUIRE(command.http.requests().size() == 1u);
  BOOST_TEST(command.http.requests()[0].body == R"({"name":"x"})");

  const auto missing =
      call_api({.target = "/api/v1/things", .input = (command.folder.path() / "nope").string()}, command.context());
  BOOST_TEST((exit_code(missing) == ExitCode::usage));
  BOOST_TEST(missing.error().message == "reading '" + (command.folder.path() / "nope").string() + "': no such file");
  BOOST_TEST(command.http.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(fields_headers_and_methods_are_checked_as_they_are_parsed) {
  BOOST_TEST(*parse_method("patch") == "PATCH");
  BOOST_TEST(parse_method("GET /x").error().message == "'GET /x' is not an HTTP method");
  BOOST_TEST(parse_method("").error().message == "'' is not an HTTP method");

  BOOST_TEST((*parse_field("q=a=b") == std::pair<std::string, std::string>{"q", "a=b"}));
  BOOST_TEST((*parse_field("empty=") == std::pair<std::string, std::string>{"empty", ""}));
  BOOST_TEST(parse_field("novalue").error().message == "the field 'novalue' is not key=value");
  BOOST_TEST(parse_field("=x").error().message == "the field '=x' is not key=value");

  BOOST_TEST((*parse_header("Accept:  application/vnd.compozy+json ") ==
              Header{"Accept", "application/vnd.compozy+json"}));
  BOOST_TEST((*parse_header("X-Empty:") == Header{"X-Empty", ""}));
  const struct {
    const char* text;
    const char* message;
  } refused[] = {
      {"Accept", "the header 'Accept' is not 'Name: value'"},
      {"Bad Name: x", "the header 'Bad Name: x' is not 'Name: value'"},
      {"X-Evil: a\r\nHost: evil.example", "the header 'X-Evil' holds a line break or another control character"},
      {"X-Evil: a\nb", "the header 'X-Evil' holds a line break or another control character"},
      {"Authorization: Bearer mine",
       "refusing to set the Authorization header: compozy api sends the profile's credential"},
      {"authorization:x", "refusing to set the Authorization header: compozy api sends the profile's credential"},
  };
  for (const auto& [text, message] : refused) {
    const auto header = parse_header(text);
    BOOST_TEST_REQUIRE(!header.has_value(), text);
    BOOST_TEST(header.error().message == message);
    BOOST_TEST((header.error().code == ExitCode::usage), text);
  }
  const auto nul = parse_header(std::string_view("X: a\0b", 6));
  BOOST_TEST((!nul && nul.error().code == ExitCode::usage));
}

BOOST_AUTO_TEST_CASE(the_request_carries_a_fresh_token_and_the_headers_given) {
  TestCommand command;
  // Expiring within the margin: refreshed first, as every command does.
  BOOST_TEST_REQUIRE(command.store().save("default", signed_in_session(command, seconds(10))).has_value());
  command.http.on("POST", token_url,
                  json_response(200, {{"access_token", "at-2"}, {"token_type", "Bearer"}, {"refresh_token", "rt-2"},
                                       {"expires_in", 3600}}));
  command.http.on("GET", me_url, json_response(200, {{"email", "ada@example.com"}}));
  const auto result = call_api({.target = "/api/v1/me", .headers = {{"X-Trace", "t1"}}}, command.context());
  BOOST_TEST(result.has_value(), (result ? "" : result.error().message));
  const auto sent = command.http.requests_to("GET", me_url);
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  BOOST_TEST(header_value(sent[0], "Authorization") == "Bearer at-2");
  BOOST_TEST(header_value(sent[0], "X-Trace") == "t1");
  BOOST_TEST(command.out() == R"({"email":"ada@example.com"})");
  BOOST_TEST(command.out().find("at-2") == std::string::npos);
  BOOST_TEST(command.err().find("at-2") == std::string::npos);
}

// --- What it prints and how it exits ------------------------------------------

BOOST_AUTO_TEST_CASE(statuses_map_to_the_documented_exit_codes) {
  const struct {
    int status;
    ExitCode code;
    const char* message;
  } cases[] = {
      {200, ExitCode::ok, ""},
      {204, ExitCode::ok, ""},
      {404, ExitCode::failure, "'https://cloud.example.com/api/v1/me' answered HTTP 404"},
      {403, ExitCode::failure, "'https://cloud.example.com/api/v1/me' answered HTTP 403"},
      {409, ExitCode::failure, "'https://cloud.example.com/api/v1/me' answered HTTP 409"},
      {500, ExitCode::failure, "'https://cloud.example.com/api/v1/me' answered HTTP 500"},
      {302, ExitCode::failure, "'https://cloud.example.com/api/v1/me' answered HTTP 302"},
      {401, ExitCode::not_logged_in, "the server rejected the credential (HTTP 401)"},
  };
  for (const auto& [status, code, message] : cases) {
    SignedIn signed_in;
    TestCommand& command = signed_in.command;
    command.http.on("GET", me_url, respond(status, R"({"error":"said so"})"));
    const auto result = call_api({.target = "/api/v1/me"}, command.context());
    BOOST_TEST((exit_code(result) == code), status);
    if (!result) BOOST_TEST(result.error().message == message);
    // The body is printed whatever the status, for the script to read the server's words.
    BOOST_TEST(command.out() == R"({"error":"said so"})", status);
  }
}

BOOST_AUTO_TEST_CASE(a_refused_api_key_is_named_and_an_unreachable_server_is_exit_1) {
  TestCommand key({.environment = {{"FLYZT_API_KEY", "czk_bad"}}});
  key.http.on("GET", me_url, respond(401, "{}"));
  const auto refused = call_api({.target = "/api/v1/me"}, key.context());
  BOOST_TEST((exit_code(refused) == ExitCode::not_logged_in));
  BOOST_TEST(refused.error().message == "the server rejected the API key in FLYZT_API_KEY (HTTP 401)");
  BOOST_TEST(header_value(key.http.requests().at(0), "Authorization") == "Bearer czk_bad");

  SignedIn signed_in;
  signed_in.command.http.on("GET", me_url, unreachable("cannot connect to 'https://cloud.example.com'"));
  const auto down = call_api({.target = "/api/v1/me"}, signed_in.command.context());
  BOOST_TEST((exit_code(down) == ExitCode::failure));
  BOOST_TEST(down.error().message == "cannot connect to 'https://cloud.example.com'");
  BOOST_TEST(signed_in.command.out().empty());

  TestCommand nobody;
  const auto none = call_api({.target = "/api/v1/me"}, nobody.context());
  BOOST_TEST((exit_code(none) == ExitCode::not_logged_in));
  BOOST_TEST(nobody.http.requests().empty());
}

// --- For a plugin's own use ----------------------------------------------------

BOOST_AUTO_TEST_CASE(send_api_call_returns_the_response_and_prints_nothing) {
  TestCommand command;
  BOOST_TEST_REQUIRE(command.store().save("default", signed_in_session(command, seconds(10))).has_value());
  command.http.on("POST", token_url,
                  json_response(200, {{"access_token", "at-2"}, {"token_type", "Bearer"}, {"refresh_token", "rt-2"},
                                       {"expires_in", 3600}}));
  command.http.on("GET", me_url, json_response(200, {{"email", "ada@example.com"}}));
  const auto me = send_api_call({.target = "/api/v1/me"}, command.context());
  BOOST_TEST_REQUIRE(me.has_value(), (me ? "" : me.error().message));
  BOOST_TEST(me->body == R"({"email":"ada@example.com"})");
  BOOST_TEST(header_value(command.http.requests_to("GET", me_url).at(0), "Authorization") == "Bearer at-2");
  BOOST_TEST(command.out().empty());
  BOOST_TEST(command.err().empty());
}

BOOST_AUTO_TEST_CASE(send_api_call_fails_as_the_api_command_does) {
  for (const auto& [status, code] : {std::pair{404, ExitCode::failure}, std::pair{401, ExitCode::not_logged_in}}) {
    SignedIn signed_in;
    signed_in.command.http.on("GET", me_url, respond(status, "{}"));
    const auto result = send_api_call({.target = "/api/v1/me"}, signed_in.command.context());
    BOOST_TEST_REQUIRE(!result.has_value(), status);
    BOOST_TEST((result.error().code == code), status);
  }
  SignedIn elsewhere;
  const auto refused = send_api_call({.target = "https://evil.example/api/v1/me"}, elsewhere.command.context());
  BOOST_TEST((!refused && refused.error().code == ExitCode::usage));
  BOOST_TEST(elsewhere.command.http.requests().empty());
  TestCommand nobody;
  const auto none = send_api_call({.target = "/api/v1/me"}, nobody.context());
  BOOST_TEST((!none && none.error().code == ExitCode::not_logged_in));
}

BOOST_AUTO_TEST_CASE(json_is_pretty_on_a_terminal_and_as_it_came_when_piped) {
  const std::string body = R"({"email":"ada@example.com","n":[1]})";
  SignedIn piped(false);
  piped.command.http.on("GET", me_url, respond(200, body));
  BOOST_TEST(call_api({.target = "/api/v1/me"}, piped.command.context()).has_value());
  BOOST_TEST(piped.command.out() == body);

  SignedIn terminal(true);
  terminal.command.http.on("GET", me_url, respond(200, body));
  BOOST_TEST(call_api({.target = "/api/v1/me"}, terminal.command.context()).has_value());
  BOOST_TEST(terminal.command.out() == "{\n  \"email\": \"ada@example.com\",\n  \"n\": [\n    1\n  ]\n}\n");
}

BOOST_AUTO_TEST_CASE(text_from_the_server_cannot_drive_the_terminal) {
  const std::string body = "line one\r\n\x1b]0;owned\x07 line two\n";
  BOOST_TEST(render_responses({{200, {}, body}}, false, true) == "line one\n\\x1b]0;owned\\x07 line two\n");
  BOOST_TEST(render_responses({{200, {}, body}}, false, false) == body);
  const HttpResponse with_headers{200, {{"content-type", "text/plain"}, {"x-evil", "\x1b[2J"}}, "ok"};
  BOOST_TEST(render_responses({with_headers}, true, true) ==
             "HTTP/1.1 200\ncontent-type: text/plain\nx-evil: \\x1b[2J\n\nok\n");
  BOOST_TEST(render_responses({with_headers}, true, false) ==
             "HTTP/1.1 200\ncontent-type: text/plain\nx-evil: \x1b[2J\n\nok");
  // A document nested past what is pretty-printed is shown as text, not walked.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  BOOST_TEST(render_responses({{200, {}, deep}}, false, true) == deep + "\n");
}

// --- Pages ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_next_link_is_read_as_rfc_8288_writes_it) {
  const auto next = [](std::vector<std::pair<std::string, std::string>> headers) {
    return next_page_link(HttpResponse{200, std::move(headers), ""});
  };
  BOOST_TEST(next({{"link", "<https://h/x?page=2>; rel=\"next\""}}) == "https://h/x?page=2");
  BOOST_TEST(next({{"link", "</x?page=1>; rel=\"prev\", </x?page=3>; rel=next"}}) == "/x?page=3");
  BOOST_TEST(next({{"link", "</a>; title=\"a, b; rel=next\"; rel=\"last\", </b>; REL=\"Next Last\""}}) == "/b");
  BOOST_TEST(next({{"link", "</a?x=1,2;3>; rel=\"next\""}}) == "/a?x=1,2;3");
  BOOST_TEST(next({{"link", "</a>; rel=\"prev\""}, {"link", "</b>; rel=\"next\""}}) == "/b");
  // The first rel parameter is the one that counts (§3.3).
  BOOST_TEST(next({{"link", "</a>; rel=\"last\"; rel=\"next\""}}) == std::optional<std::string>());
  BOOST_TEST(next({{"link", "</a>; rel=\"nextpage\""}}) == std::optional<std::string>());
  BOOST_TEST(next({{"link", "<unterminated; rel=\"next\""}}) == std::optional<std::string>());
  BOOST_TEST(next({{"x-link", "</a>; rel=\"next\""}}) == std::optional<std::string>());
  BOOST_TEST(next({}) == std::optional<std::string>());
}

BOOST_AUTO_TEST_CASE(pages_are_followed_on_the_same_origin_and_arrays_merged) {
  SignedIn signed_in;
  TestCommand& command = signed_in.command;
  const std::string first = host + "/api/v1/items?limit=2";
  command.http.on("GET", first, respond(200, "[1,2]", {{"link", "</api/v1/items?page=2>; rel=\"next\""}}));
  command.http.on("GET", host + "/api/v1/items?page=2",
                  respond(200, "[3]", {{"link", "<" + host + "/api/v1/items?page=3>; rel=\"next\""}}));
  command.http.on("GET", host + "/api/v1/items?page=3", respond(200, "[]"));
  const auto result = call_api({.target = "/api/v1/items", .fields = {{"limit", "2"}}, .paginate = true},
                               command.context());
  BOOST_TEST(result.has_value());
  BOOST_TEST(command.http.requests().size() == 3u);
  for (const auto& request : command.http.requests()) {
    BOOST_TEST(header_value(request, "Authorization") == "Bearer at-1");
  }
  BOOST_TEST(command.out() == "[1,2,3]\n");

  // Without --paginate, the first page only.
  SignedIn once;
  once.command.http.on("GET", first, respond(200, "[1,2]", {{"link", "</api/v1/items?page=2>; rel=\"next\""}}));
  BOOST_TEST(call_api({.target = "/api/v1/items?limit=2"}, once.command.context()).has_value());
  BOOST_TEST(once.command.http.requests().size() == 1u);
  BOOST_TEST(once.command.out() == "[1,2]");
}

BOOST_AUTO_TEST_CASE(pages_that_are_not_arrays_are_printed_in_turn_with_their_heads) {
  SignedIn signed_in;
  TestCommand& command = signed_in.command;
  command.http.on("GET", host + "/s", respond(200, "{\"a\":1}\n", {{"link", "</s?p=2>; rel=next"}}));
  command.http.on("GET", host + "/s?p=2", respond(200, "{\"a\":2}\n"));
  BOOST_TEST(call_api({.target = "/s", .paginate = true, .include = true}, command.context()).has_value());
  BOOST_TEST(command.out() == "HTTP/1.1 200\nlink: </s?p=2>; rel=next\n\n{\"a\":1}\nHTTP/1.1 200\n\n{\"a\":2}\n");
}

BOOST_AUTO_TEST_CASE(a_next_page_on_another_origin_is_never_requested) {
  for (const std::string link : {"https://evil.example/s?p=2", "http://cloud.example.com/s?p=2", "//evil.example/s"}) {
    SignedIn signed_in;
    TestCommand& command = signed_in.command;
    command.http.on("GET", host + "/s", respond(200, "[1]", {{"link", "<" + link + ">; rel=\"next\""}}));
    const auto result = call_api({.target = "/s", .paginate = true}, command.context());
    BOOST_TEST((exit_code(result) == ExitCode::failure), link);
    BOOST_TEST(command.http.requests().size() == 1u, link);
    // What came from the profile's host is still printed.
    BOOST_TEST(command.out() == "[1]", link);
  }
  SignedIn signed_in;
  signed_in.command.http.on("GET", host + "/s", respond(200, "[1]", {{"link", "<https://evil.example/x>; rel=next"}}));
  const auto result = call_api({.target = "/s", .paginate = true}, signed_in.command.context());
  BOOST_TEST(result.error().message ==
             "refusing to follow the next page to 'https://evil.example': the credential is for '" + host + "' only");
}

BOOST_AUTO_TEST_CASE(pages_are_bounded_and_stop_at_an_error_status) {
  SignedIn endless;
  endless.command.http.on("GET", host + "/s", respond(200, "[0]", {{"link", "</s>; rel=next"}}));
  const auto result = call_api({.target = "/s", .paginate = true, .max_pages = 3}, endless.command.context());
  BOOST_TEST((exit_code(result) == ExitCode::failure));
  BOOST_TEST(result.error().message == "stopped after 3 pages; the server offers more");
  BOOST_TEST(endless.command.http.requests().size() == 3u);
  BOOST_TEST(endless.command.out() == "[0,0,0]\n");

  SignedIn failing;
  failing.command.http.on("GET", host + "/s", respond(200, "[1]", {{"link", "</s?p=2>; rel=next"}}));
  failing.command.http.on("GET", host + "/s?p=2", respond(500, R"({"error":"boom"})"));
  const auto broken = call_api({.target = "/s", .paginate = true}, failing.command.context());
  // Query values may be secrets a user typed; the error line shows their names only.
  BOOST_TEST(broken.error().message == "'" + host + "/s?p=[redacted]' answered HTTP 500");
  BOOST_TEST(failing.command.out() == R"([1]{"error":"boom"})");

  const auto post = build_api_request({.target = "/s", .method = "POST", .paginate = true}, host);
  BOOST_TEST(post.error().message == "--paginate follows the pages of a GET request, not of POST");
  BOOST_TEST((post.error().code == ExitCode::usage));
  const auto input = build_api_request({.target = "/s", .paginate = true}, host, "{}");
  BOOST_TEST(input.error().message == "--paginate follows the pages of a GET request, which sends no --input");
}
