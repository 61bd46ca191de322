#define BOOST_TEST_MODULE loopback_redirect
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "support/test_printers.hpp"

#include "compozy/loopback_redirect.hpp"
#include "compozy/url.hpp"

using namespace compozy;
using namespace std::chrono_literals;

namespace {

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_TEST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

// What a browser does: one request, then the whole answer.
std::string get(int port, const std::string& target) {
  const int fd = connect_to(port);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string response;
  char buffer[4096];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) response.append(buffer, static_cast<std::size_t>(got));
  ::close(fd);
  return response;
}

int port_of(const LoopbackRedirect& redirect) { return required(parse_url(redirect.redirect_uri())).port; }

std::unique_ptr<LoopbackRedirect> listen(std::vector<std::string>* ignored = nullptr) {
  ServerMetadata server;
  server.issuer = "https://cloud.example.com";
  return required(LoopbackRedirect::listen(0, server, "s-1", [ignored](std::string_view why) {
    if (ignored != nullptr) ignored->emplace_back(why);
  }));
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_browser_brings_back_the_code_and_is_told_it_can_close_the_tab) {
  auto redirect = listen();
  auto browser = std::async(std::launch::async, [port = port_of(*redirect)] { return get(port, "/callback?code=c-1&state=s-1"); });
  BOOST_TEST(required(redirect->wait_for_code(std::chrono::steady_clock::now() + 5s)) == "c-1");
  const std::string response = browser.get();
  BOOST_TEST(response.starts_with("HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(response.find("Cache-Control: no-store") != std::string::npos);
  BOOST_TEST(response.find("Referrer-Policy: no-referrer") != std::string::npos);
  BOOST_TEST(response.find("You can close this tab") != std::string::npos);
}

// Issue 8, finding 8: eight slow connections starved the callback (httplib's pool has eight
// threads) until the code expired.
BOOST_AUTO_TEST_CASE(slow_and_idle_connections_cannot_starve_the_browsers) {
  auto redirect = listen();
  const int port = port_of(*redirect);
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(connect_to(port));
    (void)!::send(slow.back(), "G", 1, MSG_NOSIGNAL);  // a request that never ends
  }
  std::atomic<bool> trickling{true};
  std::thread trickle([&] {
    while (trickling) {
      for (const int fd : slow) (void)!::send(fd, "E", 1, MSG_NOSIGNAL);
      std::this_thread::sleep_for(100ms);
    }
  });
  auto browser = std::async(std::launch::async, [port] { return get(port, "/callback?code=c-1&state=s-1"); });
  const auto code = redirect->wait_for_code(std::chrono::steady_clock::now() + 3s);
  trickling = false;
  trickle.join();
  for (const int fd : slow) ::close(fd);
  BOOST_TEST_REQUIRE(code.has_value(), code.error().message);
  BOOST_TEST(*code == "c-1");
  BOOST_TEST(browser.get().starts_with("HTTP/1.1 200 OK"));
}

BOOST_AUTO_TEST_CASE(a_forged_response_is_ignored_and_the_wait_goes_on) {
  std::vector<std::string> ignored;
  auto redirect = listen(&ignored);
  const int port = port_of(*redirect);
  auto attacker = std::async(std::launch::async, [port] { return get(port, "/callback?code=evil&state=forged"); });
  auto elsewhere = std::async(std::launch::async, [port] { return get(port, "/favicon.ico"); });
  BOOST_TEST(!redirect->wait_for_code(std::chrono::steady_clock::now() + 500ms).has_value());
  BOOST_TEST(attacker.get().starts_with("HTTP/1.1 400 Bad Request"));
  BOOST_TEST(elsewhere.get().starts_with("HTTP/1.1 404 Not Found"));
  BOOST_TEST(ignored == std::vector<std::string>{"ignored a sign-in response that does not belong to this login (wrong state)"});
  auto browser = std::async(std::launch::async, [port] { return get(port, "/callback?error=access_denied&state=s-1"); });
  const auto denied = redirect->wait_for_code(std::chrono::steady_clock::now() + 5s);
  BOOST_TEST_REQUIRE(!denied.has_value());
  BOOST_TEST(denied.error().message == "the sign-in was denied");
  const std::string denial = browser.get();
  BOOST_TEST(denial.find("<h1>Sign-in denied</h1>") != std::string::npos);
  BOOST_TEST(denial.find("run <code>compozy login</code> in your terminal again") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(only_a_get_of_the_callback_carries_parameters) {
  BOOST_TEST(required(callback_parameters("GET /callback?code=a&state=b HTTP/1.1\r\nHost: x\r\n\r\n")).size() == 2u);
  BOOST_TEST(required(callback_parameters("GET /callback HTTP/1.0\r\n\r\n")).empty());
  for (const char* head : {"POST /callback?code=a HTTP/1.1\r\n\r\n", "GET /callbackx?code=a HTTP/1.1\r\n\r\n",
                           "GET /callback?code=a\r\n\r\n", "GET /other HTTP/1.1\r\n\r\n", "", "GET  HTTP/1.1\r\n"}) {
    BOOST_TEST(!callback_parameters(head).has_value(), head);
  }
}
