#include "compozy/api_request.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "compozy/atomic_file.hpp"
#include "compozy/json_fields.hpp"
#include "compozy/refresh.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

constexpr std::size_t max_input_bytes = 16 << 20;
// Deeper documents are shown as text: pretty-printing walks the tree recursively.
constexpr int max_shown_json_depth = 256;

// RFC 9110 §5.6.2: the characters of a header name or a method.
bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
    return std::isalnum(static_cast<unsigned char>(c)) || symbols.find(c) != std::string_view::npos;
  });
}

std::unexpected<Error> as_usage_error(Error error) {
  error.code = ExitCode::usage;
  return fail(std::move(error));
}

// "https://…" and the like; "a?next=https://…" is a path whose query holds a URL.
bool is_absolute_url(std::string_view target) {
  const auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  const std::string_view scheme = target.substr(0, scheme_end);
  return std::isalpha(static_cast<unsigned char>(scheme.front())) &&
         std::all_of(scheme.begin(), scheme.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
         });
}

Result<std::string> read_standard_input() {
  std::string content;
  char buffer[8192];
  for (;;) {
    const ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return fail(std::string("reading standard input: ") + std::strerror(errno));
    if (got == 0) return content;
    content.append(buffer, static_cast<std::size_t>(got));
    if (content.size() > max_input_bytes) {
      return fail("reading standard input: larger than " + std::to_string(max_input_bytes >> 20) + " MiB");
    }
  }
}

// --input: a file, or "-" for standard input. Failing to read it is a bad argument.
Result<std::optional<std::string>> read_input(const std::optional<std::string>& input) {
  if (!input) return std::optional<std::string>();
  if (*input == "-") {
    auto content = read_standard_input();
    if (!content) return as_usage_error(std::move(content.error()));
    return std::optional<std::string>(std::move(*content));
  }
  auto content = read_file(*input, max_input_bytes);
  if (!content) return as_usage_error(std::move(content.error()));
  if (!*content) return usage_error("reading '" + *input + "': no such file");
  return content;
}

// A JSON object of the string fields; nlohmann refuses text that is not UTF-8.
Result<std::string> fields_as_json(const Params& fields) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : fields) object[key] = value;
  try {
    return object.dump();
  } catch (const nlohmann::json::exception&) {
    return usage_error("a field is not valid UTF-8, which a JSON body must be");
  }
}

// One parameter of a link (RFC 8288 §3): name, and its value unquoted.
std::pair<std::string, std::string> link_parameter(std::string_view text) {
  const auto equals = text.find('=');
  const std::string name = lower(trim(text.substr(0, equals)));
  std::string_view raw = equals == std::string_view::npos ? std::string_view() : trim(text.substr(equals + 1));
  std::string value;
  if (raw.size() >= 2 && raw.front() == '"' && raw.back() == '"') raw = raw.substr(1, raw.size() - 2);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) ++i;
    value += raw[i];
  }
  return {name, value};
}

// Where the next ',' (or `separator`) outside a quoted string is, from `from`.
std::size_t end_of_item(std::string_view text, std::size_t from, char separator) {
  bool quoted = false;
  for (std::size_t i = from; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == separator) {
      return i;
    }
  }
  return text.size();
}

// Whether the parameters of one link (";rel=next; title=…") give it the relation type "next".
bool relation_is_next(std::string_view parameters) {
  for (std::size_t at = 0; at < parameters.size();) {
    const std::size_t end = end_of_item(parameters, at, ';');
    const auto [name, value] = link_parameter(parameters.substr(at, end - at));
    // Only the first rel counts (§3.3); its value is a list of relation types.
    if (name == "rel") {
      const auto types = split_words(lower(value));
      return std::find(types.begin(), types.end(), "next") != types.end();
    }
    at = end + 1;
  }
  return false;
}

std::optional<std::string> next_in_link_header(std::string_view value) {
  for (std::size_t at = 0;;) {
    const auto open = value.find('<', at);
    const auto close = open == std::string_view::npos ? open : value.find('>', open);
    if (close == std::string_view::npos) return std::nullopt;
    const std::size_t end = end_of_item(value, close + 1, ',');
    if (relation_is_next(value.substr(close + 1, end - close - 1))) {
      return std::string(value.substr(open + 1, close - open - 1));
    }
    at = end;
  }
}

