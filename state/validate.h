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
#include "base/sha256.h"
#include "state/books.h"

namespace aidledger {

// An event the ledger already holds (in the log, or earlier in the group
// being staged): what idempotency compares a retried draft with, and what a
// reversal targets. Whether it is already reversed is not the finder's to
// say: validation reads that from the Books (ReversedEvents), folded from
// the log.
struct LoggedEvent {
  uint64_t sequence = 0;
  Hash hash{};
  v1::Event event;
};

// Finds a held event by event_id; nullopt when there is none. A finder that
// reads an index checks what it finds against the log, and that an id the
// index lacks is not in the log either (kDataLoss when they disagree).
using EventLookup =
    std::function<absl::StatusOr<std::optional<LoggedEvent>>(const std::string& event_id)>;

// Fills the defaults a draft may leave out: effective_date (today in China,
// given as `today`), an allocation's source (FISCAL) and fiscal_year (the
// effective date's year). Idempotency compares drafts after this step.
void ApplyDefaults(const std::string& today, v1::Event* draft);

// The rejection ladder. A draft that breaks several rules gets the rejection
// of the first rung it fails, so the same input always gets the same answer
// (as TigerBeetle orders its result codes):
//
//   rung  check                       where            reason (field)
//   ----  --------------------------  ---------------  ----------------------------------
//    1    batch size                  CheckBatchSize   FIELD_INVALID (batch)
//    2    idempotency                 JudgeDraft       EVENT_ID_CONFLICT (event_id); a
//                                                      repeat is answered with the held event
//    3    effective date syntax       JudgeDraft       DATE_INVALID (effective_date)
//    4    not in the future           JudgeDraft       FUTURE_DATE (effective_date)
//    5    the type's field syntax     JudgeDraft       FIELD_MISSING, FIELD_INVALID,
//                                                      FIELD_TOO_LONG, AMOUNT_INVALID,
//                                                      CODE_INVALID (the field)
//    6    references, and the date    JudgeDraft       *_EXISTS, *_NOT_FOUND, TARGET_*,
//         against each                                 PROJECT_OUTSIDE_REGION, REGION_TOO_DEEP,
//                                                      DATE_BEFORE_REFERENCE (the field)
//    7    pairing                     JudgeDraft       PAIRING_NOT_FOUND (recipient_code),
//                                                      DATE_BEFORE_REFERENCE (effective_date)
//    8    balances                    JudgeDraft       OVERSPENT, TOTAL_OVERFLOW (the amount)
//    8a   a closed year               JudgeDraft       PERIOD_CLOSED (effective_date),
//                                                      PERIOD_NOT_CLOSED, FIELD_INVALID
//                                                      (adjusts_closed), FIELD_MISSING
//                                                      (adjustment_reason)
//    9    stored event size           CheckStoredSize  FIELD_TOO_LONG (event)
//    10   a close at the head         CheckCloseAtHead FIELD_INVALID (sequence)
//
// (FIELD_UNKNOWN and FIELD_DUPLICATE come before all of these, from the JSON
// parser of the HTTP adapter.) Within rungs 5-8 an event type's checks run
// in the order of its fields (validate.cc: Admit<Type>). Idempotency comes
// before the rules so that a repeat is answered even when they no longer
// hold (the region it registered now exists, by its own doing). The stored
// size is the last rung because only the ledger's stamping (sequence,
// recorded_at, event_id) and the fields validation resolves (the program, a
// reversal's target copy) make the bytes it bounds.

// Rung 1: a submission of `events` drafts in all.
absl::Status CheckBatchSize(size_t events);

// What JudgeDraft found: a draft to append (filled with the fields
// validation resolves) or a repeat of a held event.
struct Judgement {
  std::optional<LoggedEvent> repeat_of;  // set: nothing to append
};

// Rungs 2-8 for one draft: applies the defaults, answers a repeat of an
// event `lookup` finds with the same content, and otherwise checks the
// draft against `books` and fills the fields the ledger resolves (the
// program of the pairing behind an allocation, investment or sale, and a
// reversal's target copy). Leaves sequence, recorded_at and event_id to the
// caller. An effective date after `today` (the date in China when the ledger
// stamps the event) is FUTURE_DATE: checked at admission only, not by
// Readmit, so that a ledger written before the rule still verifies.
absl::StatusOr<Judgement> JudgeDraft(const Books& books, const EventLookup& lookup,
                                     const std::string& today, v1::Event* draft);

// Rung 10: a close (PeriodClosed) must come right after the event its
// digest names: event `prev_sequence`, whose chain hash is `prev_hash`.
// Other events pass.
absl::Status CheckCloseAtHead(const v1::Event& event, uint64_t prev_sequence,
                              const Hash& prev_hash);

// Rung 9: an event of `bytes` serialized bytes, as stamped for the log.
absl::Status CheckStoredSize(size_t bytes);

// Checks that a stored event passes validation against `books` again and
// that validation resolves the same fields it holds (program, reversal
// target). kDataLoss naming the sequence when not: the log holds an event the
// ledger would never have admitted.
absl::Status Readmit(const Books& books, const EventLookup& lookup, const v1::Event& stored);

// The part of an event that idempotency compares: payload as the caller gave
// it, effective date and memo (not actor, recording time or the fields the
// ledger resolves). Deterministic bytes.
std::string IdempotencyContent(const v1::Event& event);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_VALIDATE_H_
