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

}  // namespace compozy
