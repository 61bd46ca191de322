#include "compozy/store_choice.hpp"


#include <chrono>
#include <cstdio>

#include "compozy/text.hpp"

namespace compozy {

namespace {

constexpr std::chrono::milliseconds secret_service_probe_deadline{2000};

std::string join(const std::vector<std::string>& names) {
  std::string joined;
  for (const auto& name : names) joined += (joined.empty() ? "'" : ", '") + name + "'";
  return joined;
}

// The Secret Service is there when a session bus is and its helper lists the
// items in time: a locked keyring that would prompt, or a hung bus, is no store
// to choose by default.
StoreChoice default_store(const Context& context) {
  const auto file = [](std::string reason) { return StoreChoice{file_store_name, false, std::move(reason)}; };
  if (!context.env().has("DBUS_SESSION_BUS_ADDRESS")) return file("no Secret Service on this machine (no D-Bus session)");
  const auto helper = find_credential_helper(secret_service_store_name, context.env());
  if (!helper) return file("compozy-credential-secret-service is not installed");
  auto store = make_helper_store(secret_service_store_name, *helper,
                                 std::min(secret_service_probe_deadline, helper_deadline(context.env())));
  if (auto listed = store->list(); !listed) return file("the Secret Service did not answer (" + listed.error().message + ")");
  return StoreChoice{secret_service_store_name, false, {}};
}

}  // namespace

Result<StoreChoice> choose_login_store(const std::optional<std::string>& flag, Context& context) {
  std::optional<std::string> chosen = flag;
  if (!chosen) chosen = context.env().get("COMPOZY_CREDENTIAL_STORE");
  if (!chosen) {
    const auto profile = context.config().profiles.find(context.settings().profile);
    if (profile != context.config().profiles.end()) chosen = profile->second.credential_store;
  }
  if (!chosen) return default_store(context);
  if (auto ok = check_store_name(*chosen); !ok) return propagate(ok);
  if (*chosen == file_store_name) return StoreChoice{file_store_name, true, {}};
  auto store = context.store().secret_store(*chosen);
  if (!store) return propagate(store);
  if (auto listed = (*store)->list(); !listed) return propagate(listed);
  return StoreChoice{*chosen, true, {}};
}

std::string describe_store(Context& context, const std::string& store) {
  if (store.empty() || store == file_store_name) return "the file '" + context.store().file().string() + "'";
  return "credential store '" + store + "'";
}

std::optional<std::string> inline_tokens_warning(Context& context, const std::string& store) {
  auto inline_profiles = context.store().inline_profiles();
  if (!inline_profiles || inline_profiles->empty()) return std::nullopt;
  return "'" + context.store().file().string() + "' still holds the tokens of " +
         (inline_profiles->size() == 1 ? "profile " : "profiles ") + join(*inline_profiles) +
         " in plain text: run `compozy login --store " + store + " --move-inline-tokens` to move them to " +
         describe_store(context, store);
}

Result<void> offer_to_move_inline_tokens(Context& context, const std::string& store, bool may_ask) {
  auto inline_profiles = context.store().inline_profiles();
  if (!inline_profiles || inline_profiles->empty()) return {};
  if (!may_ask || !context.out().stdin_is_terminal()) {
    if (auto warning = inline_tokens_warning(context, store)) context.out().warning(*warning);
    return {};
  }
  auto answer = ask_yes_or_no(context, "Move the plain-text tokens of " + join(*inline_profiles) + " in '" +
                                       context.store().file().string() + "' to " + describe_store(context, store) +
                                       "?");
  if (!answer) return propagate(answer);
  if (!*answer) return {};
  auto moved = context.store().move_inline_tokens(store);
  if (!moved) return propagate(moved);
  context.out().success("Moved the tokens of " + join(*moved) + " to " + describe_store(context, store));
  return {};
}

}  // namespace compozy
