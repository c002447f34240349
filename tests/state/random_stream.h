// A seeded generator of valid random event streams: a region tree of helpers
// and recipients, pairings, projects, then allocations, disbursements,
// investments, sales and reversals chosen so that each one is valid against
// the ledger's live Books.
#ifndef AIDLEDGER_TESTS_STATE_RANDOM_STREAM_H_
#define AIDLEDGER_TESTS_STATE_RANDOM_STREAM_H_

#include <random>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace aidledger::testing {

struct MoneyEvent {
  std::string event_id;
  v1::Event::PayloadCase type;
  std::string effective_date;
  bool reversed = false;
};

class RandomStream {
 public:
  RandomStream(Ledger* ledger, uint64_t seed) : ledger_(ledger), random_(seed) {}
  // Goes on appending to `ledger` (the same one, reopened).
  void Rebind(Ledger* ledger) { ledger_ = ledger; }

  // Registers the region tree, pairings and projects.
  void AddRegistry();
  // Appends `count` money events (allocations, disbursements, investments,
  // sales, and reversals of earlier ones, about one in `reversal_every`).
  void AddMoneyEvents(size_t count, size_t reversal_every);
  // Reverses every money event not yet reversed (disbursements first, so that
  // taking back allocations never overspends).
  void ReverseEverything();

  const std::vector<MoneyEvent>& money_events() const { return money_; }
  const std::vector<std::string>& region_codes() const { return regions_; }

 private:
  void Append(v1::Event event);
  std::string NextDate();
  std::string Pick(const std::vector<std::string>& from);
  // `code` or a random region below it.
  std::string SomewhereIn(const std::string& code);
  bool TryReverse(MoneyEvent& target);

  Ledger* ledger_;
  std::mt19937_64 random_;
  std::vector<std::string> regions_;
  std::vector<std::string> recipient_leaves_;
  std::vector<std::pair<std::string, std::string>> pairings_;
  std::vector<std::string> projects_;
  std::vector<MoneyEvent> money_;
  int day_ = 0;
  int next_id_ = 0;
};

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_STATE_RANDOM_STREAM_H_
