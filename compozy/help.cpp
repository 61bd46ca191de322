#include "help.hpp"

#include <algorithm>
#include <cctype>

#include "compozy/core_commands.hpp"
#include "compozy/text.hpp"
#include "manifest.hpp"
#include "resolve.hpp"
#include "suggest.hpp"

namespace compozy::dispatch {

namespace {

std::string words_text(std::span<const std::string> words) {
  return join(std::vector<std::string>(words.begin(), words.end()), " ");
}

// A word as a shell reads it back: quoted when it holds anything but the
// characters of names, paths, URLs and options.
std::string shell_word(std::string_view word) {
  const bool plain = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(word);
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The compozy command for what was typed, with the arguments that followed
// the synonym kept, so `auth login --profile work` becomes `login --profile work`.
std::string synonym_command(const KnownSynonym& synonym, std::span<const std::string> args) {
  const auto typed = static_cast<std::size_t>(std::count(synonym.typed.begin(), synonym.typed.end(), ' ') + 1);
  std::string command(synonym.command);
  if (args.size() <= typed) return command + (synonym.argument.empty() ? "" : " " + std::string(synonym.argument));
  for (const auto& arg : args.subspan(typed)) command += " " + shell_word(arg);
  return terminal_safe(command);
}

// A core command whose tool is missing is listed, unless it is an optional one
// of another package: a user who never installed compozy-devcloud is not told
// about it in every overview.
bool is_listed(const CoreCommand& command, const std::vector<std::string>& runnable) {
  return command.package == dispatcher_package ||
         std::binary_search(runnable.begin(), runnable.end(), core_file_name(command.name));
}

// What a third-party plugin is: its manifest's summary, else `otherwise`. A
// manifest that cannot be used is left to `plugin list` to warn about.
std::string plugin_summary(const FoundPlugin& plugin, std::string_view otherwise) {
  const auto manifest = read_manifest(plugin.path);
  if (manifest && *manifest) return displayed_summary(**manifest);
  return std::string(otherwise);
}

}  // namespace

void print(std::FILE* stream, std::string_view text) { std::fwrite(text.data(), 1, text.size(), stream); }

bool is_group(std::span<const std::string> words, const std::vector<FoundPlugin>& plugins) {
  const std::string prefix = plugin_file_name(words) + "-";
  return std::any_of(plugins.begin(), plugins.end(),
                     [&](const FoundPlugin& plugin) { return plugin.active && plugin.file.starts_with(prefix); });
}

void print_overview(std::FILE* out, const std::vector<FoundPlugin>& plugins) {
  std::string text(usage_line);
  text += "\nSign in to Compozy Cloud and manage your credentials.\n\nCore commands:\n";
  const auto files = runnable_files(plugins);
  std::size_t width = 0;
  for (const auto& command : core_commands()) {
    if (is_listed(command, files)) width = std::max(width, command.name.size());
  }
  for (const auto& command : core_commands()) {
    if (!is_listed(command, files)) continue;
    text += "  " + pad_right(command.name, width + 2) + std::string(command.summary);
    if (!std::binary_search(files.begin(), files.end(), core_file_name(command.name))) text += " (not installed)";
    text += "\n";
  }
  std::string extra;
  for (const auto& plugin : plugins) {
    // Credential helpers (docs/credential-helpers.md) are run by compozy, not
    // typed by people: `plugin list` shows them, the overview does not.
    const bool credential_helper = plugin.file.starts_with(std::string(plugin_prefix) + "credential-");
    if (plugin.active && !credential_helper && !find_core_command(plugin.file)) {
      // A name longer than every core command's still keeps two spaces before its summary.
      const std::string name = terminal_safe(display_name(plugin.file));
      extra += "  " + pad_right(name, std::max(width, name.size()) + 2) +
               plugin_summary(plugin, terminal_safe(plugin.path)) + "\n";
    }
  }
  if (!extra.empty()) text += "\nOther commands found:\n" + extra;
  text +=
      "\nBuilt in: help [<command>], plugin list [--json], version\n"
      "\nSee 'compozy help <command>' to read about a command.\n"
      "\nExit codes (a command that runs exits with its own): 0 ok, 1 unknown command, 2 bad usage,\n"
      "126 a plugin that cannot be run, 127 an alias naming no command or a core command that is not\n"
      "installed.\n";
  print(out, text);
}

void print_group(std::FILE* out, std::span<const std::string> words, const std::vector<FoundPlugin>& plugins) {
  const std::string group = words_text(words);
  const std::string prefix = plugin_file_name(words) + "-";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& plugin : plugins) {
    if (!plugin.active || !plugin.file.starts_with(prefix)) continue;
    const auto core = find_core_command(plugin.file);
    const std::string name = terminal_safe(display_name(plugin.file).substr(group.size() + 1));
    rows.emplace_back(name, core ? std::string(core->summary)
                                 : plugin_summary(plugin, "(plugin: " + terminal_safe(plugin.path) + ")"));
  }
  std::sort(rows.begin(), rows.end());
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string text = "usage: compozy " + group + " <command> [<args>]\n\nCommands:\n";
  for (const auto& [name, summary] : rows) text += "  " + pad_right(name, width + 2) + summary + "\n";
  text += "\nSee 'compozy help " + group + " <command>' to read about a command.\n";
  print(out, text);
}

void print_not_installed(std::FILE* err, const CoreCommand& command) {
  const std::string package(command.package);
  if (command.package == dispatcher_package) {
    print(err, "compozy: '" + std::string(command.name) + "' is missing from this installation, which is incomplete; "
               "reinstall it (apt install --reinstall " + package + ")\n");
  } else {
    print(err, "compozy: '" + std::string(command.name) + "' is not installed: it is in the Debian package " + package +
                   " (apt install " + package + ")\n");
  }
}

void print_unknown_command(std::FILE* err, std::span<const std::string> args, std::size_t word_count,
                           const std::vector<FoundPlugin>& plugins, const std::vector<Alias>& aliases) {
  const auto words = args.first(word_count);
  print(err, "compozy: '" + terminal_safe(words_text(words)) + "' is not a compozy command; see 'compozy help'\n");
  if (const auto synonym = known_synonym(words)) {
    print(err, "hint: " + std::string(synonym->purpose) + ", run `" + synonym_command(*synonym, args) + "`\n");
    return;
  }
  std::vector<std::string> candidates;
  for (const auto& file : runnable_files(plugins)) candidates.push_back(file.substr(plugin_prefix.size()));
  for (const auto& alias : aliases) candidates.push_back(alias.name);
  for (const auto builtin : builtin_commands()) candidates.emplace_back(builtin);
  const auto nearest = suggest_commands(words, candidates);
  if (nearest.empty()) return;
  std::string text = nearest.size() == 1 ? "\nThe most similar command is\n" : "\nThe most similar commands are\n";
  for (const auto& name : nearest) text += "\t" + terminal_safe(display_name(std::string(plugin_prefix) + name)) + "\n";
  print(err, text);
}

}  // namespace compozy::dispatch
