#include "compozy/child_process.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "compozy/interrupt.hpp"

extern char** environ;

namespace compozy {

namespace {

using Monotonic = std::chrono::steady_clock;

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void close_read() { close_fd(fds_[0]); }
  void close_write() { close_fd(fds_[1]); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2] = {-1, -1};
};

// The environment of the child: this process's, with the changes applied.
class ChildEnvironment {
 public:
  explicit ChildEnvironment(const ChildProcess& child) {
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      const std::string_view text = *entry;
      const std::string_view name = text.substr(0, text.find('='));
      const bool changed = std::any_of(child.environment_changes.begin(), child.environment_changes.end(),
                                       [&](const auto& change) { return change.first == name; });
      if (!changed) pointers_.push_back(*entry);
    }
    for (const auto& [name, value] : child.environment_changes) {
      if (value) owned_.push_back(name + "=" + *value);
    }
    for (auto& entry : owned_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char** get() { return pointers_.data(); }

 private:
  std::vector<std::string> owned_;
  std::vector<char*> pointers_;
};

std::vector<char*> argument_pointers(const ChildProcess& child) {
  std::vector<char*> pointers;
  for (const auto& arg : child.argv) pointers.push_back(const_cast<char*>(arg.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

bool is_bare_name(std::string_view program) { return program.find('/') == std::string_view::npos; }

std::string describe(const ChildProcess& child) { return "'" + child.program + "'"; }

class SpawnActions {
 public:
  SpawnActions() { posix_spawn_file_actions_init(&actions_); }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
  void null(int fd, int flags) { posix_spawn_file_actions_addopen(&actions_, fd, "/dev/null", flags, 0); }
  void dup(int from, int to) { posix_spawn_file_actions_adddup2(&actions_, from, to); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
 public:
  explicit SpawnAttributes(bool own_session) {
    posix_spawnattr_init(&attributes_);
    // run() ignores SIGPIPE while it writes to the child; the child must not inherit that.
    sigset_t broken_pipe;
    sigemptyset(&broken_pipe);
    sigaddset(&broken_pipe, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes_, &broken_pipe);
    short flags = POSIX_SPAWN_SETSIGDEF;
    if (own_session) flags |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attributes_, flags);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { posix_spawnattr_destroy(&attributes_); }
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_;
};

Result<pid_t> spawn(const ChildProcess& child, SpawnActions& actions) {
  ChildEnvironment environment(child);
  auto argv = argument_pointers(child);
  SpawnAttributes attributes(child.own_session);
  pid_t pid = 0;
  const int error_number = is_bare_name(child.program)
      ? ::posix_spawnp(&pid, child.program.c_str(), actions.get(), attributes.get(), argv.data(), environment.get())
      : ::posix_spawn(&pid, child.program.c_str(), actions.get(), attributes.get(), argv.data(), environment.get());
  if (error_number != 0) return fail("cannot run " + describe(child) + ": " + std::strerror(error_number));
  return pid;
}

void null_or_inherit(SpawnActions& actions, ChildProcess::Stream stream, int fd, int flags) {
  if (stream == ChildProcess::Stream::null) actions.null(fd, flags);
}

ChildProcess::Finished finished_from(int status) {
  ChildProcess::Finished finished;
  finished.ended_by_signal = WIFSIGNALED(status);
  finished.exit_status = finished.ended_by_signal ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  return finished;
}

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Writing to a child that has gone must fail with EPIPE, not end this process.
class IgnoreBrokenPipes {
 public:
  IgnoreBrokenPipes() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &saved_);
  }
  IgnoreBrokenPipes(const IgnoreBrokenPipes&) = delete;
  IgnoreBrokenPipes& operator=(const IgnoreBrokenPipes&) = delete;
  ~IgnoreBrokenPipes() { ::sigaction(SIGPIPE, &saved_, nullptr); }

 private:
  struct sigaction saved_ {};
};

// A piped stderr is kept up to this size and drained beyond it, so a chatty
// child cannot block on a full pipe nor fill this process's memory.
constexpr std::size_t max_kept_errors = 4096;

struct Exchanged {
  std::string output;
  std::string errors;
};

// Feeds stdin and drains stdout (and a piped stderr) until the child closes them.
Result<Exchanged> exchange(const ChildProcess& child, Pipe& in, Pipe& out, Pipe& err, std::string_view input_text,
                           Monotonic::time_point deadline, std::size_t max_output) {
  Exchanged got;
  if (in.write_end() >= 0) ::fcntl(in.write_end(), F_SETFL, O_NONBLOCK);
  if (input_text.empty()) in.close_write();
  while (in.write_end() >= 0 || out.read_end() >= 0 || err.read_end() >= 0) {
    pollfd fds[3] = {{in.write_end(), POLLOUT, 0}, {out.read_end(), POLLIN, 0}, {err.read_end(), POLLIN, 0}};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Monotonic::now()).count();
    if (left <= 0) return fail(describe(child) + " did not finish in time");
    const int ready = ::poll(fds, 3, static_cast<int>(std::min<long long>(left, 100)));
    if (interrupted()) return fail_interrupted();
    if (ready < 0 && errno != EINTR) return fail(describe(child) + ": " + std::strerror(errno));
    if (ready <= 0) continue;
    if (fds[0].revents != 0) {
      const ssize_t written = ::write(in.write_end(), input_text.data(), input_text.size());
      if (written > 0) input_text.remove_prefix(static_cast<std::size_t>(written));
      if ((written < 0 && errno != EAGAIN && errno != EINTR) || input_text.empty()) in.close_write();
    }
    char buffer[4096];
    if (fds[1].revents != 0) {
      const ssize_t count = ::read(out.read_end(), buffer, sizeof buffer);
      if (count > 0) got.output.append(buffer, static_cast<std::size_t>(count));
      if (count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR)) out.close_read();
      if (got.output.size() > max_output) {
        return fail(describe(child) + " printed more than " + std::to_string(max_output) + " bytes");
      }
    }
    if (fds[2].revents != 0) {
      const ssize_t count = ::read(err.read_end(), buffer, sizeof buffer);
      if (count > 0 && got.errors.size() < max_kept_errors) {
        got.errors.append(buffer, std::min(static_cast<std::size_t>(count), max_kept_errors - got.errors.size()));
      }
      if (count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR)) err.close_read();
    }
  }
  return got;
}

// A child that has closed its output is usually exiting: the first waits are
// short (a credential helper runs for every `auth token`), later ones 5 ms.
Result<int> wait_until(const ChildProcess& child, pid_t pid, Monotonic::time_point deadline) {
  std::chrono::microseconds pause{50};
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) return fail(describe(child) + ": " + std::strerror(errno));
    if (interrupted()) return fail_interrupted();
    if (Monotonic::now() >= deadline) return fail(describe(child) + " did not finish in time");
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(5));
  }
}

}  // namespace

