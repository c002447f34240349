// Validation: the rules an event must pass before the ledger appends it.
//
// Pure: reads the live Books and, for reversals, looks the target up through
// a callback; no clock, no I/O of its own. Each rejection carries one stable
// RejectReason and names its field. Checks run in a fixed order, field
// checks first, then the rules of the state, so the same input always gives
// the same rejection.
#ifndef AIDLEDGER_STATE_VALIDATE_H_
#define AIDLEDGER_STATE_VALIDATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/events.pb.h"
#include "state/books.h"

namespace aidledger {

// A stored event a reversal may target. Whether it is already reversed is
// not the finder's to say: validation reads that from the Books
// (ReversedEvents), folded from the log.
struct ReversalTarget {
  uint64_t sequence = 0;
  v1::Event event;
};

// Finds a stored (or earlier in the same batch) event by event_id; nullopt
// when there is none. A finder that reads an index checks what it finds
// against the log, and that an id the index lacks is not in the log either
// (kDataLoss when they disagree).
using TargetLookup =
    std::function<absl::StatusOr<std::optional<ReversalTarget>>(const std::string& event_id)>;

// Fills the defaults a draft may leave out: effective_date (today in China,
// given as `today`), an allocation's source (FISCAL) and fiscal_year (the
// effective date's year). Idempotency compares drafts after this step.
void ApplyDefaults(const std::string& today, v1::Event* draft);

// Checks `draft` (after ApplyDefaults) against `books` and fills the fields
// the ledger resolves: the program of the pairing behind an allocation,
// investment or sale, and a reversal's target copy. Leaves sequence,
// recorded_at and event_id to the caller. An effective date after `today`
// (the date in China when the ledger stamps the event) is FUTURE_DATE:
// checked here at admission only, not by Readmit, so that a ledger written
// before the rule still verifies.
absl::Status Admit(const Books& books, const TargetLookup& lookup, const std::string& today,
                   v1::Event* draft);

// Checks that a stored event passes validation against `books` again and
// that validation resolves the same fields it holds (program, reversal
// target). kDataLoss naming the sequence when not: the log holds an event the
// ledger would never have admitted.
absl::Status Readmit(const Books& books, const TargetLookup& lookup, const v1::Event& stored);

// The part of an event that idempotency compares: payload as the caller gave
// it, effective date and memo (not actor, recording time or the fields the
// ledger resolves). Deterministic bytes.
std::string IdempotencyContent(const v1::Event& event);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_VALIDATE_H_
