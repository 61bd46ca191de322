#include "suggest.hpp"

#include <algorithm>
#include <array>
#include <climits>

namespace compozy::dispatch {

namespace {

constexpr int swap_cost = 0;
constexpr int substitution_cost = 2;
constexpr int insertion_cost = 1;
constexpr int deletion_cost = 3;
// git's SIMILARITY_FLOOR: anything this far or farther is not a typo.
constexpr int similarity_floor = 7;

// What `gh auth` and `fly auth` users type.
constexpr std::array known_synonyms{
    KnownSynonym{"auth login", "to sign in", "compozy login"},
    KnownSynonym{"auth logout", "to sign out", "compozy logout"},
    KnownSynonym{"auth whoami", "to see the account you are signed in as", "compozy auth status"},
    KnownSynonym{"whoami", "to see the account you are signed in as", "compozy auth status"},
    KnownSynonym{"auth switch", "to use another profile from now on", "compozy profile use", "NAME"},
};

// The first `count` words, joined with spaces as the command table spells names.
std::string leading_words(std::span<const std::string> words, std::size_t count) {
  std::string name;
  for (std::size_t i = 0; i < count; ++i) name += (i == 0 ? "" : " ") + words[i];
  return name;
}

}  // namespace

int edit_distance(std::string_view typed, std::string_view candidate) {
  const std::size_t n = candidate.size();
  std::vector<int> before(n + 1), previous(n + 1), current(n + 1);
  for (std::size_t j = 0; j <= n; ++j) previous[j] = static_cast<int>(j) * insertion_cost;
  for (std::size_t i = 0; i < typed.size(); ++i) {
    current[0] = static_cast<int>(i + 1) * deletion_cost;
    for (std::size_t j = 0; j < n; ++j) {
      int cost = previous[j] + (typed[i] == candidate[j] ? 0 : substitution_cost);
      if (i > 0 && j > 0 && typed[i - 1] == candidate[j] && typed[i] == candidate[j - 1]) {
        cost = std::min(cost, before[j - 1] + swap_cost);
      }
      cost = std::min(cost, previous[j + 1] + deletion_cost);
      cost = std::min(cost, current[j] + insertion_cost);
      current[j + 1] = cost;
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[n];
}

std::vector<std::string> suggest_commands(std::span<const std::string> typed_words,
                                          std::span<const std::string> candidates) {
  // The user may have typed the command's arguments too, so every leading run
  // of the words is tried and the closest counts.
  std::vector<std::string> typed_prefixes;
  std::string joined;
  for (const auto& word : typed_words) {
    joined += (joined.empty() ? "" : "-") + word;
    typed_prefixes.push_back(joined);
  }
  if (typed_prefixes.empty()) return {};

  int best = INT_MAX;
  std::vector<std::pair<int, std::string>> scored;
  for (const auto& candidate : candidates) {
    int distance = INT_MAX;
    for (const auto& typed : typed_prefixes) {
      // What the user typed in full may be a command cut short ("auth stat"),
      // which is as near as it gets; a shorter run of it may not ("auth").
      const bool abbreviates = &typed == &typed_prefixes.back() && candidate.starts_with(typed);
      distance = std::min(distance, abbreviates ? 0 : edit_distance(typed, candidate) + 1);
    }
    best = std::min(best, distance);
    scored.emplace_back(distance, candidate);
  }
  std::vector<std::string> nearest;
  if (best >= similarity_floor) return nearest;
  std::sort(scored.begin(), scored.end());
  for (const auto& [distance, candidate] : scored) {
    if (distance == best) nearest.push_back(candidate);
  }
  return nearest;
}

std::optional<KnownSynonym> known_synonym(std::span<const std::string> words) {
  for (const auto& synonym : known_synonyms) {
    const auto count = static_cast<std::size_t>(std::count(synonym.typed.begin(), synonym.typed.end(), ' ') + 1);
    if (count <= words.size() && leading_words(words, count) == synonym.typed) return synonym;
  }
  return std::nullopt;
}

std::optional<CoreCommand> named_core_command(std::span<const std::string> words) {
  for (std::size_t count = words.size(); count > 0; --count) {
    if (const auto command = core_command_named(leading_words(words, count))) return command;
  }
  return std::nullopt;
}

}  // namespace compozy::dispatch
