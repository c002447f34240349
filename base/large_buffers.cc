#include "base/large_buffers.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cstdint>

namespace aidledger {
namespace {

constexpr uintptr_t kHugePageBytes = uintptr_t{2} << 20;  // x86-64's and arm64's (4 KiB base pages)

// A one-shot command's (KeepFreedMemoryForOneShot). On the 1M-event
// benchmark ledger a trace of one helper province took 4.2 s with glibc's
// defaults against 2.9 s with these (4c0c568).
constexpr int kOneShotMmapThresholdBytes = 1 << 30;
constexpr int kOneShotTrimThresholdBytes = 1 << 30;
constexpr int kOneShotTopPadBytes = 64 << 20;

// `serve`'s (KeepFreedMemoryForServing): glibc's largest mmap threshold
// (DEFAULT_MMAP_THRESHOLD_MAX on 64-bit), and the most free memory kept at
// the top of a heap.
constexpr int kServingMmapThresholdBytes = 32 << 20;
constexpr int kServingTrimThresholdBytes = 256 << 20;

}  // namespace

void AdviseHugePages(void* data, size_t size) {
  const uintptr_t start = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
  const uintptr_t end = (start + size) & ~(kHugePageBytes - 1);
  if (end <= first) return;
  (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
}

SpareStrings& SpareStrings::Process() {
  static SpareStrings* spare = new SpareStrings;  // never destroyed: threads may outlive main
  return *spare;
}

std::string SpareStrings::Take() {
  std::string text;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept_.empty()) return text;
    text.swap(kept_.back());
    kept_.pop_back();
  }
  return text;
}

void SpareStrings::Give(std::string text) {
  if (text.capacity() < kSpareBytesMin || text.capacity() > kSpareBytesMax) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (kept_.size() < kSpareStringsMax) kept_.push_back(std::move(text));
}

void KeepFreedMemoryForOneShot() {
  mallopt(M_MMAP_THRESHOLD, kOneShotMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kOneShotTrimThresholdBytes);
  mallopt(M_TOP_PAD, kOneShotTopPadBytes);
}

void KeepFreedMemoryForServing() {
  // Both: setting either one alone ends glibc's sliding threshold, and a
  // trim threshold alone left every block above 128 KiB mapped on its own
  // (a trace twice as slow).
  mallopt(M_MMAP_THRESHOLD, kServingMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, kServingTrimThresholdBytes);
}

}  // namespace aidledger
