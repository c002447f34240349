// The commands that append: init, one per event type, and import.
#include <unistd.h>

#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "aidledger/v1/cli.pb.h"
#include "app/drafts.h"
#include "app/evidence.h"
#include "app/import.h"
#include "app/output.h"
#include "app/possible_duplicate.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "cli/command.h"
#include "server/http/json_text.h"
#include "state/vocabulary.h"

namespace aidledger::cli {
namespace {

// The policy init sets (issue 25), appended as the ledger's first event.
absl::Status SetPolicy(const Globals& globals, const std::string& payee_required_from) {
  v1::Event draft;
  draft.set_actor(globals.actor);
  draft.mutable_policy_set()->set_payee_required_from(NormalizeDate(payee_required_from));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  ASSIGN_OR_RETURN(AppendResult result, ledger->Append(std::move(draft)));
  std::cout << absl::Substitute(Tr("a disbursement names its payee from $0 on (seq=$1)"),
                                payee_required_from, result.sequence)
            << "\n";
  return absl::OkStatus();
}

absl::Status RunInit(const Globals& globals, bool if_missing,
                     const std::string& payee_required_from) {
  if (!payee_required_from.empty()) {
    // Checked before anything is created, so that a bad date leaves no ledger.
    RETURN_IF_ERROR(CheckDate(NormalizeDate(payee_required_from), "payee_required_from"));
  }
  const bool on_postgres = Ledger::IsPostgres(globals.db);
  absl::Status created = Ledger::Create(globals.db, globals.snapshot_key);
  if (created.code() == absl::StatusCode::kAlreadyExists && !payee_required_from.empty()) {
    return UsageError(absl::Substitute(Tr("$0 already exists: --payee-required-from is set when "
                                          "a ledger is created"),
                                       Ledger::DisplayName(globals.db)));
  }
  if (created.code() == absl::StatusCode::kAlreadyExists) {
    // A RocksDB directory has always been left as it is; on a shared
    // database a second init is more likely a mistake, so it must be asked for.
    if (!on_postgres) {
      std::cout << absl::Substitute(Tr("a ledger already exists at $0; nothing changed"), globals.db)
                << "\n";
      return absl::OkStatus();
    }
    if (!if_missing) return UsageError(created.message());
    std::cout << absl::Substitute(Tr("$0 already exists; nothing changed"),
                                  Ledger::DisplayName(globals.db))
              << "\n";
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(created);
  std::cout << (on_postgres ? absl::Substitute(Tr("initialized an empty $0"),
                                                Ledger::DisplayName(globals.db))
                            : absl::Substitute(Tr("initialized an empty ledger at $0"), globals.db))
            << "\n";
  if (payee_required_from.empty()) return absl::OkStatus();
  return SetPolicy(globals, payee_required_from);
}

// A reversal's `--target seq:N` names the event at sequence N: the draft
// gets that event's event_id. An event whose own event_id is "seq:N" and
// is another event makes the target ambiguous: refused.
absl::Status ResolveSequenceTarget(const Ledger& ledger, v1::Event* draft) {
  if (!draft->has_event_reversed()) return absl::OkStatus();
  std::string& target = *draft->mutable_event_reversed()->mutable_reversed_event_id();
  uint64_t sequence = 0;
  if (!absl::StartsWith(target, "seq:") || !absl::SimpleAtoi(target.substr(4), &sequence)) {
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::optional<StoredEvent> at, ledger.ReadEvent(sequence));
  if (!at.has_value() || sequence == 0) {
    return Rejected(v1::TARGET_NOT_FOUND, "reversed_event_id",
                    absl::Substitute(Tr("$0: there is no event at seq $1 (the head is $2)"), target,
                                     sequence, ledger.head().sequence));
  }
  ASSIGN_OR_RETURN(std::optional<StoredEvent> named, ledger.FindByEventId(target));
  if (named.has_value() && named->sequence != sequence) {
    return Rejected(v1::FIELD_INVALID, "reversed_event_id",
                    absl::Substitute(Tr("$0 is both the event at seq $1 and the event_id of seq "
                                        "$2; give the event_id of the one to reverse"),
                                     target, sequence, named->sequence));
  }
  target = at->event.event_id();
  return absl::OkStatus();
}

absl::Status RunAppend(const Globals& globals, const std::string& type,
                       const app::FieldMap& fields, const std::vector<std::string>& evidence_files,
                       bool allow_duplicate) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(v1::Event draft, app::DraftFromFields(type, fields));
  draft.set_actor(globals.actor);
  if (evidence_files.size() > static_cast<size_t>(limits::kEvidencePerEventMax)) {
    return Rejected(v1::FIELD_INVALID, "evidence",
                    absl::Substitute(Tr("names $0 files, more than $1"), evidence_files.size(),
                                     limits::kEvidencePerEventMax));
  }
  for (const std::string& text : evidence_files) {
    const app::EvidenceFileArg arg = app::ParseEvidenceFileArg(text);
    ASSIGN_OR_RETURN(*draft.add_evidence(), app::DescribeEvidenceFile(arg.path, arg.kind));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  RETURN_IF_ERROR(ResolveSequenceTarget(*ledger, &draft));
  if (!allow_duplicate) {
    RETURN_IF_ERROR(app::CheckNotPossibleDuplicate(
        *ledger, {&draft, 1},
        Tr("if this is a second one, give it --event-id or --allow-duplicate")));
  }
  ASSIGN_OR_RETURN(AppendResult result, ledger->Append(std::move(draft)));
  if (globals.format == "json") {
    std::cout << app::ReceiptJson(result) << "\n";
  } else if (result.duplicate) {
    std::cout << absl::Substitute(
                     Tr("duplicate seq=$0 event_id=$1 hash=$2 (already in the ledger; nothing "
                        "appended)"),
                     result.sequence, result.event_id, Hex(result.hash))
              << "\n";
  } else {
    std::cout << absl::Substitute(Tr("appended seq=$0 event_id=$1 hash=$2"), result.sequence,
                                  result.event_id, Hex(result.hash))
              << "\n";
  }
  return absl::OkStatus();
}

// An appending subcommand: its flags fill `fields` by name.
struct AppendCommand {
  CLI::App* command;
  std::string type;
  app::FieldMap fields;
  std::vector<std::string> evidence_files;  // --evidence [KIND:]FILE
  bool allow_duplicate = false;
  // A command with subcommands of its own (pair, with pair end) checks its
  // required flags when it runs: CLI11 would demand them of the
  // subcommands too. Each as (flag, field).
  bool has_subcommands = false;
  std::vector<std::pair<std::string, std::string>> required_when_run;
};

// Marks `option` (of `field`) required, as `command` requires its flags.
void Require(AppendCommand& command, CLI::Option* option, const std::string& field) {
  if (!command.has_subcommands) {
    option->required();
    return;
  }
  command.required_when_run.emplace_back(option->get_name(), field);
  option->description(absl::StrCat(option->get_description(), " (required)"));
}

// A usage error for the first required flag not given.
absl::Status CheckRequiredFlags(const AppendCommand& command) {
  for (const auto& [flag, field] : command.required_when_run) {
    if (!command.fields.contains(field)) return UsageError(absl::Substitute(Tr("$0 is required"), flag));
  }
  return absl::OkStatus();
}

void Flag(AppendCommand& command, const std::string& flag, const std::string& field,
          const std::string& description, bool required) {
  CLI::Option* option = command.command->add_option_function<std::string>(
      flag, [&command, field](const std::string& value) { command.fields[field] = value; },
      description);
  if (required) Require(command, option, field);
}

// A flag for a field of a vocabulary (state/vocabulary.h), its words the choices.
void Choice(AppendCommand& command, const std::string& flag, const Vocabulary& vocabulary,
            const std::string& description, bool required) {
  const std::string field(vocabulary.field);
  CLI::Option* option = command.command->add_option_function<std::string>(
      flag, [&command, field](const std::string& value) { command.fields[field] = value; },
      description);
  option->check(CLI::IsMember(Words(vocabulary)));
  if (required) Require(command, option, field);
}

// The flags of an event that changes figures: it may adjust a closed year.
// `own_reason`: the command's --reason serves the adjustment too (reverse).
void AdjustmentFlags(AppendCommand& command, bool own_reason) {
  Flag(command, "--adjusts-closed", "adjusts_closed",
       "YYYY: the event is an adjustment of this closed year (以前年度调整), with --reason", false);
  if (!own_reason) {
    Flag(command, "--reason", "adjustment_reason", "why the closed year is adjusted", false);
  }
}

// Adds appending subcommands, each with the flags every event takes.
class Appenders {
 public:
  Appenders(const Globals& globals, Commands& commands) : globals_(globals), commands_(commands) {}

  AppendCommand& Add(CLI::App* parent, const std::string& name, const std::string& description,
                     v1::Event::PayloadCase payload, bool has_subcommands = false) {
    AppendCommand& added = *commands_.Keep<AppendCommand>();
    added.has_subcommands = has_subcommands;
    added.command = parent->add_subcommand(name, description);
    added.command->fallthrough();
    added.type = std::string(WordFor(kEventTypes, payload));
    Flag(added, "--date", "effective_date", "effective (business) date YYYY-MM-DD; default today in China", false);
    Flag(added, "--event-id", "event_id", "idempotency key; generated when absent", false);
    Flag(added, "--memo", "memo", "free-text note", false);
    added.command->add_option(
        "--evidence", added.evidence_files,
        "[KIND:]FILE: bind the file's SHA-256 and size to the event (KIND approval|contract|"
        "invoice|acceptance|payment_voucher|photo|other, default other); may be repeated; "
        "`evidence add --store` keeps the file itself");
    added.command->add_flag("--allow-duplicate", added.allow_duplicate,
                            "post it even when the same money event, without --event-id, was "
                            "recorded in the last 24 hours (else refused: POSSIBLE_DUPLICATE)");
    const Globals& globals = globals_;
    commands_.Add(added.command, [&globals, &added] {
      RETURN_IF_ERROR(CheckRequiredFlags(added));
      return RunAppend(globals, added.type, added.fields, added.evidence_files,
                       added.allow_duplicate);
    });
    return added;
  }

 private:
  const Globals& globals_;
  Commands& commands_;
};

std::string JsonQuoted(absl::string_view text) {
  std::string quoted;
  http::AppendJsonString(text, &quoted);
  return quoted;
}

struct ImportFlags {
  std::string file;
  std::string input_format;
  size_t batch_size = 0;
  bool dry_run = false;
  std::vector<std::string> ignore_columns;
  std::string encoding;
  std::string sheet;
};

absl::Status RunImport(const Globals& globals, const ImportFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  app::ImportOptions options{.input_format = flags.input_format,
                             .batch_size = flags.batch_size,
                             .dry_run = flags.dry_run,
                             .actor = globals.actor,
                             .ignore_columns = flags.ignore_columns,
                             .encoding = flags.encoding,
                             .sheet = flags.sheet};
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
  // What was read: a text file's encoding, or a workbook's sheet.
  const std::string source_key = report.sheet.empty() ? "encoding" : "sheet";
  const std::string source_value = report.sheet.empty() ? report.encoding : report.sheet;
  if (globals.format == "json") {
    std::cout << absl::StrFormat(
        "{\"rows\":%d,\"appended\":%d,\"duplicates\":%d,\"rejected\":%d,"
        "\"batches_written\":%d,\"dry_run\":%s,\"seconds\":%.3f,\"events_per_second\":%.0f,"
        "\"%s\":%s}\n",
        report.rows, report.appended, report.duplicates, report.rejected, report.batches_written,
        flags.dry_run ? "true" : "false", report.seconds, rate, source_key,
        JsonQuoted(source_value));
  } else {
    // The words are the catalog's; the figures and the keys of the
    // English line are what scripts read (or --format json).
    std::cout << absl::Substitute(
                     flags.dry_run ? Tr("import (dry run, nothing written): rows=$0 appended=$1 "
                                        "duplicates=$2 rejected=$3 batches_written=$4 "
                                        "seconds=$5 events/s=$6 $7=$8")
                                   : Tr("import: rows=$0 appended=$1 duplicates=$2 rejected=$3 "
                                        "batches_written=$4 seconds=$5 events/s=$6 $7=$8"),
                     report.rows, report.appended, report.duplicates, report.rejected,
                     report.batches_written, absl::StrFormat("%.3f", report.seconds),
                     absl::StrFormat("%.0f", rate), report.sheet.empty() ? Tr("encoding") : Tr("sheet"),
                     app::TerminalText(source_value))
              << "\n";
    if (report.appended == 0 && report.rejected == 0 && report.duplicates > 0) {
      std::cout << Tr("every row is already in the ledger; nothing appended") << "\n";
    }
  }
  if (report.rejected > 0) {
    return Rejected(v1::FIELD_INVALID, flags.file,
                    absl::Substitute(Tr("$0 rows rejected; $1 batches ($2 events) were "
                                        "written before the first bad batch"),
                                     report.rejected, report.batches_written, report.appended));
  }
  return absl::OkStatus();
}

}  // namespace

void DefineAppendCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  CLI::App* init = app.add_subcommand("init", "create an empty ledger at --db");
  init->fallthrough();
  bool* if_missing = commands.Keep<bool>();
  init->add_flag("--if-missing", *if_missing,
                 "on PostgreSQL: succeed when the ledger exists (and migrate the schema)");
  std::string* payee_required_from = commands.Keep<std::string>();
  init->add_option("--payee-required-from", *payee_required_from,
                   "YYYY-MM-DD: from this effective date on a disbursement must name its payee "
                   "(set once, when the ledger is created)");
  commands.Add(init, [&globals, if_missing, payee_required_from] {
    return RunInit(globals, *if_missing, *payee_required_from);
  });

