#include "app/fund_view.h"

#include "absl/container/flat_hash_set.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "base/status_macros.h"

namespace aidledger::app {
namespace {

Source SourceOf(const StoredEvent& stored) {
  return {stored.sequence, Hex(stored.hash), stored.event.event_id(),
          stored.event.effective_date()};
}

// Adds one stored event of the view to `view`.
void Collect(const StoredEvent& stored, ViewEvents* view) {
  const v1::Event& e = stored.event;
  switch (e.payload_case()) {
    case v1::Event::kRegionRegistered:
      view->regions.try_emplace(e.region_registered().code(), SourceOf(stored));
      break;
    case v1::Event::kProjectRegistered:
      view->projects.try_emplace(e.project_registered().project_id(), SourceOf(stored));
      break;
    case v1::Event::kProjectStageChanged:
      if (e.project_stage_changed().stage() == v1::ACCEPTED) {
        view->accepted.try_emplace(e.project_stage_changed().project_id(), SourceOf(stored));
      }
      break;
    case v1::Event::kFundsAllocated: {
      const v1::FundsAllocated& a = e.funds_allocated();
      view->allocations.push_back(
          {SourceOf(stored), a.helper_code(), a.document_number(), e.evidence_size()});
      view->flow_allocations.push_back({stored.sequence, e.effective_date(), a.recipient_code(),
                                        a.project_id(), a.amount_fen()});
      break;
    }
    case v1::Event::kFundsDisbursed: {
      const v1::FundsDisbursed& d = e.funds_disbursed();
      view->disbursements.push_back(
          {SourceOf(stored), d.payee(), d.contract_number(), e.evidence_size()});
      view->flow_disbursements.push_back(
          {stored.sequence, e.effective_date(), d.project_id(), d.amount_fen()});
      break;
    }
    case v1::Event::kInvestmentRecorded: {
      const v1::InvestmentRecorded& i = e.investment_recorded();
      if (i.project_id().empty()) break;  // a trace follows money into projects
      view->investments.push_back({SourceOf(stored), i.enterprise(), "", e.evidence_size()});
      view->investment_projects.push_back(i.project_id());
      break;
    }
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

}  // namespace

absl::StatusOr<ViewEvents> ReadView(const Ledger& ledger, uint64_t sequence,
                                    const std::string& as_of) {
  ViewEvents view;
  absl::flat_hash_set<uint64_t> reversed;
  std::unique_ptr<EventReader> reader = ledger.Read(1, sequence);
  StoredEvent stored;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, reader->Next(&stored));
    if (!more) break;
    if (!as_of.empty() && stored.event.effective_date() > as_of) continue;
    if (stored.event.has_event_reversed()) {
      reversed.insert(stored.event.event_reversed().reversed_sequence());
      continue;
    }
    Collect(stored, &view);
  }
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

std::vector<std::string> ChainOf(const Books& books, const std::string& project_id) {
  std::vector<std::string> chain;
  const v1::ProjectEntry* project = books.projects.FindProject(project_id);
  if (project == nullptr) return chain;
  std::string code = project->region_code();
  for (int depth = 0; !code.empty() && depth <= limits::kRegionDepthMax; ++depth) {
    chain.push_back(code);
    const v1::RegionEntry* region = books.regions.FindRegion(code);
    code = region == nullptr ? "" : region->parent_code();
  }
  return chain;
}

absl::StatusOr<MatchedPoint> MatchAtPoint(const Ledger& ledger, PointOptions point,
                                          const PointParameterNames& names) {
  point.projections = Books::kRegions | Books::kProjects;
  MatchedPoint matched;
  ASSIGN_OR_RETURN(matched.folded, FoldAtPoint(ledger, point, names));
  const Books& books = matched.folded.folded.books;
  const v1::PointInTime& at = matched.folded.at;
  ASSIGN_OR_RETURN(matched.view, ReadView(ledger, at.seq(), at.as_of_date()));
  ASSIGN_OR_RETURN(matched.flow,
                   MatchFirstInFirstOut(matched.view.flow_allocations,
                                        matched.view.flow_disbursements,
                                        [&books](const std::string& project_id) {
                                          return ChainOf(books, project_id);
                                        }));
  return matched;
}

}  // namespace aidledger::app
