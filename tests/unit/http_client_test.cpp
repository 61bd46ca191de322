#define BOOST_TEST_MODULE http_client
#include <boost/test/unit_test.hpp>

#include <httplib.h>

#include <atomic>
#include <thread>

#include "support/test_printers.hpp"

#include "compozy/http_client.hpp"
#include "compozy/version.hpp"

using namespace compozy;
using Variables = std::map<std::string, std::string, std::less<>>;

namespace {

// A real HTTP server on 127.0.0.1 for the duration of a test.
class LoopbackServer {
 public:
  // bind_to_any_port also listens, so requests queue until the accept loop starts.
  LoopbackServer() : port_(server.bind_to_any_port("127.0.0.1")), thread_([this] { server.listen_after_bind(); }) {
  }
  ~LoopbackServer() {
    // A stop() that comes before the accept loop starts is lost, and join() would wait forever.
    for (int i = 0; i < 2000 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    server.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int port() const { return port_; }

  httplib::Server server;

 private:
  int port_;
  std::thread thread_;
};

std::unique_ptr<HttpClient> client(HttpLimits limits = {}) { return make_http_client_with_limits(Environment(Variables{}), limits); }

}  // namespace

BOOST_AUTO_TEST_CASE(a_response_comes_back_with_status_headers_and_body) {
  LoopbackServer backend;
  std::string user_agent;
  backend.server.Get("/hello", [&](const httplib::Request& request, httplib::Response& response) {
    user_agent = request.get_header_value("User-Agent");
    response.set_header("X-Thing", "1");
    response.set_content("{\"ok\":true}", "application/json");
  });
  const auto response = client()->send(HttpRequest::get(backend.url("/hello")));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 200);
  BOOST_TEST(response->body == "{\"ok\":true}");
  BOOST_TEST(response->header("x-thing") == "1");
  BOOST_TEST(user_agent == std::string("compozy/") + compozy::version);
}

BOOST_AUTO_TEST_CASE(requests_to_one_origin_share_a_connection) {
  LoopbackServer backend;
  std::vector<int> client_ports;
  backend.server.Get("/n", [&](const httplib::Request& request, httplib::Response& response) {
    client_ports.push_back(request.remote_port);
    response.set_content("ok", "text/plain");
  });
  const auto http = client();
  for (int i = 0; i < 3; ++i) BOOST_TEST_REQUIRE(http->send(HttpRequest::get(backend.url("/n"))).has_value());
  BOOST_TEST_REQUIRE(client_ports.size() == 3u);
  BOOST_TEST(client_ports[0] == client_ports[1]);
  BOOST_TEST(client_ports[1] == client_ports[2]);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_answers_is_cut_off_at_the_deadline) {
  LoopbackServer backend;
  std::atomic<bool> release{false};
  backend.server.Get("/silent", [&](const httplib::Request&, httplib::Response&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  });
  const auto response = client({.deadline = std::chrono::milliseconds(1500), .max_attempts = 1})
                            ->send(HttpRequest::get(backend.url("/silent")));
  release = true;
  BOOST_TEST_REQUIRE(!response.has_value());
  BOOST_TEST((response.error().kind == Error::Kind::unreachable));
  BOOST_TEST(response.error().message == "'" + backend.url("").substr(0, backend.url("").size()) +
                                             "' did not answer within 1 s");
}

BOOST_AUTO_TEST_CASE(idempotent_requests_are_retried_on_5xx_and_429_honouring_retry_after) {
  LoopbackServer backend;
  std::atomic<int> calls{0};
  backend.server.Get("/flaky", [&](const httplib::Request&, httplib::Response& response) {
    if (++calls < 3) {
      response.status = calls == 1 ? 503 : 429;
      response.set_header("Retry-After", "0");
      return;
    }
    response.set_content("fine", "text/plain");
  });
  const auto response = client()->send(HttpRequest::get(backend.url("/flaky")));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 200);
  BOOST_TEST(calls == 3);
}

