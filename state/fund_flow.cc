#include "state/fund_flow.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <utility>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

// A date written YYYY-MM-DD as the number YYYYMMDD, which orders as the
// text does; nullopt for any other text.
std::optional<uint32_t> DateNumber(absl::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  uint32_t number = 0;
  for (const size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
    number = 10 * number + static_cast<uint32_t>(date[i] - '0');
  }
  return number;
}

// The indices of `items`, oldest first: by (effective_date, sequence). The
// dates compared as numbers when every one is YYYY-MM-DD (as the ledger
// writes them), as text otherwise: a view of a province's ten years sorts
// ~140,000 payments, each compared ~17 times.
template <typename Item>
std::vector<size_t> OldestFirst(absl::Span<const Item> items) {
  // The keys sorted with their indices, not the indices by looking the
  // keys up: each comparison reads two neighbours rather than two places
  // anywhere in ~1 MB.
  struct Keyed {
    uint32_t date;
    uint64_t sequence;
    size_t index;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const std::optional<uint32_t> date = DateNumber(items[i].effective_date);
    if (!date.has_value()) break;
    keyed.push_back({*date, items[i].sequence, i});
  }
  std::vector<size_t> order(items.size());
  if (keyed.size() == items.size()) {
    std::sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
      return std::tie(a.date, a.sequence) < std::tie(b.date, b.sequence);
    });
    for (size_t i = 0; i < keyed.size(); ++i) order[i] = keyed[i].index;
    return order;
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&items](size_t a, size_t b) {
    return std::tie(items[a].effective_date, items[a].sequence) <
           std::tie(items[b].effective_date, items[b].sequence);
  });
  return order;
}

// Amounts above zero (and within one event's bound).
template <typename Item>
absl::Status CheckAmounts(absl::Span<const Item> items, absl::string_view what) {
  for (const Item& item : items) {
    if (item.amount_fen <= 0 || item.amount_fen > limits::kAmountFenMax) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, " ", item.sequence, " moves ", item.amount_fen, " fen"));
    }
  }
  return absl::OkStatus();
}

absl::Status GivenTwice(uint64_t sequence) {
  return absl::InvalidArgumentError(absl::StrCat("event ", sequence, " is given twice"));
}

template <typename Item>
bool RiseStrictly(absl::Span<const Item> items) {
  for (size_t i = 1; i < items.size(); ++i) {
    if (items[i].sequence <= items[i - 1].sequence) return false;
  }
  return true;
}

// Each sequence once among the allocations and disbursements: by walking
// the two in step when each is in log order (as a view gives them), by a
// set otherwise.
absl::Status CheckSequencesOnce(absl::Span<const FlowAllocation> allocations,
                                absl::Span<const FlowDisbursement> disbursements) {
  if (RiseStrictly(allocations) && RiseStrictly(disbursements)) {
    for (size_t a = 0, d = 0; a < allocations.size() && d < disbursements.size();) {
      const uint64_t allocation = allocations[a].sequence, disbursement = disbursements[d].sequence;
      if (allocation == disbursement) return GivenTwice(allocation);
      if (allocation < disbursement) {
        ++a;
      } else {
        ++d;
      }
    }
    return absl::OkStatus();
  }
  absl::flat_hash_set<uint64_t> sequences;
  for (const FlowAllocation& allocation : allocations) {
    if (!sequences.insert(allocation.sequence).second) return GivenTwice(allocation.sequence);
  }
  for (const FlowDisbursement& disbursement : disbursements) {
    if (!sequences.insert(disbursement.sequence).second) return GivenTwice(disbursement.sequence);
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
  RETURN_IF_ERROR(CheckAmounts(allocations, "allocation"));
  RETURN_IF_ERROR(CheckAmounts(disbursements, "disbursement"));
  RETURN_IF_ERROR(CheckSequencesOnce(allocations, disbursements));
  FundFlow flow;
  flow.unspent_fen.reserve(allocations.size());
  for (const FlowAllocation& allocation : allocations) {
    flow.unspent_fen.push_back(allocation.amount_fen);
  }
  // Each part either spends an allocation or settles a disbursement.
  flow.matches.reserve(allocations.size() + disbursements.size());
  flow.paid_by.resize(disbursements.size());
  flow.unmatched_fen.resize(disbursements.size());
  // An allocation for a project is in two queues: its project's, and the
  // named ones of its region, from which other projects draw last.
  absl::flat_hash_map<absl::string_view, Queue> by_project, general_by_region, named_by_region;
  for (size_t a : OldestFirst(allocations)) {
    const FlowAllocation& allocation = allocations[a];
    if (allocation.project_id.empty()) {
      general_by_region[allocation.recipient_code].allocations.push_back(a);
    } else {
      by_project[allocation.project_id].allocations.push_back(a);
      named_by_region[allocation.recipient_code].allocations.push_back(a);
    }
  }
  // Each project's chain of regions, asked of `region_chain` once.
  absl::flat_hash_map<absl::string_view, std::vector<std::string>> chains;
  for (size_t d : OldestFirst(disbursements)) {
    const FlowDisbursement& disbursement = disbursements[d];
    std::vector<FlowMatch>* paid = &flow.matches;
    const size_t first_part = paid->size();
    int64_t owed = disbursement.amount_fen;
    if (auto it = by_project.find(disbursement.project_id); it != by_project.end()) {
      owed = Draw(it->second, flow.unspent_fen, owed, paid);
    }
    if (owed > 0) {
      auto [known, added] = chains.try_emplace(disbursement.project_id);
      if (added) known->second = region_chain(disbursement.project_id);
      const std::vector<std::string>& chain = known->second;
      const size_t depth = std::min(chain.size(), size_t{limits::kRegionDepthMax} + 1);
      for (auto* queues : {&general_by_region, &named_by_region}) {
        for (size_t i = 0; i < depth && owed > 0; ++i) {
          if (auto it = queues->find(chain[i]); it != queues->end()) {
            owed = Draw(it->second, flow.unspent_fen, owed, paid);
          }
        }
      }
    }
    flow.paid_by[d] = {first_part, paid->size() - first_part};
    flow.unmatched_fen[d] = owed;
  }
  return flow;
}

}  // namespace aidledger
