// What the dispatcher says when it runs no plugin: the overview of commands
// (third-party ones with the summary of their manifest), a group's commands
// (`compozy auth`), a core command that is not installed, and "not a compozy
// command" with the nearest names.
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "aliases.hpp"
#include "compozy/core_commands.hpp"
#include "discovery.hpp"

namespace compozy::dispatch {

inline constexpr std::string_view usage_line =
    "usage: compozy [--version] [--help] [--exec-path] [--host URL] [--profile NAME]\n"
    "               <command> [<args>]\n";

void print(std::FILE* stream, std::string_view text);

// Whether any runnable plugin's name starts with these words ("auth" -> compozy-auth-*).
bool is_group(std::span<const std::string> words, const std::vector<FoundPlugin>& plugins);

void print_overview(std::FILE* out, const std::vector<FoundPlugin>& plugins);
void print_group(std::FILE* out, std::span<const std::string> words, const std::vector<FoundPlugin>& plugins);
// "'devcloud' is not installed: it is in the Debian package compozy-devcloud".
void print_not_installed(std::FILE* err, const CoreCommand& command);
// "Not a compozy command", then the compozy command for a known synonym
// ("auth login") or the nearest names.
// `args` are all that followed `compozy`; the first `word_count` name the command.
void print_unknown_command(std::FILE* err, std::span<const std::string> args, std::size_t word_count,
                           const std::vector<FoundPlugin>& plugins, const std::vector<Alias>& aliases);

}  // namespace compozy::dispatch
