// config.yaml as a person (or a mistake) may write it: parsing, then settings.
#include "compozy/config.hpp"
#include "fuzz_input.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto config = parse_config(text_of(data, size), "/fuzz/config.yaml");
  if (!config) {
    FUZZ_CHECK(config.error().message.starts_with("config file '/fuzz/config.yaml'"));
    return 0;
  }
  for (const auto& [name, profile] : config->profiles) {
    FUZZ_CHECK(is_valid_profile_name(name));
    (void)resolve_settings({.profile = name}, Environment({}), *config);
  }
  return 0;
}
