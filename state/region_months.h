// RegionMonths: each region's own money figures by effective month
// (v1::MonthlyFigures), from which GET /v1/series sums a region's subtree.
// A region's own figures count as in RegionBalances: allocations by
// recipient_code, investments and sales by region_code, disbursements by
// their project's region. A change counts in the month it is effective, a
// reversal in its own month (as an as-of fold counts it), so a region's
// figures summed through a month are its own figures as of that month's
// last day.
//
// A projection of its own, not a part of RegionBalances, so that the
// queries that do not read it (every report) neither load nor fold it.
#ifndef AIDLEDGER_STATE_REGION_MONTHS_H_
#define AIDLEDGER_STATE_REGION_MONTHS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "aidledger/v1/projections.pb.h"
#include "base/limits.h"
#include "state/indexed_state.h"
#include "state/receiving_region.h"
#include "state/projection.h"

namespace aidledger {

class RegionMonths final : public Projection {
 public:
  // Unchanged when registrations came to be taken back: no log before it
  // holds such a reversal, so every version 1 state is still what a fold
  // of its log produces.
  static constexpr uint32_t kVersion = 1;
  static constexpr absl::string_view kName = "region_months";

  // Months are counted as year * 12 + (month - 1); the dates a ledger
  // admits (limits::kYearMin..kYearMax) span kMonthSpan of them.
  static constexpr uint32_t kFirstMonth = limits::kYearMin * 12;
  static constexpr uint32_t kMonthSpan = (limits::kYearMax - limits::kYearMin + 1) * 12;
  // The month of a date (YYYY-MM-DD, or YYYY-MM) as counted above;
  // nullopt when it is not one within the years a ledger admits.
  static std::optional<uint32_t> MonthIndex(absl::string_view date);
  // "YYYY-MM" of a month so counted.
  static std::string MonthName(uint32_t month);
  // The index of `month` in `arrays` (of equal size, the first holding
  // month *first_month; any first month when they are empty), growing them
  // all to hold it: a month before the first moves them up and makes it
  // the first. REQUIRES: arrays is not empty.
  static size_t ReserveMonth(uint32_t month, uint32_t* first_month,
                             absl::Span<google::protobuf::RepeatedField<int64_t>* const> arrays);

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::RegionMonthsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // Whether folding `event` would take a monthly figure of its region past
  // int64 (validation refuses such an event: the grand totals bound the
  // net figures, not one month's, which counts reversals of earlier months).
  bool MonthWouldOverflow(const FoldEvent& event) const;

  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

  // Adds money event `event` folded with `sign` to `months` in the month
  // of `counted_on` (Fold's date), growing them to hold it: kDataLoss for a
  // date outside the years a ledger admits or a sum past int64. Shared
  // with FlowMonths, which keeps the same figures per helper and program.
  // kDataLoss unless `counted_on` is a date within the years a ledger
  // admits (AddMoney's check, for a caller to make before it creates the
  // months it adds to).
  static absl::Status CheckCountedOn(const FoldEvent& event, absl::string_view counted_on);
  static absl::Status AddMoney(const FoldEvent& event, int64_t sign, absl::string_view counted_on,
                               v1::MonthlyFigures* months);

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) override {
    return FoldAt(event, sign, kNotFound, counted_on);
  }

 private:
  static constexpr uint32_t kNotFound = ReceivingRegionSlots::kNotFound;

  // As in RegionBalances: a slot per registered region (in registration
  // order), found by one probe of a flat hash map by region or by project.
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::RegionMonthsState* state);
    uint32_t SlotOf(absl::string_view code) const { return keys.SlotOf(code); }

    struct Slot {
      absl::string_view code;          // the state's string
      v1::MonthlyFigures* months;      // nullptr before its first money event
    };
    std::vector<Slot> slots;
    ReceivingRegionSlots keys;  // slots by region code and by project
  };

  // A region's or project's registration; sign -1 takes it back.
  absl::Status Register(const FoldEvent& event, int64_t sign);
  // Fold, given the slot ApplyBatch located for `event` (kNotFound: look it up).
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, uint32_t located,
                      absl::string_view counted_on);

  IndexedState<v1::RegionMonthsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_REGION_MONTHS_H_
