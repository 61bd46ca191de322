// A plugin's manifest (compozy/manifest.hpp), as any file beside a plugin may
// be: the parser never crashes, accepts nothing over 4 KiB, shows a summary no
// terminal acts on, and, since the format is documented as a strict subset of
// YAML, yaml-cpp reads whatever it accepts to the same values.
#include <yaml-cpp/yaml.h>

#include <string>

#include "compozy/text.hpp"
#include "fuzz_input.hpp"
#include "manifest.hpp"

using namespace compozy;
using namespace compozy::dispatch;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = text_of(data, size);
  const auto manifest = parse_manifest(text);
  if (!manifest) {
    FUZZ_CHECK(!manifest.error().message.empty());
    return 0;
  }
  FUZZ_CHECK(text.size() <= manifest_max_bytes);
  FUZZ_CHECK(!manifest->summary.empty());
  const std::string shown = displayed_summary(*manifest);
  FUZZ_CHECK(display_width(shown) <= summary_max_columns);
  FUZZ_CHECK(is_printable_utf8(shown));
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    std::fprintf(stderr, "yaml-cpp refuses what the manifest parser accepted: %s\n", error.what());
    FUZZ_CHECK(false);
  }
  FUZZ_CHECK(document.IsMap());
  FUZZ_CHECK(document["manifest"].as<std::string>() == std::to_string(manifest_format));
  FUZZ_CHECK(document["summary"].as<std::string>() == manifest->summary);
  if (!manifest->usage.empty()) FUZZ_CHECK(document["usage"].as<std::string>() == manifest->usage);
  return 0;
}
