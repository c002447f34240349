#include "base/large_buffers.h"

#include <sys/mman.h>

#include <algorithm>
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

void ReserveLargeText(std::string* text, size_t more) {
  if (text->capacity() - text->size() >= more) return;
  // Advised before the text is copied in: reserve() would copy first.
  std::string grown;
  grown.reserve(std::max(2 * text->capacity(), text->size() + more));
  AdviseHugePages(grown.data(), grown.capacity());
  grown.append(*text);
  text->swap(grown);
}

}  // namespace aidledger
