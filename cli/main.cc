// aidledger: the command-line adapter. It parses flags, turns them into calls
// of the app layer and prints the results; no ledger rule lives here. The
// commands are defined by group (cli/*_commands.cc). Exit codes
// (app/status_codes.h): 0 ok, 1 internal error, 2 usage, 3 rejected input,
// 4 integrity failure, 5 the ledger is held by another process.
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_replace.h"
#include "absl/strings/substitute.h"
#include "app/output.h"
#include "app/status_codes.h"
#include "base/errors.h"
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
  app.add_option("--format", globals.format, "output format: table|json|jsonl|csv where it applies")
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));
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
  CLI::App app("aidledger: an event-sourced ledger for assistance funding", "aidledger");
  Globals globals;
  Commands commands;
  DefineGlobals(app, globals);
  DefineAppendCommands(app, globals, commands);
  DefineLogCommand(app, globals, commands);
  DefineImportCommand(app, globals, commands);
  DefineReportCommands(app, globals, commands);
  DefineAuditCommands(app, globals, commands);
  DefineServeCommands(app, globals, commands);
  const Language from_locale =
      LanguageFromLocale(std::getenv("LC_ALL"), std::getenv("LC_MESSAGES"), std::getenv("LANG"));
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
  // Every command that reaches the ledger: all but these two.
  const bool uses_db = !app.got_subcommand("verify-proof") && !app.got_subcommand("token");
  absl::Status status = uses_db ? CheckDbTransport(globals, globals.db) : absl::OkStatus();
  if (status.ok()) status = commands.RunParsed();
  return status.ok() ? kExitOk : Report(status);
}

}  // namespace
}  // namespace aidledger::cli

int main(int argc, char** argv) { return aidledger::cli::Main(argc, argv); }
