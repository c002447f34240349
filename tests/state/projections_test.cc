// Projections: exact figures on a small hand-checked ledger, then properties
// over seeded random streams (totals roll up, reversing everything returns
// every figure to zero) and point-in-time selection at its boundaries.
// Snapshots are tested beside their code (tests/ledger/snapshots_test.cc).
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"

#include "ledger/store/store.h"
#include "aidledger/v1/storage.pb.h"
#include "ledger/store/codec.h"
#include "ledger/snapshot_key.h"
#include "state/reports.h"
#include "app/status_codes.h"
#include "tests/state/projection_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::AppendBatch;
using testing::ExpectSameState;
using testing::ExpectTotalsRollUp;
using testing::ProjectionFixture;
using testing::RandomStream;

class ProjectionsTest : public ProjectionFixture {};

// Snapshot checks read the names and versions from Books::kKinds without
// building a Books; they must be the projections' own, in all() order.
TEST(BooksTest, KindsNameEveryProjectionInOrder) {
  const Books books;
  ASSERT_EQ(Books::kKinds.size(), books.all().size());
  for (size_t i = 0; i < books.all().size(); ++i) {
    EXPECT_EQ(Books::kKinds[i].name, books.all()[i]->name());
    EXPECT_EQ(Books::kKinds[i].version, books.all()[i]->version());
  }
}

// A batch folds projection by projection; the error reported must still be
// the one of the earliest bad event, whichever projection finds it.
TEST(BooksTest, ABatchReportsTheEarliestBadEvent) {
  Books books;
  FoldEvent region{.sequence = 1, .payload = v1::Event::kRegionRegistered, .code = "620000",
                   .name = "甘肃省"};
  ASSERT_THAT(books.Apply(region), IsOk());
  // Only the helper projection knows no helper "370200" (event 2); the
  // region and project projections fail at event 3 (no such project).
  FoldEvent sale{.sequence = 2, .payload = v1::Event::kSaleRecorded, .helper_code = "370200",
                 .region_code = "620000", .amount_fen = 100};
  FoldEvent disbursed{.sequence = 3, .payload = v1::Event::kFundsDisbursed,
                      .project_id = "no-such-project", .amount_fen = 100};
  const std::vector<const FoldEvent*> batch = {&sale, &disbursed};
  EXPECT_THAT(books.ApplyAll(batch), testing::StatusIs(absl::StatusCode::kDataLoss,
                                                       ::testing::HasSubstr("event 2 ")));
  Books clean;
  ASSERT_THAT(clean.Apply(region), IsOk());
  EXPECT_THAT(clean.ApplyAll({&disbursed}),
              testing::StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("event 3 ")));
}

// Validation reads which events are reversed from ReversedEvents, so the
// fold must refuse a log (or a snapshot) that reverses an event twice.
TEST(ReversedEventsTest, FoldsEachReversalOnceAndRefusesASecond) {
  ReversedEvents reversed;
  FoldEvent sale{.sequence = 5, .payload = v1::Event::kSaleRecorded, .region_code = "620000",
                 .amount_fen = 100};
  FoldEvent reversal{.sequence = 6, .payload = v1::Event::kEventReversed, .target = &sale};
  ASSERT_THAT(reversed.Apply(sale), IsOk());
  EXPECT_FALSE(reversed.IsReversed(5));
  ASSERT_THAT(reversed.Apply(reversal), IsOk());
  EXPECT_TRUE(reversed.IsReversed(5));
  EXPECT_FALSE(reversed.IsReversed(6));
  FoldEvent again = reversal;
  again.sequence = 7;
  EXPECT_THAT(reversed.Apply(again),
              testing::StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("event 5 is reversed twice")));

  ReversedEvents loaded;
  ASSERT_THAT(loaded.LoadState(reversed.SerializeState()), IsOk());
  EXPECT_TRUE(loaded.IsReversed(5));
  v1::ReversedEventsState twice;
  twice.add_sequences(5);
  twice.add_sequences(5);
  EXPECT_THAT(loaded.LoadState(twice.SerializeAsString()),
              testing::StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("twice")));
  EXPECT_TRUE(loaded.IsReversed(5));  // a refused state leaves the old one
}

