// aidledger: the command-line adapter. It parses flags, turns them into event
// drafts (app/drafts.h) and calls the ledger library; no ledger rule lives
// here. Exit codes: 0 ok, 1 internal error, 2 usage, 3 rejected input,
// 4 integrity failure, 5 the ledger is held by another process.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "aidledger/v1/cli.pb.h"
#include "absl/strings/str_format.h"
#include "app/audit.h"
#include "app/drafts.h"
#include "app/export.h"
#include "app/import.h"
#include "app/queries.h"
#include "server/server.h"
#include "server/tokens.h"
#include "state/reports.h"
#include "state/vocabulary.h"
#include "app/output.h"
#include "base/errors.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

// The project's version, from CMakeLists.txt (project(... VERSION ...)).
constexpr const char* kVersion = "aidledger " AIDLEDGER_VERSION;

struct Globals {
  std::string db;
  std::string actor;
  std::string format = "table";
  uint64_t snapshot_every = 100'000;
  std::string snapshot_key;  // empty: DB.key beside the ledger directory
};

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
      std::cerr << "aidledger: rejected: " << app::TerminalText(message) << " ["
                << v1::RejectReason_Name(*reason) << "]\n";
      break;
    case kExitIntegrity:
      std::cerr << "aidledger: integrity failure: " << app::TerminalText(message) << "\n";
      break;
    case kExitUsage:
      std::cerr << "aidledger: " << app::TerminalText(message) << "\n";
      break;
    default:
      std::cerr << "aidledger: error: " << app::TerminalText(message) << "\n";
  }
  return code;
}

absl::Status CheckFormat(const Globals& globals, std::initializer_list<const char*> allowed) {
  for (const char* format : allowed) {
    if (globals.format == format) return absl::OkStatus();
  }
  std::string choices;
  for (const char* format : allowed) absl::StrAppend(&choices, choices.empty() ? "" : "|", format);
  return UsageError(absl::StrCat("--format ", globals.format, " is not available here (use ",
                                 choices, ")"));
}

enum class Access { kRead, kWrite };

// Opens the ledger at --db. Readers open without the write lock and without
// folding (they fold to the point they ask for); writers fold to the head.
absl::StatusOr<std::unique_ptr<Ledger>> OpenLedger(const Globals& globals, Access access) {
  if (!Ledger::Exists(globals.db)) {
    return UsageError(absl::StrCat("no ledger at ", globals.db,
                                   "; create one with `aidledger init --db ", globals.db, "`"));
  }
  LedgerOptions options;
  options.read_only = access == Access::kRead;
  options.fold_on_open = access == Access::kWrite;
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
        absl::StrCat("the ledger at ", globals.db, " is held by another process; try again when it is done"));
  }
  return ledger;
}

absl::Status RunInit(const Globals& globals) {
  absl::Status created = Ledger::Create(globals.db, globals.snapshot_key);
  if (created.code() == absl::StatusCode::kAlreadyExists) {
    std::cout << "a ledger already exists at " << globals.db << "; nothing changed\n";
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(created);
  std::cout << "initialized an empty ledger at " << globals.db << "\n";
  return absl::OkStatus();
}

absl::Status RunAppend(const Globals& globals, const std::string& type,
                       const app::FieldMap& fields) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(v1::Event draft, app::DraftFromFields(type, fields));
  draft.set_actor(globals.actor);
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  ASSIGN_OR_RETURN(AppendResult result, ledger->Append(std::move(draft)));
  if (globals.format == "json") {
    v1::AppendReceipt receipt;
    receipt.set_seq(result.sequence);
    receipt.set_event_id(result.event_id);
    receipt.set_hash(Hex(result.hash));
    receipt.set_duplicate(result.duplicate);
    std::cout << app::ToJson(receipt, true) << "\n";
  } else if (result.duplicate) {
    std::cout << "duplicate seq=" << result.sequence << " event_id=" << result.event_id
              << " hash=" << Hex(result.hash) << " (already in the ledger; nothing appended)\n";
  } else {
    std::cout << "appended seq=" << result.sequence << " event_id=" << result.event_id
              << " hash=" << Hex(result.hash) << "\n";
  }
  return absl::OkStatus();
}

