// One JSONL import row: never crashes; an accepted row has none of the
// fields the importing ledger assigns.
#include <string>

#include "cli/import.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<aidledger::v1::Event> draft =
      aidledger::app::DraftFromJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (draft.ok()) {
    FUZZ_ASSERT(draft->sequence() == 0);
    FUZZ_ASSERT(!draft->has_recorded_at());
    FUZZ_ASSERT(draft->actor().empty());
  }
  return 0;
}