  Appenders adder(globals, commands);
  CLI::App* region = app.add_subcommand("region", "regions (administrative divisions)");
  region->require_subcommand(1);
  region->fallthrough();
  AppendCommand& region_add = adder.Add(region, "add", "register a region", v1::Event::kRegionRegistered);
  Flag(region_add, "--code", "code", "6-digit administrative division code", true);
  Flag(region_add, "--name", "name", "region name, e.g. 定西市", true);
  Flag(region_add, "--parent", "parent_code", "code of the region above it", false);
  AppendCommand& region_amend =
      adder.Add(region, "amend", "correct a region's name or parent from --date on",
                v1::Event::kRegionAmended);
  Flag(region_amend, "--code", "code", "the region's code", true);
  Flag(region_amend, "--name", "name", "its new name", false);
  Flag(region_amend, "--parent", "parent_code",
       "the region to move it under, with everything below it", false);
  Flag(region_amend, "--reason", "reason", "why (required)", true);

  AppendCommand& pair = adder.Add(&app, "pair", "establish a pairing of helper and recipient (or: pair end, pair list)",
                                  v1::Event::kPairingEstablished, /*has_subcommands=*/true);
  Flag(pair, "--helper", "helper_code", "helper region code", true);
  Flag(pair, "--recipient", "recipient_code", "recipient region code", true);
  Choice(pair, "--program", kPrograms, absl::StrCat(Tr("program: "), JoinedWords(kPrograms, "|")), true);
  Flag(pair, "--since", "since", "date the pairing began, YYYY-MM-DD", false);
  AppendCommand& pair_end = adder.Add(
      pair.command, "end", "end a pairing: no allocation or investment under it after --date",
      v1::Event::kPairingEnded);
  Flag(pair_end, "--helper", "helper_code", "helper region code of the pairing", true);
  Flag(pair_end, "--recipient", "recipient_code", "recipient region code of the pairing", true);
  Flag(pair_end, "--reason", "reason", "why (required)", true);

