// Profiles (environments): a name with a host in config.yaml, and maybe a
// credential in credentials.yaml. What `compozy profile list|use|add|remove`
// and `compozy auth status --all` do.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "compozy/command.hpp"
#include "compozy/credential_status.hpp"

namespace compozy {

// What credentials.yaml says of a profile, without asking any server.
enum class StoredState { signed_in, expired_refreshable, expired, api_key, other_host, not_signed_in };
std::string_view stored_state_name(StoredState state);  // as in `profile list --json`

struct ProfileSummary {
  std::string name;
  std::string host;  // from config.yaml, else the built-in default
  bool active = false;
  bool in_config = false;
  std::string account;
  StoredState state = StoredState::not_signed_in;
  std::string credential_host;  // when a credential is stored, the host that issued it
};

// Every profile of config.yaml and of credentials.yaml, by name; `active` marks
// the one a command here would use.
std::vector<ProfileSummary> summarize_profiles(const ConfigFile& config,
                                               const std::vector<CredentialStore::Entry>& entries,
                                               std::string_view active, TimePoint now);
nlohmann::json profiles_json(const std::vector<ProfileSummary>& profiles, const ProfileChoice& active);
void print_profiles(Output& out, const std::vector<ProfileSummary>& profiles);

// `compozy profile list`.
// The one argument of `profile use NAME` and `profile remove NAME`.
struct ProfileArgument {
  std::string name;
};
void declare_profile_argument(cxxopts::Options& options);
Result<ProfileArgument> parse_profile_argument(const cxxopts::ParseResult& parsed);

Result<void> list_profiles(Context& context, bool json);
// `compozy profile use NAME`: exit 2 when no such profile exists.
Result<void> use_profile(Context& context, std::string_view name);
// `compozy profile add NAME --host URL`; refuses to move a profile that holds a
// credential to another host (its session would be stranded).
Result<void> add_profile(Context& context, std::string_view name, std::string_view host);
// `compozy profile remove NAME`: revokes its session at the host that issued
// it and forgets the credential, then removes it from config.yaml. Nothing is
// removed when the session cannot be revoked.
Result<void> remove_profile(Context& context, std::string_view name);

// `compozy auth status --all`: each profile checked as `auth status` checks
// one, at its own host, with the stored credentials alone.
std::vector<CredentialStatus> assess_all_profiles(Context& context, bool ask_server);
// 0 when at least one profile is signed in and every signed-in one works.
bool all_work(const std::vector<CredentialStatus>& statuses);

}  // namespace compozy
