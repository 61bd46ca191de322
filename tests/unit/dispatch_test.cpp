#define BOOST_TEST_MODULE dispatch
#include <boost/test/unit_test.hpp>

#include "support/test_printers.hpp"

#include <map>
#include <set>

#include "aliases.hpp"
#include "compozy/core_commands.hpp"
#include "resolve.hpp"
#include "search_path.hpp"
#include "suggest.hpp"

using namespace compozy;
using namespace compozy::dispatch;
using Words = std::vector<std::string>;

namespace {

// A file system made of a map from path to what is there.
ProbeFile fake_files(std::map<std::string, FileKind> files, std::vector<std::string>* probed = nullptr) {
  return [files = std::move(files), probed](const std::string& path) {
    if (probed != nullptr) probed->push_back(path);
    const auto found = files.find(path);
    return found == files.end() ? FileKind::missing : found->second;
  };
}

const std::vector<SearchDir> dirs{{"/libexec/compozy", DirSource::exec_path},
                                  {"/usr/local/bin", DirSource::path},
                                  {"/usr/bin", DirSource::path}};

}  // namespace

BOOST_AUTO_TEST_CASE(the_longest_dash_joined_name_wins) {
  const auto probe = fake_files({{"/libexec/compozy/compozy-auth", FileKind::executable},
                                 {"/usr/bin/compozy-auth-status", FileKind::executable}});
  const Words args{"auth", "status", "--json"};
  const Resolution resolution = resolve_command(args, dirs, probe);
  BOOST_TEST(resolution.path == "/usr/bin/compozy-auth-status");
  BOOST_TEST(resolution.words == 2u);
}

BOOST_AUTO_TEST_CASE(names_are_tried_longest_first_and_each_in_every_folder_in_order) {
  std::vector<std::string> probed;
  const auto probe = fake_files({}, &probed);
  const Words args{"a", "b", "-x", "c"};
  const Resolution resolution = resolve_command(args, dirs, probe);
  BOOST_TEST(resolution.path.empty());
  BOOST_TEST(probed == (Words{"/libexec/compozy/compozy-a-b", "/usr/local/bin/compozy-a-b",
                              "/usr/bin/compozy-a-b", "/libexec/compozy/compozy-a",
                              "/usr/local/bin/compozy-a", "/usr/bin/compozy-a"}));
}

BOOST_AUTO_TEST_CASE(an_earlier_folder_shadows_a_later_one) {
  const auto probe = fake_files({{"/libexec/compozy/compozy-login", FileKind::executable},
                                 {"/usr/local/bin/compozy-login", FileKind::executable}});
  BOOST_TEST(resolve_command(Words{"login"}, dirs, probe).path == "/libexec/compozy/compozy-login");
}

BOOST_AUTO_TEST_CASE(a_file_without_run_bit_is_skipped_but_reported_when_nothing_runs) {
  const auto only_plain = fake_files({{"/usr/local/bin/compozy-x", FileKind::not_executable}});
  const Resolution missing = resolve_command(Words{"x"}, dirs, only_plain);
  BOOST_TEST(missing.path.empty());
  BOOST_TEST(missing.not_executable == "/usr/local/bin/compozy-x");

  const auto with_runnable = fake_files({{"/usr/local/bin/compozy-x", FileKind::not_executable},
                                         {"/usr/bin/compozy-x", FileKind::executable}});
  const Resolution found = resolve_command(Words{"x"}, dirs, with_runnable);
  BOOST_TEST(found.path == "/usr/bin/compozy-x");
  BOOST_TEST(found.not_executable.empty());
}

BOOST_AUTO_TEST_CASE(joining_stops_at_options_and_at_words_that_cannot_be_names) {
  BOOST_TEST(count_name_words(Words{"auth", "status", "--json"}) == 2u);
  BOOST_TEST(count_name_words(Words{"auth", "revoke", "ses_1.2+x"}) == 3u);
  BOOST_TEST(count_name_words(Words{"auth", "../../bin/sh"}) == 1u);
  BOOST_TEST(count_name_words(Words{"a", "b/c"}) == 1u);
  BOOST_TEST(count_name_words(Words{"a", ""}) == 1u);
  BOOST_TEST(count_name_words(Words{"a", "x y"}) == 1u);
  BOOST_TEST(count_name_words(Words{"a", "é"}) == 1u);
  BOOST_TEST(count_name_words(Words{"-v"}) == 0u);
  BOOST_TEST(!is_name_word(".."));
  BOOST_TEST(!is_name_word("a..b"));
  BOOST_TEST(is_name_word("revoke-all"));
}

BOOST_AUTO_TEST_CASE(relative_path_entries_are_never_searched) {
  const auto found = search_path({"/opt/compozy/libexec/compozy"}, "/usr/bin::.:bin:/usr/local/bin/:/usr/bin");
  std::vector<std::string> paths;
  for (const auto& dir : found) paths.push_back(dir.path);
  BOOST_TEST(paths == (Words{"/opt/compozy/libexec/compozy", "/usr/bin", "/usr/local/bin"}));
  BOOST_TEST((found[0].source == DirSource::exec_path));
  BOOST_TEST((found[1].source == DirSource::path));
}

