// 舍位平衡 (issue 24): RoundTable's and RoundTree's promises checked on
// tables written by hand, on seeded random tables and trees (every rule of
// the header), against the largest-remainder method on single rows, and
// against every possible rounding of small tables and trees (none has less
// rounding error).
#include "base/rounding.h"

#include <cstdint>
#include <iostream>
#include <random>
#include <vector>

#include "base/limits.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using Table = std::vector<std::vector<int64_t>>;
constexpr int64_t kWanCents = 10'000;  // 0.01 万元 in fen

// Floor division and its remainder, written here apart from the code under
// test; the test tables stay far from int64's limits.
int64_t Down(int64_t fen, int64_t unit) { return fen / unit - (fen % unit < 0 ? 1 : 0); }
int64_t Remainder(int64_t fen, int64_t unit) { return fen - Down(fen, unit) * unit; }
int64_t HalfAway(int64_t fen, int64_t unit) {
  const int64_t magnitude = (fen < 0 ? -fen : fen) * 2 + unit;
  const int64_t rounded = magnitude / (2 * unit);
  return fen < 0 ? -rounded : rounded;
}

// The exact row sums, column sums and total of `fen`.
struct Sums {
  std::vector<int64_t> rows, columns;
  int64_t total = 0;
};
Sums SumsOf(const Table& fen) {
  Sums sums;
  sums.columns.assign(fen.empty() ? 0 : fen[0].size(), 0);
  for (const auto& row : fen) {
    int64_t sum = 0;
    for (size_t j = 0; j < row.size(); ++j) {
      sum += row[j];
      sums.columns[j] += row[j];
    }
    sums.rows.push_back(sum);
    sums.total += sum;
  }
  return sums;
}

// Is `rounded` (a value in units) the exact `fen` rounded down or up?
bool DownOrUp(int64_t rounded, int64_t fen, int64_t unit) {
  const int64_t down = Down(fen, unit);
  return rounded == down || (Remainder(fen, unit) > 0 && rounded == down + 1);
}

// Every promise of the header but the least error; the failure names it.
void ExpectAddsUp(const Table& fen, int64_t unit, const RoundedTable& rounded,
                  const std::string& context) {
  const Sums exact = SumsOf(fen);
  ASSERT_EQ(rounded.cells.size(), fen.size()) << context;
  int64_t total = 0;
  std::vector<int64_t> columns(exact.columns.size(), 0);
  for (size_t i = 0; i < fen.size(); ++i) {
    int64_t row = 0;
    for (size_t j = 0; j < fen[i].size(); ++j) {
      const int64_t cell = rounded.cells[i][j];
      EXPECT_TRUE(DownOrUp(cell, fen[i][j], unit)) << context << " cell " << i << "," << j;
      row += cell;
      columns[j] += cell;
    }
    EXPECT_EQ(row, rounded.row_totals[i]) << context << " row " << i;
    EXPECT_TRUE(DownOrUp(rounded.row_totals[i], exact.rows[i], unit)) << context << " row " << i;
    total += row;
  }
  for (size_t j = 0; j < columns.size(); ++j) {
    EXPECT_EQ(columns[j], rounded.column_totals[j]) << context << " column " << j;
    EXPECT_TRUE(DownOrUp(columns[j], exact.columns[j], unit)) << context << " column " << j;
  }
  EXPECT_EQ(total, rounded.total) << context;
  EXPECT_EQ(rounded.total, HalfAway(exact.total, unit)) << context;
}

// The rounding error saved: the remainders of every figure rounded up.
int64_t RemaindersRoundedUp(const Table& fen, int64_t unit, const RoundedTable& rounded) {
  const Sums exact = SumsOf(fen);
  int64_t saved = 0;
  auto add = [&](int64_t value, int64_t exact_fen) {
    if (value != Down(exact_fen, unit)) saved += Remainder(exact_fen, unit);
  };
  for (size_t i = 0; i < fen.size(); ++i) {
    for (size_t j = 0; j < fen[i].size(); ++j) add(rounded.cells[i][j], fen[i][j]);
    add(rounded.row_totals[i], exact.rows[i]);
  }
  for (size_t j = 0; j < exact.columns.size(); ++j) add(rounded.column_totals[j], exact.columns[j]);
  return saved;
}

