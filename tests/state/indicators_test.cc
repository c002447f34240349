// Issue 22: indicators and annual agreement targets. Every validation rule
// with its reason and message, the fold (recorded and derived figures,
// breakdowns, reversals), targets revised with their history, and the
// progress report: roll-up, completion, and the points of the log.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "app/progress.h"
#include "state/indicators.h"
#include "state/progress.h"
#include "state/validate.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::LedgerFixture;
using testing::RejectedWith;

class IndicatorsTest : public LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    AddQingdaoBasics();  // 青岛 370200 paired with 定西 621100 since 2021-01-01
    MustAdd("project", {{"project_id", "DX-1"}, {"region_code", "621102"}, {"name", "马铃薯"},
                        {"category", "industry"}, {"effective_date", "2021-02-01"}});
    MustAdd("project", {{"project_id", "SZ-1"}, {"region_code", "540202"}, {"name", "光伏"},
                        {"category", "infrastructure"}, {"effective_date", "2016-01-01"}});
  }

  // The progress of `year` at the head, or at the point `sequence`/`as_of`.
  v1::ProgressReport Progress(int32_t year, uint64_t sequence = 0,
                              const std::optional<std::string>& as_of = std::nullopt,
                              const std::string& helper = "", const std::string& recipient = "") {
    absl::StatusOr<FoldedBooks> folded =
        ledger_->Fold(sequence == 0 ? ledger_->head().sequence : sequence, as_of, true,
                      kProgressProjections);
    EXPECT_THAT(folded, IsOk());
    absl::StatusOr<v1::ProgressReport> report =
        BuildProgress(folded->books, {.year = year, .helper = helper, .recipient = recipient});
    EXPECT_THAT(report, IsOk());
    return *report;
  }

  // The row of exactly this pairing and indicator, or nullptr.
  static const v1::ProgressRow* Row(const v1::ProgressReport& report, const std::string& helper,
                                    const std::string& recipient, v1::Indicator indicator) {
    for (const v1::ProgressRow& row : report.rows()) {
      if (row.helper_code() == helper && row.recipient_code() == recipient &&
          row.indicator() == indicator) {
        return &row;
      }
    }
    return nullptr;
  }

  app::FieldMap Workers(const std::string& value, const std::string& date) {
    return {{"helper_code", "370200"}, {"recipient_code", "621100"},
            {"indicator", "rural_workers_employed"}, {"value", value}, {"effective_date", date}};
  }
};

struct Case {
  const char* type;
  app::FieldMap fields;
  v1::RejectReason reason;
  const char* message;
};

