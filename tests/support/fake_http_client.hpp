// An HTTP client for unit tests: answers from a script of routes and records
// every request, so a test can say what the server answers and then check
// what the client asked (as gh's httpmock registry does).
//
//   FakeHttpClient http;
//   http.on("POST", "https://cloud.example.com/oauth/token", json_response(200, {{"access_token", "at"}}));
//   http.on("GET", "https://cloud.example.com/api/v1/me", unreachable("cannot connect"));
//   … run the code …
//   BOOST_TEST(http.requests_to("POST", "https://cloud.example.com/oauth/token").size() == 1u);
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/interrupt.hpp"

namespace compozy::testing {

using Answer = std::function<Result<HttpResponse>(const HttpRequest&)>;

inline Answer respond(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return [=](const HttpRequest&) -> Result<HttpResponse> { return HttpResponse{status, headers, body}; };
}

inline Answer json_response(int status, const nlohmann::json& body) {
  return respond(status, body.dump(), {{"content-type", "application/json"}});
}

// What the real client returns when no response arrived.
inline Answer unreachable(std::string message = "cannot connect to the server") {
  return [message](const HttpRequest&) -> Result<HttpResponse> {
    return fail({.message = message, .kind = Error::Kind::unreachable});
  };
}

class FakeHttpClient final : public HttpClient {
 public:
  // Answers for METHOD URL, used in turn; the last one repeats.
  FakeHttpClient& on(std::string method, std::string url, Answer answer) {
    routes_[{std::move(method), std::move(url)}].push_back(std::move(answer));
    return *this;
  }

  Result<HttpResponse> send(const HttpRequest& request) override {
    requests_.push_back(request);
    auto found = routes_.find({request.method, request.url});
    if (found == routes_.end() || found->second.empty()) {
      return HttpResponse{404, {}, R"({"error":"not_found","error_description":"no route in the fake"})"};
    }
    Answer answer = found->second.front();
    if (found->second.size() > 1) found->second.pop_front();
    auto response = answer(request);
    // As the real client: Ctrl-C during a request abandons it, whatever the server did.
    if (interrupted()) return fail_interrupted();
    return response;
  }

  const std::vector<HttpRequest>& requests() const { return requests_; }
  std::vector<HttpRequest> requests_to(std::string_view method, std::string_view url) const {
    std::vector<HttpRequest> matching;
    for (const auto& request : requests_) {
      if (request.method == method && request.url == url) matching.push_back(request);
    }
    return matching;
  }

  // The Context owns its client; a test keeps this one and hands out forwarders.
  HttpClientFactory factory() {
    return [this](const Environment&) -> std::unique_ptr<HttpClient> { return std::make_unique<Forwarder>(*this); };
  }

 private:
  class Forwarder final : public HttpClient {
   public:
    explicit Forwarder(FakeHttpClient& target) : target_(target) {}
    Result<HttpResponse> send(const HttpRequest& request) override { return target_.send(request); }

   private:
    FakeHttpClient& target_;
  };

  std::map<std::pair<std::string, std::string>, std::deque<Answer>> routes_;
  std::vector<HttpRequest> requests_;
};

// The form parameters of a request's body.
inline std::string form_value(const HttpRequest& request, std::string_view name) {
  return find_param(parse_query(request.body), name).value_or("");
}

inline std::string header_value(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace compozy::testing
