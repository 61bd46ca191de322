#include "compozy/credential_helper.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace compozy::credential_helper {
namespace {

using nlohmann::json;

std::unexpected<Error> bad_request(std::string message) {
  return fail("bad request: " + std::move(message), ExitCode::usage);
}

bool is_reference(std::string_view text) {
  return !text.empty() && text.size() <= 64 && std::ranges::all_of(text, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

Result<std::string> text_field(const json& object, const char* name, bool required) {
  const auto field = object.find(name);
  if (field == object.end() || field->is_null()) {
    if (required) return bad_request(std::string("\"") + name + "\" is missing");
    return std::string();
  }
  if (!field->is_string()) return bad_request(std::string("\"") + name + "\" is not a string");
  return field->get<std::string>();
}

Result<SecretItem> read_item(const json& request, Action action) {
  auto reference = text_field(request, "reference", true);
  if (!reference) return propagate(reference);
  if (!is_reference(*reference)) return bad_request("\"reference\" is not 1 to 64 of A-Z a-z 0-9 _ -");
  // The description names the item in the keyring; only a new item needs it.
  const bool described = action == Action::store;
  auto profile = text_field(request, "profile", described);
  if (!profile) return propagate(profile);
  auto host = text_field(request, "host", described);
  if (!host) return propagate(host);
  auto account = text_field(request, "account", described);
  if (!account) return propagate(account);
  return SecretItem{std::move(*reference), std::move(*profile), std::move(*host), std::move(*account)};
}

Result<Secrets> read_secrets(const json& request) {
  const auto field = request.find("secrets");
  if (field == request.end() || !field->is_object()) return bad_request("\"secrets\" is missing or not an object");
  auto access_token = text_field(*field, "access_token", true);
  if (!access_token) return propagate(access_token);
  if (access_token->empty()) return bad_request("\"secrets\": \"access_token\" is empty");
  auto refresh_token = text_field(*field, "refresh_token", false);
  if (!refresh_token) return propagate(refresh_token);
  return Secrets{std::move(*access_token), std::move(*refresh_token)};
}

}  // namespace

Result<Action> parse_action(std::string_view word) {
  if (word == "get") return Action::get;
  if (word == "store") return Action::store;
  if (word == "erase") return Action::erase;
  if (word == "list") return Action::list;
  return fail("unknown action; expected get, store, erase or list", ExitCode::usage);
}

Result<Request> read_request(std::istream& input, Action action) {
  std::string text;
  std::array<char, 16384> chunk;
  do {  // until the end, or until it is known to be too large
    input.read(chunk.data(), chunk.size());
    text.append(chunk.data(), static_cast<std::size_t>(input.gcount()));
  } while (input && text.size() <= max_message_bytes);
  if (text.size() > max_message_bytes) return bad_request("it is larger than 1 MiB");
  const json request = json::parse(text, nullptr, false);
  if (request.is_discarded()) return bad_request("it is not JSON");
  if (!request.is_object()) return bad_request("it is not a JSON object");
  const auto version = request.find("version");
  if (version == request.end()) return bad_request("\"version\" is missing");
  if (!version->is_number_integer() || version->get<long long>() != protocol_version)
    return bad_request("unsupported \"version\"; this helper speaks version 1");
  Request parsed{.action = action, .item = {}, .secrets = std::nullopt};
  if (action == Action::list) return parsed;
  auto item = read_item(request, action);
  if (!item) return propagate(item);
  parsed.item = std::move(*item);
  if (action == Action::store) {
    auto secrets = read_secrets(request);
    if (!secrets) return propagate(secrets);
    parsed.secrets = std::move(*secrets);
  }
  return parsed;
}

std::string secrets_reply(const std::optional<Secrets>& secrets) {
  json reply{{"version", protocol_version}, {"secrets", nullptr}};
  if (secrets) reply["secrets"] = {{"access_token", secrets->access_token}, {"refresh_token", secrets->refresh_token}};
  return reply.dump() + "\n";
}

std::string done_reply() { return json{{"version", protocol_version}}.dump() + "\n"; }

std::string items_reply(const std::vector<SecretItem>& items) {
  json listed = json::array();
  for (const SecretItem& item : items)
    listed.push_back({{"reference", item.reference}, {"profile", item.profile}, {"host", item.host},
                      {"account", item.account}});
  return json{{"version", protocol_version}, {"items", std::move(listed)}}.dump() + "\n";
}

std::string encode_secrets(const Secrets& secrets) {
  return json{{"access_token", secrets.access_token}, {"refresh_token", secrets.refresh_token}}.dump();
}

std::optional<Secrets> decode_secrets(std::string_view text) {
  const json value = json::parse(text, nullptr, false);
  if (!value.is_object()) return std::nullopt;
  const auto access_token = value.find("access_token");
  const auto refresh_token = value.find("refresh_token");
  if (access_token == value.end() || !access_token->is_string() || access_token->get_ref<const std::string&>().empty())
    return std::nullopt;
  Secrets secrets{access_token->get<std::string>(), {}};
  if (refresh_token != value.end() && refresh_token->is_string()) secrets.refresh_token = refresh_token->get<std::string>();
  return secrets;
}

}  // namespace compozy::credential_helper