TEST_F(IndicatorsTest, EveryRuleRejectsWithItsReasonAndMessage) {
  const app::FieldMap pair = {{"helper_code", "370200"}, {"recipient_code", "621100"},
                              {"effective_date", "2024-03-01"}};
  auto with = [&](app::FieldMap more) {
    app::FieldMap fields = pair;
    for (auto& [key, value] : more) fields[key] = value;
    return fields;
  };
  const Case cases[] = {
      {"indicator", with({{"indicator", "jobs"}, {"value", "1"}}), v1::FIELD_INVALID,
       "indicator: is not an indicator (see aidledger indicators list; got \"jobs\")"},
      {"indicator", with({{"value", "1"}}), v1::FIELD_MISSING, "indicator: is required"},
      {"indicator", with({{"indicator", "people_trained"}}), v1::FIELD_MISSING,
       "value: is required"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "0"}}), v1::FIELD_INVALID,
       "value: must be a whole number of person-times from 1 to 1000000000 (got 0)"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "1000000001"}}),
       v1::FIELD_INVALID, "value: must be a whole number of person-times from 1 to 1000000000"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "12.5"}}), v1::FIELD_INVALID,
       "value: must be a whole number of person-times (got \"12.5\")"},
      // A money indicator takes an amount, and a derived one is never typed.
      {"indicator", with({{"indicator", "social_donations"}, {"value", "1.001"}}),
       v1::AMOUNT_INVALID, "value: is more precise than one fen"},
      {"indicator", with({{"indicator", "fiscal_assistance"}, {"value", "100"}}),
       v1::INDICATOR_DERIVED,
       "indicator: fiscal_assistance is derived from allocations, never recorded by hand"},
      {"indicator", with({{"indicator", "consumption_sales"}, {"value", "100"}}),
       v1::INDICATOR_DERIVED, "indicator: consumption_sales is derived from sales with a helper"},
      // Breakdowns.
      {"indicator",
       with({{"indicator", "rural_workers_employed"}, {"value", "100"},
             {"of_which", "poverty_alleviated_workers=101"}}),
       v1::BREAKDOWN_EXCEEDS_TOTAL,
       "of_which: poverty_alleviated_workers 101 is more than the rural_workers_employed 100 it "
       "is part of"},
      {"indicator",
       with({{"indicator", "people_trained"}, {"value", "100"},
             {"of_which", "poverty_alleviated_workers=1"}}),
       v1::FIELD_INVALID, "of_which: poverty_alleviated_workers is not a breakdown of people_trained"},
      {"indicator",
       with({{"indicator", "rural_workers_employed"}, {"value", "100"},
             {"of_which", "poverty_alleviated_workers=1;poverty_alleviated_workers=2"}}),
       v1::FIELD_INVALID, "of_which: poverty_alleviated_workers is given twice"},
      {"indicator",
       with({{"indicator", "rural_workers_employed"}, {"value", "100"}, {"of_which", "12"}}),
       v1::FIELD_INVALID, "of_which: must be CODE=N"},
      // The pairing: it must exist and be in force on the date.
      {"indicator",
       {{"helper_code", "370200"}, {"recipient_code", "620000"}, {"indicator", "people_trained"},
        {"value", "5"}, {"effective_date", "2024-03-01"}},
       v1::PAIRING_NOT_FOUND, "recipient_code: no pairing links helper 370200"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "5"},
                          {"effective_date", "2020-12-31"}}),
       v1::DATE_BEFORE_REFERENCE, "effective_date: 2020-12-31 is before the pairing of 370200 with 621100"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "5"}, {"project_id", "SZ-1"}}),
       v1::PROJECT_OUTSIDE_REGION, "project_id: project SZ-1 lies in region 540202, not in 621100"},
      {"indicator", with({{"indicator", "people_trained"}, {"value", "5"}, {"amount", "5"}}),
       v1::FIELD_INVALID, "amount: is not a field of this event type"},
      // Targets.
      {"target", with({{"year", "1989"}, {"indicator", "people_trained"}, {"value", "5"},
                       {"reason", "协议"}}),
       v1::FIELD_INVALID, "year: must be a year from 1990 to 2100 (got 1989)"},
      {"target", with({{"year", "2101"}, {"indicator", "people_trained"}, {"value", "5"},
                       {"reason", "协议"}}),
       v1::FIELD_INVALID, "year: must be a year from 1990 to 2100 (got 2101)"},
      {"target", with({{"year", "24"}, {"indicator", "people_trained"}, {"value", "5"},
                       {"reason", "协议"}}),
       v1::FIELD_INVALID, "year: must be a year YYYY (got \"24\")"},
      {"target", with({{"year", "2020"}, {"indicator", "people_trained"}, {"value", "5"},
                       {"reason", "协议"}}),
       v1::DATE_BEFORE_REFERENCE,
       "year: 2020 is before the pairing of 370200 with 621100 began (2021-01-01)"},
      {"target", with({{"year", "2024"}, {"indicator", "people_trained"}, {"value", "5"}}),
       v1::FIELD_MISSING, "reason: is required"},
      {"target", with({{"year", "2024"}, {"indicator", "fiscal_assistance"}, {"value", "0"},
                       {"reason", "协议"}}),
       v1::AMOUNT_INVALID, "value: must be greater than zero"},
      {"target",
       {{"year", "2024"}, {"helper_code", "370202"}, {"recipient_code", "621100"},
        {"indicator", "people_trained"}, {"value", "5"}, {"reason", "协议"},
        {"effective_date", "2024-03-01"}},
       v1::PAIRING_NOT_FOUND, "recipient_code: no pairing of 370202 with 621100 is established"},
  };
  for (const Case& c : cases) {
    const LedgerHead before = ledger_->head();
    EXPECT_THAT(Add(c.type, c.fields), RejectedWith(c.reason, c.message))
        << c.type << " expecting " << v1::RejectReason_Name(c.reason);
    EXPECT_EQ(ledger_->head().sequence, before.sequence) << "a rejection wrote something";
  }
}

