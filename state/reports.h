// Reports: the report messages of proto/aidledger/v1/projections.proto built
// from folded Books. Pure functions; the CLI and the server print them.
#ifndef AIDLEDGER_STATE_REPORTS_H_
#define AIDLEDGER_STATE_REPORTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "state/books.h"

namespace aidledger {

// The reports, as the CLI and the server name them.
enum class ReportKind { kBalances, kProjects, kHelpers };

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
