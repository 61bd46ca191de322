#include "compozy/command.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "compozy/core_commands.hpp"
#include "compozy/http_client.hpp"
#include "compozy/interrupt.hpp"
#include "compozy/text.hpp"

namespace compozy {

Context::Context(Parts parts, Output& output, HttpClientFactory http_factory, Clock& clock)
    : env_(std::move(parts.env)),
      output_(output),
      config_dir_(std::move(parts.config_dir)),
      config_(std::move(parts.config)),
      settings_(std::move(parts.settings)),
      store_(config_dir_, [env = env_](std::string_view name) { return open_helper_store(name, env); }),
      http_factory_(std::move(http_factory)),
      clock_(clock) {}

Context::~Context() = default;

std::unique_ptr<Context> Context::for_profile(Environment env, Settings settings) {
  return std::make_unique<Context>(Parts{std::move(env), config_dir_, config_, std::move(settings)}, output_,
                                   http_factory_, clock_);
}

HttpClient& Context::http() {
  if (!http_) {
    // A programming error, not a user's: the tool's main did not say it talks to servers.
    if (!http_factory_) {
      std::fputs("compozy: internal error: this tool was built without an HTTP client\n", stderr);
      std::abort();
    }
    http_ = http_factory_(env_);
  }
  return *http_;
}

std::string reproducing_hint(std::string_view hint, const Settings& settings) {
  static constexpr std::string_view login = "`compozy login";
  std::string text(hint);
  const auto at = text.find(login);
  if (at == std::string::npos || text.find("--profile") != std::string::npos || text.find("--host") != std::string::npos) {
    return text;
  }
  const std::string flags = command_for(settings, "login").substr(std::string_view("compozy login").size());
  text.insert(at + login.size(), flags);
  return text;
}

std::unexpected<Error> usage_error(std::string message) { return fail(std::move(message), ExitCode::usage); }

namespace detail {

int report_failure(Output& output, std::string_view command_name, const Error& error, std::string_view usage) {
  if (error.already_shown) return static_cast<int>(error.code);
  // Messages carry what servers, files and the environment said.
  output.info("compozy " + std::string(command_name) + ": error: " + terminal_safe(error.message));
  if (!error.hint.empty()) output.info("hint: " + terminal_safe(error.hint));
  if (error.code == ExitCode::usage && !usage.empty()) {
    // Our own text, which may run over several lines (login's): each is shown as a line.
    std::string_view rest = usage;
    std::string line = "usage: compozy " + std::string(command_name) + " ";
    for (auto end = rest.find('\n'); end != std::string_view::npos; end = rest.find('\n')) {
      output.info(line + std::string(rest.substr(0, end)));
      rest.remove_prefix(end + 1);
      line.clear();
    }
    output.info(line + std::string(rest));
  }
  return static_cast<int>(error.code);
}

namespace {

// cxxopts says "Option ‘x’ does not exist"; we say it as git does.
std::string plain_message(std::string message) {
  for (const std::string_view quote : {"‘", "’"}) {
    for (auto at = message.find(quote); at != std::string::npos; at = message.find(quote)) {
      message.replace(at, quote.size(), "'");
    }
  }
  if (!message.empty()) message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  return message;
}

std::string manual_page(const CommandInfo& info, cxxopts::Options& options) {
  std::string help = options.help();
  // cxxopts starts with its own usage line; ours comes first instead.
  if (const auto first_blank = help.find("\n\n"); first_blank != std::string::npos) help.erase(0, first_blank + 2);
  std::string page = "compozy " + std::string(info.name) + " - " + std::string(info.summary) + "\n\n";
  page += "usage: compozy " + std::string(info.name) + " " + std::string(info.usage) + "\n\n";
  if (!info.manual.empty()) page += std::string(info.manual) + "\n\n";
  page += "Options:\n" + help;
  if (!page.ends_with('\n')) page += '\n';
  return page;
}

int report(Output& output, const CommandInfo& info, const Error& error) {
  return report_failure(output, info.name, error, info.usage);
}

void declare_common_options(cxxopts::Options& options, const CommandInfo& info) {
  options.set_width(100);
  options.add_options()("h,help", "show this help");
  if (!info.talks_to_server) return;
  options.add_options()("host", "the server, e.g. https://cloud.compozy.com (also COMPOZY_HOST)",
                        cxxopts::value<std::string>(), "URL")(
      "profile", "the profile to use (also COMPOZY_PROFILE; both win over `compozy profile use`)", cxxopts::value<std::string>(),
      "NAME");
}

Result<cxxopts::ParseResult> parse_arguments(cxxopts::Options& options, int argc, char** argv) {
  cxxopts::ParseResult parsed;
  try {
    parsed = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& error) {
    return usage_error(plain_message(error.what()));
  }
  if (!parsed.unmatched().empty()) return usage_error("unexpected argument '" + parsed.unmatched().front() + "'");
  return parsed;
}

Result<Context::Parts> load_context_parts(const CommandInfo& info, const cxxopts::ParseResult& parsed,
                                          Environment env, Output& output) {
  auto folder = config_dir(env);
  if (!folder) return propagate(folder);
  auto config = load_config(*folder / "config.yaml");
  if (!config && info.diagnoses_config) {
    config = ConfigFile{};
    config->path = *folder / "config.yaml";
  }
  if (!config) return propagate(config);
  for (const auto& warning : config->warnings) output.warning(warning);
  Settings settings;
  if (info.talks_to_server) {
    SettingFlags flags;
    if (parsed.count("host") != 0) flags.host = parsed["host"].as<std::string>();
    if (parsed.count("profile") != 0) flags.profile = parsed["profile"].as<std::string>();
    auto resolved = resolve_settings(flags, env, *config);
    if (!resolved) return propagate(resolved);
    settings = std::move(*resolved);
    if (auto timeout = http_timeout_setting(env); !timeout) return propagate(timeout);
  }
  return Context::Parts{std::move(env), std::move(*folder), std::move(*config), std::move(settings)};
}

}  // namespace

int run_main(int argc, char** argv, const CommandInfo& given, void (*declare)(cxxopts::Options&),
             const std::function<Result<void>(const cxxopts::ParseResult&)>& parse,
             const std::function<Result<void>(Context&)>& run, const HttpClientFactory& http) {
  keep_secrets_out_of_dumps();
  catch_interrupts();
  Environment env = Environment::from_process();
  Output output(env);
  CommandInfo info = given;
  if (info.summary.empty()) {
    if (const auto core = core_command_named(info.name)) info.summary = core->summary;
  }
  try {
    cxxopts::Options options("compozy " + std::string(info.name), std::string(info.summary));
    declare_common_options(options, info);
    if (declare != nullptr) declare(options);
    auto parsed = parse_arguments(options, argc, argv);
    if (!parsed) return report(output, info, parsed.error());
    if (parsed->count("help") != 0) {
      output.data(manual_page(info, options));
      return 0;
    }
    if (auto ok = parse(*parsed); !ok) return report(output, info, ok.error());
    auto parts = load_context_parts(info, *parsed, std::move(env), output);
    if (!parts) return report(output, info, parts.error());
    Context context(std::move(*parts), output, http, system_clock());
    if (auto ok = run(context); !ok) {
      if (!context.reported_name().empty()) info.name = context.reported_name();
      if (info.talks_to_server) ok.error().hint = reproducing_hint(ok.error().hint, context.settings());
      return report(output, info, ok.error());
    }
    return 0;
  } catch (const std::exception& error) {
    return report(output, info, Error{std::string("internal error: ") + error.what()});
  }
}

}  // namespace detail
Result<bool> ask_yes_or_no(Context& context, std::string_view question) {
  std::fprintf(context.out().err(), "%s [y/N] ", terminal_safe(question).c_str());
  std::fflush(context.out().err());
  std::string answer;
  char c = 0;
  while (::read(STDIN_FILENO, &c, 1) == 1 && c != '\n') answer += c;
  if (interrupted()) return fail_interrupted();
  return answer == "y" || answer == "Y" || answer == "yes";
}

}  // namespace compozy
