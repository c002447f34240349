// Period reports (issue 24): the region tree's money figures by month,
// quarter or year, as a finance office files them, built in one pass over
// RegionMonths (a region's own figures by effective month). A figure of a
// region is its own plus every region's below it, as in RegionBalances.
#ifndef AIDLEDGER_STATE_PERIOD_REPORT_H_
#define AIDLEDGER_STATE_PERIOD_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/projections.pb.h"
#include "state/books.h"
#include "state/reports.h"

namespace aidledger {

// The periods one report may have as columns: fifty years of months.
inline constexpr size_t kReportPeriodsMax = 600;

struct PeriodReportQuery {
  std::string region;  // empty: the whole tree
  SeriesQuery::Period period = SeriesQuery::Period::kMonth;
  uint32_t from = 0, to = 0;    // months (RegionMonths::MonthIndex), whole periods
  std::vector<size_t> metrics;  // indices in kSeriesMetrics
  bool previous_year = false;   // --compare previous-year
  bool ytd = false;             // 本年累计
};

// Parses the report's flags: `metric` as ParseSeriesQuery reads it (every
// metric when empty), `period` month|quarter|year, `from` and `to` YYYY-MM
// (both required), `compare` empty or previous-year. `from` must open a
// period and `to` close one (a quarter report runs 2024-01..2024-06, not
// 2024-02..2024-06): a column is always a whole month, quarter or year.
// Usage errors name the flag.
absl::StatusOr<PeriodReportQuery> ParsePeriodReportQuery(
    absl::string_view region, absl::string_view metric, absl::string_view period,
    absl::string_view from, absl::string_view to, absl::string_view compare, bool ytd);

// The report `query` asks for. kNotFound for a region not registered in
// `books`; kOutOfRange for a sum beyond int64.
absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReport(const Books& books,
                                                          const PeriodReportQuery& query);

// As above, with every figure's closed_fen taken from `closed` (the log
// folded to the close of `year`), rolled up the tree of `books` so that the
// two sides differ only where own figures do; moved_since_close lists the
// rows whose parent differs in `closed`. REQUIRES: `closed` folds what
// `books` does.
absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReportAgainstClose(
    const Books& books, const Books& closed, int32_t year, const PeriodReportQuery& query);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_PERIOD_REPORT_H_
