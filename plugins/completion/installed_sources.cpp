#include "installed_sources.hpp"

#include <cstdlib>
#include <filesystem>

#include "compozy/active_credential.hpp"
#include "compozy/child_process.hpp"
#include "compozy/core_commands.hpp"
#include "compozy/http_client.hpp"
#include "compozy/profiles.hpp"
#include "compozy/sessions.hpp"
#include "discovery.hpp"
#include "search_path.hpp"

namespace compozy {

namespace {

// The folders the dispatcher searched: it exports COMPOZY_EXEC_PATH before running us.
std::vector<std::string> installation_exec_dirs() {
  if (const char* exec_path = std::getenv("COMPOZY_EXEC_PATH")) return dispatch::exec_dirs(exec_path, "");
  return {std::filesystem::path(self_executable_path()).parent_path().string()};
}

// Credential helpers are run by compozy, not typed (docs/credential-helpers.md).
bool is_credential_helper(std::string_view file) {
  return file.starts_with(std::string(plugin_prefix) + "credential-");
}

}  // namespace

const std::map<std::string, std::string>& InstalledSources::tools() {
  if (tools_) return *tools_;
  tools_.emplace();
  const auto dirs = dispatch::search_path(installation_exec_dirs(), std::getenv("PATH"));
  for (const auto& plugin : dispatch::find_plugins(dirs)) {
    if (plugin.active && !is_credential_helper(plugin.file)) tools_->emplace(display_name(plugin.file), plugin.path);
  }
  return *tools_;
}

std::vector<std::string> InstalledSources::commands() {
  std::vector<std::string> names = {"help", "plugin list", "version"};
  for (const auto& [name, path] : tools()) names.push_back(name);
  return names;
}

std::vector<std::string> InstalledSources::aliases() {
  std::vector<std::string> names;
  for (const auto& [name, expansion] : context_.config().aliases) names.push_back(name);
  return names;
}

std::vector<CompletionFlag> InstalledSources::flags(std::string_view command) {
  if (command == "plugin list") return {{"--json"}};
  const auto tool = tools().find(std::string(command));
  if (tool == tools().end()) return {};
  ChildProcess help;
  help.program = tool->second;
  help.argv = {tool->second, "--help"};
  help.input = help.errors = ChildProcess::Stream::null;
  help.output = ChildProcess::Stream::pipe;
  const auto finished = help.run({}, completion_help_timeout, 1 << 20);
  if (!finished || finished->exit_status != 0) return {};
  return flags_in_help(finished->output);
}

std::vector<std::string> InstalledSources::profiles() {
  std::vector<std::string> names;
  for (const auto& profile : summarize_profiles(context_.config(), entries(), "", context_.clock().now())) {
    names.push_back(profile.name);
  }
  return names;
}

// Only a credential whose tokens are in credentials.yaml itself and need no
// refresh is used: a keyring could prompt to be unlocked, and a refresh would
// rotate the session's token behind the user's back, both far too slow for a TAB.
std::vector<std::string> InstalledSources::sessions() {
  const auto& all = entries();
  const auto entry =
      std::find_if(all.begin(), all.end(), [&](const auto& e) { return e.profile == context_.settings().profile; });
  if (entry == all.end()) return {};
  const StoredCredential& credential = entry->credential;
  if (credential.host != context_.settings().host || held_by_manager(credential) ||
      credential.kind != CredentialKind::oauth || expires_within_margin(credential, context_.clock().now())) {
    return {};
  }
  const auto sessions =
      list_sessions(context_, ActiveCredential{.token = credential.access_token, .stored = credential});
  if (!sessions) return {};
  std::vector<std::string> ids;
  for (const auto& session : *sessions) ids.push_back(session.id);
  return ids;
}

const std::vector<CredentialStore::Entry>& InstalledSources::entries() {
  // Tokens stay in their store: no keyring is run, so none can prompt or hang.
  if (!entries_) {
    auto read = context_.store().load_all(CredentialStore::Tokens::left_in_store);
    entries_ = read ? std::move(*read) : std::vector<CredentialStore::Entry>{};
  }
  return *entries_;
}

std::unique_ptr<HttpClient> make_completion_http_client(const Environment& env) {
  return make_http_client_with_limits(env, HttpLimits{.deadline = completion_sessions_deadline,
                                                      .connect_timeout = completion_sessions_deadline,
                                                      .max_attempts = 1});
}

}  // namespace compozy