struct LogFlags {
  uint64_t from = 1;
  uint64_t to = 0;  // 0: the head
};

absl::Status RunLog(const Globals& globals, const LogFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "jsonl"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  const uint64_t to = flags.to == 0 ? ledger->head().sequence : flags.to;
  std::unique_ptr<EventReader> reader = ledger->Read(flags.from, to);
  StoredEvent stored;
  const bool table = globals.format == "table";
  app::Table rows({"SEQ", "DATE", "TYPE", "DETAILS", "ACTOR", "HASH"}, {0});
  for (uint64_t count = 0; count < limits::kLogRowsDefaultMax || flags.to != 0; ++count) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) break;
    if (table) {
      rows.AddRow({absl::StrCat(stored.sequence), stored.event.effective_date(),
                   std::string(EventTypeWord(stored.event)), app::EventSummary(stored.event),
                   stored.event.actor(), Hex(stored.hash).substr(0, 12)});
    } else {
      std::cout << app::ExportLine(stored) << "\n";
    }
  }
  if (table) std::cout << rows.Render();
  return absl::OkStatus();
}

struct ImportFlags {
  std::string file;
  std::string input_format;
  size_t batch_size = 0;
  bool dry_run = false;
};

absl::Status RunImport(const Globals& globals, const ImportFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  app::ImportOptions options{.input_format = flags.input_format,
                             .batch_size = flags.batch_size,
                             .dry_run = flags.dry_run,
                             .actor = globals.actor};
  const bool terminal = isatty(STDERR_FILENO) == 1;
  if (terminal) {
    options.progress = [](size_t rows) { std::cerr << "\rimport: " << rows << " rows read" << std::flush; };
  }
  ASSIGN_OR_RETURN(app::ImportReport report, app::ImportFile(*ledger, flags.file, options));
  if (terminal) std::cerr << "\n";
  for (const std::string& error : report.errors) std::cerr << app::TerminalText(error) << "\n";
  if (report.rejected > report.errors.size()) {
    std::cerr << "... and " << report.rejected - report.errors.size() << " more rejected rows\n";
  }
  const double rate = report.seconds > 0 ? static_cast<double>(report.appended) / report.seconds : 0;
  if (globals.format == "json") {
    std::cout << absl::StrFormat(
        "{\"rows\":%d,\"appended\":%d,\"duplicates\":%d,\"rejected\":%d,"
        "\"batches_written\":%d,\"dry_run\":%s,\"seconds\":%.3f,\"events_per_second\":%.0f}\n",
        report.rows, report.appended, report.duplicates, report.rejected, report.batches_written,
        flags.dry_run ? "true" : "false", report.seconds, rate);
  } else {
    std::cout << absl::StrFormat(
        "import%s: rows=%d appended=%d duplicates=%d rejected=%d batches_written=%d "
        "seconds=%.3f events/s=%.0f\n",
        flags.dry_run ? " (dry run, nothing written)" : "", report.rows, report.appended,
        report.duplicates, report.rejected, report.batches_written, report.seconds, rate);
    if (report.appended == 0 && report.rejected == 0 && report.duplicates > 0) {
      std::cout << "every row is already in the ledger; nothing appended\n";
    }
  }
  if (report.rejected > 0) {
    return Rejected(v1::FIELD_INVALID, flags.file,
                    absl::StrCat(report.rejected, " rows rejected; ",
                                 report.batches_written, " batches (", report.appended,
                                 " events) were written before the first bad batch"));
  }
  return absl::OkStatus();
}

struct ReportFlags {
  std::string region;
  app::PointOptions point;
  std::string unit = "yuan";
};