BOOST_AUTO_TEST_CASE(a_post_that_reached_the_server_is_never_repeated) {
  LoopbackServer backend;
  std::atomic<int> calls{0};
  backend.server.Post("/token", [&](const httplib::Request&, httplib::Response& response) {
    ++calls;
    response.status = 503;
  });
  const auto response = client()->send(HttpRequest::post_form(backend.url("/token"), {{"grant_type", "x"}}));
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->status == 503);
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_CASE(a_closed_port_is_unreachable_not_a_refusal) {
  // A port that was free a moment ago, and that nothing listens on.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  ::close(fd);
  const auto response = client({.max_attempts = 2})->send(
      HttpRequest::get("http://127.0.0.1:" + std::to_string(port) + "/"));
  BOOST_TEST_REQUIRE(!response.has_value());
  BOOST_TEST((response.error().kind == Error::Kind::unreachable));
  BOOST_TEST(response.error().message.starts_with("cannot connect to 'http://127.0.0.1:"));
}

BOOST_AUTO_TEST_CASE(an_oversized_body_is_refused) {
  LoopbackServer backend;
  backend.server.Get("/big", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(std::string(3 << 20, 'x'), "text/plain");
  });
  const auto response = client({.max_body_bytes = 1 << 20})->send(HttpRequest::get(backend.url("/big")));
  BOOST_TEST_REQUIRE(!response.has_value());
  BOOST_TEST(response.error().message.ends_with("is larger than 1 MiB"));
}

BOOST_AUTO_TEST_CASE(the_authorization_header_never_follows_a_redirect_to_another_origin) {
  LoopbackServer first, second;
  std::string seen_by_first, seen_by_second;
  first.server.Get("/start", [&](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("/same-origin");
  });
  first.server.Get("/same-origin", [&](const httplib::Request& request, httplib::Response& response) {
    seen_by_first = request.get_header_value("Authorization");
    response.set_redirect(second.url("/elsewhere"));
  });
  second.server.Get("/elsewhere", [&](const httplib::Request& request, httplib::Response& response) {
    seen_by_second = request.has_header("Authorization") ? request.get_header_value("Authorization") : "(none)";
    response.set_content("arrived", "text/plain");
  });
  HttpRequest request = HttpRequest::get(first.url("/start"));
  request.bearer("secret-token");
  const auto response = client()->send(request);
  BOOST_TEST_REQUIRE(response.has_value());
  BOOST_TEST(response->body == "arrived");
  BOOST_TEST(seen_by_first == "Bearer secret-token");
  BOOST_TEST(seen_by_second == "(none)");
}

BOOST_AUTO_TEST_CASE(debug_logging_redacts_every_query_value) {
  BOOST_TEST(redact_url("https://h/cb?code=abc&state=xyz") == "https://h/cb?code=[redacted]&state=[redacted]");
  BOOST_TEST(redact_url("https://h/oauth/token") == "https://h/oauth/token");
}

// Issue 8, finding 1: a redirect from http://127.0.0.1 to another machine over plain http was followed.
BOOST_AUTO_TEST_CASE(a_redirect_to_plain_http_outside_this_machine_is_refused) {
  LoopbackServer backend;
  backend.server.Get("/start", [&](const httplib::Request&, httplib::Response& response) {
    response.set_redirect("http://127.0.0.1.nip.io:" + std::to_string(backend.port()) + "/steal");
  });
  HttpRequest request = HttpRequest::get(backend.url("/start"));
  request.bearer("secret-token");
  const auto response = client({.max_attempts = 1})->send(request);
  BOOST_TEST_REQUIRE(!response.has_value());
  BOOST_TEST(response.error().message ==
             "refusing to follow a redirect to plain http outside this machine ('http://127.0.0.1.nip.io:" +
                 std::to_string(backend.port()) + "')");
}

BOOST_AUTO_TEST_CASE(a_header_with_a_line_break_is_never_sent) {
  LoopbackServer backend;
  bool reached = false;
  backend.server.Get("/x", [&](const httplib::Request&, httplib::Response&) { reached = true; });
  HttpRequest request = HttpRequest::get(backend.url("/x"));
  request.bearer("token\r\nX-Evil: 1");
  const auto response = client()->send(request);
  BOOST_TEST_REQUIRE(!response.has_value());
  BOOST_TEST(response.error().message == "refusing to send the header 'Authorization': it holds a line break or a NUL");
  BOOST_TEST(!reached);
}
