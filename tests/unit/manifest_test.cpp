// A plugin's manifest (docs/plugin-manifest.md): what the dispatcher reads
// from it, what it refuses, and how what it shows is kept safe for a terminal.
#define BOOST_TEST_MODULE manifest
#include <boost/test/unit_test.hpp>

#include "support/test_printers.hpp"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "compozy/text.hpp"
#include "manifest.hpp"
#include "support/temp_folder.hpp"

using namespace compozy;
using namespace compozy::dispatch;

BOOST_AUTO_TEST_CASE(the_documented_example_is_read) {
  const auto manifest = required(parse_manifest(
      "# compozy plugin manifest\n"
      "manifest: 1\n"
      "summary: Say hello to the signed-in account\n"));
  BOOST_TEST(manifest.summary == "Say hello to the signed-in account");
  BOOST_TEST(manifest.usage.empty());
}

BOOST_AUTO_TEST_CASE(values_read_as_yaml_reads_them) {
  const auto manifest = required(parse_manifest(
      "\xEF\xBB\xBF"  // a byte-order mark, which YAML allows
      "manifest: 1   # the format\r\n"
      "\n"
      "  # an indented comment\n"
      "summary:  Deploy a preview:fast#not-a-comment # a comment\n"
      "usage: \"[--json] \\\"NAME\\\" \\\\\"\n"
      "homepage: https://example.com/x\n"  // unknown keys are for later formats
      "future_key: 'it''s ignored'\n"));
  BOOST_TEST(manifest.summary == "Deploy a preview:fast#not-a-comment");
  BOOST_TEST(manifest.usage == "[--json] \"NAME\" \\");
  BOOST_TEST(required(parse_manifest("manifest: 1\nsummary: 'it''s [quoted]' # c\n")).summary == "it's [quoted]");
  BOOST_TEST(required(parse_manifest("manifest: '1'\nsummary: -x and --y\n")).summary == "-x and --y");
  BOOST_TEST(required(parse_manifest("manifest: 1\nsummary: ünïcødé ✓")).summary == "ünïcødé ✓");
}

BOOST_AUTO_TEST_CASE(what_is_not_a_manifest_says_why) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "no 'manifest: 1' line"},
      {"summary: x\n", "no 'manifest: 1' line"},
      {"manifest: 2\nsummary: x\n", "format '2' is not one this compozy reads (1)"},
      {"manifest: 1\n", "no 'summary'"},
      {"manifest: 1\nsummary:\n", "no 'summary'"},
      {"manifest: 1\nsummary: ''\n", "no 'summary'"},
      {"manifest: 1\nmanifest: 1\nsummary: x\n", "line 2: 'manifest' is given twice"},
      {"manifest: 1\n  summary: x\n", "line 2: not 'key: value'"},
      {"manifest: 1\nsummary x\n", "line 2: not 'key: value'"},
      {"manifest: 1\nsummary:x\n", "line 2: not 'key: value'"},
      {"manifest: 1\n---\n", "line 2: not 'key: value'"},
      {"manifest: 1\n- summary: x\n", "line 2: not 'key: value'"},
      {"manifest: 1\nsummary: \x1b[31mred\n", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: a\rb\n", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: x\r", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: a\tb\n", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: \xC2\x9B" "31m\n", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: caf\xE9" "\n", "line 2: a control character, a tab or bytes that are not UTF-8"},
      {"manifest: 1\nsummary: ~\n", "no 'summary'"},
      {"manifest: 1\nsummary: [--json] NAME\n", "line 2: 'summary': a value starting with '[' must be quoted"},
      {"manifest: 1\nsummary: &anchor x\n", "line 2: 'summary': a value starting with '&' must be quoted"},
      {"manifest: 1\nsummary: - x\n", "line 2: 'summary': a value starting with '-' must be quoted"},
      {"manifest: 1\nsummary: a: b\n", "line 2: 'summary': a value with ': ' in it must be quoted"},
      {"manifest: 1\nsummary: \"open\n", "line 2: 'summary': a '\"' is not closed"},
      {"manifest: 1\nsummary: 'open\n", "line 2: 'summary': a \"'\" is not closed"},
      {"manifest: 1\nsummary: \"a\" b\n", "line 2: 'summary': text after the closing '\"'"},
      {"manifest: 1\nsummary: \"\\x1b\"\n", "line 2: 'summary': only the escapes \\\" and \\\\ are read in a \"…\" value"},
      {"manifest: 1\nsummary: x\n" + std::string(manifest_max_bytes, '#'), "larger than 4096 bytes"},
  };
  for (const auto& [text, message] : cases) {
    BOOST_TEST(failure_of(parse_manifest(text)).message == message, text);
  }
}

