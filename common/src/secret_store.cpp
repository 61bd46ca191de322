#include "compozy/secret_store.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>

#include "compozy/child_process.hpp"
#include "compozy/credential_helper.hpp"
#include "compozy/text.hpp"

namespace compozy {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds default_helper_deadline{10'000};
// Both sides of the protocol share its version and its size limit.
using credential_helper::protocol_version;
constexpr std::size_t max_helper_output = credential_helper::max_message_bytes;

std::string helper_program_name(std::string_view name) { return "compozy-credential-" + std::string(name); }

std::vector<std::string> absolute_folders(std::string_view list) {
  std::vector<std::string> folders;
  while (true) {
    const auto colon = list.find(':');
    const std::string_view entry = list.substr(0, colon);
    if (entry.starts_with('/')) folders.emplace_back(entry);
    if (colon == std::string_view::npos) break;
    list.remove_prefix(colon + 1);
  }
  return folders;
}

bool is_executable_file(const std::filesystem::path& path) {
  std::error_code ignored;
  return std::filesystem::is_regular_file(path, ignored) && ::access(path.c_str(), X_OK) == 0;
}

json describe_item(const SecretItem& item) {
  return json{{"version", protocol_version},
              {"reference", item.reference},
              {"profile", item.profile},
              {"host", item.host},
              {"account", item.account}};
}

std::unexpected<Error> store_failure(std::string message) {
  return fail(std::move(message), ExitCode::store_failed,
              "see docs/credential-helpers.md; the stored credentials were not changed");
}

std::string first_line(std::string_view text) {
  const auto end = text.find('\n');
  return terminal_safe(text.substr(0, end));
}

class HelperStore final : public SecretStore {
 public:
  HelperStore(std::string name, std::filesystem::path program, std::chrono::milliseconds deadline)
      : name_(std::move(name)), program_(std::move(program)), deadline_(deadline) {}

  const std::string& name() const override { return name_; }

  Result<std::optional<Secrets>> get(const SecretItem& item) override {
    auto answer = run("get", describe_item(item));
    if (!answer) return propagate(answer);
    const auto secrets = answer->find("secrets");
    if (secrets == answer->end() || secrets->is_null()) return std::optional<Secrets>();
    const auto access = secrets->is_object() ? secrets->find("access_token") : secrets->end();
    if (access == secrets->end() || !access->is_string() || access->get_ref<const std::string&>().empty()) {
      return malformed("get", "'secrets' has no access_token");
    }
    Secrets found{access->get<std::string>(), {}};
    if (const auto refresh = secrets->find("refresh_token"); refresh != secrets->end() && refresh->is_string()) {
      found.refresh_token = refresh->get<std::string>();
    }
    return std::optional<Secrets>(std::move(found));
  }

  Result<void> store(const SecretItem& item, const Secrets& secrets) override {
    json request = describe_item(item);
    request["secrets"] = {{"access_token", secrets.access_token}, {"refresh_token", secrets.refresh_token}};
    auto answer = run("store", request);
    if (!answer) return propagate(answer);
    return {};
  }

  Result<void> erase(const SecretItem& item) override {
    auto answer = run("erase", describe_item(item));
    if (!answer) return propagate(answer);
    return {};
  }

  Result<std::vector<SecretItem>> list() override {
    auto answer = run("list", json{{"version", protocol_version}});
    if (!answer) return propagate(answer);
    const auto items = answer->find("items");
    if (items == answer->end() || !items->is_array()) return malformed("list", "no 'items' list");
    std::vector<SecretItem> listed;
    for (const auto& entry : *items) {
      if (!entry.is_object()) continue;
      const auto text = [&](const char* key) {
        const auto value = entry.find(key);
        return value != entry.end() && value->is_string() ? value->get<std::string>() : std::string();
      };
      if (text("reference").empty()) continue;
      listed.push_back({text("reference"), text("profile"), text("host"), text("account")});
    }
    return listed;
  }

 private:
  std::string what() const { return "credential store '" + name_ + "' (" + program_.string() + ")"; }

  std::unexpected<Error> malformed(std::string_view action, std::string_view problem) const {
    return store_failure(what() + ": " + std::string(action) + " answered something else than the protocol's JSON (" +
                         std::string(problem) + ")");
  }

