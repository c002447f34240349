#include "app/period_report.h"

#include <algorithm>
#include <cstdlib>

#include <xlsxwriter.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "app/csv.h"
#include "app/output.h"
#include "app/queries.h"
#include "base/daxie.h"
#include "base/errors.h"
#include "base/messages.h"
#include "base/limits.h"
#include "base/rounding.h"
#include "base/status_macros.h"
#include "state/indicators.h"
#include "state/period_report.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// The series a figure comes from.
enum class Series { kPeriods, kPreviousYear, kYtd, kClosed };
constexpr size_t kSeriesCount = 4;
// What a column shows of a metric: the change and the percent are from
// the report's basis (the previous year, or the close).
enum class What { kCurrent, kYtd, kPreviousYear, kClosed, kChange, kPercent };  // kWhatNames follows this order

struct Column {
  size_t metric = 0;                  // index in the report's metrics
  What what = What::kCurrent;
  std::optional<size_t> period;       // nullopt: the total column
};

const google::protobuf::RepeatedField<int64_t>& SeriesOf(const v1::PeriodFigures& figures,
                                                          Series series) {
  switch (series) {
    case Series::kPeriods:
      return figures.periods_fen();
    case Series::kPreviousYear:
      return figures.previous_year_fen();
    case Series::kYtd:
      return figures.ytd_fen();
    case Series::kClosed:
      return figures.closed_fen();
  }
  return figures.periods_fen();
}

// One series of one metric: every row's figure per period, each row's
// total, each period's total over the rows at the top, and the grand total.
struct Figures {
  std::vector<std::vector<int64_t>> rows;
  std::vector<int64_t> row_totals;
  std::vector<int64_t> column_totals;
  int64_t total = 0;

  int64_t At(std::optional<size_t> row, std::optional<size_t> column) const {
    if (row.has_value()) return column.has_value() ? rows[*row][*column] : row_totals[*row];
    return column.has_value() ? column_totals[*column] : total;
  }
};

// The periods of `series` summed (a year to date has no total).
int64_t TotalOf(const v1::PeriodFigures& figures, Series series) {
  switch (series) {
    case Series::kPreviousYear:
      return figures.previous_year_total_fen();
    case Series::kClosed:
      return figures.closed_total_fen();
    default:
      return figures.total_fen();
  }
}

Figures ExactFigures(const v1::RegionPeriodReport& report, size_t metric, Series series) {
  Figures exact;
  for (const v1::PeriodReportRow& row : report.rows()) {
    const v1::PeriodFigures& figures = row.figures(static_cast<int>(metric));
    const auto& values = SeriesOf(figures, series);
    exact.rows.emplace_back(values.begin(), values.end());
    exact.row_totals.push_back(TotalOf(figures, series));
  }
  const v1::PeriodFigures& totals = report.totals(static_cast<int>(metric));
  const auto& values = SeriesOf(totals, series);
  exact.column_totals.assign(values.begin(), values.end());
  exact.total = TotalOf(totals, series);
  return exact;
}

// `exact` rounded to `step` fen with 舍位平衡 over the region tree.
absl::StatusOr<Figures> Rounded(const Figures& exact, const std::vector<size_t>& parents,
                                int64_t step) {
  if (step == 1 || exact.rows.empty()) return exact;
  // RoundTree takes each region's own figures: its row less its children's.
  std::vector<std::vector<int64_t>> own = exact.rows;
  for (size_t row = 0; row < parents.size(); ++row) {
    if (parents[row] == kNoParent) continue;
    for (size_t column = 0; column < own[row].size(); ++column) {
      own[parents[row]][column] -= exact.rows[row][column];
    }
  }
  absl::StatusOr<RoundedTree> tree = RoundTree(parents, own, step);
  if (!tree.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot round this report (", tree.status().message(),
        "): ask for fewer periods or regions, or for --unit yuan"));
  }
  // RoundTree counts units; the figures are fen again. An exact figure
  // fits int64, and so does its rounding but at the very edge.
  Figures shown{.rows = std::move(tree->rows),
                .row_totals = std::move(tree->row_totals),
                .column_totals = std::move(tree->column_totals),
                .total = tree->total};
  bool overflow = __builtin_mul_overflow(shown.total, step, &shown.total);
  for (std::vector<int64_t>* figures : {&shown.row_totals, &shown.column_totals}) {
    for (int64_t& figure : *figures) overflow |= __builtin_mul_overflow(figure, step, &figure);
  }
  for (std::vector<int64_t>& row : shown.rows) {
    for (int64_t& figure : row) overflow |= __builtin_mul_overflow(figure, step, &figure);
  }
  if (overflow) return absl::OutOfRangeError("a rounded figure of this report exceeds 64 bits");
  return shown;
}

// A metric's series, exact and as shown; a change is from `basis`.
struct MetricFigures {
  Figures exact[kSeriesCount], shown[kSeriesCount];
  Series basis = Series::kPreviousYear;
};

// Whether `report` has `series`.
bool Has(const v1::RegionPeriodReport& report, Series series) {
  switch (series) {
    case Series::kPreviousYear:
      return report.previous_year();
    case Series::kYtd:
      return report.ytd();
    case Series::kClosed:
      return report.compare_close() != 0;
    default:
      return true;
  }
}

