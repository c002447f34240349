// Books: every projection, folded together. The ledger keeps one Books at its
// head and validates each new event against it, so validation and the
// dashboards read the very same state.
#ifndef AIDLEDGER_PROJECTIONS_BOOKS_H_
#define AIDLEDGER_PROJECTIONS_BOOKS_H_

#include <array>

#include "absl/types/span.h"

#include "projections/helper_totals.h"
#include "projections/project_totals.h"
#include "projections/region_balances.h"

namespace aidledger {

class Books {
 public:
  // The projections a Books holds, in all() order, known without building
  // one (snapshot checks only need their names and versions).
  struct Kind {
    absl::string_view name;
    uint32_t version;
  };
  static constexpr std::array<Kind, 3> kKinds = {{
      {RegionBalances::kName, RegionBalances::kVersion},
      {ProjectTotals::kName, ProjectTotals::kVersion},
      {HelperTotals::kName, HelperTotals::kVersion},
  }};

  Books() = default;
  Books(const Books& other) = default;
  Books& operator=(const Books& other) = default;
  // Declared so that moving a Books moves its maps instead of copying them.
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

  // How many events were folded into this Books since construction or Reset.
  uint64_t events_folded() const { return events_folded_; }

  void Reset();

  std::array<Projection*, 3> all() { return {&regions, &projects, &helpers}; }
  std::array<const Projection*, 3> all() const { return {&regions, &projects, &helpers}; }

  RegionBalances regions;
  ProjectTotals projects;
  HelperTotals helpers;

 private:
  uint64_t events_folded_ = 0;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_BOOKS_H_
