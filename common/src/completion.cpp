#include "compozy/completion.hpp"

#include <algorithm>
#include <cctype>

#include "compozy/text.hpp"

namespace compozy {

namespace {

bool is_flag_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_'; }

// cxxopts lists an option 2 or 6 columns in, compozy-devcloud 4; a line
// further in continues a description, even one that starts with "--".
constexpr std::size_t max_option_indent = 6;

// "--store NAME  keep the tokens…" -> {"--store", true}; nullopt for a line that lists no option.
std::optional<CompletionFlag> flag_in_line(std::string_view line) {
  const auto indent = line.find_first_not_of(' ');
  if (indent == 0 || indent == std::string_view::npos || indent > max_option_indent) return std::nullopt;
  line.remove_prefix(indent);
  if (line.size() > 4 && line[0] == '-' && line[1] != '-' && line[2] == ',' && line[3] == ' ') line.remove_prefix(4);
  if (!line.starts_with("--") || line.size() < 3 || !std::isalnum(static_cast<unsigned char>(line[2]))) {
    return std::nullopt;
  }
  std::size_t end = 2;
  while (end < line.size() && is_flag_char(line[end])) ++end;
  if (end < line.size() && line[end] != ' ' && line[end] != '=') return std::nullopt;
  // A value is named after one space or '=' ("--port N", "--tag=NAME"); two spaces start the description.
  const bool names_value = end + 1 < line.size() && line[end + 1] != ' ';
  return CompletionFlag{std::string(line.substr(0, end)), names_value};
}

bool is_offerable(std::string_view candidate) {
  return !candidate.empty() && is_printable_utf8(candidate) && candidate.find(' ') == std::string_view::npos &&
         terminal_safe(candidate) == candidate;
}

std::vector<std::string> matching(std::vector<std::string> candidates, std::string_view prefix) {
  std::erase_if(candidates, [&](const std::string& c) { return !c.starts_with(prefix) || !is_offerable(c); });
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

bool begins_with(std::span<const std::string> words, std::span<const std::string> prefix) {
  return prefix.size() <= words.size() && std::equal(prefix.begin(), prefix.end(), words.begin());
}

struct CommandMatch {
  std::vector<std::string> words;  // of the longest command the typed words begin with; empty if none
  std::vector<std::string> next_words;  // what can follow all the typed words in a longer command name
};

CommandMatch match_command(std::span<const std::string> typed, CompletionSources& sources) {
  CommandMatch match;
  auto names = sources.commands();
  for (auto& alias : sources.aliases()) names.push_back(std::move(alias));
  for (const auto& name : names) {
    const auto words = split_words(name);
    if (begins_with(typed, words) && words.size() > match.words.size()) match.words = words;
    if (words.size() > typed.size() && begins_with(words, typed)) match.next_words.push_back(words[typed.size()]);
  }
  return match;
}

// The value of an option: a profile's name for --profile; nothing compozy can know for any other.
std::vector<std::string> value_candidates(std::string_view option, std::string_view current, CompletionSources& sources) {
  return option == "--profile" ? matching(sources.profiles(), current) : std::vector<std::string>{};
}

// What an argument that is not an option can be, for the commands whose arguments compozy knows.
std::vector<std::string> arguments_of(std::string_view command, CompletionSources& sources) {
  if (command == "profile use" || command == "profile remove") return sources.profiles();
  if (command == "auth revoke") return sources.sessions();
  return {};
}

std::vector<std::string> complete_command(std::span<const std::string> typed, const std::string& current,
                                          CompletionSources& sources) {
  if (!typed.empty() && typed.front() == "help") return complete_command(typed.subspan(1), current, sources);
  CommandMatch match = match_command(typed, sources);
  if (match.words.empty()) return matching(std::move(match.next_words), current);
  const std::string command = join(match.words, " ");
  const auto arguments = typed.subspan(match.words.size());
  if (current.starts_with('-')) {
    std::vector<std::string> names;
    for (auto& flag : sources.flags(command)) names.push_back(std::move(flag.name));
    return matching(std::move(names), current);
  }
  const auto flags = arguments.empty() ? std::vector<CompletionFlag>{} : sources.flags(command);
  const auto takes_value = [&](const std::string& word) {
    return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.takes_value && f.name == word; });
  };
  bool has_argument = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (!takes_value(arguments[i])) {
      has_argument = has_argument || !arguments[i].starts_with('-');
    } else if (i + 1 == arguments.size()) {  // the word being completed is this option's value
      return value_candidates(arguments[i], current, sources);
    } else {
      ++i;
    }
  }
  std::vector<std::string> candidates = has_argument ? std::vector<std::string>{} : arguments_of(command, sources);
  if (arguments.empty()) candidates.insert(candidates.end(), match.next_words.begin(), match.next_words.end());
  return matching(std::move(candidates), current);
}

}  // namespace

