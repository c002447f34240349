// Series (GET /v1/series): the monthly figures RegionBalances keeps, summed
// over a region's subtree by month, quarter or year. The property that
// makes them trustworthy: a region's series summed through any month equals
// the region's total figures as of that month's last day, which an as-of
// fold computes from the log by another road.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "state/reports.h"
#include "tests/state/projection_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::ProjectionFixture;
using testing::RandomStream;
using testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SeriesTest : public ProjectionFixture {
 protected:
  v1::SeriesReport MustSeries(const Books& books, absl::string_view region,
                              absl::string_view period = "", absl::string_view from = "",
                              absl::string_view to = "", absl::string_view metric = "") {
    absl::StatusOr<SeriesQuery> query = ParseSeriesQuery(region, metric, period, from, to);
    EXPECT_THAT(query, IsOk());
    if (!query.ok()) return {};
    absl::StatusOr<v1::SeriesReport> report = SeriesReport(books, *query);
    EXPECT_THAT(report, IsOk());
    return report.ok() ? *std::move(report) : v1::SeriesReport();
  }
};

// "YYYY-MM-DD" of the last day of "YYYY-MM".
std::string LastDayOf(const std::string& month) {
  const absl::CivilMonth civil(std::stoi(month.substr(0, 4)), std::stoi(month.substr(5, 2)));
  const absl::CivilDay last = absl::CivilDay(civil + 1) - 1;
  return absl::StrFormat("%04d-%02d-%02d", last.year(), last.month(), last.day());
}

std::vector<int64_t> Figures(const v1::RegionFigures& figures) {
  return {figures.allocated_fen(), figures.disbursed_fen(), figures.invested_fen(),
          figures.sales_fen()};
}

TEST_F(SeriesTest, SummedThroughEachMonthItEqualsTheFiguresAsOfThatMonthsLastDay) {
  const uint64_t seed = testing::TestSeed(7301);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(1500, 4);  // reversals often land in a later month
  const uint64_t head = ledger_->head().sequence;
  // Every region, a top-level one, one below it and a leaf.
  const std::vector<std::string> codes = stream.region_codes();
  ASSERT_GE(codes.size(), 3u);
  const std::vector<std::string> regions = {"", codes.front(), codes[1], codes.back()};

  std::vector<v1::SeriesReport> series;
  for (const std::string& region : regions) series.push_back(MustSeries(ledger_->books(), region));
  ASSERT_GT(series[0].points_size(), 12) << "seed " << seed;
  std::vector<std::vector<int64_t>> running(regions.size(), std::vector<int64_t>(4, 0));
  for (int month = 0; month < series[0].points_size(); ++month) {
    const std::string name = series[0].points(month).period();
    const FoldedBooks as_of = MustFold(head, LastDayOf(name));
    for (size_t r = 0; r < regions.size(); ++r) {
      // A region's series starts at its first month with figures.
      for (const v1::SeriesPoint& point : series[r].points()) {
        if (point.period() != name) continue;
        for (int m = 0; m < 4; ++m) running[r][m] += point.values_fen(m);
      }
      const std::vector<int64_t> expected =
          regions[r].empty() ? Figures(as_of.books.regions.state().grand())
          : as_of.books.regions.FindRegion(regions[r]) == nullptr
              ? std::vector<int64_t>(4, 0)
              : Figures(as_of.books.regions.FindRegion(regions[r])->total());
      EXPECT_EQ(running[r], expected)
          << "region '" << regions[r] << "' through " << name << ", seed " << seed;
    }
  }
  // A quarter and a year are the sums of their months.
  const v1::SeriesReport quarters = MustSeries(ledger_->books(), "", "quarter");
  const v1::SeriesReport years = MustSeries(ledger_->books(), "", "year");
  std::map<std::string, std::vector<int64_t>> by_quarter, by_year;
  for (const v1::SeriesPoint& point : series[0].points()) {
    const int in_year = std::stoi(point.period().substr(5, 2));
    const std::string quarter = absl::StrCat(point.period().substr(0, 4), "-Q", (in_year + 2) / 3);
    for (auto* sums : {&by_quarter[quarter], &by_year[point.period().substr(0, 4)]}) {
      sums->resize(4, 0);
      for (int m = 0; m < 4; ++m) (*sums)[m] += point.values_fen(m);
    }
  }
  ASSERT_EQ(quarters.points_size(), static_cast<int>(by_quarter.size()));
  for (const v1::SeriesPoint& point : quarters.points()) {
    EXPECT_EQ(std::vector<int64_t>(point.values_fen().begin(), point.values_fen().end()),
              by_quarter[point.period()])
        << point.period();
  }
  ASSERT_EQ(years.points_size(), static_cast<int>(by_year.size()));
  for (const v1::SeriesPoint& point : years.points()) {
    EXPECT_EQ(std::vector<int64_t>(point.values_fen().begin(), point.values_fen().end()),
              by_year[point.period()])
        << point.period();
  }
  // A snapshot of the monthly figures loads back to the same state, and a
  // rebuild from the log gives the same bytes.
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  ReopenWith();
  testing::ExpectSameState(ledger_->books(), MustFold(head, std::nullopt, false).books, head);
}

