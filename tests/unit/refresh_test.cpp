#define BOOST_TEST_MODULE refresh
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/crypto.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/refresh.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;
namespace data = boost::unit_test::data;

namespace {

const std::string host = "https://cloud.example.com";
const std::string token_url = host + "/oauth/token";

// A session obtained an hour ago whose access token expires `expires_in` from the test clock's now.
StoredCredential session(TestCommand& command, seconds expires_in) {
  StoredCredential credential;
  credential.host = host;
  credential.client_id = "compozy-cli";
  credential.access_token = "at-old";
  credential.refresh_token = "rt-old";
  credential.obtained_at = command.clock.now() - seconds(3600);
  credential.expires_at = command.clock.now() + expires_in;
  credential.scopes = {"openid", "offline_access"};
  credential.account = "ada@example.com";
  credential.token_endpoint = token_url;
  return credential;
}

void store(TestCommand& command, const StoredCredential& credential, const std::string& profile = "default") {
  BOOST_TEST_REQUIRE(command.store().save(profile, credential).has_value());
}

std::optional<StoredCredential> stored(TestCommand& command, const std::string& profile = "default") {
  auto loaded = command.store().load(profile);
  BOOST_TEST_REQUIRE(loaded.has_value());
  return *loaded;
}

Answer rotated(const char* access, const char* refresh, int expires_in = 3600) {
  json body{{"access_token", access}, {"token_type", "Bearer"}, {"expires_in", expires_in}};
  if (refresh != nullptr) body["refresh_token"] = refresh;
  return json_response(200, body);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_fresh_token_is_used_without_asking_the_server) {
  TestCommand command;
  store(command, session(command, seconds(3000)));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(credential.has_value());
  BOOST_TEST(credential->token == "at-old");
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_token_expiring_within_the_margin_is_refreshed_and_the_rotation_stored_first) {
  TestCommand command;
  store(command, session(command, seconds(30)));
  command.http.on("POST", token_url, rotated("at-new", "rt-new", 1800));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(credential.has_value(), credential.error().message);
  BOOST_TEST(credential->token == "at-new");
  const auto after = stored(command);
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after->access_token == "at-new");
  BOOST_TEST(after->refresh_token == "rt-new");
  BOOST_TEST(after->obtained_at == std::optional<TimePoint>(command.clock.now()));
  BOOST_TEST(after->expires_at == std::optional<TimePoint>(command.clock.now() + seconds(1800)));
  BOOST_TEST(form_value(command.http.requests().at(0), "refresh_token") == "rt-old");
}

BOOST_AUTO_TEST_CASE(a_server_that_does_not_rotate_keeps_the_old_refresh_token_valid) {
  TestCommand command;
  store(command, session(command, seconds(-5)));
  command.http.on("POST", token_url, rotated("at-new", nullptr));
  BOOST_TEST_REQUIRE(refresh_stored_credential(command.context(), RefreshWhen::if_expiring).has_value());
  BOOST_TEST(required(stored(command)).refresh_token == "rt-old");
}

BOOST_AUTO_TEST_CASE(a_refreshed_id_token_names_the_session_when_it_checks_out) {
  const auto id_token = [](TestCommand& command, const std::string& issuer) {
    const json claims{{"iss", issuer}, {"aud", "compozy-cli"}, {"sub", "usr_1"}, {"sid", "ses_1"},
                      {"exp", unix_seconds(command.clock.now()) + 3600}};
    return base64url_encode("{}") + "." + base64url_encode(claims.dump()) + ".sig";
  };
  for (const auto& [issuer, learned] : {std::pair{host, "ses_1"}, std::pair{std::string("https://evil.example"), ""}}) {
    TestCommand command;
    store(command, session(command, seconds(-5)));
    command.http.on("POST", token_url,
                    json_response(200, {{"access_token", "at-new"}, {"token_type", "Bearer"}, {"refresh_token", "rt-new"},
                                        {"expires_in", 3600},
                                        {"id_token", id_token(command, issuer)}}));
    BOOST_TEST_REQUIRE(refresh_stored_credential(command.context(), RefreshWhen::if_expiring).has_value());
    BOOST_TEST(required(stored(command)).session_id == learned, "issuer " << issuer);
    BOOST_TEST(required(stored(command)).access_token == "at-new");
  }
}

