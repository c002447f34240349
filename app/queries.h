// Point-in-time queries shared by the CLI and the server: which slice of the
// log a report folds (at_seq, known_at, as_of), and how reports print.
#ifndef AIDLEDGER_APP_QUERIES_H_
#define AIDLEDGER_APP_QUERIES_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "base/amount.h"
#include "ledger/ledger.h"

namespace aidledger::app {

struct PointOptions {
  std::optional<uint64_t> at_seq;  // events 1..N
  // Events recorded at or before it: an RFC 3339 time, or a date (the end
  // of that day in China, as NormalizeDate reads it).
  std::string known_at;
  std::string as_of;               // YYYY-MM-DD: events effective on or before it
  Books::Set projections = Books::kAll;  // what the query reads (ProjectionsRead)
  // A projection outside the Books the query reads too (Ledger::Fold's
  // `extra`), or null; it must outlive the fold and holds its result.
  Projection* extra = nullptr;
};

struct FoldedPoint {
  FoldedBooks folded;
  v1::PointInTime at;
};

// How an adapter names the point's parameters in its messages: errors below
// the adapters name a parameter, and each adapter spells it its own way.
struct PointParameterNames {
  absl::string_view at_seq;
  absl::string_view known_at;
  absl::string_view as_of;
};
// The neutral names, which are also the HTTP query parameters.
inline constexpr PointParameterNames kPointParameters = {"at_seq", "known_at", "as_of"};
// The CLI's flags.
inline constexpr PointParameterNames kPointFlags = {"--at-seq", "--known-at", "--as-of"};

// Folds the ledger to the point `options` names (the head when none).
// Usage errors (exit 2) for malformed or contradictory options, naming the
// parameter as `names` spell it.
absl::StatusOr<FoldedPoint> FoldAtPoint(const Ledger& ledger, const PointOptions& options,
                                        const PointParameterNames& names = kPointParameters);

absl::StatusOr<AmountUnit> ParseUnit(const std::string& text);

// How a text table shows amounts (yuan with separators, 万 or 亿) and
// times (China Standard Time unless `utc`).
struct TableStyle {
  AmountUnit unit = AmountUnit::kYuan;
  bool utc = false;
  // Regions and projects renamed show their former names (--name-history):
  // "定西市 (formerly 定西地区 until 2003-01-01)"; a CSV gains a former_names column.
  bool name_history = false;
};

// Text tables (Chinese names) and CSV (UTF-8 with a byte-order mark so that
// spreadsheet programs read the names; amounts in `unit` without separators,
// each amount column's name ending in its unit: allocated_yuan).
std::string RegionsTable(const v1::RegionBalancesReport& report, const TableStyle& style);
std::string RegionsCsv(const v1::RegionBalancesReport& report, AmountUnit unit,
                       bool name_history = false);
std::string ProjectsTable(const v1::ProjectTotalsReport& report, const TableStyle& style);
std::string ProjectsCsv(const v1::ProjectTotalsReport& report, AmountUnit unit,
                        bool name_history = false);
std::string HelpersTable(const v1::HelperTotalsReport& report, const TableStyle& style);
std::string HelpersCsv(const v1::HelperTotalsReport& report, AmountUnit unit);
// Master data lists (region list, pair list, project list): the same
// columns in a table and in CSV; the budget in `unit`.
std::string RegionListTable(const v1::RegionListReport& report, const TableStyle& style);
std::string RegionListCsv(const v1::RegionListReport& report, bool name_history = false);
std::string PairingListTable(const v1::PairingListReport& report, const TableStyle& style);
std::string PairingListCsv(const v1::PairingListReport& report);
std::string ProjectListTable(const v1::ProjectListReport& report, const TableStyle& style);
std::string ProjectListCsv(const v1::ProjectListReport& report, AmountUnit unit,
                           bool name_history = false);
// A figure of a table that sums nothing: rounded half away from zero to
// the unit's step, with its fixed decimals (元 2, 万元 2, 亿元 4).
std::string TableFigure(int64_t fen, AmountUnit unit);
// The word of a unit in CSV column names and flags: yuan, wan, yi, fen.
absl::string_view UnitWord(AmountUnit unit);
// "at seq N (hash 0123456789ab), as known at T, as of D": which point a
// table shows, without the unit (a list of regions has no amounts).
std::string PointOnly(const v1::PointInTime& at, const TableStyle& style);
// PointOnly with "; amounts in 元": the heading of a table.
std::string PointHeading(const v1::PointInTime& at, const TableStyle& style);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_QUERIES_H_