TEST_F(SeriesTest, AReversalCountsInItsOwnMonthAndEarlierMonthsComeInLater) {
  AddQingdaoBasics();
  MustAdd("sale", {{"event_id", "s-mar"}, {"region_code", "621102"}, {"amount", "100"},
                   {"effective_date", "2023-03-15"}});
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "7"}, {"effective_date", "2023-05-01"}});
  // Recorded later, effective before the region's first month.
  MustAdd("sale", {{"region_code", "621102"}, {"amount", "3"}, {"effective_date", "2022-12-31"}});
  MustAdd("reversal", {{"reversed_event_id", "s-mar"}, {"reason", "keyed twice"},
                       {"effective_date", "2023-06-02"}});
  MustAdd("sale", {{"region_code", "540202"}, {"amount", "1"}, {"effective_date", "2023-04-01"}});

  const v1::SeriesReport dingxi = MustSeries(ledger_->books(), "621100", "", "", "", "sales");
  EXPECT_EQ(dingxi.region_name(), "定西市");
  EXPECT_EQ(dingxi.from(), "2022-12");
  EXPECT_EQ(dingxi.to(), "2023-06");
  EXPECT_THAT(dingxi.metrics(), ElementsAre("sales"));
  std::vector<std::string> periods;
  std::vector<int64_t> sales;
  for (const v1::SeriesPoint& point : dingxi.points()) {
    periods.push_back(point.period());
    ASSERT_EQ(point.values_fen_size(), 1);
    sales.push_back(point.values_fen(0));
  }
  EXPECT_THAT(periods, ElementsAre("2022-12", "2023-01", "2023-02", "2023-03", "2023-04",
                                   "2023-05", "2023-06"));
  EXPECT_THAT(sales, ElementsAre(300, 0, 0, 10000, 0, 700, -10000));

  // Quarters within a range that cuts them: only the months inside count.
  const v1::SeriesReport quarters =
      MustSeries(ledger_->books(), "620000", "quarter", "2023-03", "2023-12", "sales,allocated");
  EXPECT_THAT(quarters.metrics(), ElementsAre("sales", "allocated"));
  ASSERT_EQ(quarters.points_size(), 4);
  EXPECT_EQ(quarters.points(0).period(), "2023-Q1");
  EXPECT_THAT(quarters.points(0).values_fen(), ElementsAre(10000, 0));
  EXPECT_THAT(quarters.points(1).values_fen(), ElementsAre(-9300, 0));
  EXPECT_EQ(quarters.points(3).period(), "2023-Q4");
  EXPECT_THAT(quarters.points(3).values_fen(), ElementsAre(0, 0));

  // Every region: 日喀则's sale too.
  const v1::SeriesReport all = MustSeries(ledger_->books(), "", "year", "", "", "sales");
  ASSERT_EQ(all.points_size(), 2);
  EXPECT_THAT(all.points(0).values_fen(), ElementsAre(300));
  EXPECT_THAT(all.points(1).values_fen(), ElementsAre(10000 + 700 - 10000 + 100));

  // A region without figures has no points unless a range is asked.
  EXPECT_EQ(MustSeries(ledger_->books(), "370000").points_size(), 0);
  EXPECT_EQ(MustSeries(ledger_->books(), "370000", "year", "2020-01", "2021-12").points_size(), 2);
  absl::StatusOr<SeriesQuery> unknown = ParseSeriesQuery("999999", "", "", "", "");
  ASSERT_THAT(unknown, IsOk());
  EXPECT_THAT(SeriesReport(ledger_->books(), *unknown),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("999999")));
}

