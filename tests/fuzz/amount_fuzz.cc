// The amount parser: never crashes; what it accepts is positive and formats
// back, as figures and as 大写, to text it parses to the same fen.
#include <string>

#include "base/amount.h"
#include "base/daxie.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<int64_t> fen = aidledger::ParseAmountFen(text);
  if (!fen.ok()) return 0;
  FUZZ_ASSERT(*fen > 0);
  absl::StatusOr<int64_t> again = aidledger::ParseAmountFen(aidledger::FormatFen(*fen));
  FUZZ_ASSERT(again.ok() && *again == *fen);
  absl::StatusOr<int64_t> read_back = aidledger::ParseAmountFen(aidledger::Daxie(*fen));
  FUZZ_ASSERT(read_back.ok() && *read_back == *fen);
  return 0;
}