BOOST_AUTO_TEST_CASE(the_margin_is_a_minute_or_half_a_short_lifetime) {
  TestCommand command;
  StoredCredential thirty_seconds = session(command, seconds(20));
  thirty_seconds.obtained_at = command.clock.now() - seconds(10);  // lives 30 s: margin 15 s
  BOOST_TEST(refresh_margin(thirty_seconds) == seconds(15));
  BOOST_TEST(!expires_within_margin(thirty_seconds, command.clock.now()));
  BOOST_TEST(expires_within_margin(thirty_seconds, command.clock.now() + seconds(5)));
  BOOST_TEST(refresh_margin(session(command, seconds(20))) == seconds(60));
}

BOOST_AUTO_TEST_CASE(an_ended_session_is_removed_and_reported_as_exit_4) {
  TestCommand command;
  store(command, session(command, seconds(-5)));
  StoredCredential other = session(command, seconds(3000));
  other.access_token = "at-other";
  other.refresh_token = "rt-other";
  store(command, other, "other");
  command.http.on("POST", token_url, json_response(400, {{"error", "invalid_grant"}, {"error_description", "revoked"}}));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message ==
             "the session of profile 'default' has ended: the server refused its refresh token (invalid_grant: revoked)"
             "; its stored credentials were removed");
  BOOST_TEST((credential.error().code == ExitCode::not_logged_in));
  BOOST_TEST(credential.error().hint == "run `compozy login`");
  BOOST_TEST(!stored(command).has_value());
  BOOST_TEST(stored(command, "other").has_value());
}

// Issue 10: the other profiles that held the ended session lose their dead
// tokens with it; those that may hold another session keep theirs.
struct OtherProfile {
  const char* what;
  std::function<void(StoredCredential&)> change;  // from a copy of the ended session's entry
  bool removed;
};

std::ostream& operator<<(std::ostream& stream, const OtherProfile& c) { return stream << c.what; }

const OtherProfile other_profiles[] = {
    {"the same session, by id", [](StoredCredential& c) { c.access_token = "at-2", c.refresh_token = "rt-2"; }, true},
    {"a copy of the entry, with no session id",
     [](StoredCredential& c) { c.session_id.clear(); }, true},
    {"another session of the same account",
     [](StoredCredential& c) { c.access_token = "at-2", c.refresh_token = "rt-2", c.session_id = "ses_2"; }, false},
    {"a session that names none, with other tokens",
     [](StoredCredential& c) { c.access_token = "at-2", c.refresh_token = "rt-2", c.session_id.clear(); }, false},
    {"the same session id on another host", [](StoredCredential& c) { c.host = "https://other.example.com"; }, false},
    {"an API key of the same account",
     [](StoredCredential& c) { c.kind = CredentialKind::api_key, c.refresh_token.clear(); }, false},
};

BOOST_DATA_TEST_CASE(an_ended_session_goes_from_every_profile_that_holds_it, data::make(other_profiles), c) {
  TestCommand command;
  StoredCredential ended = session(command, seconds(-5));
  ended.session_id = "ses_1";
  store(command, ended);
  StoredCredential other = ended;
  other.expires_at = command.clock.now() + seconds(3000);
  c.change(other);
  store(command, other, "work");
  command.http.on("POST", token_url, json_response(400, {{"error", "invalid_grant"}}));
  const auto refreshed = refresh_stored_credential(command.context(), RefreshWhen::if_expiring);
  BOOST_TEST_REQUIRE(!refreshed.has_value());
  BOOST_TEST(!stored(command).has_value());
  BOOST_TEST(stored(command, "work").has_value() == !c.removed);
  BOOST_TEST(refreshed.error().message ==
             "the session of profile 'default' has ended: the server refused its refresh token (invalid_grant)" +
                 std::string(c.removed ? "; the stored credentials of profiles 'default' and 'work', which held it, "
                                         "were removed"
                                       : "; its stored credentials were removed"));
}

BOOST_AUTO_TEST_CASE(another_refusal_leaves_the_credentials_as_they_were) {
  TestCommand command;
  const StoredCredential before = session(command, seconds(-5));
  store(command, before);
  command.http.on("POST", token_url, json_response(400, {{"error", "invalid_client"}}));
  const auto refreshed = refresh_stored_credential(command.context(), RefreshWhen::now);
  BOOST_TEST_REQUIRE(!refreshed.has_value());
  BOOST_TEST(refreshed.error().message == "refreshing the access token: the server refused (invalid_client)");
  BOOST_TEST((stored(command) == std::optional<StoredCredential>(before)));
}

