#include "faults.hpp"

#include <algorithm>
#include <utility>

namespace compozy::devcloud {

namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// The Content-Type of an answer about to be streamed: httplib sets it again
// beside the provider, and a header set twice is sent twice.
std::string take_content_type(httplib::Response& response) {
  std::string type = response.get_header_value("Content-Type");
  response.headers.erase("Content-Type");
  return type.empty() ? "application/octet-stream" : type;
}

// Content-Length promises the whole body; the connection closes after half of it.
void cut_off(httplib::Response& response) {
  std::string body = std::move(response.body);
  response.body.clear();
  const std::string type = take_content_type(response);
  const std::size_t promised = std::max<std::size_t>(body.size(), 1);
  body.resize(body.size() / 2);
  response.set_content_provider(promised, type, [body](std::size_t, std::size_t, httplib::DataSink& sink) {
    if (!body.empty()) sink.write(body.data(), body.size());
    return false;  // httplib gives up on the response and closes the connection
  });
}

void trickle(httplib::Response& response, FaultSwitch& faults) {
  std::string body = std::move(response.body);
  response.body.clear();
  const std::string type = take_content_type(response);
  // Something to wait for, even from an endpoint that sends no body: longer than any deadline a test sets.
  if (body.empty()) body = "{}" + std::string(30, ' ');
  const std::size_t size = body.size();
  response.set_content_provider(size, type, [body, &faults](std::size_t offset, std::size_t, httplib::DataSink& sink) {
    return faults.pause(1s) && sink.write(body.data() + offset, 1);
  });
}

// {"padding":"aaa…"}: a whole JSON object, made as it is sent rather than held in memory.
void send_oversized(httplib::Response& response, int mebibytes) {
  static constexpr std::string_view head = R"({"padding":")";
  static constexpr std::string_view tail = R"("})";
  const std::size_t size = static_cast<std::size_t>(mebibytes) << 20;
  response.status = 200;
  response.set_content_provider(size, "application/json",
                                [size](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                  std::string piece(std::min<std::size_t>(length, 64 * 1024), 'a');
                                  for (std::size_t i = 0; i < piece.size(); ++i) {
                                    const std::size_t at = offset + i;
                                    if (at < head.size()) piece[i] = head[at];
                                    if (at >= size - tail.size()) piece[i] = tail[at - (size - tail.size())];
                                  }
                                  return sink.write(piece.data(), piece.size());
                                });
}

std::string error_code_for(int status) {
  if (status == 429) return "too_many_requests";
  if (status == 503) return "temporarily_unavailable";
  return status >= 500 ? "server_error" : "invalid_request";
}

std::string reason_phrase(int status) {
  switch (status) {
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Temporarily Unavailable";
    case 504:
      return "Gateway Time-out";
    default:
      return "Error";
  }
}

json with_other_types(const json& value) {
  if (value.is_object()) {
    json result = json::object();
    for (const auto& [name, member] : value.items()) result[name] = with_other_types(member);
    return result;
  }
  if (value.is_array()) {
    json result = json::array();
    for (const auto& item : value) result.push_back(with_other_types(item));
    return result;
  }
  if (value.is_string()) return 1234567890;  // an access_token, a subject or an endpoint as a number
  return value.dump();                       // an expires_in of "3600", a flag of "true"
}

void replace_numbers(json& value, const json& number) {
  if (value.is_number()) {
    value = number;
    return;
  }
  if (value.is_structured()) {
    for (auto& item : value) replace_numbers(item, number);
  }
}

}  // namespace

void FaultSwitch::add(Fault fault) {
  const std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

void FaultSwitch::clear() {
  const std::lock_guard lock(mutex_);
  faults_.clear();
}

std::optional<Fault> FaultSwitch::take(std::string_view request_path) {
  const std::lock_guard lock(mutex_);
  const auto found =
      std::find_if(faults_.begin(), faults_.end(), [&](const Fault& fault) { return fault.applies_to(request_path); });
  if (found == faults_.end()) return std::nullopt;
  Fault fault = *found;
  if (found->times && --*found->times == 0) faults_.erase(found);
  return fault;
}

json FaultSwitch::describe() const {
  const std::lock_guard lock(mutex_);
  json list = json::array();
  for (const Fault& fault : faults_) {
    list.push_back({{"spec", fault.spec}, {"remaining", fault.times ? json(*fault.times) : json()}});
  }
  return {{"faults", list}};
}

bool FaultSwitch::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  return !stopping_.wait_for(lock, duration, [this] { return stopped_; });
}

void FaultSwitch::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  stopping_.notify_all();
}

void answer_with_fault(const Fault& fault, Exchange& exchange) {
  httplib::Response& response = exchange.response;
  switch (fault.kind) {
    case FaultKind::status:
      send_error(response, {fault.status, error_code_for(fault.status), "a fault switched on in compozy-devcloud"});
      break;
    case FaultKind::html:
      response.status = fault.status;
      response.set_content(html_error_page(fault.status), "text/html");
      break;
    case FaultKind::malformed_json:
      response.status = 200;
      response.set_content(malformed_json_body(), "application/json");
      break;
    case FaultKind::oversized:
      send_oversized(response, fault.mebibytes);
      break;
    case FaultKind::redirect:
      send_redirect(response, fault.location + exchange.request.target, fault.status);
      break;
    default:
      break;
  }
  if (fault.retry_after) response.set_header("Retry-After", std::to_string(*fault.retry_after));
}

void spoil_answer(const Fault& fault, Exchange& exchange, FaultSwitch& faults) {
  httplib::Response& response = exchange.response;
  switch (fault.kind) {
    case FaultKind::drop:
      cut_off(response);
      break;
    case FaultKind::trickle:
      trickle(response, faults);
      break;
    case FaultKind::truncated_json:
    case FaultKind::wrong_types:
    case FaultKind::missing:
    case FaultKind::absurd:
      response.body = rewrite_json_body(fault, response.body);
      break;
    default:
      break;
  }
}

// The mistakes of hand-written JSON: single quotes, a bare name, a trailing comma.
std::string malformed_json_body() {
  return "{'access_token': 'faulty', token_type: \"Bearer\", \"expires_in\": 3600,}";
}

// What a reverse proxy in front of a dead server says, with markup and a product name
// that must never reach a user's terminal as they are.
std::string html_error_page(int status) {
  const std::string title = std::to_string(status) + " " + reason_phrase(status);
  return "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
         "</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";
}

std::string rewrite_json_body(const Fault& fault, std::string_view body) {
  if (fault.kind == FaultKind::truncated_json) return std::string(body.substr(0, body.size() / 2));
  json document = json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_structured()) return std::string(body);
  switch (fault.kind) {
    case FaultKind::wrong_types:
      document = with_other_types(document);
      break;
    case FaultKind::missing:
      if (fault.field.empty()) {
        document = document.is_object() ? json::object() : json::array();
      } else if (document.is_object()) {
        document.erase(fault.field);
      }
      break;
    case FaultKind::absurd:
      replace_numbers(document, fault.number);
      break;
    default:
      break;
  }
  return dump_json(document);
}

}  // namespace compozy::devcloud
