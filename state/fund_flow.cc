#include "state/fund_flow.h"

#include <algorithm>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

// The indices of `items`, oldest first: by (effective_date, sequence).
template <typename Item>
std::vector<size_t> OldestFirst(absl::Span<const Item> items) {
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&items](size_t a, size_t b) {
    return std::tie(items[a].effective_date, items[a].sequence) <
           std::tie(items[b].effective_date, items[b].sequence);
  });
  return order;
}

// Amounts above zero (and within one event's bound), sequences once.
template <typename Item>
absl::Status CheckItems(absl::Span<const Item> items, absl::string_view what,
                        absl::flat_hash_set<uint64_t>* sequences) {
  for (const Item& item : items) {
    if (item.amount_fen <= 0 || item.amount_fen > limits::kAmountFenMax) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", item.sequence, " moves ", item.amount_fen, " fen"));
    }
    if (!sequences->insert(item.sequence).second) {
      return absl::InvalidArgumentError(absl::StrCat("event ", item.sequence, " is given twice"));
    }
  }
  return absl::OkStatus();
}

// The allocations of one project, or the general ones of one region, oldest
// first; those before `next` are spent.
struct Queue {
  std::vector<size_t> allocations;
  size_t next = 0;
};

// Pays up to `owed` from `queue`, oldest first, recording each part in
// `paid`; what is still owed.
int64_t Draw(Queue& queue, std::vector<int64_t>& unspent, int64_t owed,
             std::vector<FlowMatch>* paid) {
  while (owed > 0 && queue.next < queue.allocations.size()) {
    const size_t allocation = queue.allocations[queue.next];
    if (unspent[allocation] == 0) {  // spent through another queue
      ++queue.next;
      continue;
    }
    const int64_t part = std::min(owed, unspent[allocation]);
    paid->push_back({allocation, part});
    unspent[allocation] -= part;
    owed -= part;
    if (unspent[allocation] == 0) ++queue.next;
  }
  return owed;
}

}  // namespace

absl::StatusOr<FundFlow> MatchFirstInFirstOut(absl::Span<const FlowAllocation> allocations,
                                              absl::Span<const FlowDisbursement> disbursements,
                                              RegionChainOf region_chain) {
  absl::flat_hash_set<uint64_t> sequences;
  RETURN_IF_ERROR(CheckItems(allocations, "allocation", &sequences));
  RETURN_IF_ERROR(CheckItems(disbursements, "disbursement", &sequences));
  FundFlow flow;
  flow.unspent_fen.reserve(allocations.size());
  for (const FlowAllocation& allocation : allocations) {
    flow.unspent_fen.push_back(allocation.amount_fen);
  }
  flow.paid_by.resize(disbursements.size());
  flow.unmatched_fen.resize(disbursements.size());
  // An allocation for a project is in two queues: its project's, and the
  // named ones of its region, from which other projects draw last.
  absl::flat_hash_map<std::string, Queue> by_project, general_by_region, named_by_region;
  for (size_t a : OldestFirst(allocations)) {
    const FlowAllocation& allocation = allocations[a];
    if (allocation.project_id.empty()) {
      general_by_region[allocation.recipient_code].allocations.push_back(a);
    } else {
      by_project[allocation.project_id].allocations.push_back(a);
      named_by_region[allocation.recipient_code].allocations.push_back(a);
    }
  }
  for (size_t d : OldestFirst(disbursements)) {
    const FlowDisbursement& disbursement = disbursements[d];
    std::vector<FlowMatch>* paid = &flow.paid_by[d];
    int64_t owed = disbursement.amount_fen;
    if (auto it = by_project.find(disbursement.project_id); it != by_project.end()) {
      owed = Draw(it->second, flow.unspent_fen, owed, paid);
    }
    if (owed > 0) {
      const std::vector<std::string> chain = region_chain(disbursement.project_id);
      const size_t depth = std::min(chain.size(), size_t{limits::kRegionDepthMax} + 1);
      for (auto* queues : {&general_by_region, &named_by_region}) {
        for (size_t i = 0; i < depth && owed > 0; ++i) {
          if (auto it = queues->find(chain[i]); it != queues->end()) {
            owed = Draw(it->second, flow.unspent_fen, owed, paid);
          }
        }
      }
    }
    flow.unmatched_fen[d] = owed;
  }
  return flow;
}

}  // namespace aidledger
