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

// Adds `delta` to `into`. Both totals and own figures use it.
template <typename Delta>
void AddFigures(v1::RegionFigures* into, const Delta& delta) {
  into->set_allocated_fen(into->allocated_fen() + delta.allocated);
  into->set_disbursed_fen(into->disbursed_fen() + delta.disbursed);
  into->set_balance_fen(into->balance_fen() + delta.balance);
  into->set_invested_fen(into->invested_fen() + delta.invested);
  into->set_sales_fen(into->sales_fen() + delta.sales);
  into->set_projects(into->projects() + delta.projects);
}

}  // namespace

RegionBalances::RegionBalances(const RegionBalances& other) : state_(other.state_) {
  RebuildIndex();
}

RegionBalances& RegionBalances::operator=(const RegionBalances& other) {
  if (this != &other) {
    state_ = other.state_;
    RebuildIndex();
  }
  return *this;
}

RegionBalances::RegionBalances(RegionBalances&& other) noexcept
    : state_(std::move(other.state_)),
      slots_(std::move(other.slots_)),
      slot_of_region_(std::move(other.slot_of_region_)),
      slot_of_project_(std::move(other.slot_of_project_)) {
  AfterMove(&other);
}

RegionBalances& RegionBalances::operator=(RegionBalances&& other) noexcept {
  if (this != &other) {
    state_ = std::move(other.state_);
    slots_ = std::move(other.slots_);
    slot_of_region_ = std::move(other.slot_of_region_);
    slot_of_project_ = std::move(other.slot_of_project_);
    AfterMove(&other);
  }
  return *this;
}

void RegionBalances::AfterMove(RegionBalances* from) {
  // A protobuf move swaps the maps' internals, so the moved index still
  // points at the same elements, now ours. Checked on one element (cheap);
  // should a protobuf release ever copy instead, the index is rebuilt.
  if (!state_.regions().empty()) {
    const auto& [code, entry] = *state_.regions().begin();
    if (FindRegion(code) != &entry) RebuildIndex();
  }
  from->state_.Clear();
  from->RebuildIndex();
}

void RegionBalances::Reset() {
  state_.Clear();
  RebuildIndex();
}

absl::Status RegionBalances::LoadState(absl::string_view bytes) {
  absl::Status loaded = LoadSerializedState(name(), bytes, &state_);
  RebuildIndex();
  return loaded;
}

void RegionBalances::IndexRegion(const std::string& code, v1::RegionEntry* entry) {
  const uint32_t parent =
      entry->parent_code().empty() ? kNoParent : SlotOf(entry->parent_code());
  slot_of_region_[code] = static_cast<uint32_t>(slots_.size());
  slots_.push_back({entry, parent});
}

void RegionBalances::RebuildIndex() {
  slots_.clear();
  slot_of_region_.clear();
  slot_of_project_.clear();
  // Parents before children: index by depth, which registration bounds.
  auto& regions = *state_.mutable_regions();
  slots_.reserve(regions.size());
  for (int depth = 0; depth <= limits::kRegionDepthMax; ++depth) {
    for (auto& [code, entry] : regions) {
      if (entry.depth() == depth) IndexRegion(code, &entry);
    }
  }
  for (const auto& [project_id, region_code] : state_.project_region()) {
    const uint32_t slot = SlotOf(region_code);
    if (slot != kNotFound) slot_of_project_[project_id] = slot;
  }
}

uint32_t RegionBalances::SlotOf(absl::string_view code) const {
  auto it = slot_of_region_.find(code);
  return it == slot_of_region_.end() ? kNotFound : it->second;
}

const v1::RegionEntry* RegionBalances::FindRegion(absl::string_view code) const {
  const uint32_t slot = SlotOf(code);
  return slot == kNotFound ? nullptr : slots_[slot].entry;
}

const std::string* RegionBalances::FindProjectRegion(absl::string_view project_id) const {
  auto it = slot_of_project_.find(project_id);
  return it == slot_of_project_.end() ? nullptr : &slots_[it->second].entry->code();
}

bool RegionBalances::IsWithin(absl::string_view code, absl::string_view ancestor) const {
  uint32_t slot = SlotOf(code);
  for (int step = 0; slot != kNoParent && step <= limits::kRegionDepthMax; ++step) {
    if (slots_[slot].entry->code() == ancestor) return true;
    slot = slots_[slot].parent;
  }
  return false;
}

void RegionBalances::AddToRegion(uint32_t slot, const Delta& delta) {
  AddFigures(slots_[slot].entry->mutable_own(), delta);
  AddFigures(state_.mutable_grand(), delta);
  // Depth is bounded at registration, so this walk is too.
  for (int step = 0; slot != kNoParent && step <= limits::kRegionDepthMax; ++step) {
    AddFigures(slots_[slot].entry->mutable_total(), delta);
    slot = slots_[slot].parent;
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
  IndexRegion(r.code(), &entry);
  return absl::OkStatus();
}

absl::Status RegionBalances::Fold(const v1::Event& event, int64_t sign) {
  Delta delta;
  uint32_t slot = kNotFound;
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
      return RegisterRegion(event);
    case v1::Event::kProjectRegistered: {
      const v1::ProjectRegistered& p = event.project_registered();
      slot = SlotOf(p.region_code());
      if (slot == kNotFound) return Unknown(event, "region", p.region_code());
      (*state_.mutable_project_region())[p.project_id()] = p.region_code();
      slot_of_project_[p.project_id()] = slot;
      delta.projects = 1;
      AddToRegion(slot, delta);
      return absl::OkStatus();
    }
    case v1::Event::kFundsAllocated:
      slot = SlotOf(event.funds_allocated().recipient_code());
      if (slot == kNotFound) return Unknown(event, "region", event.funds_allocated().recipient_code());
      delta.allocated = sign * event.funds_allocated().amount_fen();
      delta.balance = delta.allocated;
      break;
    case v1::Event::kFundsDisbursed: {
      auto it = slot_of_project_.find(event.funds_disbursed().project_id());
      if (it == slot_of_project_.end()) {
        return Unknown(event, "project", event.funds_disbursed().project_id());
      }
      slot = it->second;
      delta.disbursed = sign * event.funds_disbursed().amount_fen();
      delta.balance = -delta.disbursed;
      break;
    }
    case v1::Event::kInvestmentRecorded:
      slot = SlotOf(event.investment_recorded().region_code());
      if (slot == kNotFound) return Unknown(event, "region", event.investment_recorded().region_code());
      delta.invested = sign * event.investment_recorded().amount_fen();
      break;
    case v1::Event::kSaleRecorded:
      slot = SlotOf(event.sale_recorded().region_code());
      if (slot == kNotFound) return Unknown(event, "region", event.sale_recorded().region_code());
      delta.sales = sign * event.sale_recorded().amount_fen();
      break;
    default:
      return absl::OkStatus();  // pairings change no balance
  }
  AddToRegion(slot, delta);
  return absl::OkStatus();
}

}  // namespace aidledger
