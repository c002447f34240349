// A trace reads only the provinces whose money it needs (app/fund_view.h's
// ViewScope) and is the same trace as one read from the whole view: every
// helper, region and project of a random ledger, at the head and as of
// earlier dates, before and after a region moves under another province.
#include <string>
#include <vector>

#include "app/fund_view.h"
#include "app/output.h"
#include "app/trace.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger::app {
namespace {

using aidledger::testing::IsOk;

class TraceScopeTest : public aidledger::testing::LedgerFixture {
 protected:
  // The trace of `query` as of `as_of`, in JSON; the whole view's must be
  // the same.
  void ExpectTheWholeViewsTrace(TraceQuery query, const std::string& as_of, uint64_t seed) {
    PointOptions point;
    point.as_of = as_of;
    absl::StatusOr<v1::TraceReport> scoped = BuildTrace(*ledger_, point, query);
    query.whole_view = true;
    absl::StatusOr<v1::TraceReport> whole = BuildTrace(*ledger_, point, query);
    ASSERT_EQ(scoped.status(), whole.status());
    if (!whole.ok()) return;
    EXPECT_EQ(ToJson(*scoped, false), ToJson(*whole, false))
        << "helper " << query.helper << " region " << query.region << " project "
        << query.project << " as of " << as_of << " seed " << seed;
    ++compared_;
    if (whole->nodes_size() > 0) ++nonempty_;
  }

  void ExpectEveryQueryTheSame(const std::vector<std::string>& regions, const std::string& as_of,
                               uint64_t seed) {
    for (const std::string& code : regions) {
      ExpectTheWholeViewsTrace({.helper = code}, as_of, seed);
      ExpectTheWholeViewsTrace({.region = code}, as_of, seed);
    }
    for (int i = 0; i < 40; ++i) {
      ExpectTheWholeViewsTrace({.project = absl::StrCat("P-", i)}, as_of, seed);
    }
  }

