// compozy: find the tool for a command and exec it, as git runs git-<cmd>.
//
//   compozy [--host URL] [--profile NAME] <command> [<args>]
//
// `compozy auth status x` runs compozy-auth-status with "x" (longest
// dash-joined name first), found in this installation's exec folder, then on
// PATH. The dispatcher replaces itself with the plugin, so arguments, standard
// streams, exit status and signals pass straight through. Everything that is
// not on the way to a plugin (help, listings, aliases, suggestions) happens only
// when no plugin matched. Exit codes: 0 ok, 1 unknown command, 2 bad usage,
// 126 a plugin that cannot be run, 127 an alias naming no command.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aliases.hpp"
#include "compozy/version.hpp"
#include "core_commands.hpp"
#include "discovery.hpp"
#include "resolve.hpp"
#include "search_path.hpp"
#include "suggest.hpp"

namespace compozy::dispatch {
namespace {

constexpr int exit_ok = 0;
constexpr int exit_unknown_command = 1;
constexpr int exit_usage = 2;
constexpr int exit_cannot_run = 126;
constexpr int exit_alias_target_missing = 127;

constexpr std::string_view usage_line =
    "usage: compozy [--version] [--help] [--exec-path] [--host URL] [--profile NAME]\n"
    "               <command> [<args>]\n";

void print(std::FILE* stream, std::string_view text) { std::fwrite(text.data(), 1, text.size(), stream); }

std::string join(std::span<const std::string> words, std::string_view separator) {
  std::string joined;
  for (const auto& word : words) {
    if (!joined.empty()) joined += separator;
    joined += word;
  }
  return joined;
}

std::string padded(std::string_view text, std::size_t width) {
  std::string result(text);
  if (result.size() < width) result.append(width - result.size(), ' ');
  return result;
}

class Dispatcher {
 public:
  Dispatcher()
      : self_(self_executable()),
        exec_dirs_(exec_dirs(std::getenv("COMPOZY_EXEC_PATH"), self_)),
        dirs_(search_path(exec_dirs_, std::getenv("PATH"))) {}

  int run(std::vector<std::string> args);

 private:
  int run_command(std::vector<std::string> args);
  [[noreturn]] void exec_plugin(const std::string& path, std::span<const std::string> args);
  int report_exec_failure(const std::string& path, int error_number);
  int list_group(std::span<const std::string> words);
  int unknown_command(std::span<const std::string> words);
  int help(std::span<const std::string> args);
  int help_overview();
  int plugin_command(std::span<const std::string> args);
  int plugin_list(bool json);
  [[noreturn]] void exec_shell_alias(const std::string& command, std::span<const std::string> args);

  const std::vector<FoundPlugin>& plugins() {
    if (!plugins_) plugins_ = find_plugins(dirs_);
    return *plugins_;
  }
  const std::vector<Alias>& aliases() {
    if (!aliases_) aliases_ = load_aliases(exec_dirs_);
    return *aliases_;
  }
  bool is_group(std::span<const std::string> words) {
    const std::string prefix = plugin_file_name(words) + "-";
    return std::any_of(plugins().begin(), plugins().end(), [&](const FoundPlugin& plugin) {
      return plugin.active && plugin.file.starts_with(prefix);
    });
  }

