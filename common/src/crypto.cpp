#include "compozy/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace compozy {

std::string random_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  if (count != 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    std::fputs("compozy: fatal: the system's random number generator failed\n", stderr);
    std::abort();
  }
  return bytes;
}

std::string random_token(std::size_t bytes) { return base64url_encode(random_bytes(bytes)); }

std::string sha256(std::string_view data) {
  std::array<unsigned char, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest.data()), length);
}

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : sha256(data)) {
    hex += digits[byte >> 4];
    hex += digits[byte & 0xf];
  }
  return hex;
}

namespace {
constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}  // namespace

std::string base64url_encode(std::string_view data) {
  std::string text;
  text.reserve((data.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const unsigned value = static_cast<unsigned char>(data[i]) << 16 |
                           static_cast<unsigned char>(data[i + 1]) << 8 |
                           static_cast<unsigned char>(data[i + 2]);
    text += base64url_alphabet[value >> 18 & 63];
    text += base64url_alphabet[value >> 12 & 63];
    text += base64url_alphabet[value >> 6 & 63];
    text += base64url_alphabet[value & 63];
  }
  if (const std::size_t rest = data.size() - i; rest != 0) {
    unsigned value = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) value |= static_cast<unsigned char>(data[i + 1]) << 8;
    text += base64url_alphabet[value >> 18 & 63];
    text += base64url_alphabet[value >> 12 & 63];
    if (rest == 2) text += base64url_alphabet[value >> 6 & 63];
  }
  return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string data;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto index = base64url_alphabet.find(c);
    if (index == std::string_view::npos) return std::nullopt;
    buffer = buffer << 6 | static_cast<unsigned>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      data += static_cast<char>(buffer >> bits & 0xff);
    }
  }
  return data;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace compozy
