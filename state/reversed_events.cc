#include "state/reversed_events.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

absl::Status ReversedEvents::Index::Rebuild(absl::string_view projection,
                                            v1::ReversedEventsState* state) {
  sequences.reserve(state->sequences_size());
  for (uint64_t sequence : state->sequences()) {
    if (sequence == 0) return absl::DataLossError(absl::StrCat(projection, " state holds event 0"));
    if (!sequences.insert(sequence).second) {
      return StateHoldsTwice(projection, "reversed event", absl::StrCat(sequence));
    }
  }
  return absl::OkStatus();
}

absl::Status ReversedEvents::Fold(const FoldEvent& event, int64_t sign, absl::string_view) {
  if (sign > 0) return absl::OkStatus();
  if (event.sequence == 0) {
    return absl::DataLossError("a reversal carries a target without a sequence");
  }
  if (!data_.mutable_index()->sequences.insert(event.sequence).second) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " is reversed twice"));
  }
  data_.mutable_state()->add_sequences(event.sequence);
  return absl::OkStatus();
}

}  // namespace aidledger