absl::Status RunReport(const Globals& globals, ReportKind kind, const ReportFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json", "csv"}));
  ASSIGN_OR_RETURN(AmountUnit unit, app::ParseUnit(flags.unit));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  app::PointOptions options = flags.point;
  options.projections = ProjectionsRead(kind, flags.region);
  ASSIGN_OR_RETURN(app::FoldedPoint point, app::FoldAtPoint(*ledger, options, app::kPointFlags));
  const Books& books = point.folded.books;
  auto not_found_is_usage = [](absl::Status status) {
    return status.code() == absl::StatusCode::kNotFound ? UsageError(status.message()) : status;
  };
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> built =
      BuildReport(kind, books, flags.region, point.at);
  if (!built.ok()) return not_found_is_usage(built.status());
  const google::protobuf::Message& report = **built;
  std::string out;
  if (globals.format == "json") {
    out = app::ToJson(report, true) + "\n";
  } else if (kind == ReportKind::kBalances) {
    const auto& balances = static_cast<const v1::RegionBalancesReport&>(report);
    out = globals.format == "csv" ? app::RegionsCsv(balances) : app::RegionsTable(balances, unit);
  } else if (kind == ReportKind::kProjects) {
    const auto& projects = static_cast<const v1::ProjectTotalsReport&>(report);
    out = globals.format == "csv" ? app::ProjectsCsv(projects) : app::ProjectsTable(projects, unit);
  } else {
    const auto& helpers = static_cast<const v1::HelperTotalsReport&>(report);
    out = globals.format == "csv" ? app::HelpersCsv(helpers) : app::HelpersTable(helpers, unit);
  }
  std::cout << out;
  return absl::OkStatus();
}

absl::Status RunSnapshotCreate(const Globals& globals) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  RETURN_IF_ERROR(ledger->CreateSnapshot());
  std::cout << "snapshot stored at seq=" << ledger->head().sequence
            << " hash=" << Hex(ledger->head().hash) << "\n";
  return absl::OkStatus();
}

absl::Status RunSnapshotList(const Globals& globals) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snapshots, ledger->ListSnapshots());
  app::Table table({"PROJECTION", "SEQ", "VERSION", "BYTES", "CREATED", "CHAIN HASH", "STATUS"},
                   {1, 2, 3});
  for (const SnapshotInfo& info : snapshots) {
    table.AddRow({info.projection, absl::StrCat(info.sequence), absl::StrCat(info.version),
                  absl::StrCat(info.state_bytes),
                  absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", info.created_at, absl::UTCTimeZone()),
                  Hex(info.chain_hash).substr(0, 12),
                  info.problem.empty() ? "usable" : "not trusted: " + info.problem});
  }
  std::cout << table.Render();
  return absl::OkStatus();
}

struct AuditFlags {
  std::string digest_file;
  uint64_t seq = 0;
  std::string proof_file;
  std::string restore_file;
  app::ReplayOptions replay;
};

// A progress line on stderr, only when stderr is a terminal.
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

absl::Status RunVerify(const Globals& globals, const AuditFlags& flags) {
  VerifyOptions options;
  if (!flags.digest_file.empty()) {
    ASSIGN_OR_RETURN(options.digest, app::ReadDigestFile(flags.digest_file));
  }
  options.progress = TerminalProgress("verify");
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(VerifyReport report, ledger->Verify(options));
  for (const std::string& warning : report.warnings) {
    std::cerr << "aidledger: warning: " << app::TerminalText(warning) << "\n";
  }
  const double rate = report.seconds > 0 ? static_cast<double>(report.events) / report.seconds : 0;
  std::cout << absl::StrFormat(
      "verified %d events in %.3f s (%.0f events/s): hashes, chain, indexes, validation, "
      "RocksDB checksums; %d snapshot states equal the rebuild",
      report.events, report.seconds, rate, report.snapshots_checked);
  if (options.digest.has_value()) {
    std::cout << "; the log extends the digest at seq " << options.digest->sequence;
  }
  std::cout << "\n";
  return absl::OkStatus();
}

absl::Status RunDigest(const Globals& globals) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(v1::Digest digest, ledger->MakeDigest(ledger->head().sequence));
  std::cout << app::ToJson(digest, true) << "\n";
  return absl::OkStatus();
}

absl::Status RunProof(const Globals& globals, const AuditFlags& flags) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  uint64_t tree_size = ledger->head().sequence;
  std::optional<ExpectedDigest> digest;
  if (!flags.digest_file.empty()) {
    ASSIGN_OR_RETURN(digest, app::ReadDigestFile(flags.digest_file));
    tree_size = digest->sequence;
    if (tree_size > ledger->head().sequence) {
      return Corruption(absl::StrCat("the digest names event ", tree_size,
                                     " but the log ends at ", ledger->head().sequence));
    }
  }
  if (flags.seq == 0 || flags.seq > tree_size) {
    return UsageError(absl::StrCat("--seq must be in 1..", tree_size));
  }
  ASSIGN_OR_RETURN(v1::InclusionProof proof, ledger->Prove(flags.seq, tree_size));
  if (digest.has_value() && (proof.digest().merkle_root() != Hex(digest->merkle_root) ||
                             proof.digest().head_hash() != Hex(digest->head_hash))) {
    return Corruption("the log no longer extends the digest: its Merkle root differs");
  }
  std::cout << app::ToJson(proof, false) << "\n";
  return absl::OkStatus();
}

