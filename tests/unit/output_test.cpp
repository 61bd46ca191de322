#define BOOST_TEST_MODULE output
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sstream>

#include "support/test_context.hpp"
#include "support/test_printers.hpp"

#include "compozy/output.hpp"
#include "compozy/text.hpp"

using namespace compozy;
using namespace compozy::testing;
namespace data = boost::unit_test::data;

namespace {

struct Captured {
  explicit Captured(Terminal terminal) : output(terminal, out.get(), err.get()) {}
  CapturedStream out;
  CapturedStream err;
  Output output;
};

Terminal terminal_of_width(int width) {
  return Terminal{.stdout_is_terminal = true, .stderr_is_terminal = true, .color_allowed = false, .width = width};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

std::size_t columns(const std::string& line) {
  std::size_t count = 0;
  for (const char c : line) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

const std::vector<std::string> header{"", "ID", "CLIENT", "DEVICE", "LAST USED"};
const std::vector<std::vector<std::string>> rows{
    {"*", "ses_0123456789abcdef", "compozy-cli", "compozy/0.1.0 (linux; x86_64) Debian GNU/Linux 12", "2 minutes ago"},
    {"", "ses_fedcba9876543210", "compozy-cli", "curl/8.1", "3 days ago"},
};

}  // namespace

BOOST_DATA_TEST_CASE(a_table_fits_the_terminal_and_keeps_ids_whole, data::make({200, 100, 80, 60}), width) {
  Captured captured(terminal_of_width(width));
  captured.output.table(header, rows, {0, 1});
  const auto lines = lines_of(captured.out.text());
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  for (const auto& line : lines) BOOST_TEST(columns(line) <= static_cast<std::size_t>(width), line);
  BOOST_TEST(lines[1].find("ses_0123456789abcdef") != std::string::npos);
  BOOST_TEST(lines[2].find("ses_fedcba9876543210") != std::string::npos);
  // The header and every row line up: the ID column starts at the same place.
  BOOST_TEST(lines[0].find("ID") == lines[1].find("ses_"));
  const bool shortened = lines[1].find("…") != std::string::npos;
  BOOST_TEST(shortened == (width < 103));  // 103 columns fit the table whole
}

BOOST_AUTO_TEST_CASE(a_table_too_wide_to_fit_still_shows_every_id) {
  Captured captured(terminal_of_width(20));
  captured.output.table(header, rows, {0, 1});
  BOOST_TEST(captured.out.text().find("ses_0123456789abcdef") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_piped_table_is_tab_separated_without_a_header) {
  Captured captured(Terminal{});
  captured.output.table(header, rows, {0, 1});
  const auto lines = lines_of(captured.out.text());
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(lines[0] == "*\tses_0123456789abcdef\tcompozy-cli\tcompozy/0.1.0 (linux; x86_64) Debian GNU/Linux 12\t2 minutes ago");
}

BOOST_AUTO_TEST_CASE(colour_only_on_a_terminal_that_allows_it) {
  Captured plain(Terminal{.stderr_is_terminal = true, .color_allowed = false});
  plain.output.success("done");
  plain.output.warning("careful");
  BOOST_TEST(plain.err.text() == "✓ done\nwarning: careful\n");

  Captured colored(Terminal{.stderr_is_terminal = true, .color_allowed = true});
  colored.output.success("done");
  BOOST_TEST(colored.err.text() == "\033[32m✓\033[0m done\n");

  Captured piped(Terminal{.stderr_is_terminal = false, .color_allowed = true});
  piped.output.success("done");
  BOOST_TEST(piped.err.text() == "✓ done\n");
}

BOOST_AUTO_TEST_CASE(data_goes_to_stdout_and_messages_to_stderr) {
  Captured captured(Terminal{});
  captured.output.data("token\n");
  captured.output.json({{"a", 1}});
  captured.output.info("hello");
  BOOST_TEST(captured.out.text() == "token\n{\n  \"a\": 1\n}\n");
  BOOST_TEST(captured.err.text() == "hello\n");
}

BOOST_AUTO_TEST_CASE(relative_times_read_as_a_person_says_them) {
  const TimePoint now = from_unix_seconds(1'800'000'000);
  BOOST_TEST(relative_time(now + std::chrono::seconds(2), now) == "just now");
  BOOST_TEST(relative_time(now + std::chrono::seconds(45), now) == "in 45 seconds");
  BOOST_TEST(relative_time(now - std::chrono::seconds(60 * 59), now) == "59 minutes ago");
  BOOST_TEST(relative_time(now + std::chrono::seconds(3600), now) == "in 1 hour");
  BOOST_TEST(relative_time(now - std::chrono::seconds(3 * 86400), now) == "3 days ago");
}

BOOST_AUTO_TEST_CASE(text_helpers) {
  BOOST_TEST(lower("Bearer ÄB") == "bearer Äb");
  BOOST_TEST(equals_ignoring_case("BEARER", "bearer"));
  BOOST_TEST(trim(" \t x y \r\n") == "x y");
  BOOST_TEST(split_words("  a b  c ") == (std::vector<std::string>{"a", "b", "c"}));
  BOOST_TEST(join({"a", "b"}, ", ") == "a, b");
  BOOST_TEST(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  BOOST_TEST(pad_right("ab", 4) == "ab  ");
}

// Issue 8, finding 2: text from a server reached the terminal raw.
BOOST_AUTO_TEST_CASE(outside_text_is_made_safe_for_a_terminal) {
  BOOST_TEST(terminal_safe("ada@example.com") == "ada@example.com");
  BOOST_TEST(terminal_safe("\033]0;pwned\a") == "\\x1b]0;pwned\\x07");                    // OSC: the window title
  BOOST_TEST(terminal_safe("\033]8;;https://evil/\033\\x\033]8;;\033\\") ==                 // OSC 8: a fake link
             "\\x1b]8;;https://evil/\\x1b\\x\\x1b]8;;\\x1b\\");
  BOOST_TEST(terminal_safe("\033[2J\033[H") == "\\x1b[2J\\x1b[H");                          // CSI: clear the screen
  BOOST_TEST(terminal_safe("ok\rfake") == "ok\\x0dfake");                                   // carriage return
  BOOST_TEST(terminal_safe("a\tb\nc") == "a\\x09b\\x0ac");                                  // one line, one field
  BOOST_TEST(terminal_safe("\xC2\x9B" "2J") == "\\u009b2J");                                // C1 CSI
  BOOST_TEST(terminal_safe("\x7F") == "\\x7f");                                             // DEL
  BOOST_TEST(terminal_safe("abc\xE2\x80\xAE" "fdp.exe") == "abc\\u202efdp.exe");            // right-to-left override
  BOOST_TEST(terminal_safe("\xFF\xC0\x80 x") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD x");   // invalid and overlong UTF-8
  BOOST_TEST(terminal_safe("Zoë 東京 🙂") == "Zoë 東京 🙂");
  BOOST_TEST(terminal_safe_keeping_style("\033[32m✓\033[0m \033]0;x\a") == "\033[32m✓\033[0m \\x1b]0;x\\x07");
}

BOOST_AUTO_TEST_CASE(width_is_measured_in_display_columns) {
  BOOST_TEST(display_width("abc") == 3u);
  BOOST_TEST(display_width("Zoë") == 3u);
  BOOST_TEST(display_width("e\xCC\x81") == 1u);  // e and a combining acute accent
  BOOST_TEST(display_width("東京") == 4u);
  BOOST_TEST(display_width("🙂") == 2u);
  BOOST_TEST(fit_to_width("東京都庁", 5) == "東京…");
  BOOST_TEST(fit_to_width("abcdef", 4) == "abc…");
  BOOST_TEST(fit_to_width("abc", 4) == "abc");
}

BOOST_AUTO_TEST_CASE(table_cells_from_a_server_cannot_break_rows_or_drive_the_terminal) {
  const std::vector<std::vector<std::string>> hostile{
      {"*", "ses_1", "evil\tcli", "line\nbreak\033]0;title\a"},
      {"", "ses_2", "東京デバイス", "ok"},
  };
  Captured piped(Terminal{});
  piped.output.table({"", "ID", "CLIENT", "DEVICE"}, hostile, {0, 1});
  const auto rows = lines_of(piped.out.text());
  BOOST_TEST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0] == "*\tses_1\tevil\\x09cli\tline\\x0abreak\\x1b]0;title\\x07");

  Captured terminal(terminal_of_width(40));
  terminal.output.table({"", "ID", "CLIENT", "DEVICE"}, hostile, {0, 1});
  const std::string text = terminal.out.text();
  BOOST_TEST(text.find('\033') == std::string::npos);
  for (const auto& line : lines_of(text)) BOOST_TEST(display_width(line) <= 40u, line);
  // The wide client name takes two columns a character, and the columns still line up.
  const auto lines = lines_of(text);
  BOOST_TEST(display_width(lines[2].substr(0, lines[2].find("ok"))) == display_width(lines[1].substr(0, lines[1].find("line"))));
}

BOOST_AUTO_TEST_CASE(json_output_escapes_what_json_must_and_never_throws_on_bad_utf8) {
  Captured captured(Terminal{});
  captured.output.json({{"account", "\033]0;x\a"}, {"name", "\xFF"}, {"city", "東京"}});
  const std::string text = captured.out.text();
  BOOST_TEST(text.find('\033') == std::string::npos);
  BOOST_TEST(text.find("\\u001b]0;x\\u0007") != std::string::npos);
  BOOST_TEST(text.find("\\ufffd") != std::string::npos);
  BOOST_TEST(nlohmann::json::parse(text)["city"] == "東京");
}

BOOST_AUTO_TEST_CASE(messages_keep_compozys_colours_and_lose_everyone_elses_escapes) {
  Captured captured(Terminal{.stderr_is_terminal = true, .color_allowed = true});
  captured.output.success("Logged in as " + captured.output.bold("\033]0;pwned\aada\r"));
  BOOST_TEST(captured.err.text() == "\033[32m✓\033[0m Logged in as \033[1m\\x1b]0;pwned\\x07ada\\x0d\033[0m\n");
}

BOOST_AUTO_TEST_CASE(a_table_whose_ids_cannot_fit_becomes_blocks_of_lines_never_a_broken_id) {
  Captured captured(terminal_of_width(31));  // whole IDs need 41 columns as a table
  captured.output.table(header, rows, {0, 1});
  const auto lines = lines_of(captured.out.text());
  BOOST_TEST_REQUIRE(lines.size() >= 9u);
  BOOST_TEST(lines[0] == "*");
  BOOST_TEST(lines[1] == "ID         ses_0123456789abcdef");
  BOOST_TEST(lines[2] == "CLIENT     compozy-cli");
  // A value wider than the line goes on a line of its own, whole.
  BOOST_TEST(lines[3] == "DEVICE");
  BOOST_TEST(lines[4] == "compozy/0.1.0 (linux; x86_64) Debian GNU/Linux 12");
  for (const auto& line : lines) {
    const bool whole = line.ends_with("ses_0123456789abcdef") || line.ends_with("ses_fedcba9876543210");
    if (line.find("ses_") != std::string::npos) BOOST_TEST(whole, line);
  }
}

BOOST_AUTO_TEST_CASE(wide_characters_are_fitted_by_display_width) {
  const std::vector<std::vector<std::string>> wide_rows{
      {"", "ses_0123456789abcdef", "compozy-cli", "東京のノートパソコン東京のノートパソコン", "2 minutes ago"}};
  Captured captured(terminal_of_width(70));
  captured.output.table(header, wide_rows, {0, 1});
  const auto lines = lines_of(captured.out.text());
  BOOST_TEST_REQUIRE(lines.size() == 2u);
  BOOST_TEST(display_width(lines[1]) <= 70u);
  BOOST_TEST(lines[1].find("…") != std::string::npos);
  // The header and the row line up in columns, not bytes: both end at the same column.
  BOOST_TEST(display_width(lines[0].substr(0, lines[0].find("LAST USED"))) ==
             display_width(lines[1].substr(0, lines[1].find("2 minutes ago"))));
}
