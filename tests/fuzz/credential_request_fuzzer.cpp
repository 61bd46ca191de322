// A request to a credential helper (docs/credential-helpers.md), as
// compozy-credential-secret-service reads it from stdin: for every action the
// reader never crashes, refuses with a usage error that echoes nothing of the
// input, accepts only a valid reference, and what it accepts is written back
// (reply, keyring value) as JSON that reads to the same values.
#include <sstream>
#include <string>

#include "fuzz_input.hpp"
#include "compozy/credential_helper.hpp"

using namespace compozy;
using namespace compozy::credential_helper;
using namespace compozy::fuzzing;

namespace {

const char* const refusals[] = {
    "bad request: it is larger than 1 MiB",
    "bad request: it is not JSON",
    "bad request: it is not a JSON object",
    "bad request: \"version\" is missing",
    "bad request: unsupported \"version\"; this helper speaks version 1",
    "bad request: \"reference\" is missing",
    "bad request: \"reference\" is not a string",
    "bad request: \"reference\" is not 1 to 64 of A-Z a-z 0-9 _ -",
    "bad request: \"profile\" is missing",
    "bad request: \"profile\" is not a string",
    "bad request: \"host\" is missing",
    "bad request: \"host\" is not a string",
    "bad request: \"account\" is missing",
    "bad request: \"account\" is not a string",
    "bad request: \"secrets\" is missing or not an object",
    "bad request: \"access_token\" is missing",
    "bad request: \"access_token\" is not a string",
    "bad request: \"secrets\": \"access_token\" is empty",
    "bad request: \"refresh_token\" is not a string",
};

bool is_known_refusal(const std::string& message) {
  for (const char* refusal : refusals)
    if (message == refusal) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(text_of(data, size));
  for (const Action action : {Action::get, Action::store, Action::erase, Action::list}) {
    std::istringstream input(text);
    const auto request = read_request(input, action);
    if (!request) {
      FUZZ_CHECK(request.error().code == ExitCode::usage);
      FUZZ_CHECK(is_known_refusal(request.error().message));
      continue;
    }
    FUZZ_CHECK(request->action == action);
    FUZZ_CHECK(action == Action::list || !request->item.reference.empty());
    FUZZ_CHECK(request->item.reference.size() <= 64);
    FUZZ_CHECK(request->secrets.has_value() == (action == Action::store));
    if (request->secrets) {
      const auto stored = decode_secrets(encode_secrets(*request->secrets));
      FUZZ_CHECK(stored.has_value());
      FUZZ_CHECK(stored->access_token == request->secrets->access_token);
      FUZZ_CHECK(stored->refresh_token == request->secrets->refresh_token);
      FUZZ_CHECK(!secrets_reply(request->secrets).empty());
    }
    FUZZ_CHECK(!items_reply({request->item}).empty());
  }
  return 0;
}
