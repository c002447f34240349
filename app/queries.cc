#include "app/queries.h"

#include <algorithm>
#include <array>
#include <optional>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "absl/time/time.h"
#include "app/csv.h"
#include "app/drafts.h"
#include "app/output.h"
#include "app/period_report.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/rounding.h"
#include "base/status_macros.h"

namespace aidledger::app {
namespace {


using FormerNames = google::protobuf::RepeatedPtrField<v1::FormerName>;

// A name as a table shows it: with its former names when asked.
std::string NameShown(const std::string& name, const FormerNames& former, bool history) {
  if (!history || former.empty()) return name;
  std::string shown = absl::StrCat(name, " (formerly ");
  for (int i = 0; i < former.size(); ++i) {
    absl::StrAppend(&shown, i == 0 ? "" : ", ", former[i].name(), " until ", former[i].until());
  }
  return shown + ")";
}

// The former names as one CSV cell: "定西地区 until 2003-01-01; ...".
std::string FormerNamesCell(const FormerNames& former) {
  std::string cell;
  for (const v1::FormerName& name : former) {
    absl::StrAppend(&cell, cell.empty() ? "" : "; ", name.name(), " until ", name.until());
  }
  return cell;
}

std::string UnitName(AmountUnit unit) {
  switch (unit) {
    case AmountUnit::kWan: return "万元";
    case AmountUnit::kYi: return "亿元";
    case AmountUnit::kFen: return "分";
    case AmountUnit::kYuan: break;
  }
  return "元";
}

// A CSV column's unit, as its name ends: allocated_yuan, allocated_fen.
std::string Column(absl::string_view figure, AmountUnit unit) {
  return absl::StrCat(figure, "_", UnitWord(unit));
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  for (const std::string& field : fields) quoted.push_back(CsvField(field));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\r\n");
}

std::vector<std::string> FigureCells(const v1::RegionFigures& f, AmountUnit unit) {
  return {PlainFen(f.allocated_fen(), unit), PlainFen(f.disbursed_fen(), unit),
          PlainFen(f.balance_fen(), unit), PlainFen(f.invested_fen(), unit),
          PlainFen(f.sales_fen(), unit), absl::StrCat(f.projects())};
}

std::string ProgramLabel(v1::Program program) {
  const std::string name = ProgramName(program);
  return name.empty() ? std::string(Tr("no pairing")) : name;
}

// A known_at time: RFC 3339, or a date standing for the end of that day
// in China.
absl::StatusOr<absl::Time> ParseKnownAt(const std::string& text, absl::string_view name) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  const std::string date = NormalizeDate(text);
  absl::CivilDay day;
  if (CheckDate(date, name).ok() && absl::ParseCivilTime(date, &day)) {
    return EndOfDayInChina(day);
  }
  return UsageError(absl::Substitute(Tr("$0 must be an RFC 3339 time like "
                                        "2023-01-01T00:00:00+08:00, or a date like 2023-01-01 "
                                        "(the end of that day in China) (got \"$1\")"),
                                     name, text.substr(0, limits::kQuotedInputBytesMax)));
}

}  // namespace

absl::StatusOr<FoldedPoint> FoldAtPoint(const Ledger& ledger, const PointOptions& options,
                                        const PointParameterNames& names) {
  FoldedPoint point;
  uint64_t sequence = ledger.head().sequence;
  if (options.at_seq.has_value() && !options.known_at.empty()) {
    return UsageError(absl::Substitute(Tr("$0 and $1 name two different points; give one"),
                                       names.at_seq, names.known_at));
  }
  if (options.at_seq.has_value()) {
    if (*options.at_seq > sequence) {
      return UsageError(absl::Substitute(Tr("$0 $1 is past the head of the log ($2)"),
                                         names.at_seq, *options.at_seq, sequence));
    }
    sequence = *options.at_seq;
  }
  if (!options.known_at.empty()) {
    ASSIGN_OR_RETURN(const absl::Time time, ParseKnownAt(options.known_at, names.known_at));
    ASSIGN_OR_RETURN(sequence, ledger.SequenceKnownAt(time));
    point.at.set_known_at(absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone()));
  }
  std::optional<std::string> as_of;
  if (!options.as_of.empty()) {
    absl::Status date = CheckDate(options.as_of, names.as_of);
    if (!date.ok()) return UsageError(date.message());
    as_of = options.as_of;
    point.at.set_as_of_date(options.as_of);
  }
  ASSIGN_OR_RETURN(point.folded, ledger.Fold(sequence, as_of, true, options.projections, options.extra));
  point.at.set_seq(point.folded.sequence);
  point.at.set_head_hash(point.folded.sequence == 0 ? "" : Hex(point.folded.hash));
  return point;
}

