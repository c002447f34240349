#include "state/period_report.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/indicators.h"
#include "state/region_months.h"
#include "state/vocabulary.h"

namespace aidledger {
namespace {

// Sums in 128 bits: a subtree's figures can exceed what one region's can.
using Wide = __int128;
using MonthSums = std::array<Wide, kSeriesMetrics.size()>;

// The first month of period `index`, and the first month after it.
uint32_t PeriodBegin(SeriesQuery::Period period, uint32_t index) {
  switch (period) {
    case SeriesQuery::Period::kMonth:
      return index;
    case SeriesQuery::Period::kQuarter:
      return index * 3;
    case SeriesQuery::Period::kYear:
      return index * 12;
  }
  return index;
}
uint32_t PeriodEnd(SeriesQuery::Period period, uint32_t index) {
  return PeriodBegin(period, index + 1);
}

// `value`, or kOutOfRange saying that `what` exceeds 64 bits.
absl::StatusOr<int64_t> Narrow(Wide value, absl::string_view what) {
  if (value > INT64_MAX || value < INT64_MIN) {
    return absl::OutOfRangeError(absl::StrCat(what, " exceeds 64 bits"));
  }
  return static_cast<int64_t>(value);
}
absl::StatusOr<int64_t> Narrow(Wide value, absl::string_view metric, absl::string_view what) {
  return Narrow(value, absl::StrCat("the ", metric, " of ", what));
}

// The word of a metric of `query` (an index in kSeriesMetrics, or an
// indicators report's one figure).
absl::string_view MetricWord(const PeriodReportQuery& query, size_t metric) {
  return query.ReadsIndicators() ? kIndicatorMetric : kSeriesMetrics[metric];
}

// The months lo..to of one row (`months` points at month lo) turned into
// the figures of each metric the query asks for.
class Deriver {
 public:
  Deriver(const PeriodReportQuery& query, uint32_t lo) : query_(query), lo_(lo) {
    first_period_ = PeriodOf(query.period, query.from);
    last_period_ = PeriodOf(query.period, query.to);
  }

  // `closed`, when not null, is the same row's months as the close sealed them.
  absl::Status Derive(const MonthSums* months, const MonthSums* closed,
                      google::protobuf::RepeatedPtrField<v1::PeriodFigures>* out) const {
    for (size_t metric : query_.metrics) {
      const absl::string_view word = MetricWord(query_, metric);
      v1::PeriodFigures& figures = *out->Add();
      Wide total = 0, previous_total = 0, closed_total = 0;
      for (uint32_t period = first_period_; period <= last_period_; ++period) {
        const std::string name = PeriodName(query_.period, period);
        const uint32_t begin = PeriodBegin(query_.period, period);
        const uint32_t end = PeriodEnd(query_.period, period);
        const Wide value = Sum(months, metric, begin, end);
        total += value;
        ASSIGN_OR_RETURN(const int64_t fen, Narrow(value, word, name));
        figures.add_periods_fen(fen);
        if (query_.previous_year) {
          const Wide previous = Sum(months, metric, begin - 12, end - 12);
          previous_total += previous;
          ASSIGN_OR_RETURN(const int64_t previous_fen, Narrow(previous, word, name));
          figures.add_previous_year_fen(previous_fen);
        }
        if (query_.ytd) {
          const Wide ytd = Sum(months, metric, (end - 1) / 12 * 12, end);
          ASSIGN_OR_RETURN(const int64_t ytd_fen, Narrow(ytd, word, name));
          figures.add_ytd_fen(ytd_fen);
        }
        if (closed != nullptr) {
          const Wide sealed = Sum(closed, metric, begin, end);
          closed_total += sealed;
          ASSIGN_OR_RETURN(const int64_t closed_fen, Narrow(sealed, word, name));
          figures.add_closed_fen(closed_fen);
        }
      }
      ASSIGN_OR_RETURN(const int64_t total_fen, Narrow(total, word, "the periods"));
      figures.set_total_fen(total_fen);
      if (query_.previous_year) {
        ASSIGN_OR_RETURN(const int64_t previous_fen,
                         Narrow(previous_total, word, "the previous year's periods"));
        figures.set_previous_year_total_fen(previous_fen);
      }
      if (closed != nullptr) {
        ASSIGN_OR_RETURN(const int64_t closed_fen,
                         Narrow(closed_total, word, "the periods as closed"));
        figures.set_closed_total_fen(closed_fen);
      }
    }
    return absl::OkStatus();
  }

