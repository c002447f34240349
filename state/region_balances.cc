#include "state/region_balances.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/limits.h"

namespace aidledger {
namespace {

absl::Status Unknown(const FoldEvent& event, absl::string_view what,
                     absl::string_view key) {
  return absl::DataLossError(absl::StrCat("event ", event.sequence,
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

void RegionBalances::Index::Add(v1::RegionEntry* entry) {
  const uint32_t parent = entry->parent_code().empty() ? kNoParent : SlotOf(entry->parent_code());
  keys.of_region.emplace(entry->code(), static_cast<uint32_t>(slots.size()));
  slots.push_back({entry, entry->mutable_own(), entry->mutable_total(), parent});
}

absl::Status RegionBalances::Index::Rebuild(absl::string_view projection,
                                            v1::RegionBalancesState* state) {
  // Registration order, but a region moved by an amendment may come before
  // its new parent: every region is indexed first, then the parents.
  slots.reserve(state->regions_size());
  keys.of_region.reserve(state->regions_size());
  for (v1::RegionEntry& entry : *state->mutable_regions()) {
    if (!keys.of_region.emplace(entry.code(), static_cast<uint32_t>(slots.size())).second) {
      return StateHoldsTwice(projection, "region", entry.code());
    }
    slots.push_back({&entry, entry.mutable_own(), entry.mutable_total(), kNoParent});
  }
  for (Slot& slot : slots) {
    if (slot.entry->parent_code().empty()) continue;
    slot.parent = SlotOf(slot.entry->parent_code());
    if (slot.parent == kNotFound) {
      return absl::DataLossError(absl::StrCat(projection, " state holds region ",
                                              slot.entry->code(), " under unknown parent ",
                                              slot.entry->parent_code()));
    }
  }
  // The depth is the walk up, which ends within kRegionDepthMax steps (a
  // longer walk is a cycle or a tree deeper than validation admits).
  for (const Slot& slot : slots) {
    int depth = 0;
    for (uint32_t up = slot.parent; up != kNoParent; up = slots[up].parent) {
      if (++depth > limits::kRegionDepthMax) break;
    }
    if (slot.entry->depth() != depth || depth > limits::kRegionDepthMax) {
      return absl::DataLossError(absl::StrCat(projection, " state holds region ",
                                              slot.entry->code(), " at depth ",
                                              slot.entry->depth(), " instead of ", depth));
    }
  }
  RETURN_IF_ERROR(keys.IndexProjects(projection, state->project_regions()));
  return absl::OkStatus();
}

const v1::RegionEntry* RegionBalances::FindRegion(absl::string_view code) const {
  const uint32_t slot = data_.index().SlotOf(code);
  return slot == kNotFound ? nullptr : data_.index().slots[slot].entry;
}

bool RegionBalances::IsWithin(absl::string_view code, absl::string_view ancestor) const {
  uint32_t slot = data_.index().SlotOf(code);
  for (int step = 0; slot != kNoParent && step <= limits::kRegionDepthMax; ++step) {
    if (data_.index().slots[slot].entry->code() == ancestor) return true;
    slot = data_.index().slots[slot].parent;
  }
  return false;
}

void RegionBalances::AddToRegion(uint32_t slot, const Delta& delta) {
  AddFigures(data_.index().slots[slot].own, delta);
  AddFigures(data_.mutable_state()->mutable_grand(), delta);
  // Depth is bounded at registration, so this walk is too.
  for (int step = 0; slot != kNoParent && step <= limits::kRegionDepthMax; ++step) {
    AddFigures(data_.index().slots[slot].total, delta);
    slot = data_.index().slots[slot].parent;
  }
}

void RegionBalances::NoteReference(uint32_t slot, const FoldEvent& event) {
  v1::RegionEntry& entry = *data_.index().slots[slot].entry;
  if (entry.first_reference() == 0) entry.set_first_reference(event.sequence);
}

absl::Status RegionBalances::NoteReference(absl::string_view code, const FoldEvent& event) {
  const uint32_t slot = data_.index().SlotOf(code);
  if (slot == kNotFound) return Unknown(event, "region", code);
  NoteReference(slot, event);
  return absl::OkStatus();
}

absl::Status RegionBalances::RegisterRegion(const FoldEvent& event, int64_t sign) {
  if (sign < 0) {
    // Validation took it back only while nothing named it: no region below
    // it, no project, no money.
    const v1::RegionEntry* entry = FindRegion(event.code);
    if (entry == nullptr || entry->first_reference() != 0 || entry->total().ByteSizeLong() != 0) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, "'s region ", event.code,
                                              " is taken back while registered and named"));
    }
    RemoveFirst(data_.mutable_state()->mutable_regions(),
                [&](const v1::RegionEntry& region) { return region.code() == event.code; });
    return data_.Reindex(name());
  }
  int depth = 0;
  if (!event.parent_code.empty()) {
    const v1::RegionEntry* parent = FindRegion(event.parent_code);
    if (parent == nullptr) return Unknown(event, "parent region", event.parent_code);
    depth = parent->depth() + 1;
  }
  if (depth > limits::kRegionDepthMax || FindRegion(event.code) != nullptr) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                            " registers region ", event.code, " again"));
  }
  v1::RegionEntry& entry = *data_.mutable_state()->add_regions();
  entry.set_code(event.code.data(), event.code.size());
  entry.set_name(event.name.data(), event.name.size());
  entry.set_parent_code(event.parent_code.data(), event.parent_code.size());
  entry.set_registered_on(event.effective_date.data(), event.effective_date.size());
  entry.set_depth(depth);
  data_.mutable_index()->Add(&entry);
  if (!event.parent_code.empty()) NoteReference(data_.index().SlotOf(event.parent_code), event);
  return absl::OkStatus();
}