TEST_F(ProjectionsTest, FiguresOfASmallLedgerAreExact) {
  AddQingdaoBasics();
  MustAdd("project", {{"project_id", "AD-1"}, {"region_code", "621102"}, {"name", "x"},
                      {"category", "health"}, {"effective_date", "2021-02-01"}});
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                         {"amount", "1000"}, {"effective_date", "2021-03-01"}});
  MustAdd("allocation", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                         {"project_id", "AD-1"}, {"amount", "300"}, {"effective_date", "2021-03-01"}});
  MustAdd("disbursement", {{"project_id", "AD-1"}, {"amount", "120.50"}, {"effective_date", "2021-04-01"}});
  MustAdd("investment", {{"enterprise", "水发集团"}, {"helper_code", "370200"},
                         {"region_code", "540202"}, {"amount", "4.5亿"}, {"effective_date", "2023-06-30"}});
  MustAdd("sale", {{"region_code", "621102"}, {"amount", "80"}, {"effective_date", "2022-01-01"}});
  const Books& books = ledger_->books();
  const v1::RegionEntry* anding = books.regions.FindRegion("621102");
  EXPECT_EQ(anding->own().allocated_fen(), 30000);
  EXPECT_EQ(anding->own().disbursed_fen(), 12050);
  EXPECT_EQ(anding->own().balance_fen(), 17950);
  EXPECT_EQ(anding->own().sales_fen(), 8000);
  EXPECT_EQ(anding->own().projects(), 1);
  const v1::RegionEntry* dingxi = books.regions.FindRegion("621100");
  EXPECT_EQ(dingxi->own().allocated_fen(), 100000);
  EXPECT_EQ(dingxi->total().allocated_fen(), 130000);
  EXPECT_EQ(dingxi->total().balance_fen(), 117950);
  EXPECT_EQ(books.regions.FindRegion("620000")->total().projects(), 1);
  // What Qingdao gives is not in its own balances.
  EXPECT_EQ(books.regions.FindRegion("370200")->total().allocated_fen(), 0);
  EXPECT_EQ(books.regions.FindRegion("540000")->total().invested_fen(), 45'000'000'000);
  const v1::ProjectEntry* project = books.projects.FindProject("AD-1");
  EXPECT_EQ(project->allocated_fen(), 30000);
  EXPECT_EQ(project->disbursed_fen(), 12050);
  std::map<std::string, v1::HelperEntry> helpers;
  for (const v1::HelperEntry& helper : books.helpers.state().helpers()) {
    EXPECT_TRUE(helpers.emplace(helper.code(), helper).second) << helper.code() << " twice";
  }
  EXPECT_EQ(helpers.at("370200").allocated_fen(), 100000);
  EXPECT_EQ(helpers.at("370200").invested_fen(), 45'000'000'000);
  ASSERT_EQ(helpers.at("370200").by_program_size(), 2);
  EXPECT_EQ(helpers.at("370200").by_program(0).program(), v1::EAST_WEST_COOPERATION);
  EXPECT_EQ(helpers.at("370200").by_program(0).allocated_fen(), 100000);
  EXPECT_EQ(helpers.at("370200").by_program(1).program(), v1::COUNTERPART_SUPPORT);
  EXPECT_EQ(helpers.at("370200").by_program(1).invested_fen(), 45'000'000'000);
  EXPECT_EQ(helpers.at("370202").allocated_fen(), 30000);
  ExpectTotalsRollUp(books);
  // The report rolls helpers up the region tree as balances roll up: 青岛市's
  // total holds 市南区's giving, 山东省 (which gave nothing itself) is where
  // both add up; each keeps its own figures and programs beside the total.
  const v1::HelperTotalsReport report = HelperTotalsReport(books);
  std::vector<std::string> order;
  for (const v1::HelperEntry& entry : report.helpers()) order.push_back(entry.code());
  EXPECT_THAT(order, ::testing::ElementsAre("370000", "370200", "370202"));
  const v1::HelperEntry& shandong = report.helpers(0);
  EXPECT_EQ(shandong.name(), "山东省");
  EXPECT_EQ(shandong.allocated_fen(), 0);
  EXPECT_EQ(shandong.by_program_size(), 0);
  EXPECT_EQ(shandong.total().allocated_fen(), 130000);
  EXPECT_EQ(shandong.total().invested_fen(), 45'000'000'000);
  const v1::HelperEntry& qingdao = report.helpers(1);
  EXPECT_EQ(qingdao.parent_code(), "370000");
  EXPECT_EQ(qingdao.depth(), shandong.depth() + 1);
  EXPECT_EQ(qingdao.allocated_fen(), 100000);
  EXPECT_EQ(qingdao.total().allocated_fen(), 130000);
  EXPECT_EQ(qingdao.by_program(0).allocated_fen(), 100000);
  const v1::HelperEntry& shinan = report.helpers(2);
  EXPECT_EQ(shinan.allocated_fen(), 30000);
  EXPECT_EQ(shinan.total().allocated_fen(), 30000);
}

// The projections keep an index into their state for the fold's lookups; a
// copy, a move or a loaded snapshot must fold on exactly like the original,
// and the original must be untouched by what is folded into its copy.
TEST_F(ProjectionsTest, CopiedMovedAndLoadedBooksFoldOnLikeTheOriginal) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7010));
  stream.AddRegistry();
  stream.AddMoneyEvents(1500, 30);
  const uint64_t head = ledger_->head().sequence;
  const uint64_t middle = head / 2;
  FoldedBooks half = MustFold(middle, std::nullopt, /*use_snapshots=*/false);
  const Books untouched = half.books;
  Books copied = half.books;
  Books assigned;
  assigned = half.books;
  Books moved = std::move(half.books);
  Books loaded;
  for (size_t i = 0; i < loaded.all().size(); ++i) {
    ASSERT_THAT(loaded.all()[i]->LoadState(untouched.all()[i]->SerializeState()), IsOk());
  }
  std::unique_ptr<EventReader> reader = ledger_->Read(middle + 1, head);
  StoredEvent stored;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    ASSERT_THAT(more.status(), IsOk());
    if (!*more) break;
    for (Books* books : {&copied, &assigned, &moved, &loaded}) {
      ASSERT_THAT(books->Apply(stored.event), IsOk()) << stored.sequence;
    }
  }
  const FoldedBooks full = MustFold(head, std::nullopt, false);
  for (const Books* books : {&copied, &assigned, &moved, &loaded}) {
    ExpectSameState(*books, full.books, head);
  }
  // What was moved from is left empty, and folds again from the start.
  ExpectSameState(half.books, Books(), 0);
  reader = ledger_->Read(1, head);
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    ASSERT_THAT(more.status(), IsOk());
    if (!*more) break;
    ASSERT_THAT(half.books.Apply(stored.event), IsOk()) << stored.sequence;
  }
  ExpectSameState(half.books, full.books, head);
  ExpectSameState(untouched, MustFold(middle, std::nullopt, false).books, middle);
}

