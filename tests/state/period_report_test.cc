// Period reports (aidledger report regions): the region tree's figures by
// month, quarter or year, with the same periods a year earlier and the year
// to date. Checked against two other roads: the series (GET /v1/series)
// for each region's periods, and as-of folds of the log for the year to
// date (a region's figures as of a period's last day less those as of the
// last day of the year before).
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "base/limits.h"
#include "state/flow_months.h"
#include "state/indicators.h"
#include "state/period_report.h"
#include "state/region_months.h"
#include "tests/state/projection_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::ProjectionFixture;
using testing::RandomStream;
using testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class PeriodReportTest : public ProjectionFixture {
 protected:
  v1::RegionPeriodReport MustReport(const Books& books, absl::string_view region,
                                    absl::string_view period, absl::string_view from,
                                    absl::string_view to, bool previous_year, bool ytd,
                                    absl::string_view metric = "") {
    absl::StatusOr<PeriodReportQuery> query = ParsePeriodReportQuery(
        region, metric, period, from, to, previous_year ? "previous-year" : "", ytd);
    EXPECT_THAT(query, IsOk());
    if (!query.ok()) return {};
    absl::StatusOr<v1::RegionPeriodReport> report = RegionPeriodReport(books, *query);
    EXPECT_THAT(report, IsOk());
    return report.ok() ? *std::move(report) : v1::RegionPeriodReport();
  }

  // The series of `region` (every metric) from `from` to `to`: a vector of
  // four figures per period.
  std::vector<std::vector<int64_t>> Series(const std::string& region, absl::string_view period,
                                           const std::string& from, const std::string& to) {
    absl::StatusOr<SeriesQuery> query = ParseSeriesQuery(region, "", period, from, to);
    EXPECT_THAT(query, IsOk());
    absl::StatusOr<v1::SeriesReport> series = SeriesReport(ledger_->books(), *query);
    EXPECT_THAT(series, IsOk());
    std::vector<std::vector<int64_t>> out;
    for (const v1::SeriesPoint& point : series->points()) {
      out.emplace_back(point.values_fen().begin(), point.values_fen().end());
    }
    return out;
  }
};

std::vector<int64_t> Figures(const v1::RegionFigures& figures) {
  return {figures.allocated_fen(), figures.disbursed_fen(), figures.invested_fen(),
          figures.sales_fen()};
}

// "YYYY-MM" twelve months earlier.
std::string YearEarlier(const std::string& month) {
  return absl::StrFormat("%04d%s", std::stoi(month.substr(0, 4)) - 1, month.substr(4));
}

