// A projection's state, on a protobuf arena of its own, together with the
// index its fold looks things up in.
//
// The index holds pointers into the state. A projection only ever adds
// entries (repeated fields, whose elements never move when the field grows)
// and never frees one, which is what an arena is for: parsing a snapshot
// allocates from a few large blocks, and dropping a state frees those blocks
// instead of every entry and string one by one. Moving an IndexedState moves
// the arena, so the index stays valid; a copy copies the state onto a new
// arena and indexes it anew. What was moved from is left empty.
//
// Index provides:
//   // Indexes every entry of `state`; kDataLoss (naming the projection)
//   // when the state is not one a fold can produce (an entry twice, an
//   // entry before what it refers to).
//   absl::Status Rebuild(absl::string_view projection, State* state);
#ifndef AIDLEDGER_STATE_INDEXED_STATE_H_
#define AIDLEDGER_STATE_INDEXED_STATE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "base/check.h"
#include "base/limits.h"

namespace aidledger {

// Removes the first element of `field` for which `matches` is true, keeping
// the others in order; false when none matches. O(size): a fold calls it
// only to take a registration back.
template <typename Element, typename Matches>
bool RemoveFirst(google::protobuf::RepeatedPtrField<Element>* field, Matches matches) {
  for (int i = 0; i < field->size(); ++i) {
    if (!matches(field->Get(i))) continue;
    field->DeleteSubrange(i, 1);
    return true;
  }
  return false;
}

template <typename State, typename Index>
class IndexedState {
 public:
  IndexedState() { Reset(); }
  IndexedState(const IndexedState& other) { CopyFrom(other); }
  IndexedState& operator=(const IndexedState& other) {
    if (this != &other) CopyFrom(other);
    return *this;
  }
  IndexedState(IndexedState&& other) noexcept
      : arena_(std::move(other.arena_)), state_(other.state_), index_(std::move(other.index_)) {
    other.Reset();
  }
  IndexedState& operator=(IndexedState&& other) noexcept {
    if (this != &other) {
      arena_ = std::move(other.arena_);
      state_ = other.state_;
      index_ = std::move(other.index_);
      other.Reset();
    }
    return *this;
  }

  const State& state() const { return *state_; }
  State* mutable_state() { return state_; }
  const Index& index() const { return index_; }
  Index* mutable_index() { return &index_; }

  // An empty state.
  void Reset() {
    arena_ = NewArena();
    state_ = google::protobuf::Arena::CreateMessage<State>(arena_.get());
    index_ = Index();
  }

  // Replaces the state with a serialized one (a snapshot); kDataLoss naming
  // `projection` when the bytes do not decode or decode to a state no fold
  // produces, the state then unchanged.
  // Indexes the state again after a fold removed part of it (a registration
  // taken back); kDataLoss as Load's.
  absl::Status Reindex(absl::string_view projection) {
    Index index;
    absl::Status indexed = index.Rebuild(projection, state_);
    if (!indexed.ok()) return indexed;
    index_ = std::move(index);
    return absl::OkStatus();
  }

  absl::Status Load(absl::string_view projection, absl::string_view bytes) {
    std::unique_ptr<google::protobuf::Arena> arena = NewArena();
    State* state = google::protobuf::Arena::CreateMessage<State>(arena.get());
    if (!state->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(absl::StrCat(projection, " snapshot does not decode"));
    }
    Index index;
    absl::Status indexed = index.Rebuild(projection, state);
    if (!indexed.ok()) return indexed;
    arena_ = std::move(arena);
    state_ = state;
    index_ = std::move(index);
    return absl::OkStatus();
  }

 private:
  static std::unique_ptr<google::protobuf::Arena> NewArena() {
    google::protobuf::ArenaOptions options;
    options.max_block_size = limits::kStateArenaBlockBytesMax;
    return std::make_unique<google::protobuf::Arena>(options);
  }

  void CopyFrom(const IndexedState& other) {
    std::unique_ptr<google::protobuf::Arena> arena = NewArena();
    State* state = google::protobuf::Arena::CreateMessage<State>(arena.get());
    state->CopyFrom(*other.state_);
    Index index;
    // The copied state was indexed once already, so it indexes again.
    AIDLEDGER_CHECK(index.Rebuild("a copy", state).ok());
    arena_ = std::move(arena);
    state_ = state;
    index_ = std::move(index);
  }

  std::unique_ptr<google::protobuf::Arena> arena_;
  State* state_ = nullptr;  // on arena_
  Index index_;
};

// The kDataLoss of a state that holds `what` twice.
inline absl::Status StateHoldsTwice(absl::string_view projection, absl::string_view what,
                                    absl::string_view key) {
  return absl::DataLossError(absl::StrCat(projection, " state holds ", what, " ", key, " twice"));
}

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_INDEXED_STATE_H_
