// The engine's group commit: concurrent requests, each all-or-nothing, all
// written in arrival order; a stop writes what was queued.
#include "ledger/group_commit.h"

#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger::testing {
namespace {

class GroupCommitTest : public LedgerFixture {
 protected:
  v1::Event Sale(const std::string& id, const std::string& amount = "12.34") {
    return Draft("sale", {{"event_id", id}, {"region_code", "621100"}, {"amount", amount},
                          {"effective_date", "2022-03-01"}});
  }
};

TEST_F(GroupCommitTest, ConcurrentRequestsAreEachWrittenOnceAndAnsweredAfterTheirCommit) {
  AddQingdaoBasics();
  const uint64_t before = ledger_->head().sequence;
  constexpr int kThreads = 8;
  constexpr int kRequestsEach = 25;
  std::vector<SubmitOutcome> committed_outcomes;  // seen by the hook
  std::mutex outcomes_mutex;
  GroupCommitter committer(ledger_.get(), {.committed = [&](const std::vector<SubmitOutcome>& outcomes, absl::Span<const Drafts>) {
                                             std::lock_guard<std::mutex> lock(outcomes_mutex);
                                             committed_outcomes.insert(committed_outcomes.end(),
                                                                       outcomes.begin(), outcomes.end());
                                           }});
  std::vector<std::thread> threads;
  std::vector<std::vector<SubmitOutcome>> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRequestsEach; ++r) {
        std::vector<v1::Event> drafts = {Sale(absl::StrCat("t", t, "-", r, "-a")),
                                         Sale(absl::StrCat("t", t, "-", r, "-b"))};
        absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> done =
            committer.Enqueue(std::move(drafts));
        ASSERT_THAT(done, IsOk());
        absl::StatusOr<SubmitOutcome> outcome = done->get();
        ASSERT_THAT(outcome, IsOk());
        // Answered only once written: the head has reached its events.
        EXPECT_TRUE(outcome->written);
        EXPECT_GE(ledger_->head().sequence, outcome->results.back().sequence);
        results[t].push_back(*std::move(outcome));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  committer.Stop();
  std::set<uint64_t> sequences;
  for (const auto& outcomes : results) {
    for (const SubmitOutcome& outcome : outcomes) {
      ASSERT_EQ(outcome.results.size(), 2u);
      // A request's two events are consecutive: requests are not interleaved.
      EXPECT_EQ(outcome.results[1].sequence, outcome.results[0].sequence + 1);
      for (const AppendResult& result : outcome.results) sequences.insert(result.sequence);
    }
  }
  EXPECT_EQ(sequences.size(), 2u * kThreads * kRequestsEach);
  EXPECT_EQ(*sequences.begin(), before + 1);
  EXPECT_EQ(*sequences.rbegin(), before + 2 * kThreads * kRequestsEach);
  EXPECT_EQ(ledger_->head().sequence, before + 2 * kThreads * kRequestsEach);
  EXPECT_EQ(committed_outcomes.size(), static_cast<size_t>(kThreads * kRequestsEach));
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

TEST_F(GroupCommitTest, ARejectedRequestTakesNothingFromTheOthersAndStopWritesWhatWaits) {
  AddQingdaoBasics();
  const uint64_t before = ledger_->head().sequence;
  GroupCommitter committer(ledger_.get(), {});
  std::vector<std::future<absl::StatusOr<SubmitOutcome>>> waiting;
  for (int r = 0; r < 20; ++r) {
    std::vector<v1::Event> drafts = {Sale(absl::StrCat("s-", r))};
    // Every fifth request carries a second, bad event (a region nobody registered).
    if (r % 5 == 0) {
      drafts.push_back(Draft("sale", {{"event_id", absl::StrCat("bad-", r)}, {"region_code", "999999"},
                                      {"amount", "1"}, {"effective_date", "2022-03-01"}}));
    }
    absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> done = committer.Enqueue(std::move(drafts));
    ASSERT_THAT(done, IsOk());
    waiting.push_back(*std::move(done));
  }
  committer.Stop();  // returns once everything queued is written
  for (size_t r = 0; r < waiting.size(); ++r) {
    ASSERT_EQ(waiting[r].wait_for(std::chrono::seconds(0)), std::future_status::ready);
    absl::StatusOr<SubmitOutcome> outcome = waiting[r].get();
    ASSERT_THAT(outcome, IsOk());
    EXPECT_EQ(outcome->written, r % 5 != 0) << r;
    EXPECT_EQ(outcome->rejected, r % 5 == 0 ? 1u : 0u) << r;
  }
  EXPECT_EQ(ledger_->head().sequence, before + 16);
  EXPECT_THAT(committer.Enqueue({Sale("late")}), StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace aidledger::testing
