#include "projections/books.h"

#include "ledger/status_macros.h"

namespace aidledger {

absl::Status Books::Apply(const FoldEvent& event) {
  RETURN_IF_ERROR(regions.Apply(event));
  RETURN_IF_ERROR(projects.Apply(event));
  RETURN_IF_ERROR(helpers.Apply(event));
  ++events_folded_;
  return absl::OkStatus();
}

absl::Status Books::Apply(const v1::Event& event) {
  FoldEvent view, target;
  ViewEvent(event, &view, &target);
  return Apply(view);
}

absl::Status Books::ApplyAll(absl::Span<const FoldEvent* const> events) {
  for (const auto stage : {Projection::PrefetchStage::kIndex, Projection::PrefetchStage::kEntry}) {
    for (const Projection* projection : all()) {
      for (const FoldEvent* event : events) projection->PrefetchFor(*event, stage);
    }
  }
  for (const FoldEvent* event : events) RETURN_IF_ERROR(Apply(*event));
  return absl::OkStatus();
}

void Books::Reset() {
  for (Projection* projection : all()) projection->Reset();
  events_folded_ = 0;
}

}  // namespace aidledger