 private:
  Wide Sum(const MonthSums* months, size_t metric, uint32_t begin, uint32_t end) const {
    Wide sum = 0;
    for (uint32_t month = begin; month < end; ++month) sum += months[month - lo_][metric];
    return sum;
  }

  const PeriodReportQuery& query_;
  const uint32_t lo_;
  uint32_t first_period_ = 0, last_period_ = 0;
};

// Takes metric `which` out of `metrics`: a report of this kind has no
// such figure. kInvalidArgument (`refusal`) when the flag named it.
absl::Status DropMetric(size_t which, absl::string_view metric, std::vector<size_t>* metrics,
                        absl::string_view refusal) {
  auto at = std::find(metrics->begin(), metrics->end(), which);
  if (at == metrics->end()) return absl::OkStatus();
  if (!metric.empty()) return UsageError(refusal);
  metrics->erase(at);
  return absl::OkStatus();
}

// The metrics (`metrics`, as `metric` named them) and filters a report of
// query.kind takes: usage errors for the ones it does not.
absl::Status KeepMetricsOf(const PeriodReportQuery& query, absl::string_view metric,
                           std::vector<size_t>* metrics) {
  constexpr size_t kDisbursed = 1, kSales = 3;
  static_assert(kSeriesMetrics[kDisbursed] == "disbursed" && kSeriesMetrics[kSales] == "sales");
  if (query.kind == PeriodReportKind::kIndicators) {
    if (query.program != 0) {
      return UsageError(Tr("report indicators takes no --program: a recorded indicator names "
                           "no program"));
    }
    if (!metric.empty()) {
      return UsageError(Tr("report indicators takes no --metric: its rows are the indicators"));
    }
    *metrics = {0};  // the one figure of each indicator
    return absl::OkStatus();
  }
  if (query.kind == PeriodReportKind::kProjects) {
    if (!query.helper.empty() || query.program != 0) {
      return UsageError(Tr("report projects takes no --helper or --program: a disbursement "
                           "from a project names no helper"));
    }
    return DropMetric(kSales, metric, metrics,
                      Tr("--metric sales: a sale names no project, so a projects report has no "
                         "sales figure"));
  }
  if (!query.ReadsFlows()) return absl::OkStatus();
  // A disbursement names no helper: money by helper or program has none.
  return DropMetric(kDisbursed, metric, metrics,
                    Tr("--metric disbursed: a disbursement names no helper or program, so a "
                       "helpers report and --helper or --program have no disbursed figure"));
}

}  // namespace

absl::StatusOr<PeriodReportQuery> ParsePeriodReportQuery(
    absl::string_view region, absl::string_view metric, absl::string_view period,
    absl::string_view from, absl::string_view to, absl::string_view compare, bool ytd,
    const PeriodReportFilters& filters) {
  ASSIGN_OR_RETURN(SeriesQuery series, ParseSeriesQuery(region, metric, period, from, to));
  if (!series.from.has_value() || !series.to.has_value()) {
    return UsageError(Tr("a report needs --from and --to (YYYY-MM)"));
  }
  PeriodReportQuery query;
  query.kind = filters.kind;
  query.helper = std::string(filters.helper);
  if (!filters.program.empty()) {
    absl::StatusOr<int> word = ParseWord(kPrograms, filters.program);
    if (!word.ok()) return UsageError(absl::StrCat("--program: ", word.status().message()));
    query.program = *word;
  }
  RETURN_IF_ERROR(KeepMetricsOf(query, metric, &series.metrics));
  query.region = std::move(series.region);
  query.period = series.period;
  query.metrics = std::move(series.metrics);
  query.from = *series.from;
  query.to = *series.to;
  query.ytd = ytd;
  const absl::string_view period_name = kSeriesPeriods[static_cast<size_t>(query.period)].second;
  if (PeriodBegin(query.period, PeriodOf(query.period, query.from)) != query.from) {
    return UsageError(absl::Substitute(Tr("--from $0 does not open a $1"), from, period_name));
  }
  if (PeriodEnd(query.period, PeriodOf(query.period, query.to)) != query.to + 1) {
    return UsageError(absl::Substitute(Tr("--to $0 does not close a $1"), to, period_name));
  }
  if (PeriodOf(query.period, query.to) - PeriodOf(query.period, query.from) >= kReportPeriodsMax) {
    return UsageError(absl::Substitute(Tr("a report has at most $0 periods"), kReportPeriodsMax));
  }
  if (compare == "previous-year") {
    query.previous_year = true;
  } else if (!compare.empty()) {
    return UsageError(absl::Substitute(Tr("--compare must be previous-year (got \"$0\")"),
                                       compare.substr(0, limits::kQuotedInputBytesMax)));
  }
  return query;
}

namespace {

// The parent of a row at the top.
constexpr size_t kTop = SIZE_MAX;

// A row of a report, and the row it adds up into: rows are in tree order,
// each after its parent.
struct Row {
  std::string code, name, parent_code;
  int32_t depth = 0;
  size_t parent = kTop;
  int64_t budget_fen = 0;  // a project's (a projects report's)
  std::string unit;        // an indicator's (an indicators report's)
};

// Months of figures that count in a row: per metric of kSeriesMetrics
// (an indicators report: the first alone) an array of equal size from
// first_month on, or null.
struct Counted {
  using Array = google::protobuf::RepeatedField<int64_t>;
  Counted(size_t row, const v1::MonthlyFigures& months)
      : row(row),
        first_month(months.first_month()),
        arrays{&months.allocated_fen(), &months.disbursed_fen(), &months.invested_fen(),
               &months.sales_fen()} {}
  Counted(size_t row, const v1::IndicatorMonths& figure)
      : row(row), first_month(figure.first_month()), arrays{&figure.values()} {}

