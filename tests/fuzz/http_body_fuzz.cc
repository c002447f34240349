// The body of POST /v1/events: never crashes, never yields more events than
// the limit or an event with fields the ledger assigns.
#include <string>

#include "server/server.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<std::vector<aidledger::v1::Event>> drafts =
      aidledger::app::DraftsFromBody(std::string(reinterpret_cast<const char*>(data), size));
  if (drafts.ok()) {
    FUZZ_ASSERT(!drafts->empty() && drafts->size() <= 1000);
    for (const auto& draft : *drafts) FUZZ_ASSERT(draft.sequence() == 0 && draft.actor().empty());
  }
  return 0;
}
