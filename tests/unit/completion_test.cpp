// What `compozy WORDS… <TAB>` offers (common/completion), against fake
// sources: command names by their words, options read from --help, profile
// names and session IDs where those commands take them, and nothing unsafe.
#define BOOST_TEST_MODULE completion
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include "compozy/completion.hpp"

using namespace compozy;
using Words = std::vector<std::string>;

namespace {

class FakeSources final : public CompletionSources {
 public:
  Words command_names = {"help", "plugin list", "version", "login", "logout", "auth status", "auth revoke",
                         "auth revoke-all", "profile use", "profile remove", "profile list", "hello", "deploy",
                         "deploy preview"};
  Words alias_names = {"st"};
  std::map<std::string, std::vector<CompletionFlag>> flags_of = {
      {"login", {{"--help"}, {"--device"}, {"--profile", true}, {"--store", true}}},
      {"auth revoke", {{"--help"}, {"--profile", true}}},
  };
  Words profile_names = {"default", "work", "lab"};
  Words session_ids = {"ses_1", "ses_2"};
  int session_requests = 0;

  Words commands() override { return command_names; }
  Words aliases() override { return alias_names; }
  std::vector<CompletionFlag> flags(std::string_view command) override { return flags_of[std::string(command)]; }
  Words profiles() override { return profile_names; }
  Words sessions() override {
    ++session_requests;
    return session_ids;
  }
};

Words complete(FakeSources& sources, Words words) { return complete_words(words, sources); }

}  // namespace

BOOST_AUTO_TEST_CASE(first_words_of_commands_and_aliases_are_offered_once) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {""}) ==
                 (Words{"auth", "deploy", "hello", "help", "login", "logout", "plugin", "profile", "st", "version"}),
             boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"au"}) == Words{"auth"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"lo"}) == (Words{"login", "logout"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_next_word_of_a_group_is_offered) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"auth", "st"}) == Words{"status"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"auth", "revoke"}) == (Words{"revoke", "revoke-all"}), boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"help", "auth", "s"}) == Words{"status"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"plugin", ""}) == Words{"list"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_command_that_is_also_a_group_offers_its_longer_names) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"deploy", "p"}) == Words{"preview"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"nothing", ""}).empty());
}

BOOST_AUTO_TEST_CASE(options_come_from_the_commands_own_list) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"login", "--"}) == (Words{"--device", "--help", "--profile", "--store"}),
             boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"login", "--d"}) == Words{"--device"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"hello", "--"}).empty());
}

BOOST_AUTO_TEST_CASE(the_dispatchers_own_options_come_before_the_command) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"--h"}) == (Words{"--help", "--host"}), boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"--profile", "w"}) == Words{"work"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"--host", ""}).empty());
  BOOST_TEST(complete(sources, {"--profile", "work", "au"}) == Words{"auth"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"--host=https://x", "auth", "st"}) == Words{"status"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(profile_names_complete_profile_arguments_and_the_profile_option) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"profile", "use", ""}) == (Words{"default", "lab", "work"}),
             boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"profile", "remove", "l"}) == Words{"lab"}, boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"login", "--profile", ""}) == (Words{"default", "lab", "work"}),
             boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"profile", "use", "lab", ""}).empty());
  BOOST_TEST(complete(sources, {"login", "--store", ""}).empty());
}

BOOST_AUTO_TEST_CASE(session_ids_are_asked_for_only_where_auth_revoke_takes_one) {
  FakeSources sources;
  BOOST_TEST(complete(sources, {"auth", "revoke", ""}) == (Words{"ses_1", "ses_2"}), boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"auth", "revoke", "--profile", "work", ""}) == (Words{"ses_1", "ses_2"}),
             boost::test_tools::per_element());
  BOOST_TEST(sources.session_requests == 2);
  complete(sources, {"auth", "revoke", "ses_1", ""});
  complete(sources, {"auth", "revoke-all", ""});
  complete(sources, {"auth", "revoke", "--"});
  BOOST_TEST(sources.session_requests == 2);
}

BOOST_AUTO_TEST_CASE(candidates_that_would_reach_the_terminal_altered_are_left_out) {
  FakeSources sources;
  sources.profile_names = {"ok", "two words", "esc\x1b[31m", "tab\there", "bidi\u202e", "caf\xc3\xa9", "bad\xff"};
  sources.session_ids = {"ses_ok", "ses\nforged", ""};
  BOOST_TEST(complete(sources, {"profile", "use", ""}) == (Words{"caf\xc3\xa9", "ok"}), boost::test_tools::per_element());
  BOOST_TEST(complete(sources, {"auth", "revoke", ""}) == Words{"ses_ok"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(options_are_read_from_help_as_cxxopts_and_devcloud_print_it) {
  const auto flags = flags_in_help(
      "usage: compozy login [--device]\n"
      "\n"
      "Signs in. --store NAME is remembered.\n"
      "  -h, --help                show this help\n"
      "      --profile NAME        the profile to use (also COMPOZY_PROFILE; both win over `compozy \n"
      "                            profile use`)\n"
      "      --device              sign in by entering a code\n"
      "                            --paginate) as a description goes on\n"
      "  -X, --method METHOD       the method\n"
      "    --refresh-reuse-interval S\n"
      "                             seconds\n"
      "    --port N                 port to listen on\n"
      "--not-indented   is prose\n"
      "  - a list item\n");
  std::vector<std::pair<std::string, bool>> seen;
  for (const auto& flag : flags) seen.emplace_back(flag.name, flag.takes_value);
  const std::vector<std::pair<std::string, bool>> expected = {{"--help", false},   {"--profile", true},
                                                              {"--device", false}, {"--method", true},
                                                              {"--refresh-reuse-interval", true}, {"--port", true}};
  BOOST_TEST(seen.size() == expected.size());
  for (std::size_t i = 0; i < std::min(seen.size(), expected.size()); ++i) {
    BOOST_TEST(seen[i].first == expected[i].first);
    BOOST_TEST(seen[i].second == expected[i].second);
  }
}

BOOST_AUTO_TEST_CASE(each_shell_has_a_script_that_asks_complete) {
  for (const auto* name : {"bash", "zsh", "fish"}) {
    const auto shell = shell_named(name);
    BOOST_TEST_REQUIRE(shell.has_value());
    BOOST_TEST(completion_script(*shell).find("compozy completion __complete --") != std::string_view::npos);
  }
  BOOST_TEST(!shell_named("tcsh").has_value());
}