std::vector<CompletionFlag> flags_in_help(std::string_view help) {
  std::vector<CompletionFlag> flags;
  while (!help.empty()) {
    const auto end = help.find('\n');
    if (auto flag = flag_in_line(help.substr(0, end))) flags.push_back(std::move(*flag));
    help.remove_prefix(end == std::string_view::npos ? help.size() : end + 1);
  }
  return flags;
}

std::vector<std::string> complete_words(std::span<const std::string> words, CompletionSources& sources) {
  static const std::string nothing;
  const std::string& current = words.empty() ? nothing : words.back();
  const auto before = words.empty() ? words : words.first(words.size() - 1);
  std::size_t used = 0;
  while (used < before.size() && before[used].starts_with('-')) {
    const std::string& option = before[used++];
    if (option == "--") break;
    if (option != "--host" && option != "--profile") continue;
    if (used == before.size()) return value_candidates(option, current, sources);
    ++used;
  }
  const auto typed = before.subspan(used);
  if (typed.empty() && current.starts_with('-')) {
    return matching({std::begin(completion_global_flags), std::end(completion_global_flags)}, current);
  }
  return complete_command(typed, current, sources);
}

std::optional<Shell> shell_named(std::string_view name) {
  if (name == "bash") return Shell::bash;
  if (name == "zsh") return Shell::zsh;
  if (name == "fish") return Shell::fish;
  return std::nullopt;
}

namespace {

// Each asks `compozy completion __complete -- WORD…` (the words after
// `compozy`, the one under the cursor last) and offers the lines it prints.
constexpr std::string_view bash_script = R"(# bash completion for compozy (`compozy completion bash`)
_compozy() {
  local cur words cword
  if declare -F _get_comp_words_by_ref >/dev/null; then
    _get_comp_words_by_ref -n =: cur words cword
  else
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
  fi
  local IFS=$'\n'
  COMPREPLY=($(compozy completion __complete -- "${words[@]:1:cword}" 2>/dev/null))
}
complete -F _compozy compozy
)";

constexpr std::string_view zsh_script = R"(#compdef compozy
# zsh completion for compozy (`compozy completion zsh`)
_compozy() {
  local -a candidates
  candidates=("${(@f)$(compozy completion __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=(${candidates:#})
  (( ${#candidates} )) && compadd -a candidates
}
if [ "$funcstack[1]" = "_compozy" ]; then
  _compozy "$@"
else
  compdef _compozy compozy
fi
)";

constexpr std::string_view fish_script = R"(# fish completion for compozy (`compozy completion fish`)
function __compozy_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    compozy completion __complete -- $words[2..-1] "$current" 2>/dev/null
end
complete -c compozy -f -a '(__compozy_complete)'
)";

}  // namespace

std::string_view completion_script(Shell shell) {
  switch (shell) {
    case Shell::bash:
      return bash_script;
    case Shell::zsh:
      return zsh_script;
    case Shell::fish:
      return fish_script;
  }
  return {};
}

}  // namespace compozy
