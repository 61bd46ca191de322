#include "compozy/pkce.hpp"

#include <algorithm>

#include "compozy/crypto.hpp"

namespace compozy {

Pkce make_pkce() {
  std::string verifier = random_token(32);
  std::string challenge = pkce_challenge_s256(verifier);
  return {std::move(verifier), std::move(challenge)};
}

std::string pkce_challenge_s256(std::string_view verifier) {
  return base64url_encode(sha256(verifier));
}

bool is_valid_code_verifier(std::string_view verifier) {
  const auto unreserved = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
  };
  return verifier.size() >= 43 && verifier.size() <= 128 &&
         std::all_of(verifier.begin(), verifier.end(), unreserved);
}

}  // namespace compozy
