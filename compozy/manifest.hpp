// A plugin's manifest: `compozy-NAME.manifest` beside the executable
// `compozy-NAME`, read without running the plugin, so that `compozy help` and
// `plugin list` can show a third-party command's summary (docs/plugin-manifest.md).
// Lines of `key: value`, a strict subset of YAML that the dispatcher parses
// itself: it links no YAML parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "compozy/error.hpp"

namespace compozy::dispatch {

inline constexpr std::string_view manifest_suffix = ".manifest";
inline constexpr int manifest_format = 1;
// A manifest is a few lines; more is not one, and is not read further.
inline constexpr std::size_t manifest_max_bytes = 4096;
// What `help` and `plugin list` show of a summary, in terminal columns.
inline constexpr std::size_t summary_max_columns = 80;

struct Manifest {
  std::string summary;  // as written: shown only through displayed_summary()
  std::string usage;    // empty when not given
};

// The manifest's fields, or why it is not one ("line 3: 'summary' is given twice").
// Unknown keys are ignored, so that later formats can add some.
Result<Manifest> parse_manifest(std::string_view text);

// The manifest of the plugin at `plugin_path`: nullopt when it has none, else
// the parsed manifest or why it cannot be used (unreadable, too large, malformed).
std::optional<Result<Manifest>> read_manifest(const std::string& plugin_path);

// The summary as a terminal may show it: escapes made visible, at most
// summary_max_columns columns.
std::string displayed_summary(const Manifest& manifest);

}  // namespace compozy::dispatch