  // The month after the last the arrays hold.
  uint32_t end_month() const { return first_month + static_cast<uint32_t>(arrays[0]->size()); }

  size_t row;
  uint32_t first_month;
  std::array<const Array*, kSeriesMetrics.size()> arrays{};
};

// Every row's figures month by month from `lo` through `to`, row after
// row, each with its subtree's: `counted` summed up the rows' tree. Row
// rows.size() is the total of the rows at the top.
std::vector<MonthSums> TreeSums(const std::vector<Row>& rows, const std::vector<Counted>& counted,
                                uint32_t lo, uint32_t to) {
  const size_t span = to - lo + 1;
  std::vector<MonthSums> sums((rows.size() + 1) * span, MonthSums{});
  for (const Counted& at : counted) {
    const uint32_t begin = std::max(lo, at.first_month);
    const uint32_t end = std::min(to + 1, at.end_month());
    for (uint32_t month = begin; month < end; ++month) {
      MonthSums& sum = sums[at.row * span + (month - lo)];
      const int index = static_cast<int>(month - at.first_month);
      for (size_t metric = 0; metric < at.arrays.size() && at.arrays[metric] != nullptr; ++metric) {
        sum[metric] += at.arrays[metric]->Get(index);
      }
    }
  }
  // Up the tree: children come after their parents, so a reverse walk adds
  // each row, complete, to its parent (a row at the top to the total).
  for (size_t row = rows.size(); row-- > 0;) {
    const size_t target = rows[row].parent == kTop ? rows.size() : rows[row].parent;
    for (size_t month = 0; month < span; ++month) {
      for (size_t metric = 0; metric < kSeriesMetrics.size(); ++metric) {
        sums[target * span + month][metric] += sums[row * span + month][metric];
      }
    }
  }
  return sums;
}

// Whether `flow` is money the query's filters keep: from its helper's
// subtree, under its program, and for a helpers report to its region's
// subtree. The subtrees are the tree of `regions` (the report's point).
bool Kept(const RegionBalances& regions, const v1::FlowMonths& flow,
          const PeriodReportQuery& query) {
  if (query.program != 0 && flow.program() != query.program) return false;
  if (!query.helper.empty() && !regions.IsWithin(flow.helper_code(), query.helper)) return false;
  return query.kind != PeriodReportKind::kHelpers || query.region.empty() ||
         regions.IsWithin(flow.months().region_code(), query.region);
}

// Whether `figure` is one the query's filters keep: recorded from its
// helper's subtree to its region's (as IsWithin reads the tree of
// `regions`, the report's point).
bool Kept(const RegionBalances& regions, const v1::IndicatorMonths& figure,
          const PeriodReportQuery& query) {
  if (!query.helper.empty() && !regions.IsWithin(figure.helper_code(), query.helper)) return false;
  return query.region.empty() || regions.IsWithin(figure.recipient_code(), query.region);
}

// The rows of a report and how the months of a source find theirs.
class ReportRows {
 public:
  const std::vector<Row>& rows() const { return rows_; }

