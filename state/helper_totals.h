// HelperTotals: per helper region, what it allocated, brought in as
// investment and bought as consumption assistance, in all and by program.
// It also holds the pairings, which validation reads to admit allocations,
// and per helper and region the latest date money went between them, which
// validation reads to admit a pairing's end.
#ifndef AIDLEDGER_STATE_HELPER_TOTALS_H_
#define AIDLEDGER_STATE_HELPER_TOTALS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

class HelperTotals final : public Projection {
 public:
  // 3: regions renamed by amendments (issue 21). 4: pairings end, and the
  // money flows that bound an end's date. 5: registrations are taken back,
  // and a sale with no helper is a flow too. 6: a recorded indicator is a
  // flow (issue 22).
  static constexpr uint32_t kVersion = 6;

  static constexpr absl::string_view kName = "helper_totals";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::HelperTotalsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // The pairing of exactly this helper with exactly this recipient, or nullptr.
  const v1::Pairing* FindPairing(absl::string_view helper_code,
                                 absl::string_view recipient_code) const;
  static std::string PairingKey(absl::string_view helper_code, absl::string_view recipient_code);

  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view) override {
    return FoldAt(event, sign, {});
  }

 private:
  // What ApplyBatch locates for an event before folding it: the helper's
  // entry and the money flow it notes (nullptr: look it up when folding).
  // Both are a probe of a large map: located a batch ahead, their cache
  // misses overlap.
  struct Located {
    v1::HelperEntry* helper = nullptr;
    v1::MoneyFlow* flow = nullptr;
  };
  // Fold, given what ApplyBatch located for `event`.
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, Located located);
  // FoldAt for a region's registration (its name) and a pairing; sign -1
  // takes the registration back.
  absl::Status FoldRegion(const FoldEvent& event, int64_t sign);
  absl::Status FoldPairing(const FoldEvent& event, int64_t sign);
  absl::Status EndPairing(const FoldEvent& event);
  // Moves the last date of the money from `event`'s helper to `region` on
  // to the event's date (never back); `located` is the flow, or nullptr.
  void NoteFlow(const FoldEvent& event, absl::string_view region, v1::MoneyFlow* located);
  // The region a flow of `event` goes to (empty: it notes none), and the
  // flows' key of `event`'s helper and that region, built in `key`.
  static absl::string_view FlowRegion(const FoldEvent& event);
  static const std::string& FlowKey(const FoldEvent& event, absl::string_view region,
                                    std::string* key);
  absl::Status RenameRegion(const FoldEvent& event);
  // The helper's entry, created (named from the region) on first use.
  v1::HelperEntry* Helper(absl::string_view code);
  // The entries of the state by key: one flat-map probe per lookup.
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::HelperTotalsState* state);
    absl::flat_hash_map<std::string, v1::HelperEntry*> entries;      // helpers by code
    absl::flat_hash_map<std::string, v1::Pairing*> pairings;         // by PairingKey
    absl::flat_hash_map<std::string, const std::string*> region_names;  // code -> name
    absl::flat_hash_map<std::string, v1::MoneyFlow*> flows;  // by PairingKey(helper, region)
  };
  std::string flow_key_;  // NoteFlow's key, reused

  IndexedState<v1::HelperTotalsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_HELPER_TOTALS_H_