std::string pretty_json(const nlohmann::json& document) {
  // ASCII with every control character escaped, as Output::json: a server's text cannot drive the terminal.
  return document.dump(2, ' ', true, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string render_body(std::string_view body, bool terminal) {
  if (!terminal || body.empty()) return std::string(body);
  if (const auto document = parse_json_value(body, max_shown_json_depth)) return pretty_json(*document);
  std::string shown;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t end = std::min(body.find('\n', at), body.size());
    std::string_view line = body.substr(at, end - at);
    if (line.ends_with('\r')) line.remove_suffix(1);
    shown += terminal_safe(line) + "\n";
    at = end + 1;
  }
  return shown;
}

std::string render_head(const HttpResponse& response, bool terminal) {
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + "\n";
  for (const auto& [name, value] : response.headers) {
    const std::string line = name + ": " + value;
    head += (terminal ? terminal_safe(line) : line) + "\n";
  }
  return head + "\n";
}

// The pages as one JSON array, when every one of them is an array (as `gh api --paginate` shows them).
std::optional<nlohmann::json> merged_arrays(const std::vector<HttpResponse>& pages) {
  nlohmann::json merged = nlohmann::json::array();
  for (const auto& page : pages) {
    auto document = parse_json_value(page.body, max_shown_json_depth);
    if (!document || !document->is_array()) return std::nullopt;
    for (auto& item : *document) merged.push_back(std::move(item));
  }
  return merged;
}

// What the request and its next pages brought: every response, and why it stopped early, if it did.
struct Fetched {
  std::vector<HttpResponse> pages;
  std::optional<Error> failure;
};

Fetched fetch_pages(Context& context, HttpRequest request, CredentialOrigin origin, const ApiCall& call) {
  // The first URL was parsed and checked when the request was built.
  const std::string host_origin = parse_url(request.url).value().origin();
  Fetched fetched;
  for (int page = 1;; ++page) {
    auto response = context.http().send(request);
    if (!response) return {std::move(fetched.pages), std::move(response.error())};
    fetched.pages.push_back(std::move(*response));
    const HttpResponse& last = fetched.pages.back();
    if (auto status = check_api_status(last, request.url, origin); !status) {
      return {std::move(fetched.pages), std::move(status.error())};
    }
    const auto link = call.paginate ? next_page_link(last) : std::nullopt;
    if (!link) return fetched;
    if (page == call.max_pages) {
      fetched.failure = Error{"stopped after " + std::to_string(page) + " pages; the server offers more"};
      return fetched;
    }
    auto next = next_page_url(request.url, *link, host_origin);
    if (!next) return {std::move(fetched.pages), std::move(next.error())};
    request.url = std::move(*next);
  }
}

// The request `call` makes, with its credential.
struct AuthorizedRequest {
  HttpRequest request;
  CredentialOrigin origin;
};

Result<AuthorizedRequest> authorized_request(const ApiCall& call, Context& context) {
  auto body = read_input(call.input);
  if (!body) return propagate(body);
  // Checked before a refresh or anything else goes out: a refused request sends nothing.
  auto request = build_api_request(call, context.settings().host, std::move(*body));
  if (!request) return propagate(request);
  auto credential = fresh_credential(context);
  if (!credential) return propagate(credential);
  request->bearer(credential->token);
  return AuthorizedRequest{std::move(*request), credential->origin};
}

}  // namespace

