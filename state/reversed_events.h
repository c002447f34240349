// ReversedEvents: which events have been reversed, which years are closed
// and who signed each close, and the ledger's policy (PolicySet). Validation reads it to refuse a second reversal
// of the same event, a figure in a closed year that is not marked as its
// adjustment, and a second signature of a close by one signer: the answers
// are folded from the log (and snapshotted under the snapshot MAC), so no
// index outside the chain, which anyone with access to the files could
// edit, decides them.
#ifndef AIDLEDGER_STATE_REVERSED_EVENTS_H_
#define AIDLEDGER_STATE_REVERSED_EVENTS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

class ReversedEvents final : public Projection {
 public:
  // 2: the closes (issue 24). 3: the ledger's policy (issue 25).
  static constexpr uint32_t kVersion = 3;

  static constexpr absl::string_view kName = "reversed_events";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::ReversedEventsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // Whether a reversal folded so far took back the event at `sequence`.
  bool IsReversed(uint64_t sequence) const { return data_.index().sequences.contains(sequence); }
  // The close of `year`, or nullptr while the year is open.
  const v1::ClosedYear* FindClose(int32_t year) const;
  // The ledger's PolicySet, if one was folded (policy_set_by != 0).
  const std::string& payee_required_from() const { return state().payee_required_from(); }
  uint64_t policy_set_by() const { return state().policy_set_by(); }

 protected:
  // Folds a reversal's target (sign -1), a close and a signature; other
  // events change nothing.
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) override;

 private:
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::ReversedEventsState* state);
    absl::flat_hash_set<uint64_t> sequences;
    absl::flat_hash_map<int32_t, v1::ClosedYear*> closes;
  };
  absl::Status FoldClose(const FoldEvent& event);
  absl::Status FoldSignature(const FoldEvent& event);
  absl::Status FoldPolicy(const FoldEvent& event);

  IndexedState<v1::ReversedEventsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_REVERSED_EVENTS_H_
