#include "signing_key.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "compozy/crypto.hpp"

namespace compozy::devcloud {

namespace {

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

struct FreeBio {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct FreeBignum {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct FreeDigestContext {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

Result<std::string> rsa_parameter(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return fail(std::string("reading the RSA parameter '") + name + "': " + openssl_reason());
  }
  const std::unique_ptr<BIGNUM, FreeBignum> number(raw);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(number.get())), '\0');
  BN_bn2bin(number.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

}  // namespace

void SigningKey::FreeKey::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

SigningKey::SigningKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}

Result<SigningKey> SigningKey::generate() {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  if (raw == nullptr) return fail("generating an RSA key: " + openssl_reason());
  auto pem = SigningKey(std::shared_ptr<EVP_PKEY>(raw, FreeKey())).private_key_pem();
  // Going through PEM once makes a generated key and a loaded one take the same path.
  return from_pem(pem);
}

Result<SigningKey> SigningKey::from_pem(std::string_view pem) {
  const std::unique_ptr<BIO, FreeBio> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail("reading the signing key: " + openssl_reason());
  EVP_PKEY* raw = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return fail("reading the signing key: " + openssl_reason());
  SigningKey key(std::shared_ptr<EVP_PKEY>(raw, FreeKey()));
  if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_RSA || EVP_PKEY_get_bits(raw) < 2048) {
    return fail("reading the signing key: expected an RSA key of at least 2048 bits");
  }
  auto modulus = rsa_parameter(raw, OSSL_PKEY_PARAM_RSA_N);
  if (!modulus) return propagate(modulus);
  auto exponent = rsa_parameter(raw, OSSL_PKEY_PARAM_RSA_E);
  if (!exponent) return propagate(exponent);
  key.modulus_ = std::move(*modulus);
  key.exponent_ = std::move(*exponent);
  // RFC 7638 §3: the required members in lexicographic order, no white space.
  const std::string thumbprint_input = R"({"e":")" + base64url_encode(key.exponent_) + R"(","kty":"RSA","n":")" +
                                       base64url_encode(key.modulus_) + R"("})";
  key.kid_ = base64url_encode(sha256(thumbprint_input));
  return key;
}

std::string SigningKey::private_key_pem() const {
  const std::unique_ptr<BIO, FreeBio> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return {};
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

nlohmann::json SigningKey::public_jwk() const {
  return {
      {"kty", "RSA"},
      {"use", "sig"},
      {"alg", "RS256"},
      {"kid", kid_},
      {"n", base64url_encode(modulus_)},
      {"e", base64url_encode(exponent_)},
  };
}

Result<std::string> SigningKey::sign_jwt(const nlohmann::json& claims) const {
  const nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid_}};
  const std::string signing_input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());

  const std::unique_ptr<EVP_MD_CTX, FreeDigestContext> context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length, reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return fail("signing an ID token: " + openssl_reason());
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size()) != 1) {
    return fail("signing an ID token: " + openssl_reason());
  }
  signature.resize(length);
  return signing_input + "." + base64url_encode(signature);
}

}  // namespace compozy::devcloud
