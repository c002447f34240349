// The progress report (issue 22) as the CLI and the server print it: the
// query folded to its point, and the report as a table, CSV or JSON.
#ifndef AIDLEDGER_APP_PROGRESS_H_
#define AIDLEDGER_APP_PROGRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "app/queries.h"
#include "ledger/ledger.h"
#include "state/progress.h"

namespace aidledger::app {

struct ProgressOptions {
  std::string year;  // YYYY, required
  std::string helper;
  std::string recipient;
  PointOptions point;
};

// The report of `options` folded from `ledger`. Usage errors (exit 2) for
// a missing or malformed year, a region not registered at the point, or a
// malformed point, naming the parameter as `names` spell it ("year" is
// the same everywhere).
absl::StatusOr<v1::ProgressReport> ProgressAtPoint(const Ledger& ledger,
                                                   const ProgressOptions& options,
                                                   const PointParameterNames& names);

// The report of `options` from `books` (folded to the point `at`):
// ProgressAtPoint once it has folded; the server calls it on its live
// Books for the head. `options.point` is not read.
absl::StatusOr<v1::ProgressReport> ProgressOfBooks(const Books& books,
                                                   const ProgressOptions& options,
                                                   const v1::PointInTime& at);

// {"at":{...},"rows":[{"year","helper_code","recipient_code","indicator",
// "unit","target","actual","completion_percent","target_history":[...]}]}
// with int64 values as JSON strings (fen for money indicators) and
// completion_percent a number with one decimal, absent without a target.
std::string ProgressJson(const v1::ProgressReport& report);
// One row per pairing and indicator; values in the indicator's unit (fen
// for money: the unit column says so), the history as
// "value@date#seq reason" joined by " | ".
std::string ProgressCsv(const v1::ProgressReport& report);
// The table: region names, money in yuan, counts with their unit,
// "—" for no target.
std::string ProgressTable(const v1::ProgressReport& report, const TableStyle& style);

// "104.0": tenths of a percent as text.
std::string PercentText(int64_t per_mille);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_PROGRESS_H_
