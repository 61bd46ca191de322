#include "compozy/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "compozy/interrupt.hpp"

namespace compozy {

namespace {

std::unexpected<Error> fail_locking(const std::filesystem::path& path, std::string_view why) {
  return fail("locking '" + path.string() + "': " + std::string(why));
}

// Who holds the lock, as its holder wrote it: "PID PROGRAM".
std::string holder_of(int fd) {
  char text[128] = {};
  const ssize_t length = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, length > 0 ? static_cast<std::size_t>(length) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return holder;
}

// So that whoever waits can say who they wait for.
void write_holder(int fd) {
  const std::string holder = std::to_string(::getpid()) + " " + program_invocation_short_name + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, holder.data(), holder.size(), 0);
}

std::unexpected<Error> fail_held(const std::filesystem::path& path, std::string_view guarded,
                                 const std::string& holder, std::chrono::milliseconds patience) {
  const auto space = holder.find(' ');
  const std::string pid = holder.substr(0, space);
  const std::string program = space == std::string::npos ? "" : " (" + holder.substr(space + 1) + ")";
  if (pid.empty()) return fail_locking(path, "still locked after " + std::to_string(patience.count() / 1000) + " s");
  return fail("process " + pid + program + " still holds the lock on " + std::string(guarded) + " after " +
                  std::to_string(patience.count() / 1000) + " s",
              ExitCode::failure, "wait for it to finish, or end it: kill " + pid);
}

}  // namespace

Result<FileLock> FileLock::acquire(const std::filesystem::path& path, std::string_view guarded,
                                  std::chrono::milliseconds patience) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
  if (fd < 0) return fail_locking(path, errno == ELOOP ? "it is a symbolic link" : std::strerror(errno));
  FileLock lock(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return fail_locking(path, "not a regular file");
  const auto give_up = std::chrono::steady_clock::now() + patience;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return fail_locking(path, std::strerror(errno));
    if (interrupted()) return fail_interrupted();
    if (std::chrono::steady_clock::now() >= give_up) return fail_held(path, guarded, holder_of(fd), patience);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  write_holder(fd);
  return lock;
}

FileLock::FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace compozy