TEST_F(PeriodReportTest, EachRegionsPeriodsAreItsSeriesAndTheYearToDateIsWhatAsOfFoldsSay) {
  const uint64_t seed = testing::TestSeed(20261202);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(1200, 4);
  const uint64_t head = ledger_->head().sequence;
  // Whole quarters around the figures: the series of every region tells
  // which months have any.
  absl::StatusOr<SeriesQuery> all = ParseSeriesQuery("", "", "year", "", "");
  ASSERT_THAT(all, IsOk());
  const v1::SeriesReport years = *SeriesReport(ledger_->books(), *all);
  ASSERT_GE(years.points_size(), 2) << "seed " << seed;
  const std::string from = absl::StrCat(years.from().substr(0, 4), "-01");
  const std::string to = absl::StrCat(years.to().substr(0, 4), "-12");
  const v1::RegionPeriodReport report =
      MustReport(ledger_->books(), "", "quarter", from, to, true, true);
  ASSERT_EQ(report.periods_size(), 4 * years.points_size());
  ASSERT_GT(report.rows_size(), 3);

  std::vector<std::string> codes = {""};
  for (const v1::PeriodReportRow& row : report.rows()) codes.push_back(row.code());
  for (size_t r = 0; r < codes.size(); ++r) {
    const v1::PeriodReportRow* row = r == 0 ? nullptr : &report.rows(static_cast<int>(r - 1));
    const auto figures = [&](int metric) -> const v1::PeriodFigures& {
      return row == nullptr ? report.totals(metric) : row->figures(metric);
    };
    const auto now = Series(codes[r], "quarter", from, to);
    const auto before = Series(codes[r], "quarter", YearEarlier(from), YearEarlier(to));
    ASSERT_EQ(now.size(), static_cast<size_t>(report.periods_size()));
    for (int metric = 0; metric < 4; ++metric) {
      int64_t total = 0, previous_total = 0;
      for (size_t p = 0; p < now.size(); ++p) {
        EXPECT_EQ(figures(metric).periods_fen(static_cast<int>(p)), now[p][metric])
            << "region '" << codes[r] << "' " << report.periods(static_cast<int>(p)) << " seed " << seed;
        EXPECT_EQ(figures(metric).previous_year_fen(static_cast<int>(p)), before[p][metric]);
        total += now[p][metric];
        previous_total += before[p][metric];
      }
      EXPECT_EQ(figures(metric).total_fen(), total);
      EXPECT_EQ(figures(metric).previous_year_total_fen(), previous_total);
    }
  }

  // The year to date of a top region, one below it and the whole tree.
  for (int p = 0; p < report.periods_size(); ++p) {
    const std::string& name = report.periods(p);  // "2023-Q2"
    const int year = std::stoi(name.substr(0, 4));
    const absl::CivilMonth last_month(year, 3 * (name[6] - '0'));
    const absl::CivilDay last_day = absl::CivilDay(last_month + 1) - 1;
    const FoldedBooks at_end = MustFold(head, absl::FormatCivilTime(last_day));
    const FoldedBooks at_start = MustFold(head, absl::StrFormat("%04d-12-31", year - 1));
    for (int r : {-1, 0, 1}) {
      std::vector<int64_t> expected(4, 0);
      if (r < 0) {
        const auto end = Figures(at_end.books.regions.state().grand());
        const auto start = Figures(at_start.books.regions.state().grand());
        for (int m = 0; m < 4; ++m) expected[m] = end[m] - start[m];
      } else {
        const std::string& code = report.rows(r).code();
        const v1::RegionEntry* end = at_end.books.regions.FindRegion(code);
        const v1::RegionEntry* start = at_start.books.regions.FindRegion(code);
        for (int m = 0; m < 4; ++m) {
          expected[m] = (end == nullptr ? 0 : Figures(end->total())[m]) -
                        (start == nullptr ? 0 : Figures(start->total())[m]);
        }
      }
      for (int m = 0; m < 4; ++m) {
        const v1::PeriodFigures& got = r < 0 ? report.totals(m) : report.rows(r).figures(m);
        EXPECT_EQ(got.ytd_fen(p), expected[m]) << name << " row " << r << " metric " << m
                                               << " seed " << seed;
      }
    }
  }
}

