// An exclusive advisory lock (flock) on a lock file, held for the lifetime of
// the object. The kernel drops it when the process dies, so a crash never
// leaves a stale lock behind.
#pragma once

#include <filesystem>

#include "compozy/error.hpp"

namespace compozy {

class FileLock {
 public:
  // Waits until this process holds the lock; creates the lock file (0600) if needed.
  static Result<FileLock> acquire(const std::filesystem::path& path);

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
