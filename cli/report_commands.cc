// The commands that read: log, the reports, and the snapshots.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/time.h"
#include "app/alerts.h"
#include "app/closes.h"
#include "app/notice.h"
#include "app/csv.h"
#include "app/export.h"
#include "app/output.h"
#include "app/period_report.h"
#include "app/progress.h"
#include "app/queries.h"
#include "app/trace.h"
#include "base/amount.h"
#include "base/daxie.h"
#include "base/errors.h"
#include "base/messages.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "cli/command.h"
#include "state/indicator_totals.h"
#include "state/indicators.h"
#include "state/period_report.h"
#include "state/reports.h"
#include "state/vocabulary.h"

namespace aidledger::cli {
namespace {

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
  app::Table rows({Tr("SEQ"), Tr("DATE"), Tr("TYPE"), Tr("EVENT ID"), Tr("DETAILS"), Tr("MEMO"), Tr("ACTOR"), Tr("RECORDED"),
                   Tr("HASH")},
                  {0});
  for (uint64_t count = 0; count < limits::kLogRowsDefaultMax || flags.to != 0; ++count) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) break;
    if (table) {
      rows.AddRow({absl::StrCat(stored.sequence), stored.event.effective_date(),
                   std::string(EventTypeWord(stored.event)), stored.event.event_id(),
                   app::EventSummary(stored.event), stored.event.memo(), stored.event.actor(),
                   DisplayTime(absl::FromUnixMicros(RecordedMicros(stored.event.recorded_at())),
                               globals.utc),
                   Hex(stored.hash).substr(0, 12)});
    } else {
      std::cout << app::ExportLine(stored) << "\n";
    }
  }
  if (table) std::cout << rows.Render();
  return absl::OkStatus();
}

struct ReportFlags {
  std::string region;
  app::PointOptions point;
  std::string unit = "yuan";
  bool name_history = false;
};

// A report or list, folded to the point its flags name: what it reads
// (`projections`) and how its tables show amounts, times and names.
struct Query {
  app::TableStyle style;
  app::FoldedPoint point;
};

absl::StatusOr<Query> FoldQuery(const Globals& globals, const ReportFlags& flags,
                                Books::Set projections) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json", "csv"}));
  ASSIGN_OR_RETURN(AmountUnit unit, app::ParseUnit(flags.unit));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  app::PointOptions options = flags.point;
  options.projections = projections;
  ASSIGN_OR_RETURN(app::FoldedPoint point, app::FoldAtPoint(*ledger, options, app::kPointFlags));
  return Query{.style = {.unit = unit, .utc = globals.utc, .name_history = flags.name_history},
               .point = std::move(point)};
}

// A region not registered at the point is the user's mistake: exit 2.
absl::Status NotFoundIsUsage(absl::Status status) {
  return status.code() == absl::StatusCode::kNotFound ? UsageError(status.message()) : status;
}

absl::Status RunReport(const Globals& globals, ReportKind kind, const ReportFlags& flags) {
  ASSIGN_OR_RETURN(Query query, FoldQuery(globals, flags, ProjectionsRead(kind, flags.region)));
  const app::TableStyle& style = query.style;
  const AmountUnit unit = style.unit;
  const app::FoldedPoint& point = query.point;
  const Books& books = point.folded.books;
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> built =
      BuildReport(kind, books, flags.region, point.at);
  if (!built.ok()) return NotFoundIsUsage(built.status());
  const google::protobuf::Message& report = **built;
  std::string out;
  if (globals.format == "json") {
    out = app::ToJson(report, true) + "\n";
  } else if (kind == ReportKind::kBalances) {
    const auto& balances = static_cast<const v1::RegionBalancesReport&>(report);
    out = globals.format == "csv" ? app::RegionsCsv(balances, unit, flags.name_history) : app::RegionsTable(balances, style);
  } else if (kind == ReportKind::kProjects) {
    const auto& projects = static_cast<const v1::ProjectTotalsReport&>(report);
    out = globals.format == "csv" ? app::ProjectsCsv(projects, unit, flags.name_history) : app::ProjectsTable(projects, style);
  } else {
    const auto& helpers = static_cast<const v1::HelperTotalsReport&>(report);
    out = globals.format == "csv" ? app::HelpersCsv(helpers, unit) : app::HelpersTable(helpers, style);
  }
  std::cout << out;
  return absl::OkStatus();
}

