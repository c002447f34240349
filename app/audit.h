// The auditor's commands' application layer: digest files, proof files,
// replay (export) and restore.
#ifndef AIDLEDGER_APP_AUDIT_H_
#define AIDLEDGER_APP_AUDIT_H_

#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "base/amount.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// Reads a digest JSON file as `aidledger digest` writes it. Usage error when
// it cannot be read or parsed.
absl::StatusOr<ExpectedDigest> ReadDigestFile(const std::string& path);
// A file of at most limits::kAuditFileBytesMax bytes (a digest, a proof, a
// trusted-keys file); a usage error for one that cannot be read or is larger.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

// Reads a proof JSON file and checks it offline: the event's bytes, its
// chain hash, the audit paths and the digest. Whitespace and line ends are
// free (a pretty-printed or CRLF copy holds); every value must be as
// `aidledger proof` writes it, so that no value can change and still hold;
// no key may appear twice. kDataLoss when it does not hold. Returns what
// the proof says of the event's effect: reversed by the head it is bound
// to, or that a proof shows inclusion, not current effect.
absl::StatusOr<std::string> VerifyProofFile(const std::string& path);
absl::StatusOr<std::string> VerifyProofText(const std::string& text);

struct ReplayOptions {
  uint64_t from = 1;
  uint64_t to = 0;       // 0: the head
  std::string region;    // events naming this region or a region below it
  // region, pairing, ..., reversal; a money type brings the reversals of
  // its events too (reversal: every reversal).
  std::string type;
  std::string format = "jsonl";  // or csv
  // CSV amounts: yuan with two decimals (amount_yuan) or whole fen
  // (amount_fen); a reversal's row carries the negative of what it takes back.
  AmountUnit unit = AmountUnit::kYuan;
};

// Streams events in order, in memory bounded by the number of regions and
// projects (never by the number of events).
absl::Status Replay(const Ledger& ledger, const ReplayOptions& options, std::ostream& out);

// Rebuilds a ledger at `db` (an empty or absent directory, or a new
// PostgreSQL ledger) from a `replay --format jsonl` export, keeping every
// sequence, recorded_at and hash. Stops at the first event whose hash does
// not match, naming it; a RocksDB ledger is then removed whole (with the
// snapshot key it made), a PostgreSQL one keeps the batches committed. The
// new ledger's snapshot key goes to `snapshot_key` (empty: its default).
// Returns the number of events restored.
absl::StatusOr<uint64_t> Restore(const std::string& file, const std::string& db,
                                 const std::string& snapshot_key = "");

struct CopyReport {
  uint64_t events = 0;
  Hash head_hash{};
  uint64_t evidence_files = 0;  // copied from the source's evidence store
  uint64_t evidence_bytes = 0;
};

// Copies the whole ledger at `from` (a RocksDB directory or a PostgreSQL
// URI) into a new ledger at `to`, verbatim: every event read with its hash
// checked, written by Submit's verbatim mode with its hash checked again,
// and the copy's head compared with the source's; then every file of the
// source's evidence store, each hash checked as it is read and as it is
// stored (app/evidence.h, CopyEvidence). Refuses a destination
// that holds a ledger (usage error). `to_snapshot_key` is the copy's
// snapshot key (empty: its default).
absl::StatusOr<CopyReport> Copy(const std::string& from, const std::string& to,
                                const std::string& to_snapshot_key);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_AUDIT_H_
