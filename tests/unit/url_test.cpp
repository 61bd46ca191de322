#define BOOST_TEST_MODULE url
#include <boost/test/unit_test.hpp>

#include "support/test_printers.hpp"

#include "compozy/timestamp.hpp"
#include "compozy/url.hpp"

using namespace compozy;

BOOST_AUTO_TEST_CASE(parses_origins_ports_and_targets) {
  const auto url = parse_url("HTTPS://Example.COM:8443/a/b?c=d");
  BOOST_TEST_REQUIRE(url.has_value());
  BOOST_TEST(url->scheme == "https");
  BOOST_TEST(url->host == "example.com");
  BOOST_TEST(url->port == 8443);
  BOOST_TEST(url->target == "/a/b?c=d");
  BOOST_TEST(url->path() == "/a/b");
  BOOST_TEST(url->origin() == "https://example.com:8443");

  const auto plain = parse_url("http://127.0.0.1");
  BOOST_TEST_REQUIRE(plain.has_value());
  BOOST_TEST(plain->port == 80);
  BOOST_TEST(plain->target == "/");
  BOOST_TEST(plain->origin() == "http://127.0.0.1");
  BOOST_TEST(plain->is_loopback());

  const auto v6 = parse_url("http://[::1]:9000?x=1");
  BOOST_TEST_REQUIRE(v6.has_value());
  BOOST_TEST(v6->host == "::1");
  BOOST_TEST(v6->target == "/?x=1");
  BOOST_TEST(v6->origin() == "http://[::1]:9000");
  BOOST_TEST(v6->is_loopback());
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_an_absolute_http_url) {
  for (const char* bad : {"example.com", "ftp://example.com", "https://user:pw@example.com/",
                          "https://example.com:0/", "https://example.com:99999/", "https://:80/",
                          "https://exa mple.com/", "https://example.com/#frag", "http://[::1/"}) {
    const auto url = parse_url(bad);
    BOOST_TEST(!url.has_value(), bad);
    if (!url) BOOST_TEST(url.error().message.starts_with("invalid URL '"));
  }
}

BOOST_AUTO_TEST_CASE(resolves_path_references_against_a_base) {
  const auto base = parse_url("https://auth.example.com/tenant/");
  BOOST_TEST_REQUIRE(base.has_value());
  BOOST_TEST(required(resolve_url(*base, "/oauth/token")).str() == "https://auth.example.com/oauth/token");
  BOOST_TEST(required(resolve_url(*base, "https://other.example/x")).str() == "https://other.example/x");
}

BOOST_AUTO_TEST_CASE(form_encoding_round_trips) {
  const Params params{{"grant_type", "refresh_token"}, {"scope", "openid email"}, {"x", "a&b=c+d/é"}};
  const std::string body = form_encode(params);
  BOOST_TEST(body == "grant_type=refresh_token&scope=openid%20email&x=a%26b%3Dc%2Bd%2F%C3%A9");
  BOOST_TEST(parse_query(body) == params);
  BOOST_TEST(parse_query("a=1+2&&b&c=%zz") == (Params{{"a", "1 2"}, {"b", ""}}));
  BOOST_TEST(find_param(params, "scope") == "openid email");
  BOOST_TEST(!find_param(params, "missing").has_value());
  BOOST_TEST(with_query("https://h/p?a=1", {{"b", "2 3"}}) == "https://h/p?a=1&b=2%203");
  BOOST_TEST(!percent_decode("%4").has_value());
  BOOST_TEST(!percent_decode("%-1").has_value());
  BOOST_TEST(!percent_decode("%+f").has_value());
  BOOST_TEST(percent_decode("%e2%9C%93") == "✓");
}

BOOST_AUTO_TEST_CASE(rfc_3339_timestamps_round_trip_in_utc) {
  const auto time = parse_rfc3339("2026-11-28T05:44:49Z");
  BOOST_TEST_REQUIRE(time.has_value());
  BOOST_TEST(unix_seconds(*time) == 1795844689);
  BOOST_TEST(format_rfc3339(*time) == "2026-11-28T05:44:49Z");
  BOOST_TEST(parse_rfc3339("2026-11-28T07:44:49.123+02:00") == time);
  BOOST_TEST(!parse_rfc3339("2026-13-28T05:44:49Z").has_value());
  BOOST_TEST(!parse_rfc3339("yesterday").has_value());
}

// "This machine" is a loopback address, parsed: never a name that merely starts like one
// (issue 8, finding 1: http://127.0.0.1.nip.io received the API key in clear text).
BOOST_AUTO_TEST_CASE(loopback_means_an_address_of_this_machine_parsed_never_a_prefix) {
  for (const char* here : {"http://127.0.0.1", "http://127.0.0.2:8080/x", "http://127.255.255.254", "http://localhost",
                           "http://LOCALHOST:1", "http://[::1]:9", "http://[0:0:0:0:0:0:0:1]/"}) {
    BOOST_TEST(required(parse_url(here)).is_loopback(), here);
  }
  for (const char* elsewhere :
       {"http://127.0.0.1.nip.io", "http://127.attacker.example", "http://127.0.0.1.example.com:80", "http://1270.0.0.1",
        "http://127.1", "http://127.0.0.256", "http://127.0.0.01", "http://localhost.example.com", "http://localhost.",
        "http://0.0.0.0", "http://[::2]", "http://[::ffff:127.0.0.1]", "http://128.0.0.1"}) {
    BOOST_TEST(!required(parse_url(elsewhere)).is_loopback(), elsewhere);
  }
}