  // The region tree (query.region's subtree).
  absl::Status OfRegions(const Books& books, const PeriodReportQuery& query) {
    ASSIGN_OR_RETURN(const v1::RegionBalancesReport tree,
                     RegionBalancesReport(books, query.region));
    for (const v1::RegionEntry& entry : tree.regions()) {
      auto parent = of_region_.find(entry.parent_code());
      rows_.push_back({.code = entry.code(), .name = entry.name(),
                       .parent_code = entry.parent_code(), .depth = entry.depth(),
                       .parent = parent == of_region_.end() ? kTop : parent->second});
      of_region_[entry.code()] = rows_.size() - 1;
    }
    return absl::OkStatus();
  }

  // Every helper that gave what the filters keep, as the region tree of
  // `now` holds it (each region above one too, up to query.helper), codes
  // ascending; below each, a row per program it gave under. Money from no
  // helper (a sale) comes last, under a row of its own.
  absl::Status OfHelpers(const PeriodReportSource& now, const PeriodReportQuery& query) {
    const RegionBalances& regions = now.books->regions;
    std::map<std::string, std::set<int32_t>> given;  // each helper's programs
    std::set<int32_t> from_no_helper;
    for (const v1::FlowMonths& flow : now.flows->state().flows()) {
      if (!Kept(regions, flow, query)) continue;
      (flow.helper_code().empty() ? from_no_helper : given[flow.helper_code()])
          .insert(flow.program());
    }
    RETURN_IF_ERROR(AddTree(regions, std::move(given), query.helper,
                            [this](const std::string& code, std::set<int32_t>& programs,
                                   size_t row) { AddPrograms(code, programs, row); }));
    if (!from_no_helper.empty()) {
      rows_.push_back({.name = "未指明帮扶方", .depth = rows_.empty() ? 0 : rows_[0].depth});
      AddPrograms("", from_no_helper, rows_.size() - 1);
    }
    return absl::OkStatus();
  }

