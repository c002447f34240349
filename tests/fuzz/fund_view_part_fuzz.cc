// The reader of the fund view's stored parts against protobuf: each entry it
// gives is what ViewFundViewEntry gives for protobuf's parse of the part,
// with its chain hash; it reads to the end only a part protobuf parses whose
// every hash is 32 bytes; and when it refuses, protobuf refuses the part or
// the entry it stopped at has a hash of another length. Entries given before
// a refusal are allowed: the fast path reads a part entry by entry, and the
// part's damage is reported when the reader reaches it.
#include <string>
#include <vector>

#include "aidledger/v1/storage.pb.h"
#include "state/fund_view_entry.h"
#include "tests/fuzz/fuzz.h"

namespace {

// The entries a part may hold, for the fuzzer's sake: a part is at most a
// snapshot record long, and a longer input only repeats what a short one
// tries.
constexpr int kEntriesMax = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  aidledger::v1::FundViewPart message;
  const bool parsed = message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  aidledger::FundViewPartReader reader(bytes);
  std::vector<aidledger::FoldEvent> given;  // views into `bytes` or the reader's parse
  std::vector<aidledger::Hash> hashes;
  absl::Status refused;
  while (given.size() < kEntriesMax) {
    aidledger::Hash hash{};
    absl::StatusOr<const aidledger::FoldEvent*> next = reader.Next(&hash);
    if (!next.ok()) {
      refused = next.status();
      break;
    }
    if (*next == nullptr) break;
    given.push_back(**next);
    hashes.push_back(hash);
  }
  if (given.size() == kEntriesMax) return 0;
  if (!refused.ok()) {
    FUZZ_ASSERT(refused.code() == absl::StatusCode::kDataLoss);
    FUZZ_ASSERT(!parsed || (static_cast<int>(given.size()) < message.entries_size() &&
                            message.entries(static_cast<int>(given.size())).hash().size() !=
                                sizeof(aidledger::Hash)));
  } else {
    FUZZ_ASSERT(parsed);
    FUZZ_ASSERT(static_cast<int>(given.size()) == message.entries_size());
  }
  if (!parsed) return 0;
  for (size_t i = 0; i < given.size(); ++i) {
    const aidledger::v1::FundViewEntry& entry = message.entries(static_cast<int>(i));
    FUZZ_ASSERT(entry.hash() == absl::string_view(reinterpret_cast<const char*>(hashes[i].data()),
                                                  hashes[i].size()));
    FUZZ_ASSERT(given[i] == aidledger::ViewFundViewEntry(entry));
  }
  return 0;
}