  CLI::App* project = app.add_subcommand("project", "assistance projects");
  project->require_subcommand(1);
  project->fallthrough();
  AppendCommand& project_add = adder.Add(project, "add", "register a project", v1::Event::kProjectRegistered);
  Flag(project_add, "--project", "project_id", "project id", true);
  Flag(project_add, "--region", "region_code", "region code where the project is", true);
  Flag(project_add, "--name", "name", "project name", true);
  Choice(project_add, "--category", kCategories,
         absl::StrCat(Tr("category: "), JoinedWords(kCategories, "|")), true);
  Flag(project_add, "--budget", "budget", "budget AMOUNT (e.g. 1,234.56 or 500万)", false);
  Flag(project_add, "--planned-start", "planned_start", "planned start YYYY-MM-DD (optional)", false);
  Flag(project_add, "--planned-end", "planned_end", "planned end YYYY-MM-DD (optional)", false);
  Flag(project_add, "--responsible-unit", "responsible_unit", "the unit that answers for it (optional)",
       false);
  Flag(project_add, "--responsible-person", "responsible_person", "the person who answers for it (optional)",
       false);
  Flag(project_add, "--goals", "expected_goals", "what it is to achieve, for its public notice (optional)",
       false);
  AppendCommand& project_stage = adder.Add(
      project, "stage", "record a project reaching a stage on --date (stages only move forward)",
      v1::Event::kProjectStageChanged);
  Flag(project_stage, "--project", "project_id", "project id", true);
  Choice(project_stage, "--stage", kStages,
         absl::StrCat(Tr("stage: "), JoinedWords(kStages, "|")), true);
  Flag(project_stage, "--reason", "reason", "a note on the stage (optional)", false);
  AppendCommand& project_amend = adder.Add(
      project, "amend", "correct a project's name, category or budget from --date on",
      v1::Event::kProjectAmended);
  Flag(project_amend, "--project", "project_id", "project id", true);
  Flag(project_amend, "--name", "name", "the new name", false);
  Choice(project_amend, "--category", kCategories,
         absl::StrCat(Tr("category: "), JoinedWords(kCategories, "|")), false);
  Flag(project_amend, "--budget", "budget", "the new budget AMOUNT", false);
  Flag(project_amend, "--reason", "reason", "why (required)", true);

