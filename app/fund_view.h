// The money events a view of the log holds, for the fund-flow trace and the
// early warnings: allocations, disbursements and investments with the
// fields an auditor follows (文号, payee, contract, evidence), those a
// reversal in the view took back left out, and the events that prove each
// region and project.
#ifndef AIDLEDGER_APP_FUND_VIEW_H_
#define AIDLEDGER_APP_FUND_VIEW_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "app/queries.h"
#include "base/sha256.h"
#include "ledger/ledger.h"
#include "state/books.h"
#include "state/fund_flow.h"
#include "state/fund_view_entry.h"

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

// The part of the log's money a view keeps: that of some top-level regions
// (provinces). A payment draws only on allocations to its project's region
// or a region above it, or that name its project (state/fund_flow.h), and
// validation admits an allocation naming a project only when the project
// lies within its recipient: so the matching of one province's payments
// draws only on that province's allocations, and a view of some provinces
// matches them exactly as the whole view does. Unless an allocation ties
// two provinces (a region moved under another province after money named
// it, or a project no longer registered): IsClosed says so, and the caller
// reads the whole view instead.
struct ViewScope {
  absl::flat_hash_set<std::string> provinces;
  absl::flat_hash_set<std::string> regions;   // every region in the provinces
  absl::flat_hash_set<std::string> projects;  // every project of those regions
};

// The scope of `provinces` in `books`.
ViewScope ScopeOf(const Books& books, const absl::flat_hash_set<std::string>& provinces);

// Whether every allocation of `view`, read within `scope`, lies wholly in
// it: its recipient and the project it names.
bool IsClosed(const ViewEvents& view, const ViewScope& scope);

// Reads events 1..sequence whose effective date is on or before `as_of`
// (empty: all), checking each record as every read does and decoding it as
// the folds do (state/fold_event.h: only the fields kept here; kDataLoss
// when one is damaged), the records read ahead on a second thread
// (Ledger::WalkRecords). With a `scope`, only its money: allocations to its
// regions or naming its projects, payments of its projects. With `books`
// (the regions and projects at the point read), the events up to the
// newest snapshot come from the fund view kept there where it can be
// trusted (Ledger::ReadStoredFundView), and only the log after it is read.
absl::StatusOr<ViewEvents> ReadView(const Ledger& ledger, uint64_t sequence,
                                    const std::string& as_of, const ViewScope* scope = nullptr,
                                    const Books* books = nullptr);

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
// The provinces whose money a query needs, from its point's Books; nullopt:
// all of them.
using ProvincesOf =
    std::function<std::optional<absl::flat_hash_set<std::string>>(const Books& books)>;
// `more` names projections folded beside regions and projects (those
// `provinces_of` reads); without `provinces_of`, the whole view.
absl::StatusOr<MatchedPoint> MatchAtPoint(const Ledger& ledger, PointOptions point,
                                          const PointParameterNames& names,
                                          Books::Set more = 0,
                                          const ProvincesOf& provinces_of = nullptr);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_FUND_VIEW_H_
