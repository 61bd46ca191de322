// "Did you mean": what to tell someone whose command does not run. The
// commands nearest to a mistyped one, as git's help_unknown_cmd finds them; the
// compozy command for what gh and fly users type ("auth login"); the core
// command that is not installed. Only suggested, never run: a typo must not
// change credentials.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/core_commands.hpp"

namespace compozy::dispatch {

// Damerau-Levenshtein (optimal string alignment) with git's weights: a swap of
// neighbours is free, a substitution costs 2, a character added to `typed`
// costs 1 and one taken away costs 3, so an abbreviation stays close.
int edit_distance(std::string_view typed, std::string_view candidate);

// The nearest of `candidates` (dash-joined names such as "auth-status") to the
// typed words, or none when nothing is near enough.
std::vector<std::string> suggest_commands(std::span<const std::string> typed_words,
                                          std::span<const std::string> candidates);

// A command of another CLI that compozy names differently: `auth login` is `login`.
struct KnownSynonym {
  std::string_view typed;    // "auth login"
  std::string_view purpose;  // "to sign in"
  std::string_view command;  // "compozy login"
  std::string_view argument = {};  // shown when none was typed: "NAME" for `profile use`
};

// The synonym that the leading words are, if any: "auth switch work" is "auth switch".
std::optional<KnownSynonym> known_synonym(std::span<const std::string> words);

// The core command that the leading words name, longest name first: "devcloud
// --port 0" names devcloud. Asked only when nothing ran, so it is not installed.
std::optional<CoreCommand> named_core_command(std::span<const std::string> words);

}  // namespace compozy::dispatch