// The helpers report and the filters sum FlowMonths, the regions report
// RegionMonths: two folds of the same money. Every helper's money, by
// program, adds up to the regions report's totals (all money reaches a
// region); and a helper's row is what the regions report limited to that
// helper (--helper) totals.
TEST_F(PeriodReportTest, HelpersAndFiltersAddUpToTheRegionsFigures) {
  const uint64_t seed = testing::TestSeed(20261203);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(1500, 4);
  FlowMonths flows;
  absl::StatusOr<FoldedBooks> folded =
      ledger_->Fold(ledger_->head().sequence, std::nullopt, true, kSeriesProjections, &flows);
  ASSERT_THAT(folded, IsOk());
  const PeriodReportSource source(folded->books, &flows);
  ASSERT_GT(flows.state().flows_size(), 3) << "seed " << seed;
  auto report = [&](PeriodReportKind kind, absl::string_view helper, absl::string_view program) {
    absl::StatusOr<PeriodReportQuery> query = ParsePeriodReportQuery(
        "", "allocated,invested,sales", "year", "2015-01", "2026-12", "previous-year", false,
        {.kind = kind, .helper = helper, .program = program});
    EXPECT_THAT(query, IsOk());
    absl::StatusOr<v1::RegionPeriodReport> built = RegionPeriodReport(source, *query);
    EXPECT_THAT(built, IsOk());
    return built.ok() ? *std::move(built) : v1::RegionPeriodReport();
  };
  const v1::RegionPeriodReport regions = report(PeriodReportKind::kRegions, "", "");
  const v1::RegionPeriodReport helpers = report(PeriodReportKind::kHelpers, "", "");
  ASSERT_EQ(regions.totals_size(), 3);
  int64_t money = 0;
  for (int m = 0; m < 3; ++m) {
    EXPECT_EQ(helpers.totals(m).SerializeAsString(), regions.totals(m).SerializeAsString())
        << regions.metrics(m) << " seed " << seed;
    money += regions.totals(m).total_fen();
  }
  EXPECT_NE(money, 0) << "seed " << seed;

  // Each program's money, summed, is every helper's and no helper's.
  for (int m = 0; m < 3; ++m) {
    int64_t by_program = 0;
    for (absl::string_view program : {"east-west", "counterpart", "intra-province"}) {
      by_program += report(PeriodReportKind::kRegions, "", program).totals(m).total_fen();
    }
    int64_t unspecified = 0;
    for (const v1::PeriodReportRow& row : helpers.rows()) {
      if (row.code() == "unspecified") unspecified += row.figures(m).total_fen();
    }
    EXPECT_EQ(by_program + unspecified, regions.totals(m).total_fen()) << "seed " << seed;
  }

  size_t helpers_checked = 0;
  for (const v1::PeriodReportRow& row : helpers.rows()) {
    if (folded->books.regions.FindRegion(row.code()) == nullptr) continue;  // a program row
    const v1::RegionPeriodReport from = report(PeriodReportKind::kRegions, row.code(), "");
    const v1::RegionPeriodReport own = report(PeriodReportKind::kHelpers, row.code(), "");
    for (int m = 0; m < 3; ++m) {
      EXPECT_EQ(from.totals(m).SerializeAsString(), row.figures(m).SerializeAsString())
          << "helper " << row.code() << " " << regions.metrics(m) << " seed " << seed;
      EXPECT_EQ(own.totals(m).SerializeAsString(), row.figures(m).SerializeAsString())
          << "helper " << row.code() << " seed " << seed;
    }
    ++helpers_checked;
  }
  EXPECT_GT(helpers_checked, 1u) << "seed " << seed;
}

// The projects report sums ProjectMonths; ProjectTotals folds the same
// money per project. Over every year a ledger admits, each project's row is
// its ProjectTotals figures, its budget is the registered one, and what was
// disbursed to date is all it disbursed; a region's row is its projects'.
TEST_F(PeriodReportTest, EachProjectsRowIsWhatProjectTotalsFolded) {
  const uint64_t seed = testing::TestSeed(20261204);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(1500, 4);
  ProjectMonths months;
  absl::StatusOr<FoldedBooks> folded = ledger_->Fold(
      ledger_->head().sequence, std::nullopt, true, Books::kRegions | Books::kProjects, &months);
  ASSERT_THAT(folded, IsOk());
  absl::StatusOr<PeriodReportQuery> query = ParsePeriodReportQuery(
      "", "", "year", absl::StrCat(limits::kYearMin, "-01"), absl::StrCat(limits::kYearMax, "-12"),
      "", false, {.kind = PeriodReportKind::kProjects});
  ASSERT_THAT(query, IsOk());
  absl::StatusOr<v1::RegionPeriodReport> report =
      RegionPeriodReport({folded->books, nullptr, &months}, *query);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->metrics_size(), 3);  // allocated, disbursed, invested
  size_t projects = 0;
  int64_t budgets = 0, disbursed = 0;
  for (const v1::PeriodReportRow& row : report->rows()) {
    const v1::ProjectEntry* project = folded->books.projects.FindProject(row.code());
    if (project == nullptr) continue;  // a region's row
    ++projects;
    EXPECT_EQ(row.figures(0).total_fen(), project->allocated_fen()) << row.code() << " seed " << seed;
    EXPECT_EQ(row.figures(1).total_fen(), project->disbursed_fen()) << row.code() << " seed " << seed;
    EXPECT_EQ(row.figures(2).total_fen(), project->invested_fen()) << row.code() << " seed " << seed;
    EXPECT_EQ(row.budget_fen(), project->budget_fen()) << row.code();
    EXPECT_EQ(row.disbursed_to_date_fen(), project->disbursed_fen()) << row.code();
    budgets += project->budget_fen();
    disbursed += project->disbursed_fen();
  }
  EXPECT_EQ(projects, static_cast<size_t>(folded->books.projects.state().projects_size()));
  EXPECT_GT(disbursed, 0) << "seed " << seed;
  EXPECT_EQ(report->budget_fen(), budgets);
  EXPECT_EQ(report->disbursed_to_date_fen(), disbursed);
  EXPECT_EQ(report->totals(1).total_fen(), disbursed);
}

