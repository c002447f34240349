// RegionBalances: per region, what it received (own) and what it and every
// region below it received (total). A region's own figures count the money
// events in which it is the receiving side: allocations by recipient_code,
// investments and sales by region_code, disbursements by their project's
// region. What a region gives as a helper is in HelperTotals, never here.
#ifndef AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_
#define AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_

#include "aidledger/v1/projections.pb.h"
#include "projections/projection.h"

namespace aidledger {

class RegionBalances final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;

  absl::string_view name() const override { return "region_balances"; }
  uint32_t version() const override { return kVersion; }
  const v1::RegionBalancesState& state() const override { return state_; }
  absl::Status LoadState(absl::string_view bytes) override;
  void Reset() override { state_.Clear(); }

  // nullptr when the region is not registered.
  const v1::RegionEntry* FindRegion(const std::string& code) const;
  // The region of a registered project, or nullptr.
  const std::string* FindProjectRegion(const std::string& project_id) const;
  // True when `code` is `ancestor` or lies below it.
  bool IsWithin(const std::string& code, const std::string& ancestor) const;

 protected:
  absl::Status Fold(const v1::Event& event, int64_t sign) override;

 private:
  // Adds `delta` to `code`'s own figures and to the totals of it and of every
  // ancestor. REQUIRES: `code` is registered.
  void AddToRegion(const std::string& code, const v1::RegionFigures& delta);
  absl::Status RegisterRegion(const v1::Event& event);

  v1::RegionBalancesState state_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_REGION_BALANCES_H_
