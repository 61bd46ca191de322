// compozy completion: the shell completion script for bash, zsh or fish, and
// the candidates those scripts ask for.
#include <cstdio>

#include "compozy/command.hpp"
#include "compozy/completion.hpp"
#include "compozy/http_client.hpp"
#include "installed_sources.hpp"

namespace {

using namespace compozy;

// Asked by the scripts: `compozy completion __complete -- WORD…`.
constexpr std::string_view candidates_request = "__complete";

struct Options {
  std::string shell;
  std::vector<std::string> words;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("shell", "bash, zsh or fish", cxxopts::value<std::string>())(
      "words", "the words to complete", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"shell", "words"});
  options.positional_help("bash|zsh|fish");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("shell") == 0) return usage_error("which shell? give bash, zsh or fish");
  Options options{.shell = parsed["shell"].as<std::string>(), .words = {}};
  if (parsed.count("words") != 0) options.words = parsed["words"].as<std::vector<std::string>>();
  if (options.shell != candidates_request && !shell_named(options.shell)) {
    return usage_error("no completion for the shell '" + options.shell + "': give bash, zsh or fish");
  }
  if (options.shell != candidates_request && !options.words.empty()) return usage_error("give only the shell");
  return options;
}

Result<void> complete(const Options& options, Context& context) {
  if (options.shell != candidates_request) {
    context.out().data(std::string(completion_script(*shell_named(options.shell))));
    return {};
  }
  InstalledSources sources(context);
  std::string lines;
  for (const auto& candidate : complete_words(options.words, sources)) lines += candidate + "\n";
  context.out().data(lines);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "completion",
      .usage = "bash|zsh|fish",
      .manual =
          "Prints the script that makes the shell complete compozy's commands, their options, profile\n"
          "names and, when signed in, session IDs. Installed packages load it by themselves; otherwise:\n\n"
          "    compozy completion bash > ~/.local/share/bash-completion/completions/compozy\n"
          "    compozy completion zsh > ~/.zfunc/_compozy   # with fpath+=~/.zfunc before compinit\n"
          "    compozy completion fish > ~/.config/fish/completions/compozy.fish\n\n"
          "Commands are those found as `compozy help` finds them, third-party plugins and aliases\n"
          "included, and each command's options are read from its own --help. Session IDs come from\n"
          "the sessions API within 150 ms, only with a token stored in credentials.yaml that needs no\n"
          "refresh: completing never prompts, opens a browser or unlocks a keyring.\n\n"
          "Exit codes: 0 ok, 2 bad usage (an unknown shell).",
      .declare = declare_options,
      .parse = parse_options,
      .run = complete,
      .http = make_completion_http_client,
  });
}
