// Ctrl-C while compozy waits (for a browser, a device approval, a server)
// stops the wait cleanly: the handler only sets a flag, and every waiting loop
// checks it, so nothing is left half-done and the exit status is 130.
#pragma once

#include <chrono>

#include "compozy/error.hpp"

namespace compozy {

// Installs the SIGINT and SIGTERM handlers; the plugin harness calls it once.
void catch_interrupts();

// A crash must not write the tokens this process holds into a core file, and
// another process of the same user must not read them from /proc/PID/mem
// (as ssh-agent does): no core files, and not dumpable. The harness calls it first.
void keep_secrets_out_of_dumps();
bool interrupted();

// While one exists, Ctrl-C and SIGTERM are held: interrupted() says no, and
// the signal takes effect when the last one ends. For the moments when
// stopping would lose something, such as a refresh between sending the old
// refresh token (which the server then spends) and storing the new one. What
// runs meanwhile must be bounded in time on its own.
class InterruptsHeld {
 public:
  InterruptsHeld();
  InterruptsHeld(const InterruptsHeld&) = delete;
  InterruptsHeld& operator=(const InterruptsHeld&) = delete;
  ~InterruptsHeld();
};
std::unexpected<Error> fail_interrupted();  // "interrupted", exit 130

// Sleeps, waking early when interrupted.
Result<void> sleep_unless_interrupted(std::chrono::milliseconds duration);

}  // namespace compozy