absl::string_view UnitWord(AmountUnit unit) {
  switch (unit) {
    case AmountUnit::kWan: return "wan";
    case AmountUnit::kYi: return "yi";
    case AmountUnit::kFen: return "fen";
    case AmountUnit::kYuan: break;
  }
  return "yuan";
}

absl::StatusOr<AmountUnit> ParseUnit(const std::string& text) {
  if (text == "yuan") return AmountUnit::kYuan;
  if (text == "wan") return AmountUnit::kWan;
  if (text == "yi") return AmountUnit::kYi;
  if (text == "fen") return AmountUnit::kFen;
  return UsageError(absl::Substitute(Tr("--unit must be yuan, wan, yi or fen (got \"$0\")"),
                                     text.substr(0, limits::kQuotedInputBytesMax)));
}

std::string PointOnly(const v1::PointInTime& at, const TableStyle& style) {
  std::string heading = absl::StrCat(Tr("at seq "), at.seq());
  if (!at.head_hash().empty()) absl::StrAppend(&heading, absl::Substitute(Tr(" (hash $0)"), at.head_hash().substr(0, 12)));
  if (!at.known_at().empty()) {
    absl::Time time;
    std::string error;
    const bool parsed = absl::ParseTime(absl::RFC3339_full, at.known_at(), &time, &error);
    absl::StrAppend(&heading, absl::Substitute(Tr(", as known at $0"),
                                               parsed ? DisplayTime(time, style.utc) : at.known_at()));
  }
  if (!at.as_of_date().empty()) absl::StrAppend(&heading, Tr(", effective as of "), at.as_of_date());
  return heading;
}


std::string PointHeading(const v1::PointInTime& at, const TableStyle& style) {
  return absl::StrCat(PointOnly(at, style), Tr("; amounts in "), UnitName(style.unit));
}

namespace {

// The figures a regions table prints of each region's total: allocated,
// disbursed, balance, invested, sales.
using ShownFigures = std::array<int64_t, 5>;

// In 元 the exact figures; in 万元 and 亿元 each column rounded down the
// region tree with 舍位平衡 (a region's figure is its own plus its
// children's, as printed), and the balance printed as allocated less
// disbursed. nullopt when the tree has more regions than one rounding
// takes (limits::kRoundingCellsMax): the caller rounds each figure alone.
std::optional<std::vector<ShownFigures>> ShownRegionTotals(const v1::RegionBalancesReport& report,
                                                           AmountUnit unit) {
  const size_t rows = static_cast<size_t>(report.regions_size());
  std::vector<ShownFigures> shown(rows);
  const int64_t step = UnitStepFen(unit);
  if (step == 1) {
    for (size_t row = 0; row < rows; ++row) {
      const v1::RegionFigures& t = report.regions(static_cast<int>(row)).total();
      shown[row] = {t.allocated_fen(), t.disbursed_fen(), t.balance_fen(), t.invested_fen(),
                    t.sales_fen()};
    }
    return shown;
  }
  absl::flat_hash_map<absl::string_view, size_t> index;
  std::vector<size_t> parents;
  for (const v1::RegionEntry& region : report.regions()) {
    auto parent = index.find(region.parent_code());
    parents.push_back(parent == index.end() ? kNoParent : parent->second);
    index[region.code()] = parents.size() - 1;
  }
  constexpr size_t kColumns[] = {0, 1, 3, 4};  // the balance follows
  for (size_t column : kColumns) {
    std::vector<std::vector<int64_t>> own(rows);
    for (size_t row = 0; row < rows; ++row) {
      const v1::RegionFigures& o = report.regions(static_cast<int>(row)).own();
      const int64_t figures[] = {o.allocated_fen(), o.disbursed_fen(), 0, o.invested_fen(),
                                 o.sales_fen()};
      own[row] = {figures[column]};
    }
    absl::StatusOr<RoundedTree> rounded = RoundTree(parents, own, step);
    if (!rounded.ok()) return std::nullopt;
    for (size_t row = 0; row < rows; ++row) shown[row][column] = rounded->rows[row][0] * step;
  }
  for (ShownFigures& figures : shown) figures[2] = figures[0] - figures[1];
  return shown;
}

// `fen` rounded half away from zero to the unit's step.
int64_t RoundedAlone(int64_t fen, AmountUnit unit) {
  const int64_t step = UnitStepFen(unit);
  return RoundHalfAway(fen, step) * step;
}

}  // namespace

