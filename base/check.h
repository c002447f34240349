// CHECK for invariants whose failure would corrupt the ledger (a sequence
// going backwards, a broken chain link, a library call that cannot fail).
// Debian's Abseil (20220623) has no absl/log, so aidledger keeps this one.
// Never CHECK untrusted input: reject it with a Status instead.
#ifndef AIDLEDGER_BASE_CHECK_H_
#define AIDLEDGER_BASE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define AIDLEDGER_CHECK(condition)                                          \
  do {                                                                      \
    if (!(condition)) {                                                     \
      std::fprintf(stderr, "aidledger: internal invariant failed at %s:%d: %s\n", \
                   __FILE__, __LINE__, #condition);                          \
      std::abort();                                                         \
    }                                                                       \
  } while (false)

#ifdef NDEBUG
#define AIDLEDGER_DCHECK(condition) \
  do {                              \
  } while (false && (condition))
#else
#define AIDLEDGER_DCHECK(condition) AIDLEDGER_CHECK(condition)
#endif

#endif  // AIDLEDGER_BASE_CHECK_H_
