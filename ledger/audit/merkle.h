// Checking RFC 6962 inclusion proofs over the event hashes, offline. The
// tree itself (leaf and node hashes, the accumulator a digest's root comes
// from) is base/merkle.h.
#ifndef AIDLEDGER_LEDGER_AUDIT_MERKLE_H_
#define AIDLEDGER_LEDGER_AUDIT_MERKLE_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "aidledger/v1/audit.pb.h"
#include "base/merkle.h"
#include "base/sha256.h"

namespace aidledger {

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