// The indicators report sums IndicatorMonths. Checked against the events
// themselves, as the test appended them: each indicator's figure of a year
// is what was recorded (or derived from money) effective in it, less what
// reversals effective in it took back, within the filters; and over all
// years each indicator's total is what IndicatorTotals (the progress
// report's projection) folded.
TEST_F(PeriodReportTest, AnIndicatorsYearIsWhatItsEventsAddedLessWhatReversalsTookBack) {
  const uint64_t seed = testing::TestSeed(20261205);
  std::mt19937_64 random(seed);
  AddQingdaoBasics();
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<uint64_t>(n)); };
  auto date = [&](int days_after_2021) {
    return absl::FormatCivilTime(absl::CivilDay(2021, 1, 1) + days_after_2021);
  };
  // (indicator code, year, filter) -> the figure; filter 0 none, 1 from
  // 市南区's subtree (370202), 2 to 定西市's (621100, 621102).
  std::map<std::tuple<std::string, int, int>, int64_t> expected;
  auto count = [&](const std::string& indicator, const std::string& on, const std::string& helper,
                   const std::string& recipient, int64_t value) {
    const int year = std::stoi(on.substr(0, 4));
    expected[{indicator, year, 0}] += value;
    if (helper == "370202") expected[{indicator, year, 1}] += value;
    if (recipient != "540202") expected[{indicator, year, 2}] += value;
  };
  struct Recorded {
    std::string id, indicator, date, helper, recipient;
    int64_t value = 0, poor = 0;
  };
  std::vector<Recorded> recorded;
  const char* const kCounted[] = {"rural_workers_employed", "party_cadres_sent", "people_trained"};
  constexpr int kDays = 5 * 365;  // 2021 through 2025
  for (int i = 0; i < 400; ++i) {
    const std::string helper = pick(2) == 0 ? "370200" : "370202";
    const std::string recipient = std::vector<std::string>{"621100", "621102", "540202"}[pick(3)];
    const std::string on = date(pick(kDays));
    const int kind = pick(10);
    if (kind < 2) {  // an allocation: fiscal assistance
      const int64_t fen = 100 + pick(1'000'000);
      MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", recipient},
                             {"amount", absl::StrCat(fen / 100, ".", absl::StrFormat("%02d", fen % 100))},
                             {"effective_date", on}});
      count("fiscal_assistance", on, "370200", recipient, fen);
    } else if (kind < 8) {
      Recorded r{.id = absl::StrCat("i-", i), .indicator = kCounted[pick(3)], .date = on,
                 .helper = helper, .recipient = recipient, .value = 1 + pick(500)};
      app::FieldMap fields = {{"event_id", r.id}, {"helper_code", helper},
                              {"recipient_code", recipient}, {"indicator", r.indicator},
                              {"value", absl::StrCat(r.value)}, {"effective_date", on}};
      if (r.indicator == "rural_workers_employed" && pick(2) == 0) {
        r.poor = pick(static_cast<int>(r.value) + 1);
        fields["of_which"] = absl::StrCat("poverty_alleviated_workers=", r.poor);
        count("poverty_alleviated_workers", on, helper, recipient, r.poor);
      }
      MustAdd("indicator", fields);
      count(r.indicator, on, helper, recipient, r.value);
      recorded.push_back(std::move(r));
    } else if (!recorded.empty()) {  // a reversal, in its own year
      Recorded r = recorded[static_cast<size_t>(pick(static_cast<int>(recorded.size())))];
      if (r.id.empty()) continue;
      absl::CivilDay from;
      ASSERT_TRUE(absl::ParseCivilTime(r.date, &from)) << r.date;
      const int64_t room = absl::CivilDay(2025, 12, 31) - from;
      const std::string back = absl::FormatCivilTime(from + pick(static_cast<int>(room) + 1));
      MustAdd("reversal", {{"reversed_event_id", r.id}, {"reason", "test"}, {"effective_date", back}});
      count(r.indicator, back, r.helper, r.recipient, -r.value);
      if (r.poor > 0) count("poverty_alleviated_workers", back, r.helper, r.recipient, -r.poor);
      for (Recorded& earlier : recorded) {
        if (earlier.id == r.id) earlier.id.clear();  // reversed once
      }
    }
  }

  IndicatorMonths months;
  absl::StatusOr<FoldedBooks> folded = ledger_->Fold(
      ledger_->head().sequence, std::nullopt, true, Books::kRegions | Books::kIndicators, &months);
  ASSERT_THAT(folded, IsOk());
  const PeriodReportSource source(folded->books, nullptr, nullptr, &months);
  const std::pair<const char*, const char*> filters[] = {{"", ""}, {"370202", ""}, {"", "621100"}};
  for (int filter = 0; filter < 3; ++filter) {
    absl::StatusOr<PeriodReportQuery> query = ParsePeriodReportQuery(
        filters[filter].second, "", "year", "2021-01", "2025-12", "", false,
        {.kind = PeriodReportKind::kIndicators, .helper = filters[filter].first});
    ASSERT_THAT(query, IsOk());
    absl::StatusOr<v1::RegionPeriodReport> report = RegionPeriodReport(source, *query);
    ASSERT_THAT(report, IsOk());
    ASSERT_EQ(report->periods_size(), 5);
    EXPECT_EQ(report->totals_size(), 0);
    size_t nonzero = 0;
    for (const v1::PeriodReportRow& row : report->rows()) {
      for (int y = 0; y < 5; ++y) {
        auto it = expected.find({row.code(), 2021 + y, filter});
        const int64_t want = it == expected.end() ? 0 : it->second;
        EXPECT_EQ(row.figures(0).periods_fen(y), want)
            << row.code() << " " << 2021 + y << " filter " << filter << " seed " << seed;
        nonzero += want != 0;
      }
    }
    EXPECT_GT(nonzero, 10u) << "filter " << filter << " seed " << seed;
  }

  // Over all years, each indicator's total is what IndicatorTotals folded.
  absl::StatusOr<PeriodReportQuery> all = ParsePeriodReportQuery(
      "", "", "year", "2021-01", "2025-12", "", false, {.kind = PeriodReportKind::kIndicators});
  ASSERT_THAT(all, IsOk());
  absl::StatusOr<v1::RegionPeriodReport> report = RegionPeriodReport(source, *all);
  ASSERT_THAT(report, IsOk());
  std::map<std::string, int64_t> folded_totals;
  for (int32_t year = 2021; year <= 2025; ++year) {
    const v1::IndicatorYear* figures = folded->books.indicators.FiguresOf(year);
    if (figures == nullptr) continue;
    for (int i = 0; i < figures->indicator_size(); ++i) {
      folded_totals[IndicatorCode(figures->indicator(i))] += figures->value(i);
    }
  }
  for (const v1::PeriodReportRow& row : report->rows()) {
    EXPECT_EQ(row.figures(0).total_fen(), folded_totals[row.code()]) << row.code() << " seed " << seed;
  }
}

