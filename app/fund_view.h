// The money events a view of the log holds, for the fund-flow trace and the
// early warnings: allocations, disbursements and investments with the
// fields an auditor follows (文号, payee, contract, evidence), those a
// reversal in the view took back left out, and the events that prove each
// region and project.
#ifndef AIDLEDGER_APP_FUND_VIEW_H_
#define AIDLEDGER_APP_FUND_VIEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "app/queries.h"
#include "base/sha256.h"
#include "ledger/ledger.h"
#include "state/books.h"
#include "state/fund_flow.h"

namespace aidledger::app {

// The event behind a node.
struct Source {
  uint64_t sequence = 0;
  Hash hash{};
  std::string event_id;
  std::string date;
};

struct Allocation {
  Source source;
  std::string helper_code;
  std::string document_number;
  int evidence_files = 0;
};

struct Payment {  // a disbursement or an investment
  Source source;
  std::string name;  // the payee or the enterprise
  std::string contract_number;
  int evidence_files = 0;
};

// The view's money events, reversed ones left out, and the registrations
// that regions and projects are proven by.
struct ViewEvents {
  std::vector<Allocation> allocations;
  std::vector<FlowAllocation> flow_allocations;  // beside `allocations`
  std::vector<Payment> disbursements;
  std::vector<FlowDisbursement> flow_disbursements;  // beside `disbursements`
  std::vector<Payment> investments;
  std::vector<std::string> investment_projects;  // beside `investments`
  absl::flat_hash_map<std::string, Source> regions, projects;
  // The stage event that marked each project accepted (验收).
  absl::flat_hash_map<std::string, Source> accepted;
};

// Reads events 1..sequence whose effective date is on or before `as_of`
// (empty: all), checking each record as every read does and decoding it as
// the folds do (state/fold_event.h: only the fields kept here; kDataLoss
// when one is damaged).
absl::StatusOr<ViewEvents> ReadView(const Ledger& ledger, uint64_t sequence,
                                    const std::string& as_of);

// The regions a project's money may come from in `books`: its region, then
// each region above it.
std::vector<std::string> ChainOf(const Books& books, const std::string& project_id);

// A point's Books (regions and projects), the money events it holds and
// their matching by state/fund_flow.h's rule: what the trace and the alerts
// both start from.
struct MatchedPoint {
  FoldedPoint folded;
  ViewEvents view;
  FundFlow flow;
};
absl::StatusOr<MatchedPoint> MatchAtPoint(const Ledger& ledger, PointOptions point,
                                          const PointParameterNames& names);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_FUND_VIEW_H_
