#include "search_path.hpp"

#include <unistd.h>

#include <algorithm>

#include "install_dirs.hpp"

namespace compozy::dispatch {

namespace {

std::vector<std::string> split_absolute(std::string_view list) {
  std::vector<std::string> dirs;
  while (true) {
    const auto colon = list.find(':');
    std::string_view entry = list.substr(0, colon);
    while (entry.size() > 1 && entry.back() == '/') entry.remove_suffix(1);
    if (entry.starts_with('/')) dirs.emplace_back(entry);
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return dirs;
}

std::string_view parent(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == 0 ? "/" : path.substr(0, slash == std::string_view::npos ? 0 : slash);
}

// The prefix is the folder holding the executable with one component taken
// off per component of the configured bindir ("bin" -> one). A binary copied
// out of its bin folder therefore still finds libexec beside that folder.
std::string prefix_from(std::string_view self_dir) {
  std::string_view prefix = self_dir;
  const auto depth = std::count(install_dirs::bindir.begin(), install_dirs::bindir.end(), '/') + 1;
  for (long i = 0; i < depth; ++i) prefix = parent(prefix);
  return std::string(prefix);
}

}  // namespace

std::vector<std::string> exec_dirs(const char* exec_path_env, std::string_view self) {
  if (exec_path_env != nullptr && *exec_path_env != '\0') return split_absolute(exec_path_env);
  if (self.empty()) return {};
  const std::string self_dir(parent(self));

  // Meson writes this marker beside the dispatcher in the build tree only; it
  // is never installed.
  if (::access((self_dir + "/" + std::string(install_dirs::build_tree_marker)).c_str(), F_OK) == 0) {
    std::vector<std::string> dirs;
    for (std::string_view relative : install_dirs::build_tree_exec_dirs) {
      dirs.push_back(std::string(parent(self_dir)) + "/" + std::string(relative));
    }
    return dirs;
  }
  const std::string_view libexec = install_dirs::libexecdir;
  if (libexec.starts_with('/')) return {std::string(libexec)};
  std::string prefix = prefix_from(self_dir);
  return {(prefix == "/" ? "" : prefix) + "/" + std::string(libexec)};
}

std::vector<SearchDir> search_path(const std::vector<std::string>& exec_dirs, const char* path_env) {
  std::vector<SearchDir> dirs;
  const auto add = [&](const std::string& path, DirSource source) {
    const bool seen = std::any_of(dirs.begin(), dirs.end(),
                                  [&](const SearchDir& dir) { return dir.path == path; });
    if (!seen) dirs.push_back({path, source});
  };
  for (const auto& dir : exec_dirs) add(dir, DirSource::exec_path);
  if (path_env != nullptr) {
    for (const auto& dir : split_absolute(path_env)) add(dir, DirSource::path);
  }
  return dirs;
}

std::string join_dirs(const std::vector<std::string>& dirs) {
  std::string joined;
  for (const auto& dir : dirs) {
    if (!joined.empty()) joined += ':';
    joined += dir;
  }
  return joined;
}

}  // namespace compozy::dispatch
