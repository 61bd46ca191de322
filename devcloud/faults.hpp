// Fault switches: devcloud answering badly on purpose (slow, cut off, refusing,
// or saying nonsense), so that tests can show what a client does against a broken
// or hostile server. Off unless asked for: by --fault at start, or at run time by
// POST /_faults from this machine when devcloud was started with --faults.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fault_spec.hpp"
#include "http.hpp"

namespace compozy::devcloud {

// The faults in force, shared by the server's worker threads. The first fault
// added that applies to a path is the one its requests get.
class FaultSwitch {
 public:
  void add(Fault fault);
  void clear();
  // The fault for a request to `request_path`, counted as used.
  std::optional<Fault> take(std::string_view request_path);
  // {"faults": [{"spec": …, "remaining": N or null}]}
  nlohmann::json describe() const;

  // Sleeps, unless stop() comes first: whether it slept the whole time. Delays and
  // trickles wait here, so that stopping devcloud never waits for them.
  bool pause(std::chrono::milliseconds duration);
  void stop();

 private:
  mutable std::mutex mutex_;
  std::condition_variable stopping_;
  bool stopped_ = false;
  std::vector<Fault> faults_;
};

// What a fault makes of an answer. Bodies that are not JSON are left as they are
// by the rewriting faults (truncated_json cuts any body).
void answer_with_fault(const Fault& fault, Exchange& exchange);
void spoil_answer(const Fault& fault, Exchange& exchange, FaultSwitch& faults);

// The pieces of those answers, apart so that unit tests can check them.
std::string malformed_json_body();
std::string html_error_page(int status);
std::string rewrite_json_body(const Fault& fault, std::string_view body);

}  // namespace compozy::devcloud
