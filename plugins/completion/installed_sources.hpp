// The candidates of this installation: the plugins the dispatcher would find,
// the options each tool's --help lists, the profiles in the files, and the
// sessions of the account signed in, asked with a short deadline.
#pragma once

#include <map>
#include <optional>

#include "compozy/command.hpp"
#include "compozy/completion.hpp"

namespace compozy {

class InstalledSources final : public CompletionSources {
 public:
  explicit InstalledSources(Context& context) : context_(context) {}
  std::vector<std::string> commands() override;
  std::vector<std::string> aliases() override;
  std::vector<CompletionFlag> flags(std::string_view command) override;
  std::vector<std::string> profiles() override;
  std::vector<std::string> sessions() override;

 private:
  const std::map<std::string, std::string>& tools();  // command as typed -> its executable
  const std::vector<CredentialStore::Entry>& entries();  // of credentials.yaml, read once

  Context& context_;
  std::optional<std::map<std::string, std::string>> tools_;
  std::optional<std::vector<CredentialStore::Entry>> entries_;
};

// A completion never waits longer than this for a tool's --help or for the sessions API.
inline constexpr std::chrono::milliseconds completion_help_timeout{1000};
inline constexpr std::chrono::milliseconds completion_sessions_deadline{150};

// The HTTP client of a completion: one attempt, bounded by completion_sessions_deadline.
std::unique_ptr<HttpClient> make_completion_http_client(const Environment& env);

}  // namespace compozy
