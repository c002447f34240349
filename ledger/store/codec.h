// The on-disk format of an aidledger ledger. FROZEN: changing any layout
// below needs a new format version and a migration.
//
// A ledger is one RocksDB database with these column families:
//
//   events      key:   sequence                 8 bytes, big-endian uint64
//               value: record                   (below)
//   event_ids   key:   event_id                 UTF-8 bytes
//               value: sequence                 8 bytes, big-endian
//   reversals   key:   reversed event_id        UTF-8 bytes
//               value: sequence of the reversal 8 bytes, big-endian
//   meta        key "format_version" -> decimal text, "1"
//               key "head"           -> head    (below)
//   snapshots   key:   projection name, '/', sequence (8 bytes, big-endian)
//               value: snapshot record           (ledger/snapshots)
//   evidence    key:   'c' | sha256:32 | chunk index:8 big-endian
//               value: the chunk's bytes (at most limits::kEvidenceChunkBytes)
//               key:   'm' | sha256:32
//               value: manifest := size:8 | chunks:8 (big-endian)
//               (issue 25; a ledger made before has no evidence family
//               until a writable open adds it, empty)
//   default     unused (RocksDB requires it)
//
// Big-endian fixed-width keys make RocksDB's bytewise order the numeric
// order: if i < j then EncodeSequence(i) < EncodeSequence(j).
//
//   record  := version:u8 (=1) | prev_hash:32 | hash:32 | event_bytes
//   hash    := SHA-256(prev_hash | sequence:8 big-endian | event_bytes)
//   head    := sequence:8 | hash:32 | recorded_at_micros:8 (big-endian, signed)
//
// prev_hash of sequence 1 is 32 zero bytes. event_bytes are the exact bytes
// of a serialized aidledger.v1.Event; verification hashes these stored bytes,
// never a re-serialization.
#ifndef AIDLEDGER_LEDGER_STORE_CODEC_H_
#define AIDLEDGER_LEDGER_STORE_CODEC_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "base/sha256.h"

namespace aidledger::internal {

inline constexpr uint8_t kRecordVersion = 1;
inline constexpr absl::string_view kFormatVersion = "1";
inline constexpr size_t kSequenceBytes = 8;
inline constexpr size_t kRecordHeaderBytes = 1 + 2 * kHashBytes;
inline constexpr size_t kHeadBytes = kSequenceBytes + kHashBytes + 8;

inline constexpr absl::string_view kMetaFormatVersionKey = "format_version";
inline constexpr absl::string_view kMetaHeadKey = "head";

std::string EncodeSequence(uint64_t sequence);
// kDataLoss unless `bytes` is exactly 8 bytes.
absl::StatusOr<uint64_t> DecodeSequence(absl::string_view bytes);

// The hash of the record at `sequence`.
Hash ChainHash(const Hash& prev_hash, uint64_t sequence, absl::string_view event_bytes);

struct RecordView {
  Hash prev_hash;
  Hash hash;
  absl::string_view event_bytes;  // points into the decoded value
};

std::string EncodeRecord(const Hash& prev_hash, const Hash& hash,
                         absl::string_view event_bytes);
// kDataLoss when the value is too short or of an unknown version. Does not
// check the hash: callers that need to, recompute it with ChainHash.
// The view points into `value`, which must outlive it.
absl::StatusOr<RecordView> DecodeRecord(absl::string_view value);
// A view of a temporary string would dangle as soon as the call's statement
// ends (ASan caught that mistake twice in tests): make it a compile error.
absl::StatusOr<RecordView> DecodeRecord(std::string&& value) = delete;

// Evidence keys and manifests (the evidence family, above).
inline constexpr char kEvidenceChunkTag = 'c';
inline constexpr char kEvidenceManifestTag = 'm';
inline constexpr size_t kEvidenceManifestKeyBytes = 1 + kHashBytes;
std::string EvidenceChunkKey(const Hash& sha256, uint64_t index);
std::string EvidenceManifestKey(const Hash& sha256);
std::string EncodeEvidenceManifest(uint64_t size, uint64_t chunks);
// kDataLoss unless `value` is 16 bytes naming a size that its chunks can
// hold: (size + chunk - 1) / chunk == chunks, size >= 1.
absl::Status DecodeEvidenceManifest(absl::string_view value, uint64_t* size, uint64_t* chunks);

struct Head {
  uint64_t sequence = 0;  // 0: empty ledger
  Hash hash{};            // zeros for an empty ledger
  int64_t recorded_at_micros = 0;
};

std::string EncodeHead(const Head& head);
absl::StatusOr<Head> DecodeHead(absl::string_view value);

}  // namespace aidledger::internal

#endif  // AIDLEDGER_LEDGER_STORE_CODEC_H_
