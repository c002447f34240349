// What a Status means to each adapter: the exit code of a command, the HTTP
// status of a response. Below the adapters errors are neutral Statuses
// (base/errors.h); they are translated here, in one place.
#ifndef AIDLEDGER_APP_STATUS_CODES_H_
#define AIDLEDGER_APP_STATUS_CODES_H_

#include "absl/status/status.h"

namespace aidledger {

// Process exit codes shared by every command.
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitRejected = 3,
  kExitIntegrity = 4,  // corruption, a failed integrity check
  kExitLocked = 5,     // the ledger is held by another process
};

// The exit code of the command that produced `status`.
ExitCode ExitCodeFor(const absl::Status& status);

// The HTTP status of a response that failed with `status` (200 for OK):
// a rejection 422 (an event_id conflict 409), a usage error (a bad query
// parameter) 400, kNotFound 404, kResourceExhausted 413, kUnavailable 503,
// and corruption and everything else 500.
int HttpStatusFor(const absl::Status& status);

}  // namespace aidledger

#endif  // AIDLEDGER_APP_STATUS_CODES_H_
