#include "projections/project_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

const v1::ProjectEntry* ProjectTotals::FindProject(absl::string_view project_id) const {
  auto it = data_.index.entries.find(project_id);
  return it == data_.index.entries.end() ? nullptr : it->second;
}

absl::Status ProjectTotals::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  return ApplyStagedByKey(events, failed, data_.index.entries, &FoldEvent::project_id,
                          [this](const FoldEvent& event, int64_t sign, v1::ProjectEntry* located) {
                            return FoldAt(event, sign, located);
                          });
}

absl::Status ProjectTotals::FoldAt(const FoldEvent& event, int64_t sign,
                                   v1::ProjectEntry* located) {
  int64_t allocated = 0, disbursed = 0, invested = 0;
  switch (event.payload) {
    case v1::Event::kProjectRegistered: {
      if (FindProject(event.project_id) != nullptr) {
        return absl::DataLossError(absl::StrCat(
            "event ", event.sequence, " registers project ", event.project_id, " again"));
      }
      const std::string project_id(event.project_id);
      v1::ProjectEntry& entry = (*data_.state.mutable_projects())[project_id];
      entry.set_project_id(project_id);
      entry.set_region_code(event.region_code.data(), event.region_code.size());
      entry.set_name(event.name.data(), event.name.size());
      entry.set_category(event.category_value());
      entry.set_budget_fen(event.budget_fen);
      entry.set_registered_on(event.effective_date.data(), event.effective_date.size());
      data_.index.entries[project_id] = &entry;
      return absl::OkStatus();
    }
    case v1::Event::kFundsAllocated:
      allocated = sign * event.amount_fen;
      break;
    case v1::Event::kFundsDisbursed:
      disbursed = sign * event.amount_fen;
      break;
    case v1::Event::kInvestmentRecorded:
      invested = sign * event.amount_fen;
      break;
    default:
      return absl::OkStatus();
  }
  if (event.project_id.empty()) return absl::OkStatus();  // not tied to a project
  if (located == nullptr) {
    auto it = data_.index.entries.find(event.project_id);
    if (it == data_.index.entries.end()) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " references unknown project ", event.project_id));
    }
    located = it->second;
  }
  v1::ProjectEntry& entry = *located;
  entry.set_allocated_fen(entry.allocated_fen() + allocated);
  entry.set_disbursed_fen(entry.disbursed_fen() + disbursed);
  entry.set_invested_fen(entry.invested_fen() + invested);
  return absl::OkStatus();
}

}  // namespace aidledger
