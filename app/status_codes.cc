#include "app/status_codes.h"

#include "base/errors.h"

namespace aidledger {

ExitCode ExitCodeFor(const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (RejectReasonOf(status).has_value()) return kExitRejected;
  if (IsUsageError(status)) return kExitUsage;
  switch (status.code()) {
    case absl::StatusCode::kDataLoss:
      return kExitIntegrity;
    case absl::StatusCode::kUnavailable:
      return kExitLocked;
    default:
      return kExitInternal;
  }
}

int HttpStatusFor(const absl::Status& status) {
  if (status.ok()) return 200;
  if (std::optional<v1::RejectReason> reason = RejectReasonOf(status)) {
    return *reason == v1::EVENT_ID_CONFLICT || *reason == v1::POSSIBLE_DUPLICATE ? 409 : 422;
  }
  if (IsUsageError(status)) return 400;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kResourceExhausted:
      return 413;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

}  // namespace aidledger
