// Projections: exact figures on a small hand-checked ledger, then properties
// over seeded random streams (snapshot + tail == full rebuild, totals roll
// up, reversing everything returns every figure to zero), point-in-time
// selection at its boundaries, and snapshots that must not be trusted.
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
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::AppendBatch;
using testing::LedgerFixture;
using testing::RandomStream;

// Every region's total equals its own figures plus its children's totals.
void ExpectTotalsRollUp(const Books& books) {
  std::map<std::string, v1::RegionFigures> sum;
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    v1::RegionFigures& s = sum[region.code()];
    s.set_allocated_fen(s.allocated_fen() + region.own().allocated_fen());
    s.set_disbursed_fen(s.disbursed_fen() + region.own().disbursed_fen());
    s.set_balance_fen(s.balance_fen() + region.own().balance_fen());
    s.set_invested_fen(s.invested_fen() + region.own().invested_fen());
    s.set_sales_fen(s.sales_fen() + region.own().sales_fen());
    s.set_projects(s.projects() + region.own().projects());
    if (region.parent_code().empty()) continue;
    v1::RegionFigures& p = sum[region.parent_code()];
    p.set_allocated_fen(p.allocated_fen() + region.total().allocated_fen());
    p.set_disbursed_fen(p.disbursed_fen() + region.total().disbursed_fen());
    p.set_balance_fen(p.balance_fen() + region.total().balance_fen());
    p.set_invested_fen(p.invested_fen() + region.total().invested_fen());
    p.set_sales_fen(p.sales_fen() + region.total().sales_fen());
    p.set_projects(p.projects() + region.total().projects());
  }
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    EXPECT_EQ(sum[region.code()].SerializeAsString(), region.total().SerializeAsString())
        << "region " << region.code() << " total " << region.total().ShortDebugString()
        << " but own + children " << sum[region.code()].ShortDebugString();
    EXPECT_EQ(region.own().balance_fen(),
              region.own().allocated_fen() - region.own().disbursed_fen());
  }
}

void ExpectSameState(const Books& a, const Books& b, uint64_t sequence) {
  for (size_t i = 0; i < a.all().size(); ++i) {
    EXPECT_EQ(a.all()[i]->SerializeState(), b.all()[i]->SerializeState())
        << a.all()[i]->name() << " differs at sequence " << sequence;
  }
}

class ProjectionsTest : public LedgerFixture {
 protected:
  LedgerOptions Options() {
    LedgerOptions options = LedgerFixture::Options();
    options.sync = false;  // random streams: durability is tested elsewhere
    options.snapshot_every = snapshot_every_;
    options.warn = [this](absl::string_view message) { warnings_.emplace_back(message); };
    return options;
  }
  void ReopenWith() {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(path_, Options());
    ASSERT_TRUE(opened.ok()) << opened.status();
    ledger_ = std::move(*opened);
  }
  void SetUp() override {
    LedgerFixture::SetUp();
    ReopenWith();
  }
  // Appends `count` money events and snapshots the head; returns the head.
  uint64_t AddAndSnapshot(RandomStream& stream, size_t count) {
    stream.AddMoneyEvents(count, 0);
    EXPECT_THAT(ledger_->CreateSnapshot(), IsOk());
    return ledger_->head().sequence;
  }
  // Closes the ledger and writes `edit`'s puts straight into its store (with
  // valid checksums), as damage or another build would; reopen to go on.
  void EditStore(const std::function<void(internal::Store&, internal::Batch&)>& edit) {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<internal::Store>> store = internal::Store::Open(path_, {});
    ASSERT_THAT(store, IsOk());
    internal::Batch batch = (*store)->NewBatch();
    edit(**store, batch);
    ASSERT_THAT((*store)->Write(&batch, true), IsOk());
  }
  FoldedBooks MustFold(uint64_t sequence, std::optional<std::string> as_of = std::nullopt,
                       bool use_snapshots = true) {
    absl::StatusOr<FoldedBooks> folded = ledger_->Fold(sequence, as_of, use_snapshots);
    EXPECT_TRUE(folded.ok()) << folded.status();
    return folded.ok() ? *std::move(folded) : FoldedBooks();
  }

  uint64_t snapshot_every_ = 0;
  std::vector<std::string> warnings_;
};

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
}

