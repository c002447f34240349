#include "state/books.h"

#include "base/status_macros.h"

namespace aidledger {

absl::Status Books::Apply(const FoldEvent& event) {
  const std::array<Projection*, Books::kKindCount> every = all();
  for (size_t i = 0; i < every.size(); ++i) {
    if (FoldsIndex(i)) RETURN_IF_ERROR(every[i]->Apply(event));
  }
  ++events_folded_;
  return absl::OkStatus();
}

absl::Status Books::Apply(const v1::Event& event) {
  FoldEvent view, target;
  ViewEvent(event, &view, &target);
  return Apply(view);
}

absl::Status Books::ApplyAll(absl::Span<const FoldEvent* const> events) {
  // Each projection folds the batch on its own (their states are
  // independent); the error reported is the one of the earliest event.
  absl::Status first_error;
  size_t first_failed = events.size();
  const std::array<Projection*, Books::kKindCount> every = all();
  for (size_t i = 0; i < every.size(); ++i) {
    if (!FoldsIndex(i)) continue;
    size_t failed = events.size();
    absl::Status status = every[i]->ApplyBatch(events, &failed);
    if (!status.ok() && failed < first_failed) {
      first_error = std::move(status);
      first_failed = failed;
    }
  }
  if (!first_error.ok()) return first_error;
  events_folded_ += events.size();
  return absl::OkStatus();
}

void Books::Reset() {
  for (Projection* projection : all()) projection->Reset();
  events_folded_ = 0;
}

}  // namespace aidledger
