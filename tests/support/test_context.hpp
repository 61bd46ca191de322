// A command's Context for unit tests: a fresh config folder, exactly the
// environment the test gives, a fake HTTP client and clock, and stdout and
// stderr captured.
//
//   TestCommand command;                       // host https://cloud.example.com, profile default
//   command.http.on("GET", …, json_response(200, …));
//   auto result = some_command_logic(command.context());
//   BOOST_TEST(command.err().find("✓ Logged in") != std::string::npos);
#pragma once

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "compozy/command.hpp"
#include "compozy/stored_credential.hpp"
#include "support/fake_clock.hpp"
#include "support/fake_http_client.hpp"
#include "support/temp_folder.hpp"

namespace compozy::testing {

// A FILE* whose contents a test can read back.
class CapturedStream {
 public:
  CapturedStream() : stream_(::open_memstream(&buffer_, &size_)) {}
  CapturedStream(const CapturedStream&) = delete;
  CapturedStream& operator=(const CapturedStream&) = delete;
  ~CapturedStream() {
    std::fclose(stream_);
    std::free(buffer_);
  }
  std::FILE* get() const { return stream_; }
  std::string text() const {
    std::fflush(stream_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  std::size_t size_ = 0;
  std::FILE* stream_;
};

struct TestSettings {
  std::string host = "https://cloud.example.com";
  std::string profile = "default";
  bool host_from_flag = false;  // else the host is the profile's, as if config.yaml gave it
  std::map<std::string, std::string, std::less<>> environment = {};
  std::string config_yaml = {};
  Terminal terminal = {};
  std::optional<std::filesystem::path> config_dir = std::nullopt;  // instead of a fresh temporary folder
};

class TestCommand {
 public:
  explicit TestCommand(TestSettings settings = {}) : settings_(std::move(settings)) {}

  // Built on first use, from the settings as they are then.
  Context& context() {
    if (!context_) {
      const std::filesystem::path dir = settings_.config_dir.value_or(folder.path());
      if (!settings_.config_yaml.empty()) folder.write("config.yaml", settings_.config_yaml);
      auto config = load_config(dir / "config.yaml");
      if (!config) throw std::runtime_error("test config.yaml: " + config.error().message);
      Environment env(settings_.environment);
      // As a person runs commands: --profile only for another profile than
      // default, and the host as config.yaml would give it, unless the test
      // says it came from --host.
      SettingFlags flags;
      if (settings_.profile != default_profile) flags.profile = settings_.profile;
      if (settings_.host_from_flag) flags.host = settings_.host;
      auto resolved = resolve_settings(flags, env, *config);
      if (!resolved) throw std::runtime_error("test settings: " + resolved.error().message);
      if (!settings_.host_from_flag && resolved->host_source != SettingSource::environment) {
        resolved->host = settings_.host;
        resolved->host_source = SettingSource::profile;
      }
      output_ = std::make_unique<Output>(settings_.terminal, out_.get(), err_.get());
      context_ = std::make_unique<Context>(
          Context::Parts{std::move(env), dir, std::move(*config), std::move(*resolved)}, *output_,
          http.factory(), clock);
    }
    return *context_;
  }

  TestSettings& settings() { return settings_; }
  CredentialStore& store() { return context().store(); }
  std::string out() const { return out_.text(); }
  std::string err() const { return err_.text(); }

  TempFolder folder;
  FakeHttpClient http;
  FakeClock clock;

 private:
  TestSettings settings_;
  CapturedStream out_;
  CapturedStream err_;
  std::unique_ptr<Output> output_;
  std::unique_ptr<Context> context_;
};

// A session as a browser login stores it for the command's host: obtained a
// minute ago by the command's clock, its access token expiring `expires_in`
// from then on. Tests change the fields they are about.
inline StoredCredential signed_in_session(TestCommand& command, std::chrono::seconds expires_in) {
  const std::string host = command.settings().host;
  StoredCredential credential;
  credential.host = host;
  credential.client_id = "compozy-cli";
  credential.access_token = "at-1";
  credential.refresh_token = "rt-1";
  credential.obtained_at = command.clock.now() - std::chrono::seconds(60);
  credential.expires_at = command.clock.now() + expires_in;
  credential.scopes = {"openid", "email", "offline_access"};
  credential.account = "ada@example.com";
  credential.subject = "usr_1";
  credential.token_endpoint = host + "/oauth/token";
  credential.revocation_endpoint = host + "/oauth/revoke";
  credential.userinfo_endpoint = host + "/oauth/userinfo";
  return credential;
}

}  // namespace compozy::testing
