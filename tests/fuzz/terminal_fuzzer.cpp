// Making outside text safe for a terminal, and measuring it in columns.
#include <string>

#include "compozy/text.hpp"
#include "fuzz_input.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

namespace {

bool has_no_controls(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return false;
  }
  // No C1 control encoded as UTF-8 either (U+0080 to U+009F is C2 80 to C2 9F).
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) == 0xC2 && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = text_of(data, size);
  const std::string safe = terminal_safe(text);
  FUZZ_CHECK(has_no_controls(safe));
  FUZZ_CHECK(terminal_safe(safe) == safe);  // safe text is left as it is
  const std::string styled = terminal_safe_keeping_style(text);
  (void)styled;
  const std::size_t width = display_width(safe);
  for (const std::size_t room : {std::size_t{0}, std::size_t{1}, std::size_t{5}, width / 2, width}) {
    const std::string fitted = fit_to_width(safe, room);
    FUZZ_CHECK(display_width(fitted) <= std::max<std::size_t>(room, 1));
    FUZZ_CHECK(terminal_safe(fitted) == fitted);  // never cut inside a character
  }
  return 0;
}
