// Shell completion: what `compozy WORDS… <TAB>` may become. The shell scripts
// (`compozy completion bash|zsh|fish`) stay thin: they hand the words to
// `compozy completion __complete -- WORDS…` and offer the lines it prints, as
// cobra's `__complete` does, so that every decision is here and unit-tested.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace compozy {

// An option a tool's --help lists: "--store" and whether a value follows it ("--store NAME").
struct CompletionFlag {
  std::string name;
  bool takes_value = false;
};

// The options of a --help text: every line that, indented, starts with
// "-x, --name" or "--name", as cxxopts and compozy-devcloud print them. Read
// from the tool itself, so that what is offered cannot drift from what it accepts.
std::vector<CompletionFlag> flags_in_help(std::string_view help);

// Where candidates come from; the real one asks the installation, tests pass a fake.
class CompletionSources {
 public:
  virtual ~CompletionSources() = default;
  // Every command that can run, as typed ("auth status", "hello"): core and
  // third-party plugins found, and the built-ins.
  virtual std::vector<std::string> commands() = 0;
  virtual std::vector<std::string> aliases() = 0;
  // The options of the command's tool; empty when it cannot tell.
  virtual std::vector<CompletionFlag> flags(std::string_view command) = 0;
  virtual std::vector<std::string> profiles() = 0;
  // The session IDs of the account signed in, only when that takes no prompt and little time.
  virtual std::vector<std::string> sessions() = 0;
};

// The dispatcher's own options, before the command.
inline constexpr std::string_view completion_global_flags[] = {"--exec-path", "--help", "--host", "--profile",
                                                                "--version"};

// The candidates for the last of `words` (all that follow `compozy`; the last
// is the word being completed, maybe empty), sorted, each once. A candidate
// that is not plain printable text without blanks (a profile name in a file,
// a session ID from a server) is left out rather than shown altered.
std::vector<std::string> complete_words(std::span<const std::string> words, CompletionSources& sources);

enum class Shell { bash, zsh, fish };
std::optional<Shell> shell_named(std::string_view name);
// The script that `source`s completion into the shell; it runs `compozy completion __complete`.
std::string_view completion_script(Shell shell);

}  // namespace compozy
