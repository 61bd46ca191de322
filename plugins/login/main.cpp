// compozy login: sign in to Compozy Cloud, by browser, device code or API key.
#include <charconv>

#include "compozy/active_credential.hpp"
#include "compozy/browser.hpp"
#include "compozy/command.hpp"
#include "compozy/device.hpp"
#include "compozy/http_client.hpp"
#include "compozy/sign_in.hpp"
#include "compozy/store_choice.hpp"
#include "compozy/text.hpp"

namespace {

using namespace compozy;

enum class Method { automatic, web, device, api_key };

struct Options {
  Method method = Method::automatic;
  bool open_browser = true;
  int callback_port = 0;
  std::chrono::seconds timeout{300};
  std::optional<std::string> store;
  bool move_inline_tokens = false;
  std::optional<std::string> device_name;
};

void declare_options(cxxopts::Options& options) {
  options.add_options()("web", "sign in with a browser on this machine")(
      "device", "sign in by entering a code in a browser on any device")(
      "with-token", "read an API key from standard input and store it")(
      "no-browser", "do not open a browser; only print the URL to visit")(
      "callback-port", "the loopback port for the browser's redirect (for SSH port forwarding)",
      cxxopts::value<std::string>(), "PORT")(
      "timeout", "how long to wait for the sign-in (default 5m)", cxxopts::value<std::string>(), "DURATION")(
      "store", "keep the tokens in this store (file, secret-service, or a helper's NAME) and remember it for the profile",
      cxxopts::value<std::string>(), "NAME")(
      "move-inline-tokens", "also move the tokens other profiles keep in credentials.yaml to that store")(
      "device-name", "what `auth list` calls this machine (default: device_name in config.yaml, else the host name)",
      cxxopts::value<std::string>(), "NAME");
}

Result<Options> parse_options(const cxxopts::ParseResult& parsed) {
  Options options;
  const int methods = static_cast<int>(parsed.count("web") + parsed.count("device") + parsed.count("with-token"));
  if (methods > 1) return usage_error("choose one of --web, --device and --with-token");
  if (parsed.count("web") != 0) options.method = Method::web;
  if (parsed.count("device") != 0) options.method = Method::device;
  if (parsed.count("with-token") != 0) options.method = Method::api_key;
  options.open_browser = parsed.count("no-browser") == 0;
  if (parsed.count("callback-port") != 0) {
    if (options.method == Method::device || options.method == Method::api_key) {
      return usage_error("--callback-port is for the browser sign-in only");
    }
    const std::string text = parsed["callback-port"].as<std::string>();
    int port = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
      return usage_error("--callback-port takes a port number from 1 to 65535, not '" + text + "'");
    }
    options.callback_port = port;
    options.method = Method::web;
  }
  if (parsed.count("timeout") != 0) {
    const auto timeout = parse_duration(parsed["timeout"].as<std::string>());
    if (!timeout || timeout->count() == 0) {
      return usage_error("--timeout takes a duration such as 90s or 5m, not '" +
                         parsed["timeout"].as<std::string>() + "'");
    }
    options.timeout = *timeout;
  }
  if (parsed.count("store") != 0) {
    options.store = parsed["store"].as<std::string>();
    if (auto ok = check_store_name(*options.store); !ok) return propagate(ok);
  }
  options.move_inline_tokens = parsed.count("move-inline-tokens") != 0;
  if (parsed.count("device-name") != 0) {
    if (options.method == Method::api_key) return usage_error("--device-name is for a sign-in that makes a session");
    options.device_name = parsed["device-name"].as<std::string>();
    if (trim(*options.device_name).empty()) return usage_error("--device-name needs a name");
  }
  return options;
}

Result<StoredCredential> sign_in(const Options& options, Context& context) {
  if (options.method == Method::api_key) {
    auto key = read_api_key(context);
    if (!key) return propagate(key);
    return sign_in_with_api_key(context, std::move(*key));
  }
  auto server = discover(context.http(), context.settings().host);
  if (!server) return propagate(server);
  const auto browser = options.open_browser ? browser_command(context.env()) : std::nullopt;
  const auto deadline = context.clock().monotonic() + options.timeout;
  // Without a browser here (SSH, no display), a code entered elsewhere works where a redirect cannot.
  const bool use_browser = options.method == Method::web ||
                           (options.method == Method::automatic && (browser || !options.open_browser));
  const DeviceDescription device = this_device(options.device_name ? options.device_name : context.config().device_name);
  if (use_browser) return sign_in_with_browser(context, *server, {browser, options.callback_port, deadline, device});
  return sign_in_with_device_code(context, *server, {browser, deadline, device});
}

