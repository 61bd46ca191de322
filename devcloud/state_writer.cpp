#include "state_writer.hpp"

#include <cstdio>
#include <utility>

#include "compozy/atomic_file.hpp"

namespace compozy::devcloud {

namespace {

void report_in_background(const Error& error) {
  const std::string line = "compozy-devcloud: error: saving the state: " + error.message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

Result<void> write_state_file(const std::filesystem::path& file, const State& state) {
  const std::string text = state_to_json(state).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return replace_file_atomically(file, text + "\n", 0600);
}

StateWriter::StateWriter(std::filesystem::path file, std::chrono::milliseconds interval, Snapshot snapshot)
    : file_(std::move(file)),
      interval_(interval),
      snapshot_(std::move(snapshot)),
      thread_([this] { write_in_the_background(); }) {}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  if (auto written = write_pending(); !written) report_in_background(written.error());
}

void StateWriter::changed() {
  {
    std::lock_guard lock(mutex_);
    if (pending_ == Pending::change) return;
    pending_ = Pending::change;
  }
  wake_.notify_one();
}

void StateWriter::used() {
  std::lock_guard lock(mutex_);
  if (pending_ == Pending::nothing) pending_ = Pending::use;
}

Result<void> StateWriter::flush() { return write_pending(); }

void StateWriter::write_in_the_background() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || pending_ == Pending::change; });
    // The changes of the next moments join this write; stopping leaves the rest to the destructor.
    if (wake_.wait_for(lock, interval_, [&] { return stopping_; })) return;
    lock.unlock();
    // A flush may have written meanwhile, leaving at most a use, which waits.
    auto written = write_pending(Pending::change);
    lock.lock();
    if (written) {
      failing_ = false;
    } else if (!std::exchange(failing_, true)) {
      report_in_background(written.error());
    }
  }
}

Result<void> StateWriter::write_pending(Pending least) {
  std::lock_guard writing(writing_);
  {
    std::lock_guard lock(mutex_);
    if (pending_ < least) return {};
    pending_ = Pending::nothing;  // before the snapshot: a change made after it asks again
  }
  auto written = write_state_file(file_, snapshot_());
  if (!written) {
    {
      std::lock_guard lock(mutex_);
      pending_ = Pending::change;
    }
    wake_.notify_one();  // retried after the next interval
  }
  return written;
}

}  // namespace compozy::devcloud