  // Every region that holds a project (in query.region's subtree), as the
  // region tree holds them; below each, its projects, ids ascending.
  absl::Status OfProjects(const Books& books, const PeriodReportQuery& query) {
    std::map<std::string, std::vector<const v1::ProjectEntry*>> held;  // by region
    for (const v1::ProjectEntry& project : books.projects.state().projects()) {
      if (query.region.empty() || books.regions.IsWithin(project.region_code(), query.region)) {
        held[project.region_code()].push_back(&project);
      }
    }
    return AddTree(books.regions, std::move(held), query.region,
                   [this](const std::string& code, std::vector<const v1::ProjectEntry*>& projects,
                          size_t row) {
                     std::sort(projects.begin(), projects.end(), [](auto* a, auto* b) {
                       return a->project_id() < b->project_id();
                     });
                     for (const v1::ProjectEntry* project : projects) {
                       rows_.push_back({.code = project->project_id(), .name = project->name(),
                                        .parent_code = code, .depth = rows_[row].depth + 1,
                                        .parent = row, .budget_fen = project->budget_fen()});
                       of_project_[project->project_id()] = rows_.size() - 1;
                     }
                   });
  }

  // Every indicator in the table's order, each breakdown right after the
  // indicator it is a part of (its parent_code, for the page, but added to
  // no row: it is a part of that figure already); then any indicator the
  // table does not know (a newer writer's) that `now` holds a figure of
  // the filters keep, by number.
  void OfIndicators(const PeriodReportSource& now, const PeriodReportQuery& query) {
    for (const IndicatorInfo& info : Indicators()) {
      const IndicatorInfo* whole = FindIndicator(info.part_of);
      // A breakdown reads as 其中 (of which), as a Chinese form prints it.
      const std::string name = whole == nullptr ? std::string(info.chinese)
                                                : absl::StrCat("其中：", info.chinese);
      AddIndicator(info.value, name, info.unit, whole == nullptr ? "" : whole->code);
    }
    std::set<int32_t> unknown;
    for (const v1::IndicatorMonths& figure : now.indicators->state().figures()) {
      if (!of_indicator_.contains(figure.indicator()) && Kept(now.books->regions, figure, query)) {
        unknown.insert(figure.indicator());
      }
    }
    for (int32_t value : unknown) {
      const std::string code = IndicatorCode(value);
      AddIndicator(value, code, "", "");
    }
  }

  // The months of `source` that count in a row: a region's own (or the
  // flows to it the filters keep), a helper's under one program, a
  // project's, or an indicator's figures the filters keep.
  std::vector<Counted> CountedOf(const PeriodReportSource& source, const RegionBalances& regions,
                                 const PeriodReportQuery& query) const {
    std::vector<Counted> counted;
    if (query.ReadsIndicators()) {
      for (const v1::IndicatorMonths& figure : source.indicators->state().figures()) {
        auto found = of_indicator_.find(figure.indicator());
        if (found != of_indicator_.end() && Kept(regions, figure, query)) {
          counted.emplace_back(found->second, figure);
        }
      }
      return counted;
    }
    if (query.ReadsProjects()) {
      for (const v1::ProjectMonths& project : source.projects->state().projects()) {
        auto found = of_project_.find(project.project_id());
        if (found != of_project_.end()) counted.emplace_back(found->second, project.months());
      }
      return counted;
    }
    if (!query.ReadsFlows()) {
      for (const v1::MonthlyFigures& months : source.books->months.state().months()) {
        auto found = of_region_.find(months.region_code());
        if (found != of_region_.end()) counted.emplace_back(found->second, months);
      }
      return counted;
    }
    for (const v1::FlowMonths& flow : source.flows->state().flows()) {
      if (!Kept(regions, flow, query)) continue;
      if (query.kind == PeriodReportKind::kRegions) {
        auto found = of_region_.find(flow.months().region_code());
        if (found != of_region_.end()) counted.emplace_back(found->second, flow.months());
        continue;
      }
      auto found = of_program_.find(std::make_pair(flow.helper_code(), flow.program()));
      if (found != of_program_.end()) counted.emplace_back(found->second, flow.months());
    }
    return counted;
  }

