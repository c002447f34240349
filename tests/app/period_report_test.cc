// The printed period report: 舍位平衡 in 万元 and 亿元 (every printed
// figure its exact value rounded down or up, and everything adding up as
// printed), the units' fixed decimals, 大写 of the totals, CSV keeping the
// exact figures, the HTML page, and the workbook read back cell by cell.
#include "app/period_report.h"

#include <cmath>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "app/xlsx.h"
#include "base/daxie.h"
#include "state/period_report.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger::app {
namespace {

using aidledger::testing::IsOk;
using ::testing::HasSubstr;

class PeriodReportGridTest : public aidledger::testing::LedgerFixture {
 protected:
  v1::RegionPeriodReport Report(absl::string_view period, absl::string_view from,
                                absl::string_view to) {
    absl::StatusOr<PeriodReportQuery> query =
        ParsePeriodReportQuery("", "", period, from, to, "previous-year", true);
    EXPECT_THAT(query, IsOk());
    absl::StatusOr<v1::RegionPeriodReport> report = RegionPeriodReport(ledger_->books(), *query);
    EXPECT_THAT(report, IsOk());
    return *std::move(report);
  }

  // A random ledger; the years it has figures in.
  std::pair<std::string, std::string> AddRandomLedger(uint64_t seed) {
    aidledger::testing::RandomStream stream(ledger_.get(), seed);
    stream.AddRegistry();
    stream.AddMoneyEvents(800, 5);
    absl::StatusOr<SeriesQuery> all = ParseSeriesQuery("", "", "year", "", "");
    const v1::SeriesReport years = *SeriesReport(ledger_->books(), *all);
    return {years.from().substr(0, 4), years.to().substr(0, 4)};
  }
};

// The cells of the workbook at `path`, by the sheet's row numbers
// (0-based): a row without cells is not stored.
void ReadBack(const std::string& path, std::map<size_t, std::vector<std::string>>* rows) {
  absl::StatusOr<std::unique_ptr<XlsxReader>> reader = XlsxReader::Open(path, "");
  ASSERT_THAT(reader, IsOk());
  std::vector<std::string> cells;
  absl::Status malformed;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&cells, &malformed);
    ASSERT_THAT(more, IsOk());
    if (!*more) break;
    ASSERT_THAT(malformed, IsOk());
    (*rows)[(*reader)->record_line() - 1] = cells;
  }
}

// Half away from zero to a multiple of `step`.
int64_t RoundHalfAway(int64_t fen, int64_t step) {
  const int64_t down = fen / step * step;
  const int64_t rest = fen - down;
  if (2 * std::abs(rest) >= step) return down + (fen < 0 ? -step : step);
  return down;
}

// Columns by what they hold, from the CSV keys ("2023-Q1_allocated_wan").
struct ColumnKinds {
  std::map<std::string, std::vector<size_t>> periods_of;  // metric: its period columns
  std::map<std::string, size_t> total_of;                 // metric: its total column
  std::vector<size_t> changes, figures;                   // 增减额; every money column
  std::map<std::string, size_t> index;                    // every column by its key
};

ColumnKinds Kinds(const ReportGrid& grid) {
  ColumnKinds kinds;
  for (size_t column = 0; column < grid.keys.size(); ++column) {
    const std::vector<std::string> parts = absl::StrSplit(grid.keys[column], '_');
    const std::string& key = grid.keys[column];
    kinds.index[key] = column;
    if (absl::EndsWith(key, "_percent")) continue;
    if (absl::StrContains(key, "_change_")) {
      kinds.changes.push_back(column);
      continue;
    }
    if (!absl::StrContains(key, "_previous_year_") && !absl::StrContains(key, "_ytd_")) {
      if (parts[0] == "total") {
        kinds.total_of[parts[1]] = column;
      } else {
        kinds.periods_of[parts[1]].push_back(column);
      }
    }
    kinds.figures.push_back(column);
  }
  return kinds;
}