BOOST_AUTO_TEST_CASE(without_the_network_an_unexpired_token_is_still_used_and_nothing_changes) {
  TestCommand command;
  const StoredCredential before = session(command, seconds(30));
  store(command, before);
  command.http.on("POST", token_url, unreachable("cannot connect to 'https://cloud.example.com'"));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(credential.has_value());
  BOOST_TEST(credential->token == "at-old");
  BOOST_TEST((stored(command) == std::optional<StoredCredential>(before)));

  TestCommand expired;
  store(expired, session(expired, seconds(-5)));
  expired.http.on("POST", token_url, unreachable("cannot connect to 'https://cloud.example.com'"));
  const auto failed = fresh_credential(expired.context());
  BOOST_TEST_REQUIRE(!failed.has_value());
  BOOST_TEST(failed.error().message == "refreshing the access token: cannot connect to 'https://cloud.example.com'");
  BOOST_TEST((failed.error().kind == Error::Kind::unreachable));
}

BOOST_AUTO_TEST_CASE(a_refresh_now_always_asks_and_if_expiring_only_when_needed) {
  TestCommand command;
  store(command, session(command, seconds(3000)));
  command.http.on("POST", token_url, rotated("at-new", "rt-new"));
  BOOST_TEST_REQUIRE(refresh_stored_credential(command.context(), RefreshWhen::if_expiring).has_value());
  BOOST_TEST(command.http.requests().empty());
  const auto now = refresh_stored_credential(command.context(), RefreshWhen::now);
  BOOST_TEST_REQUIRE(now.has_value());
  BOOST_TEST(now->access_token == "at-new");
}

BOOST_AUTO_TEST_CASE(without_a_stored_token_endpoint_the_server_is_discovered) {
  TestCommand command;
  StoredCredential credential = session(command, seconds(-5));
  credential.token_endpoint.clear();
  store(command, credential);
  command.http.on("GET", host + "/.well-known/oauth-authorization-server",
                  json_response(200, {{"issuer", host}, {"token_endpoint", token_url}}));
  command.http.on("POST", token_url, rotated("at-new", "rt-new"));
  BOOST_TEST_REQUIRE(refresh_stored_credential(command.context(), RefreshWhen::if_expiring).has_value());
  BOOST_TEST(required(stored(command)).token_endpoint == token_url);
}

