// compozy-credential-secret-service ACTION: the credential helper that keeps
// compozy's secrets in the freedesktop.org Secret Service (GNOME Keyring,
// KWallet) through libsecret, as git-credential-libsecret does for git. It
// speaks the credential helper protocol (docs/credential-helpers.md): one JSON
// request on stdin, one JSON reply on stdout, one line on stderr on failure.
//
// How items look in the keyring (Seahorse, `secret-tool search application compozy`):
//   collection  the default one (SECRET_COLLECTION_DEFAULT: "Login" in GNOME)
//   schema      com.compozy.Credential (the xdg:schema attribute)
//   attributes  application=compozy (every item: how `list` finds them),
//               reference=R (the identity compozy gives each write), profile, host, account
//   label       "compozy: ada@example.com on https://cloud.compozy.com (profile work)"
//   secret      one item per credential whose secret is the JSON object
//               {"access_token": "…", "refresh_token": "…"} (content type application/json),
//               so that the pair is written and erased at once
//
// get reads an unlocked item in a "plain" D-Bus session rather than through
// libsecret's encrypted one: a third of the time (secret_service.cpp says why
// that is safe). Everything else goes through libsecret.
//
// A locked keyring is unlocked through the service's prompt when a display
// could show one, and refused at once ("the keyring is locked…") when none
// could; every call is cancelled after 7 s (compozy kills a helper at 10 s).
//
// Exit codes: 0 ok, 1 the Secret Service failed (absent, locked, no answer),
// 2 an unknown action or a bad request (not JSON, not version 1, a missing or
// wrong field, over 1 MiB).
#include <glib.h>

#include <iostream>

#include "compozy/interrupt.hpp"
#include "compozy/credential_helper.hpp"
#include "secret_service.hpp"

namespace {

using namespace compozy;
using namespace compozy::credential_helper;

Result<std::string> answer(const Request& request) {
  switch (request.action) {
    case Action::get: {
      auto secrets = find_secrets(request.item);
      if (!secrets) return propagate(secrets);
      return secrets_reply(*secrets);
    }
    case Action::store: {
      auto stored = store_secrets(request.item, *request.secrets);
      if (!stored) return propagate(stored);
      return done_reply();
    }
    case Action::erase: {
      auto erased = erase_secrets(request.item);
      if (!erased) return propagate(erased);
      return done_reply();
    }
    case Action::list: {
      auto items = list_items();
      if (!items) return propagate(items);
      return items_reply(*items);
    }
  }
  return fail("unknown action", ExitCode::usage);
}

constexpr std::string_view manual =
    "compozy-credential-secret-service - The credential helper that keeps tokens in the desktop's keyring\n"
    "\n"
    "usage: compozy-credential-secret-service get|store|erase|list\n"
    "\n"
    "Run by compozy, not by people: for a profile whose credential_store is secret-service (the default\n"
    "where this machine has a Secret Service: GNOME Keyring, KWallet), compozy runs it with one action\n"
    "and one JSON request on standard input, and it answers one JSON object on standard output\n"
    "(docs/credential-helpers.md). Items carry application=compozy, so that\n"
    "`secret-tool search application compozy` shows them.\n"
    "\n"
    "Exit codes: 0 answered, 1 the Secret Service failed or is locked (one line on standard error),\n"
    "2 bad usage (an unknown action or a malformed request).\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

Result<std::string> run(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    return std::string(manual);
  }
  if (argc != 2) return fail("usage: compozy-credential-secret-service get|store|erase|list", ExitCode::usage);
  auto action = parse_action(argv[1]);
  if (!action) return propagate(action);
  auto request = read_request(std::cin, *action);
  if (!request) return propagate(request);
  return answer(*request);
}

// GLib's warnings would add lines to the one line compozy shows of stderr.
GLogWriterOutput discard_log(GLogLevelFlags, const GLogField*, gsize, gpointer) { return G_LOG_WRITER_HANDLED; }

}  // namespace

int main(int argc, char** argv) {
  keep_secrets_out_of_dumps();
  g_log_set_writer_func(discard_log, nullptr, nullptr);
  auto reply = run(argc, argv);
  if (!reply) {
    std::cerr << reply.error().message << '\n';
    return static_cast<int>(reply.error().code);
  }
  std::cout << *reply << std::flush;
  return std::cout ? 0 : 1;
}
