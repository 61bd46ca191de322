#define BOOST_TEST_MODULE files
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/temp_folder.hpp"
#include "support/test_printers.hpp"

#include "compozy/atomic_file.hpp"
#include "compozy/config.hpp"
#include "compozy/credential_store.hpp"
#include "compozy/file_lock.hpp"
#include "compozy/interrupt.hpp"

using namespace compozy;
using namespace std::chrono_literals;

namespace {

// Runs `body` in a child process; its exit status.
template <class Body>
int in_child(Body body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A child that holds the lock until killed; its pid.
pid_t hold_lock(const std::filesystem::path& path) {
  int ready[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto lock = FileLock::acquire(path, "the credentials");
    (void)!::write(ready[1], lock ? "y" : "n", 1);
    ::pause();
    ::_exit(0);
  }
  char answer = 0;
  (void)!::read(ready[0], &answer, 1);
  ::close(ready[0]);
  ::close(ready[1]);
  BOOST_TEST_REQUIRE(answer == 'y');
  return pid;
}

void end(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace

// Issue 8, finding 6: waiting for the lock ignored signals, forever (a logout waited 633 s).
BOOST_AUTO_TEST_CASE(waiting_for_the_lock_is_bounded_and_names_the_holder) {
  TempFolder temp;
  const auto path = temp.path() / "credentials.lock";
  const pid_t holder = hold_lock(path);
  const auto started = std::chrono::steady_clock::now();
  const auto lock = FileLock::acquire(path, "the credentials", 300ms);
  const auto waited = std::chrono::steady_clock::now() - started;
  end(holder);
  BOOST_TEST_REQUIRE(!lock.has_value());
  BOOST_TEST(lock.error().message.starts_with("process " + std::to_string(holder) + " ("),
             lock.error().message);
  BOOST_TEST(lock.error().message.ends_with(") still holds the lock on the credentials after 0 s"), lock.error().message);
  BOOST_TEST(lock.error().hint == "wait for it to finish, or end it: kill " + std::to_string(holder));
  BOOST_TEST(waited < 3s);
  BOOST_TEST(FileLock::acquire(path, "the credentials", 300ms).has_value());
}

BOOST_AUTO_TEST_CASE(waiting_for_the_lock_ends_at_ctrl_c) {
  TempFolder temp;
  const auto path = temp.path() / "credentials.lock";
  const pid_t holder = hold_lock(path);
  const int status = in_child([&] {
    catch_interrupts();
    std::thread([] {
      std::this_thread::sleep_for(100ms);
      ::kill(::getpid(), SIGINT);
    }).detach();
    const auto lock = FileLock::acquire(path, "the credentials", 60s);
    return !lock && lock.error().code == ExitCode::interrupted ? 0 : 1;
  });
  end(holder);
  BOOST_TEST(status == 0);
}

// Issue 8, finding 8: the lock file was opened through symbolic links, with O_CREAT.
BOOST_AUTO_TEST_CASE(a_lock_file_that_is_a_link_is_refused_and_nothing_is_created_through_it) {
  TempFolder temp;
  const auto target = temp.path() / "elsewhere";
  std::filesystem::create_symlink(target, temp.path() / "credentials.lock");
  const auto lock = FileLock::acquire(temp.path() / "credentials.lock", "the credentials");
  BOOST_TEST_REQUIRE(!lock.has_value());
  BOOST_TEST(lock.error().message.find("is a symbolic link") != std::string::npos, lock.error().message);
  BOOST_TEST(!std::filesystem::exists(target));
}

// Issue 8, finding 8: a symlinked credentials.yaml was replaced by a file, leaving the old
// tokens in the link's target.
BOOST_AUTO_TEST_CASE(a_credentials_file_that_is_a_link_is_refused) {
  TempFolder temp;
  temp.write("real.yaml", "version: 1\nprofiles: {}\n");
  ::chmod((temp.path() / "real.yaml").c_str(), 0600);
  std::filesystem::create_symlink(temp.path() / "real.yaml", temp.path() / "credentials.yaml");
  CredentialStore store(temp.path());
  const auto loaded = store.load("default");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error().message == "credentials file '" + store.file().string() + "' is a symbolic link");
  StoredCredential credential;
  credential.host = "https://cloud.example.com";
  credential.access_token = "at";
  BOOST_TEST(!store.save("default", credential).has_value());
  BOOST_TEST(std::filesystem::is_symlink(store.file()));
}

// Issue 8, finding 8: a FIFO, /dev/zero or /dev/urandom as a config or credentials file hung
// or grew without bound.
BOOST_AUTO_TEST_CASE(only_regular_files_of_bounded_size_are_read) {
  TempFolder temp;
  BOOST_TEST_REQUIRE(::mkfifo((temp.path() / "fifo").c_str(), 0600) == 0);
  std::filesystem::create_symlink("/dev/zero", temp.path() / "zero");
  temp.write("huge", std::string(2 << 20, '#'));
  for (const char* name : {"fifo", "zero"}) {
    const auto started = std::chrono::steady_clock::now();
    const auto config = load_config(temp.path() / name);
    BOOST_TEST_REQUIRE(!config.has_value(), name);
    BOOST_TEST(config.error().message == "reading '" + (temp.path() / name).string() + "': not a regular file");
    BOOST_TEST(std::chrono::steady_clock::now() - started < 2s);
  }
  const auto huge = load_config(temp.path() / "huge");
  BOOST_TEST_REQUIRE(!huge.has_value());
  BOOST_TEST(huge.error().message == "reading '" + (temp.path() / "huge").string() + "': larger than 1 MiB");
  BOOST_TEST(!required(read_file(temp.path() / "missing", 10)).has_value());
}

// Issue 8, finding 8: core dumps were left enabled, and a crash wrote the refresh token into `core`.
BOOST_AUTO_TEST_CASE(a_process_holding_secrets_leaves_no_core_file_and_cannot_be_read) {
  const int status = in_child([] {
    keep_secrets_out_of_dumps();
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    return core.rlim_cur == 0 && core.rlim_max == 0 && ::prctl(PR_GET_DUMPABLE) == 0 ? 0 : 1;
  });
  BOOST_TEST(status == 0);
}
