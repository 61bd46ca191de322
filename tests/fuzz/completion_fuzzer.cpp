// Shell completion over outside text: a plugin's --help (read for its
// options), and profile names and session IDs (from files and a server),
// each piece of the input one of them. Whatever they hold, every candidate
// offered is plain text without blanks, and each is offered once.
#include <algorithm>
#include <string>
#include <vector>

#include "compozy/completion.hpp"
#include "compozy/text.hpp"
#include "fuzz_input.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

namespace {

class FuzzedSources final : public CompletionSources {
 public:
  std::string help;
  std::vector<std::string> names;
  std::vector<std::string> commands() override { return {"login", "auth revoke", "profile use", "xyzzy"}; }
  std::vector<std::string> aliases() override { return names; }
  std::vector<CompletionFlag> flags(std::string_view) override { return flags_in_help(help); }
  std::vector<std::string> profiles() override { return names; }
  std::vector<std::string> sessions() override { return names; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto pieces = pieces_of(text_of(data, size));
  FuzzedSources sources;
  sources.help = std::string(pieces.front());
  for (std::size_t i = 1; i < pieces.size(); ++i) sources.names.emplace_back(pieces[i]);
  for (const auto& flag : flags_in_help(sources.help)) {
    FUZZ_CHECK(flag.name.starts_with("--") && flag.name.size() > 2);
    FUZZ_CHECK(flag.name.find_first_of(" \t\n=") == std::string::npos);
  }
  const std::vector<std::vector<std::string>> lines = {
      {""}, {"login", "--"}, {"auth", "revoke", ""}, {"profile", "use", ""}, {"--profile", ""}, {"login", "--profile", ""}};
  for (const auto& words : lines) {
    const auto candidates = complete_words(words, sources);
    FUZZ_CHECK(std::is_sorted(candidates.begin(), candidates.end()));
    FUZZ_CHECK(std::adjacent_find(candidates.begin(), candidates.end()) == candidates.end());
    for (const auto& candidate : candidates) {
      FUZZ_CHECK(!candidate.empty() && candidate.find(' ') == std::string::npos);
      FUZZ_CHECK(terminal_safe(candidate) == candidate);
    }
  }
  return 0;
}
