#include "compozy/clock.hpp"

#include "compozy/interrupt.hpp"

namespace compozy {

namespace {

class SystemClock final : public Clock {
 public:
  TimePoint now() override { return now_seconds(); }
  Monotonic monotonic() override { return std::chrono::steady_clock::now(); }
  Result<void> sleep(std::chrono::milliseconds duration) override { return sleep_unless_interrupted(duration); }
};

}  // namespace

Clock& system_clock() {
  static SystemClock clock;
  return clock;
}

}  // namespace compozy
