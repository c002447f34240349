#include "state/period_report.h"

#include <algorithm>
#include <array>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/region_months.h"

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

absl::StatusOr<int64_t> Narrow(Wide value, size_t metric, absl::string_view what) {
  if (value > INT64_MAX || value < INT64_MIN) {
    return absl::OutOfRangeError(
        absl::StrCat("the ", kSeriesMetrics[metric], " of ", what, " exceeds 64 bits"));
  }
  return static_cast<int64_t>(value);
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
      v1::PeriodFigures& figures = *out->Add();
      Wide total = 0, previous_total = 0, closed_total = 0;
      for (uint32_t period = first_period_; period <= last_period_; ++period) {
        const std::string name = PeriodName(query_.period, period);
        const uint32_t begin = PeriodBegin(query_.period, period);
        const uint32_t end = PeriodEnd(query_.period, period);
        const Wide value = Sum(months, metric, begin, end);
        total += value;
        ASSIGN_OR_RETURN(const int64_t fen, Narrow(value, metric, name));
        figures.add_periods_fen(fen);
        if (query_.previous_year) {
          const Wide previous = Sum(months, metric, begin - 12, end - 12);
          previous_total += previous;
          ASSIGN_OR_RETURN(const int64_t previous_fen, Narrow(previous, metric, name));
          figures.add_previous_year_fen(previous_fen);
        }
        if (query_.ytd) {
          const Wide ytd = Sum(months, metric, (end - 1) / 12 * 12, end);
          ASSIGN_OR_RETURN(const int64_t ytd_fen, Narrow(ytd, metric, name));
          figures.add_ytd_fen(ytd_fen);
        }
        if (closed != nullptr) {
          const Wide sealed = Sum(closed, metric, begin, end);
          closed_total += sealed;
          ASSIGN_OR_RETURN(const int64_t closed_fen, Narrow(sealed, metric, name));
          figures.add_closed_fen(closed_fen);
        }
      }
      ASSIGN_OR_RETURN(const int64_t total_fen, Narrow(total, metric, "the periods"));
      figures.set_total_fen(total_fen);
      if (query_.previous_year) {
        ASSIGN_OR_RETURN(const int64_t previous_fen,
                         Narrow(previous_total, metric, "the previous year's periods"));
        figures.set_previous_year_total_fen(previous_fen);
      }
      if (closed != nullptr) {
        ASSIGN_OR_RETURN(const int64_t closed_fen,
                         Narrow(closed_total, metric, "the periods as closed"));
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

}  // namespace

absl::StatusOr<PeriodReportQuery> ParsePeriodReportQuery(
    absl::string_view region, absl::string_view metric, absl::string_view period,
    absl::string_view from, absl::string_view to, absl::string_view compare, bool ytd) {
  ASSIGN_OR_RETURN(SeriesQuery series, ParseSeriesQuery(region, metric, period, from, to));
  if (!series.from.has_value() || !series.to.has_value()) {
    return UsageError(Tr("a report needs --from and --to (YYYY-MM)"));
  }
  PeriodReportQuery query;
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

using RowIndex = absl::flat_hash_map<absl::string_view, size_t>;

// Every row's figures month by month from `lo` through query.to, row
// after row, each with its subtree's: `months` summed up `tree`. Row
// `tree.regions_size()` is the total of the rows at the top.
std::vector<MonthSums> TreeSums(const v1::RegionMonthsState& months_state,
                                const v1::RegionBalancesReport& tree, const RowIndex& index,
                                uint32_t lo, uint32_t to) {
  const size_t rows = static_cast<size_t>(tree.regions_size());
  const size_t span = to - lo + 1;
  std::vector<MonthSums> sums((rows + 1) * span, MonthSums{});
  for (const v1::MonthlyFigures& months : months_state.months()) {
    auto found = index.find(months.region_code());
    if (found == index.end()) continue;
    const std::array<const google::protobuf::RepeatedField<int64_t>*, 4> arrays = {
        &months.allocated_fen(), &months.disbursed_fen(), &months.invested_fen(),
        &months.sales_fen()};
    const uint32_t begin = std::max(lo, months.first_month());
    const uint32_t end =
        std::min(to + 1, months.first_month() + static_cast<uint32_t>(arrays[0]->size()));
    for (uint32_t month = begin; month < end; ++month) {
      MonthSums& sum = sums[found->second * span + (month - lo)];
      const int at = static_cast<int>(month - months.first_month());
      for (size_t metric = 0; metric < arrays.size(); ++metric) sum[metric] += arrays[metric]->Get(at);
    }
  }
  // Up the tree: children come after their parents, so a reverse walk adds
  // each row, complete, to its parent (a row at the top to the total).
  for (size_t row = rows; row-- > 0;) {
    auto parent = index.find(tree.regions(static_cast<int>(row)).parent_code());
    const size_t target = parent == index.end() ? rows : parent->second;
    for (size_t month = 0; month < span; ++month) {
      for (size_t metric = 0; metric < kSeriesMetrics.size(); ++metric) {
        sums[target * span + month][metric] += sums[row * span + month][metric];
      }
    }
  }
  return sums;
}

// The report of `books`, and with `closed` its closed_fen as well.
absl::StatusOr<v1::RegionPeriodReport> Build(const Books& books, const Books* closed,
                                             const PeriodReportQuery& query) {
  AIDLEDGER_CHECK(books.Folds(kSeriesProjections));
  AIDLEDGER_CHECK(closed == nullptr || closed->Folds(kSeriesProjections));
  AIDLEDGER_CHECK(query.from <= query.to);
  ASSIGN_OR_RETURN(v1::RegionBalancesReport tree, RegionBalancesReport(books, query.region));
  const size_t rows = static_cast<size_t>(tree.regions_size());
  RowIndex index;
  for (size_t row = 0; row < rows; ++row) index[tree.regions(static_cast<int>(row)).code()] = row;

  // Every month a figure reads: a year earlier for the comparison, from
  // January for the year to date.
  uint32_t lo = query.from;
  if (query.ytd) lo = std::min(lo, query.from / 12 * 12);
  if (query.previous_year) lo = std::min(lo, query.from - 12);
  const size_t span = query.to - lo + 1;
  const std::vector<MonthSums> sums = TreeSums(books.months.state(), tree, index, lo, query.to);
  std::vector<MonthSums> closed_sums;
  if (closed != nullptr) closed_sums = TreeSums(closed->months.state(), tree, index, lo, query.to);
  auto closed_row = [&](size_t row) -> const MonthSums* {
    return closed == nullptr ? nullptr : &closed_sums[row * span];
  };

  v1::RegionPeriodReport report;
  report.set_period(std::string(kSeriesPeriods[static_cast<size_t>(query.period)].second));
  report.set_from(RegionMonths::MonthName(query.from));
  report.set_to(RegionMonths::MonthName(query.to));
  for (size_t metric : query.metrics) report.add_metrics(std::string(kSeriesMetrics[metric]));
  for (uint32_t period = PeriodOf(query.period, query.from);
       period <= PeriodOf(query.period, query.to); ++period) {
    report.add_periods(PeriodName(query.period, period));
  }
  report.set_previous_year(query.previous_year);
  report.set_ytd(query.ytd);
  const Deriver deriver(query, lo);
  for (size_t row = 0; row < rows; ++row) {
    const v1::RegionEntry& entry = tree.regions(static_cast<int>(row));
    v1::PeriodReportRow& out = *report.add_rows();
    out.set_code(entry.code());
    out.set_name(entry.name());
    out.set_parent_code(entry.parent_code());
    out.set_depth(entry.depth());
    RETURN_IF_ERROR(deriver.Derive(&sums[row * span], closed_row(row), out.mutable_figures()));
  }
  RETURN_IF_ERROR(deriver.Derive(&sums[rows * span], closed_row(rows), report.mutable_totals()));
  return report;
}

}  // namespace

absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReport(const Books& books,
                                                          const PeriodReportQuery& query) {
  return Build(books, nullptr, query);
}

absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReportAgainstClose(
    const Books& books, const Books& closed, int32_t year, const PeriodReportQuery& query) {
  ASSIGN_OR_RETURN(v1::RegionPeriodReport report, Build(books, &closed, query));
  report.set_compare_close(year);
  // The whole tree then: a region of the report may have been below
  // another top region.
  ASSIGN_OR_RETURN(const v1::RegionBalancesReport then, RegionBalancesReport(closed, ""));
  absl::flat_hash_map<absl::string_view, absl::string_view> parent_then;
  for (const v1::RegionEntry& entry : then.regions()) parent_then[entry.code()] = entry.parent_code();
  for (const v1::PeriodReportRow& row : report.rows()) {
    auto found = parent_then.find(row.code());
    if (found == parent_then.end() || found->second == row.parent_code()) continue;
    v1::RegionMove& move = *report.add_moved_since_close();
    move.set_code(row.code());
    move.set_name(row.name());
    move.set_parent_code_then(std::string(found->second));
    move.set_parent_code_now(row.parent_code());
  }
  return report;
}

}  // namespace aidledger
