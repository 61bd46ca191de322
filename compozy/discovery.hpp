// Every compozy-* file in the search folders, for help, `plugin list`, group
// listings and "did you mean" suggestions. Dispatching never needs it.
#pragma once

#include <string>
#include <vector>

#include "search_path.hpp"

namespace compozy::dispatch {

struct FoundPlugin {
  std::string file;  // compozy-auth-status
  std::string path;  // the folder and the file
  DirSource source;
  bool executable;
  bool active;  // the one that runs: no earlier executable of the same name
};

// In search order; a name found twice appears twice, the first executable one active.
std::vector<FoundPlugin> find_plugins(const std::vector<SearchDir>& dirs);

// The distinct executable plugin files, sorted.
std::vector<std::string> runnable_files(const std::vector<FoundPlugin>& plugins);

}  // namespace compozy::dispatch
