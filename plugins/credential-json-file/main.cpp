// compozy-credential-json-file: the reference credential helper
// (docs/credential-helpers.md), store name `json-file` (`file` is
// credentials.yaml itself). It keeps items in one JSON file, mode 0600, in
// the config folder (credential-items.json) or at COMPOZY_CREDENTIAL_JSON_FILE;
// every change holds a lock and replaces the file atomically. It is the
// example to copy for pass, 1Password, a TPM or a company vault: read one
// JSON request on stdin, answer one JSON object on stdout, or one line on
// stderr and a non-zero exit. The protocol itself is read and written by
// compozy/credential_helper.hpp, which a C++ helper built against the SDK can use.
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "compozy/atomic_file.hpp"
#include "compozy/config.hpp"
#include "compozy/credential_helper.hpp"
#include "compozy/environment.hpp"
#include "compozy/file_lock.hpp"

namespace {

using nlohmann::json;
using compozy::Result;
using namespace compozy::credential_helper;

constexpr std::string_view manual =
    "compozy-credential-json-file - The reference credential helper: tokens in a JSON file\n"
    "\n"
    "usage: compozy-credential-json-file get|store|erase|list\n"
    "\n"
    "Run by compozy, not by people: for a profile whose credential_store is json-file, compozy runs it\n"
    "with one action and one JSON request on standard input, and it answers one JSON object on\n"
    "standard output (docs/credential-helpers.md). It keeps the items in one JSON file, mode 0600:\n"
    "COMPOZY_CREDENTIAL_JSON_FILE, else credential-items.json beside config.yaml. Every change holds a\n"
    "lock and replaces the file atomically. It is the example to copy for another store.\n"
    "\n"
    "Exit codes: 0 answered, 1 failed (one line on standard error), 2 bad usage.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

Result<std::filesystem::path> items_file(const compozy::Environment& env) {
  if (auto path = env.get("COMPOZY_CREDENTIAL_JSON_FILE")) return std::filesystem::path(*path);
  auto folder = compozy::config_dir(env);
  if (!folder) return std::unexpected(folder.error());
  return *folder / "credential-items.json";
}

Result<json> read_items(const std::filesystem::path& path) {
  auto text = compozy::read_file(path);
  if (!text) return std::unexpected(text.error());
  if (!*text) return json{{"version", 1}, {"items", json::object()}};
  json document = json::parse(**text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document["items"].is_object()) {
    return compozy::fail("'" + path.string() + "' is not a credential items file");
  }
  return document;
}

json item_json(const compozy::SecretItem& item, const compozy::Secrets& secrets) {
  return {{"reference", item.reference},
          {"profile", item.profile},
          {"host", item.host},
          {"account", item.account},
          {"secrets", {{"access_token", secrets.access_token}, {"refresh_token", secrets.refresh_token}}}};
}

// What the file holds for an item, as the protocol describes it; a damaged entry reads as empty fields.
compozy::SecretItem item_of(const json& stored) {
  const auto text = [&](const char* key) {
    const auto field = stored.find(key);
    return field != stored.end() && field->is_string() ? field->get<std::string>() : std::string();
  };
  return {text("reference"), text("profile"), text("host"), text("account")};
}

std::optional<compozy::Secrets> secrets_of(const json& stored) {
  const json secrets = stored.value("secrets", json());
  if (!secrets.is_object() || !secrets.value("access_token", json()).is_string()) return std::nullopt;
  const json refresh_token = secrets.value("refresh_token", json());
  return compozy::Secrets{secrets["access_token"], refresh_token.is_string() ? refresh_token.get<std::string>() : ""};
}

Result<std::string> answer(const Request& request, const std::filesystem::path& path) {
  if (request.action == Action::get || request.action == Action::list) {
    auto document = read_items(path);  // without the lock: writers replace the whole file
    if (!document) return std::unexpected(document.error());
    const json& items = (*document)["items"];
    if (request.action == Action::get) {
      const auto found = items.find(request.item.reference);
      return secrets_reply(found == items.end() ? std::nullopt : secrets_of(*found));
    }
    std::vector<compozy::SecretItem> listed;
    for (const auto& [reference, stored] : items.items()) listed.push_back(item_of(stored));
    return items_reply(listed);
  }
  if (auto folder = compozy::ensure_private_folder(path.parent_path()); !folder) return std::unexpected(folder.error());
  auto lock = compozy::FileLock::acquire(path.string() + ".lock", "the json-file store");
  if (!lock) return std::unexpected(lock.error());
  auto document = read_items(path);
  if (!document) return std::unexpected(document.error());
  json& items = (*document)["items"];
  if (request.action == Action::store) {
    items[request.item.reference] = item_json(request.item, *request.secrets);
  } else if (!items.contains(request.item.reference)) {
    return done_reply();  // erasing a missing item succeeds
  } else {
    items.erase(request.item.reference);
  }
  auto written = compozy::replace_file_atomically(path, document->dump(2) + "\n", 0600);
  if (!written) return std::unexpected(written.error());
  return done_reply();
}

Result<std::string> run(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    return std::string(manual);
  }
  if (argc != 2) return compozy::fail("usage: compozy-credential-json-file get|store|erase|list", compozy::ExitCode::usage);
  auto action = parse_action(argv[1]);
  if (!action) return std::unexpected(action.error());
  auto request = read_request(std::cin, *action);
  if (!request) return std::unexpected(request.error());
  auto path = items_file(compozy::Environment::from_process());
  if (!path) return std::unexpected(path.error());
  return answer(*request, *path);
}

}  // namespace

int main(int argc, char** argv) {
  auto reply = run(argc, argv);
  if (!reply) {
    std::cerr << "compozy-credential-json-file: " << reply.error().message << '\n';
    return static_cast<int>(reply.error().code);
  }
  std::cout << *reply << std::flush;
  return 0;
}