// Effective dates decide the period: the last day of a month, a quarter and
// a year against the first day of the next.
TEST_F(PeriodReportTest, ThePeriodIsTheEffectiveDatesAtEveryEdge) {
  AddQingdaoBasics();
  const std::pair<const char*, const char*> sales[] = {
      {"2023-01-31", "1"}, {"2023-02-01", "2"},     {"2023-03-31", "4"},
      {"2023-04-01", "8"}, {"2023-12-31", "16"},    {"2024-01-01", "32"},
      {"2022-12-31", "64"}, {"2022-03-31", "128"},
  };
  for (const auto& [date, yuan] : sales) {
    MustAdd("sale", {{"region_code", "621102"}, {"amount", yuan}, {"effective_date", date}});
  }
  const v1::RegionPeriodReport months =
      MustReport(ledger_->books(), "621100", "month", "2023-01", "2023-04", false, false, "sales");
  ASSERT_EQ(months.rows_size(), 2);  // 定西市 and 安定区
  EXPECT_EQ(months.rows(0).name(), "定西市");
  EXPECT_THAT(months.periods(), ElementsAre("2023-01", "2023-02", "2023-03", "2023-04"));
  EXPECT_THAT(months.rows(0).figures(0).periods_fen(), ElementsAre(100, 200, 400, 800));
  EXPECT_THAT(months.totals(0).periods_fen(), ElementsAre(100, 200, 400, 800));

  const v1::RegionPeriodReport quarters =
      MustReport(ledger_->books(), "", "quarter", "2023-01", "2024-03", true, true, "sales");
  EXPECT_THAT(quarters.periods(),
              ElementsAre("2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"));
  EXPECT_THAT(quarters.totals(0).periods_fen(), ElementsAre(700, 800, 0, 1600, 3200));
  EXPECT_EQ(quarters.totals(0).total_fen(), 6300);
  EXPECT_THAT(quarters.totals(0).previous_year_fen(), ElementsAre(12800, 0, 0, 6400, 700));
  EXPECT_THAT(quarters.totals(0).ytd_fen(), ElementsAre(700, 1500, 1500, 3100, 3200));
  // 甘肃省 holds them all; 山东省 none.
  ASSERT_GE(quarters.rows_size(), 9);
  for (const v1::PeriodReportRow& row : quarters.rows()) {
    const bool gansu = row.code() == "620000" || row.code() == "621100" || row.code() == "621102";
    EXPECT_EQ(row.figures(0).total_fen(), gansu ? 6300 : 0) << row.code();
  }

  const v1::RegionPeriodReport years =
      MustReport(ledger_->books(), "", "year", "2022-01", "2024-12", false, false, "sales");
  EXPECT_THAT(years.totals(0).periods_fen(), ElementsAre(12800 + 6400, 3100, 3200));
  EXPECT_THAT(RegionPeriodReport(ledger_->books(),
                                 *ParsePeriodReportQuery("999999", "", "year", "2022-01",
                                                         "2022-12", "", false)),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("999999")));
}

