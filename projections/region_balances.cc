#include "projections/region_balances.h"

#include "absl/strings/str_cat.h"
#include "ledger/limits.h"

namespace aidledger {
namespace {

absl::Status Unknown(const v1::Event& event, absl::string_view what,
                     absl::string_view key) {
  return absl::DataLossError(absl::StrCat("event ", event.sequence(),
                                          " references unknown ", what, " ", key));
}

void AddFigures(v1::RegionFigures* into, const v1::RegionFigures& delta) {
  into->set_allocated_fen(into->allocated_fen() + delta.allocated_fen());
  into->set_disbursed_fen(into->disbursed_fen() + delta.disbursed_fen());
  into->set_balance_fen(into->balance_fen() + delta.balance_fen());
  into->set_invested_fen(into->invested_fen() + delta.invested_fen());
  into->set_sales_fen(into->sales_fen() + delta.sales_fen());
  into->set_projects(into->projects() + delta.projects());
}

}  // namespace

absl::Status RegionBalances::LoadState(absl::string_view bytes) {
  return LoadSerializedState(name(), bytes, &state_);
}

const v1::RegionEntry* RegionBalances::FindRegion(const std::string& code) const {
  auto it = state_.regions().find(code);
  return it == state_.regions().end() ? nullptr : &it->second;
}

const std::string* RegionBalances::FindProjectRegion(
    const std::string& project_id) const {
  auto it = state_.project_region().find(project_id);
  return it == state_.project_region().end() ? nullptr : &it->second;
}

bool RegionBalances::IsWithin(const std::string& code,
                              const std::string& ancestor) const {
  const v1::RegionEntry* region = FindRegion(code);
  for (int step = 0; region != nullptr && step <= limits::kRegionDepthMax; ++step) {
    if (region->code() == ancestor) return true;
    if (region->parent_code().empty()) return false;
    region = FindRegion(region->parent_code());
  }
  return false;
}

void RegionBalances::AddToRegion(const std::string& code,
                                 const v1::RegionFigures& delta) {
  auto& regions = *state_.mutable_regions();
  v1::RegionEntry& own = regions.at(code);
  AddFigures(own.mutable_own(), delta);
  AddFigures(state_.mutable_grand(), delta);
  v1::RegionEntry* region = &own;
  // Depth is bounded at registration, so this walk is too.
  for (int step = 0; step <= limits::kRegionDepthMax; ++step) {
    AddFigures(region->mutable_total(), delta);
    if (region->parent_code().empty()) return;
    region = &regions.at(region->parent_code());
  }
}

absl::Status RegionBalances::RegisterRegion(const v1::Event& event) {
  const v1::RegionRegistered& r = event.region_registered();
  int depth = 0;
  if (!r.parent_code().empty()) {
    const v1::RegionEntry* parent = FindRegion(r.parent_code());
    if (parent == nullptr) return Unknown(event, "parent region", r.parent_code());
    depth = parent->depth() + 1;
  }
  if (depth > limits::kRegionDepthMax || FindRegion(r.code()) != nullptr) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence(),
                                            " registers region ", r.code(), " again"));
  }
  v1::RegionEntry& entry = (*state_.mutable_regions())[r.code()];
  entry.set_code(r.code());
  entry.set_name(r.name());
  entry.set_parent_code(r.parent_code());
  entry.set_registered_on(event.effective_date());
  entry.set_depth(depth);
  entry.mutable_own();
  entry.mutable_total();
  return absl::OkStatus();
}

absl::Status RegionBalances::Fold(const v1::Event& event, int64_t sign) {
  v1::RegionFigures delta;
  const std::string* region = nullptr;
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
      return RegisterRegion(event);
    case v1::Event::kProjectRegistered: {
      const v1::ProjectRegistered& p = event.project_registered();
      if (FindRegion(p.region_code()) == nullptr) {
        return Unknown(event, "region", p.region_code());
      }
      (*state_.mutable_project_region())[p.project_id()] = p.region_code();
      delta.set_projects(1);
      AddToRegion(p.region_code(), delta);
      return absl::OkStatus();
    }
    case v1::Event::kFundsAllocated:
      region = &event.funds_allocated().recipient_code();
      delta.set_allocated_fen(sign * event.funds_allocated().amount_fen());
      delta.set_balance_fen(delta.allocated_fen());
      break;
    case v1::Event::kFundsDisbursed:
      region = FindProjectRegion(event.funds_disbursed().project_id());
      if (region == nullptr) {
        return Unknown(event, "project", event.funds_disbursed().project_id());
      }
      delta.set_disbursed_fen(sign * event.funds_disbursed().amount_fen());
      delta.set_balance_fen(-delta.disbursed_fen());
      break;
    case v1::Event::kInvestmentRecorded:
      region = &event.investment_recorded().region_code();
      delta.set_invested_fen(sign * event.investment_recorded().amount_fen());
      break;
    case v1::Event::kSaleRecorded:
      region = &event.sale_recorded().region_code();
      delta.set_sales_fen(sign * event.sale_recorded().amount_fen());
      break;
    default:
      return absl::OkStatus();  // pairings change no balance
  }
  if (FindRegion(*region) == nullptr) return Unknown(event, "region", *region);
  AddToRegion(*region, delta);
  return absl::OkStatus();
}

}  // namespace aidledger