// A master-data list (region list, pair list, project list) at a point.
absl::Status RunList(const Globals& globals, ListKind kind, const ReportFlags& flags) {
  ASSIGN_OR_RETURN(Query query, FoldQuery(globals, flags, ProjectionsListed(kind)));
  const app::TableStyle& style = query.style;
  const AmountUnit unit = style.unit;
  const app::FoldedPoint& point = query.point;
  const Books& books = point.folded.books;
  std::string out;
  const bool json = globals.format == "json", csv = globals.format == "csv";
  switch (kind) {
    case ListKind::kRegions: {
      absl::StatusOr<v1::RegionListReport> list = RegionListReport(books, flags.region);
      if (!list.ok()) return NotFoundIsUsage(list.status());
      *list->mutable_at() = point.at;
      out = json ? app::ToJson(*list, true) + "\n"
                 : csv ? app::RegionListCsv(*list, flags.name_history) : app::RegionListTable(*list, style);
      break;
    }
    case ListKind::kPairings: {
      absl::StatusOr<v1::PairingListReport> list = PairingListReport(books, flags.region);
      if (!list.ok()) return NotFoundIsUsage(list.status());
      *list->mutable_at() = point.at;
      out = json ? app::ToJson(*list, true) + "\n"
                 : csv ? app::PairingListCsv(*list) : app::PairingListTable(*list, style);
      break;
    }
    case ListKind::kProjects: {
      absl::StatusOr<v1::ProjectListReport> list = ProjectListReport(books, flags.region);
      if (!list.ok()) return NotFoundIsUsage(list.status());
      *list->mutable_at() = point.at;
      out = json ? app::ToJson(*list, true) + "\n"
                 : csv ? app::ProjectListCsv(*list, unit, flags.name_history) : app::ProjectListTable(*list, style);
      break;
    }
  }
  std::cout << out;
  return absl::OkStatus();
}

// The flags that name a point in the log: --at-seq, --known-at, --as-of.
void AddPointFlags(CLI::App* command, app::PointOptions* point) {
  CLI::Option* at_seq = command->add_option_function<uint64_t>(
      "--at-seq", [point](uint64_t value) { point->at_seq = value; }, "fold events 1..N");
  at_seq->check(kWholePositive);
  CLI::Option* known_at = command->add_option(
      "--known-at", point->known_at,
      "fold what the ledger knew at this RFC 3339 time, or at the end of this date in China");
  at_seq->excludes(known_at);
  command->add_option("--as-of", point->as_of,
                      "only events effective on or before this date (YYYY-MM-DD)");
}

struct TraceFlags {
  app::TraceQuery query;
  app::PointOptions point;
  std::string unit = "yuan";
};

absl::Status RunTrace(const Globals& globals, const TraceFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json", "html"}));
  ASSIGN_OR_RETURN(AmountUnit unit, app::ParseUnit(flags.unit));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  if (globals.format == "json") {  // written as it is built: no tree of messages
    ASSIGN_OR_RETURN(const std::string json,
                     app::TraceJson(*ledger, flags.point, flags.query, app::kPointFlags));
    std::cout << json << "\n";
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(v1::TraceReport report,
                   app::BuildTrace(*ledger, flags.point, flags.query, app::kPointFlags));
  const app::TableStyle style{.unit = unit, .utc = globals.utc};
  if (globals.format == "html") {
    std::cout << app::TraceHtml(report, style);
  } else {
    std::cout << app::TraceTable(report, style);
  }
  return absl::OkStatus();
}

struct AlertFlags {
  app::AlertOptions options;
  std::string contract_above;
  std::string unit = "yuan";
};

absl::Status RunAlerts(const Globals& globals, AlertFlags flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(AmountUnit unit, app::ParseUnit(flags.unit));
  if (!flags.contract_above.empty()) {
    absl::StatusOr<int64_t> fen = ParseAmountFen(flags.contract_above, "--contract-above");
    if (!fen.ok()) return UsageError(fen.status().message());
    flags.options.contract_above_fen = *fen;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(v1::AlertsReport report,
                   app::BuildAlerts(*ledger, flags.options, app::kPointFlags));
  if (globals.format == "json") {
    std::cout << app::ToJson(report, true) << "\n";
  } else {
    std::cout << app::AlertsTable(report, {.unit = unit, .utc = globals.utc});
  }
  return absl::OkStatus();
}

void AddUnitFlag(CLI::App* command, std::string* unit) {
  command->add_option("--unit", *unit,
                      "yuan|wan|yi|fen for tables and CSV (default yuan; fen for machines)")
      ->check(CLI::IsMember({"yuan", "wan", "yi", "fen"}));
}

void AddNameHistoryFlag(CLI::App* command, bool* name_history) {
  command->add_flag("--name-history", *name_history,
                    "show the former names of renamed regions and projects, with the dates "
                    "they were replaced (CSV: a former_names column)");
}

absl::Status RunProgress(const Globals& globals, const app::ProgressOptions& options) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json", "csv"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(v1::ProgressReport report,
                   app::ProgressAtPoint(*ledger, options, app::kPointFlags));
  if (globals.format == "json") {
    std::cout << app::ProgressJson(report) << "\n";
  } else if (globals.format == "csv") {
    std::cout << app::ProgressCsv(report);
  } else {
    std::cout << app::ProgressTable(report, {.utc = globals.utc});
  }
  return absl::OkStatus();
}

