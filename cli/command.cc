#include "cli/command.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "app/output.h"
#include "app/queries.h"
#include "base/errors.h"
#include "base/messages.h"
#include "server/server.h"

namespace aidledger::cli {

void Commands::Add(CLI::App* command, std::function<absl::Status()> run) {
  commands_.emplace_back(command, std::move(run));
}

absl::Status Commands::RunParsed() const {
  // The deepest command parsed: `pair end` is parsed with `pair`.
  for (const auto& [command, run] : commands_) {
    if (command->parsed() && command->get_subcommands().empty()) return run();
  }
  return absl::OkStatus();
}

absl::Status CheckDbTransport(const Globals& globals, const std::string& db) {
  if (globals.insecure_plain_db) return absl::OkStatus();
  const char* env_sslmode = std::getenv("PGSSLMODE");
  return Ledger::CheckEncryptedTransport(db, env_sslmode == nullptr ? "" : env_sslmode);
}

absl::StatusOr<std::unique_ptr<Ledger>> OpenLedger(const Globals& globals, Access access) {
  if (!Ledger::IsPostgres(globals.db) && !Ledger::Exists(globals.db)) {
    return UsageError(absl::Substitute(Tr("no ledger at $0; create one with `aidledger init --db $0`"),
                                       globals.db));
  }
  LedgerOptions options;
  options.read_only = access == Access::kRead;
  options.fold_on_open = access == Access::kWrite;
  options.catch_up_on_conflict = access == Access::kWrite;
  options.snapshot_every = globals.snapshot_every;
  options.snapshot_key_path = globals.snapshot_key;
  options.warn = [](absl::string_view message) {
    std::cerr << "aidledger: warning: " << app::TerminalText(message) << "\n";
  };
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(globals.db, options);
  std::error_code error;
  if (ledger.status().code() == absl::StatusCode::kUnavailable &&
      std::filesystem::exists(app::ServerMarkerPath(globals.db), error)) {
    std::ifstream marker(app::ServerMarkerPath(globals.db));
    std::string pid_line, listen_line;
    std::getline(marker, pid_line);
    std::getline(marker, listen_line);
    return absl::UnavailableError(absl::StrCat(
        "the ledger at ", globals.db, " is held by `aidledger serve` (", pid_line, ", ",
        listen_line, "); append through it: POST /v1/events"));
  }
  if (ledger.status().code() == absl::StatusCode::kUnavailable) {
    return absl::UnavailableError(
        absl::Substitute(Tr("the ledger at $0 is held by another process; try again when it is done"),
                         globals.db));
  }
  return ledger;
}

absl::Status CheckFormat(const Globals& globals, std::initializer_list<const char*> allowed) {
  for (const char* format : allowed) {
    if (globals.format == format) return absl::OkStatus();
  }
  std::string choices;
  for (const char* format : allowed) absl::StrAppend(&choices, choices.empty() ? "" : "|", format);
  return UsageError(absl::Substitute(Tr("--format $0 is not available here (use $1)"), globals.format,
                                     choices));
}

const CLI::Validator kWholePositive(
    [](std::string& text) -> std::string {
      uint64_t value = 0;
      if (!absl::SimpleAtoi(text, &value) || value == 0) {
        return "must be a whole number from 1 to 18446744073709551615";
      }
      return "";
    },
    "N");

std::function<void(uint64_t, uint64_t)> TerminalProgress(const char* what) {
  if (isatty(STDERR_FILENO) != 1) return nullptr;
  return [what](uint64_t done, uint64_t total) {
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    const int filled = percent / 5;
    std::cerr << "\r" << what << " [" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(20 - filled), ' ') << "] " << done << "/"
              << total << std::flush;
    if (done == total) std::cerr << "\n";
  };
}

}  // namespace aidledger::cli