BOOST_AUTO_TEST_CASE(a_summary_is_shown_safe_and_at_most_80_columns_wide) {
  BOOST_TEST(displayed_summary({"plain", ""}) == "plain");
  // What the parser lets through that a terminal would act on is made visible.
  BOOST_TEST(displayed_summary({"right\u202eto left", ""}) == "right\\u202eto left");
  const std::string shown = displayed_summary({std::string(200, 'x'), ""});
  BOOST_TEST(display_width(shown) == summary_max_columns);
  BOOST_TEST(shown.ends_with("…"));
  BOOST_TEST(display_width(displayed_summary({std::string(60, 'x') + std::string(30, '\0') + "語語語", ""})) <= 80u);
}

BOOST_AUTO_TEST_CASE(the_manifest_beside_a_plugin_is_read_without_running_it) {
  TempFolder folder;
  const std::string plugin = (folder.path() / "compozy-hello").string();
  BOOST_TEST(!read_manifest(plugin).has_value());

  folder.write("compozy-hello.manifest", "manifest: 1\nsummary: Say hello\n");
  BOOST_TEST(required(required(read_manifest(plugin))).summary == "Say hello");

  folder.write("compozy-hello.manifest", "manifest: 1\nsummary: x\n" + std::string(1 << 20, '#'));
  BOOST_TEST(failure_of(required(read_manifest(plugin))).message == "larger than 4096 bytes");

  // A FIFO would block a reader that waits for a writer; a folder cannot be read.
  const std::string fifo = (folder.path() / "compozy-pipe.manifest").string();
  BOOST_TEST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  BOOST_TEST(failure_of(required(read_manifest((folder.path() / "compozy-pipe").string()))).message ==
             "not a regular file");
  std::filesystem::create_directory(folder.path() / "compozy-dir.manifest");
  BOOST_TEST(!required(read_manifest((folder.path() / "compozy-dir").string())).has_value());
}

// The first ```yaml block after `heading` in a file of the source tree.
std::string yaml_block(const std::string& file, const std::string& heading) {
  const char* root = std::getenv("COMPOZY_SOURCE_ROOT");
  BOOST_TEST_REQUIRE(root != nullptr);
  std::stringstream text;
  text << std::ifstream(std::string(root) + "/" + file).rdbuf();
  const std::string all = text.str();
  const auto start = all.find("```yaml\n", all.find(heading));
  BOOST_TEST_REQUIRE(start != std::string::npos, file);
  const auto end = all.find("```\n", start + 8);
  return all.substr(start + 8, end - start - 8);
}

BOOST_AUTO_TEST_CASE(the_examples_in_the_documentation_are_manifests) {
  const auto documented = required(parse_manifest(yaml_block("docs/plugin-manifest.md", "## Format")));
  BOOST_TEST(documented.summary == "Say hello to the signed-in account");
  BOOST_TEST(documented.usage == "[--json] NAME");
  BOOST_TEST(required(parse_manifest(yaml_block("README.md", "## Writing a plugin"))).summary ==
             "Say hello to the signed-in account");
}
