#include "options.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include <cxxopts.hpp>

#include "compozy/timestamp.hpp"

namespace compozy::devcloud {

namespace {

constexpr std::string_view usage_text =
    "usage: compozy-devcloud [--port N] [--user EMAIL]... [--client ID]... [--auto-approve]\n"
    "                        [--access-token-ttl S] [--refresh-token-ttl S] [--device-interval S]\n"
    "                        [--device-code-ttl S] [--refresh-reuse-interval S]\n"
    "                        [--max-sessions N] [--state FILE] [--signing-key FILE]\n"
    "                        [--public-host NAME] [--tls-cert FILE --tls-key FILE]\n"
    "                        [--discovery both|oauth|openid] [--without-compozy-api]\n"
    "                        [--without-token-exchange] [--clock-offset DURATION]\n"
    "                        [--metadata-issuer URL|none]\n"
    "                        [--faults] [--fault SPEC]... [--help] [--version]\n"
    "\n"
    "A local Compozy Cloud: an OAuth 2.0 / OpenID Connect authorization server and the\n"
    "account API, listening on 127.0.0.1 only.\n"
    "\n"
    "Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 the server could not start or save its state,\n"
    "2 bad usage.\n"
    "\n"
    "Options:\n"
    "    --port N                 port to listen on; 0 (the default) picks a free one\n"
    "    --user EMAIL             an account that can sign in (repeatable; default\n"
    "                             developer@example.com)\n"
    "    --client ID              a registered public client (repeatable; default compozy-cli)\n"
    "    --auto-approve           grant consent without a click, for scripts\n"
    "    --access-token-ttl S     access token lifetime in seconds (default 3600)\n"
    "    --refresh-token-ttl S    refresh token lifetime in seconds (default 2592000)\n"
    "    --device-interval S      device flow polling interval in seconds (default 5)\n"
    "    --device-code-ttl S      device code lifetime in seconds (default 600)\n"
    "    --refresh-reuse-interval S\n"
    "                             seconds in which the refresh token rotated away last is\n"
    "                             answered again, not taken for a replay (default 30; 0: never)\n"
    "    --max-sessions N         live sessions at most; sign-ins beyond are refused with\n"
    "                             503 (default 10000)\n"
    "    --state FILE             keep accounts, clients, sessions, keys and the signing key\n"
    "                             in FILE, so that a restart loses nothing\n"
    "    --signing-key FILE       sign ID tokens with this PEM RSA key (at least 2048 bits)\n"
    "                             instead of the state's or a new one; saves tests the time\n"
    "                             that generating a key at every start takes\n"
    "    --public-host NAME       host name written in the issuer and URLs (default\n"
    "                             127.0.0.1); the server still binds 127.0.0.1 only\n"
    "    --tls-cert FILE          serve HTTPS with this PEM certificate (needs --tls-key)\n"
    "    --tls-key FILE           the PEM private key of --tls-cert\n"
    "    --discovery WHICH        metadata documents to serve: both (default), oauth\n"
    "                             (/.well-known/oauth-authorization-server) or openid\n"
    "                             (/.well-known/openid-configuration)\n"
    "    --without-compozy-api    serve only the standard OAuth/OIDC endpoints\n"
    "    --without-token-exchange neither offer nor accept token exchange (RFC 8693)\n"
    "    --clock-offset DURATION  run the clock this far ahead (30d, 600) or behind (-31d), in\n"
    "                             what it issues and in each Date header\n"
    "    --metadata-issuer URL    the issuer the metadata documents name instead of the\n"
    "                             real one; none leaves the field out (tests of RFC 8414 §3.3)\n"
    "    --faults                 let tests switch faults on and off with POST and\n"
    "                             DELETE /_faults, and move the clock forward with\n"
    "                             POST /_clock advance=8d, from this machine only\n"
    "    --fault SPEC             answer badly from the start (repeatable), e.g.\n"
    "                             status=503,path=/oauth/token; the README lists them\n"
    "    --help                   show this help\n"
    "    --version                show the version\n";

std::unexpected<Error> usage_error(std::string message) { return fail(std::move(message), ExitCode::usage); }

// cxxopts words its errors as sentences with typographic quotes; ours are git style.
std::string git_style(std::string message) {
  for (const std::string_view quote : {"\u2018", "\u2019"}) {
    for (auto at = message.find(quote); at != std::string::npos; at = message.find(quote, at)) {
      message.replace(at, quote.size(), "'");
    }
  }
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  // cxxopts names options without their dashes: "option 'port' …" becomes "option '--port' …".
  if (message.starts_with("option '")) {
    const auto close = message.find('\'', 8);
    message.insert(8, close == 9 ? "-" : "--");
  }
  return message;
}

Result<std::int64_t> parse_integer(std::string_view option, std::string_view text, std::int64_t low,
                                   std::int64_t high) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return usage_error("invalid value '" + std::string(text) + "' for --" + std::string(option) +
                       ": expected a whole number from " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

Result<std::chrono::seconds> parse_seconds(std::string_view option, std::string_view text) {
  constexpr std::int64_t ten_years = 10LL * 366 * 24 * 3600;
  auto value = parse_integer(option, text, 1, ten_years);
  if (!value) return propagate(value);
  return std::chrono::seconds(*value);
}

bool is_plausible_email(std::string_view email) {
  const auto at = email.find('@');
  if (email.size() > 254 || at == 0 || at == std::string_view::npos || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  return std::all_of(email.begin(), email.end(), [](unsigned char c) {
    return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\' && c != ',';
  });
}

// RFC 6749 Appendix A.1: client_id = *VSCHAR; we also rule out spaces and empty ids.
bool is_valid_client_id(std::string_view id) {
  return !id.empty() && id.size() <= 200 &&
         std::all_of(id.begin(), id.end(), [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

bool is_valid_host_name(std::string_view host) {
  if (host.starts_with('[') && host.ends_with(']') && host.size() > 2) {
    return host.substr(1, host.size() - 2).find_first_not_of("0123456789abcdefABCDEF:.") == std::string_view::npos;
  }
  return !host.empty() && host.size() <= 253 && host.front() != '-' && host.front() != '.' &&
         std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.'; });
}

bool same_email(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

cxxopts::Options declare_options() {
  cxxopts::Options parser("compozy-devcloud");
  parser.add_options()                                            //
      ("port", "", cxxopts::value<std::string>())                 //
      ("user", "", cxxopts::value<std::vector<std::string>>())    //
      ("client", "", cxxopts::value<std::vector<std::string>>())  //
      ("auto-approve", "")                                        //
      ("access-token-ttl", "", cxxopts::value<std::string>())     //
      ("refresh-token-ttl", "", cxxopts::value<std::string>())    //
      ("device-interval", "", cxxopts::value<std::string>())      //
      ("device-code-ttl", "", cxxopts::value<std::string>())      //
      ("refresh-reuse-interval", "", cxxopts::value<std::string>())  //
      ("max-sessions", "", cxxopts::value<std::string>())         //
      ("state", "", cxxopts::value<std::string>())                //
      ("signing-key", "", cxxopts::value<std::string>())          //
      ("public-host", "", cxxopts::value<std::string>())          //
      ("tls-cert", "", cxxopts::value<std::string>())             //
      ("tls-key", "", cxxopts::value<std::string>())              //
      ("discovery", "", cxxopts::value<std::string>())            //
      ("without-compozy-api", "")                                 //
      ("without-token-exchange", "")                              //
      ("clock-offset", "", cxxopts::value<std::string>())         //
      ("metadata-issuer", "", cxxopts::value<std::string>())      //
      ("faults", "")                                              //
      ("fault", "", cxxopts::value<std::string>())                //
      ("h,help", "")                                              //
      ("version", "");
  return parser;
}

// cxxopts reports with exceptions; from here on they are results.
Result<cxxopts::ParseResult> parse_command_line(int argc, const char* const* argv) {
  cxxopts::Options parser = declare_options();
  cxxopts::ParseResult parsed;
  try {
    parsed = parser.parse(argc, argv);
  } catch (const cxxopts::exceptions::no_such_option& error) {
    const std::string message = git_style(error.what());  // "option '--x' does not exist"
    return usage_error("unknown " + message.substr(0, message.find(" does not exist")));
  } catch (const cxxopts::exceptions::exception& error) {
    return usage_error(git_style(error.what()));
  }
  if (!parsed.unmatched().empty()) {
    return usage_error("unexpected argument '" + parsed.unmatched().front() + "'");
  }
  return parsed;
}

std::optional<std::string> text_of(const cxxopts::ParseResult& parsed, const char* name) {
  if (parsed.count(name) == 0) return std::nullopt;
  return parsed[name].as<std::string>();
}

std::vector<std::string> list_of(const cxxopts::ParseResult& parsed, const char* name, const char* fallback) {
  if (parsed.count(name) == 0) return {fallback};
  return parsed[name].as<std::vector<std::string>>();
}

Result<void> read_numbers(const cxxopts::ParseResult& parsed, Options& options) {
  if (auto port = text_of(parsed, "port")) {
    auto value = parse_integer("port", *port, 0, 65535);
    if (!value) return propagate(value);
    options.port = static_cast<int>(*value);
  }
  const std::pair<const char*, std::chrono::seconds*> durations[] = {
      {"access-token-ttl", &options.access_token_ttl},
      {"refresh-token-ttl", &options.refresh_token_ttl},
      {"device-interval", &options.device_interval},
      {"device-code-ttl", &options.device_code_ttl},
  };
  for (const auto& [name, target] : durations) {
    if (auto text = text_of(parsed, name)) {
      auto value = parse_seconds(name, *text);
      if (!value) return propagate(value);
      *target = *value;
    }
  }
  if (auto text = text_of(parsed, "refresh-reuse-interval")) {
    auto value = parse_integer("refresh-reuse-interval", *text, 0, 3600);
    if (!value) return propagate(value);
    options.refresh_reuse_interval = std::chrono::seconds(*value);
  }
  if (auto text = text_of(parsed, "max-sessions")) {
    auto value = parse_integer("max-sessions", *text, 1, 10'000'000);
    if (!value) return propagate(value);
    options.max_sessions = *value;
  }
  return {};
}

Result<std::vector<std::string>> read_users(const cxxopts::ParseResult& parsed) {
  std::vector<std::string> users = list_of(parsed, "user", "developer@example.com");
  for (auto user = users.begin(); user != users.end(); ++user) {
    if (!is_plausible_email(*user)) return usage_error("invalid --user '" + *user + "': expected an e-mail address");
    if (std::any_of(users.begin(), user, [&](const std::string& u) { return same_email(u, *user); })) {
      return usage_error("--user '" + *user + "' is given twice");
    }
  }
  return users;
}

Result<std::vector<std::string>> read_clients(const cxxopts::ParseResult& parsed) {
  std::vector<std::string> clients = list_of(parsed, "client", "compozy-cli");
  for (auto client = clients.begin(); client != clients.end(); ++client) {
    if (!is_valid_client_id(*client)) {
      return usage_error("invalid --client '" + *client + "': expected visible ASCII characters");
    }
    if (std::find(clients.begin(), client, *client) != client) {
      return usage_error("--client '" + *client + "' is given twice");
    }
  }
  return clients;
}

Result<void> read_files(const cxxopts::ParseResult& parsed, Options& options) {
  if (auto state = text_of(parsed, "state")) {
    if (state->empty()) return usage_error("--state needs a file name");
    options.state_file = *state;
  }
  if (auto key = text_of(parsed, "signing-key")) {
    if (key->empty()) return usage_error("--signing-key needs a file name");
    options.signing_key_file = *key;
  }
  const auto cert = text_of(parsed, "tls-cert");
  const auto key = text_of(parsed, "tls-key");
  if (cert.has_value() != key.has_value()) {
    return usage_error(cert ? "--tls-cert needs --tls-key" : "--tls-key needs --tls-cert");
  }
  if (cert) {
    if (cert->empty() || key->empty()) return usage_error("--tls-cert and --tls-key need file names");
    options.tls_cert = *cert;
    options.tls_key = *key;
  }
  return {};
}

Result<void> read_serving(const cxxopts::ParseResult& parsed, Options& options) {
  if (auto host = text_of(parsed, "public-host")) {
    if (!is_valid_host_name(*host)) {
      return usage_error("invalid --public-host '" + *host + "': expected a host name or IP address");
    }
    options.public_host = *host;
  }
  if (auto discovery = text_of(parsed, "discovery")) {
    if (*discovery == "both") {
      options.discovery = Discovery::both;
    } else if (*discovery == "oauth") {
      options.discovery = Discovery::oauth;
    } else if (*discovery == "openid") {
      options.discovery = Discovery::openid;
    } else {
      return usage_error("invalid --discovery '" + *discovery + "': expected both, oauth or openid");
    }
  }
  options.compozy_api = parsed.count("without-compozy-api") == 0;
  options.token_exchange = parsed.count("without-token-exchange") == 0;
  if (auto offset = text_of(parsed, "clock-offset")) {
    // Behind as well as ahead: sessions made "31 days ago" and a clock then moved back
    // to the real time agree with the client's clock about how old they are.
    const bool behind = offset->starts_with('-');
    const auto duration = parse_duration(std::string_view(*offset).substr(behind ? 1 : 0));
    if (!duration) return usage_error("invalid --clock-offset '" + *offset + "': expected a duration such as 30d or -31d");
    options.clock_offset = behind ? -*duration : *duration;
  }
  if (auto issuer = text_of(parsed, "metadata-issuer")) options.metadata_issuer = *issuer == "none" ? "" : *issuer;
  return {};
}

Result<void> read_faults(const cxxopts::ParseResult& parsed, Options& options) {
  options.faults_switchable = parsed.count("faults") > 0;
  // Each in turn: a vector option would split the specs at their commas.
  for (const cxxopts::KeyValue& argument : parsed.arguments()) {
    if (argument.key() != "fault") continue;
    auto fault = parse_fault_spec(argument.value());
    if (!fault) return usage_error("invalid --fault: " + fault.error().message);
    options.faults.push_back(std::move(*fault));
  }
  return {};
}

}  // namespace

std::string_view usage() { return usage_text; }

Result<Options> parse_options(int argc, const char* const* argv) {
  auto parsed = parse_command_line(argc, argv);
  if (!parsed) return propagate(parsed);
  Options options;
  options.help = parsed->count("help") > 0;
  options.version = parsed->count("version") > 0;
  options.auto_approve = parsed->count("auto-approve") > 0;
  if (auto read = read_numbers(*parsed, options); !read) return propagate(read);
  auto users = read_users(*parsed);
  if (!users) return propagate(users);
  options.users = std::move(*users);
  auto clients = read_clients(*parsed);
  if (!clients) return propagate(clients);
  options.clients = std::move(*clients);
  if (auto read = read_files(*parsed, options); !read) return propagate(read);
  if (auto read = read_serving(*parsed, options); !read) return propagate(read);
  if (auto read = read_faults(*parsed, options); !read) return propagate(read);
  return options;
}

}  // namespace compozy::devcloud
