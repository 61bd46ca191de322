// The dispatcher's reading of a command line: name resolution, suggestions,
// alias splitting and the alias listing. The input's NUL bytes separate arguments.
#include <string>
#include <vector>

#include "aliases.hpp"
#include "fuzz_input.hpp"
#include "resolve.hpp"
#include "suggest.hpp"

using namespace compozy;
using namespace compozy::dispatch;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = text_of(data, size);
  std::vector<std::string> args;
  for (const auto piece : pieces_of(text)) args.emplace_back(piece);
  const std::vector<SearchDir> dirs{{"/libexec/compozy", DirSource::exec_path}, {"/usr/bin", DirSource::path}};
  const std::size_t words = count_name_words(args);
  FUZZ_CHECK(words <= args.size());
  FUZZ_CHECK(plugin_file_name(std::span<const std::string>(args).first(words)).size() <= max_file_name);
  const auto resolution = resolve_command(args, dirs, [](const std::string& path) {
    // No name may reach outside the search folders.
    FUZZ_CHECK(path.find("/../") == std::string::npos);
    return path.ends_with("/compozy-auth-status") ? FileKind::executable : FileKind::missing;
  });
  FUZZ_CHECK(resolution.words <= words);
  const std::vector<std::string> candidates{"auth-status", "auth-token", "login", "logout", "help"};
  (void)suggest_commands(std::span<const std::string>(args).first(words), candidates);
  if (const auto split = split_command_line(text)) (void)split->size();
  (void)parse_alias_listing(text);
  return 0;
}
