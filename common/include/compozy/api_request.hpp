// `compozy api`: one authenticated request to the profile's host, in the
// manner of `gh api`.
//
// The request is built and checked by pure functions before anything is sent
// or refreshed, so that what decides where the credential goes can be tested
// alone: a path is appended to the profile's host, an absolute URL must have
// that host's origin, and so must every next page (RFC 8288 Link, rel="next").
// Anything else is refused and the credential is never sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compozy/active_credential.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"
#include "compozy/url.hpp"

namespace compozy {

using Header = std::pair<std::string, std::string>;

struct ApiCall {
  std::string target;                // a path on the host, or a URL of the host's origin
  // -X; else POST with fields or an input, unless paginating; else GET.
  std::optional<std::string> method = std::nullopt;
  Params fields = {};                // -f key=value: a JSON body for POST, PUT and PATCH, else the query
  std::vector<Header> headers = {};  // -H 'Name: value'
  std::optional<std::string> input = std::nullopt;  // --input FILE, "-" for standard input: the body
  bool paginate = false;
  bool include = false;  // -i: the status line and headers before each body
  int max_pages = 100;   // a server whose pages never end cannot keep compozy running
};

// Parsing the arguments; each failure is a usage error (exit 2).
Result<std::string> parse_method(std::string_view text);        // a token such as "patch": "PATCH"
Result<std::pair<std::string, std::string>> parse_field(std::string_view text);  // "key=value"
// "Name: value". Refused: a name that is not an HTTP token (RFC 9110 §5.1),
// a line break or NUL (they would start another header), and Authorization,
// which carries the profile's credential.
Result<Header> parse_header(std::string_view text);

// The URL `target` names on `host` (the profile's, which may include a path):
// a path, with or without its leading '/', goes after the host; an absolute
// URL must have the host's origin. Exit 2 otherwise.
Result<Url> api_url(std::string_view host, std::string_view target);

// The request `call` makes, without its credential; `body` is what --input read.
Result<HttpRequest> build_api_request(const ApiCall& call, std::string_view host,
                                      std::optional<std::string> body = std::nullopt);

// The target of the first link with relation type "next" in the response's Link headers (RFC 8288 §3).
std::optional<std::string> next_page_link(const HttpResponse& response);

// The next page's URL, resolved against the current one; refused when it leaves `origin`.
Result<std::string> next_page_url(std::string_view current, std::string_view link, std::string_view origin);

// The scope a 403 says the credential lacks: the `scope` of its
// `WWW-Authenticate: Bearer error="insufficient_scope"` challenge (RFC 6750 §3.1),
// made terminal-safe; nullopt for any other answer.
std::optional<std::string> insufficient_scope(const HttpResponse& response);

// What a response means for the exit status: 2xx ok; 401 exit 4 (the
// credential was refused); 403 insufficient_scope exit 1, naming the scope
// missing; any other status exit 1, naming it and the URL.
Result<void> check_api_status(const HttpResponse& response, std::string_view url, CredentialOrigin origin);

// What standard output shows of the pages: on a terminal JSON pretty-printed
// and other text made terminal-safe, piped the bodies as they came; with
// `include`, each page's status line and headers first. Pages that are all
// JSON arrays are merged into one array.
std::string render_responses(const std::vector<HttpResponse>& pages, bool include, bool terminal);

// One request for a plugin's own use, made as `compozy api` makes it: the
// call is checked the same way, the credential refreshed first when needed;
// the first page only (`paginate` and `include` are for call_api). A status
// other than 2xx is an error, as check_api_status says (401: exit 4).
Result<HttpResponse> send_api_call(const ApiCall& call, Context& context);

// The whole command: reads the input, builds and checks the request, gets a
// fresh credential, sends it (and the next pages with paginate), prints what
// came back, then reports a failure, if any.
Result<void> call_api(const ApiCall& call, Context& context);

}  // namespace compozy
