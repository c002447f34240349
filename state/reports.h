// Reports: the report messages of proto/aidledger/v1/projections.proto built
// from folded Books. Pure functions; the CLI and the server print them.
#ifndef AIDLEDGER_STATE_REPORTS_H_
#define AIDLEDGER_STATE_REPORTS_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/projections.pb.h"
#include "state/books.h"

namespace aidledger {

// The reports. Their names are the CLI's commands and the server's paths
// (/v1/balances, ...): both come from kReportNames.
enum class ReportKind { kBalances, kProjects, kHelpers };
inline constexpr std::array<std::pair<ReportKind, absl::string_view>, 3> kReportNames = {{
    {ReportKind::kBalances, "balances"},
    {ReportKind::kProjects, "projects"},
    {ReportKind::kHelpers, "helpers"},
}};
absl::string_view ReportName(ReportKind kind);

// The report of `kind` (filtered by `region`, empty: none; helpers take no
// region) from `books`, stamped with the point `at`. kNotFound for a region
// not registered in `books`.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildReport(
    ReportKind kind, const Books& books, const std::string& region, const v1::PointInTime& at);

// The projections a report of `kind` filtered by `region` (empty: none)
// reads: a fold for that report alone needs only these (Ledger::Fold).
Books::Set ProjectionsRead(ReportKind kind, const std::string& region);

// Regions in tree order (each region followed by the regions below it,
// siblings by code). With `region` non-empty: that region and everything
// below it; kNotFound when it is not registered in `books`.
absl::StatusOr<v1::RegionBalancesReport> RegionBalancesReport(const Books& books,
                                                              const std::string& region);

// Projects by project_id; with `region`: those in it or below it.
absl::StatusOr<v1::ProjectTotalsReport> ProjectTotalsReport(const Books& books,
                                                            const std::string& region);

// Helpers by code, each with its per-program rows.
v1::HelperTotalsReport HelperTotalsReport(const Books& books);

// Master data (issue 21): the lists of regions, pairings and projects as
// of the point `books` was folded to, with their dates and status and no
// money; `region` (empty: none) keeps what lies in it or below it (a
// pairing: its helper or its recipient). kNotFound for a region not
// registered in `books`.
enum class ListKind { kRegions, kPairings, kProjects };
Books::Set ProjectionsListed(ListKind kind);
absl::StatusOr<v1::RegionListReport> RegionListReport(const Books& books,
                                                      const std::string& region);
absl::StatusOr<v1::PairingListReport> PairingListReport(const Books& books,
                                                        const std::string& region);
absl::StatusOr<v1::ProjectListReport> ProjectListReport(const Books& books,
                                                        const std::string& region);

// A series: what GET /v1/series asks for, parsed.
struct SeriesQuery {
  enum class Period { kMonth, kQuarter, kYear };
  std::string region;                  // empty: every region
  Period period = Period::kMonth;
  std::vector<size_t> metrics;         // indices in kSeriesMetrics
  std::optional<uint32_t> from, to;    // months (RegionMonths::MonthIndex)
};
// The metrics, in RegionMonths order.
inline constexpr std::array<absl::string_view, 4> kSeriesMetrics = {"allocated", "disbursed",
                                                                    "invested", "sales"};
inline constexpr std::array<std::pair<SeriesQuery::Period, absl::string_view>, 3> kSeriesPeriods =
    {{{SeriesQuery::Period::kMonth, "month"},
      {SeriesQuery::Period::kQuarter, "quarter"},
      {SeriesQuery::Period::kYear, "year"}}};

// Parses the parameters of a series (each may be empty: `metric` a
// comma-separated list, every metric when empty; `period` month when
// empty; `from` and `to` YYYY-MM, the region's first and last month with
// figures when empty). A usage error (HTTP 400) naming the parameter.
absl::StatusOr<SeriesQuery> ParseSeriesQuery(absl::string_view region, absl::string_view metric,
                                             absl::string_view period, absl::string_view from,
                                             absl::string_view to);

// A month YYYY-MM (RegionMonths::MonthIndex); nullopt for empty text, a
// usage error naming `parameter` for anything else.
absl::StatusOr<std::optional<uint32_t>> ParseMonth(absl::string_view text,
                                                   absl::string_view parameter);
// The period `month` falls in (periods counted from month 0), and its name:
// "2024-03", "2024-Q1" or "2024".
uint32_t PeriodOf(SeriesQuery::Period period, uint32_t month);
std::string PeriodName(SeriesQuery::Period period, uint32_t index);

// What a series reads.
inline constexpr Books::Set kSeriesProjections = Books::kRegions | Books::kMonths;

// The series of `query.region` (its own figures and those of every region
// below it, summed from the monthly figures of RegionMonths): a point per
// period from `from` to `to`, each summing the months of that period within
// them. kNotFound for a region not registered in `books`.
absl::StatusOr<v1::SeriesReport> SeriesReport(const Books& books, const SeriesQuery& query);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_REPORTS_H_
