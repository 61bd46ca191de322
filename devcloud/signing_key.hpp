// The RSA key that signs ID tokens (RS256, RFC 7515/7518), published as a JWK set (RFC 7517).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compozy/error.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace compozy::devcloud {

class SigningKey {
 public:
  static Result<SigningKey> generate();  // RSA-2048
  static Result<SigningKey> from_pem(std::string_view pem);

  std::string private_key_pem() const;
  // The RFC 7638 thumbprint of the public key, so the kid changes exactly when the key does.
  const std::string& kid() const { return kid_; }
  nlohmann::json public_jwk() const;

  // A compact JWS: base64url(header).base64url(claims).base64url(RS256 signature).
  Result<std::string> sign_jwt(const nlohmann::json& claims) const;

 private:
  struct FreeKey {
    void operator()(EVP_PKEY* key) const;
  };
  explicit SigningKey(std::shared_ptr<EVP_PKEY> key);

  // Shared because EVP_PKEY is immutable once made and OpenSSL allows concurrent signing with it.
  std::shared_ptr<EVP_PKEY> key_;
  std::string modulus_;   // big-endian bytes of n
  std::string exponent_;  // big-endian bytes of e
  std::string kid_;
};

}  // namespace compozy::devcloud
