// Books: every projection, folded together. The ledger keeps one Books at its
// head and validates each new event against it, so validation and the
// dashboards read the very same state.
#ifndef AIDLEDGER_STATE_BOOKS_H_
#define AIDLEDGER_STATE_BOOKS_H_

#include <array>
#include <cstdint>

#include "absl/types/span.h"

#include "state/helper_totals.h"
#include "state/indicator_totals.h"
#include "state/project_totals.h"
#include "state/region_balances.h"
#include "state/region_months.h"
#include "state/reversed_events.h"

namespace aidledger {

class Books {
 public:
  // The projections a Books holds, in all() order, known without building
  // one (snapshot checks only need their names and versions).
  struct Kind {
    absl::string_view name;
    uint32_t version;
  };
  static constexpr size_t kKindCount = 6;
  static constexpr std::array<Kind, kKindCount> kKinds = {{
      {RegionBalances::kName, RegionBalances::kVersion},
      {ProjectTotals::kName, ProjectTotals::kVersion},
      {HelperTotals::kName, HelperTotals::kVersion},
      {ReversedEvents::kName, ReversedEvents::kVersion},
      {RegionMonths::kName, RegionMonths::kVersion},
      {IndicatorTotals::kName, IndicatorTotals::kVersion},
  }};

  // Which projections a Books folds: a bit each, in all() order. A query
  // that reads one report need not load or fold the others; the live Books,
  // and every Books that is snapshotted or audited, folds them all.
  using Set = uint32_t;
  static constexpr Set kRegions = 1u << 0;
  static constexpr Set kProjects = 1u << 1;
  static constexpr Set kHelpers = 1u << 2;
  static constexpr Set kReversed = 1u << 3;
  static constexpr Set kMonths = 1u << 4;
  static constexpr Set kIndicators = 1u << 5;
  static constexpr Set kAll = kRegions | kProjects | kHelpers | kReversed | kMonths | kIndicators;

  Books() = default;
  explicit Books(Set folded) : folded_(folded) {}
  Books(const Books& other) = default;
  Books& operator=(const Books& other) = default;
  // Declared so that moving a Books moves its states (their arenas) instead
  // of copying them.
  Books(Books&& other) noexcept = default;
  Books& operator=(Books&& other) noexcept = default;

  // Applies `event` to every projection. An error means the log holds an
  // event validation would never admit (corruption): the Books may then be
  // partly updated and must be discarded.
  absl::Status Apply(const FoldEvent& event);
  absl::Status Apply(const v1::Event& event);  // views it, then as above
  // Applies `events` in order, as Apply one by one, each projection a batch
  // at a time (Projection::ApplyBatch): a rebuild's fold steps are bound by
  // cache misses, which then overlap. On an error, it is the earliest
  // event's. REQUIRES: events.size() <= limits::kFoldBatchEvents.
  absl::Status ApplyAll(absl::Span<const FoldEvent* const> events);

  Set folded() const { return folded_; }
  // True when every projection of `set` is folded.
  bool Folds(Set set) const { return (folded_ & set) == set; }
  // Whether the projection at `index` of all() is folded (the state of one
  // that is not stays empty).
  bool FoldsIndex(size_t index) const { return (folded_ & (Set{1} << index)) != 0; }

  // How many events were folded into this Books since construction or Reset.
  uint64_t events_folded() const { return events_folded_; }

  void Reset();

  std::array<Projection*, kKindCount> all() {
    return {&regions, &projects, &helpers, &reversed, &months, &indicators};
  }
  std::array<const Projection*, kKindCount> all() const {
    return {&regions, &projects, &helpers, &reversed, &months, &indicators};
  }

  RegionBalances regions;
  ProjectTotals projects;
  HelperTotals helpers;
  ReversedEvents reversed;
  RegionMonths months;
  IndicatorTotals indicators;

 private:
  Set folded_ = kAll;
  uint64_t events_folded_ = 0;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_BOOKS_H_
