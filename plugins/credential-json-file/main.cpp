// compozy-credential-json-file: the reference credential helper
// (docs/credential-helpers.md), store name `json-file` (`file` is
// credentials.yaml itself). It keeps items in one JSON file, mode 0600, in
// the config folder (credential-items.json) or at COMPOZY_CREDENTIAL_JSON_FILE;
// every change holds a lock and replaces the file atomically. It is the
// example to copy for pass, 1Password, a TPM or a company vault: read one
// JSON request on stdin, answer one JSON object on stdout, or one line on
// stderr and a non-zero exit.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compozy/atomic_file.hpp"
#include "compozy/config.hpp"
#include "compozy/environment.hpp"
#include "compozy/file_lock.hpp"

namespace {

using nlohmann::json;
using compozy::Result;

constexpr int exit_failure = 1;
constexpr int exit_usage = 2;

constexpr std::string_view usage_line = "usage: compozy-credential-json-file get|store|erase|list\n";
constexpr std::string_view manual =
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

bool valid_reference(const json& request) {
  const auto reference = request.find("reference");
  if (reference == request.end() || !reference->is_string()) return false;
  const std::string& text = reference->get_ref<const std::string&>();
  return !text.empty() && text.size() <= 64 &&
         text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
}

// What the item is, for a person reading the file: everything but the secrets.
json label_of(const json& request) {
  json label = json::object();
  for (const char* key : {"reference", "profile", "host", "account"}) {
    label[key] = request.value(key, "");
  }
  return label;
}

Result<json> answer(std::string_view action, const json& request, const std::filesystem::path& path) {
  if (action == "list") {
    auto document = read_items(path);
    if (!document) return document;
    json items = json::array();
    for (const auto& [reference, item] : (*document)["items"].items()) items.push_back(label_of(item));
    return json{{"version", 1}, {"items", items}};
  }
  if (!valid_reference(request)) return compozy::fail("the request has no valid \"reference\"");
  const std::string reference = request["reference"];
  if (action == "get") {
    auto document = read_items(path);
    if (!document) return document;
    const json& items = (*document)["items"];
    if (!items.contains(reference)) return json{{"version", 1}, {"secrets", nullptr}};
    return json{{"version", 1}, {"secrets", items[reference]["secrets"]}};
  }
  if (auto folder = compozy::ensure_private_folder(path.parent_path()); !folder) return std::unexpected(folder.error());
  auto lock = compozy::FileLock::acquire(path.string() + ".lock");
  if (!lock) return std::unexpected(lock.error());
  auto document = read_items(path);
  if (!document) return document;
  json& items = (*document)["items"];
  if (action == "store") {
    const json secrets = request.value("secrets", json());
    if (!secrets.is_object() || !secrets.value("access_token", json()).is_string()) {
      return compozy::fail("the request has no \"secrets\" with an access_token");
    }
    json item = label_of(request);
    item["secrets"] = {{"access_token", secrets["access_token"]},
                       {"refresh_token", secrets.value("refresh_token", "")}};
    items[reference] = item;
  } else if (!items.contains(reference)) {
    return json{{"version", 1}};  // erasing a missing item succeeds
  } else {
    items.erase(reference);
  }
  auto written = compozy::replace_file_atomically(path, document->dump(2) + "\n", 0600);
  if (!written) return std::unexpected(written.error());
  return json{{"version", 1}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view action = argc == 2 ? argv[1] : "";
  if (action == "--help" || action == "-h") {
    std::cout << "compozy-credential-json-file - The reference credential helper: tokens in a JSON file\n\n"
              << usage_line << manual;
    return 0;
  }
  if (action != "get" && action != "store" && action != "erase" && action != "list") {
    std::cerr << usage_line;
    return exit_usage;
  }
  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  const json request = json::parse(input, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    std::fputs("compozy-credential-json-file: the request on stdin is not a JSON object\n", stderr);
    return exit_failure;
  }
  const auto env = compozy::Environment::from_process();
  auto path = items_file(env);
  auto result = path ? answer(action, request, *path) : Result<json>(std::unexpected(path.error()));
  if (!result) {
    std::fprintf(stderr, "compozy-credential-json-file: %s\n", result.error().message.c_str());
    return exit_failure;
  }
  std::cout << result->dump() << '\n';
  return 0;
}
