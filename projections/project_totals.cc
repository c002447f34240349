#include "projections/project_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

const v1::ProjectEntry* ProjectTotals::FindProject(absl::string_view project_id) const {
  auto it = data_.index.entries.find(project_id);
  return it == data_.index.entries.end() ? nullptr : it->second;
}

absl::Status ProjectTotals::Fold(const v1::Event& event, int64_t sign) {
  const std::string* project_id = nullptr;
  int64_t allocated = 0, disbursed = 0, invested = 0;
  switch (event.payload_case()) {
    case v1::Event::kProjectRegistered: {
      const v1::ProjectRegistered& p = event.project_registered();
      if (FindProject(p.project_id()) != nullptr) {
        return absl::DataLossError(absl::StrCat(
            "event ", event.sequence(), " registers project ", p.project_id(), " again"));
      }
      v1::ProjectEntry& entry = (*data_.state.mutable_projects())[p.project_id()];
      entry.set_project_id(p.project_id());
      entry.set_region_code(p.region_code());
      entry.set_name(p.name());
      entry.set_category(p.category());
      entry.set_budget_fen(p.budget_fen());
      entry.set_registered_on(event.effective_date());
      data_.index.entries[p.project_id()] = &entry;
      return absl::OkStatus();
    }
    case v1::Event::kFundsAllocated:
      project_id = &event.funds_allocated().project_id();
      allocated = sign * event.funds_allocated().amount_fen();
      break;
    case v1::Event::kFundsDisbursed:
      project_id = &event.funds_disbursed().project_id();
      disbursed = sign * event.funds_disbursed().amount_fen();
      break;
    case v1::Event::kInvestmentRecorded:
      project_id = &event.investment_recorded().project_id();
      invested = sign * event.investment_recorded().amount_fen();
      break;
    default:
      return absl::OkStatus();
  }
  if (project_id->empty()) return absl::OkStatus();  // not tied to a project
  auto it = data_.index.entries.find(*project_id);
  if (it == data_.index.entries.end()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence(),
                                            " references unknown project ", *project_id));
  }
  v1::ProjectEntry& entry = *it->second;
  entry.set_allocated_fen(entry.allocated_fen() + allocated);
  entry.set_disbursed_fen(entry.disbursed_fen() + disbursed);
  entry.set_invested_fen(entry.invested_fen() + invested);
  return absl::OkStatus();
}

}  // namespace aidledger
