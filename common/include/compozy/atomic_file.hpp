// Files that are never seen half-written: readers get the old content or the
// new, even when the writer crashes or the machine loses power mid-write.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "compozy/error.hpp"

namespace compozy {

// The whole file, or nullopt when it does not exist. Only a regular file of
// at most `max_bytes` is read: a FIFO or a device such as /dev/zero would
// hang or grow without bound.
Result<std::optional<std::string>> read_file(const std::filesystem::path& path, std::size_t max_bytes = 1 << 20);

// Writes a temporary file beside `path` with `mode`, fsyncs it, renames it over
// `path` and fsyncs the folder, so the rename itself survives a crash.
Result<void> replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                                     mode_t mode = 0600);

// Creates `folder` with mode 0700 if it is missing (its parents as usual):
// config.yaml and credentials.yaml share it.
Result<void> ensure_private_folder(const std::filesystem::path& folder);

// Removes `path` (if it is there) and fsyncs its folder, so the removal survives a crash.
Result<void> remove_file_durably(const std::filesystem::path& path);

}  // namespace compozy