// `part` of `whole` in hundredths of a percent, rounded half away from
// zero; nullopt when `whole` is zero or the share exceeds int64.
std::optional<int64_t> Share(__int128 part, __int128 whole) {
  if (whole == 0) return std::nullopt;
  const __int128 base = whole < 0 ? -whole : whole;
  __int128 scaled = part * 10'000;
  scaled += scaled < 0 ? -base / 2 : base / 2;
  const __int128 points = scaled / base;
  if (points > INT64_MAX || points < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(points);
}

// Each row's parent row (kNoParent at the top): the nearest row above it
// whose code is its parent_code.
std::vector<size_t> ParentsOf(const v1::RegionPeriodReport& report) {
  std::vector<size_t> parents;
  for (const v1::PeriodReportRow& row : report.rows()) {
    size_t parent = kNoParent;
    for (size_t at = parents.size(); at-- > 0;) {
      if (report.rows(static_cast<int>(at)).code() == row.parent_code()) {
        parent = at;
        break;
      }
    }
    parents.push_back(parent);
  }
  return parents;
}

// A projects report's 项目执行 figures: the budget and the disbursed to
// date of each row, exact and as shown (a figure each, rounded over the
// tree as every other).
struct Execution {
  Figures exact[2], shown[2];  // budget, disbursed to date
};
absl::StatusOr<Execution> ExecutionFigures(const v1::RegionPeriodReport& report,
                                           const std::vector<size_t>& parents, int64_t step) {
  Execution execution;
  for (size_t which = 0; which < 2; ++which) {
    Figures& exact = execution.exact[which];
    for (const v1::PeriodReportRow& row : report.rows()) {
      const int64_t fen = which == 0 ? row.budget_fen() : row.disbursed_to_date_fen();
      exact.rows.push_back({fen});
      exact.row_totals.push_back(fen);
    }
    exact.total = which == 0 ? report.budget_fen() : report.disbursed_to_date_fen();
    exact.column_totals = {exact.total};
    ASSIGN_OR_RETURN(execution.shown[which], Rounded(exact, parents, step));
  }
  return execution;
}

// 执行率 of a row (nullopt: the 合计 row) or the total.
ReportCell ExecutionCell(const Execution& execution, size_t which, std::optional<size_t> row) {
  ReportCell cell;
  if (which < 2) {
    cell.fen = execution.exact[which].At(row, std::nullopt);
    cell.shown = execution.shown[which].At(row, std::nullopt);
    return cell;
  }
  cell.percent = true;
  const int64_t budget = execution.exact[0].At(row, std::nullopt);
  const int64_t to_date = execution.exact[1].At(row, std::nullopt);
  cell.basis_points = budget <= 0 ? std::nullopt : Share(to_date, budget);
  return cell;
}

absl::StatusOr<std::vector<MetricFigures>> AllFigures(const v1::RegionPeriodReport& report,
                                                      int64_t step) {
  const std::vector<size_t> parents = ParentsOf(report);
  std::vector<MetricFigures> all(static_cast<size_t>(report.metrics_size()));
  for (size_t metric = 0; metric < all.size(); ++metric) {
    if (report.compare_close() != 0) all[metric].basis = Series::kClosed;
    for (Series series : {Series::kPeriods, Series::kPreviousYear, Series::kYtd, Series::kClosed}) {
      if (!Has(report, series)) continue;
      const size_t at = static_cast<size_t>(series);
      all[metric].exact[at] = ExactFigures(report, metric, series);
      ASSIGN_OR_RETURN(all[metric].shown[at], Rounded(all[metric].exact[at], parents, step));
    }
  }
  return all;
}

// The change from the basis (the previous year or the close) in
// hundredths of a percent; nullopt when the basis is zero.
std::optional<int64_t> BasisPoints(int64_t now, int64_t before) {
  return Share(static_cast<__int128>(now) - before, before);
}

ReportCell Cell(const MetricFigures& figures, What what, std::optional<size_t> row,
                std::optional<size_t> period) {
  const size_t periods = static_cast<size_t>(Series::kPeriods);
  const size_t previous = static_cast<size_t>(figures.basis);
  ReportCell cell;
  switch (what) {
    case What::kCurrent:
    case What::kYtd:
    case What::kPreviousYear:
    case What::kClosed: {
      const size_t series = what == What::kCurrent        ? periods
                            : what == What::kYtd          ? static_cast<size_t>(Series::kYtd)
                            : what == What::kPreviousYear ? static_cast<size_t>(Series::kPreviousYear)
                                                          : static_cast<size_t>(Series::kClosed);
      cell.fen = figures.exact[series].At(row, period);
      cell.shown = figures.shown[series].At(row, period);
      break;
    }
    case What::kChange:
      // Wrapping is impossible in practice (each side is a sum of
      // amounts a ledger bounds) and would show, not hide, a wrong figure.
      cell.fen = static_cast<int64_t>(static_cast<uint64_t>(figures.exact[periods].At(row, period)) -
                                      static_cast<uint64_t>(figures.exact[previous].At(row, period)));
      cell.shown = static_cast<int64_t>(static_cast<uint64_t>(figures.shown[periods].At(row, period)) -
                                        static_cast<uint64_t>(figures.shown[previous].At(row, period)));
      break;
    case What::kPercent:
      cell.percent = true;
      cell.basis_points = BasisPoints(figures.exact[periods].At(row, period),
                                      figures.exact[previous].At(row, period));
      break;
  }
  return cell;
}

absl::string_view MetricChinese(absl::string_view metric) {
  if (metric == kIndicatorMetric) return "完成数";
  if (metric == "allocated") return "拨付";
  if (metric == "disbursed") return "支出";
  if (metric == "invested") return "投资";
  return "消费帮扶";
}

// What a column header adds to the metric's name, and a CSV key to its
// word; in What order.
struct WhatNames {
  absl::string_view chinese, key;
};
constexpr WhatNames kWhatNames[] = {
    {"", ""}, {"本年累计", "_ytd"}, {"上年同期", "_previous_year"}, {"结账数", "_as_closed"},
    {"增减额", "_change"}, {"增减%", "_change"}};
const WhatNames& NamesOf(What what) { return kWhatNames[static_cast<size_t>(what)]; }

absl::string_view UnitChinese(AmountUnit unit) {
  switch (unit) {
    case AmountUnit::kWan:
      return "万元";
    case AmountUnit::kYi:
      return "亿元";
    default:
      return "元";
  }
}

// "2022-01" 2022年1月, "2022-Q1" 2022年第一季度, "2022" 2022年.
std::string PeriodChinese(absl::string_view period) {
  static constexpr absl::string_view kQuarters[] = {"第一季度", "第二季度", "第三季度",
                                                    "第四季度"};
  const absl::string_view year = period.substr(0, 4);
  if (period.size() == 7 && period[5] == 'Q' && period[6] >= '1' && period[6] <= '4') {
    return absl::StrCat(year, "年", kQuarters[period[6] - '1']);
  }
  int month = 0;
  if (period.size() == 7 && absl::SimpleAtoi(period.substr(5), &month)) {
    return absl::StrCat(year, "年", month, "月");
  }
  return absl::StrCat(year, "年");
}

// 报告期 from YYYY-MM to YYYY-MM: "2022年度" for one whole year.
std::string PeriodText(absl::string_view from, absl::string_view to) {
  if (from.substr(0, 4) == to.substr(0, 4) && from.substr(5) == "01" && to.substr(5) == "12") {
    return absl::StrCat(from.substr(0, 4), "年度");
  }
  if (from == to) return PeriodChinese(from);
  return absl::StrCat(PeriodChinese(from), "至", PeriodChinese(to));
}

std::vector<Column> Columns(const v1::RegionPeriodReport& report) {
  std::vector<What> per_period = {What::kCurrent};
  if (report.ytd()) per_period.push_back(What::kYtd);
  std::vector<What> per_total = {What::kCurrent};
  // A report compares with the previous year or with a close, not both.
  if (report.previous_year() || report.compare_close() != 0) {
    const What basis = report.previous_year() ? What::kPreviousYear : What::kClosed;
    for (What what : {basis, What::kChange, What::kPercent}) {
      per_period.push_back(what);
      per_total.push_back(what);
    }
  }
  std::vector<Column> columns;
  for (size_t period = 0; period < static_cast<size_t>(report.periods_size()); ++period) {
    for (size_t metric = 0; metric < static_cast<size_t>(report.metrics_size()); ++metric) {
      for (What what : per_period) columns.push_back({metric, what, period});
    }
  }
  for (size_t metric = 0; metric < static_cast<size_t>(report.metrics_size()); ++metric) {
    for (What what : per_total) columns.push_back({metric, what, std::nullopt});
  }
  return columns;
}

void LayOutColumns(const v1::RegionPeriodReport& report, const std::vector<Column>& columns,
                   AmountUnit unit, ReportGrid* grid) {
  for (const Column& column : columns) {
    const std::string& metric = report.metrics(static_cast<int>(column.metric));
    const std::string period =
        column.period.has_value() ? report.periods(static_cast<int>(*column.period)) : "total";
    const std::string group =
        column.period.has_value() ? PeriodChinese(period) : std::string("合计");
    if (grid->groups.empty() || grid->groups.back().name != group) grid->groups.push_back({group, 0});
    ++grid->groups.back().columns;
    grid->headers.push_back(absl::StrCat(MetricChinese(metric), NamesOf(column.what).chinese));
    // An indicators report's rows are in units of their own (its unit
    // column): its keys name none but the percent.
    const absl::string_view in = column.what == What::kPercent ? "percent"
                                 : report.kind() == "indicators" ? ""
                                                                 : UnitWord(unit);
    grid->keys.push_back(absl::StrCat(period, "_", metric, NamesOf(column.what).key,
                                      in.empty() ? "" : "_", in));
  }
}

// The filters the figures are limited to, as one line (none without).
std::vector<std::string> ScopeLines(const v1::RegionPeriodReport& report) {
  std::vector<std::string> scope;
  if (!report.helper().empty()) scope.push_back(absl::StrCat("帮扶方 ", report.helper(), " 及其下级"));
  if (!report.program().empty()) {
    absl::StatusOr<int> program = ParseWord(kPrograms, report.program());
    scope.push_back(absl::StrCat("帮扶类型 ", program.ok() ? ProgramChinese(*program) : report.program()));
  }
  if (!report.to_region().empty()) {
    scope.push_back(absl::StrCat("受援地区 ", report.to_region(), " 及其下级"));
  }
  if (scope.empty()) return {};
  return {absl::StrCat("统计范围：", absl::StrJoin(scope, "；"),
                       report.kind() == "indicators" ? "" : "（不含支出：支出不记帮扶方）")};
}

// With --compare-close: what 结账数 is, and the regions moved since.
std::vector<std::string> CloseComparisonLines(const v1::RegionPeriodReport& report) {
  std::vector<std::string> lines;
  if (report.compare_close() == 0) return lines;
  lines.push_back(absl::StrCat("结账数：", report.compare_close(), "年度结账时（seq ",
                               report.closed_at().seq(),
                               "）的数字，按现行地区层级汇总；增减额为结账后的调整"));
  for (const v1::RegionMove& move : report.moved_since_close()) {
    lines.push_back(absl::StrCat("结账后变更上级：", move.code(), " ", move.name(), "　原上级 ",
                                 move.parent_code_then().empty() ? "（无）" : move.parent_code_then(),
                                 "，现上级 ",
                                 move.parent_code_now().empty() ? "（无）" : move.parent_code_now(),
                                 "（结账时上报的上级数字见 --as-closed）"));
  }
  return lines;
}

// The 以前年度调整 lines of `report`: a heading, then one line per
// adjustment (its seq, date, what it did and why).
void AddAdjustmentLines(const v1::RegionPeriodReport& report, std::vector<std::string>* lines) {
  if (report.adjustments().empty()) return;
  lines->push_back("以前年度调整（结账后录入，已计入上表）：");
  for (const v1::PeriodAdjustment& a : report.adjustments()) {
    lines->push_back(absl::StrCat(a.year(), "年度　seq ", a.sequence(), "　", a.effective_date(),
                                 "　", a.summary(), "　原因：", a.reason()));
  }
  if (report.adjustments_not_listed() > 0) {
    lines->push_back(absl::StrCat("另有 ", report.adjustments_not_listed(), " 笔未列出"));
  }
}

// The page around the figures: the title (the flag's, or `title`), the
// heading, the point and the signature lines.
ReportGrid PageOf(const v1::RegionPeriodReport& report, const ReportLayout& layout,
                  std::string title) {
  ReportGrid grid;
  grid.title = layout.title.empty() ? std::move(title) : layout.title;
  grid.period_text = PeriodText(report.from(), report.to());
  grid.unit_text = std::string(UnitChinese(layout.unit));
  grid.unit_name = layout.unit_name;
  grid.point = layout.point;
  grid.signatures = {absl::StrCat("填表人：", layout.prepared_by),
                     absl::StrCat("审核人：", layout.reviewed_by),
                     absl::StrCat("负责人：", layout.approved_by)};
  return grid;
}

// The series of one row of an indicators report, exact and rounded to
// `step` fen on their own (1: a count, never rounded): the row is its own
// tree, its periods adding up to its total.
absl::StatusOr<MetricFigures> RowFigures(const v1::RegionPeriodReport& report, int row,
                                         int64_t step) {
  MetricFigures all;
  if (report.compare_close() != 0) all.basis = Series::kClosed;
  const v1::PeriodFigures& figures = report.rows(row).figures(0);
  for (Series series : {Series::kPeriods, Series::kPreviousYear, Series::kYtd, Series::kClosed}) {
    if (!Has(report, series)) continue;
    const size_t at = static_cast<size_t>(series);
    const auto& values = SeriesOf(figures, series);
    Figures& exact = all.exact[at];
    exact.rows = {std::vector<int64_t>(values.begin(), values.end())};
    exact.total = TotalOf(figures, series);
    exact.row_totals = {exact.total};
    exact.column_totals = exact.rows[0];
    ASSIGN_OR_RETURN(all.shown[at], Rounded(exact, {kNoParent}, step));
  }
  return all;
}

// The Chinese unit of a count row: the indicators table's, by code.
std::string CountUnitChinese(absl::string_view code) {
  for (const IndicatorInfo& info : Indicators()) {
    if (info.code == code) return std::string(info.unit_chinese);
  }
  return "";
}

// An indicators report: a row per indicator with its unit, money rows in
// the report's unit rounded each on its own, counts as they are; no 合计
// row (the units differ), and the 大写 of every money indicator's total.
absl::StatusOr<ReportGrid> IndicatorPeriodGrid(const v1::RegionPeriodReport& report,
                                               const ReportLayout& layout) {
  ReportGrid grid = PageOf(report, layout, "帮扶指标完成情况表");
  grid.row_header = "指标";
  grid.sheet_name = "指标完成情况";
  grid.unit_column = true;
  const std::vector<Column> columns = Columns(report);
  LayOutColumns(report, columns, layout.unit, &grid);
  for (int row = 0; row < report.rows_size(); ++row) {
    const v1::PeriodReportRow& source = report.rows(row);
    const bool money = source.unit() == "fen";
    ASSIGN_OR_RETURN(const MetricFigures figures,
                     RowFigures(report, row, money ? UnitStepFen(layout.unit) : 1));
    ReportGrid::Row& out = grid.rows.emplace_back();
    out.code = source.code();
    out.name = source.name();
    out.depth = source.depth();
    out.unit_text = money ? std::string(UnitChinese(layout.unit)) : CountUnitChinese(source.code());
    out.unit_word = money ? std::string(UnitWord(layout.unit)) : source.unit();
    for (const Column& column : columns) {
      ReportCell& cell = out.cells.emplace_back(Cell(figures, column.what, 0, column.period));
      cell.count = !money && !cell.percent;
    }
    if (!money) continue;
    const int64_t total = figures.exact[static_cast<size_t>(Series::kPeriods)].total;
    grid.daxie.push_back(absl::StrCat(source.name(), "合计（大写）：人民币", Daxie(total), "（¥",
                                      FormatFen(total, AmountUnit::kYuan), "）"));
  }
  grid.notes = ScopeLines(report);
  grid.notes.push_back(
      "说明：指标按生效日期计入所在期间，冲销计入冲销日期所在期间；“其中”行已含在上一行内；"
      "财政援助资金、引导企业投资、消费帮扶由资金事件汇总");
  for (std::string& line : CloseComparisonLines(report)) grid.notes.push_back(std::move(line));
  AddAdjustmentLines(report, &grid.notes);
  return grid;
}

}  // namespace

