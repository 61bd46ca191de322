#include "secret_service.hpp"

#include <libsecret/secret.h>

#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "compozy/text.hpp"

// libsecret's SECRET_ITEM() names its SecretItem unqualified, which
// compozy::SecretItem would hide inside compozy's namespaces.
static ::SecretItem* as_secret_item(gpointer object) { return SECRET_ITEM(object); }

namespace compozy::credential_helper {
namespace {

// Every item carries application=compozy, so that `list` (and a person with
// `secret-tool search application compozy`) finds them all.
const SecretSchema credential_schema = {
    "com.compozy.Credential",
    SECRET_SCHEMA_NONE,
    {
        {"application", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"reference", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"profile", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"host", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {"account", SECRET_SCHEMA_ATTRIBUTE_STRING},
        {nullptr, SECRET_SCHEMA_ATTRIBUTE_STRING},
    },
    0, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

std::string no_answer() {
  return "no answer within " + std::to_string(secret_service_deadline.count()) +
         " seconds: is an unlock prompt waiting, or the session bus or keyring daemon hung?";
}

template <class T>
struct ObjectUnref {
  void operator()(T* object) const { g_object_unref(object); }
};
template <class T>
using ObjectPtr = std::unique_ptr<T, ObjectUnref<T>>;

struct HashTableUnref {
  void operator()(GHashTable* table) const { g_hash_table_unref(table); }
};
using Attributes = std::unique_ptr<GHashTable, HashTableUnref>;

struct ItemListFree {
  void operator()(GList* list) const { g_list_free_full(list, g_object_unref); }
};
using ItemList = std::unique_ptr<GList, ItemListFree>;

struct ErrorFree {
  void operator()(GError* error) const { g_error_free(error); }
};
using ErrorPtr = std::unique_ptr<GError, ErrorFree>;

// Cancels every Secret Service call of this process when the deadline passes. The
// calls are synchronous and run their own main loop, so the clock runs on a
// thread of its own; and should a call ignore the cancellation, the process
// ends itself rather than hang.
class Deadline {
 public:
  Deadline() : cancellable_(g_cancellable_new()), watchdog_([this] { watch(); }) {}
  ~Deadline() {
    {
      std::lock_guard lock(mutex_);
      finished_ = true;
    }
    finished_changed_.notify_all();
    watchdog_.join();
  }
  GCancellable* cancellable() const { return cancellable_.get(); }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    if (finished_changed_.wait_for(lock, secret_service_deadline, [this] { return finished_; })) return;
    g_cancellable_cancel(cancellable_.get());
    if (finished_changed_.wait_for(lock, cancellation_grace, [this] { return finished_; })) return;
    // Connecting to a bus that never answers cannot be cancelled.
    const std::string message = "secret service: " + no_answer() + "\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, message.data(), message.size());
    ::_exit(1);
  }

  ObjectPtr<GCancellable> cancellable_;
  std::mutex mutex_;
  std::condition_variable finished_changed_;
  bool finished_ = false;
  std::jthread watchdog_;
};

Deadline& deadline() {
  static Deadline instance;
  return instance;
}

// A GError as a clause of our one-line message: D-Bus error names removed,
// made safe for a terminal. It never holds a secret: no secret is sent to a
// call whose error it could echo.
std::string describe(const GError* error) {
  if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return no_answer();
  const ErrorPtr copy(g_error_copy(error));
  g_dbus_error_strip_remote_error(copy.get());
  return terminal_safe(copy->message);
}

std::unexpected<Error> failure(std::string_view doing, GError* raw_error) {
  const ErrorPtr error(raw_error);
  if (g_error_matches(error.get(), G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches(error.get(), G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    return fail("secret service: no Secret Service on the session bus: start GNOME Keyring or KWallet, or choose "
                "another credential store");
  return fail("secret service: " + std::string(doing) + ": " + describe(error.get()));
}

// "the keyring 'login'", named by its object path (…/collection/login or
// …/collection/login/7), which is what Seahorse calls it, give or take a capital.
std::string keyring_named_by(GList* locked) {
  const std::string_view path = g_dbus_proxy_get_object_path(G_DBUS_PROXY(locked->data));
  constexpr std::string_view collections = "/org/freedesktop/secrets/collection/";
  if (!path.starts_with(collections)) return "the keyring";
  std::string_view id = path.substr(collections.size());
  id = id.substr(0, id.find('/'));
  return "the keyring '" + terminal_safe(id) + "'";
}

// No display, no prompt: asking the service to unlock would only start a
// prompter that cannot show itself.
bool can_prompt() {
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return (x11 != nullptr && *x11 != '\0') || (wayland != nullptr && *wayland != '\0');
}

Result<SecretService*> connect() {
  GError* error = nullptr;
  // Kept by libsecret for the whole process; an encrypted session, so that
  // secrets do not cross the bus in the clear.
  SecretService* service = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, deadline().cancellable(), &error);
  if (service == nullptr) return failure("connecting to the session bus", error);
  g_object_unref(service);  // libsecret's own reference keeps it alive
  return service;
}

// Asks to unlock what is locked; a person may be prompted (within the deadline).
Result<void> unlock(SecretService* service, GList* locked) {
  if (locked == nullptr) return {};
  if (!can_prompt())
    return fail("secret service: " + keyring_named_by(locked) + " is locked: unlock it (e.g. in Seahorse) and retry");
  GError* error = nullptr;
  GList* unlocked = nullptr;
  const gint count = secret_service_unlock_sync(service, locked, deadline().cancellable(), &unlocked, &error);
  g_list_free_full(unlocked, g_object_unref);
  if (error != nullptr) return failure("unlocking the keyring", error);
  if (count < static_cast<gint>(g_list_length(locked)))
    return fail("secret service: " + keyring_named_by(locked) +
                " is still locked (the prompt was dismissed or failed): unlock it (e.g. in Seahorse) and retry");
  return {};
}

// The table borrows the strings: it must not outlive them.
void insert(GHashTable* attributes, const char* name, const std::string& value) {
  g_hash_table_insert(attributes, const_cast<char*>(name), const_cast<char*>(value.c_str()));
}

// Every compozy item, or (with a reference) the one item of that reference.
Attributes search_attributes(const std::string& reference) {
  Attributes attributes(g_hash_table_new(g_str_hash, g_str_equal));
  g_hash_table_insert(attributes.get(), const_cast<char*>("application"), const_cast<char*>("compozy"));
  if (!reference.empty()) insert(attributes.get(), "reference", reference);
  return attributes;
}

Attributes item_attributes(const SecretItem& item) {
  Attributes attributes = search_attributes(item.reference);
  insert(attributes.get(), "profile", item.profile);
  insert(attributes.get(), "host", item.host);
  insert(attributes.get(), "account", item.account);
  return attributes;
}

// What Seahorse shows: "compozy: ada@example.com on https://cloud.compozy.com (profile work)".
std::string label_of(const SecretItem& item) {
  std::string label = "compozy: ";
  if (!item.account.empty()) label += item.account + " on ";
  return label + item.host + " (profile " + item.profile + ")";
}

Result<ItemList> search(SecretService* service, const std::string& reference, SecretSearchFlags flags) {
  GError* error = nullptr;
  const Attributes attributes = search_attributes(reference);
  // No schema: libsecret would then drop every item whose schema it cannot
  // see, and a keyring locked since its daemon started shows none, so that a
  // locked item would pass for a missing one.
  GList* found = secret_service_search_sync(service, nullptr, attributes.get(),
                                            static_cast<SecretSearchFlags>(SECRET_SEARCH_ALL | flags),
                                            deadline().cancellable(), &error);
  if (error != nullptr) return failure("searching the keyring", error);
  return ItemList(found);
}

// The items found, every one unlocked (or a failure saying why not).
Result<ItemList> search_unlocked(SecretService* service, const std::string& reference, SecretSearchFlags flags) {
  auto found = search(service, reference, flags);
  if (!found) return propagate(found);
  GList* locked = nullptr;
  for (GList* node = found->get(); node != nullptr; node = node->next)
    if (secret_item_get_locked(as_secret_item(node->data))) locked = g_list_append(locked, node->data);
  if (locked == nullptr) return found;
  auto unlocked = unlock(service, locked);
  g_list_free(locked);
  if (!unlocked) return propagate(unlocked);
  // Found again, now that their attributes and secrets can be read.
  return search(service, reference, flags);
}

std::string attribute(GHashTable* attributes, const char* name) {
  const auto* value = static_cast<const char*>(g_hash_table_lookup(attributes, name));
  return value == nullptr ? std::string() : std::string(value);
}

Result<std::optional<Secrets>> decoded(std::string_view reference, std::string_view value) {
  auto secrets = decode_secrets(value);
  if (!secrets) return fail("secret service: item '" + std::string(reference) + "' does not hold compozy's secrets");
  return secrets;
}

struct VariantUnref {
  void operator()(GVariant* variant) const { g_variant_unref(variant); }
};
using VariantPtr = std::unique_ptr<GVariant, VariantUnref>;

Result<VariantPtr> call(GDBusConnection* bus, const char* path, const char* interface, const char* method,
                        GVariant* arguments, const char* reply_type, std::string_view doing) {
  GError* error = nullptr;
  VariantPtr reply(g_dbus_connection_call_sync(bus, "org.freedesktop.secrets", path, interface, method, arguments,
                                               G_VARIANT_TYPE(reply_type), G_DBUS_CALL_FLAGS_NONE, -1,
                                               deadline().cancellable(), &error));
  if (!reply) return failure(doing, error);
  return reply;
}

// The fast way to read an unlocked item, which `auth token` does on every
// call: three D-Bus calls in a "plain" session, which every Secret Service
// must offer. libsecret would first build its proxies and agree a
// Diffie-Hellman key, making a get take 15 ms rather than 6 (bench/secret-service,
// on a busy 2-core machine), to encrypt a secret that only crosses a socket of
// this user's own bus to a process of this user, who could ask the unlocked
// keyring for it anyway. A locked item goes the libsecret way, which unlocks.
struct Lookup {
  enum class Outcome { found, absent, locked } outcome;
  std::optional<Secrets> secrets = std::nullopt;
};

Result<Lookup> look_up_unlocked(const std::string& reference) {
  GError* error = nullptr;
  GDBusConnection* bus = g_bus_get_sync(G_BUS_TYPE_SESSION, deadline().cancellable(), &error);
  if (bus == nullptr) return failure("connecting to the session bus", error);
  const ObjectPtr<GDBusConnection> bus_reference(bus);
  GVariantBuilder attributes;
  g_variant_builder_init(&attributes, G_VARIANT_TYPE("a{ss}"));
  g_variant_builder_add(&attributes, "{ss}", "application", "compozy");
  g_variant_builder_add(&attributes, "{ss}", "reference", reference.c_str());
  auto found = call(bus, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service", "SearchItems",
                    g_variant_new("(a{ss})", &attributes), "(aoao)", "searching the keyring");
  if (!found) return propagate(found);
  const VariantPtr unlocked(g_variant_get_child_value(found->get(), 0));
  const VariantPtr locked(g_variant_get_child_value(found->get(), 1));
  if (g_variant_n_children(unlocked.get()) == 0)
    return Lookup{g_variant_n_children(locked.get()) == 0 ? Lookup::Outcome::absent : Lookup::Outcome::locked};
  const char* item_path = nullptr;
  g_variant_get_child(unlocked.get(), 0, "&o", &item_path);

  auto session = call(bus, "/org/freedesktop/secrets", "org.freedesktop.Secret.Service", "OpenSession",
                      g_variant_new("(sv)", "plain", g_variant_new_string("")), "(vo)", "opening a session");
  if (!session) return propagate(session);
  const char* session_path = nullptr;
  g_variant_get_child(session->get(), 1, "&o", &session_path);
  auto secret = call(bus, item_path, "org.freedesktop.Secret.Item", "GetSecret", g_variant_new("(o)", session_path),
                     "((oayays))", "reading item '" + reference + "'");
  if (!secret) return propagate(secret);
  const VariantPtr fields(g_variant_get_child_value(secret->get(), 0));
  const VariantPtr value(g_variant_get_child_value(fields.get(), 2));
  gsize length = 0;
  const auto* bytes = static_cast<const char*>(g_variant_get_fixed_array(value.get(), &length, 1));
  auto secrets = decoded(reference, std::string_view(bytes, length));
  if (!secrets) return propagate(secrets);
  return Lookup{Lookup::Outcome::found, std::move(*secrets)};
}

}  // namespace

Result<std::optional<Secrets>> find_secrets(const SecretItem& item) {
  auto lookup = look_up_unlocked(item.reference);
  if (!lookup) return propagate(lookup);
  if (lookup->outcome != Lookup::Outcome::locked) return std::move(lookup->secrets);
  auto service = connect();
  if (!service) return propagate(service);
  auto found = search_unlocked(*service, item.reference, SECRET_SEARCH_LOAD_SECRETS);
  if (!found) return propagate(found);
  if (found->get() == nullptr) return std::optional<Secrets>();
  SecretValue* value = secret_item_get_secret(as_secret_item(found->get()->data));
  if (value == nullptr) return fail("secret service: the keyring gave no secret for item '" + item.reference + "'");
  gsize length = 0;
  const gchar* text = secret_value_get(value, &length);
  auto secrets = decoded(item.reference, std::string_view(text, length));
  secret_value_unref(value);
  return secrets;
}

Result<void> store_secrets(const SecretItem& item, const Secrets& secrets) {
  auto service = connect();
  if (!service) return propagate(service);
  GError* error = nullptr;
  const ObjectPtr<SecretCollection> collection(secret_collection_for_alias_sync(
      *service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, deadline().cancellable(), &error));
  if (error != nullptr) return failure("finding the default keyring", error);
  if (!collection)
    return fail("secret service: there is no default keyring: create one (e.g. in Seahorse) and retry");
  if (secret_collection_get_locked(collection.get())) {
    GList locked{.data = collection.get(), .next = nullptr, .prev = nullptr};
    auto unlocked = unlock(*service, &locked);
    if (!unlocked) return propagate(unlocked);
  }
  const std::string encoded = encode_secrets(secrets);
  SecretValue* value = secret_value_new(encoded.data(), static_cast<gssize>(encoded.size()), "application/json");
  const Attributes attributes = item_attributes(item);
  const ObjectPtr<::SecretItem> created(secret_item_create_sync(collection.get(), &credential_schema, attributes.get(),
                                                              label_of(item).c_str(), value,
                                                              SECRET_ITEM_CREATE_REPLACE, deadline().cancellable(),
                                                              &error));
  secret_value_unref(value);
  if (error != nullptr) return failure("storing item '" + item.reference + "'", error);
  return {};
}

Result<void> erase_secrets(const SecretItem& item) {
  auto service = connect();
  if (!service) return propagate(service);
  auto found = search_unlocked(*service, item.reference, SECRET_SEARCH_NONE);
  if (!found) return propagate(found);
  for (GList* node = found->get(); node != nullptr; node = node->next) {
    GError* error = nullptr;
    if (!secret_item_delete_sync(as_secret_item(node->data), deadline().cancellable(), &error))
      return failure("erasing item '" + item.reference + "'", error);
  }
  return {};
}

Result<std::vector<SecretItem>> list_items() {
  auto service = connect();
  if (!service) return propagate(service);
  auto found = search_unlocked(*service, {}, SECRET_SEARCH_NONE);
  if (!found) return propagate(found);
  std::vector<SecretItem> items;
  for (GList* node = found->get(); node != nullptr; node = node->next) {
    const Attributes attributes(secret_item_get_attributes(as_secret_item(node->data)));
    items.push_back({attribute(attributes.get(), "reference"), attribute(attributes.get(), "profile"),
                     attribute(attributes.get(), "host"), attribute(attributes.get(), "account")});
  }
  return items;
}

}  // namespace compozy::credential_helper
