#include "compozy/sign_in.hpp"
#include "compozy/active_credential.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "compozy/browser.hpp"
#include "compozy/crypto.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/loopback_redirect.hpp"
#include "compozy/pkce.hpp"
#include "compozy/sign_out.hpp"

namespace compozy {

namespace {

std::string describe(const TokenError& error) {
  return error.code + (error.description.empty() ? "" : ": " + error.description);
}

// Checks what the token endpoint gave, asks who signed in, and makes the
// entry for credentials.yaml.
Result<StoredCredential> credential_from(Context& context, const ServerMetadata& server, const TokenSet& tokens,
                                         std::string_view nonce) {
  const Settings& settings = context.settings();
  const TimePoint now = context.clock().now();
  std::string session_id;
  if (!tokens.id_token.empty()) {
    auto checked = check_id_token(tokens.id_token, server.issuer, settings.client_id, nonce, now);
    if (!checked) return propagate(checked, "checking the sign-in");
    session_id = std::move(checked->session_id);
  }
  auto identity = fetch_identity(context.http(), server.userinfo_endpoint, settings.host, tokens.access_token);
  if (!identity) return propagate(identity, "asking the server who signed in");

  StoredCredential credential;
  credential.host = settings.host;
  credential.client_id = settings.client_id;
  credential.kind = CredentialKind::oauth;
  credential.access_token = tokens.access_token;
  credential.refresh_token = tokens.refresh_token;
  credential.obtained_at = now;
  if (tokens.expires_in) credential.expires_at = now + std::chrono::seconds(*tokens.expires_in);
  credential.scopes = tokens.scope.empty() ? settings.scopes : split_scopes(tokens.scope);
  credential.account = identity->display();
  credential.subject = identity->subject;
  credential.session_id = std::move(session_id);
  credential.token_endpoint = server.token_endpoint;
  credential.revocation_endpoint = server.revocation_endpoint;
  credential.userinfo_endpoint = server.userinfo_endpoint;
  return credential;
}

std::string duration_words(std::chrono::seconds duration) {
  const auto minutes = duration.count() / 60;
  return minutes >= 2 ? std::to_string(minutes) + " minutes" : std::to_string(duration.count()) + " seconds";
}

}  // namespace

Result<StoredCredential> sign_in_with_browser(Context& context, const ServerMetadata& server,
                                              const BrowserSignIn& how) {
  if (server.authorization_endpoint.empty()) {
    return fail("the server at '" + context.settings().host + "' offers no browser sign-in (no authorization endpoint)",
                ExitCode::failure, "try `compozy login --device`");
  }
  const auto& methods = server.code_challenge_methods_supported;
  if (!methods.empty() && std::find(methods.begin(), methods.end(), "S256") == methods.end()) {
    return fail("the server at '" + context.settings().host + "' does not support PKCE with S256, which compozy needs");
  }
  Output& out = context.out();
  const Pkce pkce = make_pkce();
  const std::string state = random_token(16);
  const std::string nonce = random_token(16);
  auto redirect = LoopbackRedirect::listen(how.callback_port, server, state,
                                           [&out](std::string_view why) { out.warning(why); });
  if (!redirect) return propagate(redirect);

  const std::string url = authorization_url(server, AuthorizationRequest{
                                                        .client_id = context.settings().client_id,
                                                        .redirect_uri = (*redirect)->redirect_uri(),
                                                        .scopes = context.settings().scopes,
                                                        .state = state,
                                                        .code_challenge = pkce.challenge,
                                                        .nonce = nonce,
                                                    });
  bool opened = false;
  if (how.browser) {
    if (auto started = open_in_browser(*how.browser, url); started) {
      opened = true;
    } else {
      out.warning(started.error().message);
    }
  }
  out.info(opened ? "Opening the sign-in page in your browser. If it does not open, visit:"
                  : "Open this page in a browser on this machine to sign in:");
  out.info("  " + url);
  auto code = [&] {
    Spinner spinner(out, "Waiting for you to sign in in the browser…");
    return (*redirect)->wait_for_code(how.deadline);
  }();
  if (!code) return propagate(code);

  auto outcome = exchange_authorization_code(context.http(), server, context.settings().client_id, *code,
                                             (*redirect)->redirect_uri(), pkce.verifier, how.device);
  if (!outcome) return propagate(outcome, "exchanging the authorization code");
  if (const auto* refused = std::get_if<TokenError>(&*outcome)) {
    return fail("the server refused the authorization code (" + describe(*refused) + ")", ExitCode::failure,
                "run `compozy login` again");
  }
  return credential_from(context, server, std::get<TokenSet>(*outcome), nonce);
}

namespace {

// Tells the person the code and where to enter it, and opens that page when there is a browser.
void show_device_code(Output& out, const DeviceAuthorization& device,
                      const std::optional<std::vector<std::string>>& browser) {
  out.info("First copy your one-time code: " + out.bold(device.user_code));
  out.info("Then open " + device.verification_uri + " in a browser on any device and enter it" +
           (device.verification_uri_complete.empty() ? "." : ", or open:"));
  if (!device.verification_uri_complete.empty()) out.info("  " + device.verification_uri_complete);
  if (!browser) return;
  const std::string& page =
      device.verification_uri_complete.empty() ? device.verification_uri : device.verification_uri_complete;
  // The server chose this URL: a browser gets only a web page, never a file, a
  // script or something it could read as an option.
  const auto url = parse_url(page);
  if (!url || (url->scheme != "https" && !url->is_loopback())) {
    out.warning("not opening the verification page in a browser: it is not an https URL");
    return;
  }
  if (auto started = open_in_browser(*browser, page); !started) out.warning(started.error().message);
}

// Why the server will never issue tokens for this device code.
std::unexpected<Error> device_refusal(const TokenError& error, const DeviceAuthorization& device) {
  if (error.code == "access_denied") {
    return fail("the sign-in was denied", ExitCode::failure, "run `compozy login` again and approve the code");
  }
  if (error.code == "expired_token") {
    return fail("the code expired before it was approved (after " + duration_words(device.expires_in) + ")",
                ExitCode::failure, "run `compozy login` again");
  }
  return fail("the server refused the device sign-in (" + describe(error) + ")");
}

// Polls the token endpoint at the interval the server asks for (RFC 8628 §3.4, §3.5)
// until the code is approved, refused or expired, or `deadline` passes.
Result<TokenSet> wait_for_approval(Context& context, const ServerMetadata& server, const DeviceAuthorization& device,
                                   Clock::Monotonic deadline, const DeviceDescription& this_device) {
  Clock& clock = context.clock();
  const auto code_expires = clock.monotonic() + device.expires_in;
  deadline = std::min(deadline, code_expires);
  std::chrono::seconds interval = device.interval;
  for (;;) {
    if (auto slept = clock.sleep(interval); !slept) return propagate(slept);
    if (clock.monotonic() >= deadline) {
      if (deadline == code_expires) {
        return fail("the code expired before it was approved", ExitCode::failure, "run `compozy login` again");
      }
      return fail("timed out waiting for the code to be approved", ExitCode::failure,
                  "run `compozy login` again, with a longer --timeout if needed");
    }
    auto outcome =
        poll_device_token(context.http(), server, context.settings().client_id, device.device_code, this_device);
    if (!outcome) return propagate(outcome, "waiting for the approval");
    if (auto* tokens = std::get_if<TokenSet>(&*outcome)) return std::move(*tokens);
    const auto& error = std::get<TokenError>(*outcome);
    if (error.code == "slow_down") interval = std::min(interval + std::chrono::seconds(5), std::chrono::seconds(60));
    if (error.code != "authorization_pending" && error.code != "slow_down") return device_refusal(error, device);
  }
}

}  // namespace

Result<StoredCredential> sign_in_with_device_code(Context& context, const ServerMetadata& server,
                                                  const DeviceSignIn& how) {
  if (server.device_authorization_endpoint.empty()) {
    return fail("the server at '" + context.settings().host + "' offers no device sign-in", ExitCode::failure,
                "use `compozy login --web`; over SSH, forward a port and add --callback-port");
  }
  auto device = start_device_authorization(context.http(), server, context.settings().client_id,
                                           context.settings().scopes);
  if (!device) return propagate(device, "starting the device sign-in");
  show_device_code(context.out(), *device, how.browser);
  auto tokens = [&] {
    Spinner spinner(context.out(), "Waiting for you to approve the code…");
    return wait_for_approval(context, server, *device, how.deadline, how.device);
  }();
  if (!tokens) return propagate(tokens);
  return credential_from(context, server, *tokens, {});
}

Result<std::string> read_api_key(Context& context) {
  const bool terminal = context.out().stdin_is_terminal();
  termios saved{};
  if (terminal) {
    std::fputs("Paste your API key (input is hidden): ", context.out().err());
    std::fflush(context.out().err());
    ::tcgetattr(STDIN_FILENO, &saved);
    termios hidden = saved;
    hidden.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &hidden);
  }
  std::string key;
  char c = 0;
  std::size_t read_bytes = 0;
  for (;;) {
    const ssize_t got = ::read(STDIN_FILENO, &c, 1);
    if (got < 0 && errno == EINTR && !interrupted()) continue;
    if (got <= 0 || (terminal && c == '\n')) break;
    if (++read_bytes > 8192) break;
    key += c;
  }
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", context.out().err());
  }
  if (interrupted()) return fail_interrupted();
  const auto is_blank = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; };
  while (!key.empty() && is_blank(key.back())) key.pop_back();
  key.erase(0, static_cast<std::size_t>(std::find_if_not(key.begin(), key.end(), is_blank) - key.begin()));
  if (read_bytes > 8192) return usage_error("the API key on standard input is too long");
  if (key.empty()) {
    return usage_error("no API key on standard input (try: compozy login --with-token < key.txt)");
  }
  if (std::any_of(key.begin(), key.end(), [](unsigned char ch) { return ch <= ' ' || ch == 0x7f; })) {
    return usage_error("the API key on standard input holds spaces or control characters; give one key alone");
  }
  return key;
}

