// A clock for unit tests: time moves only when the code sleeps or the test
// says so, and every sleep is recorded.
#pragma once

#include <vector>

#include "compozy/clock.hpp"

namespace compozy::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = from_unix_seconds(1'800'000'000)) : wall_(start) {}

  TimePoint now() override { return std::chrono::time_point_cast<std::chrono::seconds>(wall_); }
  Monotonic monotonic() override { return Monotonic(elapsed_); }
  Result<void> sleep(std::chrono::milliseconds duration) override {
    sleeps.push_back(duration);
    advance(duration);
    return {};
  }

  void advance(std::chrono::milliseconds duration) {
    wall_ += duration;
    elapsed_ += duration;
  }

  std::vector<std::chrono::milliseconds> sleeps;

 private:
  std::chrono::time_point<WallClock, std::chrono::milliseconds> wall_;
  std::chrono::milliseconds elapsed_{0};
};

}  // namespace compozy::testing
