// What reaches the loopback redirect: the browser's request head, and the
// authorization response in its query.
#include "compozy/loopback_redirect.hpp"
#include "compozy/oauth.hpp"
#include "fuzz_input.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = text_of(data, size);
  ServerMetadata server;
  server.issuer = "https://cloud.example.com";
  for (const bool names_itself : {false, true}) {
    server.issuer_in_authorization_response = names_itself;
    if (const auto params = callback_parameters(text)) {
      if (const auto code = authorization_code_from(*params, "s-1", server)) FUZZ_CHECK(!code->empty());
    }
    (void)authorization_code_from(parse_query(text), "s-1", server);
  }
  return 0;
}
