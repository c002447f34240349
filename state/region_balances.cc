#include "state/region_balances.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "base/status_macros.h"

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

// The four monthly arrays of `months`, in RegionFigures order.
std::array<google::protobuf::RepeatedField<int64_t>*, 4> MonthArrays(v1::RegionMonths* months) {
  return {months->mutable_allocated_fen(), months->mutable_disbursed_fen(),
          months->mutable_invested_fen(), months->mutable_sales_fen()};
}

// The index in the arrays of `months` (one month or empty) of `month`,
// growing them to hold it.
size_t ReserveMonth(v1::RegionMonths* months, uint32_t month) {
  const auto arrays = MonthArrays(months);
  const size_t size = static_cast<size_t>(arrays[0]->size());
  if (size == 0) months->set_first_month(month);
  const uint32_t first = months->first_month();
  if (month < first) {
    // An event of a month before the region's first: the arrays move up.
    const size_t shift = first - month;
    for (google::protobuf::RepeatedField<int64_t>* array : arrays) {
      array->Resize(static_cast<int>(size + shift), 0);
      std::memmove(array->mutable_data() + shift, array->data(), size * sizeof(int64_t));
      std::fill_n(array->mutable_data(), shift, 0);
    }
    months->set_first_month(month);
    return 0;
  }
  if (month - first >= size) {
    for (google::protobuf::RepeatedField<int64_t>* array : arrays) {
      array->Resize(static_cast<int>(month - first + 1), 0);
    }
  }
  return month - first;
}

}  // namespace

std::optional<uint32_t> RegionBalances::MonthIndex(absl::string_view date) {
  if (date.size() < 7 || date[4] != '-') return std::nullopt;
  int digits[6];
  const size_t at[6] = {0, 1, 2, 3, 5, 6};
  for (int i = 0; i < 6; ++i) {
    const char c = date[at[i]];
    if (c < '0' || c > '9') return std::nullopt;
    digits[i] = c - '0';
  }
  const int year = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
  const int month = digits[4] * 10 + digits[5];
  if (year < limits::kYearMin || year > limits::kYearMax || month < 1 || month > 12) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(year * 12 + month - 1);
}

std::string RegionBalances::MonthName(uint32_t month) {
  const uint32_t in_year = month % 12 + 1;
  return absl::StrCat(month / 12, in_year < 10 ? "-0" : "-", in_year);
}

void RegionBalances::Index::Add(v1::RegionEntry* entry) {
  const uint32_t parent = entry->parent_code().empty() ? kNoParent : SlotOf(entry->parent_code());
  slot_of_region.emplace(entry->code(), static_cast<uint32_t>(slots.size()));
  slots.push_back({entry, entry->mutable_own(), entry->mutable_total(), parent, nullptr});
}

absl::Status RegionBalances::Index::Rebuild(absl::string_view projection,
                                            v1::RegionBalancesState* state) {
  // Registration order: a parent before its children, at one level above.
  slots.reserve(state->regions_size());
  slot_of_region.reserve(state->regions_size());
  for (v1::RegionEntry& entry : *state->mutable_regions()) {
    if (slot_of_region.contains(entry.code())) {
      return StateHoldsTwice(projection, "region", entry.code());
    }
    int depth = 0;
    if (!entry.parent_code().empty()) {
      const uint32_t parent = SlotOf(entry.parent_code());
      if (parent == kNotFound) {
        return absl::DataLossError(absl::StrCat(projection, " state holds region ", entry.code(),
                                                " before its parent ", entry.parent_code()));
      }
      depth = slots[parent].entry->depth() + 1;
    }
    if (entry.depth() != depth || depth > limits::kRegionDepthMax) {
      return absl::DataLossError(absl::StrCat(projection, " state holds region ", entry.code(),
                                              " at depth ", entry.depth(), " instead of ", depth));
    }
    Add(&entry);
  }
  slot_of_project.reserve(state->project_regions_size());
  for (const v1::ProjectRegion& project : state->project_regions()) {
    const uint32_t slot = SlotOf(project.region_code());
    if (slot == kNotFound) {
      return absl::DataLossError(absl::StrCat(projection, " state holds project ",
                                              project.project_id(), " in unknown region ",
                                              project.region_code()));
    }
    if (!slot_of_project.emplace(project.project_id(), slot).second) {
      return StateHoldsTwice(projection, "project", project.project_id());
    }
  }
  return IndexMonths(projection, state);
}