// The vocabulary of indicators (state/indicators.cc), as a table or CSV.
absl::Status RunIndicatorsList(const Globals& globals) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "csv"}));
  const bool csv = globals.format == "csv";
  app::Table table({Tr("CODE"), Tr("NAME"), Tr("CHINESE NAME"), Tr("UNIT"), Tr("MEASURED"),
                    Tr("PART OF")});
  std::string out = csv ? "code,name,chinese_name,unit,measured,part_of\r\n" : "";
  for (const IndicatorInfo& info : Indicators()) {
    const std::string part_of =
        info.part_of == v1::INDICATOR_UNSPECIFIED ? "" : IndicatorCode(info.part_of);
    if (csv) {
      absl::StrAppend(&out, info.code, ",", app::CsvField(std::string(info.english)), ",",
                      info.chinese, ",", info.unit, ",",
                      info.derived() ? "derived" : "recorded", ",", part_of, "\r\n");
    } else {
      table.AddRow({std::string(info.code), std::string(info.english),
                    std::string(info.chinese), IndicatorUnitName(info.value),
                    MeasureName(info.measure), part_of});
    }
  }
  std::cout << (csv ? out : table.Render());
  return absl::OkStatus();
}

// 大写 for a clerk writing a bill: any amount the ledger accepts (exit 3,
// as a rejected event, for one it would not).
absl::Status RunDaxie(const std::string& amount) {
  ASSIGN_OR_RETURN(const int64_t fen, ParseAmountFen(amount, "amount"));
  RETURN_IF_ERROR(CheckAmountAtMost(fen, "amount"));
  std::cout << Daxie(fen) << "\n";
  return absl::OkStatus();
}

absl::Status RunSnapshotCreate(const Globals& globals) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  RETURN_IF_ERROR(ledger->CreateSnapshot());
  std::cout << absl::Substitute(Tr("snapshot stored at seq=$0 hash=$1"), ledger->head().sequence,
                                Hex(ledger->head().hash))
            << "\n";
  return absl::OkStatus();
}

absl::Status RunSnapshotList(const Globals& globals) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(std::vector<SnapshotInfo> snapshots, ledger->ListSnapshots());
  app::Table table({Tr("PROJECTION"), Tr("SEQ"), Tr("VERSION"), Tr("BYTES"), Tr("CREATED"), Tr("CHAIN HASH"), Tr("STATUS")},
                   {1, 2, 3});
  for (const SnapshotInfo& info : app::SnapshotRows(std::move(snapshots))) {
    table.AddRow({info.projection, absl::StrCat(info.sequence), absl::StrCat(info.version),
                  absl::StrCat(info.state_bytes),
                  DisplayTime(info.created_at, globals.utc),
                  Hex(info.chain_hash).substr(0, 12),
                  info.problem.empty() ? std::string(Tr("usable"))
                                        : absl::StrCat(Tr("not trusted: "), info.problem)});
  }
  std::cout << table.Render();
  return absl::OkStatus();
}

