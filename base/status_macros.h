// Two small macros for propagating absl::Status. Debian's Abseil (20220623)
// has no public ABSL_RETURN_IF_ERROR, so aidledger keeps its own here.
#ifndef AIDLEDGER_BASE_STATUS_MACROS_H_
#define AIDLEDGER_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AIDLEDGER_CONCAT_INNER_(a, b) a##b
#define AIDLEDGER_CONCAT_(a, b) AIDLEDGER_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    const ::absl::Status aidledger_status_ = (expr);   \
    if (!aidledger_status_.ok()) return aidledger_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, Foo());` declares x from an OK StatusOr, or
// returns its status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(AIDLEDGER_CONCAT_(aidledger_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // AIDLEDGER_BASE_STATUS_MACROS_H_
