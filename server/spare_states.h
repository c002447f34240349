// The committer's spare states: whole copies of the published state that
// no reader needs any more, each with the events it still lacks.
//
// Publishing a commit takes a spare that nobody else holds, applies what it
// lacks and swaps it in; the state it replaces becomes a spare that lacks
// only that commit's events. So a commit costs its events, not a copy of
// megabytes of state. A reader holds a state for one response; when it
// still holds the only spare, the committer waits briefly, then copies the
// whole state, after which two spares are kept (memory for fewer copies):
// the next time one is held, the other is taken.
#ifndef AIDLEDGER_SERVER_SPARE_STATES_H_
#define AIDLEDGER_SERVER_SPARE_STATES_H_

#include <chrono>
#include <cstddef>
#include <iterator>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

namespace aidledger::app::serving {

template <typename State, typename Event>
class SpareStates {
 public:
  struct Spare {
    std::shared_ptr<State> state;  // null: none was free
    std::vector<Event> lag;        // events it has not applied yet, in order
  };

  // At most `spares_max` spares, each at most `lag_max` events behind (a
  // spare further behind would cost about what a copy does); a taker waits
  // at most `wait` for one to be let go.
  SpareStates(size_t spares_max, size_t lag_max, std::chrono::microseconds wait)
      : spares_max_(spares_max), lag_max_(lag_max), wait_(wait) {}

  // A state as up to date as the published one.
  void Add(std::shared_ptr<State> state) {
    spares_.push_back({std::move(state), {}});
    Trim();
  }

  // A spare that nobody else holds, the newest (shortest lag) first, taken
  // out; waits at most `wait` for one, polling. An empty Spare when none
  // is free.
  Spare TakeFree() {
    const auto deadline = std::chrono::steady_clock::now() + wait_;
    while (!spares_.empty()) {  // bounded by wait_
      for (size_t i = spares_.size(); i-- > 0;) {
        if (spares_[i].state.use_count() != 1) continue;
        Spare free = std::move(spares_[i]);
        spares_.erase(spares_.begin() + static_cast<std::ptrdiff_t>(i));
        return free;
      }
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    return Spare{};
  }

  // A new state was published: `replaced` (the one published before it)
  // lacks only `events`, every other spare lacks them too.
  void Replaced(std::shared_ptr<State> replaced, const std::vector<Event>& events) {
    for (Spare& spare : spares_) spare.lag.insert(spare.lag.end(), events.begin(), events.end());
    spares_.push_back({std::move(replaced), events});
    Trim();
  }

  // What was published is not known event by event: no spare can catch up.
  void Clear() { spares_.clear(); }

  size_t size() const { return spares_.size(); }

 private:
  void Trim() {
    std::erase_if(spares_, [this](const Spare& spare) { return spare.lag.size() > lag_max_; });
    while (spares_.size() > spares_max_) spares_.erase(spares_.begin());  // the oldest
  }

  const size_t spares_max_;
  const size_t lag_max_;
  const std::chrono::microseconds wait_;
  std::vector<Spare> spares_;  // oldest first
};

}  // namespace aidledger::app::serving

#endif  // AIDLEDGER_SERVER_SPARE_STATES_H_