// aidledger report regions: a period report (issue 24).
struct PeriodReportFlags {
  std::string region, metric, period = "month", from, to, compare, unit = "yuan", out;
  bool ytd = false;
  bool as_closed = false;
  bool compare_close = false;
  std::string helper, program;  // --helper, --program
  PeriodReportKind kind = PeriodReportKind::kRegions;  // the subcommand run
  app::ReportLayout layout;
  app::PointOptions point;
};

// `text` to `path`, or to the standard output when `path` is empty.
absl::Status Emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    std::cout << text;
    return absl::OkStatus();
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) {
    return UsageError(absl::Substitute(Tr("cannot write $0: $1"), path, std::strerror(errno)));
  }
  return absl::OkStatus();
}

struct NoticeFlags {
  app::NoticeQuery query;
  std::string out;
};

absl::Status RunNotice(const Globals& globals, const NoticeFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "text", "html"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(const app::Notice notice,
                   app::BuildNotice(*ledger, flags.query, app::kPointFlags));
  return Emit(globals.format == "html" ? app::NoticeHtml(notice) : app::NoticeText(notice),
              flags.out);
}

absl::Status CheckLayoutText(const std::string& text, absl::string_view flag) {
  if (text.size() <= app::kReportLayoutTextBytesMax) return absl::OkStatus();
  return UsageError(absl::Substitute(Tr("$0 is longer than $1 bytes"), flag,
                                     app::kReportLayoutTextBytesMax));
}

absl::Status CheckPeriodReportFlags(const Globals& globals, const PeriodReportFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "csv", "json", "html", "xlsx"}));
  if (globals.format == "xlsx" && flags.out.empty()) {
    return UsageError(Tr("--format xlsx writes a workbook: name it with --out FILE"));
  }
  const app::ReportLayout& layout = flags.layout;
  RETURN_IF_ERROR(CheckLayoutText(layout.title, "--title"));
  RETURN_IF_ERROR(CheckLayoutText(layout.unit_name, "--unit-name"));
  RETURN_IF_ERROR(CheckLayoutText(layout.prepared_by, "--prepared-by"));
  RETURN_IF_ERROR(CheckLayoutText(layout.reviewed_by, "--reviewed-by"));
  return CheckLayoutText(layout.approved_by, "--approved-by");
}

// The one year --from and --to lie in, for `flag`, which shows a closed year.
absl::StatusOr<int32_t> ClosedYearOf(const PeriodReportFlags& flags, absl::string_view flag) {
  const int32_t year = IndicatorTotals::YearOf(flags.from);
  if (year != IndicatorTotals::YearOf(flags.to)) {
    return UsageError(absl::Substitute(
        Tr("$0 shows one closed year: --from and --to must lie in it"), flag));
  }
  return year;
}

// --as-closed: the report's year as its close sealed it, folded to the
// close's digest.
absl::Status PointAsClosed(const Ledger& ledger, const PeriodReportFlags& flags,
                           app::PointOptions* options) {
  if (options->at_seq.has_value() || !options->known_at.empty() || !options->as_of.empty()) {
    return UsageError(Tr("--as-closed is the point the close sealed: it takes no --at-seq, "
                         "--known-at or --as-of"));
  }
  ASSIGN_OR_RETURN(const int32_t year, ClosedYearOf(flags, "--as-closed"));
  ASSIGN_OR_RETURN(options->at_seq, app::ClosedAt(ledger, year));
  return absl::OkStatus();
}

// --compare-close: the report at its point (the head, or --at-seq or
// --known-at), each figure beside the one its year's close sealed.
// `now` is what was folded to that point.
absl::StatusOr<v1::RegionPeriodReport> ReportAgainstClose(const Ledger& ledger,
                                                          const PeriodReportFlags& flags,
                                                          const PeriodReportQuery& query,
                                                          const app::FoldedPoint& point,
                                                          const PeriodReportSource& now) {
  ASSIGN_OR_RETURN(const int32_t year, ClosedYearOf(flags, "--compare-close"));
  app::PointOptions sealed;
  sealed.projections = query.Projections();
  ASSIGN_OR_RETURN(sealed.at_seq, app::ClosedAt(ledger, year));
  if (point.folded.sequence < *sealed.at_seq) {
    return UsageError(absl::Substitute(
        Tr("--compare-close: the report's point (event $0) is before the close of $1 (event $2)"),
        point.folded.sequence, year, *sealed.at_seq));
  }
  PeriodReportExtras closed_extras;
  sealed.extra = closed_extras.For(query);
  ASSIGN_OR_RETURN(app::FoldedPoint closed, app::FoldAtPoint(ledger, sealed, app::kPointFlags));
  absl::StatusOr<v1::RegionPeriodReport> report = RegionPeriodReportAgainstClose(
      now, closed_extras.SourceOf(closed.folded.books), year, query);
  if (!report.ok()) return NotFoundIsUsage(report.status());
  *report->mutable_closed_at() = closed.at;
  return report;
}