TEST(RoundTable, ThreePartsOfFourTenthsAddUpToTheirRoundedTotal) {
  // 0.40 + 0.40 + 0.40 万元 rounded to the 万元: the total 1.2 is 1, so one
  // part is 1 and the others 0 (rounded alone, each would be 0).
  absl::StatusOr<RoundedTable> rounded = RoundTable({{4000'00, 4000'00, 4000'00}}, 1000000);
  ASSERT_THAT(rounded, testing::IsOk());
  EXPECT_EQ(rounded->total, 1);
  EXPECT_EQ(rounded->row_totals, std::vector<int64_t>{1});
  EXPECT_EQ(rounded->cells[0][0] + rounded->cells[0][1] + rounded->cells[0][2], 1);
}

TEST(RoundTable, ATwoByTwoTableAddsUpBothWays) {
  // In 0.01 万元: cells 1.5, 2.5 / 3.5, 0.5; rows 4 and 4, columns 5 and 3,
  // total 8, all exact: the rounding must keep all of them.
  const Table fen = {{150'00, 250'00}, {350'00, 50'00}};
  absl::StatusOr<RoundedTable> rounded = RoundTable(fen, kWanCents);
  ASSERT_THAT(rounded, testing::IsOk());
  EXPECT_EQ(rounded->row_totals, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(rounded->column_totals, (std::vector<int64_t>{5, 3}));
  EXPECT_EQ(rounded->total, 8);
  ExpectAddsUp(fen, kWanCents, *rounded, "2x2");
}

TEST(RoundTable, FiguresAlreadyInTheUnitAndTheYuanStayExact) {
  const Table fen = {{10000, -20000, 0}, {123456789, 5, -7}};
  absl::StatusOr<RoundedTable> rounded = RoundTable(fen, kWanCents);
  ASSERT_THAT(rounded, testing::IsOk());
  EXPECT_EQ(rounded->cells[0], (std::vector<int64_t>{1, -2, 0}));
  absl::StatusOr<RoundedTable> in_fen = RoundTable(fen, 1);  // 元 with two decimals: exact
  ASSERT_THAT(in_fen, testing::IsOk());
  EXPECT_EQ(in_fen->cells, fen);
  EXPECT_EQ(in_fen->total, 10000 - 20000 + 123456789 + 5 - 7);
}

TEST(RoundTable, AHalfRoundsAwayFromZero) {
  absl::StatusOr<RoundedTable> up = RoundTable({{5000}}, kWanCents);
  absl::StatusOr<RoundedTable> down = RoundTable({{-5000}}, kWanCents);
  ASSERT_THAT(up, testing::IsOk());
  ASSERT_THAT(down, testing::IsOk());
  EXPECT_EQ(up->total, 1);
  EXPECT_EQ(down->total, -1);
}

// A random table: mostly small figures near the unit, some negative (a
// period's reversals), some exact.
Table RandomTable(std::mt19937_64& random, size_t rows, size_t columns, int64_t unit) {
  std::uniform_int_distribution<int64_t> figure(-unit, 40 * unit);
  std::uniform_int_distribution<int> kind(0, 9);
  Table fen(rows, std::vector<int64_t>(columns));
  for (auto& row : fen) {
    for (int64_t& cell : row) {
      const int k = kind(random);
      cell = k == 0 ? 0 : k == 1 ? figure(random) / unit * unit : figure(random);
    }
  }
  return fen;
}

TEST(RoundTable, RandomTablesKeepEveryRule) {
  const uint64_t seed = 20261201;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<size_t> size(1, 14);
  for (int round = 0; round < 400; ++round) {
    const int64_t unit = round % 2 == 0 ? kWanCents : 1000000;  // 万元 / 亿元 decimals
    const Table fen = RandomTable(random, size(random), size(random), unit);
    absl::StatusOr<RoundedTable> rounded = RoundTable(fen, unit);
    ASSERT_THAT(rounded, testing::IsOk()) << "seed " << seed << " round " << round;
    ExpectAddsUp(fen, unit, *rounded, "seed " + std::to_string(seed) + " round " +
                                          std::to_string(round));
  }
}

TEST(RoundTable, OneRowIsTheLargestRemainderMethod) {
  const uint64_t seed = 20261202;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  for (int round = 0; round < 200; ++round) {
    const Table fen = RandomTable(random, 1, 1 + round % 20, kWanCents);
    absl::StatusOr<RoundedTable> rounded = RoundTable(fen, kWanCents);
    ASSERT_THAT(rounded, testing::IsOk());
    // Every part rounded up has a remainder at least as large as every part
    // with a remainder rounded down.
    int64_t least_up = kWanCents, most_down = 0;
    for (size_t j = 0; j < fen[0].size(); ++j) {
      const int64_t remainder = Remainder(fen[0][j], kWanCents);
      if (remainder == 0) continue;
      if (rounded->cells[0][j] == Down(fen[0][j], kWanCents)) {
        most_down = std::max(most_down, remainder);
      } else {
        least_up = std::min(least_up, remainder);
      }
    }
    EXPECT_GE(least_up, most_down) << "seed " << seed << " round " << round;
  }
}

// Every rounding of `fen` that keeps the rules, by trying each set of cells
// with a remainder to round up: the most rounding error any of them saves.
// -1 when none keeps the rules.
int64_t BestByTryingAll(const Table& fen, int64_t unit) {
  std::vector<std::pair<size_t, size_t>> fractional;
  for (size_t i = 0; i < fen.size(); ++i) {
    for (size_t j = 0; j < fen[i].size(); ++j) {
      if (Remainder(fen[i][j], unit) > 0) fractional.push_back({i, j});
    }
  }
  const Sums exact = SumsOf(fen);
  int64_t best = -1;
  for (uint32_t ups = 0; ups < (1u << fractional.size()); ++ups) {
    RoundedTable candidate;
    candidate.row_totals.assign(fen.size(), 0);
    candidate.column_totals.assign(exact.columns.size(), 0);
    for (size_t i = 0; i < fen.size(); ++i) {
      auto& cells = candidate.cells.emplace_back();
      for (size_t j = 0; j < fen[i].size(); ++j) cells.push_back(Down(fen[i][j], unit));
    }
    for (size_t k = 0; k < fractional.size(); ++k) {
      if (ups & (1u << k)) ++candidate.cells[fractional[k].first][fractional[k].second];
    }
    bool keeps = true;
    for (size_t i = 0; i < fen.size(); ++i) {
      for (size_t j = 0; j < fen[i].size(); ++j) {
        candidate.row_totals[i] += candidate.cells[i][j];
        candidate.column_totals[j] += candidate.cells[i][j];
        candidate.total += candidate.cells[i][j];
      }
      keeps = keeps && DownOrUp(candidate.row_totals[i], exact.rows[i], unit);
    }
    for (size_t j = 0; j < exact.columns.size(); ++j) {
      keeps = keeps && DownOrUp(candidate.column_totals[j], exact.columns[j], unit);
    }
    keeps = keeps && candidate.total == HalfAway(exact.total, unit);
    if (keeps) best = std::max(best, RemaindersRoundedUp(fen, unit, candidate));
  }
  return best;
}

TEST(RoundTable, NoRoundingOfASmallTableHasLessError) {
  const uint64_t seed = 20261203;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<size_t> size(1, 4);
  for (int round = 0; round < 300; ++round) {
    const size_t rows = size(random), columns = std::min<size_t>(size(random), 12 / rows);
    const Table fen = RandomTable(random, rows, columns, kWanCents);
    absl::StatusOr<RoundedTable> rounded = RoundTable(fen, kWanCents);
    ASSERT_THAT(rounded, testing::IsOk());
    const int64_t best = BestByTryingAll(fen, kWanCents);
    ASSERT_GE(best, 0) << "seed " << seed << " round " << round << ": no rounding adds up";
    EXPECT_EQ(RemaindersRoundedUp(fen, kWanCents, *rounded), best)
        << "seed " << seed << " round " << round;
  }
}

TEST(RoundTable, RefusesABadShapeOrUnit) {
  EXPECT_THAT(RoundTable({{1, 2}, {3}}, kWanCents), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RoundTable({{1}}, 0), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RoundTable({{1}}, 300), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RoundTable({{1}}, limits::kRoundingUnitMax * 10),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  const Table too_big(limits::kRoundingCellsMax / 100 + 1, std::vector<int64_t>(100, 1));
  EXPECT_THAT(RoundTable(too_big, kWanCents), testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RoundTable({{INT64_MAX}, {-1}}, kWanCents),
              testing::StatusIs(absl::StatusCode::kOutOfRange));
  absl::StatusOr<RoundedTable> empty = RoundTable({}, kWanCents);
  ASSERT_THAT(empty, testing::IsOk());
  EXPECT_EQ(empty->total, 0);
}

// A random forest of `rows` rows: each row's parent is an earlier row or
// none.
std::vector<size_t> RandomParents(std::mt19937_64& random, size_t rows) {
  std::vector<size_t> parents;
  for (size_t i = 0; i < rows; ++i) {
    std::uniform_int_distribution<size_t> pick(0, i);
    const size_t parent = pick(random);  // i: no parent
    parents.push_back(parent == i ? kNoParent : parent);
  }
  return parents;
}

// The exact figures of a tree, as RoundTree's header names them.
struct TreeSums {
  Table rows;
  std::vector<int64_t> row_totals, own_totals, columns;
  int64_t total = 0;
};
TreeSums TreeSumsOf(const std::vector<size_t>& parents, const Table& own) {
  TreeSums sums;
  sums.rows = own;
  sums.columns.assign(own.empty() ? 0 : own[0].size(), 0);
  for (const auto& row : own) {
    int64_t sum = 0;
    for (int64_t cell : row) sum += cell;
    sums.own_totals.push_back(sum);
  }
  sums.row_totals = sums.own_totals;
  // Add each row to every row above it, walking up the parents.
  for (size_t i = 0; i < own.size(); ++i) {
    for (size_t above = parents[i]; above != kNoParent; above = parents[above]) {
      for (size_t j = 0; j < own[i].size(); ++j) sums.rows[above][j] += own[i][j];
      sums.row_totals[above] += sums.own_totals[i];
    }
  }
  for (size_t i = 0; i < own.size(); ++i) {
    if (parents[i] != kNoParent) continue;
    for (size_t j = 0; j < own[i].size(); ++j) sums.columns[j] += sums.rows[i][j];
    sums.total += sums.row_totals[i];
  }
  return sums;
}

bool HasChildren(const std::vector<size_t>& parents, size_t row) {
  for (size_t parent : parents) {
    if (parent == row) return true;
  }
  return false;
}

// Every promise of RoundTree's header but the least error.
void ExpectTreeAddsUp(const std::vector<size_t>& parents, const Table& own, int64_t unit,
                      const RoundedTree& rounded, const std::string& context) {
  const TreeSums exact = TreeSumsOf(parents, own);
  const size_t width = exact.columns.size();
  std::vector<int64_t> columns(width, 0);
  for (size_t i = 0; i < own.size(); ++i) {
    const std::string row = context + " row " + std::to_string(i);
    int64_t across = 0, own_across = 0, children_totals = 0;
    for (size_t c = 0; c < own.size(); ++c) {
      if (parents[c] == i) children_totals += rounded.row_totals[c];
    }
    for (size_t j = 0; j < width; ++j) {
      int64_t below = rounded.own[i][j];
      for (size_t c = 0; c < own.size(); ++c) {
        if (parents[c] == i) below += rounded.rows[c][j];
      }
      EXPECT_EQ(rounded.rows[i][j], below) << row << " column " << j;
      EXPECT_TRUE(DownOrUp(rounded.rows[i][j], exact.rows[i][j], unit)) << row << " column " << j;
      EXPECT_TRUE(DownOrUp(rounded.own[i][j], own[i][j], unit)) << row << " own " << j;
      across += rounded.rows[i][j];
      own_across += rounded.own[i][j];
      if (parents[i] == kNoParent) columns[j] += rounded.rows[i][j];
    }
    EXPECT_EQ(across, rounded.row_totals[i]) << row;
    EXPECT_EQ(own_across, rounded.own_totals[i]) << row;
    EXPECT_EQ(rounded.own_totals[i] + children_totals, rounded.row_totals[i]) << row;
    EXPECT_TRUE(DownOrUp(rounded.row_totals[i], exact.row_totals[i], unit)) << row;
    EXPECT_TRUE(DownOrUp(rounded.own_totals[i], exact.own_totals[i], unit)) << row;
  }
  int64_t total = 0;
  for (size_t j = 0; j < width; ++j) {
    EXPECT_EQ(columns[j], rounded.column_totals[j]) << context << " column " << j;
    EXPECT_TRUE(DownOrUp(columns[j], exact.columns[j], unit)) << context << " column " << j;
    total += columns[j];
  }
  EXPECT_EQ(total, rounded.total) << context;
  EXPECT_EQ(rounded.total, HalfAway(exact.total, unit)) << context;
}

// The rounding error a tree's rounding saves: the remainders of the figures
// rounded up (own figures and own totals only for rows with children, as
// for a row without they repeat its figures).
int64_t TreeRemaindersRoundedUp(const std::vector<size_t>& parents, const Table& own,
                                int64_t unit, const RoundedTree& rounded) {
  const TreeSums exact = TreeSumsOf(parents, own);
  int64_t saved = 0;
  auto add = [&](int64_t value, int64_t exact_fen) {
    if (value != Down(exact_fen, unit)) saved += Remainder(exact_fen, unit);
  };
  for (size_t i = 0; i < own.size(); ++i) {
    const bool parent = HasChildren(parents, i);
    for (size_t j = 0; j < own[i].size(); ++j) {
      add(rounded.rows[i][j], exact.rows[i][j]);
      if (parent) add(rounded.own[i][j], own[i][j]);
    }
    add(rounded.row_totals[i], exact.row_totals[i]);
    if (parent) add(rounded.own_totals[i], exact.own_totals[i]);
  }
  for (size_t j = 0; j < exact.columns.size(); ++j) add(rounded.column_totals[j], exact.columns[j]);
  return saved;
}

TEST(RoundTree, ACityAndItsCountiesAddUpInEveryColumn) {
  // 定西市 (own 0.4) with two counties (0.4 and 0.4), in 0.01 万元 units of
  // one month: 1.2 rounds to 1; the city's figure is its own plus the
  // counties', each down or up.
  const std::vector<size_t> parents = {kNoParent, 0, 0};
  const Table own = {{40'00}, {40'00}, {40'00}};
  absl::StatusOr<RoundedTree> rounded = RoundTree(parents, own, kWanCents);
  ASSERT_THAT(rounded, testing::IsOk());
  EXPECT_EQ(rounded->total, 1);
  EXPECT_EQ(rounded->rows[0][0], 1);
  EXPECT_EQ(rounded->own[0][0] + rounded->rows[1][0] + rounded->rows[2][0], 1);
  ExpectTreeAddsUp(parents, own, kWanCents, *rounded, "city");
}

TEST(RoundTree, RandomTreesKeepEveryRule) {
  const uint64_t seed = 20261204;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<size_t> size(1, 12);
  for (int round = 0; round < 300; ++round) {
    const int64_t unit = round % 2 == 0 ? kWanCents : 1000000;
    const size_t rows = size(random);
    const std::vector<size_t> parents = RandomParents(random, rows);
    const Table own = RandomTable(random, rows, size(random), unit);
    absl::StatusOr<RoundedTree> rounded = RoundTree(parents, own, unit);
    ASSERT_THAT(rounded, testing::IsOk()) << "seed " << seed << " round " << round;
    ExpectTreeAddsUp(parents, own, unit, *rounded,
                     "seed " + std::to_string(seed) + " round " + std::to_string(round));
  }
}

// The most rounding error any rounding of a small tree that keeps the rules
// saves, by trying each set of own cells with a remainder to round up; -1
// when none keeps them.
int64_t BestTreeByTryingAll(const std::vector<size_t>& parents, const Table& own, int64_t unit) {
  std::vector<std::pair<size_t, size_t>> fractional;
  for (size_t i = 0; i < own.size(); ++i) {
    for (size_t j = 0; j < own[i].size(); ++j) {
      if (Remainder(own[i][j], unit) > 0) fractional.push_back({i, j});
    }
  }
  const TreeSums exact = TreeSumsOf(parents, own);
  int64_t best = -1;
  for (uint32_t ups = 0; ups < (1u << fractional.size()); ++ups) {
    Table cells(own.size());
    for (size_t i = 0; i < own.size(); ++i) {
      for (int64_t cell : own[i]) cells[i].push_back(Down(cell, unit));
    }
    for (size_t k = 0; k < fractional.size(); ++k) {
      if (ups & (1u << k)) ++cells[fractional[k].first][fractional[k].second];
    }
    // The candidate's figures are the sums of its own cells, in units.
    const TreeSums sums = TreeSumsOf(parents, cells);
    RoundedTree candidate{sums.rows, cells, sums.row_totals, sums.own_totals, sums.columns,
                          sums.total};
    bool keeps = candidate.total == HalfAway(exact.total, unit);
    for (size_t i = 0; i < own.size(); ++i) {
      for (size_t j = 0; j < own[i].size(); ++j) {
        keeps = keeps && DownOrUp(candidate.rows[i][j], exact.rows[i][j], unit);
      }
      keeps = keeps && DownOrUp(candidate.row_totals[i], exact.row_totals[i], unit) &&
              DownOrUp(candidate.own_totals[i], exact.own_totals[i], unit);
    }
    for (size_t j = 0; j < exact.columns.size(); ++j) {
      keeps = keeps && DownOrUp(candidate.column_totals[j], exact.columns[j], unit);
    }
    if (keeps) best = std::max(best, TreeRemaindersRoundedUp(parents, own, unit, candidate));
  }
  return best;
}

TEST(RoundTree, NoRoundingOfASmallTreeHasLessError) {
  const uint64_t seed = 20261205;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<size_t> size(1, 5);
  for (int round = 0; round < 300; ++round) {
    const size_t rows = size(random), columns = std::max<size_t>(1, std::min<size_t>(size(random), 12 / rows));
    const std::vector<size_t> parents = RandomParents(random, rows);
    const Table own = RandomTable(random, rows, columns, kWanCents);
    absl::StatusOr<RoundedTree> rounded = RoundTree(parents, own, kWanCents);
    ASSERT_THAT(rounded, testing::IsOk());
    const int64_t best = BestTreeByTryingAll(parents, own, kWanCents);
    ASSERT_GE(best, 0) << "seed " << seed << " round " << round << ": no rounding adds up";
    EXPECT_EQ(TreeRemaindersRoundedUp(parents, own, kWanCents, *rounded), best)
        << "seed " << seed << " round " << round;
  }
}

TEST(RoundTree, RefusesAChildBeforeItsParent) {
  EXPECT_THAT(RoundTree({1, kNoParent}, {{1}, {2}}, kWanCents),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RoundTree({kNoParent}, {{1}, {2}}, kWanCents),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace aidledger