std::string TableFigure(int64_t fen, AmountUnit unit) {
  return FixedFigure(RoundedAlone(fen, unit), unit);
}

std::string RegionsTable(const v1::RegionBalancesReport& report, const TableStyle& style) {
  const AmountUnit unit = style.unit;
  Table table({Tr("CODE"), Tr("REGION"), Tr("ALLOCATED"), Tr("DISBURSED"), Tr("BALANCE"), Tr("INVESTED"), Tr("SALES"),
               Tr("PROJECTS")},
              {2, 3, 4, 5, 6, 7});
  const int base_depth = report.regions().empty() ? 0 : report.regions(0).depth();
  const std::optional<std::vector<ShownFigures>> shown = ShownRegionTotals(report, unit);
  for (int row = 0; row < report.regions_size(); ++row) {
    const v1::RegionEntry& region = report.regions(row);
    const v1::RegionFigures& t = region.total();
    const ShownFigures figures =
        shown.has_value() ? (*shown)[static_cast<size_t>(row)]
                          : ShownFigures{RoundedAlone(t.allocated_fen(), unit),
                                         RoundedAlone(t.disbursed_fen(), unit),
                                         RoundedAlone(t.balance_fen(), unit),
                                         RoundedAlone(t.invested_fen(), unit),
                                         RoundedAlone(t.sales_fen(), unit)};
    const std::string indent(2 * static_cast<size_t>(std::max(0, region.depth() - base_depth)), ' ');
    std::vector<std::string> cells = {
        region.code(), indent + NameShown(region.name(), region.former_names(), style.name_history)};
    for (int64_t figure : figures) cells.push_back(FixedFigure(figure, unit));
    cells.push_back(absl::StrCat(t.projects()));
    table.AddRow(std::move(cells));
  }
  std::string notes = std::string(Tr("; each region's figures include the regions below it"));
  if (unit != AmountUnit::kYuan && !shown.has_value()) {
    absl::StrAppend(&notes, Tr("; too many regions to balance the rounding: each figure is "
                               "rounded alone and they may not add up"));
  }
  return absl::StrCat(PointHeading(report.at(), style), notes, "\n", table.Render());
}

std::string RegionsCsv(const v1::RegionBalancesReport& report, AmountUnit unit,
                       bool name_history) {
  std::string out(kUtf8Bom);
  std::vector<std::string> header = {"code", "name", "parent_code"};
  for (const char* scope : {"own", "total"}) {
    for (const char* figure : {"allocated", "disbursed", "balance", "invested", "sales"}) {
      header.push_back(Column(absl::StrCat(scope, "_", figure), unit));
    }
    header.push_back(absl::StrCat(scope, "_projects"));
  }
  if (name_history) header.push_back("former_names");
  out += CsvRow(header);
  for (const v1::RegionEntry& region : report.regions()) {
    std::vector<std::string> row = {region.code(), region.name(), region.parent_code()};
    for (const std::string& cell : FigureCells(region.own(), unit)) row.push_back(cell);
    for (const std::string& cell : FigureCells(region.total(), unit)) row.push_back(cell);
    if (name_history) row.push_back(FormerNamesCell(region.former_names()));
    out += CsvRow(row);
  }
  return out;
}

std::string ProjectsTable(const v1::ProjectTotalsReport& report, const TableStyle& style) {
  const AmountUnit unit = style.unit;
  Table table({Tr("PROJECT"), Tr("REGION"), Tr("NAME"), Tr("CATEGORY"), Tr("BUDGET"), Tr("ALLOCATED"), Tr("DISBURSED"),
               Tr("INVESTED")},
              {4, 5, 6, 7});
  for (const v1::ProjectEntry& p : report.projects()) {
    table.AddRow({p.project_id(), p.region_code(),
                  NameShown(p.name(), p.former_names(), style.name_history),
                  CategoryName(p.category()), TableFigure(p.budget_fen(), unit), TableFigure(p.allocated_fen(), unit),
                  TableFigure(p.disbursed_fen(), unit), TableFigure(p.invested_fen(), unit)});
  }
  return absl::StrCat(PointHeading(report.at(), style), "\n", table.Render());
}

