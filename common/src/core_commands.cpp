#include "compozy/core_commands.hpp"

#include <algorithm>
#include <array>


namespace compozy {

namespace {

constexpr std::array core_table{
    CoreCommand{"login", "Sign in to Compozy Cloud (browser, device code or API key)"},
    CoreCommand{"logout", "Sign out and revoke this machine's tokens"},
    CoreCommand{"auth status", "Show the account you are signed in as, and check it"},
    CoreCommand{"auth token", "Print a valid access token for scripts and plugins"},
    CoreCommand{"auth list", "List the active sessions of your account"},
    CoreCommand{"auth refresh", "Refresh the access token now"},
    CoreCommand{"auth revoke", "Revoke one session by its ID"},
    CoreCommand{"auth revoke-all", "Revoke every session of your account"},
    CoreCommand{"auth keys create", "Create an API key, with scopes and an expiry, and print it once"},
    CoreCommand{"auth keys list", "List your API keys: scopes, expiry, last use"},
    CoreCommand{"auth keys revoke", "Revoke an API key by its ID or name"},
    CoreCommand{"auth keys rotate", "Replace an API key, keeping the old one for a grace period"},
    CoreCommand{"profile list", "List the profiles, their hosts and accounts; * marks the active one"},
    CoreCommand{"profile use", "Make a profile the default for later commands"},
    CoreCommand{"profile add", "Add a profile and the host it signs in to"},
    CoreCommand{"profile remove", "Log a profile out, then remove it"},
    CoreCommand{"api", "Make an authenticated request to the Compozy API"},
    CoreCommand{"alias", "List the command aliases set in config.yaml"},
    CoreCommand{"doctor", "Check this machine's setup and say how to fix what is wrong"},
    CoreCommand{"completion", "Print the shell completion script for bash, zsh or fish"},
    CoreCommand{"devcloud", "Run a local Compozy Cloud for development and tests", "compozy-devcloud"},
};

constexpr std::array<std::string_view, 3> builtin_table{"help", "plugin", "version"};

}  // namespace

std::span<const CoreCommand> core_commands() { return core_table; }

std::span<const std::string_view> builtin_commands() { return builtin_table; }

std::string core_file_name(std::string_view name) {
  std::string file = std::string(plugin_prefix) + std::string(name);
  std::replace(file.begin(), file.end(), ' ', '-');
  return file;
}

std::optional<CoreCommand> find_core_command(std::string_view file) {
  for (const auto& command : core_table) {
    if (core_file_name(command.name) == file) return command;
  }
  return std::nullopt;
}

std::optional<CoreCommand> core_command_named(std::string_view name) {
  for (const auto& command : core_table) {
    if (command.name == name) return command;
  }
  return std::nullopt;
}

std::string display_name(std::string_view file) {
  if (const auto core = find_core_command(file)) return std::string(core->name);
  std::string name(file.substr(plugin_prefix.size()));
  std::replace(name.begin(), name.end(), '-', ' ');
  return name;
}

}  // namespace compozy