TEST_F(ProjectionsTest, SnapshotPlusTailEqualsAFullRebuildEverywhere) {
  snapshot_every_ = 400;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7001));
  stream.AddRegistry();
  stream.AddMoneyEvents(3000, 40);
  const uint64_t head = ledger_->head().sequence;
  ASSERT_GT(head, 3000u);
  std::mt19937_64 random(testing::TestSeed(7002));
  std::vector<uint64_t> points = {0, 1, 399, 400, 401, 799, 800, head - 1, head};
  for (int i = 0; i < 25; ++i) points.push_back(random() % (head + 1));
  for (uint64_t at : points) {
    FoldedBooks quick = MustFold(at);
    FoldedBooks full = MustFold(at, std::nullopt, /*use_snapshots=*/false);
    EXPECT_EQ(quick.snapshot_sequence, at / 400 * 400) << at;
    EXPECT_EQ(full.snapshot_sequence, 0u);
    EXPECT_EQ(quick.hash, full.hash) << at;
    ExpectSameState(quick.books, full.books, at);
    ExpectTotalsRollUp(quick.books);
  }
  // The live Books (maintained append by append) agree with a rebuild too.
  ExpectSameState(ledger_->books(), MustFold(head, std::nullopt, false).books, head);
  // And so does a reopened ledger, which starts from the newest snapshot.
  ReopenWith();
  ExpectSameState(ledger_->books(), MustFold(head, std::nullopt, false).books, head);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
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
  region_case("a child first",
              [](v1::RegionBalancesState* s) { s->mutable_regions()->SwapElements(0, 1); },
              absl::StrCat("region ", below, " before its parent ", top));
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
      {&city, {&books.regions, &books.helpers}},
      {&pairing, {&books.helpers}},
      {&project, {&books.regions, &books.projects}},
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

TEST_F(ProjectionsTest, AHeadQueryAfterASnapshotReadsOnlyTheTail) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7004));
  stream.AddRegistry();
  stream.AddMoneyEvents(1000, 0);
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  const uint64_t snapshot_at = ledger_->head().sequence;
  stream.AddMoneyEvents(17, 0);
  FoldedBooks folded = MustFold(ledger_->head().sequence);
  EXPECT_EQ(folded.snapshot_sequence, snapshot_at);
  EXPECT_EQ(folded.events_read, 17u);
  EXPECT_EQ(MustFold(ledger_->head().sequence, std::nullopt, false).events_read,
            ledger_->head().sequence);
}

TEST_F(ProjectionsTest, ASnapshotThatDoesNotMatchTheChainOrTheCodeIsSkipped) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7005));
  stream.AddRegistry();
  const uint64_t good_at = AddAndSnapshot(stream, 200);
  const uint64_t tampered_at = AddAndSnapshot(stream, 100);
  const uint64_t stale_at = AddAndSnapshot(stream, 100);
  const uint64_t head = ledger_->head().sequence;
  // Tamper with the newer snapshots: one claims another chain hash with
  // inflated figures, one is of another version.
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    for (auto [at, tamper_hash] : {std::pair{tampered_at, true}, std::pair{stale_at, false}}) {
      const std::string key = absl::StrCat("region_balances/", internal::EncodeSequence(at));
      absl::StatusOr<std::optional<std::string>> value =
          store.Get(internal::Family::kSnapshots, key);
      ASSERT_TRUE(value.ok() && value->has_value());
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(**value));
      if (tamper_hash) {
        v1::RegionBalancesState state;
        ASSERT_TRUE(state.ParseFromString(record.state()));
        state.mutable_grand()->set_allocated_fen(state.grand().allocated_fen() + 1);
        record.set_state(state.SerializeAsString());
        record.set_chain_hash(std::string(32, 'x'));
      } else {
        record.set_version(record.version() + 1);
      }
      batch.Put(internal::Family::kSnapshots, key, record.SerializeAsString());
    }
  });
  ReopenWith();
  FoldedBooks folded = MustFold(head);
  EXPECT_EQ(folded.snapshot_sequence, good_at);
  ExpectSameState(folded.books, MustFold(head, std::nullopt, false).books, head);
  // The tampered one is named; one of another version is what an upgrade
  // leaves behind, said once for all of them at the end.
  ASSERT_GE(warnings_.size(), 2u);
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat("snapshot at event ", tampered_at,
                                                              " is not trusted")));
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr("chain hash does not match"));
  EXPECT_THAT(warnings_[1],
              ::testing::HasSubstr("skipped 1 snapshot of another projection version"));
  EXPECT_THAT(warnings_[1], ::testing::Not(::testing::HasSubstr(absl::StrCat(stale_at))));
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  size_t untrusted = 0;
  for (const SnapshotInfo& info : *listed) untrusted += info.problem.empty() ? 0 : 1;
  EXPECT_EQ(untrusted, 2u);
}