  std::string self_;
  std::vector<std::string> exec_dirs_;
  std::vector<SearchDir> dirs_;
  std::optional<std::vector<FoundPlugin>> plugins_;
  std::optional<std::vector<Alias>> aliases_;
};

int Dispatcher::run(std::vector<std::string> args) {
  std::size_t used = 0;
  const auto value_of = [&](std::string_view option) -> std::optional<std::string> {
    const std::string& arg = args[used];
    if (arg.size() > option.size() && arg.starts_with(option) && arg[option.size()] == '=') {
      return arg.substr(option.size() + 1);
    }
    if (arg == option && used + 1 < args.size()) return args[++used];
    return std::nullopt;
  };
  for (; used < args.size() && args[used].starts_with('-'); ++used) {
    const std::string& arg = args[used];
    if (arg == "--") {
      ++used;
      break;
    }
    if (arg == "--help" || arg == "-h") return help_overview();
    if (arg == "--version") {
      print(stdout, std::string("compozy version ") + compozy::version + "\n");
      return exit_ok;
    }
    if (arg == "--exec-path") {
      print(stdout, join_dirs(exec_dirs_) + "\n");
      return exit_ok;
    }
    if (arg.starts_with("--host")) {
      if (auto host = value_of("--host")) {
        ::setenv("COMPOZY_HOST", host->c_str(), 1);
        continue;
      }
    }
    if (arg.starts_with("--profile")) {
      if (auto profile = value_of("--profile")) {
        ::setenv("COMPOZY_PROFILE", profile->c_str(), 1);
        continue;
      }
    }
    if (arg == "--host" || arg == "--profile") {
      print(stderr, "compozy: option '" + arg + "' needs a value\n");
    } else {
      print(stderr, "compozy: unknown option '" + arg + "'\n");
    }
    print(stderr, usage_line);
    return exit_usage;
  }
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(used));
  if (args.empty()) return help_overview();
  return run_command(std::move(args));
}

int Dispatcher::run_command(std::vector<std::string> args) {
  std::vector<std::string> expanded_aliases;
  for (;;) {
    const std::string& command = args.front();
    if (command == "help") return help(std::span(args).subspan(1));
    if (command == "version") {
      print(stdout, std::string("compozy version ") + compozy::version + "\n");
      return exit_ok;
    }
    if (command == "plugin") return plugin_command(std::span(args).subspan(1));

    const Resolution resolution = resolve_command(args, dirs_, probe_file);
    if (!resolution.path.empty()) exec_plugin(resolution.path, std::span(args).subspan(resolution.words));
    if (!resolution.not_executable.empty()) return report_exec_failure(resolution.not_executable, EACCES);

    const auto words = std::span(args).first(count_name_words(args));
    if (!words.empty() && is_group(words)) return list_group(words);

    const auto alias = std::find_if(aliases().begin(), aliases().end(),
                                    [&](const Alias& a) { return a.name == command; });
    if (alias == aliases().end() || words.empty()) {
      if (expanded_aliases.empty()) return unknown_command(words.empty() ? std::span(args).first(1) : words);
      print(stderr, "compozy: alias '" + expanded_aliases.back() + "' runs '" + join(words, " ") +
                        "', which is not a compozy command\n");
      return exit_alias_target_missing;
    }
    if (std::find(expanded_aliases.begin(), expanded_aliases.end(), command) != expanded_aliases.end()) {
      expanded_aliases.push_back(command);
      print(stderr, "compozy: alias loop detected: " + join(expanded_aliases, " -> ") + "\n");
      return exit_unknown_command;
    }
    expanded_aliases.push_back(command);
    if (alias->expansion.starts_with('!')) exec_shell_alias(alias->expansion.substr(1), std::span(args).subspan(1));
    auto replacement = split_command_line(alias->expansion);
    if (!replacement || replacement->empty()) {
      print(stderr, "compozy: alias '" + command + "' in config.yaml cannot be split into words: '" +
                        alias->expansion + "'\n");
      return exit_unknown_command;
    }
    replacement->insert(replacement->end(), args.begin() + 1, args.end());
    args = std::move(*replacement);
  }
}

void Dispatcher::exec_plugin(const std::string& path, std::span<const std::string> args) {
  // Plugins call back into the suite through these.
  ::setenv("COMPOZY_EXEC_PATH", join_dirs(exec_dirs_).c_str(), 1);
  if (!self_.empty()) ::setenv("COMPOZY_BIN", self_.c_str(), 1);

  const std::string file = path.substr(path.rfind('/') + 1);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(file.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(path.c_str(), argv.data());
  std::exit(report_exec_failure(path, errno));
}

void Dispatcher::exec_shell_alias(const std::string& command, std::span<const std::string> args) {
  // As git runs "!" aliases: the rest of the command line becomes "$@".
  const std::string script = command + " \"$@\"";
  std::vector<char*> argv{const_cast<char*>("sh"), const_cast<char*>("-c"),
                          const_cast<char*>(script.c_str()), const_cast<char*>(command.c_str())};
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv("/bin/sh", argv.data());
  print(stderr, std::string("compozy: cannot run /bin/sh for an alias: ") + std::strerror(errno) + "\n");
  std::exit(exit_cannot_run);
}

int Dispatcher::report_exec_failure(const std::string& path, int error_number) {
  const std::string file = path.substr(path.rfind('/') + 1);
  std::string reason;
  switch (error_number) {
    case EACCES:
      reason = "it is not executable (permission denied); try chmod +x";
      break;
    case ENOEXEC:
      reason = "it is not in an executable format (a script needs a '#!' line)";
      break;
    case ENOENT: {
      // execve says ENOENT for a file that exists when its interpreter does not.
      std::ifstream stream(path);
      std::string first_line;
      std::getline(stream, first_line);
      if (!first_line.starts_with("#!")) {
        print(stderr, "compozy: '" + path + "' disappeared before it could run\n");
        return exit_unknown_command;
      }
      std::string interpreter = first_line.substr(2);
      interpreter.erase(0, interpreter.find_first_not_of(" \t"));
      interpreter = interpreter.substr(0, interpreter.find_first_of(" \t\r"));
      reason = "bad interpreter '" + interpreter + "': no such file";
      break;
    }
    default:
      reason = std::strerror(error_number);
  }
  print(stderr, "compozy: cannot run '" + display_name(file) + "' (" + path + "): " + reason + "\n");
  return exit_cannot_run;
}

int Dispatcher::list_group(std::span<const std::string> words) {
  const std::string group = join(words, " ");
  const std::string prefix = plugin_file_name(words) + "-";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& plugin : plugins()) {
    if (!plugin.active || !plugin.file.starts_with(prefix)) continue;
    const auto core = find_core_command(plugin.file);
    const std::string name = display_name(plugin.file).substr(group.size() + 1);
    rows.emplace_back(name, core ? std::string(core->summary) : "(plugin: " + plugin.path + ")");
  }
  std::sort(rows.begin(), rows.end());
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string text = "usage: compozy " + group + " <command> [<args>]\n\nCommands:\n";
  for (const auto& [name, summary] : rows) text += "  " + padded(name, width + 2) + summary + "\n";
  text += "\nSee 'compozy help " + group + " <command>' to read about a command.\n";
  print(stdout, text);
  return exit_ok;
}

int Dispatcher::unknown_command(std::span<const std::string> words) {
  const std::string typed = join(words, " ");
  print(stderr, "compozy: '" + typed + "' is not a compozy command; see 'compozy help'\n");

  std::vector<std::string> candidates;
  for (const auto& file : runnable_files(plugins())) candidates.push_back(file.substr(plugin_prefix.size()));
  for (const auto& alias : aliases()) candidates.push_back(alias.name);
  for (const auto builtin : builtin_commands()) candidates.emplace_back(builtin);
  const auto nearest = suggest_commands(words, candidates);
  if (!nearest.empty()) {
    std::string text = nearest.size() == 1 ? "\nThe most similar command is\n" : "\nThe most similar commands are\n";
    for (const auto& name : nearest) text += "\t" + display_name(std::string(plugin_prefix) + name) + "\n";
    print(stderr, text);
  }
  return exit_unknown_command;
}

int Dispatcher::help(std::span<const std::string> args) {
  if (args.empty()) return help_overview();
  if (args.front() == "help" || args.front() == "version") return help_overview();
  if (args.front() == "plugin") return plugin_command(std::vector<std::string>{"--help"});

  const Resolution resolution = resolve_command(args, dirs_, probe_file);
  if (!resolution.path.empty()) {
    const std::vector<std::string> help_flag{"--help"};
    exec_plugin(resolution.path, help_flag);
  }
  if (!resolution.not_executable.empty()) return report_exec_failure(resolution.not_executable, EACCES);
  const auto words = args.first(count_name_words(args));
  if (!words.empty() && is_group(words)) return list_group(words);
  const auto alias = std::find_if(aliases().begin(), aliases().end(),
                                  [&](const Alias& a) { return a.name == args.front(); });
  if (alias != aliases().end()) {
    print(stdout, "'" + alias->name + "' is aliased to '" + alias->expansion + "'\n");
    return exit_ok;
  }
  return unknown_command(words.empty() ? args.first(1) : words);
}

int Dispatcher::help_overview() {
  std::string text(usage_line);
  text += "\nSign in to Compozy Cloud and manage your credentials.\n\nCore commands:\n";
  std::size_t width = 0;
  for (const auto& command : core_commands()) width = std::max(width, command.name.size());
  const auto files = runnable_files(plugins());
  const auto installed = [&](const std::string& file) {
    return std::binary_search(files.begin(), files.end(), file);
  };
  for (const auto& command : core_commands()) {
    text += "  " + padded(command.name, width + 2) + std::string(command.summary);
    if (!installed(core_file_name(command.name))) text += " (not installed)";
    text += "\n";
  }
  std::string extra;
  for (const auto& plugin : plugins()) {
    if (plugin.active && !find_core_command(plugin.file)) {
      extra += "  " + padded(display_name(plugin.file), width + 2) + plugin.path + "\n";
    }
  }
  if (!extra.empty()) text += "\nOther commands found:\n" + extra;
  text +=
      "\nBuilt in: help [<command>], plugin list [--json], version\n"
      "\nSee 'compozy help <command>' to read about a command.\n";
  print(stdout, text);
  return exit_ok;
}

int Dispatcher::plugin_command(std::span<const std::string> args) {
  static constexpr std::string_view usage =
      "usage: compozy plugin list [--json]\n\n"
      "List every compozy-* executable found, where, and which ones are shadowed.\n";
  if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
    print(stdout, usage);
    return exit_ok;
  }
  if (!args.empty() && args.front() == "list") {
    if (args.size() == 1) return plugin_list(false);
    if (args.size() == 2 && args[1] == "--json") return plugin_list(true);
    print(stderr, "compozy: unknown argument '" + args[args.size() == 2 ? 1 : 2] + "' to 'plugin list'\n");
  } else {
    print(stderr, args.empty() ? std::string("compozy: 'plugin' needs a subcommand\n")
                               : "compozy: unknown subcommand 'plugin " + args.front() + "'\n");
  }
  print(stderr, usage.substr(0, usage.find('\n') + 1));
  return exit_usage;
}

