#include "base/proto_bytes.h"

#include <climits>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "base/check.h"

namespace aidledger {

std::string SerializeDeterministic(const google::protobuf::MessageLite& message) {
  // Sized once, written in place: a StringOutputStream would grow the string
  // in steps and zero-fill each step.
  const size_t size = message.ByteSizeLong();
  AIDLEDGER_CHECK(size <= static_cast<size_t>(INT_MAX));  // protobuf's own limit is 2 GiB
  std::string bytes(size, '\0');
  google::protobuf::io::ArrayOutputStream stream(bytes.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  AIDLEDGER_CHECK(!coded.HadError() && static_cast<size_t>(coded.ByteCount()) == size);
  return bytes;
}

}  // namespace aidledger
