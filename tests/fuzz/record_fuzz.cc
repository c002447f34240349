// The stored-record decoders: damaged bytes are errors, never crashes, and a
// record that decodes re-encodes to the same bytes.
#include <string>

#include "aidledger/v1/events.pb.h"
#include "ledger/store/codec.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<aidledger::internal::RecordView> record = aidledger::internal::DecodeRecord(bytes);
  if (record.ok()) {
    FUZZ_ASSERT(aidledger::internal::EncodeRecord(record->prev_hash, record->hash,
                                                  record->event_bytes) == std::string(bytes));
    aidledger::v1::Event event;
    (void)event.ParseFromArray(record->event_bytes.data(), static_cast<int>(record->event_bytes.size()));
  }
  absl::StatusOr<aidledger::internal::Head> head = aidledger::internal::DecodeHead(bytes);
  if (head.ok()) FUZZ_ASSERT(aidledger::internal::EncodeHead(*head) == std::string(bytes));
  (void)aidledger::internal::DecodeSequence(bytes);
  return 0;
}
