#include "compozy/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "compozy/file_descriptor.hpp"

namespace compozy {

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

std::unexpected<Error> fail_errno(std::string_view doing, const std::filesystem::path& path,
                                  int error_number) {
  return fail(std::string(doing) + " " + quoted(path) + ": " + std::strerror(error_number));
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

Result<std::optional<std::string>> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail_errno("reading", path, errno);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return fail_errno("reading", path, errno);
  if (!S_ISREG(info.st_mode)) return fail("reading " + quoted(path) + ": not a regular file");
  const auto too_large = [&] {
    return fail("reading " + quoted(path) + ": larger than " + std::to_string(max_bytes >> 20) + " MiB");
  };
  if (static_cast<std::size_t>(info.st_size) > max_bytes) return too_large();
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return fail_errno("reading", path, errno);
    }
    if (got == 0) break;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > max_bytes) return too_large();
  }
  return std::optional<std::string>(std::move(content));
}

Result<void> replace_file_atomically(const std::filesystem::path& path, std::string_view content,
                                     mode_t mode) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  std::string temp_name = (folder / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  FileDescriptor fd(::mkostemp(temp_name.data(), O_CLOEXEC));
  if (fd.get() < 0) return fail_errno("writing", path, errno);

  const auto abandon = [&](int error_number) {
    ::unlink(temp_name.c_str());
    return fail_errno("writing", path, error_number);
  };
  if (::fchmod(fd.get(), mode) != 0 || !write_all(fd.get(), content) || ::fsync(fd.get()) != 0) {
    return abandon(errno);
  }
  if (::close(fd.release()) != 0) return abandon(errno);
  if (::rename(temp_name.c_str(), path.c_str()) != 0) return abandon(errno);

  // Without this the rename may be lost in a crash, leaving the old file in place.
  FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) return fail_errno("syncing the folder of", path, errno);
  return {};
}

Result<void> remove_file_durably(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return fail_errno("removing", path, errno);
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  FileDescriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) return fail_errno("syncing the folder of", path, errno);
  return {};
}

Result<void> ensure_private_folder(const std::filesystem::path& folder) {
  std::error_code error;
  if (std::filesystem::is_directory(folder, error)) return {};
  std::filesystem::create_directories(folder.parent_path(), error);
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) return fail_errno("creating", folder, errno);
  return {};
}

}  // namespace compozy