BOOST_AUTO_TEST_CASE(without_a_refresh_token_a_session_lives_until_it_expires) {
  TestCommand command;
  StoredCredential credential = session(command, seconds(30));
  credential.refresh_token.clear();
  store(command, credential);
  const auto still = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(still.has_value());
  BOOST_TEST(still->token == "at-old");
  const auto asked = refresh_stored_credential(command.context(), RefreshWhen::now);
  BOOST_TEST_REQUIRE(!asked.has_value());
  BOOST_TEST(asked.error().message == "profile 'default' has no refresh token: the server issued none");
  BOOST_TEST(stored(command).has_value());

  command.clock.advance(seconds(60));
  const auto dead = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(!dead.has_value());
  BOOST_TEST((dead.error().code == ExitCode::not_logged_in));
  BOOST_TEST(!stored(command).has_value());
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(an_api_key_is_never_refreshed) {
  TestCommand command;
  StoredCredential key = session(command, seconds(-5));
  key.kind = CredentialKind::api_key;
  store(command, key);
  const auto refreshed = refresh_stored_credential(command.context(), RefreshWhen::now);
  BOOST_TEST_REQUIRE(!refreshed.has_value());
  BOOST_TEST(refreshed.error().message ==
             "profile 'default' uses an API key, which does not expire like a session and cannot be refreshed");
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_credential_for_another_host_is_never_used_or_sent) {
  TestCommand command({.host = "https://other.example.com"});
  store(command, session(command, seconds(-5)));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message == "not logged in to 'https://other.example.com'");
  BOOST_TEST((credential.error().code == ExitCode::not_logged_in));
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(flyzt_api_key_wins_over_what_is_stored) {
  TestCommand command({.environment = {{"FLYZT_API_KEY", "czk_ci"}}});
  store(command, session(command, seconds(-5)));
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(credential.has_value());
  BOOST_TEST(credential->token == "czk_ci");
  BOOST_TEST((credential->origin == CredentialOrigin::environment));
  BOOST_TEST(command.http.requests().empty());
}

BOOST_AUTO_TEST_CASE(nothing_stored_names_the_profile_and_the_way_in) {
  TestCommand command({.profile = "work"});
  const auto credential = fresh_credential(command.context());
  BOOST_TEST_REQUIRE(!credential.has_value());
  BOOST_TEST(credential.error().message == "not logged in to '" + host + "' (profile 'work')");
  BOOST_TEST(credential.error().hint == "run `compozy login --profile work`, or set FLYZT_API_KEY");
}

// The race the credentials lock exists for: many processes find the token
// expiring at once. Each one here is a fork with its own fake server, which
// counts the refreshes it answers in a shared file; the lock and the re-read
// must make exactly one of them refresh, and all of them use its result.
BOOST_AUTO_TEST_CASE(processes_racing_to_refresh_make_one_refresh_and_share_it) {
  TempFolder shared;
  const std::filesystem::path refresh_log = shared.path() / "refreshes";
  constexpr int rounds = 20;
  constexpr int processes = 24;
  TestCommand parent({.config_dir = shared.path()});
  for (int round = 0; round < rounds; ++round) {
    store(parent, session(parent, seconds(-5)));
    std::vector<pid_t> children;
    for (int i = 0; i < processes; ++i) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        TestCommand child({.config_dir = shared.path()});
        child.http.on("POST", token_url, [&](const HttpRequest&) -> Result<HttpResponse> {
          const int fd = ::open(refresh_log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
          const std::string line = std::to_string(round) + "\n";
          (void)!::write(fd, line.data(), line.size());
          ::close(fd);
          const std::string token = "at-" + std::to_string(round) + "-" + std::to_string(::getpid());
          return HttpResponse{200, {}, json{{"access_token", token}, {"token_type", "Bearer"},
                                            {"refresh_token", "rt-" + token}, {"expires_in", 3600}}.dump()};
        });
        const auto credential = fresh_credential(child.context());
        if (!credential) ::_exit(1);
        std::ofstream(shared.path() / ("token-" + std::to_string(i))) << credential->token;
        ::_exit(0);
      }
      children.push_back(pid);
    }
    int failures = 0;
    for (const pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    BOOST_TEST_REQUIRE(failures == 0, "round " << round);
    std::set<std::string> tokens;
    for (int i = 0; i < processes; ++i) {
      std::ifstream stream(shared.path() / ("token-" + std::to_string(i)));
      tokens.insert(std::string(std::istreambuf_iterator<char>(stream), {}));
    }
    BOOST_TEST_REQUIRE(tokens.size() == 1u, "round " << round << ": " << tokens.size() << " distinct tokens");
    BOOST_TEST(*tokens.begin() == required(stored(parent)).access_token);
  }
  std::ifstream log(refresh_log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  BOOST_TEST_REQUIRE(lines.size() == static_cast<std::size_t>(rounds));
  for (int round = 0; round < rounds; ++round) BOOST_TEST(lines[round] == std::to_string(round));
}

// Issue 8, finding 4: a refresh answered with expires_in 1e12 wrote an entry no later command could read.
BOOST_AUTO_TEST_CASE(an_absurd_lifetime_from_the_server_leaves_a_readable_entry) {
  TestCommand command;
  store(command, session(command, seconds(-5)));
  command.http.on("POST", token_url,
                  json_response(200, {{"access_token", "at-new"}, {"token_type", "Bearer"}, {"expires_in", 1'000'000'000'000}}));
  BOOST_TEST_REQUIRE(refresh_stored_credential(command.context(), RefreshWhen::now).has_value());
  const auto after = required(stored(command));
  BOOST_TEST(after.access_token == "at-new");
  BOOST_TEST(after.expires_at <= std::optional<TimePoint>(command.clock.now() + seconds(366 * 86400)));
}

// Issue 8, finding 5: refresh tokens rotate, so a refresh stopped after the server answered
// and before the answer was stored spent the old token, and the session was lost.
BOOST_AUTO_TEST_CASE(ctrl_c_during_a_refresh_waits_until_the_new_tokens_are_stored) {
  TempFolder shared;
  TestCommand parent({.config_dir = shared.path()});
  store(parent, session(parent, seconds(-5)));
  const pid_t pid = ::fork();
  if (pid == 0) {
    catch_interrupts();
    TestCommand child({.config_dir = shared.path()});
    child.http.on("POST", token_url, [](const HttpRequest&) -> Result<HttpResponse> {
      ::kill(::getpid(), SIGINT);  // the person presses Ctrl-C while the server answers
      return HttpResponse{200, {}, json{{"access_token", "at-new"}, {"token_type", "Bearer"},
                                        {"refresh_token", "rt-new"}, {"expires_in", 3600}}.dump()};
    });
    const auto refreshed = refresh_stored_credential(child.context(), RefreshWhen::if_expiring);
    ::_exit(!refreshed && refreshed.error().code == ExitCode::interrupted ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  BOOST_TEST(WEXITSTATUS(status) == 0, "the refresh should end as interrupted once the tokens are stored");
  BOOST_TEST(required(stored(parent)).refresh_token == "rt-new");
}

// Issue 8, finding 8: FLYZT_API_KEY with CR/LF injected a header, and a trailing newline (a
// common CI mistake) was sent as part of the key.
BOOST_AUTO_TEST_CASE(flyzt_api_key_is_trimmed_and_refused_when_it_holds_more_than_a_key) {
  TestCommand trailing({.environment = {{"FLYZT_API_KEY", "  czk_ci\r\n"}}});
  BOOST_TEST(required(fresh_credential(trailing.context())).token == "czk_ci");
  for (const char* bad : {"czk_ci\r\nX-Evil: 1", "czk ci", "czk\033]0;x\a"}) {
    TestCommand command({.environment = {{"FLYZT_API_KEY", bad}}});
    const auto failed = fresh_credential(command.context());
    BOOST_TEST_REQUIRE(!failed.has_value());
    BOOST_TEST(failed.error().message == "FLYZT_API_KEY holds spaces or control characters");
    BOOST_TEST((failed.error().code == ExitCode::usage));
  }
}

BOOST_AUTO_TEST_CASE(auth_token_json_names_the_host_and_profile_the_token_was_read_for) {
  TestCommand command({.profile = "work"});
  StoredCredential credential = session(command, seconds(3000));
  store(command, credential, "work");
  auto ready = credential_without_refresh(command.context());
  BOOST_TEST_REQUIRE(ready.has_value());
  BOOST_TEST_REQUIRE(ready->has_value());
  print_token(command.context().out(), command.context().settings(), **ready, true);
  const json document = json::parse(command.out());
  BOOST_TEST(document["schema_version"] == 1);
  BOOST_TEST(document["host"] == host);
  BOOST_TEST(document["profile"] == "work");
  BOOST_TEST(document["token"] == "at-old");
  BOOST_TEST(document["credential"]["type"] == "oauth");
  BOOST_TEST(document["credential"]["source"] == "credentials_file");
  BOOST_TEST(document["credential"]["variable"].is_null());
  BOOST_TEST(document["credential"]["expires_at"] == format_rfc3339(*credential.expires_at));
  // Only the access token: the refresh token never leaves the store.
  BOOST_TEST(command.out().find("rt-old") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(auth_token_json_says_an_api_key_came_from_the_environment_or_the_store) {
  TestCommand from_environment({.environment = {{"FLYZT_API_KEY", "fz_key"}}});
  auto key = credential_without_refresh(from_environment.context());
  BOOST_TEST_REQUIRE(key.has_value());
  const json variable = token_json(from_environment.context().settings(), **key);
  BOOST_TEST(variable["token"] == "fz_key");
  BOOST_TEST(variable["credential"]["type"] == "api_key");
  BOOST_TEST(variable["credential"]["source"] == "environment");
  BOOST_TEST(variable["credential"]["variable"] == "FLYZT_API_KEY");
  BOOST_TEST(variable["credential"]["expires_at"].is_null());

  TestCommand from_store;
  StoredCredential stored_key = session(from_store, seconds(3000));
  stored_key.kind = CredentialKind::api_key;
  stored_key.refresh_token.clear();
  stored_key.expires_at.reset();
  store(from_store, stored_key);
  auto stored = credential_without_refresh(from_store.context());
  BOOST_TEST_REQUIRE(stored.has_value());
  BOOST_TEST_REQUIRE(stored->has_value());
  const json file = token_json(from_store.context().settings(), **stored);
  BOOST_TEST(file["credential"]["type"] == "api_key");
  BOOST_TEST(file["credential"]["source"] == "credentials_file");
  BOOST_TEST(file["credential"]["expires_at"].is_null());

  // Without --json, the token alone, as scripts have always read it.
  print_token(from_store.context().out(), from_store.context().settings(), **stored, false);
  BOOST_TEST(from_store.out() == "at-old\n");
}
