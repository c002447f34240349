// 舍位平衡: rounding a table of fen figures to a coarser unit (0.01 万元,
// 0.0001 亿元) so that what is printed still adds up. Rounding each figure
// on its own does not: three parts of 0.4 print as 0, 0 and 0 beside a
// total of 1. RoundTable rounds every cell, every row total, every column
// total and the grand total down or up to the unit so that each row's
// cells add up to its row total, each column's to its column total, and the
// totals to the grand total; among all such roundings it takes the one
// with the least rounding error, which for a single row is the
// largest-remainder method.
#ifndef AIDLEDGER_BASE_ROUNDING_H_
#define AIDLEDGER_BASE_ROUNDING_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace aidledger {

// A table rounded to a unit: every figure is a count of units (with unit
// 10,000 fen, 1 means 0.01 万元).
struct RoundedTable {
  std::vector<std::vector<int64_t>> cells;  // [row][column]
  std::vector<int64_t> row_totals;
  std::vector<int64_t> column_totals;
  int64_t total = 0;
};

// The table `fen` (rows of equal length) rounded to `unit` fen (1 ..
// limits::kRoundingUnitMax, a power of ten) such that:
//   - every cell, row total and column total is its exact value rounded
//     down or up to the unit (a cell already a whole number of units stays
//     as it is);
//   - the grand total is the exact total rounded half away from zero
//     (四舍五入);
//   - every row's cells add up to its row total and every column's cells
//     to its column total;
//   - among the roundings that meet these, the rounding error of all the
//     figures together (cells, row and column totals) is the least: the
//     figures rounded up are those with the largest remainders.
// Such a rounding always exists (the figures' bounds form a network whose
// fractional flow, the exact table, lies between them, so an integral one
// does too); it is found as a minimum-cost flow, one unit of flow for each
// cell rounded up. kInvalidArgument for
// rows of unequal length, more than limits::kRoundingCellsMax cells or a
// bad unit; kOutOfRange when the magnitudes of the figures add up past
// int64.
absl::StatusOr<RoundedTable> RoundTable(const std::vector<std::vector<int64_t>>& fen,
                                        int64_t unit);

// A table whose rows form a tree, as a report of regions: each row's
// figures are its own plus those of every row below it (a city's are its
// own and its counties'), and the column totals add up the rows at the
// top. `parents[i]` is the row above row i, or kNoParent; a parent comes
// before its children. `own_fen` holds each row's own figures.
// `fen` rounded half away from zero (四舍五入) to a count of `unit`s
// (1 .. limits::kRoundingUnitMax): what the grand total of a rounding is.
int64_t RoundHalfAway(int64_t fen, int64_t unit);

inline constexpr size_t kNoParent = SIZE_MAX;
struct RoundedTree {
  std::vector<std::vector<int64_t>> rows;  // [row][column]: own plus below
  std::vector<std::vector<int64_t>> own;   // [row][column]: own only
  std::vector<int64_t> row_totals, own_totals;
  std::vector<int64_t> column_totals;  // of the rows at the top
  int64_t total = 0;
};

// RoundTable's promises for every figure of the tree: each row's figures
// and row total, each column total, and for a row with children its own
// figures and own total, are their exact values rounded down or up; the
// grand total is rounded half away from zero; everything adds up (a row's
// figure in a column is its own figure plus its children's; a row total is
// the sum of its figures and its own total plus its children's row totals;
// a column total is the sum of the top rows' figures); and the rounding
// error of all these figures together is the least. Such a rounding still
// always exists: the figures nest (in a column, like the tree; across
// columns, a row's total), so their bounds still form a network. For a row
// without children, `own` repeats `rows` and `own_totals` `row_totals`.
// RoundTable is RoundTree with every row at the top.
absl::StatusOr<RoundedTree> RoundTree(const std::vector<size_t>& parents,
                                      const std::vector<std::vector<int64_t>>& own_fen,
                                      int64_t unit);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_ROUNDING_H_
