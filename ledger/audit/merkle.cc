#include "ledger/audit/merkle.h"

#include "base/merkle.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/store/codec.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"

namespace aidledger {

absl::Status VerifyInclusion(uint64_t leaf_index, uint64_t tree_size, const Hash& leaf_hash,
                             const std::vector<Hash>& path, const Hash& root) {
  if (leaf_index >= tree_size) {
    return absl::DataLossError(
        absl::StrCat("leaf index ", leaf_index, " is outside a tree of ", tree_size));
  }
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : path) {
    if (sn == 0) return absl::DataLossError("the audit path is longer than the tree is deep");
    if ((fn & 1) == 1 || fn == sn) {
      r = MerkleNodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return absl::DataLossError("the audit path is shorter than the tree is deep");
  if (r != root) return absl::DataLossError("the audit path does not lead to the Merkle root");
  return absl::OkStatus();
}

namespace {

absl::StatusOr<Hash> ProofHash(const std::string& hex, absl::string_view field) {
  absl::StatusOr<Hash> hash = HashFromHex(hex);
  if (!hash.ok() || Hex(*hash) != hex) {
    return absl::DataLossError(absl::StrCat(field, " is not 64 lowercase hex digits"));
  }
  return hash;
}

absl::StatusOr<std::vector<Hash>> ProofPath(const google::protobuf::RepeatedPtrField<std::string>& hexes,
                                            absl::string_view field) {
  std::vector<Hash> path;
  for (const std::string& hex : hexes) {
    ASSIGN_OR_RETURN(Hash hash, ProofHash(hex, field));
    path.push_back(hash);
  }
  return path;
}

}  // namespace

absl::Status VerifyInclusionProof(const v1::InclusionProof& proof) {
  const uint64_t size = proof.tree_size();
  if (proof.seq() == 0 || proof.seq() > size || proof.digest().seq() != size) {
    return absl::DataLossError("seq, tree_size and digest.seq do not fit together");
  }
  ASSIGN_OR_RETURN(Hash root, ProofHash(proof.digest().merkle_root(), "digest.merkle_root"));
  // The event.
  v1::Event decoded;
  if (!decoded.ParseFromString(proof.event_bytes()) || decoded.sequence() != proof.seq()) {
    return absl::DataLossError("event_bytes do not decode to event seq");
  }
  if (SerializeDeterministic(decoded) != SerializeDeterministic(proof.event())) {
    return absl::DataLossError("the readable event differs from event_bytes");
  }
  ASSIGN_OR_RETURN(Hash prev, ProofHash(proof.prev_hash(), "prev_hash"));
  ASSIGN_OR_RETURN(Hash hash, ProofHash(proof.hash(), "hash"));
  if (internal::ChainHash(prev, proof.seq(), proof.event_bytes()) != hash) {
    return absl::DataLossError("hash is not SHA-256(prev_hash, seq, event_bytes)");
  }
  ASSIGN_OR_RETURN(Hash leaf, ProofHash(proof.leaf_hash(), "leaf_hash"));
  if (MerkleLeafHash(hash) != leaf) return absl::DataLossError("leaf_hash is not the leaf of hash");
  ASSIGN_OR_RETURN(std::vector<Hash> path, ProofPath(proof.audit_path(), "audit_path"));
  absl::Status included = VerifyInclusion(proof.seq() - 1, size, leaf, path, root);
  if (!included.ok()) return absl::DataLossError(absl::StrCat("event: ", included.message()));
  // The digest's head.
  v1::Event head;
  if (!head.ParseFromString(proof.head_event_bytes()) || head.sequence() != size) {
    return absl::DataLossError("head_event_bytes do not decode to event tree_size");
  }
  ASSIGN_OR_RETURN(Hash head_prev, ProofHash(proof.head_prev_hash(), "head_prev_hash"));
  ASSIGN_OR_RETURN(Hash head_hash, ProofHash(proof.digest().head_hash(), "digest.head_hash"));
  if (internal::ChainHash(head_prev, size, proof.head_event_bytes()) != head_hash) {
    return absl::DataLossError("digest.head_hash is not the hash of the head event");
  }
  const absl::Time recorded = absl::FromUnixSeconds(head.recorded_at().seconds()) +
                              absl::Nanoseconds(head.recorded_at().nanos());
  if (absl::FormatTime(absl::RFC3339_full, recorded, absl::UTCTimeZone()) !=
      proof.digest().recorded_at()) {
    return absl::DataLossError("digest.recorded_at is not the head event's recording time");
  }
  ASSIGN_OR_RETURN(std::vector<Hash> head_path, ProofPath(proof.head_audit_path(), "head_audit_path"));
  absl::Status head_included = VerifyInclusion(size - 1, size, MerkleLeafHash(head_hash), head_path, root);
  if (!head_included.ok()) {
    return absl::DataLossError(absl::StrCat("head: ", head_included.message()));
  }
  if (proof.seq() == size && (proof.event_bytes() != proof.head_event_bytes() || prev != head_prev)) {
    return absl::DataLossError("the event and the head differ though they are the same event");
  }
  return absl::OkStatus();
}

}  // namespace aidledger