  AppendCommand& allocate = adder.Add(&app, "allocate", "allocate funds from a helper to a recipient", v1::Event::kFundsAllocated);
  Flag(allocate, "--helper", "helper_code", "helper region code", true);
  Flag(allocate, "--recipient", "recipient_code", "recipient region code", true);
  Flag(allocate, "--project", "project_id", "project id (optional)", false);
  Flag(allocate, "--amount", "amount", "AMOUNT, e.g. 1,234.56, ¥1,234.56, 9238万, 9.12亿", true);
  Choice(allocate, "--source", kSources,
         absl::Substitute(Tr("source of funds: $0 (default $1)"), JoinedWords(kSources, "|"),
                          WordFor(kSources, v1::FISCAL)),
         false);
  Flag(allocate, "--fiscal-year", "fiscal_year", "YYYY (default: the effective date's year)", false);
  Flag(allocate, "--document-number", "document_number",
       "the allocating document's number, e.g. 青财预指〔2024〕12号 (optional)", false);
  Flag(allocate, "--fund-category", "fund_category", "the fund's category (optional)", false);
  AdjustmentFlags(allocate, false);

  AppendCommand& disburse = adder.Add(&app, "disburse", "disburse funds to a project", v1::Event::kFundsDisbursed);
  Flag(disburse, "--project", "project_id", "project id", true);
  Flag(disburse, "--amount", "amount", "AMOUNT", true);
  Flag(disburse, "--payee", "payee", "who was paid (收款单位)", false);
  Flag(disburse, "--payee-account", "payee_account",
       "the payee's account number: only its SHA-256 is recorded", false);
  Choice(disburse, "--payment-method", kPaymentMethods,
         absl::StrCat(Tr("payment method: "), JoinedWords(kPaymentMethods, "|")), false);
  Flag(disburse, "--contract", "contract_number", "contract number (optional)", false);
  Flag(disburse, "--purpose", "purpose", "what the payment is for (optional)", false);
  AdjustmentFlags(disburse, false);