std::string ProjectsCsv(const v1::ProjectTotalsReport& report, AmountUnit unit,
                        bool name_history) {
  std::string out(kUtf8Bom);
  std::vector<std::string> header = {"project_id", "region_code", "name", "category",
                                     Column("budget", unit), Column("allocated", unit),
                                     Column("disbursed", unit), Column("invested", unit)};
  if (name_history) header.push_back("former_names");
  out += CsvRow(header);
  for (const v1::ProjectEntry& p : report.projects()) {
    std::vector<std::string> row = {p.project_id(), p.region_code(), p.name(),
                                    CategoryName(p.category()), PlainFen(p.budget_fen(), unit),
                                    PlainFen(p.allocated_fen(), unit),
                                    PlainFen(p.disbursed_fen(), unit),
                                    PlainFen(p.invested_fen(), unit)};
    if (name_history) row.push_back(FormerNamesCell(p.former_names()));
    out += CsvRow(row);
  }
  return out;
}

namespace {

bool OwnIsTotal(const v1::HelperEntry& h) {
  return h.allocated_fen() == h.total().allocated_fen() &&
         h.invested_fen() == h.total().invested_fen() && h.sales_fen() == h.total().sales_fen();
}

}  // namespace

std::string HelpersTable(const v1::HelperTotalsReport& report, const TableStyle& style) {
  const AmountUnit unit = style.unit;
  Table table({Tr("CODE"), Tr("HELPER"), "", Tr("ALLOCATED"), Tr("INVESTED"), Tr("SALES")}, {3, 4, 5});
  int base_depth = std::numeric_limits<int>::max();
  for (const v1::HelperEntry& h : report.helpers()) base_depth = std::min(base_depth, h.depth());
  for (const v1::HelperEntry& h : report.helpers()) {
    const std::string indent(2 * static_cast<size_t>(std::max(0, h.depth() - base_depth)), ' ');
    const v1::HelperFigures& t = h.total();
    table.AddRow({h.code(), indent + h.name(), std::string(Tr("total")), TableFigure(t.allocated_fen(), unit),
                  TableFigure(t.invested_fen(), unit), TableFigure(t.sales_fen(), unit)});
    if (!OwnIsTotal(h)) {
      table.AddRow({"", "", std::string(Tr("own")), TableFigure(h.allocated_fen(), unit),
                    TableFigure(h.invested_fen(), unit), TableFigure(h.sales_fen(), unit)});
    }
    for (const v1::ProgramFigures& p : h.by_program()) {
      table.AddRow({"", "", ProgramLabel(p.program()), TableFigure(p.allocated_fen(), unit),
                    TableFigure(p.invested_fen(), unit), TableFigure(p.sales_fen(), unit)});
    }
  }
  return absl::StrCat(PointHeading(report.at(), style),
                      Tr("; a helper's total includes the regions below it, its own and its "
                         "programs are what it gave itself"),
                      "\n",
                      table.Render());
}

std::string HelpersCsv(const v1::HelperTotalsReport& report, AmountUnit unit) {
  std::string out(kUtf8Bom);
  out += CsvRow({"code", "name", "parent_code", "program", Column("allocated", unit),
                 Column("invested", unit), Column("sales", unit)});
  for (const v1::HelperEntry& h : report.helpers()) {
    auto row = [&](const std::string& program, int64_t allocated, int64_t invested, int64_t sales) {
      out += CsvRow({h.code(), h.name(), h.parent_code(), program, PlainFen(allocated, unit),
                     PlainFen(invested, unit), PlainFen(sales, unit)});
    };
    row("total", h.total().allocated_fen(), h.total().invested_fen(), h.total().sales_fen());
    row("own", h.allocated_fen(), h.invested_fen(), h.sales_fen());
    for (const v1::ProgramFigures& p : h.by_program()) {
      row(v1::Program_Name(p.program()), p.allocated_fen(), p.invested_fen(), p.sales_fen());
    }
  }
  return out;
}

