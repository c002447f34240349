#include "state/project_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

absl::Status ProjectTotals::Index::Rebuild(absl::string_view projection,
                                           v1::ProjectTotalsState* state) {
  entries.reserve(state->projects_size());
  for (v1::ProjectEntry& entry : *state->mutable_projects()) {
    if (!entries.emplace(entry.project_id(), &entry).second) {
      return StateHoldsTwice(projection, "project", entry.project_id());
    }
  }
  return absl::OkStatus();
}

const v1::ProjectEntry* ProjectTotals::FindProject(absl::string_view project_id) const {
  const auto& entries = data_.index().entries;
  auto it = entries.find(project_id);
  return it == entries.end() ? nullptr : it->second;
}

absl::Status ProjectTotals::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  return ApplyStagedByKey(events, failed, data_.index().entries, &FoldEvent::project_id,
                          [this](const FoldEvent& event, int64_t sign, v1::ProjectEntry* located, absl::string_view) {
                            return FoldAt(event, sign, located);
                          });
}

absl::Status ProjectTotals::FoldAt(const FoldEvent& event, int64_t sign,
                                   v1::ProjectEntry* located) {
  int64_t allocated = 0, disbursed = 0, invested = 0;
  switch (event.payload) {
    case v1::Event::kProjectRegistered: {
      if (sign < 0) return TakeBack(event);
      if (FindProject(event.project_id) != nullptr) {
        return absl::DataLossError(absl::StrCat(
            "event ", event.sequence, " registers project ", event.project_id, " again"));
      }
      v1::ProjectEntry& entry = *data_.mutable_state()->add_projects();
      entry.set_project_id(event.project_id.data(), event.project_id.size());
      entry.set_region_code(event.region_code.data(), event.region_code.size());
      entry.set_name(event.name.data(), event.name.size());
      entry.set_category(event.category_value());
      entry.set_budget_fen(event.budget_fen);
      entry.set_registered_on(event.effective_date.data(), event.effective_date.size());
      entry.set_planned_start(event.planned_start.data(), event.planned_start.size());
      entry.set_planned_end(event.planned_end.data(), event.planned_end.size());
      entry.set_responsible_unit(event.responsible_unit.data(), event.responsible_unit.size());
      entry.set_responsible_person(event.responsible_person.data(),
                                   event.responsible_person.size());
      data_.mutable_index()->entries.emplace(entry.project_id(), &entry);
      return absl::OkStatus();
    }
    case v1::Event::kProjectAmended:
    case v1::Event::kProjectStageChanged:
      return FoldAmendment(event);
    case v1::Event::kFundsAllocated:
      allocated = sign * event.amount_fen;
      break;
    case v1::Event::kFundsDisbursed:
      disbursed = sign * event.amount_fen;
      break;
    case v1::Event::kInvestmentRecorded:
      invested = sign * event.amount_fen;
      break;
    case v1::Event::kIndicatorRecorded:
      break;  // no money, but it names its project
    default:
      return absl::OkStatus();
  }
  if (event.project_id.empty()) return absl::OkStatus();  // not tied to a project
  if (located == nullptr) {
    auto it = data_.index().entries.find(event.project_id);
    if (it == data_.index().entries.end()) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " references unknown project ", event.project_id));
    }
    located = it->second;
  }
  v1::ProjectEntry& entry = *located;
  if (entry.first_reference() == 0) entry.set_first_reference(event.sequence);
  entry.set_allocated_fen(entry.allocated_fen() + allocated);
  entry.set_disbursed_fen(entry.disbursed_fen() + disbursed);
  entry.set_invested_fen(entry.invested_fen() + invested);
  return absl::OkStatus();
}

absl::Status ProjectTotals::TakeBack(const FoldEvent& event) {
  // Validation took it back only while nothing named it: no money, no
  // amendment.
  const v1::ProjectEntry* entry = FindProject(event.project_id);
  if (entry == nullptr || entry->first_reference() != 0) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, "'s project ",
                                            event.project_id,
                                            " is taken back while unknown or named"));
  }
  RemoveFirst(data_.mutable_state()->mutable_projects(), [&](const v1::ProjectEntry& project) {
    return project.project_id() == event.project_id;
  });
  return data_.Reindex(name());
}

absl::Status ProjectTotals::FoldAmendment(const FoldEvent& event) {
  auto it = data_.index().entries.find(event.project_id);
  if (it == data_.index().entries.end()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                            " amends unknown project ", event.project_id));
  }
  v1::ProjectEntry& entry = *it->second;
  if (entry.first_reference() == 0) entry.set_first_reference(event.sequence);
  if (event.payload == v1::Event::kProjectStageChanged) {
    if (event.stage <= entry.stage()) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, " moves project ",
                                              event.project_id, "'s stage backwards"));
    }
    entry.set_stage(event.stage_value());
    entry.set_stage_on(event.effective_date.data(), event.effective_date.size());
    return absl::OkStatus();
  }
  if (!event.name.empty() && event.name != entry.name()) {
    v1::FormerName& former = *entry.add_former_names();
    former.set_name(entry.name());
    former.set_until(event.effective_date.data(), event.effective_date.size());
    entry.set_name(event.name.data(), event.name.size());
  }
  if (event.category != 0) entry.set_category(event.category_value());
  if (event.budget_fen > 0) entry.set_budget_fen(event.budget_fen);
  entry.set_amended_on(event.effective_date.data(), event.effective_date.size());
  return absl::OkStatus();
}

}  // namespace aidledger
