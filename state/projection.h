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
#ifndef AIDLEDGER_STATE_PROJECTION_H_
#define AIDLEDGER_STATE_PROJECTION_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aidledger/v1/events.pb.h"
#include "google/protobuf/message.h"
#include "base/check.h"
#include "base/limits.h"
#include "state/fold_event.h"

namespace aidledger {

// True for the payloads a reversal may target.
bool IsMoneyEvent(v1::Event::PayloadCase payload);
inline bool IsMoneyEvent(const v1::Event& event) { return IsMoneyEvent(event.payload_case()); }
// Whether a reversal may take the event back: a money event, or the
// registration of a region, pairing or project (which a fold then removes).
bool IsReversible(v1::Event::PayloadCase payload);

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

  // Applies `events` in order, as Apply on each. A projection may first
  // touch what the whole batch will use, so that a rebuild's cache misses
  // overlap instead of coming one after another. On an error, `*failed` is
  // the index of the event that failed; the events before it were applied.
  // REQUIRES: events.size() <= limits::kFoldBatchEvents.
  virtual absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed);

  virtual const google::protobuf::Message& state() const = 0;
  // Replaces the state with a serialized one (from a snapshot).
  virtual absl::Status LoadState(absl::string_view bytes) = 0;
  virtual void Reset() = 0;

  // Deterministic serialization of the state: its entries are in the order
  // the fold first met them, so the same events give the same bytes.
  std::string SerializeState() const;

 protected:
  // Folds `event` with `sign` (+1, or -1 for the target of a reversal; only
  // money events are ever folded with -1). `counted_on` is the effective
  // date the change counts on: the event's own, or for a reversal's target
  // the reversal's (as an as-of fold counts it).
  virtual absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) = 0;
  // Apply's reversal rule around `fold(event, sign, counted_on)`: a reversal
  // folds its target with sign -1 on its own date, and only a money event
  // may be reversed.
  template <typename FoldStep>
  static absl::Status ApplyWith(const FoldEvent& event, FoldStep fold);
  // ApplyBatch for a projection whose fold step finds one entry by one key,
  // in three passes over `events`: `prefetch_index(event)` touches the index
  // slot of each event's key; `locate(event)` finds each entry (a Located,
  // which may be "not found") and may touch it; then `fold(event, sign,
  // located)` folds each in order. The events passed are what Apply folds
  // (a reversal's target). An entry is located before the events ahead of
  // it in the batch are folded, so `fold` looks up what was not found (a
  // fold step may have just registered it). `fold(event, sign, located,
  // counted_on)` gets the date as Fold does.
  template <typename Located, typename PrefetchIndex, typename Locate, typename FoldLocated>
  static absl::Status ApplyStaged(absl::Span<const FoldEvent* const> events, size_t* failed,
                                  PrefetchIndex prefetch_index, Locate locate, FoldLocated fold) {
    return ApplyStaged<Located>(events, failed, prefetch_index, locate,
                                [](const FoldEvent&, const Located&) {}, fold);
  }
  // As above, with a fourth pass between locating and folding:
  // `touch(event, located)` may prefetch what the entry points to (its
  // prefetch in the locate pass has landed by then).
  template <typename Located, typename PrefetchIndex, typename Locate, typename Touch,
            typename FoldLocated>
  static absl::Status ApplyStaged(absl::Span<const FoldEvent* const> events, size_t* failed,
                                  PrefetchIndex prefetch_index, Locate locate, Touch touch,
                                  FoldLocated fold);
  // ApplyStaged for a projection whose money events find their entry in
  // `entries` by the event's `key` field (nullptr located when the field
  // is empty, the entry not there yet, or for other events).
  template <typename Entry, typename FoldLocated>
  static absl::Status ApplyStagedByKey(absl::Span<const FoldEvent* const> events, size_t* failed,
                                       const absl::flat_hash_map<std::string, Entry*>& entries,
                                       absl::string_view FoldEvent::*key, FoldLocated fold);
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

template <typename FoldStep>
absl::Status Projection::ApplyWith(const FoldEvent& event, FoldStep fold) {
  if (event.payload != v1::Event::kEventReversed) return fold(event, +1, event.effective_date);
  if (!IsReversible(event.target->payload)) {
    return absl::DataLossError(
        absl::StrCat("event ", event.sequence, " reverses an event no reversal takes back"));
  }
  return fold(*event.target, -1, event.effective_date);
}

template <typename Located, typename PrefetchIndex, typename Locate, typename Touch,
          typename FoldLocated>
absl::Status Projection::ApplyStaged(absl::Span<const FoldEvent* const> events, size_t* failed,
                                     PrefetchIndex prefetch_index, Locate locate, Touch touch,
                                     FoldLocated fold) {
  AIDLEDGER_CHECK(events.size() <= limits::kFoldBatchEvents);
  // What Apply folds of an event: the event, or a reversal's target.
  auto folded = [](const FoldEvent* event) -> const FoldEvent& {
    return event->payload == v1::Event::kEventReversed ? *event->target : *event;
  };
  for (const FoldEvent* event : events) prefetch_index(folded(event));
  std::array<Located, limits::kFoldBatchEvents> located;
  for (size_t i = 0; i < events.size(); ++i) located[i] = locate(folded(events[i]));
  for (size_t i = 0; i < events.size(); ++i) touch(*events[i], located[i]);
  for (size_t i = 0; i < events.size(); ++i) {
    absl::Status status =
        ApplyWith(*events[i], [&](const FoldEvent& event, int64_t sign, absl::string_view date) {
          return fold(event, sign, located[i], date);
        });
    if (!status.ok()) {
      *failed = i;
      return status;
    }
    // A registration taken back removed an entry, which may have moved the
    // others: what was located after it is located again.
    if (events[i]->payload == v1::Event::kEventReversed &&
        !IsMoneyEvent(events[i]->target->payload)) {
      for (size_t j = i + 1; j < events.size(); ++j) located[j] = locate(folded(events[j]));
    }
  }
  return absl::OkStatus();
}

template <typename Entry, typename FoldLocated>
absl::Status Projection::ApplyStagedByKey(absl::Span<const FoldEvent* const> events, size_t* failed,
                                          const absl::flat_hash_map<std::string, Entry*>& entries,
                                          absl::string_view FoldEvent::*key, FoldLocated fold) {
  auto key_of = [key](const FoldEvent& event) {
    return IsMoneyEvent(event.payload) ? event.*key : absl::string_view();
  };
  return ApplyStaged<Entry*>(
      events, failed,
      [&](const FoldEvent& event) {
        if (!key_of(event).empty()) entries.prefetch(key_of(event));
      },
      [&](const FoldEvent& event) -> Entry* {
        if (key_of(event).empty()) return nullptr;
        auto it = entries.find(key_of(event));
        if (it == entries.end()) return nullptr;
        PrefetchObject(it->second);
        return it->second;
      },
      fold);
}

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_PROJECTION_H_
