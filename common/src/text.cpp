#include "compozy/text.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace compozy {

namespace {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(), lower_ascii);
  return result;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    const auto space = text.find(' ');
    if (space != 0) words.emplace_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return words;
}

std::string join(const std::vector<std::string>& words, std::string_view separator) {
  std::string joined;
  for (const auto& word : words) {
    if (!joined.empty()) joined += separator;
    joined += word;
  }
  return joined;
}

std::string pad_right(std::string_view text, std::size_t width) {
  std::string padded(text);
  if (padded.size() < width) padded.append(width - padded.size(), ' ');
  return padded;
}

std::string html_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      case '"': escaped += "&quot;"; break;
      case '\'': escaped += "&#39;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

namespace {

constexpr char32_t replacement_character = 0xFFFD;

// The next code point of UTF-8 `text` from `at`, and how many bytes it took;
// U+FFFD for a byte that does not start a valid, shortest-form sequence.
std::pair<char32_t, std::size_t> decode_utf8(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  std::size_t length = 0;
  char32_t value = 0;
  char32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, value = lead & 0x1F, smallest = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, value = lead & 0x0F, smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, value = lead & 0x07, smallest = 0x10000;
  } else {
    return {replacement_character, 1};
  }
  if (at + length > text.size()) return {replacement_character, 1};
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return {replacement_character, 1};
    value = value << 6 | (byte(at + i) & 0x3F);
  }
  if (value < smallest || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {replacement_character, 1};
  return {value, length};
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | c >> 18);
    out += static_cast<char>(0x80 | (c >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (c >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F); }

// Left-to-right and right-to-left embeddings, overrides and isolates.
bool is_bidi_control(char32_t c) { return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x061C; }

void append_escape(std::string& out, char32_t c) {
  static constexpr char digits[] = "0123456789abcdef";
  if (c < 0x80) {
    out += "\\x";
  } else {
    out += "\\u";
    out += digits[c >> 12 & 0xF];
    out += digits[c >> 8 & 0xF];
  }
  out += digits[c >> 4 & 0xF];
  out += digits[c & 0xF];
}

// One of the colour codes Output writes, at `at`: its length, or 0.
std::size_t own_style_at(std::string_view text, std::size_t at) {
  for (const std::string_view code : {"\033[0m", "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[33m"}) {
    if (text.substr(at, code.size()) == code) return code.size();
  }
  return 0;
}

enum class OwnStyle { escape, keep, drop };

std::string make_safe(std::string_view text, OwnStyle own_style) {
  std::string safe;
  safe.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    if (const std::size_t style = own_style != OwnStyle::escape ? own_style_at(text, at) : 0; style != 0) {
      if (own_style == OwnStyle::keep) safe.append(text.substr(at, style));
      at += style;
      continue;
    }
    const auto [c, length] = decode_utf8(text, at);
    if (is_control(c) || is_bidi_control(c)) {
      append_escape(safe, c);
    } else {
      append_utf8(safe, c);
    }
    at += length;
  }
  return safe;
}

struct Range {
  char32_t first, last;
};

// Zero width: combining marks, zero-width spaces and joiners, variation selectors.
constexpr Range zero_width[] = {{0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
                                {0x064B, 0x065F}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF},
                                {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x20D0, 0x20FF}, {0xFE00, 0xFE0F},
                                {0xFE20, 0xFE2F}, {0xE0100, 0xE01EF}};
// Two columns: East Asian Wide and Fullwidth (Unicode 15), and emoji.
constexpr Range double_width[] = {{0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
                                  {0x23F0, 0x23F0},   {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},
                                  {0x2648, 0x2653},   {0x267F, 0x267F},   {0x2693, 0x2693},   {0x26A1, 0x26A1},
                                  {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},   {0x26CE, 0x26CE},
                                  {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F5},   {0x26FA, 0x26FD},
                                  {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},   {0x274C, 0x274C},
                                  {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},   {0x27B0, 0x27B0},
                                  {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x2E80, 0x303E},
                                  {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
                                  {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
                                  {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x18CFF},
                                  {0x1B000, 0x1B2FF}, {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E},
                                  {0x1F191, 0x1F19A}, {0x1F200, 0x1F251}, {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF},
                                  {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF}, {0x20000, 0x3FFFD}};

template <std::size_t N>
bool in(const Range (&ranges)[N], char32_t c) {
  return std::any_of(std::begin(ranges), std::end(ranges), [c](const Range& r) { return c >= r.first && c <= r.last; });
}

std::size_t columns_of(char32_t c) {
  if (in(zero_width, c)) return 0;
  return in(double_width, c) ? 2 : 1;
}

}  // namespace

std::string terminal_safe(std::string_view text) { return make_safe(text, OwnStyle::escape); }

std::string terminal_safe_keeping_style(std::string_view text) { return make_safe(text, OwnStyle::keep); }

std::string terminal_safe_without_style(std::string_view text) { return make_safe(text, OwnStyle::drop); }

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = decode_utf8(text, at);
    width += columns_of(c);
    at += length;
  }
  return width;
}

std::string fit_to_width(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  std::string fitted;
  std::size_t used = 0;
  const std::size_t room = width == 0 ? 0 : width - 1;  // one column for the "…"
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = decode_utf8(text, at);
    if (used + columns_of(c) > room) break;
    used += columns_of(c);
    fitted.append(text.substr(at, length));
    at += length;
  }
  return width == 0 ? fitted : fitted + "…";
}

bool is_printable_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, length] = decode_utf8(text, at);
    const bool invalid = c == replacement_character && length == 1;
    if (invalid || is_control(c) || c == 0xFFFE || c == 0xFFFF) return false;
    at += length;
  }
  return true;
}

}  // namespace compozy
