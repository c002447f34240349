// A hand-typed event entered twice: the same money event, without an
// event_id of its own, typed again within a day is far more often a second
// keying of one voucher than a second payment. The CLI and the server refuse
// it (POSSIBLE_DUPLICATE) unless asked to post it anyway; an import's rows
// have their content ids instead (app/import.h).
#ifndef AIDLEDGER_APP_POSSIBLE_DUPLICATE_H_
#define AIDLEDGER_APP_POSSIBLE_DUPLICATE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "aidledger/v1/events.pb.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// How far back the check looks, by the ledger's clock, and at most how many
// of the newest events in that window it reads (an import of a million rows
// within the day is not read through for one typed sale).
inline constexpr absl::Duration kPossibleDuplicateWindow = absl::Hours(24);
inline constexpr uint64_t kPossibleDuplicateScanEventsMax = 100'000;

// OK, or POSSIBLE_DUPLICATE naming the earlier event (its seq, event_id and
// recording time) when one of `drafts` has no event_id and is a money event
// (allocation, disbursement, investment, sale) whose type, payload and
// effective date (today in China when it names none) equal those of an
// event recorded within kPossibleDuplicateWindow. Registrations and
// reversals are not checked: validation refuses their repeats itself.
// The message ends with `remedy`, in the caller's words (its flag or
// parameter); `*index`, when given, is set to the refused draft's index.
absl::Status CheckNotPossibleDuplicate(const Ledger& ledger, absl::Span<const v1::Event> drafts,
                                       absl::string_view remedy, size_t* index = nullptr);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_POSSIBLE_DUPLICATE_H_
