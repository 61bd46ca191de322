// Proof Key for Code Exchange (RFC 7636), S256 only: the client keeps the
// verifier, sends the challenge, and the server checks one against the other.
#pragma once

#include <string>
#include <string_view>

namespace compozy {

struct Pkce {
  std::string verifier;   // 43 characters from the unreserved set (32 random bytes)
  std::string challenge;  // BASE64URL(SHA256(verifier))
};

Pkce make_pkce();
std::string pkce_challenge_s256(std::string_view verifier);

// RFC 7636 §4.1: 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
bool is_valid_code_verifier(std::string_view verifier);

}  // namespace compozy
