#include "state/projection.h"

#include "absl/strings/str_cat.h"
#include "base/proto_bytes.h"

namespace aidledger {

std::string Projection::SerializeState() const { return SerializeDeterministic(state()); }

absl::Status Projection::Apply(const FoldEvent& event) {
  return ApplyWith(event, [this](const FoldEvent& folded, int64_t sign, absl::string_view date) {
    return Fold(folded, sign, date);
  });
}

absl::Status Projection::Apply(const v1::Event& event) {
  FoldEvent view, target;
  ViewEvent(event, &view, &target);
  return Apply(view);
}

absl::Status Projection::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  for (size_t i = 0; i < events.size(); ++i) {
    absl::Status status = Apply(*events[i]);
    if (!status.ok()) {
      *failed = i;
      return status;
    }
  }
  return absl::OkStatus();
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

bool IsReversible(v1::Event::PayloadCase payload) {
  switch (payload) {
    case v1::Event::kRegionRegistered:
    case v1::Event::kPairingEstablished:
    case v1::Event::kProjectRegistered:
    case v1::Event::kIndicatorRecorded:
      return true;
    default:
      return IsMoneyEvent(payload);
  }
}

}  // namespace aidledger
