#include "dispatcher.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "compozy/text.hpp"
#include "compozy/version.hpp"
#include "exit_codes.hpp"
#include "help.hpp"
#include "plugin_list.hpp"
#include "suggest.hpp"

namespace compozy::dispatch {

namespace {

bool is_builtin(const std::string& command) { return command == "help" || command == "version" || command == "plugin"; }

std::string words_text(std::span<const std::string> words) {
  return join(std::vector<std::string>(words.begin(), words.end()), " ");
}

// --host and --profile become COMPOZY_HOST and COMPOZY_PROFILE, which every tool reads.
bool take_setting(std::span<const std::string> args, std::size_t& used, std::string_view option, const char* variable) {
  const std::string& arg = args[used];
  if (arg.size() > option.size() && arg.starts_with(option) && arg[option.size()] == '=') {
    ::setenv(variable, arg.substr(option.size() + 1).c_str(), 1);
    return true;
  }
  if (arg == option && used + 1 < args.size()) {
    ::setenv(variable, args[++used].c_str(), 1);
    return true;
  }
  return false;
}

}  // namespace

Dispatcher::Dispatcher(std::vector<std::string> exec_dirs, std::vector<SearchDir> dirs, Launcher& launcher,
                       ProbeFile probe, std::FILE* out, std::FILE* err)
    : exec_dirs_(std::move(exec_dirs)),
      dirs_(std::move(dirs)),
      launcher_(launcher),
      probe_(std::move(probe)),
      out_(out),
      err_(err) {}

const std::vector<FoundPlugin>& Dispatcher::plugins() {
  if (!plugins_) plugins_ = launcher_.plugins();
  return *plugins_;
}

const std::vector<Alias>& Dispatcher::aliases() {
  if (!aliases_) aliases_ = launcher_.aliases();
  return *aliases_;
}

int Dispatcher::run(std::vector<std::string> args) {
  std::size_t used = 0;
  for (; used < args.size() && args[used].starts_with('-'); ++used) {
    const std::string& arg = args[used];
    if (arg == "--") {
      ++used;
      break;
    }
    if (arg == "--help" || arg == "-h") return help({});
    if (arg == "--version") return run_builtin(std::vector<std::string>{"version"});
    if (arg == "--exec-path") {
      print(out_, join_dirs(exec_dirs_) + "\n");
      return exit_ok;
    }
    if (take_setting(args, used, "--host", "COMPOZY_HOST") || take_setting(args, used, "--profile", "COMPOZY_PROFILE")) {
      continue;
    }
    const bool needs_value = arg == "--host" || arg == "--profile";
    print(err_, "compozy: " + (needs_value ? "option '" + arg + "' needs a value" : "unknown option '" + arg + "'") + "\n");
    print(err_, usage_line);
    return exit_usage;
  }
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(used));
  if (args.empty()) return help({});
  return dispatch_command(std::move(args));
}

Dispatcher::Target Dispatcher::find_target(std::span<const std::string> args) {
  const Resolution resolution = resolve_command(args, dirs_, probe_);
  if (!resolution.path.empty()) return {Target::Kind::plugin, resolution.path, resolution.words};
  if (!resolution.not_executable.empty()) return {Target::Kind::not_executable, resolution.not_executable};
  const std::size_t words = count_name_words(args);
  if (words == 0) return {Target::Kind::unknown, {}, 1};
  if (is_group(args.first(words), plugins())) return {Target::Kind::group, {}, words};
  const auto alias =
      std::find_if(aliases().begin(), aliases().end(), [&](const Alias& a) { return a.name == args.front(); });
  if (alias != aliases().end()) return {Target::Kind::alias, {}, 1, &*alias};
  return {Target::Kind::unknown, {}, words};
}

int Dispatcher::dispatch_command(std::vector<std::string> args) {
  std::vector<std::string> expanded_aliases;
  for (;;) {
    if (is_builtin(args.front())) return run_builtin(args);
    const Target target = find_target(args);
    const auto rest = std::span<const std::string>(args).subspan(std::min(target.words, args.size()));
    switch (target.kind) {
      case Target::Kind::plugin:
        return report_exec_failure(err_, target.path, launcher_.exec_plugin(target.path, rest));
      case Target::Kind::not_executable:
        return report_exec_failure(err_, target.path, EACCES);
      case Target::Kind::group:
        print_group(out_, std::span(args).first(target.words), plugins());
        return exit_ok;
      case Target::Kind::unknown:
        if (expanded_aliases.empty()) return unknown_command(args, target.words);
        print(err_, "compozy: alias '" + terminal_safe(expanded_aliases.back()) + "' runs '" +
                        terminal_safe(words_text(std::span(args).first(target.words))) +
                        "', which is not a compozy command\n");
        return exit_alias_target_missing;
      case Target::Kind::alias:
        break;
    }
    const Alias& alias = *target.alias;
    const bool loops = std::find(expanded_aliases.begin(), expanded_aliases.end(), alias.name) != expanded_aliases.end();
    expanded_aliases.push_back(alias.name);
    if (loops) {
      print(err_, "compozy: alias loop detected: " + join(expanded_aliases, " -> ") + "\n");
      return exit_unknown_command;
    }
    if (alias.expansion.starts_with('!')) {
      const int error_number = launcher_.exec_shell_alias(alias.expansion.substr(1), rest);
      print(err_, std::string("compozy: cannot run /bin/sh for an alias: ") + std::strerror(error_number) + "\n");
      return exit_cannot_run;
    }
    auto replacement = split_command_line(alias.expansion);
    if (!replacement || replacement->empty()) {
      print(err_, "compozy: alias '" + alias.name + "' in config.yaml cannot be split into words: '" +
                      alias.expansion + "'\n");
      return exit_unknown_command;
    }
    replacement->insert(replacement->end(), rest.begin(), rest.end());
    args = std::move(*replacement);
  }
}

int Dispatcher::run_builtin(std::span<const std::string> args) {
  if (args.front() == "help") return help(args.subspan(1));
  if (args.front() == "plugin") return plugin_command(args.subspan(1), plugins(), exec_dirs_, out_, err_);
  print(out_, std::string("compozy version ") + compozy::version + "\n");
  return exit_ok;
}

int Dispatcher::help(std::span<const std::string> args) {
  if (args.empty() || args.front() == "help" || args.front() == "version") {
    print_overview(out_, plugins());
    return exit_ok;
  }
  if (args.front() == "plugin") return plugin_command(std::vector<std::string>{"--help"}, plugins(), exec_dirs_, out_, err_);
  const Target target = find_target(args);
  switch (target.kind) {
    case Target::Kind::plugin:
      return report_exec_failure(err_, target.path, launcher_.exec_plugin(target.path, std::vector<std::string>{"--help"}));
    case Target::Kind::not_executable:
      return report_exec_failure(err_, target.path, EACCES);
    case Target::Kind::group:
      print_group(out_, args.first(target.words), plugins());
      return exit_ok;
    case Target::Kind::alias:
      print(out_, "'" + target.alias->name + "' is aliased to '" + target.alias->expansion + "'\n");
      return exit_ok;
    case Target::Kind::unknown:
      break;
  }
  return unknown_command(args, target.words);
}

int Dispatcher::unknown_command(std::span<const std::string> args, std::size_t word_count) {
  const auto words = args.first(word_count);
  if (const auto missing = named_core_command(words)) {
    print_not_installed(err_, *missing);
    return exit_not_installed;
  }
  print_unknown_command(err_, args, word_count, plugins(), aliases());
  return exit_unknown_command;
}

}  // namespace compozy::dispatch
