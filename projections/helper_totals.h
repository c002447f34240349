// HelperTotals: per helper region, what it allocated, brought in as
// investment and bought as consumption assistance, in all and by program.
// It also holds the pairings, which validation reads to admit allocations.
#ifndef AIDLEDGER_PROJECTIONS_HELPER_TOTALS_H_
#define AIDLEDGER_PROJECTIONS_HELPER_TOTALS_H_

#include <string>

#include <string>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "projections/projection.h"

namespace aidledger {

class HelperTotals final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;

  HelperTotals() = default;
  // The index points into the state: copies rebuild it, moves keep it.
  HelperTotals(const HelperTotals& other);
  HelperTotals& operator=(const HelperTotals& other);
  HelperTotals(HelperTotals&& other) noexcept;
  HelperTotals& operator=(HelperTotals&& other) noexcept;

  absl::string_view name() const override { return "helper_totals"; }
  uint32_t version() const override { return kVersion; }
  const v1::HelperTotalsState& state() const override { return state_; }
  absl::Status LoadState(absl::string_view bytes) override;
  void Reset() override;

  // The pairing of exactly this helper with exactly this recipient, or nullptr.
  const v1::Pairing* FindPairing(const std::string& helper_code,
                                 const std::string& recipient_code) const;
  static std::string PairingKey(const std::string& helper_code,
                                const std::string& recipient_code);

 protected:
  absl::Status Fold(const v1::Event& event, int64_t sign) override;

 private:
  // The helper's entry, created (named from the region) on first use.
  v1::HelperEntry* Helper(const std::string& code);
  void RebuildIndex();
  // After `state_` and the index were moved from `from`: keeps the index if
  // it points into `state_`, and empties `from`.
  void AfterMove(HelperTotals* from);

  v1::HelperTotalsState state_;
  // code -> the helper's entry in `state_`: one flat-map probe per fold
  // step. Protobuf's Map, like std::unordered_map, never moves an element
  // when it grows, and nothing is erased, so the pointers stay valid.
  absl::flat_hash_map<std::string, v1::HelperEntry*> index_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_HELPER_TOTALS_H_
