#include "ledger/store/codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/limits.h"

namespace aidledger::internal {
namespace {

void PutBigEndian64(uint64_t value, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

uint64_t GetBigEndian64(const char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  return value;
}

}  // namespace

std::string EncodeSequence(uint64_t sequence) {
  std::string out(kSequenceBytes, '\0');
  PutBigEndian64(sequence, out.data());
  return out;
}

absl::StatusOr<uint64_t> DecodeSequence(absl::string_view bytes) {
  if (bytes.size() != kSequenceBytes) {
    return absl::DataLossError(
        absl::StrCat("a stored sequence has ", bytes.size(), " bytes, not 8"));
  }
  return GetBigEndian64(bytes.data());
}

Hash ChainHash(const Hash& prev_hash, uint64_t sequence, absl::string_view event_bytes) {
  const std::string sequence_bytes = EncodeSequence(sequence);
  return Sha256({HashBytes(prev_hash), sequence_bytes, event_bytes});
}

std::string EncodeRecord(const Hash& prev_hash, const Hash& hash,
                         absl::string_view event_bytes) {
  std::string out;
  out.reserve(kRecordHeaderBytes + event_bytes.size());
  out.push_back(static_cast<char>(kRecordVersion));
  absl::StrAppend(&out, HashBytes(prev_hash), HashBytes(hash), event_bytes);
  return out;
}

absl::StatusOr<RecordView> DecodeRecord(absl::string_view value) {
  if (value.size() < kRecordHeaderBytes) {
    return absl::DataLossError(
        absl::StrCat("a stored record has ", value.size(), " bytes, fewer than its header"));
  }
  if (static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return absl::DataLossError(absl::StrCat("a stored record has unknown version ",
                                            static_cast<int>(static_cast<uint8_t>(value[0]))));
  }
  RecordView view;
  std::memcpy(view.prev_hash.data(), value.data() + 1, kHashBytes);
  std::memcpy(view.hash.data(), value.data() + 1 + kHashBytes, kHashBytes);
  view.event_bytes = value.substr(kRecordHeaderBytes);
  return view;
}

std::string EvidenceChunkKey(const Hash& sha256, uint64_t index) {
  std::string key(1, kEvidenceChunkTag);
  absl::StrAppend(&key, HashBytes(sha256), EncodeSequence(index));
  return key;
}

std::string EvidenceManifestKey(const Hash& sha256) {
  std::string key(1, kEvidenceManifestTag);
  absl::StrAppend(&key, HashBytes(sha256));
  return key;
}

std::string EncodeEvidenceManifest(uint64_t size, uint64_t chunks) {
  return absl::StrCat(EncodeSequence(size), EncodeSequence(chunks));
}

absl::Status DecodeEvidenceManifest(absl::string_view value, uint64_t* size, uint64_t* chunks) {
  if (value.size() != 2 * kSequenceBytes) {
    return absl::DataLossError(
        absl::StrCat("an evidence manifest has ", value.size(), " bytes, not 16"));
  }
  *size = GetBigEndian64(value.data());
  *chunks = GetBigEndian64(value.data() + kSequenceBytes);
  if (*size == 0 || *size > static_cast<uint64_t>(limits::kEvidenceFileBytesMax) ||
      (*size + limits::kEvidenceChunkBytes - 1) / limits::kEvidenceChunkBytes != *chunks) {
    return absl::DataLossError(absl::StrCat("an evidence manifest names ", *size, " bytes in ",
                                            *chunks, " chunks"));
  }
  return absl::OkStatus();
}

std::string EncodeHead(const Head& head) {
  std::string out(kHeadBytes, '\0');
  PutBigEndian64(head.sequence, out.data());
  std::memcpy(out.data() + kSequenceBytes, head.hash.data(), kHashBytes);
  PutBigEndian64(static_cast<uint64_t>(head.recorded_at_micros),
                 out.data() + kSequenceBytes + kHashBytes);
  return out;
}

absl::StatusOr<Head> DecodeHead(absl::string_view value) {
  if (value.size() != kHeadBytes) {
    return absl::DataLossError(
        absl::StrCat("the stored head has ", value.size(), " bytes, not ", kHeadBytes));
  }
  Head head;
  head.sequence = GetBigEndian64(value.data());
  std::memcpy(head.hash.data(), value.data() + kSequenceBytes, kHashBytes);
  head.recorded_at_micros =
      static_cast<int64_t>(GetBigEndian64(value.data() + kSequenceBytes + kHashBytes));
  return head;
}

}  // namespace aidledger::internal
