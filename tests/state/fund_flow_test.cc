// The first-in-first-out rule of state/fund_flow.h: hand-computed cases,
// and a seeded property test of its invariants over random flows.
#include "state/fund_flow.h"

#include <algorithm>
#include <deque>
#include <map>
#include <random>

#include "absl/strings/str_cat.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;

// 安定区 621102 lies in 定西市 621100, in 甘肃省 620000; project P in
// 安定区, Q in 桑珠孜区 540202 (under nothing here that has money).
std::vector<std::string> ChainOf(absl::string_view project_id) {
  if (project_id == "P") return {"621102", "621100", "620000"};
  return {"540202"};
}

struct Expected {
  std::vector<std::pair<size_t, int64_t>> paid_by;
  int64_t unmatched_fen;
};

std::vector<std::pair<size_t, int64_t>> Parts(absl::Span<const FlowMatch> matches) {
  std::vector<std::pair<size_t, int64_t>> parts;
  for (const FlowMatch& match : matches) parts.emplace_back(match.allocation, match.amount_fen);
  return parts;
}

TEST(FundFlowTest, APaymentDrawsOnItsProjectThenTheRegionsUpwardThenOtherProjectsOldestFirst) {
  const std::vector<FlowAllocation> allocations = {
      {10, "2021-03-01", "621102", "P", 100},  // 0: P's, newer by date
      {20, "2021-01-01", "621102", "P", 50},   // 1: P's, older by date though later in the log
      {5, "2021-02-01", "621100", "", 200},    // 2: 定西's general money
      {6, "2021-01-15", "621102", "", 30},     // 3: 安定's general money
      {7, "2021-01-01", "370200", "", 999},    // 4: not above P: never drawn on
      {8, "2021-01-01", "621100", "Q", 25},    // 5: Q's, drawn on last by P
  };
  // Given out of order: the rule orders them by (effective_date, sequence).
  const std::vector<FlowDisbursement> disbursements = {
      {32, "2021-05-01", "P", 200},  // 0: 定西's 160 left, then Q's 25, 15 unmatched
      {30, "2021-04-01", "P", 120},  // 1: P's older 50, then 70 of the newer
      {33, "2021-05-01", "Q", 10},   // 2: P took Q's money; nothing above Q has any
      {31, "2021-04-02", "P", 100},  // 3: P's last 30, 安定's 30, 定西's 40
  };
  absl::StatusOr<FundFlow> flow = MatchFirstInFirstOut(allocations, disbursements, ChainOf);
  ASSERT_THAT(flow, IsOk());
  const Expected expected[] = {
      {{{2, 160}, {5, 25}}, 15},
      {{{1, 50}, {0, 70}}, 0},
      {{}, 10},
      {{{0, 30}, {3, 30}, {2, 40}}, 0},
  };
  for (size_t d = 0; d < disbursements.size(); ++d) {
    EXPECT_EQ(Parts(flow->PaidBy(d)), expected[d].paid_by) << "disbursement " << d;
    EXPECT_EQ(flow->unmatched_fen[d], expected[d].unmatched_fen) << "disbursement " << d;
  }
  EXPECT_EQ(flow->unspent_fen, (std::vector<int64_t>{0, 0, 0, 0, 999, 0}));
}

TEST(FundFlowTest, APartialPaymentLeavesTheRestOfTheAllocationForTheNext) {
  const std::vector<FlowAllocation> allocations = {{1, "2022-01-01", "621102", "P", 1000}};
  const std::vector<FlowDisbursement> disbursements = {
      {2, "2022-02-01", "P", 300}, {3, "2022-02-01", "P", 300}, {4, "2022-03-01", "P", 300}};
  absl::StatusOr<FundFlow> flow = MatchFirstInFirstOut(allocations, disbursements, ChainOf);
  ASSERT_THAT(flow, IsOk());
  for (size_t d = 0; d < 3; ++d) {
    EXPECT_EQ(Parts(flow->PaidBy(d)), (std::vector<std::pair<size_t, int64_t>>{{0, 300}}));
  }
  EXPECT_EQ(flow->unspent_fen, (std::vector<int64_t>{100}));
}

