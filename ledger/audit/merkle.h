// RFC 6962 (Certificate Transparency) Merkle trees over the event hashes.
//
//   leaf hash  = SHA-256(0x00 || event chain hash)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH(D[n])  = the RFC 6962 root: split at the largest power of two < n.
//
// An auditor keeps a digest (sequence, head hash, Merkle root) outside the
// system; a later log that still yields the same root over its first
// `sequence` events extends it, and an inclusion proof shows one event is in
// it without the rest of the log.
#ifndef AIDLEDGER_LEDGER_AUDIT_MERKLE_H_
#define AIDLEDGER_LEDGER_AUDIT_MERKLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "aidledger/v1/audit.pb.h"
#include "base/sha256.h"

namespace aidledger {

Hash MerkleLeafHash(const Hash& event_hash);
Hash MerkleNodeHash(const Hash& left, const Hash& right);

// The root of a tree fed one leaf at a time, in O(log n) memory.
class MerkleAccumulator {
 public:
  void AddLeaf(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  // The RFC 6962 root of the leaves so far; SHA-256 of nothing when empty.
  Hash Root() const;
  // The audit path of the last leaf in Root(), in O(log n): what an
  // inclusion proof of the head event needs beside the digest.
  // REQUIRES: size() > 0.
  std::vector<Hash> LastLeafPath() const;

 private:
  // Roots of complete subtrees of strictly decreasing power-of-two sizes.
  std::vector<std::pair<Hash, uint64_t>> stack_;
  // The last leaf's siblings inside the smallest subtree, lowest first.
  std::vector<Hash> last_leaf_inside_;
  uint64_t size_ = 0;
};

// Checks an RFC 6962 inclusion proof (RFC 9162 section 2.1.3.2): that the
// leaf at `leaf_index` of a tree of `tree_size` leaves hashes, with `path`,
// to `root`. kDataLoss with the reason when it does not.
absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                             const std::vector<Hash>& path, const Hash& root);

// Checks an InclusionProof offline, without any ledger: the event's bytes
// hash (with prev_hash and seq) to its hash, its leaf is in the digest's
// Merkle root by its audit path, and the digest's head hash and recording
// time are those of the head event, itself in the root by its own path.
absl::Status VerifyInclusionProof(const v1::InclusionProof& proof);

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_AUDIT_MERKLE_H_
