// Evidence files on disk and in the ledger's evidence store (issue 25):
// describing a file (its kind, name, SHA-256 and size, read once,
// streamed), storing it, and writing a stored one back out. What the CLI's
// `evidence add`, `evidence get` and `--evidence [KIND:]FILE` run.
#ifndef AIDLEDGER_APP_EVIDENCE_H_
#define AIDLEDGER_APP_EVIDENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/events.pb.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// A file named on a command line: `KIND:PATH` when the text before the
// first ':' is a kind's word (approval, contract, invoice, ...), else
// `PATH` (kind other).
struct EvidenceFileArg {
  v1::EvidenceKind kind = v1::OTHER_EVIDENCE;
  std::string path;
};
EvidenceFileArg ParseEvidenceFileArg(absl::string_view text);

// The file at `path` as an event names it: `kind`, its base name, the
// SHA-256 of its bytes (lowercase hex) and their count, read once in
// chunks. A usage error when it cannot be read; a rejection (field
// "evidence") when it is empty or larger than limits::kEvidenceFileBytesMax.
absl::StatusOr<v1::Evidence> DescribeEvidenceFile(const std::string& path, v1::EvidenceKind kind);

// Stores the file at `path`, described by `described`, in the ledger's
// evidence store (Ledger::StoreEvidence: read again, checked against the
// description as it is stored). false: it was stored already.
absl::StatusOr<bool> StoreEvidenceFile(Ledger& ledger, const std::string& path,
                                       const v1::Evidence& described);

// Writes the stored file `sha256` to `out`: through `out`.part, renamed to
// `out` only once every byte was read and hashed to `sha256` (a file that
// fails the check is not left behind). kNotFound when not stored.
absl::Status WriteStoredEvidence(const Ledger& ledger, const Hash& sha256, const std::string& out);

// Copies every file `from`'s evidence store holds into `to`'s (aidledger
// copy): each read with its hash checked, and stored with it checked again;
// a file `to` holds already is passed over.
struct EvidenceCopied {
  uint64_t files = 0;
  uint64_t bytes = 0;
};
absl::StatusOr<EvidenceCopied> CopyEvidence(const Ledger& from, Ledger& to);

// The line `evidence add` prints of a file, as import's evidence_files
// column takes it: KIND:SHA256:SIZE:NAME.
std::string EvidenceFileLine(const v1::Evidence& evidence);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_EVIDENCE_H_
