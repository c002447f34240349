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

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "base/limits.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

// One figure an event adds to: a pairing as the event names it, an
// indicator and the value added (sign applied).
struct IndicatorFigure {
  absl::string_view helper, recipient;
  int indicator = 0;
  int64_t value = 0;
};
// The most figures one event adds to: its own and its breakdowns.
inline constexpr size_t kIndicatorFiguresPerEventMax = 1 + limits::kIndicatorBreakdownsMax;
using IndicatorFigures = absl::InlinedVector<IndicatorFigure, kIndicatorFiguresPerEventMax>;

// The figures `event` folded with `sign` adds to, its own first: an
// allocation counts as fiscal assistance of its helper to its recipient,
// an investment or a sale with a helper as that helper's to its region, a
// recorded indicator as itself and each of its breakdowns; nothing for
// the other events. kDataLoss for an event holding more breakdowns than
// it counts. Shared by IndicatorTotals and IndicatorMonths, so that the
// progress report and the indicators report count alike.
absl::Status IndicatorFiguresOf(const FoldEvent& event, int64_t sign, IndicatorFigures* figures);
// The first of them alone (the event's own figure), or nullopt.
std::optional<IndicatorFigure> OwnIndicatorFigureOf(const FoldEvent& event, int64_t sign);

class IndicatorTotals final : public Projection {
 public:
  // 2: a year's figures kept as columns (IndicatorYear), and the pairings.
  static constexpr uint32_t kVersion = 2;
  static constexpr absl::string_view kName = "indicator_totals";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::IndicatorTotalsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // The figures of `year` (columns of equal length, each figure once), or
  // nullptr when none was folded.
  const v1::IndicatorYear* FiguresOf(int32_t year) const;
  // The target of exactly this year, pairing and indicator, or nullptr.
  const v1::IndicatorTarget* FindTarget(int32_t year, absl::string_view helper_code,
                                        absl::string_view recipient_code, int indicator) const;
  // The figure of exactly this year, helper, recipient and indicator (0
  // when none was folded). A year no fold has added to since a snapshot
  // was loaded is searched figure by figure.
  int64_t FigureOf(int32_t year, absl::string_view helper_code, absl::string_view recipient_code,
                   int indicator) const;
  // The sequence of the first TargetSet of exactly this pairing, any year
  // and indicator; 0 when none. One pass over the targets: validation asks
  // only to take a pairing's registration back.
  uint64_t FirstTargetOf(absl::string_view helper_code, absl::string_view recipient_code) const;

  // A pairing as state().pairings() holds it: helper << 32 | recipient, the
  // codes as numbers (CodeNumber).
  static uint64_t PairingOf(uint32_t helper, uint32_t recipient) {
    return static_cast<uint64_t>(helper) << 32 | recipient;
  }

  // The year of a YYYY-MM-DD date; 0 when it has none.
  static int32_t YearOf(absl::string_view date);
  // A six-digit region code as a number; nullopt for anything else.
  static std::optional<uint32_t> CodeNumber(absl::string_view code);

  // Folds a batch a stage at a time (Projection::ApplyStaged): each event's
  // figure is located, and its cache line touched, before any is folded.
  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view) override {
    return FoldAt(event, sign, {});
  }

 private:
  // A target's key: region codes are six digits, held as numbers, so that
  // a lookup hashes 16 bytes and allocates nothing.
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
  // Where a figure is: its year's columns and its place in them (year
  // nullptr: not located).
  struct Located {
    v1::IndicatorYear* year = nullptr;
    uint32_t position = 0;
  };
  // A year's figures and, once a fold has added to the year, the place of
  // each by helper, recipient and indicator (a Key of year 0).
  struct YearIndex {
    v1::IndicatorYear* figures = nullptr;
    bool indexed = false;
    absl::flat_hash_map<Key, uint32_t> positions;
  };
  struct Index {
    // Indexes the targets, and the years without their figures' places
    // (built when first needed: a report of one year pays for no other).
    absl::Status Rebuild(absl::string_view projection, v1::IndicatorTotalsState* state);
    absl::flat_hash_map<int32_t, std::unique_ptr<YearIndex>> years;
    absl::flat_hash_map<Key, v1::IndicatorTarget*> targets;
    absl::flat_hash_set<uint64_t> pairings;  // state.pairings()
  };

  // Fold, given the figure ApplyBatch located for `event` (none: look it
  // up).
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, Located located);
  // The key (year 0) of the one figure a money event or an indicator adds
  // to (its breakdowns aside), and its year; nullopt for the other events.
  static std::optional<std::pair<int32_t, Key>> FigureKeyOf(const FoldEvent& event);
  // `year`'s index with every figure's place, made (empty) when the year
  // has none yet; kDataLoss when its figures hold one twice.
  absl::StatusOr<YearIndex*> IndexedYear(int32_t year);
  // The figure at `key` of an indexed year, or none.
  Located Locate(int32_t year, const Key& key) const;
  absl::Status AddFigure(const FoldEvent& event, absl::string_view helper,
                         absl::string_view recipient, int indicator, int64_t value,
                         Located located);
  absl::Status SetTarget(const FoldEvent& event);
  absl::Status FoldPairing(const FoldEvent& event, int64_t sign);
  // The key, or nullopt when a code is not six digits (validation admits
  // no such code).
  static std::optional<Key> KeyOf(int32_t year, absl::string_view helper,
                                  absl::string_view recipient, int indicator);

  IndexedState<v1::IndicatorTotalsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_INDICATOR_TOTALS_H_
