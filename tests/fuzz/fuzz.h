// Fuzz targets: each defines LLVMFuzzerTestOneInput. Built with libFuzzer by
// tools/fuzz (clang), and in every normal build with standalone_main.cc,
// which replays the seed corpus (and every crash found, added there) as a
// regression test.
#ifndef AIDLEDGER_TESTS_FUZZ_FUZZ_H_
#define AIDLEDGER_TESTS_FUZZ_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// An invariant a fuzz input broke: abort so that libFuzzer saves the input.
#define FUZZ_ASSERT(condition)                                                     \
  do {                                                                             \
    if (!(condition)) {                                                            \
      std::fprintf(stderr, "fuzz invariant failed: %s at %s:%d\n", #condition,     \
                   __FILE__, __LINE__);                                            \
      std::abort();                                                                \
    }                                                                              \
  } while (false)

#endif  // AIDLEDGER_TESTS_FUZZ_FUZZ_H_
