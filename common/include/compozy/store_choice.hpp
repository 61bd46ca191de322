// Which credential store a login uses, and what is said about it: the one
// given by `--store`, else COMPOZY_CREDENTIAL_STORE, else the profile's `credential_store`, else the Secret
// Service when this machine has one, else the file, said at login (never a
// silent fallback, as gh's is: cli/cli#13872). A store chosen by name that
// does not work is an error, never a reason to use another.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "compozy/command.hpp"
#include "compozy/error.hpp"

namespace compozy {

struct StoreChoice {
  std::string name;            // "file", or a helper's name
  bool chosen = false;         // by --store or config.yaml, not by default
  std::string file_reason;     // why the default is the file, for the notice at login
};

// Checks a chosen helper store with `list` (so a broken one fails before the
// sign-in, not after); probes the Secret Service for the default within 2 s.
Result<StoreChoice> choose_login_store(const std::optional<std::string>& flag, Context& context);

// The store's name as a person reads it: "the file 'PATH'" or "credential store 'NAME'".
std::string describe_store(Context& context, const std::string& store);

// When a credential manager holds the profile's tokens but credentials.yaml
// still holds others inline: a warning naming them and the command that moves them.
std::optional<std::string> inline_tokens_warning(Context& context, const std::string& store);

// Asks on a terminal to move the inline tokens into `store`; elsewhere warns with the command.
Result<void> offer_to_move_inline_tokens(Context& context, const std::string& store, bool may_ask);

}  // namespace compozy