Result<std::string> parse_method(std::string_view text) {
  if (!is_token(text)) return usage_error("'" + std::string(text) + "' is not an HTTP method");
  std::string method(text);
  std::transform(method.begin(), method.end(), method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return method;
}

Result<std::pair<std::string, std::string>> parse_field(std::string_view text) {
  const auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return usage_error("the field '" + std::string(text) + "' is not key=value");
  }
  return std::pair{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

Result<Header> parse_header(std::string_view text) {
  const auto colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  if (colon == std::string_view::npos || !is_token(name)) {
    return usage_error("the header '" + std::string(text) + "' is not 'Name: value'");
  }
  const std::string_view value = trim(text.substr(colon + 1));
  // A line break would end this header and begin one of someone else's choosing.
  const auto is_control = [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t') || byte == 0x7F;
  };
  if (std::any_of(value.begin(), value.end(), is_control)) {
    return usage_error("the header '" + std::string(name) + "' holds a line break or another control character");
  }
  if (equals_ignoring_case(name, "authorization")) {
    return fail("refusing to set the Authorization header: compozy api sends the profile's credential",
                ExitCode::usage, "for another credential, use another --profile or set FLYZT_API_KEY");
  }
  return Header{std::string(name), std::string(value)};
}

Result<Url> api_url(std::string_view host, std::string_view target) {
  auto base = parse_url(host);
  if (!base) return as_usage_error(std::move(base.error()));
  if (target.empty()) return usage_error("the path is empty; give one such as /api/v1/me");
  if (is_absolute_url(target)) {
    auto url = parse_url(target);
    if (!url) return as_usage_error(std::move(url.error()));
    if (url->origin() != base->origin()) {
      return fail("refusing to send the credential for '" + base->origin() + "' to '" + url->origin() + "'",
                  ExitCode::usage, "give a path on the profile's host, such as /api/v1/me, or --host for the other");
    }
    return url;
  }
  if (std::any_of(target.begin(), target.end(), [](char c) { return c <= ' ' || c >= 0x7F; })) {
    return fail("the path '" + std::string(target) + "' holds spaces, control characters or non-ASCII characters",
                ExitCode::usage, "percent-encode them (a space is %20)");
  }
  if (target.find('#') != std::string_view::npos) return usage_error("a fragment ('#…') is never sent to a server");
  // After the host's own path, if it has one, as every command appends /api/v1/….
  auto url = parse_url(std::string(host) + (target.starts_with('/') ? "" : "/") + std::string(target));
  if (!url) return as_usage_error(std::move(url.error()));
  return url;
}

Result<HttpRequest> build_api_request(const ApiCall& call, std::string_view host, std::optional<std::string> body) {
  auto url = api_url(host, call.target);
  if (!url) return propagate(url);
  if (call.paginate && body) {
    return usage_error("--paginate follows the pages of a GET request, which sends no --input");
  }
  HttpRequest request;
  // With --paginate the fields can only be a query (gh api defaults to POST, then refuses to page it).
  const bool default_post = (!call.fields.empty() || body) && !call.paginate;
  request.method = call.method.value_or(default_post ? "POST" : "GET");
  if (call.paginate && request.method != "GET") {
    return usage_error("--paginate follows the pages of a GET request, not of " + request.method);
  }
  // As gh api: fields are the body of a request that has one, unless --input gives the body.
  const bool has_body = request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
  const bool fields_in_body = has_body && !body;
  request.url = fields_in_body ? url->str() : with_query(url->str(), call.fields);
  if (fields_in_body && !call.fields.empty()) {
    auto json = fields_as_json(call.fields);
    if (!json) return propagate(json);
    body = std::move(*json);
  }
  if (body) {
    request.body = std::move(*body);
    request.content_type = "application/json";
  }
  for (const auto& [name, value] : call.headers) {
    // The client sets Content-Type from this field; a second header would contradict it.
    if (equals_ignoring_case(name, "content-type")) {
      request.content_type = value;
    } else {
      request.headers.emplace_back(name, value);
    }
  }
  return request;
}

std::optional<std::string> next_page_link(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name != "link") continue;
    if (auto next = next_in_link_header(value)) return next;
  }
  return std::nullopt;
}

Result<std::string> next_page_url(std::string_view current, std::string_view link, std::string_view origin) {
  auto base = parse_url(current);
  if (!base) return propagate(base);
  auto next = resolve_url(*base, link);
  if (!next) return fail("the link to the next page, '" + std::string(link) + "', is not a URL compozy follows");
  if (next->origin() != origin) {
    return fail("refusing to follow the next page to '" + next->origin() + "': the credential is for '" +
                std::string(origin) + "' only");
  }
  return next->str();
}