absl::Status RegionBalances::RegisterProject(const FoldEvent& event, int64_t sign) {
  const uint32_t slot = data_.index().SlotOf(event.region_code);
  if (slot == kNotFound) return Unknown(event, "region", event.region_code);
  Delta delta{.projects = sign};
  if (sign < 0) {
    if (!RemoveFirst(data_.mutable_state()->mutable_project_regions(),
                     [&](const v1::ProjectRegion& project) {
                       return project.project_id() == event.project_id;
                     })) {
      return Unknown(event, "project", event.project_id);
    }
    AddToRegion(slot, delta);
    return data_.Reindex(name());
  }
  if (data_.index().keys.of_project.contains(event.project_id)) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " registers project ",
                                            event.project_id, " again"));
  }
  v1::ProjectRegion& project = *data_.mutable_state()->add_project_regions();
  project.set_project_id(event.project_id.data(), event.project_id.size());
  project.set_region_code(event.region_code.data(), event.region_code.size());
  data_.mutable_index()->keys.of_project.emplace(project.project_id(), slot);
  NoteReference(slot, event);
  AddToRegion(slot, delta);
  return absl::OkStatus();
}

absl::Status RegionBalances::AmendRegion(const FoldEvent& event) {
  const uint32_t slot = data_.index().SlotOf(event.code);
  if (slot == kNotFound) return Unknown(event, "region", event.code);
  v1::RegionEntry& entry = *data_.mutable_index()->slots[slot].entry;
  if (!event.name.empty() && event.name != entry.name()) {
    v1::FormerName& former = *entry.add_former_names();
    former.set_name(entry.name());
    former.set_until(event.effective_date.data(), event.effective_date.size());
    entry.set_name(event.name.data(), event.name.size());
  }
  if (!event.parent_code.empty() && event.parent_code != entry.parent_code()) {
    const uint32_t parent = data_.index().SlotOf(event.parent_code);
    if (parent == kNotFound) return Unknown(event, "parent region", event.parent_code);
    RETURN_IF_ERROR(MoveRegion(event, slot, parent));
    NoteReference(parent, event);
  }
  NoteReference(slot, event);
  entry.set_amended_on(event.effective_date.data(), event.effective_date.size());
  return absl::OkStatus();
}