// A state is a list of entries in registration order; a snapshot whose list
// no fold can produce (checksummed and hash-matched, but written wrongly) is
// refused as corrupt, and the projection keeps the state it had.
TEST_F(ProjectionsTest, AStateNoFoldProducesIsRefusedAndChangesNothing) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7006));
  stream.AddRegistry();
  stream.AddMoneyEvents(300, 0);
  const Books& books = ledger_->books();
  const v1::RegionBalancesState& regions = books.regions.state();
  const v1::ProjectTotalsState& projects = books.projects.state();
  const v1::HelperTotalsState& helpers = books.helpers.state();
  ASSERT_GT(regions.regions_size(), 2);
  ASSERT_FALSE(regions.regions(0).code().empty());
  ASSERT_TRUE(regions.regions(0).parent_code().empty());
  ASSERT_EQ(regions.regions(1).parent_code(), regions.regions(0).code());
  ASSERT_GT(regions.project_regions_size(), 0);
  ASSERT_GT(projects.projects_size(), 0);
  ASSERT_GT(helpers.helpers_size(), 0);
  ASSERT_GT(helpers.pairings_size(), 0);

  struct Case {
    std::string what;
    Projection* (*projection)(Books*);
    std::string bytes;
    std::string message;
  };
  std::vector<Case> cases;
  auto region_case = [&](std::string what, auto change, std::string message) {
    v1::RegionBalancesState state = regions;
    change(&state);
    cases.push_back({std::move(what), [](Books* b) -> Projection* { return &b->regions; },
                     state.SerializeAsString(), std::move(message)});
  };
  const std::string& top = regions.regions(0).code();
  const std::string& below = regions.regions(1).code();
  region_case("a region twice",
              [](v1::RegionBalancesState* s) { *s->add_regions() = s->regions(0); },
              absl::StrCat("region ", top, " twice"));
  // A region moved by an amendment may come before its new parent, so the
  // order is not checked; a parent that is no region, or a cycle, is.
  region_case("an unknown parent",
              [](v1::RegionBalancesState* s) { s->mutable_regions(1)->set_parent_code("999999"); },
              absl::StrCat("region ", below, " under unknown parent 999999"));
  region_case("a cycle",
              [&below](v1::RegionBalancesState* s) { s->mutable_regions(0)->set_parent_code(below); },
              absl::StrCat("region ", top, " at depth 0 instead of"));
  region_case("a wrong depth",
              [](v1::RegionBalancesState* s) { s->mutable_regions(1)->set_depth(2); },
              absl::StrCat("region ", below, " at depth 2 instead of 1"));
  region_case("a project twice",
              [](v1::RegionBalancesState* s) { *s->add_project_regions() = s->project_regions(0); },
              absl::StrCat("project ", regions.project_regions(0).project_id(), " twice"));
  region_case("a project nowhere",
              [](v1::RegionBalancesState* s) {
                s->mutable_project_regions(0)->set_region_code("999999");
              },
              "in unknown region 999999");
  {
    v1::ProjectTotalsState state = projects;
    *state.add_projects() = state.projects(0);
    cases.push_back({"a project twice", [](Books* b) -> Projection* { return &b->projects; },
                     state.SerializeAsString(),
                     absl::StrCat("project ", projects.projects(0).project_id(), " twice")});
  }
  auto helper_case = [&](std::string what, auto change, std::string message) {
    v1::HelperTotalsState state = helpers;
    change(&state);
    cases.push_back({std::move(what), [](Books* b) -> Projection* { return &b->helpers; },
                     state.SerializeAsString(), std::move(message)});
  };
  helper_case("a region twice",
              [](v1::HelperTotalsState* s) { *s->add_region_names() = s->region_names(0); },
              absl::StrCat("region ", helpers.region_names(0).code(), " twice"));
  helper_case("a helper twice",
              [](v1::HelperTotalsState* s) { *s->add_helpers() = s->helpers(0); },
              absl::StrCat("helper ", helpers.helpers(0).code(), " twice"));
  helper_case("a helper of no region",
              [](v1::HelperTotalsState* s) { s->mutable_helpers(0)->set_code("999999"); },
              "helper 999999 of no region");
  helper_case("a pairing twice",
              [](v1::HelperTotalsState* s) { *s->add_pairings() = s->pairings(0); },
              absl::StrCat("pairing ", helpers.pairings(0).helper_code(), ">",
                           helpers.pairings(0).recipient_code(), " twice"));
  const v1::RegionMonthsState& months = books.months.state();
  ASSERT_GT(months.months_size(), 0);
  const std::string& months_of = months.months(0).region_code();
  auto months_case = [&](std::string what, auto change, std::string message) {
    v1::RegionMonthsState state = months;
    change(&state);
    cases.push_back({std::move(what), [](Books* b) -> Projection* { return &b->months; },
                     state.SerializeAsString(), std::move(message)});
  };
  months_case("a region twice", [](v1::RegionMonthsState* s) { s->add_regions(s->regions(0)); },
              absl::StrCat("region ", months.regions(0), " twice"));
  months_case("a project in no region",
              [](v1::RegionMonthsState* s) { s->mutable_project_regions(0)->set_region_code("999999"); },
              "in unknown region 999999");
  months_case("months of no region",
              [](v1::RegionMonthsState* s) { s->mutable_months(0)->set_region_code("999999"); },
              "months of unknown region 999999");
  months_case("months twice", [](v1::RegionMonthsState* s) { *s->add_months() = s->months(0); },
              absl::StrCat("the months of region ", months_of, " twice"));
  months_case("months of unequal lengths",
              [](v1::RegionMonthsState* s) { s->mutable_months(0)->add_sales_fen(1); },
              absl::StrCat("months of region ", months_of, " that no fold produces"));
  months_case("months before the years admitted",
              [](v1::RegionMonthsState* s) { s->mutable_months(0)->set_first_month(1948 * 12); },
              absl::StrCat("months of region ", months_of, " that no fold produces"));
  helper_case("bytes that do not decode", [](v1::HelperTotalsState*) {}, "does not decode");
  cases.back().bytes = "\xff\xff\xff";

  for (const Case& c : cases) {
    Books target = books;
    Projection* projection = c.projection(&target);
    const std::string before = projection->SerializeState();
    EXPECT_THAT(projection->LoadState(c.bytes),
                testing::StatusIs(absl::StatusCode::kDataLoss,
                                  ::testing::HasSubstr(absl::StrCat(projection->name(), " "))))
        << c.what;
    EXPECT_THAT(projection->LoadState(c.bytes).message(), ::testing::HasSubstr(c.message)) << c.what;
    EXPECT_TRUE(projection->SerializeState() == before) << c.what << ": the state changed";
  }
  // The state as folded loads, as the control.
  Books target;
  for (size_t i = 0; i < target.all().size(); ++i) {
    EXPECT_THAT(target.all()[i]->LoadState(books.all()[i]->SerializeState()), IsOk());
  }
  ExpectSameState(target, books, ledger_->head().sequence);
}

