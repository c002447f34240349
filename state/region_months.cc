#include "state/region_months.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

using Array = google::protobuf::RepeatedField<int64_t>;

// The four monthly arrays of `months`, in RegionFigures order.
std::array<Array*, 4> MonthArrays(v1::MonthlyFigures* months) {
  return {months->mutable_allocated_fen(), months->mutable_disbursed_fen(),
          months->mutable_invested_fen(), months->mutable_sales_fen()};
}

// What a money event folded with `sign` adds to each array.
std::array<int64_t, 4> MoneyDelta(const FoldEvent& event, int64_t sign) {
  std::array<int64_t, 4> delta = {0, 0, 0, 0};
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      delta[0] = sign * event.amount_fen;
      break;
    case v1::Event::kFundsDisbursed:
      delta[1] = sign * event.amount_fen;
      break;
    case v1::Event::kInvestmentRecorded:
      delta[2] = sign * event.amount_fen;
      break;
    case v1::Event::kSaleRecorded:
      delta[3] = sign * event.amount_fen;
      break;
    default:
      break;
  }
  return delta;
}

// The index in the arrays of `months` (empty, or holding months) of
// `month`, growing them to hold it.
size_t ReserveMonthOf(v1::MonthlyFigures* months, uint32_t month) {
  const std::array<Array*, 4> arrays = MonthArrays(months);
  uint32_t first = months->first_month();
  const size_t at = RegionMonths::ReserveMonth(month, &first, arrays);
  months->set_first_month(first);
  return at;
}

}  // namespace

size_t RegionMonths::ReserveMonth(uint32_t month, uint32_t* first_month,
                                  absl::Span<google::protobuf::RepeatedField<int64_t>* const> arrays) {
  const size_t size = static_cast<size_t>(arrays[0]->size());
  if (size == 0) *first_month = month;
  const uint32_t first = *first_month;
  if (month < first) {
    // A month before the first: the arrays move up.
    const size_t shift = first - month;
    for (Array* array : arrays) {
      array->Resize(static_cast<int>(size + shift), 0);
      std::memmove(array->mutable_data() + shift, array->data(), size * sizeof(int64_t));
      std::fill_n(array->mutable_data(), shift, 0);
    }
    *first_month = month;
    return 0;
  }
  if (month - first >= size) {
    for (Array* array : arrays) array->Resize(static_cast<int>(month - first + 1), 0);
  }
  return month - first;
}

std::optional<uint32_t> RegionMonths::MonthIndex(absl::string_view date) {
  if (date.size() < 7 || date[4] != '-') return std::nullopt;
  constexpr size_t kDigitAt[6] = {0, 1, 2, 3, 5, 6};
  int digits[6];
  for (int i = 0; i < 6; ++i) {
    const char c = date[kDigitAt[i]];
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

absl::Status RegionMonths::CheckCountedOn(const FoldEvent& event, absl::string_view counted_on) {
  if (MonthIndex(counted_on).has_value()) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("event ", event.sequence, " counts on date ", counted_on,
                                          ", outside the years a ledger admits"));
}

std::string RegionMonths::MonthName(uint32_t month) {
  const uint32_t in_year = month % 12 + 1;
  return absl::StrCat(month / 12, in_year < 10 ? "-0" : "-", in_year);
}

absl::Status RegionMonths::Index::Rebuild(absl::string_view projection,
                                          v1::RegionMonthsState* state) {
  slots.reserve(state->regions_size());
  keys.of_region.reserve(state->regions_size());
  for (const std::string& code : state->regions()) {
    if (!keys.of_region.emplace(code, static_cast<uint32_t>(slots.size())).second) {
      return StateHoldsTwice(projection, "region", code);
    }
    slots.push_back({code, nullptr});
  }
  RETURN_IF_ERROR(keys.IndexProjects(projection, state->project_regions()));
  for (v1::MonthlyFigures& months : *state->mutable_months()) {
    const uint32_t slot = SlotOf(months.region_code());
    if (slot == kNotFound) {
      return absl::DataLossError(absl::StrCat(projection, " state holds months of unknown region ",
                                              months.region_code()));
    }
    if (slots[slot].months != nullptr) {
      return StateHoldsTwice(projection, "the months of region", months.region_code());
    }
    const std::array<Array*, 4> arrays = MonthArrays(&months);
    const size_t size = static_cast<size_t>(arrays[0]->size());
    bool same_sizes = true;
    for (const Array* array : arrays) same_sizes &= static_cast<size_t>(array->size()) == size;
    if (!same_sizes || size == 0 || months.first_month() < kFirstMonth ||
        months.first_month() - kFirstMonth + size > kMonthSpan) {
      return absl::DataLossError(absl::StrCat(projection, " state holds months of region ",
                                              months.region_code(), " that no fold produces"));
    }
    slots[slot].months = &months;
  }
  return absl::OkStatus();
}

bool RegionMonths::MonthWouldOverflow(const FoldEvent& event) const {
  const bool reversal = event.payload == v1::Event::kEventReversed;
  const FoldEvent& folded = reversal ? *event.target : event;
  if (!IsMoneyEvent(folded.payload)) return false;
  const uint32_t slot = data_.index().keys.SlotFor(folded);
  const std::optional<uint32_t> month = MonthIndex(event.effective_date);
  if (slot == kNotFound || !month.has_value()) return false;
  const v1::MonthlyFigures* months = data_.index().slots[slot].months;
  if (months == nullptr || *month < months->first_month() ||
      *month - months->first_month() >= static_cast<uint32_t>(months->allocated_fen_size())) {
    return false;  // a month's first event: one amount, far from int64's bounds
  }
  const int at = static_cast<int>(*month - months->first_month());
  const std::array<int64_t, 4> delta = MoneyDelta(folded, reversal ? -1 : +1);
  const std::array<const Array*, 4> arrays = {&months->allocated_fen(), &months->disbursed_fen(),
                                              &months->invested_fen(), &months->sales_fen()};
  int64_t sum;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (__builtin_add_overflow(arrays[i]->Get(at), delta[i], &sum)) return true;
  }
  return false;
}

