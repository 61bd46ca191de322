// Issue 10, "Revocation is consistent": which stored credentials a session's
// end takes with it, and what `auth revoke` and `auth revoke-all` remove.
#define BOOST_TEST_MODULE revocation
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/revocation.hpp"

using namespace compozy;
using namespace compozy::testing;
using nlohmann::json;
using std::chrono::seconds;
namespace data = boost::unit_test::data;

namespace {

const std::string host = "https://cloud.example.com";
const std::string sessions_url = host + "/api/v1/auth/sessions";

StoredCredential session(TestCommand& command, const std::string& name, const std::string& session_id) {
  StoredCredential credential;
  credential.host = host;
  credential.client_id = "compozy-cli";
  credential.access_token = "at-" + name;
  credential.refresh_token = "rt-" + name;
  credential.obtained_at = command.clock.now() - seconds(60);
  credential.expires_at = command.clock.now() + seconds(3000);
  credential.account = "ada@example.com";
  credential.subject = "usr_ada";
  credential.session_id = session_id;
  return credential;
}

void store(TestCommand& command, const std::string& profile, const StoredCredential& credential) {
  BOOST_TEST_REQUIRE(command.store().save(profile, credential).has_value());
}

std::vector<std::string> profiles_left(TestCommand& command) {
  std::vector<std::string> names;
  for (const auto& entry : required(command.store().load_all())) names.push_back(entry.profile);
  return names;
}

ActiveCredential active(const StoredCredential& credential) {
  return {credential.access_token, CredentialOrigin::credentials_file, credential};
}

// The sessions API as the server answers each bearer: the session it marks current.
Answer sessions_seen_by(std::map<std::string, std::string> current_by_token) {
  return [current_by_token](const HttpRequest& request) -> Result<HttpResponse> {
    const auto found = current_by_token.find(header_value(request, "Authorization").substr(7));
    if (found == current_by_token.end()) return HttpResponse{401, {}, ""};
    json sessions = json::array();
    for (const auto& [token, id] : current_by_token)
      sessions.push_back({{"id", id}, {"current", token == found->first}});
    return HttpResponse{200, {}, json{{"sessions", sessions}}.dump()};
  };
}

struct Match {
  const char* what;
  std::function<void(StoredCredential& other, StoredCredential& ended)> change;  // `other` starts as a copy of `ended`
  bool same_session;
  bool same_account;
};

std::ostream& operator<<(std::ostream& stream, const Match& c) { return stream << c.what; }

// Another session of the same account, to change further.
void another_session(StoredCredential& c) {
  c.access_token = "at-2";
  c.refresh_token = "rt-2";
  c.session_id = "ses_2";
}

// clang-format off
const Match matches[] = {
    {"the entry itself",                   [](auto&, auto&) {}, true, true},
    {"the session by id, other tokens",    [](auto& c, auto&) { another_session(c); c.session_id = "ses_1"; }, true, true},
    {"a copy that names no session",       [](auto& c, auto&) { c.session_id.clear(); }, true, true},
    {"another session of the account",     [](auto& c, auto&) { another_session(c); }, false, true},
    {"a session that names none",          [](auto& c, auto&) { another_session(c); c.session_id.clear(); }, false, true},
    {"another account",                    [](auto& c, auto&) { another_session(c); c.subject = "usr_bob"; }, false, false},
    {"the same name, another subject",     [](auto& c, auto&) { another_session(c); c.subject = "usr_ada2"; }, false, false},
    {"no subject: the account's name",     [](auto& c, auto&) { another_session(c); c.subject.clear(); }, false, true},
    {"no subject, another name",
     [](auto& c, auto&) { another_session(c); c.subject.clear(); c.account = "bob@example.com"; }, false, false},
    {"another host",                       [](auto& c, auto&) { c.host = "https://other.example.com"; }, false, false},
    {"an API key",                         [](auto& c, auto&) { c.kind = CredentialKind::api_key; }, false, false},
    {"no refresh token on either side",
     [](auto& c, auto& ended) { another_session(c); c.session_id.clear(); c.refresh_token.clear(); ended.refresh_token.clear(); },
     false, true},
};
// clang-format on

}  // namespace

