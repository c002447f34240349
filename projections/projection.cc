#include "projections/projection.h"

#include "absl/strings/str_cat.h"
#include "ledger/proto_bytes.h"

namespace aidledger {

std::string Projection::SerializeState() const { return SerializeDeterministic(state()); }

absl::Status Projection::Apply(const FoldEvent& event) {
  if (event.payload != v1::Event::kEventReversed) return Fold(event, +1);
  if (!IsMoneyEvent(event.target->payload)) {
    return absl::DataLossError(absl::StrCat(
        "event ", event.sequence, " reverses a non-money event"));
  }
  return Fold(*event.target, -1);
}

absl::Status Projection::Apply(const v1::Event& event) {
  FoldEvent view, target;
  ViewEvent(event, &view, &target);
  return Apply(view);
}

void Projection::PrefetchFor(const FoldEvent& event, PrefetchStage stage) const {
  if (event.payload != v1::Event::kEventReversed) return Prefetch(event, stage);
  if (event.target != nullptr) Prefetch(*event.target, stage);
}

bool IsMoneyEvent(v1::Event::PayloadCase payload) {
  switch (payload) {
    case v1::Event::kFundsAllocated:
    case v1::Event::kFundsDisbursed:
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      return true;
    default:
      return false;
  }
}

}  // namespace aidledger
