#include "plugin_list.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "compozy/core_commands.hpp"
#include "compozy/text.hpp"
#include "exit_codes.hpp"
#include "help.hpp"

namespace compozy::dispatch {

namespace {

constexpr std::string_view usage =
    "usage: compozy plugin list [--json]\n\n"
    "List every compozy-* executable found, where, and which ones are shadowed.\n";

struct Listed {
  std::string name;
  std::string shadowed_by;  // empty when it runs (or cannot run at all)
  std::vector<std::string> warnings;
  bool runs = false;
};

Listed describe(const FoundPlugin& plugin, const std::map<std::string, const FoundPlugin*>& active,
                const std::vector<std::string>& exec_dirs) {
  static const std::set<std::string_view> builtins(builtin_commands().begin(), builtin_commands().end());
  Listed listed{display_name(plugin.file), {}, {}, false};
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
  return listed;
}

int plugin_list(bool json, const std::vector<FoundPlugin>& plugins, const std::vector<std::string>& exec_dirs,
                std::FILE* out, std::FILE* err) {
  std::map<std::string, const FoundPlugin*> active;
  for (const auto& plugin : plugins) {
    if (plugin.active) active.emplace(plugin.file, &plugin);
  }
  nlohmann::json entries = nlohmann::json::array();
  std::string text;
  std::string warnings_text;
  for (const auto& plugin : plugins) {
    const Listed listed = describe(plugin, active, exec_dirs);
    entries.push_back({
        {"name", listed.name},
        {"path", plugin.path},
        {"source", plugin.source == DirSource::exec_path ? "exec-path" : "PATH"},
        {"core", find_core_command(plugin.file).has_value()},
        {"executable", plugin.executable},
        {"active", listed.runs},
        {"shadowed_by", listed.shadowed_by.empty() ? nlohmann::json() : nlohmann::json(listed.shadowed_by)},
        {"warnings", listed.warnings},
    });
    if (listed.runs) text += pad_right(listed.name, 24) + " " + plugin.path + "\n";
    for (const auto& warning : listed.warnings) warnings_text += "warning: " + warning + "\n";
  }
  if (json) {
    const nlohmann::json document{{"schema_version", 1}, {"exec_path", exec_dirs}, {"plugins", entries}};
    print(out, document.dump(2) + "\n");
  } else {
    print(out, text);
    print(err, warnings_text);
  }
  return exit_ok;
}

}  // namespace

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
