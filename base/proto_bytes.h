// Deterministic protobuf serialization: map entries sorted by key, so equal
// messages give equal bytes (for hashing, snapshots and comparisons).
#ifndef AIDLEDGER_BASE_PROTO_BYTES_H_
#define AIDLEDGER_BASE_PROTO_BYTES_H_

#include <cstdint>
#include <string>

#include "google/protobuf/message_lite.h"

namespace aidledger {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

// Protobuf's own bound: a varint of more than 10 bytes does not parse.
inline constexpr int kVarintBytesMax = 10;

// The wire types a decoder of our own records meets (groups are refused).
enum WireType : uint64_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// Reads a varint at *at (advancing it) in its shortest form, as protobuf's
// writer writes them; false when it is cut off by `end`, longer than 64
// bits or padded (protobuf may read the padded forms: the fast decoders
// leave those to it).
inline bool ReadShortestVarint(const char** at, const char* end, uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < kVarintBytesMax && *at < end; ++i) {
    const uint8_t byte = static_cast<uint8_t>(*(*at)++);
    if (i == kVarintBytesMax - 1 && byte > 1) return false;  // past 64 bits
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if (byte < 0x80) {
      if (byte == 0 && i > 0) return false;  // padded
      *value = result;
      return true;
    }
  }
  return false;
}

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_PROTO_BYTES_H_
