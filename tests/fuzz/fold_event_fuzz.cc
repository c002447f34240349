// The fold's event decoder against protobuf: whatever the fast path takes,
// protobuf parses and reads the same way; and the decoder (fast path or
// protobuf) accepts exactly what protobuf accepts.
#include <string>

#include "aidledger/v1/events.pb.h"
#include "state/fold_event.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  aidledger::v1::Event message;
  const bool parsed = message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  aidledger::FoldEvent fast, fast_target;
  if (aidledger::DecodeFoldEvent(bytes, &fast, &fast_target)) {
    FUZZ_ASSERT(parsed);
    aidledger::FoldEvent view, view_target;
    aidledger::ViewEvent(message, &view, &view_target);
    FUZZ_ASSERT(fast == view);
  }
  aidledger::FoldEventDecoder decoder;
  FUZZ_ASSERT(decoder.Decode(bytes).ok() == parsed);
  return 0;
}
