#include "projections/project_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

ProjectTotals::ProjectTotals(const ProjectTotals& other) : state_(other.state_) {
  RebuildIndex();
}

ProjectTotals& ProjectTotals::operator=(const ProjectTotals& other) {
  if (this != &other) {
    state_ = other.state_;
    RebuildIndex();
  }
  return *this;
}

ProjectTotals::ProjectTotals(ProjectTotals&& other) noexcept
    : state_(std::move(other.state_)), index_(std::move(other.index_)) {
  AfterMove(&other);
}

ProjectTotals& ProjectTotals::operator=(ProjectTotals&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);
    index_ = std::move(other.index_);
    AfterMove(&other);
  }
  return *this;
}

void ProjectTotals::AfterMove(ProjectTotals* from) {
  // A protobuf move swaps the map's internals, so the moved index still
  // points at the same elements, now ours. Checked on one element (cheap);
  // should a protobuf release ever copy instead, the index is rebuilt.
  if (!state_.projects().empty()) {
    const auto& [key, entry] = *state_.projects().begin();
    auto it = index_.find(key);
    if (it == index_.end() || it->second != &entry) RebuildIndex();
  }
  from->state_.Clear();
  from->RebuildIndex();
}

void ProjectTotals::Reset() {
  state_.Clear();
  RebuildIndex();
}

absl::Status ProjectTotals::LoadState(absl::string_view bytes) {
  absl::Status loaded = LoadSerializedState(name(), bytes, &state_);
  RebuildIndex();
  return loaded;
}

void ProjectTotals::RebuildIndex() {
  index_.clear();
  index_.reserve(state_.projects().size());
  for (auto& [project_id, entry] : *state_.mutable_projects()) index_[project_id] = &entry;
}

const v1::ProjectEntry* ProjectTotals::FindProject(absl::string_view project_id) const {
  auto it = index_.find(project_id);
  return it == index_.end() ? nullptr : it->second;
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
      v1::ProjectEntry& entry = (*state_.mutable_projects())[p.project_id()];
      entry.set_project_id(p.project_id());
      entry.set_region_code(p.region_code());
      entry.set_name(p.name());
      entry.set_category(p.category());
      entry.set_budget_fen(p.budget_fen());
      entry.set_registered_on(event.effective_date());
      index_[p.project_id()] = &entry;
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
  auto it = index_.find(*project_id);
  if (it == index_.end()) {
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
