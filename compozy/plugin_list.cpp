#include "plugin_list.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "compozy/core_commands.hpp"
#include "compozy/text.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "manifest.hpp"

namespace compozy::dispatch {

namespace {

constexpr std::string_view usage =
    "usage: compozy plugin list [--json]\n\n"
    "List every compozy-* executable found, what it does (the command table, or a plugin's\n"
    "manifest: docs/plugin-manifest.md), where, and which ones are shadowed.\n";

struct Listed {
  std::string name;
  std::string shadowed_by;  // empty when it runs (or cannot run at all)
  std::vector<std::string> warnings;
  bool runs = false;
  std::optional<Manifest> manifest;  // a third-party plugin's, when it runs and has a usable one
  std::string summary;               // from the command table or the manifest, as written
};

// A plugin that runs says what it is from its manifest; a manifest that cannot
// be used is a warning and no more: the plugin runs all the same.
void read_summary(const FoundPlugin& plugin, Listed& listed) {
  if (const auto core = find_core_command(plugin.file)) {
    listed.summary = core->summary;
    return;
  }
  auto manifest = read_manifest(plugin.path);
  if (!manifest) return;
  if (!*manifest) {
    listed.warnings.push_back(plugin.path + std::string(manifest_suffix) + " is not a usable manifest (" +
                              manifest->error().message + "); see docs/plugin-manifest.md");
    return;
  }
  listed.summary = (*manifest)->summary;
  listed.manifest = std::move(**manifest);
}

// `text` followed by spaces up to `width` terminal columns.
std::string pad_columns(const std::string& text, std::size_t width) {
  const std::size_t used = display_width(text);
  return used >= width ? text : text + std::string(width - used, ' ');
}

nlohmann::json string_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json() : nlohmann::json(text);
}

Listed describe(const FoundPlugin& plugin, const std::map<std::string, const FoundPlugin*>& active,
                const std::vector<std::string>& exec_dirs) {
  static const std::set<std::string_view> builtins(builtin_commands().begin(), builtin_commands().end());
  Listed listed;
  listed.name = display_name(plugin.file);
  const auto core = find_core_command(plugin.file);
  if (builtins.contains(listed.name)) {
    listed.shadowed_by = "built-in";
    listed.warnings.push_back(plugin.path + " is shadowed by the built-in command '" + listed.name + "'");
  } else if (!plugin.executable) {
    listed.warnings.push_back(plugin.path + " is not executable; it will not run");
  } else if (!plugin.active) {
    listed.shadowed_by = active.at(plugin.file)->path;
    listed.warnings.push_back(plugin.path + " is shadowed by " + listed.shadowed_by);
  } else if (core && plugin.source == DirSource::path) {
    listed.warnings.push_back(plugin.path + " overrides the core command '" + listed.name + "' (not installed in " +
                              join_dirs(exec_dirs) + ")");
  }
  listed.runs = plugin.active && listed.shadowed_by.empty();
  if (listed.runs) read_summary(plugin, listed);
  return listed;
}

nlohmann::json json_entry(const FoundPlugin& plugin, const Listed& listed) {
  return {
      {"name", listed.name},
      {"path", plugin.path},
      {"source", plugin.source == DirSource::exec_path ? "exec-path" : "PATH"},
      {"core", find_core_command(plugin.file).has_value()},
      {"executable", plugin.executable},
      {"active", listed.runs},
      {"shadowed_by", string_or_null(listed.shadowed_by)},
      {"warnings", listed.warnings},
      {"summary", string_or_null(listed.summary)},
      {"usage", listed.manifest ? string_or_null(listed.manifest->usage) : nlohmann::json()},
      {"manifest", listed.manifest ? nlohmann::json(plugin.path + std::string(manifest_suffix)) : nlohmann::json()},
  };
}

void print_json(const std::vector<FoundPlugin>& plugins, const std::vector<Listed>& listings,
                const std::vector<std::string>& exec_dirs, std::FILE* out) {
  nlohmann::json entries = nlohmann::json::array();
  for (std::size_t i = 0; i < plugins.size(); ++i) entries.push_back(json_entry(plugins[i], listings[i]));
  const nlohmann::json document{{"schema_version", 1}, {"exec_path", exec_dirs}, {"plugins", entries}};
  // ASCII, every control character escaped, as every --json document; a folder or file name
  // need not be UTF-8: such bytes become U+FFFD rather than an exception.
  print(out, document.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) + "\n");
}