TEST_F(PeriodReportGridTest, FiguresInWanAndYiAddUpAsPrintedAndStayWithinOneStep) {
  const uint64_t seed = aidledger::testing::TestSeed(20261203);
  const auto [first, last] = AddRandomLedger(seed);
  for (AmountUnit unit : {AmountUnit::kWan, AmountUnit::kYi}) {
    const int64_t step = UnitStepFen(unit);
    const v1::RegionPeriodReport report = Report("quarter", first + "-01", last + "-12");
    absl::StatusOr<ReportGrid> grid = RegionPeriodGrid(report, {.unit = unit});
    ASSERT_THAT(grid, IsOk());
    const ColumnKinds kinds = Kinds(*grid);
    ASSERT_EQ(kinds.total_of.size(), 4u);
    const ReportGrid::Row& total_row = grid->rows.back();
    ASSERT_TRUE(total_row.total);
    for (const ReportGrid::Row& row : grid->rows) {
      for (size_t column : kinds.figures) {
        const ReportCell& cell = row.cells[column];
        EXPECT_EQ(cell.shown % step, 0);
        EXPECT_LT(std::abs(cell.shown - cell.fen), step)
            << row.code << " " << grid->keys[column] << " seed " << seed;
      }
      for (const auto& [metric, columns] : kinds.periods_of) {
        int64_t sum = 0;
        for (size_t column : columns) sum += row.cells[column].shown;
        EXPECT_EQ(sum, row.cells[kinds.total_of.at(metric)].shown)
            << row.code << " " << metric << " seed " << seed;
      }
      for (size_t column : kinds.changes) {
        // 增减额 is 本期 less 上年同期, as printed.
        std::string now = grid->keys[column], before = grid->keys[column];
        now.replace(now.find("_change_"), 8, "_");
        before.replace(before.find("_change_"), 8, "_previous_year_");
        EXPECT_EQ(row.cells[column].shown,
                  row.cells[kinds.index.at(now)].shown - row.cells[kinds.index.at(before)].shown);
      }
    }
    // The rows at the top add up to 合计, column by column; 合计's own total
    // is the exact total rounded half away from zero.
    for (size_t column : kinds.figures) {
      int64_t sum = 0;
      for (const ReportGrid::Row& row : grid->rows) {
        if (!row.total && row.depth == 0) sum += row.cells[column].shown;
      }
      EXPECT_EQ(sum, total_row.cells[column].shown) << grid->keys[column] << " seed " << seed;
    }
    for (const auto& [metric, column] : kinds.total_of) {
      EXPECT_EQ(total_row.cells[column].shown, RoundHalfAway(total_row.cells[column].fen, step));
    }
    // Fixed decimals everywhere in the table: 万元 two, 亿元 four.
    const std::string table = ReportGridTable(*grid, unit);
    const std::regex figure(unit == AmountUnit::kYi ? R"(^-?[0-9,]+\.[0-9]{4}$)"
                                                    : R"(^-?[0-9,]+\.[0-9]{2}$)");
    for (const ReportGrid::Row& row : grid->rows) {
      for (size_t column : kinds.figures) {
        EXPECT_TRUE(std::regex_match(FixedFigure(row.cells[column].shown, unit), figure))
            << FixedFigure(row.cells[column].shown, unit);
      }
    }
  }
}

