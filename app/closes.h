// The year-end close and its co-signers (issue 24): the drafts that
// `aidledger close` and `aidledger sign` append, and the check of
// `aidledger verify-close`.
#ifndef AIDLEDGER_APP_CLOSES_H_
#define AIDLEDGER_APP_CLOSES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aidledger/v1/events.pb.h"
#include "aidledger/v1/projections.pb.h"
#include "base/signing.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// The close of `year` at the ledger's head: its digest and the hash of the
// year's report from the live Books. REQUIRES: `ledger` folded at its head
// (a writable open). Validation decides the rest when it is appended.
absl::StatusOr<v1::Event> MakeCloseDraft(const Ledger& ledger, int32_t year,
                                         const std::string& reason);

// `signer`'s signature of the close of `year` with the private key in
// `private_pem`. A rejection (PERIOD_NOT_CLOSED) when the year is not closed.
absl::StatusOr<v1::Event> MakeSignatureDraft(const Ledger& ledger, int32_t year,
                                             absl::string_view private_pem,
                                             const std::string& signer);

// The last event the close of `year` sealed (its digest's sequence): the
// point a report --as-closed folds to. A usage error when `year` is not
// closed. Any open will do.
absl::StatusOr<uint64_t> ClosedAt(const Ledger& ledger, int32_t year);

// Lists in `report` the adjustments (以前年度调整) of the closed years its
// periods lie in: the events after each close, up to event `point`, that
// adjust that year (reads the log after the earliest such close).
absl::Status AddClosedYearAdjustments(const Ledger& ledger, uint64_t point,
                                      v1::RegionPeriodReport* report);

// One signature of a close, as verify-close found it.
struct SignatureFinding {
  std::string signer;      // as the signature names itself
  std::string public_key;  // base64
  uint64_t signed_by = 0;  // the DigestSigned event
  std::string date;        // its effective date
  bool valid = false;      // over the digest recomputed from the log
  bool trusted = false;    // its key is the trusted key of its name
  bool impostor = false;   // a trusted signer's name under another key
};

struct CloseFinding {
  v1::ClosedYear close;      // as the close event holds it
  bool digest_holds = false; // the log before the close still gives its digest and report
  std::string problem;       // why not, when it does not
  std::vector<SignatureFinding> signatures;
  std::vector<std::string> unsigned_trusted;  // trusted signers with no signature
  // A signature that does not verify, an impostor, or a digest that does not hold.
  bool failed() const;
};

// Checks the close of `year` against the log (its digest and report
// recomputed) and every signature of it against the recomputed digest and
// the `trusted` signers. A usage error when `year` is not closed. Any open
// will do: it folds what it reads.
absl::StatusOr<CloseFinding> CheckClose(const Ledger& ledger, int32_t year,
                                        const std::vector<Signer>& trusted);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_CLOSES_H_
