#include "projections/projection.h"

#include "absl/strings/str_cat.h"
#include "ledger/proto_bytes.h"

namespace aidledger {

std::string Projection::SerializeState() const { return SerializeDeterministic(state()); }

absl::Status Projection::Apply(const v1::Event& event) {
  if (!event.has_event_reversed()) return Fold(event, +1);
  const v1::Event& target = event.event_reversed().target();
  if (!IsMoneyEvent(target)) {
    return absl::DataLossError(absl::StrCat(
        "event ", event.sequence(), " reverses a non-money event"));
  }
  return Fold(target, -1);
}

bool IsMoneyEvent(const v1::Event& event) {
  switch (event.payload_case()) {
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
