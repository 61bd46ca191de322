#include "aliases.hpp"

#include <cstdio>

#include "compozy/child_process.hpp"
#include "resolve.hpp"

namespace compozy::dispatch {

std::vector<Alias> parse_alias_listing(std::string_view listing) {
  std::vector<Alias> aliases;
  std::vector<std::string> fields;
  while (!listing.empty()) {
    const auto nul = listing.find('\0');
    if (nul == std::string_view::npos) break;  // a truncated last field is dropped
    fields.emplace_back(listing.substr(0, nul));
    listing.remove_prefix(nul + 1);
  }
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    aliases.push_back({std::move(fields[i]), std::move(fields[i + 1])});
  }
  return aliases;
}

std::vector<Alias> load_aliases(const std::vector<std::string>& exec_dirs) {
  ChildProcess lister;
  for (const auto& dir : exec_dirs) {
    if (probe_file(dir + "/compozy-alias") == FileKind::executable) {
      lister.program = dir + "/compozy-alias";
      break;
    }
  }
  if (lister.program.empty()) return {};
  lister.argv = {"compozy-alias", "--null"};
  lister.output = ChildProcess::Stream::pipe;
  // Its errors (a malformed config.yaml) reach the user on stderr as they are.
  const auto finished = lister.run({}, alias_listing_timeout, alias_listing_max_bytes);
  if (!finished) {
    std::fprintf(stderr, "compozy: cannot read the aliases: %s\n", finished.error().message.c_str());
    return {};
  }
  if (finished->exit_status != 0) return {};
  return parse_alias_listing(finished->output);
}

std::optional<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = '\0';
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = '\0';
      } else {
        word += c;
      }
    } else if (c == '\\' && quote != '\'') {
      if (++i == line.size()) return std::nullopt;
      word += line[i];
      in_word = true;
    } else if (quote == '"') {
      if (c == '"') {
        quote = '\0';
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote != '\0') return std::nullopt;
  if (in_word) words.push_back(std::move(word));
  return words;
}

}  // namespace compozy::dispatch