  int compared_ = 0;
  int nonempty_ = 0;
};

TEST_F(TraceScopeTest, AScopedTraceIsTheWholeViewsTrace) {
  const uint64_t seed = aidledger::testing::TestSeed(20261204);
  aidledger::testing::RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(600, 6);
  const std::vector<std::string> regions = stream.region_codes();
  ExpectEveryQueryTheSame(regions, "", seed);
  ExpectEveryQueryTheSame(regions, "2017-06-30", seed);
  EXPECT_GT(nonempty_, compared_ / 2);

  // Region 510150 below county 510101 with a project is funded by an allocation
  // to city 510100, then moves under county 520201 (below a county GB/T 2260
  // constrains no code): the allocation now ties provinces 51 and 52.
  MustAdd("region", {{"code", "510150"}, {"name", "镇"}, {"parent_code", "510101"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("project", {{"project_id", "P-T"}, {"region_code", "510150"}, {"name", "镇项目"},
                      {"category", "industry"}, {"effective_date", "2016-06-01"}});
  MustAdd("allocation", {{"helper_code", "310100"}, {"recipient_code", "510100"},
                         {"project_id", "P-T"}, {"amount", "5000"},
                         {"effective_date", "2019-03-01"}});
  MustAdd("allocation", {{"helper_code", "310100"}, {"recipient_code", "510150"},
                         {"amount", "2000"}, {"effective_date", "2019-03-02"}});
  MustAdd("disbursement", {{"project_id", "P-T"}, {"amount", "1200"},
                           {"effective_date", "2019-04-01"}});
  MustAdd("region-amendment", {{"code", "510150"}, {"parent_code", "520201"},
                               {"reason", "区划调整"}, {"effective_date", "2020-01-01"}});
  ASSERT_EQ(ProvinceOf(ledger_->books(), "510150"), "520000");
  stream.AddMoneyEvents(200, 6);
  std::vector<std::string> all = regions;
  all.push_back("510150");
  ExpectEveryQueryTheSame(all, "", seed);
  ExpectTheWholeViewsTrace({.project = "P-T"}, "", seed);
  ExpectEveryQueryTheSame(all, "2019-12-31", seed);
}

// Read within one province alone after region 510150 moves from 51 to 52, the
// view is not closed when an allocation to a region of 51 named a project of
// that region: the trace then reads the whole view (above, it is the same
// either way).
TEST_F(TraceScopeTest, AnAllocationThatTiesTwoProvincesIsSeen) {
  MustAdd("region", {{"code", "510000"}, {"name", "省51"}, {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "510100"}, {"name", "市5101"}, {"parent_code", "510000"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "510101"}, {"name", "县510101"}, {"parent_code", "510100"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "520000"}, {"name", "省52"}, {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "310000"}, {"name", "省31"}, {"effective_date", "2016-01-01"}});
  MustAdd("pairing", {{"helper_code", "310000"}, {"recipient_code", "510000"},
                      {"program", "east-west"}, {"effective_date", "2016-06-01"}});
  MustAdd("region", {{"code", "510150"}, {"name", "镇"}, {"parent_code", "510101"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "520100"}, {"name", "市5201"}, {"parent_code", "520000"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("region", {{"code", "520101"}, {"name", "县520101"}, {"parent_code", "520100"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("project", {{"project_id", "P-1"}, {"region_code", "510150"}, {"name", "项目"},
                      {"category", "industry"}, {"effective_date", "2016-06-01"}});
  MustAdd("allocation", {{"helper_code", "310000"}, {"recipient_code", "510100"},
                         {"project_id", "P-1"}, {"amount", "1000"},
                         {"effective_date", "2017-01-01"}});
  const auto view_of = [this](const std::string& province) {
    const ViewScope scope = ScopeOf(ledger_->books(), {province});
    absl::StatusOr<ViewEvents> view = ReadView(*ledger_, ledger_->head().sequence, "", &scope);
    EXPECT_THAT(view, IsOk());
    return std::make_pair(scope, *std::move(view));
  };
  {
    const auto [scope, view] = view_of("510000");
    EXPECT_EQ(view.allocations.size(), 1u);
    EXPECT_TRUE(IsClosed(view, scope));
    const auto [other_scope, other_view] = view_of("520000");
    EXPECT_TRUE(other_view.allocations.empty());
  }
  MustAdd("region-amendment", {{"code", "510150"}, {"parent_code", "520101"},
                               {"reason", "区划调整"}, {"effective_date", "2020-01-01"}});
  for (const std::string& province : {"510000", "520000"}) {
    const auto [scope, view] = view_of(province);
    EXPECT_EQ(view.allocations.size(), 1u) << province;
    EXPECT_FALSE(IsClosed(view, scope)) << province;
  }
}

// A view's text is copied into its StringArena: every copy reads back as
// given after many blocks, a text longer than a block, and a move of the
// arena (as a ViewEvents moves from ReadView to its caller).
TEST(StringArenaTest, CopiesStayWhereTheyAreAsTheArenaGrowsAndMoves) {
  StringArena arena;
  std::vector<std::string> given;
  std::vector<absl::string_view> copies;
  for (size_t i = 0; i < 20'000; ++i) {  // ~20 blocks of text
    given.push_back(std::string(1 + i % 97, static_cast<char>('a' + i % 26)) + std::to_string(i));
    copies.push_back(arena.Copy(given.back()));
  }
  given.push_back(std::string(3 * StringArena::kBlockBytes, 'L'));  // a block of its own
  copies.push_back(arena.Copy(given.back()));
  given.emplace_back();
  copies.push_back(arena.Copy(given.back()));
  StringArena moved = std::move(arena);
  given.push_back("after the move");
  copies.push_back(moved.Copy(given.back()));
  ASSERT_EQ(copies.size(), given.size());
  for (size_t i = 0; i < given.size(); ++i) {
    ASSERT_EQ(copies[i], given[i]) << i;
    if (!given[i].empty()) ASSERT_NE(copies[i].data(), given[i].data()) << i;  // a copy
  }
}

}  // namespace
}  // namespace aidledger::app
