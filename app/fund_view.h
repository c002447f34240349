// The money events a view of the log holds, for the fund-flow trace and the
// early warnings: allocations, disbursements and investments with the
// fields an auditor follows (文号, payee, contract, evidence), those a
// reversal in the view took back left out, and the events that prove each
// region and project.
#ifndef AIDLEDGER_APP_FUND_VIEW_H_
#define AIDLEDGER_APP_FUND_VIEW_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "app/queries.h"
#include "base/sha256.h"
#include "ledger/ledger.h"
#include "state/books.h"
#include "state/fund_flow.h"
#include "state/fund_view_entry.h"

namespace aidledger::app {

// Text copied once and kept where it is: a view's strings, copied from the
// records and parts read (let go once read), each event's side by side.
// Blocks of kBlockBytes, a longer text a block of its own; moving the
// arena moves no text. Against a std::string a field (ViewEvents held ~10
// an event): no allocation for a long one, records a third smaller to move
// as their vectors grow, and one free a block.
class StringArena {
 public:
  static constexpr size_t kBlockBytes = size_t{64} << 10;

  StringArena() = default;
  StringArena(StringArena&&) = default;
  StringArena& operator=(StringArena&&) = default;

  // A copy of `text`, kept as long as the arena.
  absl::string_view Copy(absl::string_view text);

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* free_ = nullptr;  // the rest of the newest block
  size_t left_ = 0;
};

// The event behind a node. Its text, as all of a ViewEvents', is a view of
// the ViewEvents' StringArena.
struct Source {
  uint64_t sequence = 0;
  Hash hash{};
  absl::string_view event_id;
  absl::string_view date;
};

struct Allocation {
  Source source;
  absl::string_view helper_code;
  absl::string_view document_number;
  int evidence_files = 0;
};

struct Payment {  // a disbursement or an investment
  Source source;
  absl::string_view name;  // the payee or the enterprise
  absl::string_view contract_number;
  int evidence_files = 0;
};

// The view's money events, reversed ones left out, and the registrations
// that regions and projects are proven by. Their text is views of `text`:
// the ViewEvents moves but is never copied, which would leave the copy's
// views on the original's text.
struct ViewEvents {
  ViewEvents() = default;
  ViewEvents(ViewEvents&&) = default;
  ViewEvents& operator=(ViewEvents&&) = default;

  std::vector<Allocation> allocations;
  std::vector<FlowAllocation> flow_allocations;  // beside `allocations`
  std::vector<Payment> disbursements;
  std::vector<FlowDisbursement> flow_disbursements;  // beside `disbursements`
  std::vector<Payment> investments;
  std::vector<absl::string_view> investment_projects;  // beside `investments`
  absl::flat_hash_map<std::string, Source> regions, projects;
  // The stage event that marked each project accepted (验收).
  absl::flat_hash_map<std::string, Source> accepted;

  StringArena text;  // what the views above are of
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
std::vector<std::string> ChainOf(const Books& books, absl::string_view project_id);

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
