#include "base/large_buffers.h"

#include <sys/mman.h>

#include <cstdint>

namespace aidledger {
namespace {

constexpr uintptr_t kHugePageBytes = uintptr_t{2} << 20;  // x86-64's and arm64's (4 KiB base pages)

}  // namespace

void AdviseHugePages(void* data, size_t size) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t end = (start + size) & ~(kHugePageBytes - 1);
  if (end <= first) return;
  (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
}

}  // namespace aidledger