namespace {

// A session that could not be stored would live on where nobody can use or end it.
std::unexpected<Error> forget_new_session(Context& context, const StoredCredential& credential, Error failure) {
  if (credential.kind == CredentialKind::oauth) {
    auto revoked = revoke_at_server(context, credential);
    failure.message += revoked ? "; the new session was revoked"
                               : "; the new session could not be revoked (" + revoked.error().message +
                                     ") and stays valid until it expires";
  }
  return fail(std::move(failure).with_context("storing the credentials"));
}

// A host given by --host or COMPOZY_HOST becomes the profile's, so that later
// commands with the profile alone use the credential just stored. Only after
// the sign-in succeeded: a failed one changes nothing.
void remember_host(Context& context) {
  const Settings& settings = context.settings();
  if (settings.host_source != SettingSource::flag && settings.host_source != SettingSource::environment) return;
  const std::string before = configured_host(context.config(), settings.profile);
  if (before == settings.host && context.config().profiles.contains(settings.profile)) return;
  if (auto set = set_profile_host(context.config_file(), settings.profile, settings.host); !set) {
    context.out().warning("could not record the host in the profile (" + set.error().message +
                          "): give --host " + settings.host + " to later commands");
    return;
  }
  if (before != settings.host) {
    context.out().info("Profile '" + settings.profile + "' now uses " + settings.host + " (was " + before +
                       "), in " + context.config_file().string() + ".");
  }
}

// The credential a login replaced, whatever host issued it: its session is
// revoked at that host, or the person hears that it lives on.
void end_replaced(Context& context, const StoredCredential& replaced) {
  Output& out = context.out();
  const std::string what = " of " + (replaced.account.empty() ? std::string("an unknown account") : replaced.account) +
                           " at " + replaced.host;
  if (replaced.kind == CredentialKind::api_key) {
    out.warning("this replaced the API key" + what +
               ": it is forgotten here but stays valid; revoke it in the dashboard (Settings > API Keys)");
    return;
  }
  if (auto revoked = revoke_at_server(context, replaced); !revoked) {
    out.warning("this replaced the session" + what + ", which could not be revoked (" + revoked.error().message +
                "): it stays valid until it expires");
    return;
  }
  out.info("Replaced the session" + what + ": it was revoked.");
}

}  // namespace

