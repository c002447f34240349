// The fund view's events as kept at snapshots (issue 25;
// docs/fund-view-store.md): which events of the log the fund-flow trace and
// the early warnings read, the fields they read of each, and the partition
// each is filed under, so that a trace of one province reads that
// province's part of each snapshot instead of the whole log.
#ifndef AIDLEDGER_STATE_FUND_VIEW_ENTRY_H_
#define AIDLEDGER_STATE_FUND_VIEW_ENTRY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/storage.pb.h"
#include "base/sha256.h"
#include "state/books.h"
#include "state/fold_event.h"

namespace aidledger {

// The partitions read whatever the scope.
inline constexpr char kFundViewRegistry[] = "registry";  // registrations, 验收, reversals
inline constexpr char kFundViewUnplaced[] = "unplaced";  // money of a region without province

// Whether the fund view keeps `e`: region and project registrations, a
// project's stage changed to 验收, every reversal, allocations,
// disbursements, and investments into a project.
bool InFundView(const FoldEvent& e);

// The entry of event `sequence` (whose chain hash is `hash`), `e` one the
// view keeps.
v1::FundViewEntry FundViewEntryOf(uint64_t sequence, const Hash& hash, const FoldEvent& e);

// `entry` viewed as the fold decoder views an event: the fields the view
// reads, as views into `entry` (which must outlive them).
FoldEvent ViewFundViewEntry(const v1::FundViewEntry& entry);

// Reads the entries of one stored part (a serialized v1::FundViewPart) in
// its order, each viewed as ViewFundViewEntry views it, without building
// the message: the fast path decodes an entry's wire bytes into views of
// them, as state/fold_event.h decodes events. It takes only the encoding
// our writer produces (each known field once, under its wire type, varints
// in their shortest form, strings valid UTF-8); at the first entry it does
// not take, it hands the whole part to protobuf and goes on from that
// entry in the parsed message, so it never reads an entry differently from
// protobuf nor accepts what protobuf refuses. A part is at most a snapshot
// record long (the store's bound), and each entry is read once.
class FundViewPartReader {
 public:
  // `part` must outlive the reader and every view it gives.
  explicit FundViewPartReader(absl::string_view part) : rest_(part), part_(part) {}
  FundViewPartReader(const FundViewPartReader&) = delete;
  FundViewPartReader& operator=(const FundViewPartReader&) = delete;

  // The next entry (valid until the next call), and its chain hash in
  // *hash; nullptr after the last. kDataLoss when the part does not decode
  // or an entry's hash is not 32 bytes.
  absl::StatusOr<const FoldEvent*> Next(Hash* hash);
  // How many entries took protobuf's path.
  uint64_t fallbacks() const { return fallbacks_; }

 private:
  bool DecodeFast(absl::string_view bytes, absl::string_view* hash);

  absl::string_view rest_;        // the fast path: the part's bytes not yet read
  const absl::string_view part_;  // all of them, for the fallback
  size_t read_ = 0;               // entries given so far
  std::optional<v1::FundViewPart> parsed_;  // protobuf's parse, once taken
  FoldEvent event_;
  uint64_t fallbacks_ = 0;
};

// The top-level region above `code` (itself at the top) in `books`; empty
// for a region it does not hold or whose chain is broken.
std::string ProvinceOf(const Books& books, const std::string& code);

// The partitions `entry` is filed under with the regions and projects of
// `books` (those of the snapshot it is stored at): kFundViewRegistry for
// what is not money; an allocation under its recipient's province and,
// when another, that of the project it names; a payment under its
// project's region's province; kFundViewUnplaced for money whose region
// has no province in `books`. At most two, no repeats.
std::vector<std::string> FundViewPartitionsOf(const Books& books, const v1::FundViewEntry& entry);

// A snapshot's delta, filed: the parts by partition (entries in log order)
// and the manifest naming them, with the region -> province map of
// `books` and `previous`, the snapshot the delta starts after.
struct FundViewDelta {
  v1::FundViewManifest manifest;
  std::map<std::string, v1::FundViewPart> parts;
};
FundViewDelta FileFundView(const Books& books, uint64_t previous,
                           std::vector<v1::FundViewEntry> entries);

// The region -> province map of `books`, as a manifest stores it.
void PlacementsOf(const Books& books, v1::FundViewManifest* manifest);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_FUND_VIEW_ENTRY_H_