namespace {

// The value of auth-param `name` in a challenge ("Bearer realm=\"x\", scope=\"read\""),
// token or quoted-string (RFC 9110 §11.2), or nullopt.
std::optional<std::string> challenge_param(std::string_view challenge, std::string_view name) {
  const auto space = challenge.find(' ');
  std::size_t at = space == std::string_view::npos ? challenge.size() : space;
  while (at < challenge.size()) {
    at = challenge.find_first_not_of(" ,\t", at);
    if (at == std::string_view::npos) break;
    const auto equals = challenge.find('=', at);
    if (equals == std::string_view::npos) break;
    const std::string param = lower(challenge.substr(at, equals - at));
    std::string value;
    at = equals + 1;
    if (at < challenge.size() && challenge[at] == '"') {
      for (++at; at < challenge.size() && challenge[at] != '"'; ++at) {
        if (challenge[at] == '\\' && at + 1 < challenge.size()) ++at;
        value += challenge[at];
      }
      ++at;
    } else {
      const auto end = challenge.find_first_of(" ,", at);
      value = challenge.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
      at = end == std::string_view::npos ? challenge.size() : end;
    }
    if (param == name) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> insufficient_scope(const HttpResponse& response) {
  if (response.status != 403) return std::nullopt;
  const auto challenge = response.header("www-authenticate");
  if (!challenge || challenge->size() > 4096) return std::nullopt;
  if (challenge_param(*challenge, "error") != "insufficient_scope") return std::nullopt;
  const std::string scope = challenge_param(*challenge, "scope").value_or("");
  return terminal_safe(std::string_view(scope).substr(0, 200));
}

Result<void> check_api_status(const HttpResponse& response, std::string_view url, CredentialOrigin origin) {
  if (response.ok()) return {};
  const std::string what = "'" + redact_url(url) + "'";
  if (const auto scope = insufficient_scope(response)) {
    const std::string credential =
        origin == CredentialOrigin::environment ? "the API key in " + std::string(api_key_variable) : "the credential";
    if (scope->empty()) return fail(credential + " lacks a scope that " + what + " needs (HTTP 403)");
    return fail(credential + " lacks the scope '" + *scope + "' that " + what + " needs (HTTP 403)",
                ExitCode::failure,
                "use a key that has it: `compozy auth keys create NAME --scope " + *scope + "`");
  }
  // 403 is the server's answer about this resource, not about who is signed in.
  if (response.status != 401) return fail_with_status(what, response.status);
  auto rejected = fail_with_status(what, response.status, Sent::bearer_credential);
  if (origin == CredentialOrigin::environment) {
    rejected.error().message = "the server rejected the API key in " + std::string(api_key_variable) + " (HTTP 401)";
    rejected.error().hint = "check the key in the dashboard (Settings > API Keys)";
  }
  return rejected;
}

std::string render_responses(const std::vector<HttpResponse>& pages, bool include, bool terminal) {
  if (!include && pages.size() > 1) {
    if (const auto merged = merged_arrays(pages)) return terminal ? pretty_json(*merged) : merged->dump() + "\n";
  }
  std::string shown;
  for (const auto& page : pages) {
    if (include) shown += render_head(page, terminal);
    shown += render_body(page.body, terminal);
  }
  return shown;
}

Result<HttpResponse> send_api_call(const ApiCall& call, Context& context) {
  auto authorized = authorized_request(call, context);
  if (!authorized) return propagate(authorized);
  auto response = context.http().send(authorized->request);
  if (!response) return propagate(response);
  if (auto status = check_api_status(*response, authorized->request.url, authorized->origin); !status) {
    return propagate(status);
  }
  return response;
}

Result<void> call_api(const ApiCall& call, Context& context) {
  auto authorized = authorized_request(call, context);
  if (!authorized) return propagate(authorized);
  Fetched fetched = fetch_pages(context, std::move(authorized->request), authorized->origin, call);
  context.out().data(render_responses(fetched.pages, call.include, context.out().stdout_is_terminal()));
  if (fetched.failure) return fail(std::move(*fetched.failure));
  return {};
}

}  // namespace compozy
