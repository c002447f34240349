// Fund flow (资金穿透): which allocations paid each disbursement.
//
// An allocation names its recipient region and perhaps a project; a
// disbursement names only its project. Which allocation paid an invoice is
// therefore a rule, not a fact in the log. The rule, the same in every view
// (trace, alerts, notices):
//
//  1. Only what the view holds counts. An allocation or disbursement that a
//     reversal within the view took back is left out, as if never made.
//  2. Disbursements are paid in the order (effective_date, sequence).
//  3. Each is paid first from the allocations that name its project; then
//     from the allocations that name no project, to its project's region,
//     then to the region above it, and so on up (the nearest first); last
//     from the allocations that name another project, in the same order of
//     regions (the ledger checks a payment against its region's balance,
//     so one project's money may pay another's bill: the trace shows
//     whose). Among the allocations of one project or region the oldest
//     first, by (effective_date, sequence). What an allocation paid is
//     spent: it is no longer there for the next disbursement.
//  4. What no allocation covers stays unmatched (the allocations behind it
//     were kept outside this ledger, or under a region not above the
//     project): shown, never guessed.
//
// So a disbursement pays from its own project's money before the region's
// general money, and old money before new: first in, first out. The result
// depends on nothing but the view's events, so every view of the same
// point agrees.
#ifndef AIDLEDGER_STATE_FUND_FLOW_H_
#define AIDLEDGER_STATE_FUND_FLOW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace aidledger {

// The money events matched: views of text their caller keeps (a view of the
// log keeps the bytes it read), for as long as these and the FundFlow are
// used.
struct FlowAllocation {
  uint64_t sequence = 0;
  absl::string_view effective_date;
  absl::string_view recipient_code;
  absl::string_view project_id;  // empty: the region's general money
  int64_t amount_fen = 0;
};

struct FlowDisbursement {
  uint64_t sequence = 0;
  absl::string_view effective_date;
  absl::string_view project_id;
  int64_t amount_fen = 0;
};

// A part of a disbursement paid by one allocation.
struct FlowMatch {
  size_t allocation = 0;  // its index in the allocations given
  int64_t amount_fen = 0;
};

struct FundFlow {
  // Where one disbursement's parts lie in `matches`.
  struct Parts {
    size_t begin = 0;
    size_t size = 0;
  };

  // The allocations that paid disbursement d (in the order given), in the
  // order they were drawn on.
  absl::Span<const FlowMatch> PaidBy(size_t d) const {
    return absl::MakeConstSpan(matches).subspan(paid_by[d].begin, paid_by[d].size);
  }

  // Every part paid, each disbursement's together: one array, not a vector
  // a disbursement (a province's ten years holds ~60,000).
  std::vector<FlowMatch> matches;
  // Per disbursement (in the order given): its parts (PaidBy), and what
  // none covered.
  std::vector<Parts> paid_by;
  std::vector<int64_t> unmatched_fen;
  // Per allocation (in the order given): what it has not paid out.
  std::vector<int64_t> unspent_fen;
};

// The regions a project's money may come from: its region first, then each
// region above it, up to the top (at most limits::kRegionDepthMax + 1).
using RegionChainOf = absl::FunctionRef<std::vector<std::string>(absl::string_view project_id)>;

// Applies the rule above. The allocations and disbursements are what the
// view holds, reversed ones left out, in any order; each sequence at most
// once. kInvalidArgument for an amount not above zero or a sequence given
// twice (a caller's bug, not a ledger's state).
absl::StatusOr<FundFlow> MatchFirstInFirstOut(absl::Span<const FlowAllocation> allocations,
                                              absl::Span<const FlowDisbursement> disbursements,
                                              RegionChainOf region_chain);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_FUND_FLOW_H_