TEST_F(PeriodReportGridTest, TheLayoutHasItsChineseHeadingsDaxieAndSignatures) {
  AddQingdaoBasics();
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                         {"amount", "1126742.50"},
                         {"effective_date", "2022-03-31"}});
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "540202"},
                         {"amount", "1409.50"},
                         {"effective_date", "2022-04-01"}});
  const v1::RegionPeriodReport report = Report("year", "2022-01", "2022-12");
  absl::StatusOr<ReportGrid> grid = RegionPeriodGrid(
      report, {.unit = AmountUnit::kWan, .unit_name = "青岛市财政局", .prepared_by = "张三",
               .reviewed_by = "李四", .approved_by = "王五", .point = "at seq 13"});
  ASSERT_THAT(grid, IsOk());
  EXPECT_EQ(grid->period_text, "2022年度");
  EXPECT_EQ(grid->unit_text, "万元");
  ASSERT_FALSE(grid->groups.empty());
  EXPECT_EQ(grid->groups.front().name, "2022年");
  EXPECT_EQ(grid->groups.back().name, "合计");
  EXPECT_EQ(grid->headers[0], "拨付");
  EXPECT_EQ(grid->headers[1], "拨付本年累计");
  EXPECT_EQ(grid->headers[2], "拨付上年同期");
  EXPECT_EQ(grid->headers[3], "拨付增减额");
  EXPECT_EQ(grid->headers[4], "拨付增减%");
  EXPECT_EQ(grid->daxie[0], "拨付合计（大写）：人民币" + Daxie(112815200) + "（¥1,128,152.00）");
  EXPECT_EQ(grid->daxie[0], "拨付合计（大写）：人民币壹佰壹拾贰万捌仟壹佰伍拾贰元整（¥1,128,152.00）");

  const std::string table = ReportGridTable(*grid, AmountUnit::kWan);
  EXPECT_THAT(table, HasSubstr("援助资金分地区报表"));
  EXPECT_THAT(table, HasSubstr("编制单位：青岛市财政局　　报告期：2022年度　　单位：万元"));
  EXPECT_THAT(table, HasSubstr("填表人：张三"));
  EXPECT_THAT(table, HasSubstr("负责人：王五"));
  // 舍位平衡: 112.674250 万 and 0.140950 万 add up to 112.8152 万, printed
  // 112.82. Rounded each on its own they would print 112.67 and 0.14, a
  // sum of 112.81; the figure with the larger remainder (0.425 of a unit
  // against 0.095) is rounded up instead: 112.68 and 0.14.
  const std::regex dingxi(R"(621100 +定西市 +112\.68 )");
  EXPECT_TRUE(std::regex_search(table, dingxi)) << table;
  const std::regex sangzhuzi(R"(540202 +桑珠孜区 +0\.14 )");
  EXPECT_TRUE(std::regex_search(table, sangzhuzi));
  const std::regex total(R"(合计 +112\.82 )");
  EXPECT_TRUE(std::regex_search(table, total));
  EXPECT_THAT(table, ::testing::Not(HasSubstr("112.67")));

  const std::string csv = ReportGridCsv(*grid, AmountUnit::kWan);
  EXPECT_THAT(csv, HasSubstr("code,name,depth,2022_allocated_wan,2022_allocated_ytd_wan,"
                             "2022_allocated_previous_year_wan,2022_allocated_change_wan,"
                             "2022_allocated_change_percent,"));
  EXPECT_THAT(csv, HasSubstr("621100,定西市,1,112.67425,"));  // exact, not rounded

  const std::string html = ReportGridHtml(*grid, AmountUnit::kWan);
  EXPECT_THAT(html, HasSubstr("@page{size:A4 landscape"));
  EXPECT_THAT(html, HasSubstr("thead{display:table-header-group}"));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("http")));  // no external assets
  EXPECT_THAT(html, HasSubstr("<th colspan=\"20\">2022年</th>"));
}

TEST_F(PeriodReportGridTest, TheWorkbookHoldsTheExactFiguresAsNumbers) {
  const uint64_t seed = aidledger::testing::TestSeed(20261204);
  const auto [first, last] = AddRandomLedger(seed);
  const v1::RegionPeriodReport report = Report("year", first + "-01", last + "-12");
  absl::StatusOr<ReportGrid> grid =
      RegionPeriodGrid(report, {.unit = AmountUnit::kWan, .unit_name = "<青岛> & 市"});
  ASSERT_THAT(grid, IsOk());
  const std::string path = dir_.Sub("report.xlsx");
  ASSERT_THAT(WriteReportGridXlsx(*grid, AmountUnit::kWan, path), IsOk());

  std::map<size_t, std::vector<std::string>> rows;
  ASSERT_NO_FATAL_FAILURE(ReadBack(path, &rows));
  ASSERT_GE(rows.size(), 4 + grid->rows.size());
  EXPECT_EQ(rows[0][0], "援助资金分地区报表");
  EXPECT_THAT(rows[1][0], HasSubstr("编制单位：<青岛> & 市"));
  EXPECT_EQ(rows[3][0], "代码");
  EXPECT_EQ(rows[4][2], "拨付");
  for (size_t r = 0; r < grid->rows.size(); ++r) {
    const std::vector<std::string>& got = rows[5 + r];
    const ReportGrid::Row& want = grid->rows[r];
    EXPECT_EQ(got[0], want.code);
    ASSERT_EQ(got.size(), want.cells.size() + 2);
    for (size_t c = 0; c < want.cells.size(); ++c) {
      const ReportCell& cell = want.cells[c];
      if (cell.percent && !cell.basis_points.has_value()) {
        EXPECT_EQ(got[c + 2], "—");
        continue;
      }
      // A number cell, read back as the number it stores.
      double value = 0;
      ASSERT_TRUE(absl::SimpleAtod(got[c + 2], &value)) << got[c + 2];
      const double want_value = cell.percent ? *cell.basis_points / 10'000.0 : cell.fen / 1e6;
      EXPECT_NEAR(value, want_value, 1e-9 * std::max(1.0, std::abs(want_value)))
          << grid->keys[c] << " seed " << seed;
    }
  }
  // 大写 lines follow the figures.
  bool daxie_found = false;
  for (const auto& [line, row] : rows) daxie_found |= !row.empty() && row[0] == grid->daxie[0];
  EXPECT_TRUE(daxie_found);
}

