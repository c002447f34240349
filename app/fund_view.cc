#include "app/fund_view.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <queue>

#include "absl/container/flat_hash_set.h"
#include "aidledger/v1/storage.pb.h"
#include "base/large_buffers.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "state/fold_event.h"
#include "state/projection.h"

namespace aidledger::app {
namespace {

Source SourceOf(uint64_t sequence, const Hash& hash, const FoldEvent& e, StringArena* text) {
  return {sequence, hash, text->Copy(e.event_id), text->Copy(e.effective_date)};
}

// Whether a money event `e` is in `scope` (null: everything is).
bool InScope(const FoldEvent& e, const ViewScope* scope) {
  if (scope == nullptr) return true;
  if (e.payload == v1::Event::kFundsAllocated && scope->regions.contains(e.recipient_code)) {
    return true;
  }
  return !e.project_id.empty() && scope->projects.contains(e.project_id);
}

// Adds one stored event of the view to `view`, its text copied into
// view->text: the event's strings side by side, as the trace reads them.
void Collect(uint64_t sequence, const Hash& hash, const FoldEvent& e, const ViewScope* scope,
             ViewEvents* view) {
  StringArena* text = &view->text;
  if (IsMoneyEvent(e.payload) && !InScope(e, scope)) return;
  const int evidence_files = static_cast<int>(e.evidence_count);
  switch (e.payload) {
    case v1::Event::kRegionRegistered:
      view->regions.try_emplace(e.code, SourceOf(sequence, hash, e, text));
      break;
    case v1::Event::kProjectRegistered:
      // A scope's money names only its projects (the regions stay: a
      // helper's is outside the scope it gave).
      if (scope != nullptr && !scope->projects.contains(e.project_id)) break;
      view->projects.try_emplace(e.project_id, SourceOf(sequence, hash, e, text));
      break;
    case v1::Event::kProjectStageChanged:
      if (e.stage_value() == v1::ACCEPTED) {
        view->accepted.try_emplace(e.project_id, SourceOf(sequence, hash, e, text));
      }
      break;
    case v1::Event::kFundsAllocated:
      ReserveLarge(&view->allocations);  // vectors of megabytes: base/large_buffers.h
      ReserveLarge(&view->flow_allocations);
      view->allocations.push_back({SourceOf(sequence, hash, e, text), text->Copy(e.helper_code),
                                   text->Copy(e.document_number), evidence_files});
      view->flow_allocations.push_back({sequence, view->allocations.back().source.date,
                                        text->Copy(e.recipient_code), text->Copy(e.project_id),
                                        e.amount_fen});
      break;
    case v1::Event::kFundsDisbursed:
      ReserveLarge(&view->disbursements);
      ReserveLarge(&view->flow_disbursements);
      view->disbursements.push_back({SourceOf(sequence, hash, e, text), text->Copy(e.payee),
                                     text->Copy(e.contract_number), evidence_files});
      view->flow_disbursements.push_back({sequence, view->disbursements.back().source.date,
                                          text->Copy(e.project_id), e.amount_fen});
      break;
    case v1::Event::kInvestmentRecorded:
      if (e.project_id.empty()) break;  // a trace follows money into projects
      view->investments.push_back({SourceOf(sequence, hash, e, text), text->Copy(e.enterprise), "",
                                   evidence_files});
      view->investment_projects.push_back(text->Copy(e.project_id));
      break;
    default:
      break;
  }
}

// Leaves out what a reversal in the view took back.
template <typename Item, typename Beside>
void DropReversed(const absl::flat_hash_set<uint64_t>& reversed, std::vector<Item>* items,
                  std::vector<Beside>* beside) {
  size_t kept = 0;
  for (size_t i = 0; i < items->size(); ++i) {
    if (reversed.contains((*items)[i].source.sequence)) continue;
    if (kept != i) {  // a string moved onto itself is left empty
      (*items)[kept] = std::move((*items)[i]);
      (*beside)[kept] = std::move((*beside)[i]);
    }
    ++kept;
  }
  items->resize(kept);
  beside->resize(kept);
}

// Calls visit(code, region) for `code`, then for each region above it up to
// its province: at most limits::kRegionDepthMax + 1 calls. `region` is null
// for a code `books` does not hold, and the walk stops there.
template <typename Visit>
void WalkRegionChain(const Books& books, const std::string& code, Visit visit) {
  const std::string* next = &code;
  for (int depth = 0; !next->empty() && depth <= limits::kRegionDepthMax; ++depth) {
    const v1::RegionEntry* region = books.regions.FindRegion(*next);
    visit(*next, region);
    if (region == nullptr) return;
    next = &region->parent_code();
  }
}

}  // namespace

absl::string_view StringArena::Copy(absl::string_view text) {
  if (text.empty()) return {};
  if (text.size() > left_) {
    const size_t bytes = std::max(text.size(), kBlockBytes);
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(bytes));
    free_ = blocks_.back().get();
    left_ = bytes;
  }
  char* copy = free_;
  std::memcpy(copy, text.data(), text.size());
  free_ += text.size();
  left_ -= text.size();
  return {copy, text.size()};
}

