// Randomness and hashing for tokens, PKCE and the state devcloud keeps,
// all from OpenSSL's libcrypto.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace compozy {

// Bytes from OpenSSL's CSPRNG. A CSPRNG that cannot produce output leaves no
// safe way to go on, so that case aborts the process with a message.
std::string random_bytes(std::size_t count);

// An unguessable opaque token: `bytes` random bytes, base64url without padding.
std::string random_token(std::size_t bytes = 32);

std::string sha256(std::string_view data);      // the raw 32-byte digest
std::string sha256_hex(std::string_view data);  // lower-case hex

// Base64url without padding (RFC 4648 §5), as PKCE and JWTs use it.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// Compares secrets without leaking through timing where they first differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace compozy
