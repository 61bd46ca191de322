// compozy api: an authenticated request to the Compozy API, as `gh api` makes to GitHub's.
#include "compozy/api_request.hpp"
#include "compozy/command.hpp"
#include "compozy/http_client.hpp"

namespace {

using namespace compozy;

void declare_options(cxxopts::Options& options) {
  const auto text = [] { return cxxopts::value<std::string>(); };
  options.add_options()("path", "the path on the profile's host", text());
  options.add_options()("X,method", "the HTTP method (default: GET, or POST with fields or --input and no --paginate)",
                        text(), "METHOD");
  options.add_options()("f,raw-field",
                        "a string field, repeatable: the JSON body of a POST, PUT or PATCH, the query of any other",
                        text(), "KEY=VALUE");
  options.add_options()("H,header", "a request header, repeatable (never Authorization)", text(), "'NAME: VALUE'");
  options.add_options()("input", "send the contents of FILE as the body ('-': standard input); fields go to the query",
                        text(), "FILE");
  options.add_options()("paginate", "follow Link rel=\"next\" on the same host, at most 100 pages");
  options.add_options()("i,include", "print the status line and response headers before the body");
  options.parse_positional({"path"});
  options.positional_help("PATH");
}

Result<ApiCall> parse_options(const cxxopts::ParseResult& parsed) {
  if (parsed.count("path") == 0) return usage_error("which path? give one such as /api/v1/me");
  ApiCall call{.target = parsed["path"].as<std::string>(),
               .paginate = parsed.count("paginate") != 0,
               .include = parsed.count("include") != 0};
  if (parsed.count("method") != 0) {
    auto method = parse_method(parsed["method"].as<std::string>());
    if (!method) return propagate(method);
    call.method = std::move(*method);
  }
  if (parsed.count("input") != 0) call.input = parsed["input"].as<std::string>();
  // Each -f and -H in the order given; cxxopts keeps only the last value of an option.
  for (const auto& argument : parsed.arguments()) {
    if (argument.key() == "raw-field") {
      auto field = parse_field(argument.value());
      if (!field) return propagate(field);
      call.fields.push_back(std::move(*field));
    } else if (argument.key() == "header") {
      auto header = parse_header(argument.value());
      if (!header) return propagate(header);
      call.headers.push_back(std::move(*header));
    }
  }
  return call;
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<ApiCall>{
      .name = "api",
      .usage = "PATH [-X METHOD] [-f KEY=VALUE]… [-H 'NAME: VALUE']… [--input FILE] [--paginate] [-i]",
      .manual =
          "Sends an authenticated request to the profile's host and prints the response body: JSON\n"
          "pretty-printed on a terminal, the body as it came when piped. PATH is a path on that host;\n"
          "a full URL is accepted only on the same origin, and the credential is never sent anywhere\n"
          "else. The token is refreshed first when needed, as every command does.\n\n"
          "  compozy api /api/v1/me\n"
          "  compozy api /api/v1/me | jq -r .email\n"
          "  compozy api --paginate /api/v1/auth/sessions\n"
          "  compozy api -i /api/v1/me\n\n"
          "Exit codes: 0 the server answered 2xx, 1 any other status (the body is still printed) or an\n"
          "error such as an unreachable server, 2 bad usage or another origin, 4 not logged in, or the\n"
          "server answered 401.",
      .declare = declare_options,
      .parse = parse_options,
      .run = call_api,
      .http = make_http_client,
  });
}
