// Deterministic protobuf serialization: map entries sorted by key, so equal
// messages give equal bytes (for hashing, snapshots and comparisons).
#ifndef AIDLEDGER_BASE_PROTO_BYTES_H_
#define AIDLEDGER_BASE_PROTO_BYTES_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace aidledger {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_PROTO_BYTES_H_
