// The year-end close (issue 24): what a PeriodClosed event holds, and the
// message its co-signers sign.
//
// A close of year Y at the head N holds the digest of events 1..N (their
// sequence, the head's chain hash and the Merkle root) and the SHA-256 of
// the year's regions report at N: the deterministic protobuf bytes of
// RegionPeriodReport for --period year --from Y-01 --to Y-12 over the whole
// tree and every metric. The ledger admits a close only right after the
// head its digest names (CheckCloseAtHead), and verify checks the Merkle
// root and the report's hash again against the log.
#ifndef AIDLEDGER_STATE_CLOSES_H_
#define AIDLEDGER_STATE_CLOSES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/events.pb.h"
#include "aidledger/v1/projections.pb.h"
#include "state/books.h"

namespace aidledger {

// Hex SHA-256 of the report of `year` that `books` give (see above).
absl::StatusOr<std::string> YearReportSha256(const Books& books, int32_t year);

// The bytes a signer signs for the close of `year` with this digest: one
// line per field, so that a person can read what was signed.
std::string CloseSigningMessage(int32_t year, uint64_t sequence, absl::string_view head_hash,
                                absl::string_view merkle_root, absl::string_view report_sha256);
std::string CloseSigningMessage(const v1::ClosedYear& close);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_CLOSES_H_
