// Ctrl-C while compozy waits (for a browser, a device approval, a server)
// stops the wait cleanly: the handler only sets a flag, and every waiting loop
// checks it, so nothing is left half-done and the exit status is 130.
#pragma once

#include <chrono>

#include "compozy/error.hpp"

namespace compozy {

// Installs the SIGINT and SIGTERM handlers; the plugin harness calls it once.
void catch_interrupts();
bool interrupted();
std::unexpected<Error> fail_interrupted();  // "interrupted", exit 130

// Sleeps, waking early when interrupted.
Result<void> sleep_unless_interrupted(std::chrono::milliseconds duration);

}  // namespace compozy