// One line for each plugin that runs: name, summary (when any has one) and
// path in columns; the warnings on `err`.
void print_text(const std::vector<FoundPlugin>& plugins, const std::vector<Listed>& listings, std::FILE* out,
                std::FILE* err) {
  std::vector<std::array<std::string, 3>> rows;
  std::size_t name_width = 24;
  std::size_t summary_width = 0;
  std::string warnings;
  for (std::size_t i = 0; i < plugins.size(); ++i) {
    const Listed& listed = listings[i];
    for (const auto& warning : listed.warnings) warnings += "warning: " + terminal_safe(warning) + "\n";
    if (!listed.runs) continue;
    rows.push_back({terminal_safe(listed.name), fit_to_width(terminal_safe(listed.summary), summary_max_columns),
                    terminal_safe(plugins[i].path)});
    name_width = std::max(name_width, display_width(rows.back()[0]));
    summary_width = std::max(summary_width, display_width(rows.back()[1]));
  }
  std::string text;
  for (const auto& [name, summary, path] : rows) {
    text += pad_columns(name, name_width) + " ";
    if (summary_width > 0) text += pad_columns(summary, summary_width) + " ";
    text += path + "\n";
  }
  print(out, text);
  print(err, warnings);
}

std::vector<Listed> describe_all(const std::vector<FoundPlugin>& plugins, const std::vector<std::string>& exec_dirs) {
  std::map<std::string, const FoundPlugin*> active;
  for (const auto& plugin : plugins) {
    if (plugin.active) active.emplace(plugin.file, &plugin);
  }
  std::vector<Listed> listings;
  for (const auto& plugin : plugins) listings.push_back(describe(plugin, active, exec_dirs));
  return listings;
}

int plugin_list(bool json, const std::vector<FoundPlugin>& plugins, const std::vector<std::string>& exec_dirs,
                std::FILE* out, std::FILE* err) {
  const std::vector<Listed> listings = describe_all(plugins, exec_dirs);
  if (json) {
    print_json(plugins, listings, exec_dirs, out);
  } else {
    print_text(plugins, listings, out, err);
  }
  return exit_ok;
}

}  // namespace

std::vector<std::string> plugin_warnings(const std::vector<FoundPlugin>& plugins,
                                         const std::vector<std::string>& exec_dirs) {
  std::vector<std::string> warnings;
  for (const auto& listed : describe_all(plugins, exec_dirs)) {
    warnings.insert(warnings.end(), listed.warnings.begin(), listed.warnings.end());
  }
  return warnings;
}

int plugin_command(std::span<const std::string> args, const std::vector<FoundPlugin>& plugins,
                   const std::vector<std::string>& exec_dirs, std::FILE* out, std::FILE* err) {
  if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
    print(out, usage);
    return exit_ok;
  }
  if (!args.empty() && args.front() == "list") {
    if (args.size() == 1) return plugin_list(false, plugins, exec_dirs, out, err);
    if (args.size() == 2 && args[1] == "--json") return plugin_list(true, plugins, exec_dirs, out, err);
    print(err, "compozy: unknown argument '" + args[args.size() == 2 ? 1 : 2] + "' to 'plugin list'\n");
  } else {
    print(err, args.empty() ? std::string("compozy: 'plugin' needs a subcommand\n")
                            : "compozy: unknown subcommand 'plugin " + args.front() + "'\n");
  }
  print(err, usage.substr(0, usage.find('\n') + 1));
  return exit_usage;
}

}  // namespace compozy::dispatch