absl::Status RegionBalances::MoveRegion(const FoldEvent& event, uint32_t slot, uint32_t parent) {
  Index& index = *data_.mutable_index();
  std::vector<Index::Slot>& slots = index.slots;
  if (IsWithin(slots[parent].entry->code(), slots[slot].entry->code())) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " moves region ",
                                            event.code, " under itself"));
  }
  const v1::RegionFigures moved = *slots[slot].total;
  Delta out{.allocated = -moved.allocated_fen(), .disbursed = -moved.disbursed_fen(),
            .balance = -moved.balance_fen(), .invested = -moved.invested_fen(),
            .sales = -moved.sales_fen(), .projects = -moved.projects()};
  Delta in{.allocated = moved.allocated_fen(), .disbursed = moved.disbursed_fen(),
           .balance = moved.balance_fen(), .invested = moved.invested_fen(),
           .sales = moved.sales_fen(), .projects = moved.projects()};
  // Depth is bounded at registration and at every move, so these walks are too.
  for (uint32_t up = slots[slot].parent; up != kNoParent; up = slots[up].parent) {
    AddFigures(slots[up].total, out);
  }
  for (uint32_t up = parent; up != kNoParent; up = slots[up].parent) {
    AddFigures(slots[up].total, in);
  }
  const int shift = slots[parent].entry->depth() + 1 - slots[slot].entry->depth();
  slots[slot].parent = parent;
  slots[slot].entry->set_parent_code(slots[parent].entry->code());
  // Everything below the region moves with it: one pass over the regions.
  const std::string& code = slots[slot].entry->code();
  for (Index::Slot& below : slots) {
    if (IsWithin(below.entry->code(), code)) below.entry->set_depth(below.entry->depth() + shift);
  }
  return absl::OkStatus();
}

uint32_t RegionBalances::Locate(const FoldEvent& event) const {
  const uint32_t slot = data_.index().keys.SlotFor(event);
  if (slot != kNotFound) {
    PrefetchObject(data_.index().slots[slot].own);
    PrefetchObject(data_.index().slots[slot].total);
  }
  return slot;
}

absl::Status RegionBalances::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  return ApplyStaged<uint32_t>(
      events, failed,
      [this](const FoldEvent& event) {
        data_.index().keys.Prefetch(event);
      },
      [this](const FoldEvent& event) { return Locate(event); },
      [this](const FoldEvent& event, int64_t sign, uint32_t located, absl::string_view) {
        return FoldAt(event, sign, located);
      });
}

absl::Status RegionBalances::FoldAt(const FoldEvent& event, int64_t sign, uint32_t located) {
  Delta delta;
  // A money event's region, looked up here when Locate did not find it.
  uint32_t slot = located != kNotFound ? located : data_.index().keys.SlotFor(event);
  switch (event.payload) {
    case v1::Event::kRegionRegistered:
      return RegisterRegion(event, sign);
    case v1::Event::kRegionAmended:
      return AmendRegion(event);
    case v1::Event::kProjectRegistered:
      return RegisterProject(event, sign);
    case v1::Event::kPairingEstablished:
      if (sign < 0) return absl::OkStatus();  // the regions stay named by it
      RETURN_IF_ERROR(NoteReference(event.helper_code, event));
      return NoteReference(event.recipient_code, event);
    case v1::Event::kIndicatorRecorded:
    case v1::Event::kTargetSet:
      if (sign < 0) return absl::OkStatus();  // the regions stay named by it
      RETURN_IF_ERROR(NoteReference(event.helper_code, event));
      return NoteReference(event.recipient_code, event);
    case v1::Event::kFundsAllocated:
      if (slot == kNotFound) return Unknown(event, "region", event.recipient_code);
      delta.allocated = sign * event.amount_fen;
      delta.balance = delta.allocated;
      break;
    case v1::Event::kFundsDisbursed:
      if (slot == kNotFound) return Unknown(event, "project", event.project_id);
      delta.disbursed = sign * event.amount_fen;
      delta.balance = -delta.disbursed;
      break;
    case v1::Event::kInvestmentRecorded:
      if (slot == kNotFound) return Unknown(event, "region", event.region_code);
      delta.invested = sign * event.amount_fen;
      break;
    case v1::Event::kSaleRecorded:
      if (slot == kNotFound) return Unknown(event, "region", event.region_code);
      delta.sales = sign * event.amount_fen;
      break;
    default:
      return absl::OkStatus();  // a pairing's end changes no balance
  }
  AddToRegion(slot, delta);
  return absl::OkStatus();
}

}  // namespace aidledger