// Validation admits no second registration or pairing of the same thing; a
// log that holds one is corrupt, and the fold says so before changing state.
TEST(BooksTest, ASecondRegistrationOrPairingIsCorruption) {
  Books books;
  FoldEvent province{.sequence = 1, .payload = v1::Event::kRegionRegistered, .code = "370000",
                     .name = "山东省"};
  FoldEvent city{.sequence = 2, .payload = v1::Event::kRegionRegistered, .code = "370200",
                 .name = "青岛市", .parent_code = "370000"};
  FoldEvent recipient{.sequence = 3, .payload = v1::Event::kRegionRegistered, .code = "620000",
                      .name = "甘肃省"};
  FoldEvent pairing{.sequence = 4, .payload = v1::Event::kPairingEstablished,
                    .helper_code = "370200", .recipient_code = "620000",
                    .program = v1::EAST_WEST_COOPERATION};
  FoldEvent project{.sequence = 5, .payload = v1::Event::kProjectRegistered,
                    .region_code = "620000", .project_id = "P-1"};
  for (const FoldEvent* event : {&province, &city, &recipient, &pairing, &project}) {
    ASSERT_THAT(books.Apply(*event), IsOk()) << event->sequence;
  }
  // Which projections hold each kind of thing (the others ignore the event).
  const std::vector<std::pair<FoldEvent*, std::vector<Projection*>>> repeats = {
      {&city, {&books.regions, &books.helpers, &books.months}},
      {&pairing, {&books.helpers, &books.indicators}},
      {&project, {&books.regions, &books.projects, &books.months}},
  };
  for (const auto& [again, checked_by] : repeats) {
    again->sequence = 6;
    for (Projection* projection : books.all()) {
      const std::string before = projection->SerializeState();
      const absl::Status status = projection->Apply(*again);
      if (absl::c_linear_search(checked_by, projection)) {
        EXPECT_THAT(status, testing::StatusIs(absl::StatusCode::kDataLoss,
                                              ::testing::HasSubstr("event 6 ")))
            << projection->name();
        EXPECT_THAT(status.message(), ::testing::HasSubstr("again")) << projection->name();
      } else {
        EXPECT_THAT(status, IsOk()) << projection->name();
      }
      EXPECT_TRUE(projection->SerializeState() == before)
          << projection->name() << ": the state changed";
    }
  }
}

