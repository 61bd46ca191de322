// "Did you mean": the commands nearest to a mistyped one, as git's
// help_unknown_cmd finds them. Only suggested, never run: a typo must not
// change credentials.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace compozy::dispatch {

// Damerau-Levenshtein (optimal string alignment) with git's weights: a swap of
// neighbours is free, a substitution costs 2, a character added to `typed`
// costs 1 and one taken away costs 3, so an abbreviation stays close.
int edit_distance(std::string_view typed, std::string_view candidate);

// The nearest of `candidates` (dash-joined names such as "auth-status") to the
// typed words, or none when nothing is near enough.
std::vector<std::string> suggest_commands(std::span<const std::string> typed_words,
                                          std::span<const std::string> candidates);

}  // namespace compozy::dispatch
