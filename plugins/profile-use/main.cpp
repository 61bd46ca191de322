// compozy profile use: make a profile the default for later commands.
#include "compozy/command.hpp"
#include "compozy/profiles.hpp"

namespace {

using namespace compozy;

Result<void> use(const ProfileArgument& profile, Context& context) { return use_profile(context, profile.name); }

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<ProfileArgument>{
      .name = "profile use",
      .usage = "NAME",
      .manual =
          "Sets current_profile in config.yaml: later commands use this profile, in every terminal, unless\n"
          "--profile or COMPOZY_PROFILE names another. To keep one terminal on its own profile while another\n"
          "switches, set COMPOZY_PROFILE in it (export COMPOZY_PROFILE=work): it always wins over\n"
          "`compozy profile use`. The profile must exist in config.yaml or credentials.yaml (default always\n"
          "does); add one with `compozy profile add NAME --host URL`.\n\n"
          "Exit codes: 0 ok, 1 config.yaml could not be written, 2 bad usage or no such profile.",
      .declare = declare_profile_argument,
      .parse = parse_profile_argument,
      .run = use,
      .talks_to_server = false,
  });
}