// Issue 21: a registration taken back leaves every projection as if it had
// never been registered (but for the reversal itself, and the project's
// region stays named by it: 620000 was named before), whether folded one
// event at a time or in a batch, where it moves the slots of the regions
// after it while events behind it in the batch were already located.
TEST(BooksTest, ARegistrationTakenBackMidBatchLeavesTheStateWithoutIt) {
  const absl::string_view kDay = "2022-01-01";
  FoldEvent gansu{.sequence = 1, .effective_date = kDay, .payload = v1::Event::kRegionRegistered,
                  .code = "620000", .name = "甘肃省"};
  FoldEvent wrong{.sequence = 2, .effective_date = kDay, .payload = v1::Event::kRegionRegistered,
                  .code = "110000", .name = "误登"};
  FoldEvent dingxi{.sequence = 3, .effective_date = kDay, .payload = v1::Event::kRegionRegistered,
                   .code = "621100", .name = "定西市", .parent_code = "620000"};
  FoldEvent tibet{.sequence = 4, .effective_date = kDay, .payload = v1::Event::kRegionRegistered,
                  .code = "540000", .name = "西藏自治区"};
  FoldEvent project{.sequence = 5, .effective_date = kDay,
                    .payload = v1::Event::kProjectRegistered, .name = "误登",
                    .region_code = "620000", .project_id = "WRONG-1"};
  FoldEvent no_region{.sequence = 6, .effective_date = kDay, .payload = v1::Event::kEventReversed,
                      .target = &wrong};
  FoldEvent no_project{.sequence = 7, .effective_date = kDay,
                       .payload = v1::Event::kEventReversed, .target = &project};
  FoldEvent sale_tibet{.sequence = 8, .effective_date = kDay, .payload = v1::Event::kSaleRecorded,
                       .region_code = "540000", .amount_fen = 300};
  FoldEvent sale_dingxi{.sequence = 9, .effective_date = kDay,
                        .payload = v1::Event::kSaleRecorded, .region_code = "621100",
                        .amount_fen = 500};
  const std::vector<const FoldEvent*> log = {&gansu,      &wrong,      &dingxi,
                                             &tibet,      &project,    &no_region,
                                             &no_project, &sale_tibet, &sale_dingxi};
  Books batched, single, never;
  // The registrations in one batch, so that the next one locates the sales'
  // regions before it folds the reversals ahead of them.
  const absl::Span<const FoldEvent* const> all = log;
  ASSERT_THAT(batched.ApplyAll(all.subspan(0, 5)), IsOk());
  ASSERT_THAT(batched.ApplyAll(all.subspan(5)), IsOk());
  for (const FoldEvent* event : log) ASSERT_THAT(single.Apply(*event), IsOk()) << event->sequence;
  for (const FoldEvent* event : {&gansu, &dingxi, &tibet, &sale_tibet, &sale_dingxi}) {
    ASSERT_THAT(never.Apply(*event), IsOk()) << event->sequence;
  }
  EXPECT_EQ(batched.regions.FindRegion("110000"), nullptr);
  EXPECT_EQ(batched.projects.FindProject("WRONG-1"), nullptr);
  EXPECT_EQ(batched.regions.FindRegion("540000")->own().sales_fen(), 300);
  EXPECT_EQ(batched.regions.FindRegion("621100")->own().sales_fen(), 500);
  EXPECT_EQ(batched.regions.FindRegion("620000")->total().projects(), 0);
  for (size_t i = 0; i < Books::kKindCount; ++i) {
    EXPECT_EQ(batched.all()[i]->SerializeState(), single.all()[i]->SerializeState())
        << batched.all()[i]->name();
    if (batched.all()[i] == &batched.reversed) continue;  // it holds the reversals
    EXPECT_EQ(batched.all()[i]->SerializeState(), never.all()[i]->SerializeState())
        << batched.all()[i]->name();
  }
  // The region comes again, under the same code, as a new registration.
  FoldEvent again = wrong;
  again.sequence = 10;
  EXPECT_THAT(batched.Apply(again), IsOk());
}