absl::Status RegionBalances::Index::IndexMonths(absl::string_view projection,
                                                v1::RegionBalancesState* state) {
  for (v1::RegionMonths& months : *state->mutable_months()) {
    if (months.region() >= slots.size()) {
      return absl::DataLossError(absl::StrCat(projection, " state holds months of region index ",
                                              months.region(), " of ", slots.size()));
    }
    Slot& slot = slots[months.region()];
    if (slot.months != nullptr) {
      return StateHoldsTwice(projection, "the months of region", slot.entry->code());
    }
    const auto arrays = MonthArrays(&months);
    const size_t size = static_cast<size_t>(arrays[0]->size());
    bool same_sizes = true;
    for (const auto* array : arrays) same_sizes &= static_cast<size_t>(array->size()) == size;
    if (!same_sizes || size == 0 || months.first_month() < kFirstMonth ||
        months.first_month() - kFirstMonth + size > kMonthSpan) {
      return absl::DataLossError(absl::StrCat(projection, " state holds months of region ",
                                              slot.entry->code(), " that no fold produces"));
    }
    slot.months = &months;
  }
  return absl::OkStatus();
}

uint32_t RegionBalances::Index::SlotOf(absl::string_view code) const {
  auto it = slot_of_region.find(code);
  return it == slot_of_region.end() ? kNotFound : it->second;
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

void RegionBalances::VisitMonthsWithin(
    absl::string_view code, absl::FunctionRef<void(const v1::RegionMonths&)> visit) const {
  const v1::RegionBalancesState& state = data_.state();
  if (code.empty()) {
    for (const v1::RegionMonths& months : state.months()) visit(months);
    return;
  }
  const std::vector<Index::Slot>& slots = data_.index().slots;
  const uint32_t root = data_.index().SlotOf(code);
  AIDLEDGER_CHECK(root != kNotFound);
  // A parent's slot comes before its children's, so one pass marks the
  // whole subtree.
  std::vector<bool> within(slots.size(), false);
  within[root] = true;
  for (size_t slot = root + 1; slot < slots.size(); ++slot) {
    within[slot] = slots[slot].parent != kNoParent && within[slots[slot].parent];
  }
  for (const v1::RegionMonths& months : state.months()) {
    if (within[months.region()]) visit(months);
  }
}

RegionBalances::Delta RegionBalances::MoneyDelta(const FoldEvent& event, int64_t sign) {
  Delta delta;
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      delta.allocated = sign * event.amount_fen;
      delta.balance = delta.allocated;
      break;
    case v1::Event::kFundsDisbursed:
      delta.disbursed = sign * event.amount_fen;
      delta.balance = -delta.disbursed;
      break;
    case v1::Event::kInvestmentRecorded:
      delta.invested = sign * event.amount_fen;
      break;
    case v1::Event::kSaleRecorded:
      delta.sales = sign * event.amount_fen;
      break;
    default:
      break;
  }
  return delta;
}

bool RegionBalances::MonthWouldOverflow(const FoldEvent& event) const {
  const bool reversal = event.payload == v1::Event::kEventReversed;
  const FoldEvent& folded = reversal ? *event.target : event;
  if (!IsMoneyEvent(folded.payload)) return false;
  const uint32_t slot = SlotFor(folded);
  const std::optional<uint32_t> month = MonthIndex(event.effective_date);
  if (slot == kNotFound || !month.has_value()) return false;
  const v1::RegionMonths* months = data_.index().slots[slot].months;
  if (months == nullptr || *month < months->first_month() ||
      *month - months->first_month() >= static_cast<uint32_t>(months->allocated_fen_size())) {
    return false;  // a month's first event: one amount, far from int64's bounds
  }
  const int at = static_cast<int>(*month - months->first_month());
  const Delta delta = MoneyDelta(folded, reversal ? -1 : +1);
  int64_t sum;
  return __builtin_add_overflow(months->allocated_fen(at), delta.allocated, &sum) ||
         __builtin_add_overflow(months->disbursed_fen(at), delta.disbursed, &sum) ||
         __builtin_add_overflow(months->invested_fen(at), delta.invested, &sum) ||
         __builtin_add_overflow(months->sales_fen(at), delta.sales, &sum);
}

