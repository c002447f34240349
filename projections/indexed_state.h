// A projection's state together with the index its fold looks things up in.
//
// The index holds pointers into the state (protobuf's Map, like
// std::unordered_map, never moves an element when it grows, and a projection
// never erases one). So a copy rebuilds the index for the copied state; a
// move keeps it, because a protobuf move swaps the maps' internals and the
// elements stay where they are. Index::PointsInto checks that on one
// element, and should a protobuf release ever copy on move instead, the
// index is rebuilt. What was moved from is left empty.
//
// Index provides:
//   void Rebuild(State* state);                  // index every element of `state`
//   bool PointsInto(const State& state) const;  // a cheap check of one element
#ifndef AIDLEDGER_PROJECTIONS_INDEXED_STATE_H_
#define AIDLEDGER_PROJECTIONS_INDEXED_STATE_H_

#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "projections/projection.h"

namespace aidledger {

template <typename State, typename Index>
struct IndexedState {
  IndexedState() = default;
  IndexedState(const IndexedState& other) : state(other.state) { index.Rebuild(&state); }
  IndexedState& operator=(const IndexedState& other) {
    if (this != &other) {
      state = other.state;
      index.Rebuild(&state);
    }
    return *this;
  }
  IndexedState(IndexedState&& other) noexcept
      : state(std::move(other.state)), index(std::move(other.index)) {
    AfterMove(&other);
  }
  IndexedState& operator=(IndexedState&& other) noexcept {
    if (this != &other) {
      state = std::move(other.state);
      index = std::move(other.index);
      AfterMove(&other);
    }
    return *this;
  }

  void Reset() {
    state.Clear();
    index.Rebuild(&state);
  }

  // Replaces the state with a serialized one (a snapshot); kDataLoss naming
  // `projection` when the bytes do not decode, the state then unchanged.
  absl::Status Load(absl::string_view projection, absl::string_view bytes) {
    absl::Status loaded = LoadSerializedState(projection, bytes, &state);
    index.Rebuild(&state);
    return loaded;
  }

  State state;
  Index index;

 private:
  void AfterMove(IndexedState* from) {
    if (!index.PointsInto(state)) index.Rebuild(&state);
    from->state.Clear();
    from->index.Rebuild(&from->state);
  }
};

// The index of a state with one protobuf map keyed by string: key -> its
// element. For an Index whose Rebuild and PointsInto name that map.
template <typename Entry>
struct MapIndex {
  template <typename Map>
  void RebuildFrom(Map* map) {
    entries.clear();
    entries.reserve(map->size());
    for (auto& [key, entry] : *map) entries[key] = &entry;
  }
  template <typename Map>
  bool PointsIntoMap(const Map& map) const {
    if (map.empty()) return entries.empty();
    const auto& [key, entry] = *map.begin();
    auto it = entries.find(key);
    return it != entries.end() && it->second == &entry;
  }

  absl::flat_hash_map<std::string, Entry*> entries;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_INDEXED_STATE_H_