int Dispatcher::plugin_list(bool json) {
  const auto& found = plugins();
  std::map<std::string, const FoundPlugin*> active;
  for (const auto& plugin : found) {
    if (plugin.active) active.emplace(plugin.file, &plugin);
  }
  const std::set<std::string_view> builtins(builtin_commands().begin(), builtin_commands().end());

  nlohmann::json entries = nlohmann::json::array();
  std::string text;
  std::string warnings_text;
  for (const auto& plugin : found) {
    std::vector<std::string> warnings;
    const std::string name = display_name(plugin.file);
    const auto core = find_core_command(plugin.file);
    std::string shadowed_by;
    if (builtins.contains(name)) {
      shadowed_by = "built-in";
      warnings.push_back(plugin.path + " is shadowed by the built-in command '" + name + "'");
    } else if (!plugin.executable) {
      warnings.push_back(plugin.path + " is not executable; it will not run");
    } else if (!plugin.active) {
      shadowed_by = active.at(plugin.file)->path;
      warnings.push_back(plugin.path + " is shadowed by " + shadowed_by);
    } else if (core && plugin.source == DirSource::path) {
      warnings.push_back(plugin.path + " overrides the core command '" + name +
                         "' (not installed in " + join_dirs(exec_dirs_) + ")");
    }
    const bool runs = plugin.active && shadowed_by.empty();
    entries.push_back({
        {"name", name},
        {"path", plugin.path},
        {"source", plugin.source == DirSource::exec_path ? "exec-path" : "PATH"},
        {"core", core.has_value()},
        {"executable", plugin.executable},
        {"active", runs},
        {"shadowed_by", shadowed_by.empty() ? nlohmann::json() : nlohmann::json(shadowed_by)},
        {"warnings", warnings},
    });
    if (runs) text += padded(name, 24) + " " + plugin.path + "\n";
    for (const auto& warning : warnings) warnings_text += "warning: " + warning + "\n";
  }
  if (json) {
    const nlohmann::json document{{"schema_version", 1}, {"exec_path", exec_dirs_}, {"plugins", entries}};
    print(stdout, document.dump(2) + "\n");
  } else {
    print(stdout, text);
    print(stderr, warnings_text);
  }
  return exit_ok;
}

}  // namespace
}  // namespace compozy::dispatch

int main(int argc, char** argv) {
  compozy::dispatch::Dispatcher dispatcher;
  return dispatcher.run(std::vector<std::string>(argv + 1, argv + argc));
}
