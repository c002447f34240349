// aidledger: the command-line adapter. It parses flags, turns them into calls
// of the app layer and prints the results; no ledger rule lives here. The
// commands are defined by group (cli/*_commands.cc). Exit codes
// (app/status_codes.h): 0 ok, 1 internal error, 2 usage, 3 rejected input,
// 4 integrity failure, 5 the ledger is held by another process.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "app/output.h"
#include "app/status_codes.h"
#include "base/errors.h"
#include "base/large_buffers.h"
#include "base/messages.h"
#include "cli/command.h"

namespace aidledger::cli {
namespace {

// The project's version, from CMakeLists.txt (project(... VERSION ...)).
constexpr const char* kVersion = "aidledger " AIDLEDGER_VERSION;

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return (value != nullptr && *value != '\0') ? std::string(value) : fallback;
}

std::string LoginName() {
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr && entry->pw_name != nullptr) {
    return entry->pw_name;
  }
  return "unknown";
}

// Help in the language chosen (base/messages.h): every description is looked
// up in the catalog when the help is written, so the commands are defined
// once, in English. A description Require() marked " (required)" is looked
// up without the mark, then the mark itself.
class TranslatedFormatter : public CLI::Formatter {
 public:
  TranslatedFormatter() {
    for (const char* key : {"Usage", "OPTIONS", "SUBCOMMAND", "SUBCOMMANDS", "REQUIRED"}) {
      label(key, std::string(Tr(key)));
    }
  }
  std::string make_option_desc(const CLI::Option* option) const override {
    return Described(option->get_description());
  }
  std::string make_subcommand(const CLI::App* command) const override {
    std::stringstream out;
    CLI::detail::format_help(out, command->get_display_name(true),
                             Described(command->get_description()), column_width_);
    return out.str();
  }
  std::string make_description(const CLI::App* app) const override {
    std::string text = CLI::Formatter::make_description(app);
    const std::string& english = app->get_description();
    if (!english.empty() && absl::StartsWith(text, english)) {
      text.replace(0, english.size(), Described(english));
    }
    return text;
  }
  std::string make_group(std::string group, bool is_positional,
                         std::vector<const CLI::Option*> options) const override {
    return CLI::Formatter::make_group(std::string(Tr(group)), is_positional, std::move(options));
  }
  std::string make_subcommands(const CLI::App* app, CLI::AppFormatMode mode) const override {
    return absl::StrReplaceAll(CLI::Formatter::make_subcommands(app, mode),
                               {{"\nSubcommands:\n", absl::StrCat("\n", Tr("Subcommands"), ":\n")}});
  }

 private:
  static std::string Described(const std::string& english) {
    constexpr absl::string_view kRequired = " (required)";
    absl::string_view text = english;
    if (absl::ConsumeSuffix(&text, kRequired)) return absl::StrCat(Tr(text), Tr(kRequired));
    return std::string(Tr(text));
  }
};

// The language asked for by --lang in `argv` (read before the commands are
// parsed, so that the help is in it too), else by the locale.
Language LanguageAsked(int argc, char** argv, Language from_locale) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--lang" && i + 1 < argc) return LanguageNamed(argv[i + 1]).value_or(from_locale);
    if (absl::ConsumePrefix(&arg, "--lang=")) return LanguageNamed(arg).value_or(from_locale);
  }
  return from_locale;
}

// Prints `status` as one line on stderr and returns its exit code.
int Report(const absl::Status& status) {
  std::string message = absl::StrReplaceAll(status.message(), {{"\n", " "}, {"\r", " "}});
  const ExitCode code = ExitCodeFor(status);
  std::optional<v1::RejectReason> reason = RejectReasonOf(status);
  switch (code) {
    case kExitRejected:
      std::cerr << "aidledger: " << Tr("rejected: ") << app::TerminalText(message) << " ["
                << v1::RejectReason_Name(*reason) << "]\n";
      break;
    case kExitIntegrity:
      std::cerr << "aidledger: " << Tr("integrity failure: ") << app::TerminalText(message) << "\n";
      break;
    case kExitUsage:
      std::cerr << "aidledger: " << app::TerminalText(message) << "\n";
      break;
    default:
      std::cerr << "aidledger: " << Tr("error: ") << app::TerminalText(message) << "\n";
  }
  return code;
}

