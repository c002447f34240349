// RegionBalances: per region, what it received (own) and what it and every
// region below it received (total). A region's own figures count the money
// events in which it is the receiving side: allocations by recipient_code,
// investments and sales by region_code, disbursements by their project's
// region. What a region gives as a helper is in HelperTotals, never here.
#ifndef AIDLEDGER_STATE_REGION_BALANCES_H_
#define AIDLEDGER_STATE_REGION_BALANCES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/receiving_region.h"
#include "state/projection.h"

namespace aidledger {

class RegionBalances final : public Projection {
 public:
  // 3: region amendments (names; amended_on). 4: a region moves under
  // another parent (the state's order is then no longer parent first), and
  // keeps its former names. 5: registrations are taken back, and a region
  // keeps the first event that names it (first_reference).
  static constexpr uint32_t kVersion = 5;

  static constexpr absl::string_view kName = "region_balances";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::RegionBalancesState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // nullptr when the region is not registered.
  const v1::RegionEntry* FindRegion(absl::string_view code) const;
  // True when `code` is `ancestor` or lies below it.
  bool IsWithin(absl::string_view code, absl::string_view ancestor) const;

  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view) override {
    return FoldAt(event, sign, kNotFound);
  }

 private:
  // Figures as plain integers: a fold step builds no message.
  struct Delta {
    int64_t allocated = 0, disbursed = 0, balance = 0, invested = 0, sales = 0, projects = 0;
  };
  static constexpr uint32_t kNoParent = UINT32_MAX;
  static constexpr uint32_t kNotFound = ReceivingRegionSlots::kNotFound;

  // The fold's index over the state: every lookup of a fold step is one
  // probe of a flat hash map instead of a walk of protobuf maps keyed by
  // string, and the walk up the tree follows parent slots.
  struct Index {
    // A registered region: its entry in the state, the entry's own and
    // total figures (the fold step's writes, one pointer away instead of
    // two), and the slot of its parent (kNoParent at the top).
    struct Slot {
      v1::RegionEntry* entry;
      v1::RegionFigures* own;
      v1::RegionFigures* total;
      uint32_t parent;
    };
    absl::Status Rebuild(absl::string_view projection, v1::RegionBalancesState* state);
    // Adds the region of `entry` (in the state, its parent indexed).
    void Add(v1::RegionEntry* entry);
    uint32_t SlotOf(absl::string_view code) const { return keys.SlotOf(code); }

    std::vector<Slot> slots;
    ReceivingRegionSlots keys;  // slots by region code and by project
  };

  // Adds `delta` to the own figures of the region in `slot` and to the
  // totals of it and of every ancestor.
  void AddToRegion(uint32_t slot, const Delta& delta);
  // sign -1: the registration taken back, the region then removed.
  absl::Status RegisterRegion(const FoldEvent& event, int64_t sign);
  absl::Status RegisterProject(const FoldEvent& event, int64_t sign);
  // Notes that `event` names the region in `slot`, if nothing did before.
  void NoteReference(uint32_t slot, const FoldEvent& event);
  // NoteReference by code; kDataLoss when the region is not registered.
  absl::Status NoteReference(absl::string_view code, const FoldEvent& event);
  absl::Status AmendRegion(const FoldEvent& event);
  // Moves the region in `slot`, with everything below it, under the region
  // in `parent`: its total leaves its old ancestors' totals and joins its
  // new ones', and the depths below it follow.
  absl::Status MoveRegion(const FoldEvent& event, uint32_t slot, uint32_t parent);
  // The slot of a money event's region, and prefetches its figures.
  uint32_t Locate(const FoldEvent& event) const;
  // Fold, given the slot Locate found for `event` (kNotFound: look it up).
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, uint32_t located);

  IndexedState<v1::RegionBalancesState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_REGION_BALANCES_H_