TEST_F(IndicatorsTest, ProgressRollsUpRevisesTargetsAndTakesReversalsBack) {
  // A district of the helper city gives to a district of the recipient
  // city: it counts for the city pairing.
  MustAdd("indicator", {{"event_id", "w-1"}, {"helper_code", "370202"},
                        {"recipient_code", "621102"}, {"indicator", "rural_workers_employed"},
                        {"value", "1,200"}, {"of_which", "poverty_alleviated_workers=300"},
                        {"project_id", "DX-1"}, {"evidence", "青政发〔2024〕3号"},
                        {"effective_date", "2024-02-01"}});
  MustAdd("indicator", {{"event_id", "w-2"}, {"helper_code", "370200"},
                        {"recipient_code", "621100"}, {"indicator", "rural_workers_employed"},
                        {"value", "800"}, {"effective_date", "2024-05-01"}});
  // Another year's figure never counts for 2024.
  MustAdd("indicator", Workers("7", "2023-12-31"));
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "621102"},
                         {"amount", "500万"}, {"effective_date", "2024-03-01"}});
  MustAdd("target", {{"year", "2024"}, {"helper_code", "370200"}, {"recipient_code", "621100"},
                     {"indicator", "rural_workers_employed"}, {"value", "4000"},
                     {"reason", "2024年帮扶协议"}, {"effective_date", "2024-01-10"}});
  const uint64_t first_target = ledger_->head().sequence;
  MustAdd("target", {{"year", "2024"}, {"helper_code", "370200"}, {"recipient_code", "621100"},
                     {"indicator", "rural_workers_employed"}, {"value", "1600"},
                     {"reason", "年中调整"}, {"effective_date", "2024-06-30"}});
  MustAdd("target", {{"year", "2024"}, {"helper_code", "370200"}, {"recipient_code", "621100"},
                     {"indicator", "fiscal_assistance"}, {"value", "1000万"},
                     {"reason", "2024年帮扶协议"}, {"effective_date", "2024-01-10"}});

  v1::ProgressReport report = Progress(2024);
  const v1::ProgressRow* workers = Row(report, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED);
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->actual(), 2000);
  EXPECT_EQ(workers->target(), 1600);
  EXPECT_EQ(workers->completion_per_mille(), 1250);  // 125.0%: over-achieved
  ASSERT_EQ(workers->target_history_size(), 2);
  EXPECT_EQ(workers->target_history(0).value(), 4000);
  EXPECT_EQ(workers->target_history(0).seq(), first_target);
  EXPECT_EQ(workers->target_history(1).reason(), "年中调整");
  const v1::ProgressRow* poor = Row(report, "370200", "621100", v1::POVERTY_ALLEVIATED_WORKERS);
  ASSERT_NE(poor, nullptr);
  EXPECT_EQ(poor->actual(), 300);
  EXPECT_FALSE(poor->has_target());
  EXPECT_FALSE(poor->has_completion_per_mille());
  const v1::ProgressRow* money = Row(report, "370200", "621100", v1::FISCAL_ASSISTANCE);
  ASSERT_NE(money, nullptr);
  EXPECT_EQ(money->actual(), 500'0000'00);  // fen, derived from the allocation
  EXPECT_EQ(money->completion_per_mille(), 500);
  // The district pair is no pairing: it has no row of its own.
  EXPECT_EQ(Row(report, "370202", "621102", v1::RURAL_WORKERS_EMPLOYED), nullptr);
  EXPECT_EQ(Row(Progress(2023), "370200", "621100", v1::RURAL_WORKERS_EMPLOYED)->actual(), 7);

  // As of a date: the later figure and revision are not yet in force.
  report = Progress(2024, 0, "2024-03-31");
  workers = Row(report, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED);
  ASSERT_NE(workers, nullptr);
  EXPECT_EQ(workers->actual(), 1200);
  EXPECT_EQ(workers->target(), 4000);
  EXPECT_EQ(workers->completion_per_mille(), 300);
  EXPECT_EQ(workers->target_history_size(), 1);
  // At a sequence: before any target.
  report = Progress(2024, first_target - 1);
  workers = Row(report, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED);
  ASSERT_NE(workers, nullptr);
  EXPECT_FALSE(workers->has_target());
  // Filters.
  EXPECT_EQ(Progress(2024, 0, std::nullopt, "370202").rows_size(), 0);
  EXPECT_EQ(Progress(2024, 0, std::nullopt, "", "540202").rows_size(), 0);

  // A reversal takes the figure and its breakdown back from its own year.
  clock_.Set(absl::FromUnixSeconds(3'786'912'000) + absl::Hours(24 * 150));  // 2090-05-31
  MustAdd("reversal", {{"reversed_event_id", "w-1"}, {"reason", "重复填报"},
                       {"effective_date", "2025-01-05"}});
  report = Progress(2024);
  EXPECT_EQ(Row(report, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED)->actual(), 800);
  EXPECT_EQ(Row(report, "370200", "621100", v1::POVERTY_ALLEVIATED_WORKERS), nullptr);
  // ...from the reversal's date on: as of the end of 2024 it still counts.
  report = Progress(2024, 0, "2024-12-31");
  EXPECT_EQ(Row(report, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED)->actual(), 2000);
  // What was known before the reversal was recorded still counts it.
  absl::StatusOr<v1::ProgressReport> known = app::ProgressAtPoint(
      *ledger_, {.year = "2024", .point = {.known_at = "2090-03-01T00:00:00Z"}},
      app::kPointParameters);
  ASSERT_THAT(known, IsOk());
  EXPECT_EQ(Row(*known, "370200", "621100", v1::RURAL_WORKERS_EMPLOYED)->actual(), 2000);
  EXPECT_EQ(known->at().known_at(), "2090-03-01T00:00:00+00:00");
  EXPECT_THAT(app::ProgressAtPoint(*ledger_, {.year = "1989"}, app::kPointParameters),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Add("reversal", {{"reversed_event_id", "w-1"}, {"reason", "again"},
                               {"effective_date", "2025-01-05"}}),
              RejectedWith(v1::TARGET_ALREADY_REVERSED, "is already reversed"));

  // The whole log passes validation again, and a rebuild equals the fold.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

TEST_F(IndicatorsTest, ATargetKeepsItsPairingRegisteredAndAnIndicatorBoundsItsEnd) {
  MustAdd("region", {{"code", "621121"}, {"name", "通渭县"}, {"parent_code", "621100"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("pairing", {{"event_id", "p-2"}, {"helper_code", "370202"},
                      {"recipient_code", "621121"}, {"program", "east-west"},
                      {"effective_date", "2022-01-01"}});
  MustAdd("target", {{"year", "2023"}, {"helper_code", "370202"}, {"recipient_code", "621121"},
                     {"indicator", "paired_schools"}, {"value", "3"}, {"reason", "协议"},
                     {"effective_date", "2023-01-05"}});
  EXPECT_THAT(Add("reversal", {{"reversed_event_id", "p-2"}, {"reason", "r"},
                               {"effective_date", "2023-02-01"}}),
              RejectedWith(v1::TARGET_REFERENCED, "and event"));
  MustAdd("indicator", {{"helper_code", "370202"}, {"recipient_code", "621121"},
                        {"indicator", "paired_schools"}, {"value", "2"},
                        {"effective_date", "2023-09-01"}});
  EXPECT_THAT(Add("pairing-end", {{"helper_code", "370202"}, {"recipient_code", "621121"},
                                  {"reason", "调整"}, {"effective_date", "2023-08-31"}}),
              RejectedWith(v1::DATE_BEFORE_REFERENCE,
                           "is before assistance from 370202 to 621121 dated 2023-09-01"));
  MustAdd("pairing-end", {{"helper_code", "370202"}, {"recipient_code", "621121"},
                          {"reason", "调整"}, {"effective_date", "2023-12-31"}});
  EXPECT_THAT(Add("target", {{"year", "2024"}, {"helper_code", "370202"},
                             {"recipient_code", "621121"}, {"indicator", "paired_schools"},
                             {"value", "3"}, {"reason", "协议"}, {"effective_date", "2023-12-31"}}),
              RejectedWith(v1::PAIRING_ENDED, "year: 2024 is after the end of the pairing"));
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

// A year's figures are columns whose places are indexed only when a fold
// first adds to the year: a report from a snapshot, a fold after it into a
// year loaded and into a new one, and a reopened ledger all agree with a
// fold from the start.
TEST_F(IndicatorsTest, FiguresFoldedAfterASnapshotAgreeWithARebuild) {
  MustAdd("indicator", Workers("100", "2023-05-01"));
  MustAdd("indicator", Workers("40", "2024-05-01"));
  MustAdd("allocation", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                         {"amount", "30万"}, {"effective_date", "2024-03-01"}});
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  Reopen();
  // Loaded from the snapshot, not yet folded into: searched, not indexed.
  EXPECT_EQ(ledger_->books().indicators.FigureOf(2023, "370200", "621100",
                                                  v1::RURAL_WORKERS_EMPLOYED), 100);
  EXPECT_EQ(ledger_->books().indicators.FigureOf(2024, "370202", "621102",
                                                  v1::FISCAL_ASSISTANCE), 30'0000'00);
  MustAdd("indicator", Workers("2", "2024-06-01"));   // a figure of a loaded year
  MustAdd("indicator", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                        {"indicator", "people_trained"}, {"value", "9"},
                        {"effective_date", "2024-07-01"}});  // a new figure of it
  MustAdd("indicator", Workers("5", "2025-01-02"));   // a new year
  EXPECT_EQ(ledger_->books().indicators.FigureOf(2024, "370200", "621100",
                                                  v1::RURAL_WORKERS_EMPLOYED), 42);
  for (int32_t year : {2023, 2024, 2025}) {
    absl::StatusOr<FoldedBooks> rebuilt =
        ledger_->Fold(ledger_->head().sequence, std::nullopt, false, kProgressProjections);
    ASSERT_THAT(rebuilt, IsOk());
    const v1::ProgressReport from_snapshot = Progress(year);
    absl::StatusOr<v1::ProgressReport> from_start = BuildProgress(rebuilt->books, {.year = year});
    ASSERT_THAT(from_start, IsOk());
    EXPECT_EQ(from_snapshot.SerializeAsString(), from_start->SerializeAsString()) << year;
    EXPECT_GT(from_snapshot.rows_size(), 0) << year;
  }
  const v1::ProgressReport report_2024 = Progress(2024);  // the rows below point into it
  const v1::ProgressRow* trained =
      Row(report_2024, "370200", "621100", v1::PEOPLE_TRAINED);  // rolled up to the pairing
  ASSERT_NE(trained, nullptr);
  EXPECT_EQ(trained->actual(), 9);
  EXPECT_EQ(Row(Progress(2025), "370200", "621100", v1::RURAL_WORKERS_EMPLOYED)->actual(), 5);
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

// The report rolls figures up to the pairings IndicatorTotals keeps: one
// established counts, one taken back no longer does.
TEST_F(IndicatorsTest, APairingTakenBackLeavesTheReport) {
  MustAdd("pairing", {{"event_id", "p-9"}, {"helper_code", "370202"},
                      {"recipient_code", "621102"}, {"program", "east-west"},
                      {"effective_date", "2022-01-01"}});
  const uint64_t district_pairing = IndicatorTotals::PairingOf(370202, 621102);
  auto pairings = [&] {
    const auto& held = ledger_->books().indicators.state().pairings();
    return std::vector<uint64_t>(held.begin(), held.end());
  };
  ASSERT_EQ(pairings().size(), 3u);  // the two of AddQingdaoBasics, then this one
  EXPECT_EQ(pairings().back(), district_pairing);
  MustAdd("reversal", {{"reversed_event_id", "p-9"}, {"reason", "登记错误"},
                       {"effective_date", "2022-02-01"}});
  const std::vector<uint64_t> left = pairings();
  EXPECT_EQ(left.size(), 2u);
  EXPECT_EQ(std::count(left.begin(), left.end(), district_pairing), 0);
  // A district's figure counts for the city pairing alone: the district
  // pair, no longer paired, has no row (it would with p-9 in force).
  MustAdd("indicator", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                        {"indicator", "people_trained"}, {"value", "9"},
                        {"effective_date", "2024-07-01"}});
  const v1::ProgressReport report = Progress(2024);
  ASSERT_EQ(report.rows_size(), 1);
  EXPECT_EQ(report.rows(0).helper_code(), "370200");
  EXPECT_EQ(report.rows(0).recipient_code(), "621100");
  EXPECT_EQ(report.rows(0).actual(), 9);
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

TEST(IndicatorTableTest, EveryIndicatorHasACodeNamesAUnitAndParses) {
  std::set<std::string> codes;
  for (const IndicatorInfo& info : Indicators()) {
    EXPECT_TRUE(codes.insert(std::string(info.code)).second) << info.code;
    EXPECT_FALSE(info.chinese.empty());
    EXPECT_FALSE(info.unit.empty());
    EXPECT_EQ(*ParseIndicator(info.code, "indicator"), info.value);
    EXPECT_EQ(*ParseIndicator(v1::Indicator_Name(info.value), "indicator"), info.value);
    if (info.part_of != v1::INDICATOR_UNSPECIFIED) {
      EXPECT_EQ(FindIndicator(info.part_of)->unit, info.unit) << "a part counts as its whole";
    }
  }
  // Every value of the enum has a row, so that none is recorded unnamed.
  const auto* descriptor = v1::Indicator_descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    if (descriptor->value(i)->number() == 0) continue;
    EXPECT_NE(FindIndicator(descriptor->value(i)->number()), nullptr) << descriptor->value(i)->name();
  }
  // A newer writer's indicator is shown by its number, not dropped.
  EXPECT_EQ(IndicatorCode(99), "indicator_99");
  EXPECT_EQ(CompletionPerMille(2, 3), 667);
  EXPECT_EQ(CompletionPerMille(1, 2000), 1);  // 0.05% rounds half up to 0.1%
  EXPECT_EQ(CompletionPerMille(0, 5), 0);
}

}  // namespace
}  // namespace aidledger
