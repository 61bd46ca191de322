// Showing the user a URL in a browser: $BROWSER when set, else xdg-open on a
// desktop session. Over SSH, or with no display, there is no browser to open.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/environment.hpp"
#include "compozy/error.hpp"

namespace compozy {

// The command to open a URL with, if this session has a browser. BROWSER may
// hold arguments, and "%s" for where the URL goes (as Python's webbrowser).
std::optional<std::vector<std::string>> browser_command(const Environment& env);

// Starts the browser without waiting for it, its output discarded.
Result<void> open_in_browser(const std::vector<std::string>& command, std::string_view url);

}  // namespace compozy
