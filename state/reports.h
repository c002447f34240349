// Reports: the report messages of proto/aidledger/v1/projections.proto built
// from folded Books. Pure functions; the CLI and the server print them.
#ifndef AIDLEDGER_STATE_REPORTS_H_
#define AIDLEDGER_STATE_REPORTS_H_

#include <array>
#include <memory>
#include <string>
#include <utility>

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

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_REPORTS_H_