std::string RegionListTable(const v1::RegionListReport& report, const TableStyle& style) {
  Table table({Tr("CODE"), Tr("REGION"), Tr("PARENT"), Tr("REGISTERED"), Tr("AMENDED")});
  const int base_depth = report.regions().empty() ? 0 : report.regions(0).depth();
  for (const v1::RegionRecord& region : report.regions()) {
    const std::string indent(2 * static_cast<size_t>(std::max(0, region.depth() - base_depth)), ' ');
    table.AddRow({region.code(),
                  indent + NameShown(region.name(), region.former_names(), style.name_history),
                  region.parent_code(), region.registered_on(), region.amended_on()});
  }
  return absl::StrCat(PointOnly(report.at(), style), "\n", table.Render());
}

std::string RegionListCsv(const v1::RegionListReport& report, bool name_history) {
  std::string out(kUtf8Bom);
  std::vector<std::string> header = {"code", "name", "parent_code", "registered_on", "amended_on"};
  if (name_history) header.push_back("former_names");
  out += CsvRow(header);
  for (const v1::RegionRecord& region : report.regions()) {
    std::vector<std::string> row = {region.code(), region.name(), region.parent_code(),
                                    region.registered_on(), region.amended_on()};
    if (name_history) row.push_back(FormerNamesCell(region.former_names()));
    out += CsvRow(row);
  }
  return out;
}

std::string PairingListTable(const v1::PairingListReport& report, const TableStyle& style) {
  Table table({Tr("HELPER"), "", Tr("RECIPIENT"), "", Tr("PROGRAM"), Tr("SINCE"), Tr("ESTABLISHED"), Tr("STATUS"),
               Tr("ENDED"), Tr("REASON")});
  for (const v1::PairingRecord& p : report.pairings()) {
    table.AddRow({p.helper_code(), p.helper_name(), p.recipient_code(), p.recipient_name(),
                  ProgramName(p.program()), p.since(), p.established_on(),
                  std::string(p.status() == "ended" ? Tr("ended") : Tr("in force")),
                  p.ended_on(), p.end_reason()});
  }
  return absl::StrCat(PointOnly(report.at(), style), "\n", table.Render());
}

std::string PairingListCsv(const v1::PairingListReport& report) {
  std::string out(kUtf8Bom);
  out += CsvRow({"helper_code", "helper_name", "recipient_code", "recipient_name", "program",
                 "since", "established_on", "status", "ended_on", "end_reason"});
  for (const v1::PairingRecord& p : report.pairings()) {
    out += CsvRow({p.helper_code(), p.helper_name(), p.recipient_code(), p.recipient_name(),
                   ProgramName(p.program()), p.since(), p.established_on(), p.status(),
                   p.ended_on(), p.end_reason()});
  }
  return out;
}

std::string ProjectListTable(const v1::ProjectListReport& report, const TableStyle& style) {
  Table table({Tr("PROJECT"), Tr("NAME"), Tr("REGION"), "", Tr("CATEGORY"), Tr("BUDGET"), Tr("REGISTERED"), Tr("AMENDED")},
              {5});
  for (const v1::ProjectRecord& p : report.projects()) {
    table.AddRow({p.project_id(), NameShown(p.name(), p.former_names(), style.name_history),
                  p.region_code(), p.region_name(),
                  CategoryName(p.category()), TableFigure(p.budget_fen(), style.unit),
                  p.registered_on(), p.amended_on()});
  }
  return absl::StrCat(PointHeading(report.at(), style), "\n", table.Render());
}

std::string ProjectListCsv(const v1::ProjectListReport& report, AmountUnit unit,
                           bool name_history) {
  std::string out(kUtf8Bom);
  std::vector<std::string> header = {"project_id", "name", "region_code", "region_name",
                                     "category", Column("budget", unit), "registered_on",
                                     "amended_on"};
  if (name_history) header.push_back("former_names");
  out += CsvRow(header);
  for (const v1::ProjectRecord& p : report.projects()) {
    std::vector<std::string> row = {p.project_id(), p.name(), p.region_code(), p.region_name(),
                                    CategoryName(p.category()), PlainFen(p.budget_fen(), unit),
                                    p.registered_on(), p.amended_on()};
    if (name_history) row.push_back(FormerNamesCell(p.former_names()));
    out += CsvRow(row);
  }
  return out;
}

}  // namespace aidledger::app
