#include "compozy/command.hpp"

#include <csignal>
#include <cstdio>
#include <exception>

#include "compozy/interrupt.hpp"

namespace compozy {

Context::Context(Environment env, Output& output, std::filesystem::path config_dir, ConfigFile config,
                 Settings settings)
    : env_(std::move(env)),
      output_(output),
      config_dir_(std::move(config_dir)),
      config_(std::move(config)),
      settings_(std::move(settings)),
      store_(config_dir_) {}

std::unexpected<Error> usage_error(std::string message) { return fail(std::move(message), ExitCode::usage); }

namespace detail {

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
  if (error.already_shown) return static_cast<int>(error.code);
  output.info("compozy " + std::string(info.name) + ": error: " + error.message);
  if (!error.hint.empty()) output.info("hint: " + error.hint);
  return static_cast<int>(error.code);
}

}  // namespace

int run_main(int argc, char** argv, const CommandInfo& info, void (*declare)(cxxopts::Options&),
             const std::function<Result<void>(const cxxopts::ParseResult&)>& parse,
             const std::function<Result<void>(Context&)>& run) {
  catch_interrupts();
  Environment env = Environment::from_process();
  Output output(env);
  try {
    cxxopts::Options options("compozy " + std::string(info.name), std::string(info.summary));
    options.set_width(100);
    options.add_options()("h,help", "show this help");
    if (info.talks_to_server) {
      options.add_options()("host", "the server, e.g. https://cloud.compozy.com (also COMPOZY_HOST)",
                            cxxopts::value<std::string>(), "URL")(
          "profile", "the profile to use (also COMPOZY_PROFILE; default: default)", cxxopts::value<std::string>(),
          "NAME");
    }
    if (declare != nullptr) declare(options);

    cxxopts::ParseResult parsed;
    try {
      parsed = options.parse(argc, argv);
    } catch (const cxxopts::exceptions::exception& error) {
      report(output, info, Error{plain_message(error.what()), ExitCode::usage, {}});
      output.info("usage: compozy " + std::string(info.name) + " " + std::string(info.usage));
      return static_cast<int>(ExitCode::usage);
    }
    if (parsed.count("help") != 0) {
      output.data(manual_page(info, options));
      return 0;
    }
    if (!parsed.unmatched().empty()) {
      report(output, info, Error{"unexpected argument '" + parsed.unmatched().front() + "'", ExitCode::usage, {}});
      output.info("usage: compozy " + std::string(info.name) + " " + std::string(info.usage));
      return static_cast<int>(ExitCode::usage);
    }
    if (auto ok = parse(parsed); !ok) {
      const int code = report(output, info, ok.error());
      if (ok.error().code == ExitCode::usage) {
        output.info("usage: compozy " + std::string(info.name) + " " + std::string(info.usage));
      }
      return code;
    }

    auto folder = config_dir(env);
    if (!folder) return report(output, info, folder.error());
    auto config = load_config(*folder / "config.yaml");
    if (!config) return report(output, info, config.error());
    for (const auto& warning : config->warnings) output.warning(warning);
    Settings settings;
    if (info.talks_to_server) {
      SettingFlags flags;
      if (parsed.count("host") != 0) flags.host = parsed["host"].as<std::string>();
      if (parsed.count("profile") != 0) flags.profile = parsed["profile"].as<std::string>();
      auto resolved = resolve_settings(flags, env, *config);
      if (!resolved) return report(output, info, resolved.error());
      settings = std::move(*resolved);
    }

    Context context(env, output, std::move(*folder), std::move(*config), std::move(settings));
    if (auto ok = run(context); !ok) return report(output, info, ok.error());
    return 0;
  } catch (const std::exception& error) {
    return report(output, info, Error{std::string("internal error: ") + error.what(), ExitCode::failure, {}});
  }
}

}  // namespace detail
}  // namespace compozy