// Issue 17, item 1: a snapshot's state edited with RocksDB's own API (valid
// checksums, the chain hash and version kept) changed the figures a query
// printed. The MAC under the ledger's key catches it: the snapshot is
// skipped with a warning naming it, and the fold gives the log's figures.
TEST_F(ProjectionsTest, ASnapshotWhoseStateWasEditedIsSkippedAndTheFiguresStayTheLogs) {
  RandomStream stream(ledger_.get(), testing::TestSeed(1717));
  stream.AddRegistry();
  const uint64_t good_at = AddAndSnapshot(stream, 150);
  const uint64_t edited_at = AddAndSnapshot(stream, 150);
  const uint64_t head = ledger_->head().sequence;
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    const std::string key = absl::StrCat("region_balances/", internal::EncodeSequence(edited_at));
    absl::StatusOr<std::optional<std::string>> value = store.Get(internal::Family::kSnapshots, key);
    ASSERT_TRUE(value.ok() && value->has_value());
    v1::SnapshotRecord record;
    ASSERT_TRUE(record.ParseFromString(**value));
    v1::RegionBalancesState state;
    ASSERT_TRUE(state.ParseFromString(record.state()));
    ASSERT_GT(state.regions_size(), 0);
    v1::RegionEntry* region = state.mutable_regions(state.regions_size() - 1);
    region->mutable_own()->set_allocated_fen(region->own().allocated_fen() + 700'000'000);
    region->mutable_total()->set_allocated_fen(region->total().allocated_fen() + 700'000'000);
    record.set_state(state.SerializeAsString());
    batch.Put(internal::Family::kSnapshots, key, record.SerializeAsString());
  });
  ReopenWith();
  FoldedBooks folded = MustFold(head);
  EXPECT_EQ(folded.snapshot_sequence, good_at);
  ExpectSameState(folded.books, MustFold(head, std::nullopt, false).books, head);
  ASSERT_FALSE(warnings_.empty());
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat("snapshot at event ", edited_at,
                                                              " is not trusted")));
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr("MAC does not match"));
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  for (const SnapshotInfo& info : *listed) {
    const bool edited = info.sequence == edited_at && info.projection == "region_balances";
    EXPECT_EQ(info.problem.empty(), !edited) << info.projection << "@" << info.sequence << ": " << info.problem;
  }
}