TEST(FundFlowTest, ACallersBadInputIsRefused) {
  const std::vector<FlowAllocation> zero = {{1, "2022-01-01", "621102", "P", 0}};
  EXPECT_EQ(MatchFirstInFirstOut(zero, {}, ChainOf).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<FlowAllocation> one = {{1, "2022-01-01", "621102", "P", 5}};
  const std::vector<FlowDisbursement> same_sequence = {{1, "2022-01-02", "P", 5}};
  EXPECT_EQ(MatchFirstInFirstOut(one, same_sequence, ChainOf).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A sequence twice in one list, and across lists out of log order.
  const std::vector<FlowAllocation> twice = {{1, "2022-01-01", "621102", "P", 5},
                                             {1, "2022-01-02", "621102", "P", 5}};
  EXPECT_EQ(MatchFirstInFirstOut(twice, {}, ChainOf).status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::vector<FlowAllocation> unordered = {{3, "2022-01-01", "621102", "P", 5},
                                                 {2, "2022-01-01", "621102", "P", 5}};
  const std::vector<FlowDisbursement> third = {{3, "2022-01-02", "P", 5}};
  EXPECT_EQ(MatchFirstInFirstOut(unordered, third, ChainOf).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MatchFirstInFirstOut(unordered, {{4, "2022-01-02", "P", 5}}, ChainOf), IsOk());
}

// Dates written YYYY-MM-DD are sorted as numbers, any others as text: the
// same flows with every date lengthened (which keeps their text order)
// match the same way, and the chain of each project is asked once.
TEST(FundFlowTest, DatesOrderAlikeAsNumbersAndAsText) {
  const uint64_t seed = 20261206;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  for (int round = 0; round < 100; ++round) {
    std::vector<FlowAllocation> allocations;
    std::vector<FlowDisbursement> disbursements;
    std::deque<std::string> dates;  // what the events' views are of
    for (uint64_t sequence = 1; sequence <= 60; ++sequence) {
      const std::string& date = dates.emplace_back(
          "20" + std::to_string(10 + random() % 15) + "-0" + std::to_string(1 + random() % 9) + "-1" +
          std::to_string(random() % 10));
      const int64_t amount = 1 + static_cast<int64_t>(random() % 1000);
      if (random() % 2 == 0) {
        allocations.push_back({sequence, date, "621102", random() % 2 == 0 ? "P" : "", amount});
      } else {
        disbursements.push_back({sequence, date, random() % 3 == 0 ? "Q" : "P", amount});
      }
    }
    std::map<std::string, int> asked;
    const auto counted = [&asked](absl::string_view project_id) {
      ++asked[std::string(project_id)];
      return ChainOf(project_id);
    };
    absl::StatusOr<FundFlow> numbers = MatchFirstInFirstOut(allocations, disbursements, counted);
    ASSERT_THAT(numbers, IsOk());
    for (const auto& [project, times] : asked) EXPECT_EQ(times, 1) << project;
    for (FlowAllocation& allocation : allocations) {
      allocation.effective_date = dates.emplace_back(absl::StrCat(allocation.effective_date, "~"));
    }
    for (FlowDisbursement& disbursement : disbursements) {
      disbursement.effective_date =
          dates.emplace_back(absl::StrCat(disbursement.effective_date, "~"));
    }
    absl::StatusOr<FundFlow> text = MatchFirstInFirstOut(allocations, disbursements, ChainOf);
    ASSERT_THAT(text, IsOk());
    ASSERT_EQ(numbers->unspent_fen, text->unspent_fen) << "round " << round;
    ASSERT_EQ(numbers->unmatched_fen, text->unmatched_fen) << "round " << round;
    for (size_t d = 0; d < disbursements.size(); ++d) {
      ASSERT_EQ(Parts(numbers->PaidBy(d)), Parts(text->PaidBy(d))) << "round " << round;
    }
  }
}

// Over random flows: every fen of a disbursement is paid or unmatched, no
// allocation pays more than it holds, the result does not depend on the
// order the inputs come in, and a disbursement left partly unmatched found
// every allocation it could draw on spent (none skipped).
TEST(FundFlowTest, RandomFlowsKeepEveryFenAndSkipNoAllocation) {
  const uint64_t seed = 20261203;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  const std::vector<std::string> projects = {"P", "Q"};
  const std::vector<std::string> regions = {"621102", "621100", "620000", "540202", "370200"};
  for (int round = 0; round < 200; ++round) {
    std::vector<FlowAllocation> allocations;
    std::vector<FlowDisbursement> disbursements;
    uint64_t sequence = 0;
    std::deque<std::string> dates;  // what the events' views are of
    const int events = 1 + static_cast<int>(random() % 40);
    for (int i = 0; i < events; ++i) {
      const std::string& date =
          dates.emplace_back("2022-0" + std::to_string(1 + random() % 9) + "-01");
      const int64_t amount = 1 + static_cast<int64_t>(random() % 1000);
      if (random() % 2 == 0) {
        const bool for_project = random() % 2 == 0;
        allocations.push_back({++sequence, date, regions[random() % regions.size()],
                               for_project ? absl::string_view(projects[random() % 2]) : "",
                               amount});
      } else {
        disbursements.push_back({++sequence, date, projects[random() % 2], amount});
      }
    }
    absl::StatusOr<FundFlow> flow = MatchFirstInFirstOut(allocations, disbursements, ChainOf);
    ASSERT_THAT(flow, IsOk());
    std::vector<int64_t> drawn(allocations.size(), 0);
    for (size_t d = 0; d < disbursements.size(); ++d) {
      int64_t paid = flow->unmatched_fen[d];
      for (const FlowMatch& match : flow->PaidBy(d)) {
        EXPECT_GT(match.amount_fen, 0);
        paid += match.amount_fen;
        drawn[match.allocation] += match.amount_fen;
      }
      ASSERT_EQ(paid, disbursements[d].amount_fen) << "round " << round;
    }
    for (size_t a = 0; a < allocations.size(); ++a) {
      ASSERT_EQ(drawn[a] + flow->unspent_fen[a], allocations[a].amount_fen) << "round " << round;
      ASSERT_GE(flow->unspent_fen[a], 0);
    }
    // Unmatched money means nothing it could draw on was left.
    for (size_t d = 0; d < disbursements.size(); ++d) {
      if (flow->unmatched_fen[d] == 0) continue;
      const std::vector<std::string> chain = ChainOf(disbursements[d].project_id);
      for (size_t a = 0; a < allocations.size(); ++a) {
        const FlowAllocation& allocation = allocations[a];
        const bool reachable =
            allocation.project_id == disbursements[d].project_id ||
            std::find(chain.begin(), chain.end(), allocation.recipient_code) != chain.end();
        if (reachable) {
          EXPECT_EQ(flow->unspent_fen[a], 0) << "round " << round;
        }
      }
    }
    // The same flows given in reverse order match the same way.
    std::vector<FlowAllocation> reversed_allocations(allocations.rbegin(), allocations.rend());
    std::vector<FlowDisbursement> reversed_disbursements(disbursements.rbegin(),
                                                         disbursements.rend());
    absl::StatusOr<FundFlow> again =
        MatchFirstInFirstOut(reversed_allocations, reversed_disbursements, ChainOf);
    ASSERT_THAT(again, IsOk());
    const size_t na = allocations.size(), nd = disbursements.size();
    for (size_t d = 0; d < nd; ++d) {
      std::map<uint64_t, int64_t> first, second;
      for (const FlowMatch& m : flow->PaidBy(d)) first[allocations[m.allocation].sequence] += m.amount_fen;
      for (const FlowMatch& m : again->PaidBy(nd - 1 - d)) {
        second[reversed_allocations[m.allocation].sequence] += m.amount_fen;
      }
      ASSERT_EQ(first, second) << "round " << round;
    }
    for (size_t a = 0; a < na; ++a) {
      ASSERT_EQ(flow->unspent_fen[a], again->unspent_fen[na - 1 - a]) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace aidledger
