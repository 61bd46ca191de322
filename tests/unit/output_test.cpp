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