  // Every failure names the store and says what the helper said, once.
  Result<json> run(std::string_view action, const json& request) const {
    ChildProcess helper;
    helper.program = program_.string();
    helper.argv = {helper_program_name(name_), std::string(action)};
    helper.input = ChildProcess::Stream::pipe;
    helper.output = ChildProcess::Stream::pipe;
    helper.errors = ChildProcess::Stream::pipe;
    auto finished = helper.run(request.dump(), deadline_, max_helper_output);
    if (!finished) {
      if (finished.error().code == ExitCode::interrupted) return propagate(finished);
      return store_failure(what() + ": " + std::string(action) + " " + after_quoted_program(finished.error().message));
    }
    if (finished->exit_status != 0) {
      std::string said = first_line(finished->errors);
      std::string how = finished->ended_by_signal ? "was killed by signal " + std::to_string(finished->exit_status - 128)
                                                  : "failed (exit " + std::to_string(finished->exit_status) + ")";
      return store_failure(what() + ": " + std::string(action) + " " + how + (said.empty() ? "" : ": " + said));
    }
    json answer = json::parse(finished->output, nullptr, false);
    if (answer.is_discarded() || !answer.is_object()) return malformed(action, "not one JSON object");
    if (const auto version = answer.find("version"); version == answer.end() || *version != protocol_version) {
      return malformed(action, "no \"version\": 1");
    }
    return answer;
  }

  // ChildProcess says "'PATH' did not finish in time": the path is said once already.
  std::string after_quoted_program(const std::string& message) const {
    const std::string quoted = "'" + program_.string() + "' ";
    return message.starts_with(quoted) ? message.substr(quoted.size()) : message;
  }

  std::string name_;
  std::filesystem::path program_;
  std::chrono::milliseconds deadline_;
};

}  // namespace

Result<void> check_store_name(std::string_view name) {
  const bool fits = !name.empty() && name.size() <= 40 && name.front() != '-' &&
                    name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
  if (fits) return {};
  return fail("'" + terminal_safe(name) + "' is not a credential store name", ExitCode::usage,
              "use file, secret-service, or the NAME of an installed compozy-credential-NAME (lower-case letters, "
              "digits, dashes)");
}

std::chrono::milliseconds helper_deadline(const Environment& env) {
  const auto text = env.get("COMPOZY_CREDENTIAL_HELPER_TIMEOUT");
  if (!text) return default_helper_deadline;
  double seconds = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), seconds);
  if (error != std::errc() || end != text->data() + text->size() || !(seconds > 0) || seconds > 3600) {
    return default_helper_deadline;
  }
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

std::optional<std::filesystem::path> find_credential_helper(std::string_view name, const Environment& env) {
  std::vector<std::string> folders = absolute_folders(env.get("COMPOZY_EXEC_PATH").value_or(""));
  if (const std::string self = self_executable_path(); !self.empty()) folders.push_back(self.substr(0, self.rfind('/')));
  for (auto& folder : absolute_folders(env.get("PATH").value_or(""))) folders.push_back(std::move(folder));
  for (const auto& folder : folders) {
    const std::filesystem::path candidate = std::filesystem::path(folder) / helper_program_name(name);
    if (is_executable_file(candidate)) return candidate;
  }
  return std::nullopt;
}

Result<std::unique_ptr<SecretStore>> open_helper_store(std::string_view name, const Environment& env) {
  if (auto ok = check_store_name(name); !ok) return propagate(ok);
  auto program = find_credential_helper(name, env);
  if (!program) {
    return fail("credential store '" + std::string(name) + "': " + helper_program_name(name) + " is not installed",
                ExitCode::store_failed,
                "install it beside compozy or on PATH, or choose another store with `compozy login --store NAME`");
  }
  return make_helper_store(std::string(name), std::move(*program), helper_deadline(env));
}

std::unique_ptr<SecretStore> make_helper_store(std::string name, std::filesystem::path program,
                                               std::chrono::milliseconds deadline) {
  return std::make_unique<HelperStore>(std::move(name), std::move(program), deadline);
}

std::string new_secret_reference(std::string_view scope) {
  unsigned char bytes[16] = {};
  std::size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t count = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (count > 0) got += static_cast<std::size_t>(count);
  }
  std::string reference(scope);
  reference += '-';
  char hex[3];
  for (unsigned char byte : bytes) {
    std::snprintf(hex, sizeof hex, "%02x", byte);
    reference += hex;
  }
  return reference;
}

}  // namespace compozy