void DefineGlobals(CLI::App& app, Globals& globals) {
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  globals.db = EnvOr("AIDLEDGER_DB", "./ledger-data");
  globals.actor = EnvOr("AIDLEDGER_ACTOR", LoginName());
  app.add_option("--db", globals.db, "ledger directory (default $AIDLEDGER_DB, else ./ledger-data)");
  app.add_option("--actor", globals.actor, "who records (default $AIDLEDGER_ACTOR, else the login name)");
  globals.snapshot_key = EnvOr("AIDLEDGER_SNAPSHOT_KEY", "");
  app.add_option("--snapshot-key", globals.snapshot_key,
                  "the file of the key that authenticates snapshots (default $AIDLEDGER_SNAPSHOT_KEY, "
                  "else DB.key beside the ledger directory)");
  app.add_option("--snapshot-every", globals.snapshot_every,
                  "store projection snapshots every N events appended (0: never; default 100000)");
  app.add_option("--format", globals.format, "output format: table|text|json|jsonl|csv|html|xlsx where it applies")
      ->check(CLI::IsMember({"table", "text", "json", "jsonl", "csv", "html", "xlsx"}));
  app.add_flag("--insecure-plain-db", globals.insecure_plain_db,
               "allow a PostgreSQL --db on another machine without TLS (sslmode require or "
               "stronger): the ledger and its password would cross the network in clear text");
  app.add_option("--lang", globals.lang,
                 "the language of tables, summaries and errors: zh|en (default: Chinese when "
                 "LC_ALL, LC_MESSAGES or LANG starts with zh, else English)")
      ->check(CLI::IsMember({"zh", "en"}));
  app.add_flag("--utc", globals.utc,
               "tables show times in UTC (default: China Standard Time, +08:00)");
}

int Main(int argc, char** argv) {
  // The language first: the help's formatter is inherited by every command
  // as it is defined.
  const Language from_locale =
      LanguageFromLocale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
  SetLanguage(LanguageAsked(argc, argv, from_locale));
  CLI::App app("aidledger: an event-sourced ledger for assistance funding", "aidledger");
  app.formatter(std::make_shared<TranslatedFormatter>());
  Globals globals;
  Commands commands;
  DefineGlobals(app, globals);
  DefineAppendCommands(app, globals, commands);
  DefineLogCommand(app, globals, commands);
  DefineImportCommand(app, globals, commands);
  DefineReportCommands(app, globals, commands);
  DefineAuditCommands(app, globals, commands);
  DefineEvidenceCommands(app, globals, commands);
  DefineCloseCommands(app, globals, commands);
  DefineServeCommands(app, globals, commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help, --version
    // --lang counts when it was read before the error; CLI11's own words
    // stay English inside the sentence.
    SetLanguage(LanguageNamed(globals.lang).value_or(from_locale));
    std::string message = absl::StrReplaceAll(error.what(), {{"\n", " "}});
    std::cerr << "aidledger: "
              << absl::Substitute(Tr("$0 (see aidledger --help)"),
                                  app::TerminalText(message))
              << "\n";
    return kExitUsage;
  }
  SetLanguage(LanguageNamed(globals.lang).value_or(from_locale));
  // A trace or the alerts gather every money event of the log into vectors
  // of hundreds of megabytes: base/large_buffers.h.
  if (app.got_subcommand("serve")) {
    KeepFreedMemoryForServing();
  } else {
    KeepFreedMemoryForOneShot();
  }
  // Every command that reaches the ledger: all but these two.
  const bool uses_db = !app.got_subcommand("verify-proof") && !app.got_subcommand("token");
  absl::Status status = uses_db ? CheckDbTransport(globals, globals.db) : absl::OkStatus();
  if (status.ok()) status = commands.RunParsed();
  return status.ok() ? kExitOk : Report(status);
}

}  // namespace
}  // namespace aidledger::cli

int main(int argc, char** argv) { return aidledger::cli::Main(argc, argv); }