Result<void> keep_signed_in(Context& context, const StoredCredential& credential) {
  const Settings& settings = context.settings();
  Output& out = context.out();
  std::optional<StoredCredential> replaced;
  auto saved = context.store().update(settings.profile, [&](const std::optional<StoredCredential>& current)
                                                            -> Result<CredentialStore::Update> {
    replaced = current;
    return CredentialStore::Update{credential};
  });
  if (!saved) return forget_new_session(context, credential, saved.error());
  out.success("Logged in to " + settings.host + " as " + out.bold(credential.account) +
              (settings.profile == default_profile ? "" : " (profile '" + settings.profile + "')"));
  remember_host(context);
  if (replaced && replaced->access_token != credential.access_token) end_replaced(context, *replaced);
  return {};
}

Result<StoredCredential> sign_in_with_api_key(Context& context, std::string key) {
  const Settings& settings = context.settings();
  std::string userinfo_endpoint;
  if (auto server = discover(context.http(), settings.host); server) {
    userinfo_endpoint = server->userinfo_endpoint;
  } else if (server.error().kind == Error::Kind::unreachable) {
    return propagate(server);
  }
  auto identity = fetch_identity(context.http(), userinfo_endpoint, settings.host, key);
  if (!identity) {
    if (identity.error().kind == Error::Kind::rejected) {
      return fail("the server at '" + settings.host + "' rejected this API key", ExitCode::failure,
                  "check the key in the dashboard (Settings > API Keys); it may be revoked or expired");
    }
    return propagate(identity, "checking the API key");
  }
  StoredCredential credential;
  credential.host = settings.host;
  credential.client_id = settings.client_id;
  credential.kind = CredentialKind::api_key;
  credential.access_token = std::move(key);
  credential.obtained_at = context.clock().now();
  credential.expires_at = identity->credential_expires_at;
  credential.account = identity->display();
  credential.subject = identity->subject;
  credential.userinfo_endpoint = userinfo_endpoint;
  return credential;
}

}  // namespace compozy