  AppendCommand& invest = adder.Add(&app, "invest", "record an enterprise investment", v1::Event::kInvestmentRecorded);
  Flag(invest, "--enterprise", "enterprise", "enterprise name", true);
  Flag(invest, "--region", "region_code", "region code invested in", true);
  Flag(invest, "--helper", "helper_code", "helper region that brought it (optional)", false);
  Flag(invest, "--project", "project_id", "project id (optional)", false);
  Flag(invest, "--amount", "amount", "AMOUNT", true);
  AdjustmentFlags(invest, false);

  AppendCommand& sale = adder.Add(&app, "sale", "record a consumption-assistance sale", v1::Event::kSaleRecorded);
  Flag(sale, "--region", "region_code", "region whose products were sold", true);
  Flag(sale, "--helper", "helper_code", "helper region that bought (optional)", false);
  Flag(sale, "--channel", "channel", "sales channel (optional)", false);
  Flag(sale, "--amount", "amount", "AMOUNT", true);
  AdjustmentFlags(sale, false);

  AppendCommand& reverse = adder.Add(&app, "reverse", "reverse a money event, or a registration nothing names yet", v1::Event::kEventReversed);
  Flag(reverse, "--target", "reversed_event_id",
       "the event to reverse: its event_id, or seq:N for the event at sequence N", true);
  Flag(reverse, "--reason", "reason", "why it is reversed", true);
  AdjustmentFlags(reverse, true);

