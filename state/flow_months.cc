#include "state/flow_months.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "state/region_months.h"

namespace aidledger {

const std::string& FlowMonths::FlowKey(absl::string_view helper, absl::string_view region,
                                       int32_t program, std::string* key) {
  // Codes hold no control characters (validation): '\x1f' separates them.
  key->clear();
  absl::StrAppend(key, helper, "\x1f", region, "\x1f", program);
  return *key;
}

absl::Status FlowMonths::Index::Rebuild(absl::string_view projection,
                                        v1::FlowMonthsState* state) {
  std::string key;
  flows.reserve(state->flows_size());
  for (v1::FlowMonths& flow : *state->mutable_flows()) {
    FlowKey(flow.helper_code(), flow.months().region_code(), flow.program(), &key);
    if (!flows.emplace(key, &flow).second) {
      return StateHoldsTwice(projection, "the flow", absl::StrCat(flow.helper_code(), " to ",
                                                                   flow.months().region_code()));
    }
  }
  return absl::OkStatus();
}

absl::Status FlowMonths::Fold(const FoldEvent& event, int64_t sign,
                              absl::string_view counted_on) {
  absl::string_view region;
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      region = event.recipient_code;
      break;
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      region = event.region_code;
      break;
    default:
      return absl::OkStatus();
  }
  // Checked before the flow is created: a fold that fails leaves the state
  // as it was.
  RETURN_IF_ERROR(RegionMonths::CheckCountedOn(event, counted_on));
  auto [it, added] =
      data_.mutable_index()->flows.try_emplace(FlowKey(event.helper_code, region, event.program, &key_));
  if (added) {
    v1::FlowMonths& flow = *data_.mutable_state()->add_flows();
    flow.set_helper_code(event.helper_code.data(), event.helper_code.size());
    flow.set_program(event.program_value());
    flow.mutable_months()->set_region_code(region.data(), region.size());
    it->second = &flow;
  }
  return RegionMonths::AddMoney(event, sign, counted_on, it->second->mutable_months());
}

absl::Status ProjectMonths::Index::Rebuild(absl::string_view projection,
                                           v1::ProjectMonthsState* state) {
  projects.reserve(state->projects_size());
  for (v1::ProjectMonths& project : *state->mutable_projects()) {
    if (!projects.emplace(project.project_id(), project.mutable_months()).second) {
      return StateHoldsTwice(projection, "project", project.project_id());
    }
  }
  return absl::OkStatus();
}

absl::Status ProjectMonths::Fold(const FoldEvent& event, int64_t sign,
                                 absl::string_view counted_on) {
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
    case v1::Event::kFundsDisbursed:
    case v1::Event::kInvestmentRecorded:
      break;
    default:
      return absl::OkStatus();
  }
  if (event.project_id.empty()) return absl::OkStatus();  // not tied to a project
  RETURN_IF_ERROR(RegionMonths::CheckCountedOn(event, counted_on));
  auto [it, added] = data_.mutable_index()->projects.try_emplace(event.project_id);
  if (added) {
    v1::ProjectMonths& project = *data_.mutable_state()->add_projects();
    project.set_project_id(event.project_id.data(), event.project_id.size());
    it->second = project.mutable_months();
  }
  return RegionMonths::AddMoney(event, sign, counted_on, it->second);
}

}  // namespace aidledger