 private:
  // A row for each region `below` names and every region above one up to
  // `top` (empty: the tree's tops), as the tree of `regions` holds them,
  // depth first and codes ascending; right after each region's row,
  // `add_below(code, below[code], row)` adds the rows below it (before the
  // regions below it).
  template <typename Below, typename AddBelow>
  absl::Status AddTree(const RegionBalances& regions, std::map<std::string, Below> below,
                       const std::string& top, AddBelow add_below) {
    std::vector<std::string> named;
    for (const auto& [code, unused] : below) named.push_back(code);
    for (std::string code : named) {
      for (int step = 0; code != top && step <= limits::kRegionDepthMax; ++step) {
        const v1::RegionEntry* region = regions.FindRegion(code);
        if (region == nullptr) {
          return absl::DataLossError(absl::StrCat("a report names unknown region ", code));
        }
        code = region->parent_code();
        if (code.empty()) break;
        below[code];
      }
    }
    std::map<std::string, std::vector<std::string>> children;
    std::vector<std::string> tops;
    for (const auto& [code, unused] : below) {
      const std::string& parent = regions.FindRegion(code)->parent_code();
      (code != top && below.contains(parent) ? children[parent] : tops).push_back(code);
    }
    // Depth first; the tree is as deep as a region may be (REGION_TOO_DEEP).
    std::vector<std::pair<std::string, size_t>> pending;  // code, parent row
    for (auto at = tops.rbegin(); at != tops.rend(); ++at) pending.push_back({*at, kTop});
    while (!pending.empty()) {
      const auto [code, parent] = pending.back();
      pending.pop_back();
      const v1::RegionEntry& region = *regions.FindRegion(code);
      rows_.push_back({.code = code, .name = region.name(), .parent_code = region.parent_code(),
                       .depth = region.depth(), .parent = parent});
      const size_t row = rows_.size() - 1;
      add_below(code, below[code], row);
      auto under = children.find(code);
      if (under == children.end()) continue;
      for (auto child = under->second.rbegin(); child != under->second.rend(); ++child) {
        pending.push_back({*child, row});
      }
    }
    return absl::OkStatus();
  }

  void AddPrograms(const std::string& helper, const std::set<int32_t>& programs, size_t row) {
    for (int32_t program : programs) {
      const absl::string_view word = WordFor(kPrograms, program);
      rows_.push_back({.code = std::string(word.empty() ? "unspecified" : word),
                       .name = std::string(ProgramChinese(program)), .parent_code = helper,
                       .depth = rows_[row].depth + 1, .parent = row});
      of_program_[std::make_pair(helper, program)] = rows_.size() - 1;
    }
  }
  void AddIndicator(int32_t value, absl::string_view name, absl::string_view unit,
                    absl::string_view whole) {
    rows_.push_back({.code = IndicatorCode(value), .name = std::string(name),
                     .parent_code = std::string(whole), .depth = whole.empty() ? 0 : 1,
                     .unit = std::string(unit)});
    of_indicator_[value] = rows_.size() - 1;
  }

