// The helper's side of the credential helper protocol (one JSON object on
// stdin, one on stdout; docs/credential-helpers.md): reading a request and
// writing a reply. compozy's own helpers (json-file, secret-service) are built
// on it, and so can a C++ helper built against the SDK; the other side is
// compozy's helper store (secret_store.hpp).
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compozy/error.hpp"
#include "compozy/secret_store.hpp"

namespace compozy::credential_helper {

inline constexpr int protocol_version = 1;
inline constexpr std::size_t max_message_bytes = 1024 * 1024;

enum class Action { get, store, erase, list };

struct Request {
  Action action;
  SecretItem item;                 // get, store, erase
  std::optional<Secrets> secrets;  // store
};

// "get", "store", "erase" or "list"; anything else is a usage error (exit 2).
Result<Action> parse_action(std::string_view word);

// Reads the whole of `input` (at most max_message_bytes) as the request for
// `action`. A malformed request is a usage error (exit 2) that names the field;
// unknown fields are ignored, so that later versions can add some.
Result<Request> read_request(std::istream& input, Action action);

// The replies, each one JSON object and a newline.
std::string secrets_reply(const std::optional<Secrets>& secrets);  // get
std::string done_reply();                                          // store, erase
std::string items_reply(const std::vector<SecretItem>& items);  // list

// The one JSON value a Secret Service item holds: {"access_token", "refresh_token"}.
std::string encode_secrets(const Secrets& secrets);
std::optional<Secrets> decode_secrets(std::string_view text);

}  // namespace compozy::credential_helper