int64_t UnitStepFen(AmountUnit unit) {
  switch (unit) {
    case AmountUnit::kWan:
      return 10'000;
    case AmountUnit::kYi:
      return 1'000'000;
    default:
      return 1;
  }
}

std::string FixedFigure(int64_t shown_fen, AmountUnit unit) {
  std::string text = FormatFen(shown_fen, unit);
  const size_t decimals = unit == AmountUnit::kYi ? 4 : 2;
  const size_t dot = text.find('.');
  if (dot == std::string::npos) return text;
  const size_t have = text.size() - dot - 1;
  if (have < decimals) text.append(decimals - have, '0');
  if (have > decimals) text.resize(dot + 1 + decimals);
  return text;
}

absl::StatusOr<ReportGrid> RegionPeriodGrid(const v1::RegionPeriodReport& report,
                                            const ReportLayout& layout) {
  if (report.kind() == "indicators") return IndicatorPeriodGrid(report, layout);
  ASSIGN_OR_RETURN(std::vector<MetricFigures> figures,
                   AllFigures(report, UnitStepFen(layout.unit)));
  const bool helpers = report.kind() == "helpers", projects = report.kind() == "projects";
  const absl::string_view by = helpers ? "帮扶方" : projects ? "项目" : "地区";
  ReportGrid grid = PageOf(report, layout, absl::StrCat("援助资金分", by, "报表"));
  grid.row_header = projects ? "地区/项目" : std::string(by);
  grid.sheet_name = absl::StrCat("分", by, "报表");
  const std::vector<Column> columns = Columns(report);
  LayOutColumns(report, columns, layout.unit, &grid);
  std::optional<Execution> execution;
  if (projects) {
    ASSIGN_OR_RETURN(execution,
                     ExecutionFigures(report, ParentsOf(report), UnitStepFen(layout.unit)));
    grid.groups.push_back({"项目执行", 3});
    grid.headers.insert(grid.headers.end(), {"预算", "累计支出", "执行率"});
    const std::string unit = std::string(UnitWord(layout.unit));
    grid.keys.insert(grid.keys.end(), {"budget_" + unit, "disbursed_to_date_" + unit,
                                       "execution_rate_percent"});
  }
  const int top_depth = report.rows().empty() ? 0 : report.rows(0).depth();
  const size_t rows = static_cast<size_t>(report.rows_size());
  for (size_t row = 0; row <= rows; ++row) {
    ReportGrid::Row& out = grid.rows.emplace_back();
    const std::optional<size_t> at = row < rows ? std::optional<size_t>(row) : std::nullopt;
    if (at.has_value()) {
      const v1::PeriodReportRow& source = report.rows(static_cast<int>(row));
      out.code = source.code();
      out.name = source.name();
      out.depth = source.depth() - top_depth;
    } else {
      out.name = "合计";
      out.total = true;
    }
    for (const Column& column : columns) {
      out.cells.push_back(Cell(figures[column.metric], column.what, at, column.period));
    }
    for (size_t which = 0; execution.has_value() && which < 3; ++which) {
      out.cells.push_back(ExecutionCell(*execution, which, at));
    }
  }
  for (size_t metric = 0; metric < figures.size(); ++metric) {
    const int64_t total = figures[metric].exact[static_cast<size_t>(Series::kPeriods)].total;
    grid.daxie.push_back(absl::StrCat(MetricChinese(report.metrics(static_cast<int>(metric))),
                                      "合计（大写）：人民币", Daxie(total), "（¥",
                                      FormatFen(total, AmountUnit::kYuan), "）"));
  }
  grid.notes = ScopeLines(report);
  if (projects) {
    grid.notes.push_back(absl::StrCat("执行率＝累计支出÷预算；累计支出为项目自开始至报告期末（",
                                      PeriodChinese(report.to()), "）的全部支出"));
  }
  for (std::string& line : CloseComparisonLines(report)) grid.notes.push_back(std::move(line));
  AddAdjustmentLines(report, &grid.notes);
  return grid;
}

