// What the fuzz targets share: the input as text, and a check that stops the
// run loudly (libFuzzer reports the input) when a property does not hold.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace compozy::fuzzing {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input cut at NUL bytes: a command line, or several documents.
inline std::vector<std::string_view> pieces_of(std::string_view text) {
  std::vector<std::string_view> pieces;
  while (true) {
    const auto nul = text.find('\0');
    pieces.push_back(text.substr(0, nul));
    if (nul == std::string_view::npos) return pieces;
    text.remove_prefix(nul + 1);
  }
}

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (false)

}  // namespace compozy::fuzzing
