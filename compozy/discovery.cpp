#include "discovery.hpp"

#include <dirent.h>

#include <algorithm>
#include <set>

#include "manifest.hpp"
#include "resolve.hpp"

namespace compozy::dispatch {

std::vector<FoundPlugin> find_plugins(const std::vector<SearchDir>& dirs) {
  std::vector<FoundPlugin> plugins;
  std::set<std::string> active_files;
  for (const auto& dir : dirs) {
    DIR* stream = ::opendir(dir.path.c_str());
    if (stream == nullptr) continue;
    std::vector<std::string> files;
    while (const dirent* entry = ::readdir(stream)) {
      const std::string_view name = entry->d_name;
      if (name.size() > plugin_prefix.size() && name.starts_with(plugin_prefix) && !name.ends_with(manifest_suffix)) {
        files.emplace_back(name);
      }
    }
    ::closedir(stream);
    std::sort(files.begin(), files.end());
    for (auto& file : files) {
      std::string path = dir.path + "/" + file;
      const FileKind kind = probe_file(path);
      if (kind == FileKind::missing) continue;
      const bool executable = kind == FileKind::executable;
      const bool active = executable && active_files.insert(file).second;
      plugins.push_back({std::move(file), std::move(path), dir.source, executable, active});
    }
  }
  return plugins;
}

std::vector<std::string> runnable_files(const std::vector<FoundPlugin>& plugins) {
  std::vector<std::string> files;
  for (const auto& plugin : plugins) {
    if (plugin.active) files.push_back(plugin.file);
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace compozy::dispatch
