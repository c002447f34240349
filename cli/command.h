// What the command groups share: the global flags, the registry the parsed
// command is run from, opening the ledger at --db, and checks of flags.
//
// Each command group (cli/*_commands.cc) defines its subcommands on the
// CLI11 app and registers what each runs; main parses and runs the one
// parsed. A command turns flags into calls of the app layer and prints the
// result; no ledger rule lives here.
#ifndef AIDLEDGER_CLI_COMMAND_H_
#define AIDLEDGER_CLI_COMMAND_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "ledger/ledger.h"

namespace aidledger::cli {

// The flags every command takes.
struct Globals {
  std::string db;
  std::string actor;
  std::string format = "table";
  uint64_t snapshot_every = 100'000;
  std::string snapshot_key;  // empty: DB.key beside the ledger directory
  // Allows a PostgreSQL --db across a network without TLS.
  bool insecure_plain_db = false;
  // Tables show times in UTC instead of China Standard Time.
  bool utc = false;
  // --lang: "zh" or "en"; empty: as the locale says (LanguageFromLocale).
  std::string lang;
};

// For a PostgreSQL `db`: refuses one that would carry the ledger across a
// network in clear text, unless globals.insecure_plain_db
// (CheckEncryptedTransport). Nothing to check for a directory.
absl::Status CheckDbTransport(const Globals& globals, const std::string& db);

class Commands {
 public:
  // `run` is what `command` does when it is the one parsed.
  void Add(CLI::App* command, std::function<absl::Status()> run);
  // A value that lives as long as the commands: a command's flags.
  template <typename T>
  T* Keep() {
    auto owned = std::make_shared<T>();
    T* kept = owned.get();
    kept_.push_back(std::move(owned));
    return kept;
  }
  // Runs the parsed command (OK when none was).
  absl::Status RunParsed() const;

 private:
  std::vector<std::pair<CLI::App*, std::function<absl::Status()>>> commands_;
  std::vector<std::shared_ptr<void>> kept_;
};

enum class Access { kRead, kWrite };

// Opens the ledger at --db. Readers open without the write lock and without
// folding (they fold to the point they ask for); writers fold to the head.
absl::StatusOr<std::unique_ptr<Ledger>> OpenLedger(const Globals& globals, Access access);

// A usage error unless --format is one of `allowed`.
absl::Status CheckFormat(const Globals& globals, std::initializer_list<const char*> allowed);

// A sequence number or a count: a whole number from 1 to 2^64-1 (CLI11's
// own conversion would saturate larger numbers instead of refusing them).
extern const CLI::Validator kWholePositive;

// A progress line on stderr, only when stderr is a terminal (else null).
std::function<void(uint64_t, uint64_t)> TerminalProgress(const char* what);

// The command groups, each adding its subcommands to `app`; main calls them
// in the order --help lists the commands.
// init, region add, pair, project add, allocate, disburse, invest, sale, reverse:
void DefineAppendCommands(CLI::App& app, const Globals& globals, Commands& commands);
// import:
void DefineImportCommand(CLI::App& app, const Globals& globals, Commands& commands);
// log:
void DefineLogCommand(CLI::App& app, const Globals& globals, Commands& commands);
// balances, projects, helpers, snapshot create, snapshot list:
void DefineReportCommands(CLI::App& app, const Globals& globals, Commands& commands);
// verify, digest, proof, verify-proof, replay, restore:
void DefineAuditCommands(CLI::App& app, const Globals& globals, Commands& commands);
// close, sign, verify-close:
void DefineCloseCommands(CLI::App& app, const Globals& globals, Commands& commands);
// evidence add, evidence get:
void DefineEvidenceCommands(CLI::App& app, const Globals& globals, Commands& commands);
// serve, token add:
void DefineServeCommands(CLI::App& app, const Globals& globals, Commands& commands);

}  // namespace aidledger::cli

#endif  // AIDLEDGER_CLI_COMMAND_H_
