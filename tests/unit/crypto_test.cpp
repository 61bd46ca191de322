#define BOOST_TEST_MODULE crypto
#include <boost/test/unit_test.hpp>

#include "support/test_printers.hpp"

#include "compozy/crypto.hpp"
#include "compozy/pkce.hpp"

using namespace compozy;

BOOST_AUTO_TEST_CASE(pkce_matches_the_rfc_7636_appendix_b_example) {
  BOOST_TEST(pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
             "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

BOOST_AUTO_TEST_CASE(a_fresh_pkce_pair_is_valid_and_never_repeats) {
  const Pkce first = make_pkce();
  const Pkce second = make_pkce();
  BOOST_TEST(first.verifier.size() == 43u);
  BOOST_TEST(is_valid_code_verifier(first.verifier));
  BOOST_TEST(first.challenge == pkce_challenge_s256(first.verifier));
  BOOST_TEST(first.verifier != second.verifier);
}

BOOST_AUTO_TEST_CASE(code_verifiers_outside_rfc_7636_are_refused) {
  BOOST_TEST(!is_valid_code_verifier(std::string(42, 'a')));
  BOOST_TEST(is_valid_code_verifier(std::string(128, '~')));
  BOOST_TEST(!is_valid_code_verifier(std::string(129, 'a')));
  BOOST_TEST(!is_valid_code_verifier(std::string(42, 'a') + "+"));
}

BOOST_AUTO_TEST_CASE(base64url_round_trips_every_length_without_padding) {
  const std::string data = random_bytes(64);
  for (std::size_t length = 0; length <= data.size(); ++length) {
    const std::string encoded = base64url_encode(data.substr(0, length));
    BOOST_TEST(encoded.find_first_of("+/=") == std::string::npos);
    BOOST_TEST(base64url_decode(encoded) == data.substr(0, length));
  }
  BOOST_TEST(base64url_encode("\xfb\xff") == "-_8");
  BOOST_TEST(!base64url_decode("a").has_value());
  BOOST_TEST(!base64url_decode("ab$d").has_value());
}

BOOST_AUTO_TEST_CASE(sha256_matches_the_known_digest) {
  BOOST_TEST(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256("").size() == 32u);
}

BOOST_AUTO_TEST_CASE(random_tokens_are_url_safe_and_distinct) {
  const std::string a = random_token(), b = random_token();
  BOOST_TEST(a.size() == 43u);
  BOOST_TEST(a != b);
  BOOST_TEST(constant_time_equal(a, a));
  BOOST_TEST(!constant_time_equal(a, b));
  BOOST_TEST(!constant_time_equal(a, a.substr(1)));
}