// Without its key a ledger trusts no snapshot (a read-only open folds the
// log, a writable one makes a new key); a key others may read is refused.
TEST_F(ProjectionsTest, SnapshotsNeedTheKeyAndTheKeyMustBePrivate) {
  RandomStream stream(ledger_.get(), testing::TestSeed(1718));
  stream.AddRegistry();
  const uint64_t head = AddAndSnapshot(stream, 120);
  const Books expected = ledger_->books();
  ledger_.reset();
  const std::string key_path = DefaultSnapshotKeyPath(path_);
  ASSERT_TRUE(std::filesystem::exists(key_path));
  EXPECT_EQ(std::filesystem::status(key_path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(key_path, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  absl::StatusOr<std::unique_ptr<Ledger>> refused = Ledger::Open(path_, Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(ExitCodeFor(refused.status()), kExitUsage);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("chmod 600"));

  std::filesystem::rename(key_path, key_path + ".moved");
  LedgerOptions read_only = Options();
  read_only.read_only = true;
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(path_, read_only);
  ASSERT_THAT(opened, IsOk());
  absl::StatusOr<FoldedBooks> folded = (*opened)->Fold(head, std::nullopt);
  ASSERT_THAT(folded, IsOk());
  EXPECT_EQ(folded->snapshot_sequence, 0u);
  ExpectSameState(folded->books, expected, head);
  EXPECT_FALSE(std::filesystem::exists(key_path)) << "a read-only open made a key";
  opened->reset();
  ReopenWith();  // writable: makes a new key, and says so
  EXPECT_TRUE(std::filesystem::exists(key_path));
  EXPECT_THAT(warnings_, ::testing::Contains(::testing::HasSubstr("made a new snapshot key")));
}

// After an upgrade that changes a projection's version, every stored
// snapshot is of the old version. Queries then fold the whole log, so the
// first writable open stores a current snapshot at the head.
TEST_F(ProjectionsTest, AWritableOpenWithNoUsableSnapshotNearTheHeadStoresOne) {
  snapshot_every_ = 100;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7007));
  stream.AddRegistry();
  stream.AddMoneyEvents(400, 0);
  const uint64_t head = ledger_->head().sequence;
  ASSERT_GE(head, 400u);
  size_t rewritten = 0;
  // What an older build would have stored: every record of another version.
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    std::unique_ptr<internal::Cursor> cursor = store.NewCursor(internal::Family::kSnapshots);
    for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(std::string(cursor->value())));
      record.set_version(record.version() - 1);
      batch.Put(internal::Family::kSnapshots, std::string(cursor->key()),
                record.SerializeAsString());
      ++rewritten;
    }
    ASSERT_THAT(cursor->status(), IsOk());
  });
  ASSERT_EQ(rewritten, Books::kKindCount * (head / 100));

  LedgerOptions read_only = Options();
  read_only.read_only = true;
  read_only.fold_on_open = false;
  absl::StatusOr<std::unique_ptr<Ledger>> reader = Ledger::Open(path_, read_only);
  ASSERT_THAT(reader, IsOk());
  absl::StatusOr<FoldedBooks> before = (*reader)->Fold(head, std::nullopt);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->snapshot_sequence, 0u);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat(
                                "skipped ", head / 100, " snapshots of another projection version")));
  reader->reset();  // a read-only open stores nothing: the next one folds it all again

  ReopenWith();  // writable
  FoldedBooks after = MustFold(head);
  EXPECT_EQ(after.snapshot_sequence, head);
  EXPECT_EQ(after.events_read, 0u);
  ExpectSameState(after.books, before->books, head);
  // With a usable snapshot near the head, opening again stores none.
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  ReopenWith();
  absl::StatusOr<std::vector<SnapshotInfo>> relisted = ledger_->ListSnapshots();
  ASSERT_THAT(relisted, IsOk());
  EXPECT_EQ(relisted->size(), listed->size());
  EXPECT_EQ(listed->size(), rewritten + Books::kKindCount);
}

// A fold of some projections loads and folds only those: a damaged snapshot
// of another projection does not send it further back, and what it folds
// equals the same projections of a full fold.
TEST_F(ProjectionsTest, AFoldOfSomeProjectionsReadsOnlyTheirSnapshots) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7008));
  stream.AddRegistry();
  const uint64_t older = AddAndSnapshot(stream, 200);
  const uint64_t newer = AddAndSnapshot(stream, 100);
  stream.AddMoneyEvents(30, 0);
  const uint64_t head = ledger_->head().sequence;
  EditStore([&](internal::Store&, internal::Batch& batch) {
    batch.Put(internal::Family::kSnapshots,
              absl::StrCat("project_totals/", internal::EncodeSequence(newer)), "not a record");
  });
  ReopenWith();
  const FoldedBooks full = MustFold(head, std::nullopt, false);
  const FoldedBooks every = MustFold(head);
  EXPECT_EQ(every.snapshot_sequence, older);
  ExpectSameState(every.books, full.books, head);
  struct Case {
    Books::Set set;
    uint64_t snapshot;
  };
  for (const Case& c : {Case{Books::kRegions, newer}, Case{Books::kHelpers, newer},
                        Case{Books::kProjects, older},
                        Case{Books::kRegions | Books::kProjects, older}}) {
    warnings_.clear();
    absl::StatusOr<FoldedBooks> some = ledger_->Fold(head, std::nullopt, true, c.set);
    ASSERT_THAT(some, IsOk());
    EXPECT_EQ(some->snapshot_sequence, c.snapshot) << c.set;
    EXPECT_EQ(some->events_read, head - c.snapshot) << c.set;
    EXPECT_EQ(warnings_.size(), c.snapshot == older ? 1u : 0u) << c.set;
    EXPECT_EQ(some->books.folded(), c.set);
    const Books empty;
    for (size_t i = 0; i < some->books.all().size(); ++i) {
      const Books& expected = some->books.FoldsIndex(i) ? full.books : empty;
      EXPECT_TRUE(some->books.all()[i]->SerializeState() == expected.all()[i]->SerializeState())
          << some->books.all()[i]->name() << " of set " << c.set;
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