absl::Status RunPeriodReport(const Globals& globals, const PeriodReportFlags& flags) {
  RETURN_IF_ERROR(CheckPeriodReportFlags(globals, flags));
  ASSIGN_OR_RETURN(
      const PeriodReportQuery query,
      ParsePeriodReportQuery(flags.region, flags.metric, flags.period, flags.from, flags.to,
                             flags.compare, flags.ytd,
                             {.kind = flags.kind, .helper = flags.helper, .program = flags.program}));
  ASSIGN_OR_RETURN(const AmountUnit unit, app::ParseUnit(flags.unit));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  app::PointOptions options = flags.point;
  options.projections = query.Projections();
  PeriodReportExtras extras;  // the one the query reads, folded in the same pass
  options.extra = extras.For(query);
  if (flags.as_closed) RETURN_IF_ERROR(PointAsClosed(*ledger, flags, &options));
  if (flags.compare_close && !options.as_of.empty()) {
    return UsageError(Tr("--compare-close compares whole periods: it takes no --as-of"));
  }
  ASSIGN_OR_RETURN(app::FoldedPoint point, app::FoldAtPoint(*ledger, options, app::kPointFlags));
  const PeriodReportSource source = extras.SourceOf(point.folded.books);
  absl::StatusOr<v1::RegionPeriodReport> report =
      flags.compare_close ? ReportAgainstClose(*ledger, flags, query, point, source)
                          : RegionPeriodReport(source, query);
  if (!report.ok()) return NotFoundIsUsage(report.status());
  *report->mutable_at() = point.at;
  RETURN_IF_ERROR(app::AddClosedYearAdjustments(*ledger, point.folded.sequence, &*report));
  if (globals.format == "json") return Emit(app::ToJson(*report, true) + "\n", flags.out);
  app::ReportLayout layout = flags.layout;
  layout.unit = unit;
  layout.point = app::PointOnly(point.at, {.utc = globals.utc});
  absl::StatusOr<app::ReportGrid> grid = app::RegionPeriodGrid(*report, layout);
  if (!grid.ok()) {
    return grid.status().code() == absl::StatusCode::kInvalidArgument
               ? UsageError(grid.status().message())
               : grid.status();
  }
  if (globals.format == "xlsx") return app::WriteReportGridXlsx(*grid, unit, flags.out);
  if (globals.format == "html") return Emit(app::ReportGridHtml(*grid, unit), flags.out);
  if (globals.format == "csv") return Emit(app::ReportGridCsv(*grid, unit), flags.out);
  return Emit(app::ReportGridTable(*grid, unit), flags.out);
}

void AddPeriodReportCommonFlags(CLI::App* command, PeriodReportFlags* flags);

