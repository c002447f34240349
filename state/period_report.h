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
#include "state/flow_months.h"
#include "state/reports.h"

namespace aidledger {

// The periods one report may have as columns: fifty years of months.
inline constexpr size_t kReportPeriodsMax = 600;

// An indicators report's one metric: each indicator's figure.
inline constexpr absl::string_view kIndicatorMetric = "value";

// What a period report's rows are.
enum class PeriodReportKind {
  kRegions,  // the region tree (its --region: the subtree shown)
  kHelpers,  // the helpers, each with its programs (its --region: money to that subtree)
  kProjects,  // the regions holding projects, each with its projects (its --region: the subtree)
  // The indicators, each breakdown below its indicator (its --region:
  // figures recorded to that subtree, its --helper: from that subtree).
  kIndicators,
};

struct PeriodReportQuery {
  PeriodReportKind kind = PeriodReportKind::kRegions;
  std::string region;  // empty: the whole tree
  SeriesQuery::Period period = SeriesQuery::Period::kMonth;
  uint32_t from = 0, to = 0;    // months (RegionMonths::MonthIndex), whole periods
  std::vector<size_t> metrics;  // indices in kSeriesMetrics
  bool previous_year = false;   // --compare previous-year
  bool ytd = false;             // 本年累计
  // Only money from this helper and the regions below it (empty: from
  // anyone), under this program (0: any). A report with either, and every
  // helpers report, sums FlowMonths, so it has no disbursed metric (a
  // disbursement names no helper).
  std::string helper;
  int32_t program = 0;

  // Whether the report sums FlowMonths rather than RegionMonths.
  bool ReadsFlows() const {
    if (ReadsIndicators()) return false;
    return kind == PeriodReportKind::kHelpers || !helper.empty() || program != 0;
  }
  // Whether the report sums IndicatorMonths (an indicators report).
  bool ReadsIndicators() const { return kind == PeriodReportKind::kIndicators; }
  // Whether the report sums ProjectMonths (a projects report).
  bool ReadsProjects() const { return kind == PeriodReportKind::kProjects; }
  // The projections of the Books the report reads: the region tree, with
  // RegionMonths unless it sums the flows or the projects, and with the
  // projects' names and budgets for a projects report.
  Books::Set Projections() const {
    if (ReadsProjects()) return Books::kRegions | Books::kProjects;
    if (ReadsIndicators()) return Books::kRegions;
    return ReadsFlows() ? Books::kRegions : kSeriesProjections;
  }
};

// Parses the report's flags: `metric` as ParseSeriesQuery reads it (every
// metric when empty), `period` month|quarter|year, `from` and `to` YYYY-MM
// (both required), `compare` empty or previous-year. `from` must open a
// period and `to` close one (a quarter report runs 2024-01..2024-06, not
// 2024-02..2024-06): a column is always a whole month, quarter or year.
// Usage errors name the flag.
// The report's kind, and its filters: `helper` a region code and
// `program` a word of kPrograms (either empty: none). With either, or for a
// helpers report, the metrics may not name disbursed, and none named means
// allocated, invested and sales. A projects report takes neither filter
// (a disbursement names no helper) and has no sales (a sale names no
// project): none named means allocated, disbursed and invested. An
// indicators report takes no `metric` (its one metric is each indicator's
// figure, "value") and no `program` (a recorded indicator names none).
struct PeriodReportFilters {
  PeriodReportKind kind = PeriodReportKind::kRegions;
  absl::string_view helper, program;
};
absl::StatusOr<PeriodReportQuery> ParsePeriodReportQuery(
    absl::string_view region, absl::string_view metric, absl::string_view period,
    absl::string_view from, absl::string_view to, absl::string_view compare, bool ytd,
    const PeriodReportFilters& filters = {});

// The log folded to a report's point: the Books (the query's
// Projections()), FlowMonths when the query ReadsFlows(), ProjectMonths
// when it ReadsProjects() and IndicatorMonths when it ReadsIndicators()
// (else null).
struct PeriodReportSource {
  // The Books alone: a report whose query reads none of the others.
  PeriodReportSource(const Books& books) : books(&books) {}  // NOLINT: implicit on purpose
  PeriodReportSource(const Books& books, const FlowMonths* flows,
                     const ProjectMonths* projects = nullptr,
                     const IndicatorMonths* indicators = nullptr)
      : books(&books), flows(flows), projects(projects), indicators(indicators) {}

  const Books* books;
  const FlowMonths* flows = nullptr;
  const ProjectMonths* projects = nullptr;
  const IndicatorMonths* indicators = nullptr;
};

// The projections outside the Books a report may sum, for a fold to the
// report's point to fold beside them (Ledger::Fold's `extra`).
struct PeriodReportExtras {
  FlowMonths flows;
  ProjectMonths projects;
  IndicatorMonths indicators;

  // The one `query` sums, or null.
  Projection* For(const PeriodReportQuery& query) {
    if (query.ReadsIndicators()) return &indicators;
    if (query.ReadsProjects()) return &projects;
    return query.ReadsFlows() ? &flows : nullptr;
  }
  PeriodReportSource SourceOf(const Books& books) const {
    return PeriodReportSource(books, &flows, &projects, &indicators);
  }
};

// The report `query` asks for. kNotFound for a region or helper not
// registered in the books; kOutOfRange for a sum beyond int64.
absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReport(const PeriodReportSource& source,
                                                          const PeriodReportQuery& query);

// As above, with every figure's closed_fen taken from `closed` (the log
// folded to the close of `year`), rolled up the tree of `now` so that the
// two sides differ only where own figures do; moved_since_close lists the
// rows whose parent differs in `closed`. REQUIRES: `closed` folds what
// `now` does.
absl::StatusOr<v1::RegionPeriodReport> RegionPeriodReportAgainstClose(
    const PeriodReportSource& now, const PeriodReportSource& closed, int32_t year,
    const PeriodReportQuery& query);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_PERIOD_REPORT_H_
