// An exclusive advisory lock (flock) on a lock file, held for the lifetime of
// the object. The kernel drops it when the process dies, so a crash never
// leaves a stale lock behind.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "compozy/error.hpp"

namespace compozy {

class FileLock {
 public:
  // Waits until this process holds the lock, at most `patience`, and no longer
  // once Ctrl-C is pressed; a wait that runs out names the process holding it.
  // Creates the lock file (0600) if needed, never through a symbolic link.
  // `guarded` names what the lock protects, for that message ("the credentials").
  static Result<FileLock> acquire(const std::filesystem::path& path, std::string_view guarded,
                                  std::chrono::milliseconds patience = std::chrono::seconds(45));

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace compozy
