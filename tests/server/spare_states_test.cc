// The committer's spare states (server/spare_states.h): which spare a
// commit takes while readers hold others, and that every spare is given
// exactly the events it lacks, in order.
#include "server/spare_states.h"

#include <chrono>
#include <memory>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace aidledger::app::serving {
namespace {

using State = std::vector<int>;  // the events applied, in order
using Spares = SpareStates<State, int>;

constexpr std::chrono::microseconds kNoWait{0};

// What the committer does: take a free spare, apply what it lacks and the
// commit's events, publish it; the published state becomes a spare. A
// copy of the log when none is free. Returns the state published.
std::shared_ptr<State> Commit(Spares& spares, std::shared_ptr<State>& published,
                              const std::vector<int>& log, const std::vector<int>& events,
                              int* copies) {
  Spares::Spare spare = spares.TakeFree();
  if (spare.state == nullptr) {
    ++*copies;
    spare.state = std::make_shared<State>(log);
  } else {
    spare.state->insert(spare.state->end(), spare.lag.begin(), spare.lag.end());
    spare.state->insert(spare.state->end(), events.begin(), events.end());
  }
  std::shared_ptr<State> previous = std::exchange(published, spare.state);
  spares.Replaced(std::move(previous), events);
  return published;
}

TEST(SpareStates, EveryPublishedStateIsTheLogWhileReadersHoldSomeOfThem) {
  Spares spares(2, 1'000, kNoWait);
  std::vector<int> log;
  auto published = std::make_shared<State>();
  spares.Add(std::make_shared<State>());
  int copies = 0;
  std::vector<std::shared_ptr<State>> held;  // readers' references
  for (int commit = 0; commit < 200; ++commit) {
    std::vector<int> events(1 + commit % 3);
    std::iota(events.begin(), events.end(), static_cast<int>(log.size()));
    log.insert(log.end(), events.begin(), events.end());
    // A reader takes the state just published and keeps it for a while:
    // at some commits the newest spare is held, at others both.
    if (commit % 4 == 1) held.push_back(published);
    if (commit % 4 == 3 && !held.empty()) held.erase(held.begin());
    if (commit % 16 == 15) held.clear();
    std::shared_ptr<State> now = Commit(spares, published, log, events, &copies);
    ASSERT_EQ(*now, log) << "commit " << commit;
  }
  // Readers forced a copy now and then, far from once a commit.
  EXPECT_GT(copies, 0);
  EXPECT_LT(copies, 200 / 4);
}

TEST(SpareStates, TheNewestFreeSpareIsTakenAndAnOlderOneWhenTheNewestIsHeld) {
  Spares spares(2, 1'000, kNoWait);
  auto older = std::make_shared<State>(State{1});
  auto newer = std::make_shared<State>(State{1, 2});
  spares.Add(older);
  spares.Replaced(newer, {3});  // older now lacks 3 as well
  older.reset();
  std::shared_ptr<State> reader = newer;  // a reader holds the newest
  newer.reset();
  Spares::Spare taken = spares.TakeFree();
  ASSERT_NE(taken.state, nullptr);
  EXPECT_EQ(*taken.state, State({1}));
  EXPECT_EQ(taken.lag, std::vector<int>({3}));
  EXPECT_EQ(spares.TakeFree().state, nullptr) << "the held one is never handed out";
  reader.reset();
  taken = spares.TakeFree();
  ASSERT_NE(taken.state, nullptr);
  EXPECT_EQ(*taken.state, State({1, 2}));
  EXPECT_EQ(taken.lag, std::vector<int>({3}));
  EXPECT_EQ(spares.size(), 0u);
}

TEST(SpareStates, SparesAreBoundedInNumberAndLag) {
  Spares spares(2, 4, kNoWait);
  for (int i = 0; i < 5; ++i) spares.Replaced(std::make_shared<State>(), {i});
  EXPECT_EQ(spares.size(), 2u);  // the oldest dropped
  spares.Replaced(std::make_shared<State>(), {5, 6, 7});
  // Lags were 2 and 1 (kept two), then 5 and 4 and 3: the one 5 behind goes.
  EXPECT_EQ(spares.size(), 2u);
  Spares::Spare first = spares.TakeFree();
  EXPECT_EQ(first.lag, std::vector<int>({5, 6, 7}));
  Spares::Spare second = spares.TakeFree();
  EXPECT_EQ(second.lag, std::vector<int>({4, 5, 6, 7}));
  spares.Replaced(std::make_shared<State>(), {8});
  spares.Clear();
  EXPECT_EQ(spares.size(), 0u);
}

TEST(SpareStates, ATakerWaitsForAHeldSpareAtMostItsBound) {
  Spares spares(2, 1'000, std::chrono::milliseconds(5));
  auto state = std::make_shared<State>();
  spares.Add(state);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(spares.TakeFree().state, nullptr);  // `state` is still held here
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(5));
  state.reset();
  EXPECT_NE(spares.TakeFree().state, nullptr);
}

}  // namespace
}  // namespace aidledger::app::serving