TEST_F(ProjectionsTest, ReversingEveryMoneyEventReturnsEveryFigureToZero) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7003));
  stream.AddRegistry();
  stream.AddMoneyEvents(2500, 25);
  const Books& before = ledger_->books();
  ASSERT_GT(before.regions.state().grand().allocated_fen(), 0);
  stream.ReverseEverything();
  const Books& books = ledger_->books();
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    const std::string& code = region.code();
    for (const v1::RegionFigures* f : {&region.own(), &region.total()}) {
      EXPECT_EQ(f->allocated_fen(), 0) << code;
      EXPECT_EQ(f->disbursed_fen(), 0) << code;
      EXPECT_EQ(f->balance_fen(), 0) << code;
      EXPECT_EQ(f->invested_fen(), 0) << code;
      EXPECT_EQ(f->sales_fen(), 0) << code;
    }
  }
  EXPECT_EQ(books.regions.state().grand().projects(), 40);  // registrations stay
  for (const v1::ProjectEntry& project : books.projects.state().projects()) {
    EXPECT_EQ(project.allocated_fen() | project.disbursed_fen() | project.invested_fen(), 0)
        << project.project_id();
  }
  for (const v1::HelperEntry& helper : books.helpers.state().helpers()) {
    EXPECT_EQ(helper.allocated_fen() | helper.invested_fen() | helper.sales_fen(), 0)
        << helper.code();
    for (const v1::ProgramFigures& row : helper.by_program()) {
      EXPECT_EQ(row.allocated_fen() | row.invested_fen() | row.sales_fen(), 0) << helper.code();
    }
  }
}

