// How aidledger reports failure: every error is an absl::Status.
//
// A *rejection* is bad input or a rule the ledger state forbids. It carries a
// stable RejectReason (proto/aidledger/v1/events.proto) as a payload and a
// one-line message that starts with the offending field: "amount: ...".
// Corruption is kDataLoss; a ledger held by another process is kUnavailable.
// What each adapter makes of them (an exit code, an HTTP status) is
// app/status_codes.h's.
#ifndef AIDLEDGER_BASE_ERRORS_H_
#define AIDLEDGER_BASE_ERRORS_H_

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "aidledger/v1/events.pb.h"

namespace aidledger {

// A rejection of `field` for `reason`; the message reads "field: detail",
// the field named as a clerk types it in the current language (FieldLabel:
// "amount: ..." or "金额: ..."), the detail already in that language (Tr).
absl::Status Rejected(v1::RejectReason reason, absl::string_view field,
                      absl::string_view detail);

// The reason carried by a rejection, or nullopt for any other status.
std::optional<v1::RejectReason> RejectReasonOf(const absl::Status& status);

// A usage error (exit 2): a missing ledger, a flag value the command does
// not take. Not a rejection of an event.
// `message` is shown in the current language: a literal the
// catalog holds is translated here, a built one is passed as it is (build it
// from a Tr() sentence).
absl::Status UsageError(absl::string_view message);

// The same status (code and payloads) with `prefix` before its message.
absl::Status WithContext(const absl::Status& status, absl::string_view prefix);

// Corruption or a failed integrity check (exit 4).
absl::Status Corruption(absl::string_view detail);

// The checks every reader makes of a stored event it decoded: that it
// decoded (`decoded`), names the sequence it is stored at and was recorded
// at a time the ledger can write (CheckRecordedAt). kDataLoss naming the
// sequence when not, worded alike by every reader.
absl::Status CheckDecodedEvent(uint64_t stored_at, bool decoded, uint64_t says_sequence,
                               int64_t recorded_at_seconds, int32_t recorded_at_nanos);

// Whether `status` is a UsageError.
bool IsUsageError(const absl::Status& status);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_ERRORS_H_
