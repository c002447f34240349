// IndicatorTotals (issue 22): per helper, recipient, year and indicator,
// the figure so far, and the annual agreement targets with every revision.
// Money indicators are derived here from the money events (an allocation
// counts as fiscal assistance of its helper to its recipient; an
// investment or a sale with a helper as that helper's to its region), the
// rest folded from IndicatorRecorded. A figure counts in the year of the
// event's effective date; a reversal takes it back from that year. The
// recipient is kept as recorded: the progress report rolls it up.
#ifndef AIDLEDGER_STATE_INDICATOR_TOTALS_H_
#define AIDLEDGER_STATE_INDICATOR_TOTALS_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

class IndicatorTotals final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;
  static constexpr absl::string_view kName = "indicator_totals";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::IndicatorTotalsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // The target of exactly this year, pairing and indicator, or nullptr.
  const v1::IndicatorTarget* FindTarget(int32_t year, absl::string_view helper_code,
                                        absl::string_view recipient_code, int indicator) const;
  // The figure of exactly this year, helper, recipient and indicator (0
  // when none was folded).
  int64_t FigureOf(int32_t year, absl::string_view helper_code, absl::string_view recipient_code,
                   int indicator) const;
  // The sequence of the first TargetSet of exactly this pairing, any year
  // and indicator; 0 when none. One pass over the targets: validation asks
  // only to take a pairing's registration back.
  uint64_t FirstTargetOf(absl::string_view helper_code, absl::string_view recipient_code) const;

  // The year of a YYYY-MM-DD date; 0 when it has none.
  static int32_t YearOf(absl::string_view date);

  // Folds a batch a stage at a time (Projection::ApplyStaged): each event's
  // figure is located, and its cache lines touched, before any is folded.
  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view) override {
    return FoldAt(event, sign, nullptr);
  }

 private:
  // A figure's or target's key: region codes are six digits, held as
  // numbers, so that a fold step hashes 16 bytes and allocates nothing.
  struct Key {
    uint32_t helper = 0, recipient = 0;
    int32_t year = 0, indicator = 0;
    bool operator==(const Key& other) const {
      return helper == other.helper && recipient == other.recipient && year == other.year &&
             indicator == other.indicator;
    }
    template <typename H>
    friend H AbslHashValue(H hash, const Key& key) {
      return H::combine(std::move(hash), key.helper, key.recipient, key.year, key.indicator);
    }
  };
  // Fold, given the figure ApplyBatch located for `event` (nullptr: look
  // it up).
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, v1::IndicatorFigure* located);
  // The key of the one figure a money event or an indicator adds to (its
  // breakdowns aside); nullopt for the other events.
  static std::optional<Key> FigureKeyOf(const FoldEvent& event);
  absl::Status AddFigure(const FoldEvent& event, absl::string_view helper,
                         absl::string_view recipient, int indicator, int64_t value,
                         v1::IndicatorFigure* located = nullptr);
  absl::Status SetTarget(const FoldEvent& event);
  // The key, or nullopt when a code is not six digits (validation admits
  // no such code).
  static std::optional<Key> KeyOf(int32_t year, absl::string_view helper,
                                  absl::string_view recipient, int indicator);

  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::IndicatorTotalsState* state);
    absl::flat_hash_map<Key, v1::IndicatorFigure*> figures;
    absl::flat_hash_map<Key, v1::IndicatorTarget*> targets;
  };

  IndexedState<v1::IndicatorTotalsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_INDICATOR_TOTALS_H_