Result<void> log_in(const Options& options, Context& context) {
  if (context.env().has(api_key_variable)) {
    context.out().warning(std::string(api_key_variable) +
                          " is set: it takes precedence over the credentials this login stores");
  }
  auto store = choose_login_store(options.store, context);
  if (!store) return propagate(store);
  auto credential = sign_in(options, context);
  if (!credential) return propagate(credential);
  credential->store = store->name;
  if (auto kept = keep_signed_in(context, *credential); !kept) return propagate(kept);
  if (options.store) {
    if (auto recorded = set_profile_credential_store(context.config_file(), context.settings().profile, *options.store);
        !recorded) {
      context.out().warning("the store was not recorded in config.yaml: " + recorded.error().message);
    }
  }
  if (store->name == file_store_name) {
    if (!store->file_reason.empty()) {
      context.out().warning(store->file_reason + ": the credentials are stored in '" +
                            context.store().file().string() + "', readable by you alone");
    }
    return {};
  }
  if (options.move_inline_tokens) {
    auto moved = context.store().move_inline_tokens(store->name);
    if (!moved) return propagate(moved);
    if (!moved->empty()) context.out().success("Moved the plain-text tokens of the other profiles to " +
                                               describe_store(context, store->name));
    return {};
  }
  return offer_to_move_inline_tokens(context, store->name, true);
}

}  // namespace

int main(int argc, char** argv) {
  return run_command(argc, argv, Command<Options>{
      .name = "login",
      .usage = "[--web [--callback-port PORT] | --device | --with-token] [--no-browser] [--timeout DURATION]\n"
               "       [--store NAME [--move-inline-tokens]] [--device-name NAME]",
      .manual =
          "Signs in and stores the credentials for the profile. The tokens go to the profile's credential store:\n"
          "--store NAME, else `credential_store` in its config.yaml entry, else the Secret Service (GNOME\n"
          "Keyring, KWallet) when this machine has one, else credentials.yaml (mode 0600, beside config.yaml),\n"
          "with a warning saying so. --store is remembered for the profile; a store named there that does not\n"
          "work is an error, never a reason to use the file. Logging in with another store moves the tokens\n"
          "there and leaves no copy behind. Other profiles' tokens still in credentials.yaml are offered to\n"
          "move (on a terminal; --move-inline-tokens moves them without asking). NAME is file,\n"
          "secret-service, or any compozy-credential-NAME helper (docs/credential-helpers.md).\n\n"
          "Host, account and expiry stay in credentials.yaml (mode 0600, beside config.yaml).\n"
          "A host given with --host (or COMPOZY_HOST) becomes the profile's in config.yaml once the sign-in\n"
          "succeeds, so later commands with that profile use it. A credential the login replaces is revoked\n"
          "at the host that issued it (an API key is only forgotten, and you are told).\n\n"
          "By default a browser opens on the sign-in page (OAuth 2.0 authorization code with PKCE, redirected\n"
          "to a port on 127.0.0.1). Without a browser (over SSH, with no display) it shows a one-time code to\n"
          "enter at a URL on any device instead (the device grant). The URL is always printed. BROWSER chooses\n"
          "the browser. --with-token reads an API key (from the dashboard's Settings > API Keys) from standard\n"
          "input, never from the command line, checks it with the server and stores it.\n\n"
          "The server is told this machine's name (--device-name, else device_name in config.yaml, else the\n"
          "host name) and operating system (os-release's PRETTY_NAME), so that `compozy auth list` tells your\n"
          "machines apart; they go as the token request's device_name and device_os, which a server without\n"
          "them ignores (RFC 6749 §3.2).\n\n"
          "In CI, set FLYZT_API_KEY instead: it takes precedence over stored credentials.\n\n"
          "Exit codes: 0 signed in, 1 sign-in failed or was denied, 2 bad usage, 5 the credential store failed\n"
          "(nothing was changed), 130 interrupted.",
      .declare = declare_options,
      .parse = parse_options,
      .run = log_in,
      .http = make_http_client,
  });
}