BOOST_DATA_TEST_CASE(credentials_are_matched_to_the_ended_session_and_account, data::make(matches), c) {
  TestCommand command;
  StoredCredential ended = session(command, "1", "ses_1");
  StoredCredential other = ended;
  c.change(other, ended);
  BOOST_TEST(shares_session(other, ended) == c.same_session);
  BOOST_TEST(holds_session(other, host, "ses_1") == (c.same_session && !other.session_id.empty()));
  BOOST_TEST(session_of_account(other, ended) == c.same_account);
}

BOOST_AUTO_TEST_CASE(profiles_are_listed_as_a_sentence_says_them) {
  BOOST_TEST(profile_list({"default"}) == "profile 'default'");
  BOOST_TEST(profile_list({"default", "work"}) == "profiles 'default' and 'work'");
  BOOST_TEST(profile_list({"a", "b", "c"}) == "profiles 'a', 'b' and 'c'");
}

BOOST_AUTO_TEST_CASE(revoking_a_session_removes_it_from_every_profile_that_holds_it) {
  TestCommand command;
  const StoredCredential ours = session(command, "default", "ses_1");
  store(command, "default", ours);
  store(command, "work", session(command, "work", "ses_2"));
  store(command, "staging", session(command, "staging", "ses_3"));
  StoredCredential elsewhere = session(command, "elsewhere", "ses_2");
  elsewhere.host = "https://other.example.com";
  store(command, "elsewhere", elsewhere);
  command.http.on("GET", sessions_url, sessions_seen_by({{"at-default", "ses_1"}}));
  command.http.on("DELETE", sessions_url + "/ses_2", respond(204, ""));

  const auto forgotten = revoke_session_everywhere(command.context(), active(ours), "ses_2");
  BOOST_TEST_REQUIRE(forgotten.has_value(), forgotten.error().message);
  BOOST_TEST(forgotten->profiles == std::vector<std::string>{"work"});
  BOOST_TEST(forgotten->unknown.empty());
  BOOST_TEST(profiles_left(command) == (std::vector<std::string>{"default", "staging", "elsewhere"}));
  BOOST_TEST(command.http.requests_to("DELETE", sessions_url + "/ses_2").size() == 1u);

  report_forgotten(command.context().out(), *forgotten, Revoked::one_session);
  BOOST_TEST(command.err() ==
             "Removed the stored credentials of profile 'work' (its session was revoked); "
             "run `compozy login --profile work` to sign in again.\n");
}

