// Digests and RFC 6962 inclusion proofs of the log.
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "aidledger/v1/storage.pb.h"
#include "base/check.h"
#include "base/fields.h"
#include "ledger/store/codec.h"
#include "ledger/store/log_store.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "ledger/audit/merkle.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"
#include "state/validate.h"

namespace aidledger {
namespace {

std::string Rfc3339(const v1::Event& event) {
  return absl::FormatTime(absl::RFC3339_full, absl::FromUnixMicros(RecordedMicros(event.recorded_at())),
                          absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<v1::Digest> Ledger::MakeDigest(uint64_t sequence) const {
  if (sequence > head().sequence) {
    return absl::OutOfRangeError(absl::StrCat("sequence ", sequence, " is past the head"));
  }
  MerkleAccumulator merkle;
  RETURN_IF_ERROR(VisitHashes(1, sequence, [&merkle](const Hash& hash) {
    merkle.AddLeaf(MerkleLeafHash(hash));
  }));
  v1::Digest digest;
  digest.set_seq(sequence);
  digest.set_merkle_root(Hex(merkle.Root()));
  if (sequence > 0) {
    ASSIGN_OR_RETURN(std::optional<StoredEvent> last, ReadEvent(sequence));
    if (!last.has_value()) {
      return absl::DataLossError(absl::StrCat("event ", sequence, " is missing from the log"));
    }
    digest.set_head_hash(Hex(last->hash));
    digest.set_recorded_at(Rfc3339(last->event));
  }
  return digest;
}

absl::StatusOr<Hash> Ledger::SubtreeRoot(uint64_t lo, uint64_t hi) const {
  MerkleAccumulator merkle;
  RETURN_IF_ERROR(VisitHashes(lo + 1, hi, [&merkle](const Hash& hash) {
    merkle.AddLeaf(MerkleLeafHash(hash));
  }));
  return merkle.Root();
}

// RFC 6962 PATH(m, D[lo:hi]), leaf to root, reading each sibling subtree once.
absl::Status Ledger::AuditPath(uint64_t leaf, uint64_t lo, uint64_t hi,
                               std::vector<Hash>* path) const {
  std::vector<std::pair<uint64_t, uint64_t>> siblings;  // root first
  for (int depth = 0; hi - lo > 1; ++depth) {
    AIDLEDGER_CHECK(depth < limits::kAuditPathDepthMax);
    uint64_t k = 1;
    while (k * 2 < hi - lo) k *= 2;
    if (leaf < lo + k) {
      siblings.emplace_back(lo + k, hi);
      hi = lo + k;
    } else {
      siblings.emplace_back(lo, lo + k);
      lo = lo + k;
    }
  }
  for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
    ASSIGN_OR_RETURN(Hash root, SubtreeRoot(it->first, it->second));
    path->push_back(root);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::InclusionProof> Ledger::Prove(uint64_t sequence, uint64_t tree_size) const {
  if (sequence == 0 || sequence > tree_size || tree_size > head().sequence) {
    return absl::OutOfRangeError(absl::StrCat("event ", sequence, " is not in a tree of ",
                                              tree_size, " events (the head is ",
                                              head().sequence, ")"));
  }
  ASSIGN_OR_RETURN(v1::Digest digest, MakeDigest(tree_size));
  ASSIGN_OR_RETURN(std::optional<StoredEvent> event, ReadEvent(sequence));
  ASSIGN_OR_RETURN(std::optional<StoredEvent> head, ReadEvent(tree_size));
  if (!event.has_value() || !head.has_value()) return absl::DataLossError("the log has a gap");
  v1::InclusionProof proof;
  proof.set_seq(sequence);
  *proof.mutable_event() = event->event;
  proof.set_event_bytes(event->event_bytes);
  proof.set_prev_hash(Hex(event->prev_hash));
  proof.set_hash(Hex(event->hash));
  proof.set_leaf_hash(Hex(MerkleLeafHash(event->hash)));
  proof.set_tree_size(tree_size);
  std::vector<Hash> path;
  RETURN_IF_ERROR(AuditPath(sequence - 1, 0, tree_size, &path));
  for (const Hash& hash : path) proof.add_audit_path(Hex(hash));
  *proof.mutable_digest() = digest;
  proof.set_head_event_bytes(head->event_bytes);
  proof.set_head_prev_hash(Hex(head->prev_hash));
  path.clear();
  RETURN_IF_ERROR(AuditPath(tree_size - 1, 0, tree_size, &path));
  for (const Hash& hash : path) proof.add_head_audit_path(Hex(hash));
  return proof;
}

}  // namespace aidledger