  AppendCommand& indicator = adder.Add(
      &app, "indicator", "record assistance beyond money: workers employed, cadres sent, schools paired...",
      v1::Event::kIndicatorRecorded);
  Flag(indicator, "--helper", "helper_code", "helper region code", true);
  Flag(indicator, "--recipient", "recipient_code", "recipient region code", true);
  Flag(indicator, "--indicator", "indicator",
       "indicator CODE, e.g. rural_workers_employed (see: aidledger indicators list)", true);
  Flag(indicator, "--value", "value",
       "N in the indicator's unit (people, enterprises...); an AMOUNT for a money indicator", true);
  indicator.command->add_option_function<std::vector<std::string>>(
      "--of-which",
      [&indicator](const std::vector<std::string>& parts) {
        indicator.fields["of_which"] = absl::StrJoin(parts, ";");
      },
      "CODE=N, a part of the value (e.g. poverty_alleviated_workers=120); may be repeated");
  Flag(indicator, "--project", "project_id", "project id (optional)", false);
  Flag(indicator, "--description", "description", "what was done (optional)", false);
  Flag(indicator, "--evidence-ref", "evidence",
       "a document number or a file's SHA-256, as text (optional; --evidence FILE binds a file)",
       false);
  AdjustmentFlags(indicator, false);

  AppendCommand& target = adder.Add(&app, "target",
                                    "set or revise a pairing's annual agreement target for an indicator",
                                    v1::Event::kTargetSet);
  Flag(target, "--year", "year", "the agreement's year YYYY", true);
  Flag(target, "--helper", "helper_code", "helper region code of the pairing", true);
  Flag(target, "--recipient", "recipient_code", "recipient region code of the pairing", true);
  Flag(target, "--indicator", "indicator", "indicator CODE (see: aidledger indicators list)", true);
  Flag(target, "--value", "value",
       "the target in the indicator's unit; an AMOUNT for a money indicator", true);
  Flag(target, "--reason", "reason", "why (required): the agreement, or why it is revised", true);
}

void DefineImportCommand(CLI::App& app, const Globals& globals, Commands& commands) {
  ImportFlags* flags = commands.Keep<ImportFlags>();

  CLI::App* import = app.add_subcommand("import", "append many events from a CSV, xlsx or JSONL file");
  import->fallthrough();
  import->add_option("FILE", flags->file, "the file (.csv, .xlsx or .jsonl)")->required();
  import->add_option("--input-format", flags->input_format,
                     "csv|xlsx|jsonl (default: by extension)")
      ->check(CLI::IsMember({"csv", "xlsx", "jsonl"}));
  import->add_option("--sheet", flags->sheet, "the sheet of an .xlsx workbook (default: the first)");
  import->add_option("--batch-size", flags->batch_size,
                      "rows per atomic batch (default: the whole file)")
      ->check(CLI::Range(size_t{1}, limits::kBatchEventsMax));
  import->add_flag("--dry-run", flags->dry_run, "validate and report; write nothing");
  import->add_option("--encoding", flags->encoding,
                     "utf-8|gb18030 (default: UTF-8 when the whole file is, else GB18030)");
  import->add_option("--ignore-columns", flags->ignore_columns,
                     "CSV columns to read past, comma-separated (经办人,审核人)")
      ->delimiter(',');
  commands.Add(import, [&globals, flags] { return RunImport(globals, *flags); });
}

}  // namespace aidledger::cli