TEST(SeriesQueryTest, EachBadParameterIsRefusedNamingIt) {
  struct Case {
    const char *metric, *period, *from, *to, *message;
  };
  const Case cases[] = {
      {"money", "", "", "", "metric must be allocated, disbursed, invested or sales"},
      {"sales,sales", "", "", "", "metric names sales twice"},
      {"sales,", "", "", "", "metric must be"},
      {"", "week", "", "", "period must be month, quarter or year (got \"week\")"},
      {"", "", "2024-3", "", "from must be a month YYYY-MM"},
      {"", "", "", "2024-13", "to must be a month YYYY-MM"},
      {"", "", "1900-01", "", "from must be a month YYYY-MM from 1949-01 to 2199-12"},
      {"", "", "2024-03-01", "", "from must be a month"},
      {"", "", "2024-05", "2024-04", "from (2024-05) is after to (2024-04)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseSeriesQuery("", c.metric, c.period, c.from, c.to),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.metric << " " << c.period << " " << c.from << " " << c.to;
  }
  EXPECT_THAT(ParseSeriesQuery("", "disbursed", "year", "2024-01", "2024-01"), IsOk());
}

// A month's figure counts reversals of earlier months, so it can grow past
// what the grand totals bound: validation refuses the event that would take
// it past 64 bits, naming the month, and writes nothing.
TEST_F(SeriesTest, AnEventThatWouldOverflowAMonthIsRefused) {
  AddQingdaoBasics();
  const std::string kMax = "10000000000000";  // limits::kAmountFenMax, in yuan
  std::vector<v1::Event> drafts;
  // Each pair adds 10^15 fen to January and takes it back in February:
  // the net figures stay at most 10^15, January's grows by 10^15 a pair.
  const int64_t pairs = INT64_MAX / limits::kAmountFenMax;
  for (int64_t i = 0; i < pairs; ++i) {
    drafts.push_back(Draft("allocation", {{"event_id", absl::StrCat("a", i)},
                                          {"helper_code", "370200"},
                                          {"recipient_code", "621100"},
                                          {"amount", kMax},
                                          {"effective_date", "2023-01-10"}}));
    drafts.push_back(Draft("reversal", {{"reversed_event_id", absl::StrCat("a", i)},
                                        {"reason", "x"},
                                        {"effective_date", "2023-02-10"}}));
  }
  ASSERT_THAT(testing::AppendBatch(*ledger_, std::move(drafts)), IsOk());
  const uint64_t head = ledger_->head().sequence;
  EXPECT_THAT(Add("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                 {"amount", kMax}, {"effective_date", "2023-01-11"}}),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("overflow the 64-bit fen total of its region in the month of "
                                 "2023-01-11")));
  EXPECT_EQ(ledger_->head().sequence, head);
  // Another month is not January.
  EXPECT_THAT(Add("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                 {"amount", kMax}, {"effective_date", "2023-03-01"}}),
              IsOk());
  const v1::SeriesReport series =
      MustSeries(ledger_->books(), "621100", "month", "2023-01", "2023-03", "allocated");
  EXPECT_EQ(series.points(0).values_fen(0), pairs * limits::kAmountFenMax);
  EXPECT_EQ(series.points(1).values_fen(0), -pairs * limits::kAmountFenMax);
  EXPECT_EQ(series.points(2).values_fen(0), limits::kAmountFenMax);
  // The province sums the same: its months are 64-bit sums of its regions'.
  EXPECT_THAT(MustSeries(ledger_->books(), "620000", "month", "2023-01", "2023-01", "allocated")
                  .points(0)
                  .values_fen(),
              ElementsAre(pairs * limits::kAmountFenMax));
}

}  // namespace
}  // namespace aidledger