// The flags of `report KIND`: what its rows are (--region, --metric) and
// its filters, then the common ones.
void AddPeriodReportFlags(CLI::App* command, PeriodReportFlags* flags) {
  command->fallthrough();
  command->add_option("--period", flags->period, "month|quarter|year (default month)")
      ->check(CLI::IsMember({"month", "quarter", "year"}));
  command->add_option("--from", flags->from, "the first month, YYYY-MM (opens a period)")->required();
  command->add_option("--to", flags->to, "the last month, YYYY-MM (closes a period)")->required();
  switch (flags->kind) {
    case PeriodReportKind::kRegions:
      command->add_option("--region", flags->region, "this region and everything below it");
      command->add_option("--metric", flags->metric,
                          "allocated,disbursed,invested,sales or some of them (default: all; "
                          "with --helper or --program no disbursed)");
      break;
    case PeriodReportKind::kHelpers:
      command->add_option("--region", flags->region,
                          "only money to this region and the regions below it");
      command->add_option("--metric", flags->metric,
                          "allocated,invested,sales or some of them (default: all)");
      break;
    case PeriodReportKind::kProjects:
      // A disbursement names no helper: no --helper or --program.
      command->add_option("--region", flags->region,
                          "the projects in this region and the regions below it");
      command->add_option("--metric", flags->metric,
                          "allocated,disbursed,invested or some of them (default: all)");
      return AddPeriodReportCommonFlags(command, flags);
    case PeriodReportKind::kIndicators:
      // Its rows are the indicators, and an indicator names no program.
      command->add_option("--region", flags->region,
                          "only figures recorded to this region and the regions below it");
      command->add_option("--helper", flags->helper,
                          "only figures recorded from this helper and the regions below it");
      return AddPeriodReportCommonFlags(command, flags);
  }
  command->add_option("--helper", flags->helper,
                      "only money from this helper and the regions below it");
  command->add_option("--program", flags->program,
                      "only money under this program: east-west|counterpart|intra-province");
  AddPeriodReportCommonFlags(command, flags);
}

// The flags every kind of `report KIND` takes.
void AddPeriodReportCommonFlags(CLI::App* command, PeriodReportFlags* flags) {
  CLI::Option* compare = command->add_option(
      "--compare", flags->compare, "previous-year: the same periods a year earlier, and the change");
  command->add_flag("--ytd", flags->ytd, "year-to-date columns (本年累计)");
  CLI::Option* as_closed = command->add_flag(
      "--as-closed", flags->as_closed,
      "the closed year exactly as its close sealed it (before any adjustment)");
  command
      ->add_flag("--compare-close", flags->compare_close,
                 "the closed year as now beside it as closed, and the adjustments since")
      ->excludes(compare)
      ->excludes(as_closed);
  command->add_option("--unit", flags->unit, "yuan|wan|yi (default yuan); 万元 and 亿元 add up (舍位平衡)")
      ->check(CLI::IsMember({"yuan", "wan", "yi"}));
  command->add_option("--title", flags->layout.title, "the report's title");
  command->add_option("--unit-name", flags->layout.unit_name, "the office filing it (编制单位)");
  command->add_option("--prepared-by", flags->layout.prepared_by, "who filled it in (填表人)");
  command->add_option("--reviewed-by", flags->layout.reviewed_by, "who reviewed it (审核人)");
  command->add_option("--approved-by", flags->layout.approved_by, "who is responsible for it (负责人)");
  command->add_option("--out", flags->out, "write to this file instead of the standard output");
  AddPointFlags(command, &flags->point);
}

void DefinePeriodReport(CLI::App& app, const Globals& globals, Commands& commands) {
  CLI::App* report = app.add_subcommand("report", "period reports as a finance office files them");
  report->require_subcommand(1);
  report->fallthrough();
  const struct {
    const char* name;
    const char* description;
    PeriodReportKind kind;
  } kinds[] = {
      {"regions", TrLater("the region tree's money by month, quarter or year, in the Chinese layout"),
       PeriodReportKind::kRegions},
      {"helpers",
       TrLater("each helper's money by program, by month, quarter or year, in the Chinese layout"),
       PeriodReportKind::kHelpers},
      {"projects",
       TrLater("each project's money by month, quarter or year, with its budget and execution "
               "rate (执行率), in the Chinese layout"),
       PeriodReportKind::kProjects},
      {"indicators",
       TrLater("every indicator's figures by month, quarter or year (money indicators in the "
               "report's unit, the others in their own), in the Chinese layout"),
       PeriodReportKind::kIndicators},
  };
  for (const auto& kind : kinds) {
    PeriodReportFlags* flags = commands.Keep<PeriodReportFlags>();
    flags->kind = kind.kind;
    CLI::App* command = report->add_subcommand(kind.name, kind.description);
    AddPeriodReportFlags(command, flags);
    commands.Add(command, [&globals, flags] { return RunPeriodReport(globals, *flags); });
  }
}

}  // namespace