namespace {

std::string PercentText(int64_t basis_points) {
  const uint64_t magnitude = basis_points < 0 ? ~static_cast<uint64_t>(basis_points) + 1
                                              : static_cast<uint64_t>(basis_points);
  const uint64_t hundredths = magnitude % 100;
  return absl::StrCat(basis_points < 0 ? "-" : "", magnitude / 100, hundredths < 10 ? ".0" : ".",
                      hundredths);
}

std::string CellText(const ReportCell& cell, AmountUnit unit) {
  if (cell.count) return FormatCount(cell.shown);
  if (cell.percent) {
    return cell.basis_points.has_value() ? PercentText(*cell.basis_points) + "%" : "—";
  }
  return FixedFigure(cell.shown, unit);
}

std::string HeadingLine(const ReportGrid& grid) {
  return absl::StrCat("编制单位：", grid.unit_name, "　　报告期：", grid.period_text,
                      grid.unit_column ? "　　金额单位：" : "　　单位：", grid.unit_text);
}

// Each column's group name.
std::vector<std::string> ColumnGroups(const ReportGrid& grid) {
  std::vector<std::string> names;
  for (const ReportGrid::Group& group : grid.groups) names.insert(names.end(), group.columns, group.name);
  return names;
}

// The print CSS: A4 landscape, the table's header (with the title and the
// heading) repeated on every page, no row split across pages.
constexpr absl::string_view kReportCss =
    "@page{size:A4 landscape;margin:12mm}"
    "body{font-family:'Noto Sans CJK SC','Noto Serif CJK SC',sans-serif;font-size:10pt;margin:0}"
    "table{border-collapse:collapse;width:100%}"
    "thead{display:table-header-group}tr{break-inside:avoid;page-break-inside:avoid}"
    "th,td{border:1px solid #000;padding:2px 4px}"
    "thead tr.title th,thead tr.heading th{border:none}"
    "tr.title th{font-size:16pt;text-align:center}"
    "tr.heading th{font-weight:normal;text-align:left}"
    "td.figure{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "tr.total td{font-weight:bold}"
    "p.daxie{margin:2mm 0}div.signatures{display:flex;justify-content:space-between;margin-top:8mm}"
    "div.signatures span{min-width:20%}";

}  // namespace

