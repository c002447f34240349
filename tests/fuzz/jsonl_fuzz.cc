// One JSONL import row: never crashes; an accepted row has none of the
// fields the importing ledger assigns, has no key twice, and is exactly
// what protobuf's own parser reads when told to refuse unknown fields (so
// nothing was dropped on the way).
#include <string>

#include "app/import.h"
#include "app/json_check.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<aidledger::v1::Event> draft =
      aidledger::app::DraftFromJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (draft.ok()) {
    FUZZ_ASSERT(draft->sequence() == 0);
    FUZZ_ASSERT(!draft->has_recorded_at());
    FUZZ_ASSERT(draft->actor().empty());
    const absl::string_view text(reinterpret_cast<const char*>(data), size);
    FUZZ_ASSERT(aidledger::app::CheckJsonObject(text).ok());
    aidledger::v1::Event strict;
    FUZZ_ASSERT(google::protobuf::util::JsonStringToMessage(
                    google::protobuf::StringPiece(text.data(), text.size()), &strict,
                    google::protobuf::util::JsonParseOptions())
                    .ok());
    strict.clear_sequence();
    strict.clear_recorded_at();
    strict.clear_actor();
    FUZZ_ASSERT(strict.SerializeAsString() == draft->SerializeAsString());
  }
  return 0;
}
