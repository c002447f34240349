// The amount parser: never crashes; what it accepts is positive and formats
// back to text it parses to the same fen.
#include <string>

#include "base/amount.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<int64_t> fen = aidledger::ParseAmountFen(text);
  if (!fen.ok()) return 0;
  FUZZ_ASSERT(*fen > 0);
  absl::StatusOr<int64_t> again = aidledger::ParseAmountFen(aidledger::FormatFen(*fen));
  FUZZ_ASSERT(again.ok() && *again == *fen);
  return 0;
}