std::string ReportGridTable(const ReportGrid& grid, AmountUnit unit) {
  const std::vector<std::string> groups = ColumnGroups(grid);
  std::vector<std::string> header = {"代码", grid.row_header};
  if (grid.unit_column) header.push_back("计量单位");
  const size_t first = header.size();
  std::vector<size_t> right_aligned;
  for (size_t column = 0; column < grid.headers.size(); ++column) {
    header.push_back(absl::StrCat(groups[column], " ", grid.headers[column]));
    right_aligned.push_back(column + first);
  }
  Table table(std::vector<absl::string_view>(header.begin(), header.end()), right_aligned);
  for (const ReportGrid::Row& row : grid.rows) {
    std::vector<std::string> cells = {row.code,
                                      std::string(2 * static_cast<size_t>(row.depth), ' ') + row.name};
    if (grid.unit_column) cells.push_back(row.unit_text);
    for (const ReportCell& cell : row.cells) cells.push_back(CellText(cell, unit));
    table.AddRow(std::move(cells));
  }
  // The title, the office and the names come from flags: shown as
  // TerminalText, as the table's cells are.
  std::string out = absl::StrCat(TerminalText(grid.title), "\n", TerminalText(HeadingLine(grid)),
                                 "\n", grid.point, "\n", table.Render());
  for (const std::string& line : grid.daxie) absl::StrAppend(&out, line, "\n");
  for (const std::string& line : grid.notes) absl::StrAppend(&out, TerminalText(line), "\n");
  absl::StrAppend(&out, TerminalText(absl::StrJoin(grid.signatures, "　　　　")), "\n");
  return out;
}

