// Time as a command sees it, behind an interface: the wall clock decides
// whether a token has expired, the monotonic clock bounds every wait, and
// waiting itself goes through here, so unit tests move time instead of sleeping.
#pragma once

#include <chrono>

#include "compozy/error.hpp"
#include "compozy/timestamp.hpp"

namespace compozy {

class Clock {
 public:
  using Monotonic = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual TimePoint now() = 0;         // wall-clock time, whole seconds
  virtual Monotonic monotonic() = 0;  // for deadlines; never jumps
  // Waits, ending early with the "interrupted" failure (exit 130) on Ctrl-C.
  virtual Result<void> sleep(std::chrono::milliseconds duration) = 0;
};

// The machine's clocks, with a sleep that Ctrl-C cuts short.
Clock& system_clock();

}  // namespace compozy
