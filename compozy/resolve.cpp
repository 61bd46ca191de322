#include "resolve.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "manifest.hpp"

namespace compozy::dispatch {

FileKind probe_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return FileKind::missing;
  return (info.st_mode & 0111) != 0 ? FileKind::executable : FileKind::not_executable;
}

bool is_name_word(std::string_view word) {
  const auto allowed = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '+';
  };
  return !word.empty() && word.front() != '-' && word.find("..") == std::string_view::npos &&
         !word.ends_with(manifest_suffix) && std::all_of(word.begin(), word.end(), allowed);
}

std::size_t count_name_words(std::span<const std::string> args) {
  // No file name is longer than NAME_MAX: joining more words only costs time
  // (every leading run is probed and compared for suggestions).
  std::size_t length = plugin_prefix.size();
  std::size_t words = 0;
  for (const auto& arg : args) {
    if (!is_name_word(arg)) break;
    length += (words == 0 ? 0 : 1) + arg.size();
    if (length > max_file_name) break;
    ++words;
  }
  return words;
}

std::string plugin_file_name(std::span<const std::string> words) {
  std::string name(plugin_prefix);
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i != 0) name += '-';
    name += words[i];
  }
  return name;
}

Resolution resolve_command(std::span<const std::string> args, const std::vector<SearchDir>& dirs,
                           const ProbeFile& probe) {
  Resolution resolution;
  for (std::size_t words = count_name_words(args); words > 0; --words) {
    const std::string file = plugin_file_name(args.first(words));
    for (const auto& dir : dirs) {
      const std::string path = dir.path + "/" + file;
      switch (probe(path)) {
        case FileKind::executable:
          resolution.path = path;
          resolution.words = words;
          resolution.not_executable.clear();
          return resolution;
        case FileKind::not_executable:
          if (resolution.not_executable.empty()) resolution.not_executable = path;
          break;
        case FileKind::missing:
          break;
      }
    }
  }
  return resolution;
}

}  // namespace compozy::dispatch