int ChildProcess::exec() const {
  std::fflush(nullptr);  // what this process printed must not be lost with it
  ChildEnvironment environment(*this);
  auto arguments = argument_pointers(*this);
  if (is_bare_name(program)) {
    ::execvpe(program.c_str(), arguments.data(), environment.get());
  } else {
    ::execve(program.c_str(), arguments.data(), environment.get());
  }
  return errno;
}

Result<void> ChildProcess::start() const {
  SpawnActions actions;
  null_or_inherit(actions, input, STDIN_FILENO, O_RDONLY);
  null_or_inherit(actions, output, STDOUT_FILENO, O_WRONLY);
  null_or_inherit(actions, errors, STDERR_FILENO, O_WRONLY);
  auto pid = spawn(*this, actions);
  if (!pid) return propagate(pid);
  return {};
}

Result<ChildProcess::Finished> ChildProcess::run(std::string_view input_text, std::chrono::milliseconds timeout,
                                                 std::size_t max_output) const {
  const auto deadline = Monotonic::now() + timeout;
  Pipe in, out, err;
  if ((input == Stream::pipe && !in.ok()) || (output == Stream::pipe && !out.ok()) ||
      (errors == Stream::pipe && !err.ok())) {
    return fail("cannot run " + describe(*this) + ": " + std::strerror(errno));
  }
  if (input != Stream::pipe) in.close_read(), in.close_write();
  if (output != Stream::pipe) out.close_read(), out.close_write();
  if (errors != Stream::pipe) err.close_read(), err.close_write();
  SpawnActions actions;
  if (in.ok()) actions.dup(in.read_end(), STDIN_FILENO);
  if (out.ok()) actions.dup(out.write_end(), STDOUT_FILENO);
  if (err.ok()) actions.dup(err.write_end(), STDERR_FILENO);
  null_or_inherit(actions, input, STDIN_FILENO, O_RDONLY);
  null_or_inherit(actions, output, STDOUT_FILENO, O_WRONLY);
  null_or_inherit(actions, errors, STDERR_FILENO, O_WRONLY);

  IgnoreBrokenPipes ignore_broken_pipes;
  auto pid = spawn(*this, actions);
  if (!pid) return propagate(pid);
  in.close_read();
  out.close_write();
  err.close_write();
  auto collected = exchange(*this, in, out, err, input_text, deadline, max_output);
  if (!collected) {
    kill_and_reap(*pid);
    return propagate(collected);
  }
  auto status = wait_until(*this, *pid, deadline);
  if (!status) {
    kill_and_reap(*pid);
    return propagate(status);
  }
  Finished finished = finished_from(*status);
  finished.output = std::move(collected->output);
  finished.errors = std::move(collected->errors);
  return finished;
}

std::string self_executable_path() {
  char buffer[PATH_MAX];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  return length > 0 ? std::string(buffer, static_cast<std::size_t>(length)) : std::string();
}

std::unexpected<Error> exec_sibling_tool(std::string_view name, std::vector<std::string> arguments,
                                         EnvironmentChanges environment_changes) {
  const std::string self = self_executable_path();
  if (self.empty()) return fail("cannot find this tool's own folder: " + std::string(std::strerror(errno)));
  ChildProcess child;
  child.program = self.substr(0, self.rfind('/') + 1) + std::string(name);
  child.argv.emplace_back(name);
  child.argv.insert(child.argv.end(), std::make_move_iterator(arguments.begin()),
                    std::make_move_iterator(arguments.end()));
  child.environment_changes = std::move(environment_changes);
  const int error_number = child.exec();
  return fail("cannot run '" + child.program + "': " + std::strerror(error_number), ExitCode::failure,
              "install " + std::string(name) + " beside this tool (it ships with compozy)");
}

}  // namespace compozy
