// Progress against the annual agreement targets (issue 22): per pairing and
// indicator of a year, the target in force and the figure so far, rolled up
// like balances (a county's figures count for its city's pairing, and a
// helper's district's for the helper city's), with every revision of the
// target. Pure: built from Books folded to the point the report is of.
#ifndef AIDLEDGER_STATE_PROGRESS_H_
#define AIDLEDGER_STATE_PROGRESS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "state/books.h"

namespace aidledger {

struct ProgressQuery {
  int32_t year = 0;
  std::string helper;     // empty: every helper
  std::string recipient;  // empty: every recipient
};

// What BuildProgress reads: a fold for the report alone folds only these.
inline constexpr Books::Set kProgressProjections = Books::kIndicators | Books::kRegions;

// The rows of `query.year`: every pairing and indicator with a target or a
// figure, by helper, recipient and the indicators' table order. kNotFound
// for a helper or recipient not registered in `books`. REQUIRES:
// books.Folds(kProgressProjections).
absl::StatusOr<v1::ProgressReport> BuildProgress(const Books& books, const ProgressQuery& query);

// actual / target in tenths of a percent, rounded half up, computed in
// integers (1234 is 123.4%). REQUIRES: target > 0, actual >= 0.
int64_t CompletionPerMille(int64_t actual, int64_t target);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_PROGRESS_H_
