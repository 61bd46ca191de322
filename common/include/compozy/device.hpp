// What this machine tells the server about itself when it signs in, so that
// `compozy auth list` tells two laptops apart: a name (the host name, or
// --device-name, or device_name in config.yaml) and the operating system
// (PRETTY_NAME of os-release). Each is one line, made safe and bounded.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compozy/oauth.hpp"

namespace compozy {

inline constexpr std::size_t device_text_columns = 64;

// `chosen` when given, else `host_name`; the OS from the text of an os-release file.
DeviceDescription describe_device(const std::optional<std::string>& chosen, std::string_view host_name,
                                  std::string_view os_release);

// The same for this machine: gethostname(2), /etc/os-release else /usr/lib/os-release.
DeviceDescription this_device(const std::optional<std::string>& chosen);

}  // namespace compozy