TEST_F(ProjectionsTest, KnownAtSelectsWhatWasRecordedByThenIncludingEqualTimestamps) {
  AddQingdaoBasics();
  // Two batches; every event of a batch carries the batch's one timestamp.
  const absl::Time first = absl::FromUnixSeconds(3'800'000'000);  // after the fixture clock's start
  const absl::Time second = first + absl::Seconds(10);
  clock_.Set(first);
  std::vector<v1::Event> batch;
  for (const char* amount : {"1", "2", "3"}) {
    batch.push_back(Draft("sale", {{"region_code", "621100"}, {"amount", amount},
                                   {"effective_date", "2022-01-01"}}));
  }
  ASSERT_THAT(AppendBatch(*ledger_, batch), IsOk());
  const uint64_t after_first = ledger_->head().sequence;
  clock_.Set(second);
  batch.resize(2);
  ASSERT_THAT(AppendBatch(*ledger_, batch), IsOk());
  EXPECT_EQ(*ledger_->SequenceKnownAt(first), after_first);
  EXPECT_EQ(*ledger_->SequenceKnownAt(first - absl::Microseconds(1)), after_first - 3);
  EXPECT_EQ(*ledger_->SequenceKnownAt(second - absl::Microseconds(1)), after_first);
  EXPECT_EQ(*ledger_->SequenceKnownAt(second), ledger_->head().sequence);
  EXPECT_EQ(*ledger_->SequenceKnownAt(absl::FromUnixSeconds(0)), 0u);
  FoldedBooks known = MustFold(*ledger_->SequenceKnownAt(first));
  EXPECT_EQ(known.books.regions.FindRegion("621100")->own().sales_fen(), 600);
}

TEST_F(ProjectionsTest, AsOfSelectsByEffectiveDateIncludingEqualDates) {
  AddQingdaoBasics();
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "1"}, {"effective_date", "2022-12-31"}});
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "2"}, {"effective_date", "2023-01-01"}});
  // Recorded later, effective earlier: in the as-of view, not in the prefix.
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "4"}, {"effective_date", "2022-06-01"}});
  MustAdd("region", {{"code", "621124"}, {"name", "临洮县"}, {"parent_code", "621100"},
                     {"effective_date", "2023-01-01"}});
  MustAdd("project", {{"project_id", "LATE"}, {"region_code", "621100"}, {"name", "x"},
                      {"category", "other"}, {"effective_date", "2023-01-01"}});
  const uint64_t head = ledger_->head().sequence;
  FoldedBooks end_2022 = MustFold(head, "2022-12-31");
  EXPECT_EQ(end_2022.books.regions.FindRegion("621100")->own().sales_fen(), 500);
  EXPECT_EQ(end_2022.books.regions.FindRegion("621124"), nullptr);
  EXPECT_EQ(end_2022.books.projects.FindProject("LATE"), nullptr);
  EXPECT_EQ(end_2022.books.regions.FindRegion("621100")->own().projects(), 0);
  FoldedBooks new_year = MustFold(head, "2023-01-01");
  EXPECT_EQ(new_year.books.regions.FindRegion("621100")->own().sales_fen(), 700);
  EXPECT_NE(new_year.books.regions.FindRegion("621124"), nullptr);
  // Bitemporal: effective by 2022-12-31 as known before the late entry.
  FoldedBooks known_then = MustFold(head - 3, "2022-12-31");
  EXPECT_EQ(known_then.books.regions.FindRegion("621100")->own().sales_fen(), 100);
}

TEST_F(ProjectionsTest, ReportsListRegionsInTreeOrderAndFilterBySubtree) {
  AddQingdaoBasics();
  absl::StatusOr<v1::RegionBalancesReport> all = RegionBalancesReport(ledger_->books(), "");
  ASSERT_THAT(all, IsOk());
  std::vector<std::string> codes;
  for (const auto& region : all->regions()) codes.push_back(region.code());
  EXPECT_THAT(codes, ::testing::ElementsAre("370000", "370200", "370202", "540000", "540200",
                                            "540202", "620000", "621100", "621102"));
  absl::StatusOr<v1::RegionBalancesReport> dingxi = RegionBalancesReport(ledger_->books(), "621100");
  ASSERT_THAT(dingxi, IsOk());
  ASSERT_EQ(dingxi->regions_size(), 2);
  EXPECT_EQ(dingxi->regions(1).code(), "621102");
  EXPECT_THAT(RegionBalancesReport(ledger_->books(), "999999"),
              testing::StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace aidledger