absl::Status RegionMonths::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  return ApplyStaged<uint32_t>(
      events, failed,
      [this](const FoldEvent& event) {
        data_.index().keys.Prefetch(event);
      },
      [this](const FoldEvent& event) {
        const uint32_t slot = data_.index().keys.SlotFor(event);
        if (slot != kNotFound && data_.index().slots[slot].months != nullptr) {
          PrefetchObject(data_.index().slots[slot].months);
        }
        return slot;
      },
      // The month's figures a fold adds to: a region's months are spread
      // over more memory than the caches hold. `event` is the one folded,
      // and a reversal counts on its own date.
      [this](const FoldEvent& event, uint32_t slot) {
        if (slot == kNotFound) return;
        const v1::MonthlyFigures* months = data_.index().slots[slot].months;
        const std::optional<uint32_t> month = MonthIndex(event.effective_date);
        if (months == nullptr || !month.has_value() || *month < months->first_month()) return;
        const uint32_t at = *month - months->first_month();
        if (at >= static_cast<uint32_t>(months->allocated_fen_size())) return;
        for (const Array* array : {&months->allocated_fen(), &months->disbursed_fen(),
                                   &months->invested_fen(), &months->sales_fen()}) {
          __builtin_prefetch(array->data() + at, 1);
        }
      },
      [this](const FoldEvent& event, int64_t sign, uint32_t located, absl::string_view date) {
        return FoldAt(event, sign, located, date);
      });
}

absl::Status RegionMonths::Register(const FoldEvent& event, int64_t sign) {
  v1::RegionMonthsState& state = *data_.mutable_state();
  Index& index = *data_.mutable_index();
  if (sign < 0) {
    // Validation took it back only while nothing named it: no money, so no
    // months.
    const bool region = event.payload == v1::Event::kRegionRegistered;
    const uint32_t slot = index.SlotOf(region ? event.code : event.region_code);
    const bool removed =
        slot != kNotFound && (!region || index.slots[slot].months == nullptr) &&
        (region ? RemoveFirst(state.mutable_regions(),
                              [&](const std::string& code) { return code == event.code; })
                : RemoveFirst(state.mutable_project_regions(), [&](const v1::ProjectRegion& p) {
                    return p.project_id() == event.project_id;
                  }));
    if (!removed) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              "'s registration is taken back while unknown "
                                              "or named by money"));
    }
    return data_.Reindex(name());
  }
  if (event.payload == v1::Event::kRegionRegistered) {
    if (index.keys.of_region.contains(event.code)) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, " registers region ",
                                              event.code, " again"));
    }
    std::string& code = *state.add_regions();
    code.assign(event.code.data(), event.code.size());
    index.keys.of_region.emplace(code, static_cast<uint32_t>(index.slots.size()));
    index.slots.push_back({code, nullptr});
    return absl::OkStatus();
  }
  const uint32_t slot = index.SlotOf(event.region_code);
  if (slot == kNotFound) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                            " references unknown region ", event.region_code));
  }
  if (index.keys.of_project.contains(event.project_id)) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " registers project ",
                                            event.project_id, " again"));
  }
  v1::ProjectRegion& project = *state.add_project_regions();
  project.set_project_id(event.project_id.data(), event.project_id.size());
  project.set_region_code(event.region_code.data(), event.region_code.size());
  index.keys.of_project.emplace(project.project_id(), slot);
  return absl::OkStatus();
}

absl::Status RegionMonths::FoldAt(const FoldEvent& event, int64_t sign, uint32_t located,
                                  absl::string_view counted_on) {
  if (event.payload == v1::Event::kRegionRegistered ||
      event.payload == v1::Event::kProjectRegistered) {
    return Register(event, sign);
  }
  if (!IsMoneyEvent(event.payload)) return absl::OkStatus();
  // A money event's region, looked up here when ApplyBatch did not find it.
  const uint32_t slot = located != kNotFound ? located : data_.index().keys.SlotFor(event);
  if (slot == kNotFound) return data_.index().keys.Unknown(event);
  // Checked before the region's months are created: a fold that fails
  // leaves the state as it was.
  RETURN_IF_ERROR(CheckCountedOn(event, counted_on));
  Index::Slot& at_slot = data_.mutable_index()->slots[slot];
  if (at_slot.months == nullptr) {
    at_slot.months = data_.mutable_state()->add_months();
    at_slot.months->set_region_code(at_slot.code.data(), at_slot.code.size());
  }
  return AddMoney(event, sign, counted_on, at_slot.months);
}

absl::Status RegionMonths::AddMoney(const FoldEvent& event, int64_t sign,
                                    absl::string_view counted_on, v1::MonthlyFigures* months) {
  const std::optional<uint32_t> month = MonthIndex(counted_on);
  if (!month.has_value()) return CheckCountedOn(event, counted_on);
  const int at = static_cast<int>(ReserveMonthOf(months, *month));
  const std::array<int64_t, 4> delta = MoneyDelta(event, sign);
  const std::array<Array*, 4> arrays = MonthArrays(months);
  std::array<int64_t, 4> sums;
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (__builtin_add_overflow(arrays[i]->Get(at), delta[i], &sums[i])) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " takes a monthly figure of region ",
                                              months->region_code(), " past 64 bits"));
    }
  }
  for (size_t i = 0; i < arrays.size(); ++i) arrays[i]->Set(at, sums[i]);
  return absl::OkStatus();
}

}  // namespace aidledger
