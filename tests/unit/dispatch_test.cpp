#define BOOST_TEST_MODULE dispatch
#include <boost/test/unit_test.hpp>

#include "support/test_printers.hpp"

#include <map>
#include <set>

#include "aliases.hpp"
#include "compozy/core_commands.hpp"
#include "dispatcher.hpp"
#include "exit_codes.hpp"
#include "launcher.hpp"
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

// Records what would have been exec'd instead of replacing the test process.
class FakeLauncher final : public Launcher {
 public:
  explicit FakeLauncher(std::vector<FoundPlugin> plugins) : plugins_(std::move(plugins)) {}
  int exec_plugin(const std::string& path, std::span<const std::string>) override {
    execs.push_back(path);
    return 0;
  }
  int exec_shell_alias(const std::string& command, std::span<const std::string>) override {
    execs.push_back("!" + command);
    return 0;
  }
  std::vector<Alias> aliases() override { return {}; }
  std::vector<FoundPlugin> plugins() override { return plugins_; }
  std::vector<std::string> execs;

 private:
  std::vector<FoundPlugin> plugins_;
};

struct Dispatched {
  int status;
  std::string out;
  std::string err;
  std::vector<std::string> execs;
};

std::string contents(std::FILE* file) {
  std::string text(static_cast<std::size_t>(std::ftell(file)), '\0');
  std::rewind(file);
  text.resize(std::fread(text.data(), 1, text.size(), file));
  std::fclose(file);
  return text;
}

// The dispatcher run on `args` in an installation that holds only `installed`
// (file names in /libexec/compozy).
Dispatched run_dispatcher(Words args, const Words& installed) {
  std::vector<FoundPlugin> plugins;
  std::map<std::string, FileKind> files;
  for (const auto& file : installed) {
    plugins.push_back({file, "/libexec/compozy/" + file, DirSource::exec_path, true, true});
    files.emplace("/libexec/compozy/" + file, FileKind::executable);
  }
  FakeLauncher launcher(plugins);
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  Dispatcher dispatcher({"/libexec/compozy"}, dirs, launcher, fake_files(files), out, err);
  const int status = dispatcher.run(std::move(args));
  return {status, contents(out), contents(err), launcher.execs};
}

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

BOOST_AUTO_TEST_CASE(a_manifest_is_never_taken_for_a_command) {
  BOOST_TEST(!is_name_word("hello.manifest"));
  BOOST_TEST(count_name_words(Words{"hello", "x.manifest"}) == 1u);
  BOOST_TEST(is_name_word("manifest"));
}

BOOST_AUTO_TEST_CASE(each_core_command_names_its_debian_package) {
  for (const auto& command : core_commands()) {
    BOOST_TEST(command.package == (command.name == "devcloud" ? "compozy-devcloud" : "compozy"), command.name);
  }
}

BOOST_AUTO_TEST_CASE(the_words_of_other_clis_have_known_synonyms) {
  const std::pair<Words, std::string> cases[] = {
      {{"auth", "login"}, "compozy login"},
      {{"auth", "login", "--web"}, "compozy login"},
      {{"auth", "logout"}, "compozy logout"},
      {{"auth", "whoami"}, "compozy auth status"},
      {{"whoami"}, "compozy auth status"},
      {{"auth", "switch", "work"}, "compozy profile use"},
  };
  for (const auto& [words, command] : cases) BOOST_TEST(required(known_synonym(words)).command == command);
  BOOST_TEST(!known_synonym(Words{"auth"}).has_value());
  BOOST_TEST(!known_synonym(Words{"auth", "logins"}).has_value());
  BOOST_TEST(!known_synonym(Words{"login"}).has_value());
}

BOOST_AUTO_TEST_CASE(the_core_command_named_by_the_leading_words_is_found_longest_first) {
  BOOST_TEST(required(named_core_command(Words{"devcloud", "serve"})).name == "devcloud");
  BOOST_TEST(required(named_core_command(Words{"auth", "revoke-all", "x"})).name == "auth revoke-all");
  BOOST_TEST(!named_core_command(Words{"auth"}).has_value());
  BOOST_TEST(!named_core_command(Words{"deploy"}).has_value());
}

BOOST_AUTO_TEST_CASE(a_missing_tool_says_which_package_to_install) {
  const Words compozy_package{"compozy-login", "compozy-logout", "compozy-auth-status"};
  const auto devcloud = run_dispatcher({"devcloud", "--port", "0"}, compozy_package);
  BOOST_TEST(devcloud.status == exit_not_installed);
  BOOST_TEST(devcloud.err ==
             "compozy: 'devcloud' is not installed: it is in the Debian package compozy-devcloud "
             "(apt install compozy-devcloud)\n");
  BOOST_TEST(devcloud.execs.empty());
  BOOST_TEST(run_dispatcher({"help", "devcloud"}, compozy_package).status == exit_not_installed);

  const auto token = run_dispatcher({"auth", "token"}, compozy_package);
  BOOST_TEST(token.status == exit_not_installed);
  BOOST_TEST(token.err ==
             "compozy: 'auth token' is missing from this installation, which is incomplete; reinstall it "
             "(apt install --reinstall compozy)\n");

  // An absent optional tool is not in the overview; an absent one of compozy's own is, marked.
  const auto overview = run_dispatcher({"help"}, compozy_package);
  BOOST_TEST(overview.out.find("devcloud") == std::string::npos);
  BOOST_TEST(overview.out.find("Print a valid access token for scripts and plugins (not installed)") !=
             std::string::npos);
  BOOST_TEST(run_dispatcher({"help"}, {"compozy-devcloud"}).out.find("  devcloud ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_known_synonym_gets_the_compozy_command_and_exits_as_an_unknown_command) {
  const Words installed{"compozy-login", "compozy-auth-status", "compozy-auth-list"};
  const auto login = run_dispatcher({"auth", "login", "--web"}, installed);
  BOOST_TEST(login.status == exit_unknown_command);
  BOOST_TEST(login.err ==
             "compozy: 'auth login' is not a compozy command; see 'compozy help'\n"
             "hint: to sign in, run `compozy login --web`\n");
  BOOST_TEST(login.execs.empty());
  BOOST_TEST(run_dispatcher({"whoami"}, installed)
                 .err.ends_with("hint: to see the account you are signed in as, run `compozy auth status`\n"));
  // A plugin of that name runs: a synonym is only what is said when nothing runs.
  const auto planted = run_dispatcher({"auth", "login"}, {"compozy-auth-login"});
  BOOST_TEST(planted.execs == (Words{"/libexec/compozy/compozy-auth-login"}));
}
