#include "base/errors.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/cord.h"
#include "absl/strings/substitute.h"
#include "base/fields.h"
#include "base/messages.h"

namespace aidledger {
namespace {

constexpr absl::string_view kReasonPayloadUrl = "aidledger.v1.RejectReason";
constexpr absl::string_view kUsagePayloadUrl = "aidledger.usage";

absl::StatusCode CodeForReason(v1::RejectReason reason) {
  switch (reason) {
    case v1::REGION_EXISTS:
    case v1::PAIRING_EXISTS:
    case v1::PROJECT_EXISTS:
    case v1::EVENT_ID_CONFLICT:
      return absl::StatusCode::kAlreadyExists;
    case v1::REGION_NOT_FOUND:
    case v1::PARENT_NOT_FOUND:
    case v1::PAIRING_NOT_FOUND:
    case v1::PROJECT_NOT_FOUND:
    case v1::TARGET_NOT_FOUND:
      return absl::StatusCode::kNotFound;
    case v1::PROJECT_OUTSIDE_REGION:
    case v1::OVERSPENT:
    case v1::TARGET_NOT_MONEY:
    case v1::TARGET_REFERENCED:
    case v1::TARGET_ALREADY_REVERSED:
    case v1::DATE_BEFORE_REFERENCE:
    case v1::REGION_TOO_DEEP:
      return absl::StatusCode::kFailedPrecondition;
    case v1::TOTAL_OVERFLOW:
      return absl::StatusCode::kOutOfRange;
    default:
      return absl::StatusCode::kInvalidArgument;
  }
}

}  // namespace

absl::Status Rejected(v1::RejectReason reason, absl::string_view field,
                      absl::string_view detail) {
  absl::Status status(CodeForReason(reason), absl::StrCat(FieldLabel(field), ": ", detail));
  status.SetPayload(kReasonPayloadUrl,
                    absl::Cord(v1::RejectReason_Name(reason)));
  return status;
}

std::optional<v1::RejectReason> RejectReasonOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kReasonPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  v1::RejectReason reason;
  if (!v1::RejectReason_Parse(std::string(*payload), &reason)) return std::nullopt;
  return reason;
}

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(Tr(message));
  status.SetPayload(kUsagePayloadUrl, absl::Cord("1"));
  return status;
}

absl::Status WithContext(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload([&out](absl::string_view url, const absl::Cord& payload) {
    out.SetPayload(url, payload);
  });
  return out;
}

absl::Status Corruption(absl::string_view detail) {
  return absl::DataLossError(detail);
}

absl::Status CheckDecodedEvent(uint64_t stored_at, bool decoded, uint64_t says_sequence,
                               int64_t recorded_at_seconds, int32_t recorded_at_nanos) {
  if (!decoded) {
    return absl::DataLossError(absl::Substitute(Tr("event $0 does not decode"), stored_at));
  }
  if (says_sequence != stored_at) {
    return absl::DataLossError(absl::Substitute(Tr("event stored at sequence $0 says it is event $1"),
                                                stored_at, says_sequence));
  }
  absl::Status recorded = CheckRecordedAt(recorded_at_seconds, recorded_at_nanos);
  if (!recorded.ok()) {
    return absl::DataLossError(
        absl::Substitute(Tr("event $0: $1"), stored_at, recorded.message()));
  }
  return absl::OkStatus();
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayloadUrl).has_value();
}

}  // namespace aidledger
