#include "state/flow_months.h"

#include <array>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "state/indicator_totals.h"
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

const std::string& IndicatorMonths::FigureKey(absl::string_view helper,
                                              absl::string_view recipient, int32_t indicator,
                                              std::string* key) {
  key->clear();
  absl::StrAppend(key, helper, "\x1f", recipient, "\x1f", indicator);
  return *key;
}

absl::Status IndicatorMonths::Index::Rebuild(absl::string_view projection,
                                             v1::IndicatorMonthsState* state) {
  std::string key;
  figures.reserve(state->figures_size());
  for (v1::IndicatorMonths& figure : *state->mutable_figures()) {
    FigureKey(figure.helper_code(), figure.recipient_code(), figure.indicator(), &key);
    if (!figures.emplace(key, &figure).second) {
      return StateHoldsTwice(projection, "the figure",
                             absl::StrCat(figure.helper_code(), " to ", figure.recipient_code(),
                                          " of indicator ", figure.indicator()));
    }
  }
  return absl::OkStatus();
}

absl::Status IndicatorMonths::Fold(const FoldEvent& event, int64_t sign,
                                   absl::string_view counted_on) {
  IndicatorFigures figures;
  RETURN_IF_ERROR(IndicatorFiguresOf(event, sign, &figures));
  if (figures.empty()) return absl::OkStatus();
  const std::optional<uint32_t> month = RegionMonths::MonthIndex(counted_on);
  if (!month.has_value()) return RegionMonths::CheckCountedOn(event, counted_on);
  // Every sum is checked before any is made: a fold that fails leaves the
  // state as it was but for figures made empty.
  std::array<std::pair<int64_t*, int64_t>, kIndicatorFiguresPerEventMax> sums;
  for (size_t i = 0; i < figures.size(); ++i) {
    const IndicatorFigure& figure = figures[i];
    auto [it, added] = data_.mutable_index()->figures.try_emplace(
        FigureKey(figure.helper, figure.recipient, figure.indicator, &key_));
    if (added) {
      v1::IndicatorMonths& made = *data_.mutable_state()->add_figures();
      made.set_helper_code(figure.helper.data(), figure.helper.size());
      made.set_recipient_code(figure.recipient.data(), figure.recipient.size());
      made.set_indicator(figure.indicator);
      it->second = &made;
    }
    v1::IndicatorMonths& months = *it->second;
    uint32_t first = months.first_month();
    google::protobuf::RepeatedField<int64_t>* values = months.mutable_values();
    const size_t at = RegionMonths::ReserveMonth(*month, &first, {&values, 1});
    months.set_first_month(first);
    int64_t* slot = values->Mutable(static_cast<int>(at));
    int64_t before = *slot;  // or as an earlier figure of the event leaves it
    for (size_t j = 0; j < i; ++j) {
      if (sums[j].first == slot) before = sums[j].second;
    }
    if (__builtin_add_overflow(before, figure.value, &sums[i].second)) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " takes a monthly figure of indicator ",
                                              figure.indicator, " past 64 bits"));
    }
    sums[i].first = slot;
  }
  for (size_t i = 0; i < figures.size(); ++i) *sums[i].first = sums[i].second;
  return absl::OkStatus();
}

}  // namespace aidledger