absl::Status RegionBalances::AddToMonth(const FoldEvent& event, uint32_t slot,
                                        absl::string_view date, const Delta& delta) {
  const std::optional<uint32_t> month = MonthIndex(date);
  if (!month.has_value()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " counts on date ", date,
                                            ", outside the years a ledger admits"));
  }
  Index::Slot& at = data_.mutable_index()->slots[slot];
  if (at.months == nullptr) {
    at.months = data_.mutable_state()->add_months();
    at.months->set_region(slot);
  }
  const int index = static_cast<int>(ReserveMonth(at.months, *month));
  const std::array<int64_t, 4> adds = {delta.allocated, delta.disbursed, delta.invested,
                                       delta.sales};
  const auto arrays = MonthArrays(at.months);
  std::array<int64_t, 4> sums;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (__builtin_add_overflow(arrays[i]->Get(index), adds[i], &sums[i])) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " takes a monthly figure of region ",
                                              at.entry->code(), " past 64 bits"));
    }
  }
  for (size_t i = 0; i < arrays.size(); ++i) arrays[i]->Set(index, sums[i]);
  return absl::OkStatus();
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

absl::Status RegionBalances::RegisterRegion(const FoldEvent& event) {
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
  return absl::OkStatus();
}

template <typename Visit>
void RegionBalances::WithRegionKey(const FoldEvent& event, Visit visit) const {
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      return visit(data_.index().slot_of_region, event.recipient_code);
    case v1::Event::kFundsDisbursed:
      return visit(data_.index().slot_of_project, event.project_id);
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      return visit(data_.index().slot_of_region, event.region_code);
    default:
      return;
  }
}

uint32_t RegionBalances::SlotFor(const FoldEvent& event) const {
  uint32_t slot = kNotFound;
  WithRegionKey(event, [&](const auto& map, absl::string_view key) {
    auto it = map.find(key);
    if (it != map.end()) slot = it->second;
  });
  return slot;
}

uint32_t RegionBalances::Locate(const FoldEvent& event) const {
  const uint32_t slot = SlotFor(event);
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
        WithRegionKey(event, [](const auto& map, absl::string_view key) { map.prefetch(key); });
      },
      [this](const FoldEvent& event) { return Locate(event); },
      [this](const FoldEvent& event, int64_t sign, uint32_t located, absl::string_view date) {
        return FoldAt(event, sign, located, date);
      });
}

absl::Status RegionBalances::FoldAt(const FoldEvent& event, int64_t sign, uint32_t located,
                                    absl::string_view counted_on) {
  switch (event.payload) {
    case v1::Event::kRegionRegistered:
      return RegisterRegion(event);
    case v1::Event::kProjectRegistered:
      return RegisterProject(event);
    default:
      break;
  }
  if (!IsMoneyEvent(event.payload)) return absl::OkStatus();  // pairings change no balance
  // A money event's region, looked up here when Locate did not find it.
  const uint32_t slot = located != kNotFound ? located : SlotFor(event);
  if (slot == kNotFound) {
    absl::Status unknown;
    WithRegionKey(event, [&](const auto& map, absl::string_view key) {
      unknown = Unknown(event, &map == &data_.index().slot_of_project ? "project" : "region", key);
    });
    return unknown;
  }
  const Delta delta = MoneyDelta(event, sign);
  RETURN_IF_ERROR(AddToMonth(event, slot, counted_on, delta));
  AddToRegion(slot, delta);
  return absl::OkStatus();
}

absl::Status RegionBalances::RegisterProject(const FoldEvent& event) {
  const uint32_t slot = data_.index().SlotOf(event.region_code);
  if (slot == kNotFound) return Unknown(event, "region", event.region_code);
  if (data_.index().slot_of_project.contains(event.project_id)) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " registers project ",
                                            event.project_id, " again"));
  }
  v1::ProjectRegion& project = *data_.mutable_state()->add_project_regions();
  project.set_project_id(event.project_id.data(), event.project_id.size());
  project.set_region_code(event.region_code.data(), event.region_code.size());
  data_.mutable_index()->slot_of_project.emplace(project.project_id(), slot);
  Delta delta;
  delta.projects = 1;
  AddToRegion(slot, delta);
  return absl::OkStatus();
}

}  // namespace aidledger