void DefineLogCommand(CLI::App& app, const Globals& globals, Commands& commands) {
  LogFlags* flags = commands.Keep<LogFlags>();
  CLI::App* log = app.add_subcommand("log", "print the events in order");
  log->fallthrough();
  log->add_option("--from", flags->from, "first sequence (default 1)")->check(kWholePositive);
  log->add_option("--to", flags->to, "last sequence (default: the head)")->check(kWholePositive);
  commands.Add(log, [&globals, flags] { return RunLog(globals, *flags); });
}

namespace {

void DefineTraceCommand(CLI::App& app, const Globals& globals, Commands& commands) {
  TraceFlags* flags = commands.Keep<TraceFlags>();
  CLI::App* trace = app.add_subcommand(
      "trace", "follow the money (资金穿透): helper, allocation, region, project, each payment");
  trace->fallthrough();
  CLI::Option* allocation = trace->add_option("--allocation", flags->query.allocation,
                                              "one allocation, by its event_id");
  CLI::Option* project = trace->add_option("--project", flags->query.project,
                                           "the allocations that name or paid this project");
  CLI::Option* region = trace->add_option(
      "--region", flags->query.region,
      "the allocations to this region or below it, or that paid a project there");
  CLI::Option* helper = trace->add_option("--helper", flags->query.helper,
                                          "the allocations from this helper or a region below it");
  allocation->excludes(project, region, helper);
  project->excludes(region, helper);
  region->excludes(helper);
  AddPointFlags(trace, &flags->point);
  AddUnitFlag(trace, &flags->unit);
  commands.Add(trace, [&globals, flags] { return RunTrace(globals, *flags); });
}

void DefineAlertsCommand(CLI::App& app, const Globals& globals, Commands& commands) {
  AlertFlags* flags = commands.Keep<AlertFlags>();
  CLI::App* alerts = app.add_subcommand(
      "alerts", "early warnings (预警): idle funds, overdue projects, payments without paperwork...");
  alerts->fallthrough();
  alerts->add_option("--idle-days", flags->options.idle_days,
                     "allocated money unspent longer than this many days (default 180)");
  alerts->add_option("--contract-above", flags->contract_above,
                     "a payment above this AMOUNT without a contract number (default 10万)");
  alerts->add_option("--payee-counties", flags->options.payee_counties_max,
                     "a payee paid by projects in more regions than this (default 3)");
  alerts->add_option("--rule", flags->options.rules, "only these rules (comma-separated)")
      ->delimiter(',');
  AddPointFlags(alerts, &flags->options.point);
  AddUnitFlag(alerts, &flags->unit);
  commands.Add(alerts, [&globals, flags] { return RunAlerts(globals, *flags); });
}

void DefineNoticeCommand(CLI::App& app, const Globals& globals, Commands& commands) {
  NoticeFlags* flags = commands.Keep<NoticeFlags>();
  CLI::App* notice = app.add_subcommand(
      "notice", "the public notice (公告公示) of a project or an allocation (--format text|html)");
  notice->fallthrough();
  CLI::Option* project =
      notice->add_option("--project", flags->query.project, "the project to disclose");
  CLI::Option* allocation = notice->add_option("--allocation", flags->query.allocation,
                                               "the allocation to disclose, by its event_id");
  project->excludes(allocation);
  notice->add_option("--hotline", flags->query.hotline,
                     "where to complain (监督电话), e.g. 0932-8211234 (required)");
  notice->add_option("--from", flags->query.publish_from,
                     "the first day of publication, YYYY-MM-DD (default: today)");
  notice->add_option("--days", flags->query.days, "days of publication (at least 10; default 10)");
  notice->add_option("--out", flags->out, "write to this file instead of the standard output");
  AddPointFlags(notice, &flags->query.point);
  commands.Add(notice, [&globals, flags] { return RunNotice(globals, *flags); });
}

}  // namespace

void DefineReportCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  DefineTraceCommand(app, globals, commands);
  DefineAlertsCommand(app, globals, commands);
  DefineNoticeCommand(app, globals, commands);
  ReportFlags* flags = commands.Keep<ReportFlags>();
  // The commands are the reports' names (kReportNames), in that order.
  const char* descriptions[] = {
      TrLater("per-region balances: own, and total with the regions below"),
      TrLater("per-project budget, allocated, disbursed and invested"),
      TrLater("per-helper allocated, invested and sales, by program")};
  static_assert(std::size(descriptions) == kReportNames.size());
  for (size_t i = 0; i < kReportNames.size(); ++i) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const ReportKind kind = kReportNames[i].first;
    const auto& name = kReportNames[i].second;
    CLI::App* command = app.add_subcommand(std::string(name), descriptions[i]);
    command->fallthrough();
    if (kind != ReportKind::kHelpers) {
      command->add_option("--region", flags->region, "this region and everything below it");
    }
    AddPointFlags(command, &flags->point);
    AddUnitFlag(command, &flags->unit);
    if (kind != ReportKind::kHelpers) AddNameHistoryFlag(command, &flags->name_history);
    commands.Add(command, [&globals, kind, flags] { return RunReport(globals, kind, *flags); });
  }
  // region list, pair list, project list: under the commands that append them.
  const std::pair<ListKind, const char*> lists[] = {
      {ListKind::kRegions, "region"}, {ListKind::kPairings, "pair"}, {ListKind::kProjects, "project"}};
  const char* list_descriptions[] = {
      TrLater("the regions in tree order, with their dates, as of a point"),
      TrLater("the pairings with their program, dates and status (in_force, ended), as of a point"),
      TrLater("the projects with their region, category, budget and dates, as of a point")};
  for (size_t i = 0; i < std::size(lists); ++i) {
    const ListKind kind = lists[i].first;
    CLI::App* parent = app.get_subcommand(lists[i].second);
    CLI::App* command = parent->add_subcommand("list", list_descriptions[i]);
    command->fallthrough();
    command->add_option("--region", flags->region,
                        kind == ListKind::kPairings
                            ? "pairings whose helper or recipient is this region or below it"
                            : "this region and everything below it");
    AddPointFlags(command, &flags->point);
    if (kind == ListKind::kProjects) AddUnitFlag(command, &flags->unit);
    if (kind != ListKind::kPairings) AddNameHistoryFlag(command, &flags->name_history);
    commands.Add(command, [&globals, kind, flags] { return RunList(globals, kind, *flags); });
  }
  app::ProgressOptions* progress_options = commands.Keep<app::ProgressOptions>();
  CLI::App* progress = app.add_subcommand(
      "progress", "per pairing and indicator: the year's target, the figure so far and the completion rate");
  progress->fallthrough();
  progress->add_option("--year", progress_options->year, "the agreement year YYYY")->required();
  progress->add_option("--helper", progress_options->helper, "only pairings of this helper");
  progress->add_option("--recipient", progress_options->recipient,
                       "only pairings with this recipient");
  AddPointFlags(progress, &progress_options->point);
  commands.Add(progress, [&globals, progress_options] {
    return RunProgress(globals, *progress_options);
  });
  CLI::App* indicators = app.add_subcommand("indicators", "the indicators assistance is measured in");
  indicators->require_subcommand(1);
  indicators->fallthrough();
  CLI::App* indicators_list =
      indicators->add_subcommand("list", "print every indicator: code, names, unit, how it is measured");
  indicators_list->fallthrough();
  commands.Add(indicators_list, [&globals] { return RunIndicatorsList(globals); });
  std::string* daxie_amount = commands.Keep<std::string>();
  CLI::App* daxie =
      app.add_subcommand("daxie", "print an amount in Chinese uppercase (大写), as a bill is written");
  daxie->fallthrough();
  daxie->add_option("amount", *daxie_amount, "the amount, as the ledger reads it: 1,409.50, ¥12, 9238万")
      ->required();
  commands.Add(daxie, [daxie_amount] { return RunDaxie(*daxie_amount); });

  DefinePeriodReport(app, globals, commands);

  CLI::App* snapshot = app.add_subcommand("snapshot", "projection snapshots");
  snapshot->require_subcommand(1);
  snapshot->fallthrough();
  CLI::App* snapshot_create = snapshot->add_subcommand("create", "store every projection's state at the head");
  snapshot_create->fallthrough();
  commands.Add(snapshot_create, [&globals] { return RunSnapshotCreate(globals); });
  CLI::App* snapshot_list = snapshot->add_subcommand("list", "list stored snapshots and whether they are usable");
  snapshot_list->fallthrough();
  commands.Add(snapshot_list, [&globals] { return RunSnapshotList(globals); });
}

}  // namespace aidledger::cli
