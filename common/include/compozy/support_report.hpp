// `compozy doctor --report FILE`: the findings with what a support team asks
// for next (versions, OS, settings, the config and credentials files), in one
// file to attach, with every secret taken out.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/doctor.hpp"

namespace compozy {

// `text` without any secret: each of `known` (the values of this machine's
// tokens and keys) wherever it appears, and whatever looks like one: a bearer
// or basic credential, a JWT, a Compozy API key, a URL's user information and
// query values, and the value of any field whose name says token, secret,
// password, key, code, cookie, authorization, session or ref.
std::string redact_secrets(std::string_view text, const std::vector<std::string>& known);

// The whole report, already redacted.
std::string support_report(Context& context, const std::vector<Check>& checks);

// Written atomically with mode 0600: it says much about this machine.
Result<void> write_support_report(const std::filesystem::path& path, std::string_view report);

}  // namespace compozy