// An indicators report: a unit column, money rows rounded each on its own
// (its periods adding up to its total), counts as they are, no 合计 row;
// the workbook keeps money exact in the unit and counts as whole numbers.
TEST_F(PeriodReportGridTest, AnIndicatorsGridHasAUnitColumnAndRoundsEachMoneyRowAlone) {
  v1::RegionPeriodReport report;
  report.set_kind("indicators");
  report.set_period("quarter");
  report.set_from("2023-01");
  report.set_to("2023-06");
  report.add_metrics(std::string(kIndicatorMetric));
  report.add_periods("2023-Q1");
  report.add_periods("2023-Q2");
  auto add = [&](const char* code, const char* name, const char* unit, int64_t q1, int64_t q2) {
    v1::PeriodReportRow& row = *report.add_rows();
    row.set_code(code);
    row.set_name(name);
    row.set_unit(unit);
    v1::PeriodFigures& figures = *row.add_figures();
    figures.add_periods_fen(q1);
    figures.add_periods_fen(q2);
    figures.set_total_fen(q1 + q2);
  };
  add("fiscal_assistance", "财政援助资金", "fen", 15'000, 15'000);  // 0.015 万元 each
  add("rural_workers_employed", "劳务协作·帮助农村劳动力就业", "people", 1'234, 5);
  absl::StatusOr<ReportGrid> grid = RegionPeriodGrid(report, {.unit = AmountUnit::kWan});
  ASSERT_THAT(grid, IsOk());
  ASSERT_EQ(grid->rows.size(), 2u);  // no 合计: the units differ
  EXPECT_EQ(grid->keys, (std::vector<std::string>{"2023-Q1_value", "2023-Q2_value", "total_value"}));
  const std::string table = ReportGridTable(*grid, AmountUnit::kWan);
  // Each rounded half away would print 0.02 + 0.02 beside a total of 0.03:
  // the row's periods add up to its total as printed.
  EXPECT_TRUE(std::regex_search(
      table, std::regex(R"(财政援助资金 +万元 +(0\.02 +0\.01|0\.01 +0\.02) +0\.03)")))
      << table;
  EXPECT_TRUE(std::regex_search(table, std::regex(R"(帮助农村劳动力就业 +人 +1,234 +5 +1,239)")))
      << table;
  EXPECT_THAT(table, HasSubstr("金额单位：万元"));
  EXPECT_THAT(table, HasSubstr("财政援助资金合计（大写）：人民币叁佰元整"));
  EXPECT_THAT(ReportGridCsv(*grid, AmountUnit::kWan),
              HasSubstr("rural_workers_employed,劳务协作·帮助农村劳动力就业,0,people,1234,5,1239\r\n"));

  const std::string path = dir_.Sub("indicators.xlsx");
  ASSERT_THAT(WriteReportGridXlsx(*grid, AmountUnit::kWan, path), IsOk());
  std::map<size_t, std::vector<std::string>> rows;
  ASSERT_NO_FATAL_FAILURE(ReadBack(path, &rows));
  EXPECT_EQ(rows[3][2], "计量单位");
  EXPECT_EQ(rows[4][3], "完成数");
  ASSERT_GE(rows[5].size(), 6u);
  EXPECT_EQ(rows[5][2], "万元");
  double q1 = 0;
  ASSERT_TRUE(absl::SimpleAtod(rows[5][3], &q1)) << rows[5][3];
  EXPECT_NEAR(q1, 0.015, 1e-12);  // exact, not as printed
  ASSERT_GE(rows[6].size(), 6u);
  EXPECT_EQ(rows[6][2], "人");
  EXPECT_EQ(rows[6][3], "1234");
  EXPECT_EQ(rows[6][5], "1239");
}

}  // namespace
}  // namespace aidledger::app