ViewScope ScopeOf(const Books& books, const absl::flat_hash_set<std::string>& provinces) {
  ViewScope scope{.provinces = provinces};
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    if (provinces.contains(ProvinceOf(books, region.code()))) scope.regions.insert(region.code());
  }
  for (const v1::ProjectEntry& project : books.projects.state().projects()) {
    if (scope.regions.contains(project.region_code())) scope.projects.insert(project.project_id());
  }
  return scope;
}

bool IsClosed(const ViewEvents& view, const ViewScope& scope) {
  for (const FlowAllocation& allocation : view.flow_allocations) {
    if (!scope.regions.contains(allocation.recipient_code)) return false;
    if (!allocation.project_id.empty() && !scope.projects.contains(allocation.project_id)) {
      return false;
    }
  }
  return true;
}

namespace {

// Calls take(sequence, hash, entry) for the entries of the stored parts
// `parts` (each a serialized v1::FundViewPart in log order) in log order,
// each once (an allocation may be filed under two provinces): a merge of
// the parts, one cursor a part (the store bounds how many parts it gives).
template <typename Take>
absl::Status MergeParts(const std::vector<std::string>& parts, Take take) {
  struct Cursor {
    explicit Cursor(absl::string_view part) : reader(part) {}
    FundViewPartReader reader;
    const FoldEvent* entry = nullptr;  // the reader's current one
    Hash hash{};
  };
  std::deque<Cursor> cursors;  // the readers neither move nor copy
  const auto later = [](const Cursor* a, const Cursor* b) {
    return a->entry->sequence > b->entry->sequence;
  };
  std::priority_queue<Cursor*, std::vector<Cursor*>, decltype(later)> next(later);
  for (const std::string& part : parts) {
    Cursor& cursor = cursors.emplace_back(part);
    ASSIGN_OR_RETURN(cursor.entry, cursor.reader.Next(&cursor.hash));
    if (cursor.entry != nullptr) next.push(&cursor);
  }
  std::optional<uint64_t> last;  // the sequence taken last
  while (!next.empty()) {
    Cursor* cursor = next.top();
    next.pop();
    const uint64_t sequence = cursor->entry->sequence;
    if (last.has_value() && sequence < *last) {
      return absl::DataLossError("a part of the fund view stored at a snapshot is out of log order");
    }
    if (sequence != last) take(sequence, cursor->hash, *cursor->entry);
    last = sequence;
    ASSIGN_OR_RETURN(cursor->entry, cursor->reader.Next(&cursor->hash));
    if (cursor->entry != nullptr) next.push(cursor);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ViewEvents> ReadView(const Ledger& ledger, uint64_t sequence,
                                    const std::string& as_of, const ViewScope* scope,
                                    const Books* books) {
  ViewEvents view;
  absl::flat_hash_set<uint64_t> reversed;
  const auto take = [&](uint64_t at, const Hash& hash, const FoldEvent& event) {
    if (!as_of.empty() && event.effective_date > as_of) return;
    if (event.payload == v1::Event::kEventReversed) {
      reversed.insert(event.reversed_sequence);
      return;
    }
    Collect(at, hash, event, scope, &view);
  };
  uint64_t from = 0;
  Hash from_hash{};
  if (books != nullptr) {
    ASSIGN_OR_RETURN(std::optional<StoredFundView> stored,
                     ledger.ReadStoredFundView(sequence, *books, [scope](absl::string_view partition) {
                       return scope == nullptr || scope->provinces.contains(partition);
                     }));
    if (stored.has_value()) {
      RETURN_IF_ERROR(MergeParts(stored->parts, take));
      from = stored->sequence;
      from_hash = stored->hash;
    }
  }
  FoldEventDecoder decoder;
  const auto collect = [&](const CheckedRecord& record) -> absl::Status {
    ASSIGN_OR_RETURN(const FoldEvent* event,
                     decoder.DecodeStored(record.sequence, record.event_bytes));
    take(record.sequence, record.hash, *event);
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(ledger.WalkRecords(from, from_hash, sequence, collect));
  DropReversed(reversed, &view.allocations, &view.flow_allocations);
  DropReversed(reversed, &view.disbursements, &view.flow_disbursements);
  DropReversed(reversed, &view.investments, &view.investment_projects);
  // A registration taken back: nothing may be proven by it.
  for (auto* sources : {&view.regions, &view.projects, &view.accepted}) {
    for (auto it = sources->begin(); it != sources->end();) {
      if (reversed.contains(it->second.sequence)) {
        sources->erase(it++);  // absl's erase(iterator) returns nothing
      } else {
        ++it;
      }
    }
  }
  return view;
}

std::vector<std::string> ChainOf(const Books& books, absl::string_view project_id) {
  const v1::ProjectEntry* project = books.projects.FindProject(project_id);
  if (project == nullptr) return {};
  std::vector<std::string> chain;
  WalkRegionChain(books, project->region_code(),
                  [&chain](const std::string& code, const v1::RegionEntry*) { chain.push_back(code); });
  return chain;
}

absl::StatusOr<MatchedPoint> MatchAtPoint(const Ledger& ledger, PointOptions point,
                                          const PointParameterNames& names, Books::Set more,
                                          const ProvincesOf& provinces_of) {
  point.projections = Books::kRegions | Books::kProjects | more;
  MatchedPoint matched;
  ASSIGN_OR_RETURN(matched.folded, FoldAtPoint(ledger, point, names));
  const Books& books = matched.folded.folded.books;
  const v1::PointInTime& at = matched.folded.at;
  std::optional<absl::flat_hash_set<std::string>> provinces;
  if (provinces_of) provinces = provinces_of(books);
  if (provinces.has_value()) {
    const ViewScope scope = ScopeOf(books, *provinces);
    ASSIGN_OR_RETURN(matched.view, ReadView(ledger, at.seq(), at.as_of_date(), &scope, &books));
    if (!IsClosed(matched.view, scope)) provinces.reset();  // an allocation ties two provinces
  }
  if (!provinces.has_value()) {
    ASSIGN_OR_RETURN(matched.view, ReadView(ledger, at.seq(), at.as_of_date(), nullptr, &books));
  }
  ASSIGN_OR_RETURN(matched.flow,
                   MatchFirstInFirstOut(matched.view.flow_allocations,
                                        matched.view.flow_disbursements,
                                        [&books](absl::string_view project_id) {
                                          return ChainOf(books, project_id);
                                        }));
  return matched;
}

}  // namespace aidledger::app
