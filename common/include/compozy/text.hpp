// Small text helpers that every part of the suite shares, so that each exists once.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace compozy {

std::string lower(std::string_view text);  // ASCII only, as protocol names are
bool equals_ignoring_case(std::string_view a, std::string_view b);

// Without leading and trailing spaces, tabs, carriage returns and newlines.
std::string_view trim(std::string_view text);

// The words of `text` between runs of spaces (OAuth's scope lists, BROWSER, config values).
std::vector<std::string> split_words(std::string_view text);
std::string join(const std::vector<std::string>& words, std::string_view separator);

// `text` followed by spaces up to `width` bytes (for our own ASCII names).
std::string pad_right(std::string_view text, std::size_t width);

// For text put into an HTML page: & < > " ' become entities.
std::string html_escape(std::string_view text);

// Text from outside (a server, a file, the environment) made safe to show on a
// terminal: control characters (C0, DEL and C1, so every escape sequence, and
// tabs and newlines too: a value stays on its line) and the bidirectional
// overrides that reorder what a person reads become visible escapes such as
// "\x1b" or "\u202e"; invalid UTF-8 becomes U+FFFD.
std::string terminal_safe(std::string_view text);

// Whether `text` is valid UTF-8 with no control character (C0, so no tab or
// newline either, DEL and C1) and no noncharacter U+FFFE or U+FFFF: a line of
// text as YAML allows it in a document.
bool is_printable_utf8(std::string_view text);

// The same, except for the few colour codes compozy writes itself (bold, dim,
// red, green, yellow, reset), which pass: for lines that mix both.
std::string terminal_safe_keeping_style(std::string_view text);

// The same, with those colour codes removed: for a line styled for one stream
// written to another that takes no colour (a pipe, NO_COLOR).
std::string terminal_safe_without_style(std::string_view text);

// The columns that text takes on a terminal: most characters 1, East Asian
// wide ones and emoji 2, combining marks and zero-width characters 0.
std::size_t display_width(std::string_view text);

// At most `width` columns of `text`, ending in "…" when it was cut; never
// splits a character.
std::string fit_to_width(std::string_view text, std::size_t width);

}  // namespace compozy
