// `compozy plugin list [--json]`: every compozy-* executable found, where,
// and what keeps one from running (shadowed, not executable, a built-in).
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "discovery.hpp"

namespace compozy::dispatch {

// What `plugin list` warns about, one sentence each: shadowed, overriding a
// core command, not executable, an unusable manifest (compozy doctor reports them too).
std::vector<std::string> plugin_warnings(const std::vector<FoundPlugin>& plugins,
                                         const std::vector<std::string>& exec_dirs);

// `compozy plugin ARGS…`; the exit status.
int plugin_command(std::span<const std::string> args, const std::vector<FoundPlugin>& plugins,
                   const std::vector<std::string>& exec_dirs, std::FILE* out, std::FILE* err);

}  // namespace compozy::dispatch