  std::vector<Row> rows_;
  absl::flat_hash_map<int32_t, size_t> of_indicator_;
  absl::flat_hash_map<std::string, size_t> of_region_;
  absl::flat_hash_map<std::pair<std::string, int32_t>, size_t> of_program_;
  absl::flat_hash_map<std::string, size_t> of_project_;
};

// A projects report's budgets and what was disbursed through month `to`,
// of every row (each with its subtree's) and of the rows at the top.
absl::Status AddExecution(const std::vector<Row>& rows, const std::vector<Counted>& counted,
                          uint32_t to, v1::RegionPeriodReport* report) {
  std::vector<Wide> budget(rows.size() + 1, 0), to_date(rows.size() + 1, 0);
  for (size_t row = 0; row < rows.size(); ++row) budget[row] = rows[row].budget_fen;
  constexpr size_t kDisbursed = 1;
  static_assert(kSeriesMetrics[kDisbursed] == "disbursed");
  for (const Counted& at : counted) {
    const uint32_t end = std::min(to + 1, at.end_month());
    for (uint32_t month = at.first_month; month < end; ++month) {
      to_date[at.row] += at.arrays[kDisbursed]->Get(static_cast<int>(month - at.first_month));
    }
  }
  for (size_t row = rows.size(); row-- > 0;) {
    const size_t target = rows[row].parent == kTop ? rows.size() : rows[row].parent;
    budget[target] += budget[row];
    to_date[target] += to_date[row];
  }
  for (size_t row = 0; row <= rows.size(); ++row) {
    ASSIGN_OR_RETURN(const int64_t budget_fen, Narrow(budget[row], "the projects' budget"));
    ASSIGN_OR_RETURN(const int64_t to_date_fen, Narrow(to_date[row], "the disbursed to date"));
    if (row < rows.size()) {
      report->mutable_rows(static_cast<int>(row))->set_budget_fen(budget_fen);
      report->mutable_rows(static_cast<int>(row))->set_disbursed_to_date_fen(to_date_fen);
    } else {
      report->set_budget_fen(budget_fen);
      report->set_disbursed_to_date_fen(to_date_fen);
    }
  }
  return absl::OkStatus();
}

// What a report of `query` is, before its rows: kind, filters, periods.
v1::RegionPeriodReport Heading(const PeriodReportQuery& query) {
  v1::RegionPeriodReport report;
  // A regions report names no kind: a close's report hash is over the
  // canonical regions report as it was before helpers reports were built.
  if (query.kind == PeriodReportKind::kHelpers) report.set_kind("helpers");
  if (query.kind == PeriodReportKind::kProjects) report.set_kind("projects");
  if (query.kind == PeriodReportKind::kIndicators) report.set_kind("indicators");
  report.set_helper(query.helper);
  report.set_program(std::string(WordFor(kPrograms, query.program)));
  if (query.kind == PeriodReportKind::kHelpers || query.kind == PeriodReportKind::kIndicators) {
    report.set_to_region(query.region);
  }
  report.set_period(std::string(kSeriesPeriods[static_cast<size_t>(query.period)].second));
  report.set_from(RegionMonths::MonthName(query.from));
  report.set_to(RegionMonths::MonthName(query.to));
  for (size_t metric : query.metrics) report.add_metrics(std::string(MetricWord(query, metric)));
  for (uint32_t period = PeriodOf(query.period, query.from);
       period <= PeriodOf(query.period, query.to); ++period) {
    report.add_periods(PeriodName(query.period, period));
  }
  report.set_previous_year(query.previous_year);
  report.set_ytd(query.ytd);
  return report;
}

// Checks that `now` and `closed` (when not null) fold what `query` reads;
// kNotFound for a --helper or --region not registered in `now`.
absl::Status CheckSources(const PeriodReportSource& now, const PeriodReportSource* closed,
                          const PeriodReportQuery& query) {
  for (const PeriodReportSource* source : {&now, closed}) {
    if (source == nullptr) continue;
    AIDLEDGER_CHECK(source->books != nullptr && source->books->Folds(query.Projections()));
    AIDLEDGER_CHECK(!query.ReadsFlows() || source->flows != nullptr);
    AIDLEDGER_CHECK(!query.ReadsProjects() || source->projects != nullptr);
    AIDLEDGER_CHECK(!query.ReadsIndicators() || source->indicators != nullptr);
  }
  AIDLEDGER_CHECK(query.from <= query.to);
  for (const auto& [flag, code] : {std::pair{"--helper", &query.helper}, {"--region", &query.region}}) {
    if (!code->empty() && now.books->regions.FindRegion(*code) == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(flag, ": region ", absl::string_view(*code).substr(0, limits::kQuotedInputBytesMax),
                       " is not registered at this point"));
    }
  }
  return absl::OkStatus();
}

// The report of `now`, and with `closed` its closed_fen as well.
absl::StatusOr<v1::RegionPeriodReport> Build(const PeriodReportSource& now,
                                             const PeriodReportSource* closed,
                                             const PeriodReportQuery& query) {
  RETURN_IF_ERROR(CheckSources(now, closed, query));
  const RegionBalances& regions = now.books->regions;
  ReportRows report_rows;
  switch (query.kind) {
    case PeriodReportKind::kRegions:
      RETURN_IF_ERROR(report_rows.OfRegions(*now.books, query));
      break;
    case PeriodReportKind::kHelpers:
      RETURN_IF_ERROR(report_rows.OfHelpers(now, query));
      break;
    case PeriodReportKind::kProjects:
      RETURN_IF_ERROR(report_rows.OfProjects(*now.books, query));
      break;
    case PeriodReportKind::kIndicators:
      report_rows.OfIndicators(now, query);
      break;
  }
  const std::vector<Row>& rows = report_rows.rows();

  // Every month a figure reads: a year earlier for the comparison, from
  // January for the year to date.
  uint32_t lo = query.from;
  if (query.ytd) lo = std::min(lo, query.from / 12 * 12);
  if (query.previous_year) lo = std::min(lo, query.from - 12);
  const size_t span = query.to - lo + 1;
  const std::vector<Counted> counted = report_rows.CountedOf(now, regions, query);
  const std::vector<MonthSums> sums = TreeSums(rows, counted, lo, query.to);
  std::vector<MonthSums> closed_sums;
  if (closed != nullptr) {
    closed_sums = TreeSums(rows, report_rows.CountedOf(*closed, regions, query), lo, query.to);
  }
  auto closed_row = [&](size_t row) -> const MonthSums* {
    return closed == nullptr ? nullptr : &closed_sums[row * span];
  };

  v1::RegionPeriodReport report = Heading(query);
  const Deriver deriver(query, lo);
  for (size_t row = 0; row < rows.size(); ++row) {
    v1::PeriodReportRow& out = *report.add_rows();
    out.set_code(rows[row].code);
    out.set_name(rows[row].name);
    out.set_parent_code(rows[row].parent_code);
    out.set_depth(rows[row].depth);
    out.set_unit(rows[row].unit);
    RETURN_IF_ERROR(deriver.Derive(&sums[row * span], closed_row(row), out.mutable_figures()));
  }
  // Indicators in different units add up to nothing: no totals.
  if (!query.ReadsIndicators()) {
    RETURN_IF_ERROR(deriver.Derive(&sums[rows.size() * span], closed_row(rows.size()),
                                   report.mutable_totals()));
  }
  if (query.ReadsProjects()) RETURN_IF_ERROR(AddExecution(rows, counted, query.to, &report));
  return report;
}

}  // namespace

absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReport(const PeriodReportSource& source,
                                                          const PeriodReportQuery& query) {
  return Build(source, nullptr, query);
}

absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReportAgainstClose(
    const PeriodReportSource& now, const PeriodReportSource& closed, int32_t year,
    const PeriodReportQuery& query) {
  ASSIGN_OR_RETURN(v1::RegionPeriodReport report, Build(now, &closed, query));
  report.set_compare_close(year);
  // The whole tree then: a region of the report may have been below
  // another top region. A program row is no region: it is not found.
  ASSIGN_OR_RETURN(const v1::RegionBalancesReport then, RegionBalancesReport(*closed.books, ""));
  absl::flat_hash_map<absl::string_view, absl::string_view> parent_then;
  for (const v1::RegionEntry& entry : then.regions()) parent_then[entry.code()] = entry.parent_code();
  absl::flat_hash_set<absl::string_view> listed;
  for (const v1::PeriodReportRow& row : report.rows()) {
    auto found = parent_then.find(row.code());
    if (found == parent_then.end() || found->second == row.parent_code()) continue;
    if (!listed.insert(row.code()).second) continue;
    v1::RegionMove& move = *report.add_moved_since_close();
    move.set_code(row.code());
    move.set_name(row.name());
    move.set_parent_code_then(std::string(found->second));
    move.set_parent_code_now(row.parent_code());
  }
  return report;
}

}  // namespace aidledger
