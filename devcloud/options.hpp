// The command line of compozy-devcloud, parsed into values before anything runs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/error.hpp"
#include "fault_spec.hpp"

namespace compozy::devcloud {

// Which well-known metadata documents are served, so that a client's
// discovery fallback (RFC 8414 first, then OpenID Connect, or the reverse) can be tested.
enum class Discovery { both, oauth, openid };

struct Options {
  int port = 0;                      // 0: a free port chosen by the kernel
  std::vector<std::string> users;    // e-mail addresses, in command-line order
  std::vector<std::string> clients;  // registered public client ids
  bool auto_approve = false;
  std::chrono::seconds access_token_ttl{3600};
  std::chrono::seconds refresh_token_ttl{2592000};  // 30 days
  std::chrono::seconds device_code_ttl{600};
  std::chrono::seconds device_interval{5};  // RFC 8628 §3.2 default
  // How long the refresh token rotated away last is answered again instead of being
  // taken for a replay, so that a client killed before storing an answer recovers. 0: never.
  std::chrono::seconds refresh_reuse_interval{30};
  // Sign-ins beyond this many live sessions are refused with 503, never forgotten to make room.
  std::int64_t max_sessions = 10000;
  std::optional<std::filesystem::path> state_file;
  std::string public_host = "127.0.0.1";
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
  // A PEM RSA key to sign with instead of generating one at start, which takes a tenth
  // of a second or more: tests that start devcloud often share one key.
  std::optional<std::filesystem::path> signing_key_file;
  Discovery discovery = Discovery::both;
  bool compozy_api = true;  // false: only the standard OAuth/OIDC endpoints
  bool token_exchange = true;  // false: RFC 8693 is neither offered nor accepted
  // How far ahead (negative: behind) of this machine's time devcloud's clock runs:
  // for what it issues, judges and sends in each Date header, so that a client's
  // clock check can be shown a server whose clock differs.
  std::chrono::seconds clock_offset{0};
  // The `issuer` the metadata documents name instead of the real one; "" leaves
  // it out. For a client's check that it equals the host (RFC 8414 §3.3).
  std::optional<std::string> metadata_issuer;
  std::vector<Fault> faults;       // in force from the start (--fault)
  bool faults_switchable = false;  // --faults: /_faults switches them at run time
  bool help = false;
  bool version = false;
};

// Errors carry ExitCode::usage.
Result<Options> parse_options(int argc, const char* const* argv);

std::string_view usage();

}  // namespace compozy::devcloud