TEST(PeriodReportQueryTest, EachBadFlagIsRefusedNamingIt) {
  struct Case {
    const char *period, *from, *to, *compare, *message;
  };
  const Case cases[] = {
      {"quarter", "2024-02", "2024-06", "", "--from 2024-02 does not open a quarter"},
      {"quarter", "2024-01", "2024-05", "", "--to 2024-05 does not close a quarter"},
      {"year", "2024-01", "2024-11", "", "--to 2024-11 does not close a year"},
      {"year", "2024-07", "2025-06", "", "--from 2024-07 does not open a year"},
      {"month", "", "2024-05", "", "a report needs --from and --to"},
      {"month", "2024-01", "", "", "a report needs --from and --to"},
      {"month", "2024-01", "2024-12", "last-year", "--compare must be previous-year"},
      {"month", "1990-01", "2040-12", "", "a report has at most 600 periods"},
      {"week", "2024-01", "2024-12", "", "period must be month, quarter or year"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParsePeriodReportQuery("", "", c.period, c.from, c.to, c.compare, false),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.period << " " << c.from << " " << c.to;
  }
  EXPECT_THAT(ParsePeriodReportQuery("", "", "month", "1990-01", "2039-12", "", false), IsOk());
  EXPECT_THAT(ParsePeriodReportQuery("", "sales", "quarter", "2024-04", "2024-06",
                                     "previous-year", true),
              IsOk());
}

}  // namespace
}  // namespace aidledger