// Credentials stored before their server named sessions: a live access token
// is asked which session it belongs to, before the revocation makes it unable to.
BOOST_AUTO_TEST_CASE(a_credential_that_names_no_session_is_asked_by_its_live_token) {
  TestCommand command;
  const StoredCredential ours = session(command, "default", "");
  store(command, "default", ours);
  store(command, "work", session(command, "work", ""));
  store(command, "old", session(command, "old", ""));
  StoredCredential expired = session(command, "expired", "");
  expired.expires_at = command.clock.now() - seconds(5);
  store(command, "expired", expired);
  command.http.on("GET", sessions_url, sessions_seen_by({{"at-default", "ses_1"}, {"at-work", "ses_2"}}));
  command.http.on("DELETE", sessions_url + "/ses_1", respond(204, ""));

  const auto forgotten = revoke_session_everywhere(command.context(), active(ours), "ses_1");
  BOOST_TEST_REQUIRE(forgotten.has_value(), forgotten.error().message);
  BOOST_TEST(forgotten->profiles == std::vector<std::string>{"default"});
  BOOST_TEST_REQUIRE(forgotten->unknown.size() == 1u);
  BOOST_TEST(forgotten->unknown[0] == "whether profile 'old' held it (the server rejected the credential (HTTP 401))");
  BOOST_TEST(profiles_left(command) == (std::vector<std::string>{"work", "old", "expired"}));
  // This profile's own token asked once; the expired one refreshes before its next use, and is not asked.
  BOOST_TEST(command.http.requests_to("GET", sessions_url).size() == 3u);
  for (const auto& request : command.http.requests()) {
    BOOST_TEST(header_value(request, "Authorization") != "Bearer at-expired");
  }

  report_forgotten(command.context().out(), *forgotten, Revoked::one_session);
  BOOST_TEST(command.err().find(
                 "warning: could not tell whether profile 'old' held it (the server rejected the credential (HTTP 401))") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_refused_revocation_removes_nothing) {
  TestCommand command;
  const StoredCredential ours = session(command, "default", "ses_1");
  store(command, "default", ours);
  store(command, "work", session(command, "work", "ses_2"));
  command.http.on("GET", sessions_url, sessions_seen_by({{"at-default", "ses_1"}}));
  command.http.on("DELETE", sessions_url + "/ses_2", respond(404, ""));
  const auto forgotten = revoke_session_everywhere(command.context(), active(ours), "ses_2");
  BOOST_TEST_REQUIRE(!forgotten.has_value());
  BOOST_TEST(forgotten.error().message == "no active session with id 'ses_2'");
  BOOST_TEST(profiles_left(command) == (std::vector<std::string>{"default", "work"}));
}

BOOST_AUTO_TEST_CASE(revoke_all_removes_every_session_of_the_account_on_the_host) {
  TestCommand command;
  const StoredCredential ours = session(command, "default", "ses_1");
  store(command, "default", ours);
  store(command, "work", session(command, "work", "ses_2"));
  StoredCredential key = session(command, "key", "");
  key.kind = CredentialKind::api_key;
  store(command, "ci", key);
  StoredCredential bob = session(command, "bob", "ses_3");
  bob.subject = "usr_bob";
  store(command, "bob", bob);

  const auto forgotten = forget_sessions_of_account(command.context(), active(ours));
  BOOST_TEST_REQUIRE(forgotten.has_value(), forgotten.error().message);
  BOOST_TEST(forgotten->profiles == (std::vector<std::string>{"default", "work"}));
  BOOST_TEST(profiles_left(command) == (std::vector<std::string>{"ci", "bob"}));
  BOOST_TEST(command.http.requests().empty());
  report_forgotten(command.context().out(), *forgotten, Revoked::every_session);
  BOOST_TEST(command.err() ==
             "Removed the stored credentials of profiles 'default' and 'work' (their sessions were "
             "revoked); run `compozy login --profile NAME` to sign in again.\n");
}

BOOST_AUTO_TEST_CASE(revoke_all_with_a_key_from_the_environment_asks_whose_it_is) {
  TestCommand command;
  store(command, "work", session(command, "work", "ses_2"));
  command.http.on("GET", host + "/api/v1/me", json_response(200, {{"id", "usr_ada"}, {"email", "ada@example.com"}}));
  const auto forgotten = forget_sessions_of_account(command.context(), {"czk_ci", CredentialOrigin::environment});
  BOOST_TEST_REQUIRE(forgotten.has_value(), forgotten.error().message);
  BOOST_TEST(forgotten->profiles == std::vector<std::string>{"work"});
  BOOST_TEST(header_value(command.http.requests().at(0), "Authorization") == "Bearer czk_ci");

  TestCommand offline;
  store(offline, "work", session(offline, "work", "ses_2"));
  offline.http.on("GET", host + "/api/v1/me", unreachable("cannot connect to 'https://cloud.example.com'"));
  const auto unknown = forget_sessions_of_account(offline.context(), {"czk_ci", CredentialOrigin::environment});
  BOOST_TEST_REQUIRE(unknown.has_value());
  BOOST_TEST(unknown->profiles.empty());
  BOOST_TEST(unknown->unknown == std::vector<std::string>{"whether this machine stores sessions of that account "
                                                          "(cannot connect to 'https://cloud.example.com')"});
  BOOST_TEST(profiles_left(offline) == std::vector<std::string>{"work"});
}
