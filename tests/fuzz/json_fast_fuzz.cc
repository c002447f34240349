// The JSON fast path (app/json_fast.h) against protobuf's parser: whatever
// it reads, as an Event, as an Event beside an export line's hashes, or as
// an ExportedEvent, protobuf's JsonStringToMessage (unknown fields refused)
// also reads, into a message whose serialization is byte-equal, and
// CheckJsonObject accepts. What it hands back is protobuf's to judge, so
// the two accept and refuse the same lines.
#include <memory>
#include <string>

#include "aidledger/v1/events.pb.h"
#include "aidledger/v1/export.pb.h"
#include "app/json_check.h"
#include "app/json_fast.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz.h"

namespace {

using aidledger::app::FastJson;

void Check(absl::string_view text, const google::protobuf::Message& prototype,
           absl::Span<const absl::string_view> skipped) {
  std::unique_ptr<google::protobuf::Message> fast(prototype.New());
  if (aidledger::app::FastJsonToMessage(text, fast.get(), skipped) != FastJson::kParsed) return;
  absl::StatusOr<aidledger::app::JsonShape> shape = aidledger::app::CheckJsonObject(text);
  FUZZ_ASSERT(shape.ok());
  const std::string without = aidledger::app::WithoutMembers(text, *shape, {skipped.begin(), skipped.end()});
  std::unique_ptr<google::protobuf::Message> strict(prototype.New());
  FUZZ_ASSERT(google::protobuf::util::JsonStringToMessage(without, strict.get(),
                                                          google::protobuf::util::JsonParseOptions())
                  .ok());
  FUZZ_ASSERT(strict->SerializeAsString() == fast->SerializeAsString());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr absl::string_view kExportExtras[] = {"seq", "hash", "prev_hash"};
  Check(text, aidledger::v1::Event::default_instance(), {});
  Check(text, aidledger::v1::Event::default_instance(), kExportExtras);
  Check(text, aidledger::v1::ExportedEvent::default_instance(), {});
  return 0;
}
