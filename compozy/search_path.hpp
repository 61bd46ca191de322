// Where plugins are looked for, in order: this installation's own exec
// folders first (so nothing planted on PATH can stand in for a core command),
// then each absolute folder on PATH.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace compozy::dispatch {

enum class DirSource { exec_path, path };

struct SearchDir {
  std::string path;
  DirSource source;
};

// COMPOZY_EXEC_PATH (colon-separated absolute folders) when set; else the
// libexec folder found relative to `self` (so a moved or DESTDIR-staged tree
// still works), and, when `self` runs from the build tree, the build's plugin folders.
std::vector<std::string> exec_dirs(const char* exec_path_env, std::string_view self);

// The exec folders, then the absolute entries of PATH. Relative entries ("",
// ".", "bin") are skipped, as Go's exec.LookPath refuses them since 1.19, and
// a folder is searched once even if listed twice.
std::vector<SearchDir> search_path(const std::vector<std::string>& exec_dirs, const char* path_env);

std::string join_dirs(const std::vector<std::string>& dirs);  // "a:b"

}  // namespace compozy::dispatch
