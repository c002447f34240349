// Projections are deterministic folds over the event log.
//
// A Projection applies one event at a time to a state that is a protobuf
// message, so the state can be snapshotted, compared byte for byte and
// printed. Apply is pure: no clock, no I/O; the same events in the same order
// give the same state. A projection never re-reads the log: everything a
// fold step needs is in the event (the ledger stamps a reversal with a copy
// of its target, and a money event with the program of its pairing).
//
// Thread safety: a Projection is a value; concurrent const access is safe,
// mutation needs external synchronization.
#ifndef AIDLEDGER_PROJECTIONS_PROJECTION_H_
#define AIDLEDGER_PROJECTIONS_PROJECTION_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aidledger/v1/events.pb.h"
#include "google/protobuf/message.h"
#include "projections/fold_event.h"

namespace aidledger {

class Projection {
 public:
  virtual ~Projection() = default;

  // Stable name, used as the snapshot key prefix.
  virtual absl::string_view name() const = 0;
  // Bumped whenever Apply's meaning or the state layout changes: snapshots
  // of another version are never trusted.
  virtual uint32_t version() const = 0;

  // Folds one event into the state. An event that references something the
  // state does not hold (validation admits no such event) returns kDataLoss
  // and leaves the state unchanged. A reversal folds its target with sign -1.
  absl::Status Apply(const FoldEvent& event);
  absl::Status Apply(const v1::Event& event);  // views it, then as above

  // Touches the memory Apply(event) will use, without changing anything, so
  // that a fold of many events can overlap their cache misses: first every
  // event's kIndex stage (the index slots its keys hash to), then every
  // event's kEntry stage (the state the index points at), then Apply in
  // order. Only a hint: it never changes what Apply does.
  enum class PrefetchStage { kIndex, kEntry };
  void PrefetchFor(const FoldEvent& event, PrefetchStage stage) const;

  virtual const google::protobuf::Message& state() const = 0;
  // Replaces the state with a serialized one (from a snapshot).
  virtual absl::Status LoadState(absl::string_view bytes) = 0;
  virtual void Reset() = 0;

  // Deterministic serialization of the state (map keys sorted).
  std::string SerializeState() const;

 protected:
  // Folds `event` with `sign` (+1, or -1 for the target of a reversal; only
  // money events are ever folded with -1).
  virtual absl::Status Fold(const FoldEvent& event, int64_t sign) = 0;
  // The prefetch of what Fold(event, ...) touches; by default nothing.
  virtual void Prefetch(const FoldEvent& /*event*/, PrefetchStage /*stage*/) const {}
  // Prefetches every cache line of `*object`.
  template <typename T>
  static void PrefetchObject(const T* object) {
    constexpr size_t kCacheLineBytes = 64;
    const char* bytes = reinterpret_cast<const char*>(object);
    for (size_t offset = 0; offset < sizeof(T); offset += kCacheLineBytes) {
      __builtin_prefetch(bytes + offset);
    }
  }
};

// Replaces `*state` with the message serialized in `bytes` (a snapshot);
// kDataLoss naming `projection` when the bytes do not decode. Shared by the
// projections' LoadState.
template <typename State>
absl::Status LoadSerializedState(absl::string_view projection, absl::string_view bytes,
                                 State* state) {
  State loaded;
  if (!loaded.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat(projection, " snapshot does not decode"));
  }
  *state = std::move(loaded);
  return absl::OkStatus();
}

// True for the payloads a reversal may target.
bool IsMoneyEvent(v1::Event::PayloadCase payload);
inline bool IsMoneyEvent(const v1::Event& event) { return IsMoneyEvent(event.payload_case()); }

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_PROJECTION_H_
