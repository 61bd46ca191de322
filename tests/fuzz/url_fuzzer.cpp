// URLs, percent-encoding, forms and NO_PROXY, as they come from servers and the environment.
#include "compozy/config.hpp"
#include "compozy/http_client.hpp"
#include "compozy/proxy.hpp"
#include "compozy/url.hpp"
#include "fuzz_input.hpp"

using namespace compozy;
using namespace compozy::fuzzing;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = text_of(data, size);
  if (const auto url = parse_url(text)) {
    FUZZ_CHECK(url->scheme == "http" || url->scheme == "https");
    FUZZ_CHECK(url->port >= 1 && url->port <= 65535);
    FUZZ_CHECK(url->target.starts_with('/'));
    // What parse_url accepts, it accepts again in the form it gives back.
    const auto again = parse_url(url->str());
    FUZZ_CHECK(again && again->origin() == url->origin() && again->target == url->target);
    (void)url->is_loopback();
    (void)resolve_url(*url, text);
    (void)bypasses_proxy(*url, text);
    if (const auto host = normalize_host(text)) FUZZ_CHECK(url->scheme == "https" || url->is_loopback());
  }
  (void)percent_decode(text);
  const Params params = parse_query(text);
  FUZZ_CHECK(parse_query(form_encode(params)) == params);
  (void)redact_url(text);
  return 0;
}
