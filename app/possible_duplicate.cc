#include "app/possible_duplicate.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/time.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/projection.h"
#include "state/validate.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// What two entries of one voucher share: the type, the payload as typed
// and the effective date (not the memo, the actor or the time).
std::string ComparedContent(v1::Event event) {
  event.clear_memo();
  return IdempotencyContent(event);
}

std::string RecordedInChina(const google::protobuf::Timestamp& at) {
  return DisplayTime(absl::FromUnixSeconds(at.seconds()) + absl::Nanoseconds(at.nanos()));
}

}  // namespace

absl::Status CheckNotPossibleDuplicate(const Ledger& ledger, absl::Span<const v1::Event> drafts,
                                       absl::string_view remedy, size_t* index) {
  const absl::Time now = ledger.Now();
  const std::string today = DateInChina(now);
  absl::flat_hash_map<std::string, size_t> wanted;  // content -> the first draft's index
  for (size_t i = 0; i < drafts.size(); ++i) {
    if (!drafts[i].event_id().empty() || !IsMoneyEvent(drafts[i])) continue;
    v1::Event completed = drafts[i];
    ApplyDefaults(today, &completed);
    wanted.emplace(ComparedContent(std::move(completed)), i);
  }
  if (wanted.empty()) return absl::OkStatus();
  const uint64_t head = ledger.head().sequence;
  ASSIGN_OR_RETURN(const uint64_t before, ledger.SequenceKnownAt(now - kPossibleDuplicateWindow));
  const uint64_t from =
      std::max(before + 1, head > kPossibleDuplicateScanEventsMax
                               ? head - kPossibleDuplicateScanEventsMax + 1
                               : uint64_t{1});
  if (from > head) return absl::OkStatus();
  std::unique_ptr<EventReader> reader = ledger.Read(from, head);
  StoredEvent stored;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) return absl::OkStatus();
    if (!IsMoneyEvent(stored.event)) continue;
    auto match = wanted.find(ComparedContent(stored.event));
    if (match == wanted.end()) continue;
    if (index != nullptr) *index = match->second;
    const v1::Event& earlier = stored.event;
    return Rejected(
        v1::POSSIBLE_DUPLICATE, "event_id",
        absl::Substitute(Tr("none given, and the same $0 effective $1 was recorded at $2: seq $3, "
                            "event_id $4; $5"),
                         WordFor(kEventTypes, earlier.payload_case()), earlier.effective_date(),
                         RecordedInChina(earlier.recorded_at()), stored.sequence,
                         earlier.event_id(), remedy));
  }
}

}  // namespace aidledger::app