absl::Status RunVerifyProof(const AuditFlags& flags) {
  absl::StatusOr<std::string> held = app::VerifyProofFile(flags.proof_file);
  if (!held.ok()) {
    return held.status().code() == absl::StatusCode::kDataLoss
               ? Corruption(absl::StrCat("the proof does not hold: ", held.status().message()))
               : held.status();
  }
  std::cout << "the proof holds\n" << *held << "\n";
  return absl::OkStatus();
}

absl::Status RunReplay(const Globals& globals, AuditFlags flags) {
  if (globals.format != "table") flags.replay.format = globals.format;
  if (flags.replay.format != "jsonl" && flags.replay.format != "csv") {
    return UsageError("replay prints --format jsonl or csv");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  std::ios::sync_with_stdio(false);
  return app::Replay(*ledger, flags.replay, std::cout);
}

absl::Status RunRestore(const Globals& globals, const AuditFlags& flags) {
  ASSIGN_OR_RETURN(uint64_t events, app::Restore(flags.restore_file, globals.db, globals.snapshot_key));
  std::cout << "restored " << events << " events into " << globals.db << "\n";
  return absl::OkStatus();
}

struct ServeFlags {
  app::ServeOptions options;
  std::string role;
  std::string name;
};

absl::Status RunServe(const Globals& globals, ServeFlags flags) {
  flags.options.db = globals.db;
  flags.options.snapshot_every = globals.snapshot_every;
  flags.options.snapshot_key = globals.snapshot_key;
  flags.options.local_actor = globals.actor;
  const std::string scheme = flags.options.tls_cert.empty() ? "http" : "https";
  flags.options.on_listening = [&globals, scheme](const std::string& address,
                                                  const std::string& metrics_address) {
    std::cout << "aidledger serve: listening on " << scheme << "://" << address << " (ledger "
              << globals.db << "); SIGTERM or Ctrl-C stops it, SIGHUP reloads TLS files"
              << std::endl;
    if (!metrics_address.empty()) {
      std::cout << "aidledger serve: metrics without a token on " << scheme << "://" << metrics_address
                << "/metrics" << std::endl;
    }
  };
  return app::Serve(flags.options);
}

absl::Status RunTokenAdd(const ServeFlags& flags) {
  ASSIGN_OR_RETURN(app::Role role, app::ParseRole(flags.role));
  ASSIGN_OR_RETURN(std::string token, app::AddToken(flags.options.tokens_file, role, flags.name));
  std::cout << token << "\n";
  std::cerr << "aidledger: added a " << app::RoleName(role) << " token for " << flags.name
            << " to " << flags.options.tokens_file
            << "; it is shown only this once (the file keeps its SHA-256)\n";
  return absl::OkStatus();
}

// A sequence number or a count: a whole number from 1 to 2^64-1 (CLI11's
// own conversion would saturate larger numbers instead of refusing them).
const CLI::Validator kWholePositive(
    [](std::string& text) -> std::string {
      uint64_t value = 0;
      if (!absl::SimpleAtoi(text, &value) || value == 0) {
        return "must be a whole number from 1 to 18446744073709551615";
      }
      return "";
    },
    "N");

// An appending subcommand: its flags fill `fields` by name.
struct AppendCommand {
  CLI::App* command;
  std::string type;
  app::FieldMap fields;
};

class Cli {
 public:
  Cli() : app_("aidledger: an event-sourced ledger for assistance funding", "aidledger") {}

  int Main(int argc, char** argv);

 private:
  void DefineCommands();
  void DefineImport();
  void DefineReports();
  void DefineAudit();
  void DefineServe();
  AppendCommand& AddAppender(CLI::App* parent, const std::string& name,
                             const std::string& description, const std::string& type);
  void Flag(AppendCommand& command, const std::string& flag, const std::string& field,
            const std::string& description, bool required);
  // A flag for a field of a vocabulary (state/vocabulary.h), its words the choices.
  void Choice(AppendCommand& command, const std::string& flag, const Vocabulary& vocabulary,
              const std::string& description, bool required);

  CLI::App app_;
  Globals globals_;
  std::vector<std::unique_ptr<AppendCommand>> appenders_;
  CLI::App* init_ = nullptr;
  CLI::App* log_ = nullptr;
  LogFlags log_flags_;
  CLI::App* import_ = nullptr;
  ImportFlags import_flags_;
  struct ReportCommand {
    CLI::App* command;
    ReportKind kind;
  };
  std::vector<ReportCommand> reports_;
  ReportFlags report_flags_;
  AuditFlags audit_flags_;
  CLI::App* verify_ = nullptr;
  CLI::App* digest_ = nullptr;
  CLI::App* proof_ = nullptr;
  CLI::App* verify_proof_ = nullptr;
  CLI::App* replay_ = nullptr;
  CLI::App* restore_ = nullptr;
  CLI::App* snapshot_create_ = nullptr;
  CLI::App* serve_ = nullptr;
  CLI::App* token_add_ = nullptr;
  ServeFlags serve_flags_;
  CLI::App* snapshot_list_ = nullptr;
};

AppendCommand& Cli::AddAppender(CLI::App* parent, const std::string& name,
                                const std::string& description, const std::string& type) {
  auto command = std::make_unique<AppendCommand>();
  command->command = parent->add_subcommand(name, description);
  command->command->fallthrough();
  command->type = type;
  appenders_.push_back(std::move(command));
  AppendCommand& added = *appenders_.back();
  Flag(added, "--date", "effective_date", "effective (business) date YYYY-MM-DD; default today in China", false);
  Flag(added, "--event-id", "event_id", "idempotency key; generated when absent", false);
  Flag(added, "--memo", "memo", "free-text note", false);
  return added;
}

void Cli::Flag(AppendCommand& command, const std::string& flag, const std::string& field,
               const std::string& description, bool required) {
  CLI::Option* option = command.command->add_option_function<std::string>(
      flag, [&command, field](const std::string& value) { command.fields[field] = value; },
      description);
  if (required) option->required();
}

void Cli::Choice(AppendCommand& command, const std::string& flag, const Vocabulary& vocabulary,
                 const std::string& description, bool required) {
  const std::string field(vocabulary.field);
  CLI::Option* option = command.command->add_option_function<std::string>(
      flag, [&command, field](const std::string& value) { command.fields[field] = value; },
      description);
  option->check(CLI::IsMember(Words(vocabulary)));
  if (required) option->required();
}

void Cli::DefineCommands() {
  app_.set_version_flag("--version", kVersion);
  app_.require_subcommand(1);
  app_.fallthrough();
  globals_.db = EnvOr("AIDLEDGER_DB", "./ledger-data");
  globals_.actor = EnvOr("AIDLEDGER_ACTOR", LoginName());
  app_.add_option("--db", globals_.db, "ledger directory (default $AIDLEDGER_DB, else ./ledger-data)");
  app_.add_option("--actor", globals_.actor, "who records (default $AIDLEDGER_ACTOR, else the login name)");
  globals_.snapshot_key = EnvOr("AIDLEDGER_SNAPSHOT_KEY", "");
  app_.add_option("--snapshot-key", globals_.snapshot_key,
                  "the file of the key that authenticates snapshots (default $AIDLEDGER_SNAPSHOT_KEY, "
                  "else DB.key beside the ledger directory)");
  app_.add_option("--snapshot-every", globals_.snapshot_every,
                  "store projection snapshots every N events appended (0: never; default 100000)");
  app_.add_option("--format", globals_.format, "output format: table|json|jsonl|csv where it applies")
      ->check(CLI::IsMember({"table", "json", "jsonl", "csv"}));

  init_ = app_.add_subcommand("init", "create an empty ledger at --db");
  init_->fallthrough();

  CLI::App* region = app_.add_subcommand("region", "regions (administrative divisions)");
  region->require_subcommand(1);
  region->fallthrough();
  AppendCommand& region_add = AddAppender(region, "add", "register a region", "region");
  Flag(region_add, "--code", "code", "6-digit administrative division code", true);
  Flag(region_add, "--name", "name", "region name, e.g. 定西市", true);
  Flag(region_add, "--parent", "parent_code", "code of the region above it", false);

  AppendCommand& pair = AddAppender(&app_, "pair", "establish a pairing of helper and recipient", "pairing");
  Flag(pair, "--helper", "helper_code", "helper region code", true);
  Flag(pair, "--recipient", "recipient_code", "recipient region code", true);
  Choice(pair, "--program", kPrograms, JoinedWords(kPrograms, "|"), true);
  Flag(pair, "--since", "since", "date the pairing began, YYYY-MM-DD", false);

  CLI::App* project = app_.add_subcommand("project", "assistance projects");
  project->require_subcommand(1);
  project->fallthrough();
  AppendCommand& project_add = AddAppender(project, "add", "register a project", "project");
  Flag(project_add, "--project", "project_id", "project id", true);
  Flag(project_add, "--region", "region_code", "region code where the project is", true);
  Flag(project_add, "--name", "name", "project name", true);
  Choice(project_add, "--category", kCategories, JoinedWords(kCategories, "|"), true);
  Flag(project_add, "--budget", "budget", "budget AMOUNT (e.g. 1,234.56 or 500万)", false);

  AppendCommand& allocate = AddAppender(&app_, "allocate", "allocate funds from a helper to a recipient", "allocation");
  Flag(allocate, "--helper", "helper_code", "helper region code", true);
  Flag(allocate, "--recipient", "recipient_code", "recipient region code", true);
  Flag(allocate, "--project", "project_id", "project id (optional)", false);
  Flag(allocate, "--amount", "amount", "AMOUNT, e.g. 1,234.56, ¥1,234.56, 9238万, 9.12亿", true);
  Choice(allocate, "--source", kSources,
         absl::StrCat(JoinedWords(kSources, "|"), " (default ", WordFor(kSources, v1::FISCAL), ")"),
         false);
  Flag(allocate, "--fiscal-year", "fiscal_year", "YYYY (default: the effective date's year)", false);

  AppendCommand& disburse = AddAppender(&app_, "disburse", "disburse funds to a project", "disbursement");
  Flag(disburse, "--project", "project_id", "project id", true);
  Flag(disburse, "--amount", "amount", "AMOUNT", true);

  AppendCommand& invest = AddAppender(&app_, "invest", "record an enterprise investment", "investment");
  Flag(invest, "--enterprise", "enterprise", "enterprise name", true);
  Flag(invest, "--region", "region_code", "region code invested in", true);
  Flag(invest, "--helper", "helper_code", "helper region that brought it (optional)", false);
  Flag(invest, "--project", "project_id", "project id (optional)", false);
  Flag(invest, "--amount", "amount", "AMOUNT", true);

  AppendCommand& sale = AddAppender(&app_, "sale", "record a consumption-assistance sale", "sale");
  Flag(sale, "--region", "region_code", "region whose products were sold", true);
  Flag(sale, "--helper", "helper_code", "helper region that bought (optional)", false);
  Flag(sale, "--channel", "channel", "sales channel (optional)", false);
  Flag(sale, "--amount", "amount", "AMOUNT", true);

  AppendCommand& reverse = AddAppender(&app_, "reverse", "reverse a money event", "reversal");
  Flag(reverse, "--target", "reversed_event_id", "event_id of the event to reverse", true);
  Flag(reverse, "--reason", "reason", "why it is reversed", true);

  log_ = app_.add_subcommand("log", "print the events in order");
  log_->fallthrough();
  log_->add_option("--from", log_flags_.from, "first sequence (default 1)")->check(kWholePositive);
  log_->add_option("--to", log_flags_.to, "last sequence (default: the head)")->check(kWholePositive);
  DefineImport();
  DefineReports();
  DefineAudit();
  DefineServe();
}

void Cli::DefineServe() {
  serve_ = app_.add_subcommand("serve", "serve the ledger over HTTP/JSON (dashboards, appenders, auditors)");
  serve_->fallthrough();
  serve_->add_option("--listen", serve_flags_.options.listen, "HOST:PORT (default 127.0.0.1:8080; port 0: any free port)");
  serve_->add_option("--tokens", serve_flags_.options.tokens_file, "tokens file: lines ROLE NAME SHA256-HEX");
  serve_->add_flag("--insecure-local", serve_flags_.options.insecure_local,
                   "serve without tokens, on loopback only");
  serve_->add_option("--metrics-listen", serve_flags_.options.metrics_listen,
                     "HOST:PORT serving GET /metrics without a token (for a Prometheus on this host)");
  serve_->add_flag("--metrics-regions", serve_flags_.options.metrics_regions,
                   "include per-region money in the --metrics-listen metrics");
  serve_->add_option("--tls-cert", serve_flags_.options.tls_cert,
                     "serve HTTPS with this PEM certificate chain (reloaded on SIGHUP)");
  serve_->add_option("--tls-key", serve_flags_.options.tls_key,
                     "the PEM private key of --tls-cert (mode 0600 or stricter)");
  serve_->add_option("--tls-client-ca", serve_flags_.options.tls_client_ca,
                     "mutual TLS: clients need a certificate signed by this PEM CA; its CN may "
                     "stand for a token of that name");
  serve_->add_flag("--insecure-plain-http", serve_flags_.options.insecure_plain_http,
                   "allow plain HTTP on a non-loopback address (tokens travel in clear text)");
  CLI::App* token = app_.add_subcommand("token", "bearer tokens for serve");
  token->require_subcommand(1);
  token->fallthrough();
  token_add_ = token->add_subcommand("add", "make a random token, print it once, store its hash");
  token_add_->fallthrough();
  token_add_->add_option("--role", serve_flags_.role, "reader|auditor|appender")
      ->required()->check(CLI::IsMember({"reader", "auditor", "appender"}));
  token_add_->add_option("--name", serve_flags_.name, "who holds it (becomes the actor)")->required();
  token_add_->add_option("--tokens", serve_flags_.options.tokens_file, "the tokens file")->required();
}

void Cli::DefineAudit() {
  verify_ = app_.add_subcommand("verify", "check the whole log: hashes, chain, indexes, validation, snapshots");
  verify_->fallthrough();
  verify_->add_option("--digest", audit_flags_.digest_file, "also prove the log extends this digest (JSON file)");
  digest_ = app_.add_subcommand("digest", "print the head's digest (seq, head_hash, merkle_root, recorded_at)");
  digest_->fallthrough();
  proof_ = app_.add_subcommand("proof", "print an RFC 6962 inclusion proof of one event");
  proof_->fallthrough();
  proof_->add_option("--seq", audit_flags_.seq, "the event's sequence")->required()->check(kWholePositive);
  proof_->add_option("--digest", audit_flags_.digest_file, "prove inclusion in this digest (default: the head)");
  verify_proof_ = app_.add_subcommand("verify-proof", "check a proof offline, without a ledger (exit 0 or 4)");
  verify_proof_->fallthrough();
  verify_proof_->add_option("FILE", audit_flags_.proof_file, "the proof JSON")->required();
  replay_ = app_.add_subcommand("replay", "stream events in order with seq, hash and prev_hash");
  replay_->fallthrough();
  replay_->add_option("--from", audit_flags_.replay.from, "first sequence")->check(kWholePositive);
  replay_->add_option("--to", audit_flags_.replay.to, "last sequence")->check(kWholePositive);
  replay_->add_option("--region", audit_flags_.replay.region, "events naming this region or one below it");
  replay_->add_option("--type", audit_flags_.replay.type, "one event type")
      ->check(CLI::IsMember(Words(kEventTypes)));
  restore_ = app_.add_subcommand("restore", "rebuild a ledger at --db from a replay --format jsonl export");
  restore_->fallthrough();
  restore_->add_option("FILE", audit_flags_.restore_file, "the export")->required();
}

void Cli::DefineReports() {
  // The commands are the reports' names (kReportNames), in that order.
  const char* descriptions[] = {
      "per-region balances: own, and total with the regions below",
      "per-project budget, allocated, disbursed and invested",
      "per-helper allocated, invested and sales, by program"};
  static_assert(std::size(descriptions) == kReportNames.size());
  for (size_t i = 0; i < kReportNames.size(); ++i) {
    const auto& [kind, name] = kReportNames[i];
    CLI::App* command = app_.add_subcommand(std::string(name), descriptions[i]);
    command->fallthrough();
    if (kind != ReportKind::kHelpers) {
      command->add_option("--region", report_flags_.region, "this region and everything below it");
    }
    CLI::Option* at_seq = command->add_option_function<uint64_t>(
        "--at-seq", [this](uint64_t value) { report_flags_.point.at_seq = value; },
        "fold events 1..N");
    at_seq->check(kWholePositive);
    CLI::Option* known_at = command->add_option(
        "--known-at", report_flags_.point.known_at,
        "fold what the ledger knew at this RFC 3339 time");
    at_seq->excludes(known_at);
    command->add_option("--as-of", report_flags_.point.as_of,
                        "only events effective on or before this date (YYYY-MM-DD)");
    command->add_option("--unit", report_flags_.unit, "yuan|wan|yi for tables (default yuan)")
        ->check(CLI::IsMember({"yuan", "wan", "yi"}));
    reports_.push_back({command, kind});
  }
  CLI::App* snapshot = app_.add_subcommand("snapshot", "projection snapshots");
  snapshot->require_subcommand(1);
  snapshot->fallthrough();
  snapshot_create_ = snapshot->add_subcommand("create", "store every projection's state at the head");
  snapshot_create_->fallthrough();
  snapshot_list_ = snapshot->add_subcommand("list", "list stored snapshots and whether they are usable");
  snapshot_list_->fallthrough();
}

void Cli::DefineImport() {
  import_ = app_.add_subcommand("import", "append many events from a CSV or JSONL file");
  import_->fallthrough();
  import_->add_option("FILE", import_flags_.file, "the file (.csv or .jsonl)")->required();
  import_->add_option("--input-format", import_flags_.input_format, "csv|jsonl (default: by extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import_->add_option("--batch-size", import_flags_.batch_size,
                      "rows per atomic batch (default: the whole file)")
      ->check(CLI::Range(size_t{1}, limits::kBatchEventsMax));
  import_->add_flag("--dry-run", import_flags_.dry_run, "validate and report; write nothing");
}

int Cli::Main(int argc, char** argv) {
  DefineCommands();
  try {
    app_.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app_.exit(error);  // --help, --version
    std::string message = absl::StrReplaceAll(error.what(), {{"\n", " "}});
    std::cerr << "aidledger: " << app::TerminalText(message) << " (see aidledger --help)\n";
    return kExitUsage;
  }
  absl::Status status;
  if (init_->parsed()) {
    status = RunInit(globals_);
  } else if (log_->parsed()) {
    status = RunLog(globals_, log_flags_);
  } else if (import_->parsed()) {
    status = RunImport(globals_, import_flags_);
  } else if (verify_->parsed()) {
    status = RunVerify(globals_, audit_flags_);
  } else if (digest_->parsed()) {
    status = RunDigest(globals_);
  } else if (proof_->parsed()) {
    status = RunProof(globals_, audit_flags_);
  } else if (verify_proof_->parsed()) {
    status = RunVerifyProof(audit_flags_);
  } else if (replay_->parsed()) {
    status = RunReplay(globals_, audit_flags_);
  } else if (restore_->parsed()) {
    status = RunRestore(globals_, audit_flags_);
  } else if (serve_->parsed()) {
    status = RunServe(globals_, serve_flags_);
  } else if (token_add_->parsed()) {
    status = RunTokenAdd(serve_flags_);
  } else if (snapshot_create_->parsed()) {
    status = RunSnapshotCreate(globals_);
  } else if (snapshot_list_->parsed()) {
    status = RunSnapshotList(globals_);
  } else {
    for (const ReportCommand& report : reports_) {
      if (report.command->parsed()) status = RunReport(globals_, report.kind, report_flags_);
    }
    for (const auto& appender : appenders_) {
      if (appender->command->parsed()) {
        status = RunAppend(globals_, appender->type, appender->fields);
        break;
      }
    }
  }
  return status.ok() ? kExitOk : Report(status);
}

}  // namespace
}  // namespace aidledger

int main(int argc, char** argv) {
  aidledger::Cli cli;
  return cli.Main(argc, argv);
}
