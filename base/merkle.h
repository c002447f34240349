// RFC 6962 (Certificate Transparency) Merkle trees over the event hashes.
//
//   leaf hash  = SHA-256(0x00 || event chain hash)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH(D[n])  = the RFC 6962 root: split at the largest power of two < n.
//
// An auditor keeps a digest (sequence, head hash, Merkle root) outside the
// system; a later log that still yields the same root over its first
// `sequence` events extends it, and an inclusion proof shows one event is in
// it without the rest of the log (ledger/audit/merkle.h checks one).
#ifndef AIDLEDGER_BASE_MERKLE_H_
#define AIDLEDGER_BASE_MERKLE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

  // The frontier: everything the tree of the first size() leaves needs to
  // go on, in 8 + 32 * (popcount(size) + ctz(size)) bytes (at most 8 + 32 * 64):
  // the size (big-endian), the roots of the complete subtrees largest
  // first, then the last leaf's siblings inside the smallest, lowest first.
  // A snapshot stores it so that a server need not hash the whole log to
  // answer with a digest (ledger/snapshots.cc).
  std::string EncodeFrontier() const;
  // The accumulator an EncodeFrontier() returned; kDataLoss for bytes that
  // are not one (the length must be exactly the size's).
  static absl::StatusOr<MerkleAccumulator> DecodeFrontier(absl::string_view bytes);

  friend bool operator==(const MerkleAccumulator&, const MerkleAccumulator&) = default;

 private:
  // Roots of complete subtrees of strictly decreasing power-of-two sizes.
  std::vector<std::pair<Hash, uint64_t>> stack_;
  // The last leaf's siblings inside the smallest subtree, lowest first.
  std::vector<Hash> last_leaf_inside_;
  uint64_t size_ = 0;
};

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_MERKLE_H_
