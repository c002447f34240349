// RegionBalances: per region, what it received (own) and what it and every
// region below it received (total). A region's own figures count the money
// events in which it is the receiving side: allocations by recipient_code,
// investments and sales by region_code, disbursements by their project's
// region. What a region gives as a helper is in HelperTotals, never here.
#ifndef AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_
#define AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "projections/projection.h"

namespace aidledger {

class RegionBalances final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;

  RegionBalances() = default;
  // The index points into the state: copies rebuild it, moves keep it.
  RegionBalances(const RegionBalances& other);
  RegionBalances& operator=(const RegionBalances& other);
  RegionBalances(RegionBalances&& other) noexcept;
  RegionBalances& operator=(RegionBalances&& other) noexcept;

  absl::string_view name() const override { return "region_balances"; }
  uint32_t version() const override { return kVersion; }
  const v1::RegionBalancesState& state() const override { return state_; }
  absl::Status LoadState(absl::string_view bytes) override;
  void Reset() override;

  // nullptr when the region is not registered.
  const v1::RegionEntry* FindRegion(absl::string_view code) const;
  // The region of a registered project, or nullptr.
  const std::string* FindProjectRegion(absl::string_view project_id) const;
  // True when `code` is `ancestor` or lies below it.
  bool IsWithin(absl::string_view code, absl::string_view ancestor) const;

 protected:
  absl::Status Fold(const v1::Event& event, int64_t sign) override;

 private:
  // Figures as plain integers: a fold step builds no message.
  struct Delta {
    int64_t allocated = 0, disbursed = 0, balance = 0, invested = 0, sales = 0, projects = 0;
  };
  // A registered region in the index: its entry in `state_` and the slot of
  // its parent (kNoParent at the top).
  struct Slot {
    v1::RegionEntry* entry;
    uint32_t parent;
  };
  static constexpr uint32_t kNoParent = UINT32_MAX;
  static constexpr uint32_t kNotFound = UINT32_MAX;

  // Adds `delta` to the own figures of the region in `slot` and to the
  // totals of it and of every ancestor.
  void AddToRegion(uint32_t slot, const Delta& delta);
  absl::Status RegisterRegion(const v1::Event& event);
  uint32_t SlotOf(absl::string_view code) const;
  // Adds the region `code` (already in `state_`) to the index.
  void IndexRegion(const std::string& code, v1::RegionEntry* entry);
  // Rebuilds the index from `state_` (after a copy, load or reset).
  void RebuildIndex();
  // After `state_` and the index were moved from `from`: keeps the index if
  // it points into `state_`, and empties `from`.
  void AfterMove(RegionBalances* from);

  v1::RegionBalancesState state_;
  // The fold's index over `state_`: every lookup of a fold step is one probe
  // of a flat hash map instead of a walk of protobuf maps keyed by string.
  // The pointers stay valid because protobuf's Map, like std::unordered_map,
  // never moves an element when it grows; nothing is ever erased.
  std::vector<Slot> slots_;
  absl::flat_hash_map<std::string, uint32_t> slot_of_region_;
  absl::flat_hash_map<std::string, uint32_t> slot_of_project_;  // the project's region
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_