std::string ReportGridCsv(const ReportGrid& grid, AmountUnit unit) {
  std::string out = absl::StrCat(kUtf8Bom, "code,name,depth", grid.unit_column ? ",unit" : "");
  for (const std::string& key : grid.keys) absl::StrAppend(&out, ",", key);
  out += "\r\n";
  for (const ReportGrid::Row& row : grid.rows) {
    absl::StrAppend(&out, CsvField(row.code), ",", CsvField(row.name), ",", row.depth);
    if (grid.unit_column) absl::StrAppend(&out, ",", CsvField(row.unit_word));
    for (const ReportCell& cell : row.cells) {
      out += ",";
      if (cell.count) {
        absl::StrAppend(&out, cell.fen);
      } else if (!cell.percent) {
        out += PlainFen(cell.fen, unit);
      } else if (cell.basis_points.has_value()) {
        out += PercentText(*cell.basis_points);
      }
    }
    out += "\r\n";
  }
  return out;
}

std::string ReportGridHtml(const ReportGrid& grid, AmountUnit unit) {
  const size_t width = grid.headers.size() + (grid.unit_column ? 3 : 2);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>",
      HtmlEscaped(grid.title), "</title><style>", kReportCss, "</style></head><body>\n<table><thead>",
      "<tr class=\"title\"><th colspan=\"", width, "\">", HtmlEscaped(grid.title), "</th></tr>",
      "<tr class=\"heading\"><th colspan=\"", width, "\">", HtmlEscaped(HeadingLine(grid)),
      "<br>", HtmlEscaped(grid.point), "</th></tr>\n<tr><th rowspan=\"2\">代码</th><th rowspan=\"2\">",
      HtmlEscaped(grid.row_header), "</th>", grid.unit_column ? "<th rowspan=\"2\">计量单位</th>" : "");
  for (const ReportGrid::Group& group : grid.groups) {
    absl::StrAppend(&out, "<th colspan=\"", group.columns, "\">", HtmlEscaped(group.name), "</th>");
  }
  out += "</tr>\n<tr>";
  for (const std::string& header : grid.headers) absl::StrAppend(&out, "<th>", HtmlEscaped(header), "</th>");
  out += "</tr></thead>\n<tbody>\n";
  for (const ReportGrid::Row& row : grid.rows) {
    absl::StrAppend(&out, row.total ? "<tr class=\"total\">" : "<tr>", "<td>", HtmlEscaped(row.code),
                    "</td><td style=\"padding-left:", 0.3 + row.depth, "em\">",
                    HtmlEscaped(row.name), "</td>");
    if (grid.unit_column) absl::StrAppend(&out, "<td>", HtmlEscaped(row.unit_text), "</td>");
    for (const ReportCell& cell : row.cells) {
      absl::StrAppend(&out, "<td class=\"figure\">", HtmlEscaped(CellText(cell, unit)), "</td>");
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  for (const std::string& line : grid.daxie) absl::StrAppend(&out, "<p class=\"daxie\">", HtmlEscaped(line), "</p>\n");
  for (const std::string& line : grid.notes) {
    absl::StrAppend(&out, "<p class=\"adjustment\">", HtmlEscaped(line), "</p>\n");
  }
  out += "<div class=\"signatures\">";
  for (const std::string& line : grid.signatures) absl::StrAppend(&out, "<span>", HtmlEscaped(line), "</span>");
  out += "</div>\n</body></html>\n";
  return out;
}

namespace {

// The workbook's cell formats.
struct XlsxFormats {
  lxw_format* title;
  lxw_format* heading;
  lxw_format* header;
  lxw_format* text;
  lxw_format* total_text;
  lxw_format* figure;
  lxw_format* total_figure;
  lxw_format* percent;
  lxw_format* total_percent;
  lxw_format* count;  // an indicators report's counts
};

lxw_format* BorderedFormat(lxw_workbook* book, bool bold) {
  lxw_format* format = workbook_add_format(book);
  format_set_border(format, LXW_BORDER_THIN);
  format_set_font_name(format, "Noto Sans CJK SC");
  if (bold) format_set_bold(format);
  return format;
}

XlsxFormats MakeFormats(lxw_workbook* book, AmountUnit unit) {
  XlsxFormats formats;
  formats.title = workbook_add_format(book);
  format_set_bold(formats.title);
  format_set_font_size(formats.title, 16);
  format_set_align(formats.title, LXW_ALIGN_CENTER);
  formats.heading = workbook_add_format(book);
  formats.header = BorderedFormat(book, true);
  format_set_align(formats.header, LXW_ALIGN_CENTER);
  format_set_align(formats.header, LXW_ALIGN_VERTICAL_CENTER);
  format_set_text_wrap(formats.header);
  formats.text = BorderedFormat(book, false);
  formats.total_text = BorderedFormat(book, true);
  const char* number = unit == AmountUnit::kYi ? "#,##0.0000" : "#,##0.00";
  formats.figure = BorderedFormat(book, false);
  format_set_num_format(formats.figure, number);
  formats.total_figure = BorderedFormat(book, true);
  format_set_num_format(formats.total_figure, number);
  formats.percent = BorderedFormat(book, false);
  format_set_num_format(formats.percent, "0.00%");
  formats.total_percent = BorderedFormat(book, true);
  format_set_num_format(formats.total_percent, "0.00%");
  formats.count = BorderedFormat(book, false);
  format_set_num_format(formats.count, "#,##0");
  return formats;
}

// A cell's exact value in `unit` (1 元 is 100 fen): what the workbook keeps.
double CellValue(const ReportCell& cell, AmountUnit unit) {
  if (cell.percent) return static_cast<double>(*cell.basis_points) / 10'000;
  if (cell.count) return static_cast<double>(cell.fen);
  const double fen_per_unit = unit == AmountUnit::kYi ? 1e10 : unit == AmountUnit::kWan ? 1e6 : 100;
  return static_cast<double>(cell.fen) / fen_per_unit;
}

// Rows 0-4 (title, heading, point, groups, headers), then the figures.
constexpr lxw_row_t kXlsxFirstFigureRow = 5;

// The first column of figures: after the code, the name and the unit.
lxw_col_t FirstFigureColumn(const ReportGrid& grid) { return grid.unit_column ? 3 : 2; }

void WriteXlsxHeader(const ReportGrid& grid, lxw_worksheet* sheet, const XlsxFormats& formats) {
  const lxw_col_t first = FirstFigureColumn(grid);
  const lxw_col_t last = static_cast<lxw_col_t>(grid.headers.size() + first - 1);
  worksheet_merge_range(sheet, 0, 0, 0, last, grid.title.c_str(), formats.title);
  worksheet_merge_range(sheet, 1, 0, 1, last, HeadingLine(grid).c_str(), formats.heading);
  worksheet_merge_range(sheet, 2, 0, 2, last, grid.point.c_str(), formats.heading);
  worksheet_merge_range(sheet, 3, 0, 4, 0, "代码", formats.header);
  worksheet_merge_range(sheet, 3, 1, 4, 1, grid.row_header.c_str(), formats.header);
  if (grid.unit_column) worksheet_merge_range(sheet, 3, 2, 4, 2, "计量单位", formats.header);
  lxw_col_t column = first;
  for (const ReportGrid::Group& group : grid.groups) {
    const lxw_col_t end = column + static_cast<lxw_col_t>(group.columns) - 1;
    if (end == column) {
      worksheet_write_string(sheet, 3, column, group.name.c_str(), formats.header);
    } else {
      worksheet_merge_range(sheet, 3, column, 3, end, group.name.c_str(), formats.header);
    }
    column = end + 1;
  }
  for (size_t at = 0; at < grid.headers.size(); ++at) {
    worksheet_write_string(sheet, 4, static_cast<lxw_col_t>(at + first), grid.headers[at].c_str(),
                           formats.header);
  }
}

void WriteXlsxRows(const ReportGrid& grid, AmountUnit unit, lxw_worksheet* sheet,
                   const XlsxFormats& formats) {
  lxw_row_t line = kXlsxFirstFigureRow;
  size_t name_width = 8;
  for (const ReportGrid::Row& row : grid.rows) {
    const std::string name = std::string(2 * static_cast<size_t>(row.depth), ' ') + row.name;
    name_width = std::max(name_width, DisplayWidth(name));
    worksheet_write_string(sheet, line, 0, row.code.c_str(), row.total ? formats.total_text : formats.text);
    worksheet_write_string(sheet, line, 1, name.c_str(), row.total ? formats.total_text : formats.text);
    if (grid.unit_column) worksheet_write_string(sheet, line, 2, row.unit_text.c_str(), formats.text);
    for (size_t at = 0; at < row.cells.size(); ++at) {
      const ReportCell& cell = row.cells[at];
      const lxw_col_t column = static_cast<lxw_col_t>(at + FirstFigureColumn(grid));
      lxw_format* format = cell.count     ? formats.count
                           : cell.percent ? (row.total ? formats.total_percent : formats.percent)
                                          : (row.total ? formats.total_figure : formats.figure);
      if (cell.percent && !cell.basis_points.has_value()) {
        worksheet_write_string(sheet, line, column, "—", format);
      } else {
        worksheet_write_number(sheet, line, column, CellValue(cell, unit), format);
      }
    }
    ++line;
  }
  ++line;
  for (const std::string& text : grid.daxie) worksheet_write_string(sheet, line++, 0, text.c_str(), nullptr);
  for (const std::string& text : grid.notes) {
    worksheet_write_string(sheet, line++, 0, text.c_str(), nullptr);
  }
  ++line;
  for (size_t at = 0; at < grid.signatures.size(); ++at) {
    worksheet_write_string(sheet, line, static_cast<lxw_col_t>(at * 3), grid.signatures[at].c_str(), nullptr);
  }
  worksheet_set_column(sheet, 0, 0, 14, nullptr);
  worksheet_set_column(sheet, 1, 1, static_cast<double>(name_width) + 2, nullptr);
}

}  // namespace

absl::Status WriteReportGridXlsx(const ReportGrid& grid, AmountUnit unit, const std::string& path) {
  lxw_workbook* book = workbook_new(path.c_str());
  if (book == nullptr) {
    return UsageError(absl::Substitute(Tr("cannot write $0: out of memory"), path));
  }
  const XlsxFormats formats = MakeFormats(book, unit);
  lxw_worksheet* sheet = workbook_add_worksheet(book, grid.sheet_name.c_str());
  WriteXlsxHeader(grid, sheet, formats);
  WriteXlsxRows(grid, unit, sheet, formats);
  // Figures are at most "-92,233,720,368,547,758.07": 14 columns fit the
  // sums a report meets; a header wraps.
  const lxw_col_t first = FirstFigureColumn(grid);
  if (grid.unit_column) worksheet_set_column(sheet, 2, 2, 10, nullptr);
  worksheet_set_column(sheet, first, static_cast<lxw_col_t>(grid.headers.size() + first - 1), 14,
                       nullptr);
  worksheet_set_row(sheet, 4, 30, nullptr);
  worksheet_freeze_panes(sheet, kXlsxFirstFigureRow, first);
  worksheet_set_landscape(sheet);
  worksheet_set_paper(sheet, 9);  // A4
  worksheet_repeat_rows(sheet, 3, 4);
  worksheet_fit_to_pages(sheet, 1, 0);
  const lxw_error error = workbook_close(book);
  if (error != LXW_NO_ERROR) {
    return UsageError(absl::Substitute(Tr("cannot write $0: $1"), path, lxw_strerror(error)));
  }
  return absl::OkStatus();
}

}  // namespace aidledger::app