BOOST_AUTO_TEST_CASE(the_exec_path_comes_from_the_environment_or_from_where_the_binary_is) {
  BOOST_TEST(exec_dirs("/a:rel:/b/", "/usr/bin/compozy") == (Words{"/a", "/b"}));
  BOOST_TEST(exec_dirs(nullptr, "/opt/x/bin/compozy") == (Words{"/opt/x/libexec/compozy"}));
  BOOST_TEST(exec_dirs("", "/usr/bin/compozy") == (Words{"/usr/libexec/compozy"}));
  BOOST_TEST(exec_dirs(nullptr, "/bin/compozy") == (Words{"/libexec/compozy"}));
  BOOST_TEST(exec_dirs(nullptr, "").empty());
}

BOOST_AUTO_TEST_CASE(edit_distance_uses_gits_weights) {
  BOOST_TEST(edit_distance("status", "status") == 0);
  BOOST_TEST(edit_distance("stauts", "status") == 0);  // a swap of neighbours is free
  BOOST_TEST(edit_distance("statsu", "status") == 0);
  BOOST_TEST(edit_distance("stat", "status") == 2);    // two characters added
  BOOST_TEST(edit_distance("statuss", "status") == 3); // one taken away
  BOOST_TEST(edit_distance("stetus", "status") == 2);  // one substituted
}

BOOST_AUTO_TEST_CASE(suggestions_are_the_nearest_commands_above_a_floor) {
  const Words candidates{"alias", "auth-list", "auth-status", "auth-token", "login", "logout", "help"};
  BOOST_TEST(suggest_commands(Words{"auth", "stauts"}, candidates) == (Words{"auth-status"}));
  BOOST_TEST(suggest_commands(Words{"loign"}, candidates) == (Words{"login"}));
  BOOST_TEST(suggest_commands(Words{"logot"}, candidates) == (Words{"logout"}));
  BOOST_TEST(suggest_commands(Words{"token"}, candidates) == (Words{"auth-token"}));
  BOOST_TEST(suggest_commands(Words{"auth", "tken", "extra"}, candidates) == (Words{"auth-token"}));
  BOOST_TEST(suggest_commands(Words{"frobnicate"}, candidates).empty());
  BOOST_TEST(suggest_commands(Words{}, candidates).empty());
}

BOOST_AUTO_TEST_CASE(aliases_split_like_gits_split_cmdline) {
  BOOST_TEST(required(split_command_line("auth status")) == (Words{"auth", "status"}));
  BOOST_TEST(required(split_command_line("  a\t'b c'  \"d \\\" e\" f\\ g ''")) == (Words{"a", "b c", "d \" e", "f g", ""}));
  BOOST_TEST(required(split_command_line("")).empty());
  BOOST_TEST(!split_command_line("a 'b").has_value());
  BOOST_TEST(!split_command_line("a \\").has_value());
}

BOOST_AUTO_TEST_CASE(the_alias_listing_is_pairs_of_nul_terminated_fields) {
  const std::string listing("st\0auth status\0who\0!echo me\0trunc", 33);
  const auto aliases = parse_alias_listing(listing);
  BOOST_TEST_REQUIRE(aliases.size() == 2u);
  BOOST_TEST(aliases[0].name == "st");
  BOOST_TEST(aliases[0].expansion == "auth status");
  BOOST_TEST(aliases[1].expansion == "!echo me");
}

BOOST_AUTO_TEST_CASE(every_core_command_has_a_distinct_file_and_a_summary) {
  std::set<std::string> files;
  for (const auto& command : core_commands()) {
    BOOST_TEST(!command.summary.empty());
    BOOST_TEST(files.insert(core_file_name(command.name)).second, command.name);
    BOOST_TEST(display_name(core_file_name(command.name)) == command.name);
  }
  BOOST_TEST(core_file_name("auth revoke-all") == "compozy-auth-revoke-all");
  BOOST_TEST(display_name("compozy-deploy-preview") == "deploy preview");
}

// Issue 8, finding 8: 12,000 arguments to an unknown command took 97 s and 495 MB, every
// prefix of them joined and compared with every command.
BOOST_AUTO_TEST_CASE(a_name_is_never_longer_than_a_file_name_can_be) {
  const Words many(12'000, "ab");
  const std::size_t words = count_name_words(many);
  BOOST_TEST(words < 100u);
  BOOST_TEST(plugin_file_name(std::span(many).first(words)).size() <= 255u);
  std::vector<std::string> probed;
  (void)resolve_command(many, dirs, fake_files({}, &probed));
  BOOST_TEST(probed.size() == words * dirs.size());
}
