// compozy profile remove: log a profile out, then forget it.
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

Result<void> remove(const ProfileArgument& profile, Context& context) { return remove_profile(context, profile.name); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<ProfileArgument>{
      .name = "profile remove",
      .usage = "NAME",
      .manual =
          "Logs the profile out first: its session is revoked at the host that issued it (RFC 7009) and its\n"
          "credential removed (an API key is only forgotten; revoke keys in the dashboard). Then the\n"
          "profile is removed from config.yaml. If the session cannot be revoked, nothing is removed.\n"
          "Removing the active profile makes default active again.\n\n"
          "Exit codes: 0 removed, 1 the session could not be revoked or a file could not be written,\n"
          "2 bad usage or no such profile.",
      .declare = declare_profile_argument,
      .parse = parse_profile_argument,
      .run = remove,
      .talks_to_server = false,
      .http = make_http_client,
  });
}
