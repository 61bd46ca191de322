// Writes the --state file behind the requests instead of inside them. A change asks
// for a write, and one thread writes at most once per interval, so that a burst of
// sign-ins costs one write and a refused request none; a use (a last-used time, a
// device poll) waits for the next write. Every write replaces the file whole.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "compozy/error.hpp"
#include "state.hpp"

namespace compozy::devcloud {

// Replaces FILE whole (a temporary file, fsync, rename; mode 0600).
Result<void> write_state_file(const std::filesystem::path& file, const State& state);

class StateWriter {
 public:
  // A copy of the state as it is now, taken under the owner's lock.
  using Snapshot = std::function<State()>;

  StateWriter(std::filesystem::path file, std::chrono::milliseconds interval, Snapshot snapshot);
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;
  // Writes what is still pending; call flush() before to hear of a failure.
  ~StateWriter();

  void changed();  // written within the interval
  void used();     // written with the next change, or by flush()
  // Writes now whatever is pending.
  Result<void> flush();

 private:
  enum class Pending { nothing, use, change };

  void write_in_the_background();
  // Writes when at least `least` is pending: the background writes for changes only.
  Result<void> write_pending(Pending least = Pending::use);

  const std::filesystem::path file_;
  const std::chrono::milliseconds interval_;
  const Snapshot snapshot_;

  std::mutex writing_;  // one write at a time, so a newer snapshot is never overwritten by an older one
  std::mutex mutex_;    // guards what follows
  std::condition_variable wake_;
  Pending pending_ = Pending::nothing;
  bool stopping_ = false;
  bool failing_ = false;  // a failure is reported once, not at every retry

  std::thread thread_;  // last, so that it starts once everything above is ready
};

}  // namespace compozy::devcloud
