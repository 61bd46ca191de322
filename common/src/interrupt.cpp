#include "compozy/interrupt.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace compozy {

namespace {

volatile std::sig_atomic_t interrupt_signal = 0;
std::atomic<int> holds{0};

extern "C" void remember_interrupt(int signal_number) { interrupt_signal = signal_number; }

}  // namespace

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = remember_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void keep_secrets_out_of_dumps() {
  const rlimit none{0, 0};
  ::setrlimit(RLIMIT_CORE, &none);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

bool interrupted() { return interrupt_signal != 0 && holds.load() == 0; }

InterruptsHeld::InterruptsHeld() { ++holds; }

InterruptsHeld::~InterruptsHeld() { --holds; }

std::unexpected<Error> fail_interrupted() { return fail("interrupted", ExitCode::interrupted); }

Result<void> sleep_unless_interrupted(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds step{50};
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!interrupted()) {
    const auto left = until - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return {};
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, step));
  }
  return fail_interrupted();
}

}  // namespace compozy
