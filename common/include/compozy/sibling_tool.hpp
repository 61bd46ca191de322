// Handing over to another tool of the same installation, found beside the
// running one (never on PATH, so nothing planted there can take over).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compozy/error.hpp"

namespace compozy {

// Replaces this process with `name` from this executable's own folder; returns
// only when that fails.
Error exec_sibling_tool(std::string_view name, const std::vector<std::string>& arguments);

}  // namespace compozy
