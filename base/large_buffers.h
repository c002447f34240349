// Buffers of many megabytes written once: a trace's JSON (~100 MB at 1M
// events) and the money events it is built from.
//
// Memory touched for the first time costs a page fault per 4 KiB page, and
// on a virtual machine each fault is a trip to the hypervisor: writing
// 96 MiB of fresh memory took 330 ms on the 2-core VM BENCHMARKS.md is
// measured on, against 5 ms to write it again, and 8 ms when the range was
// first advised to use transparent huge pages (one fault per 2 MiB). Linux
// gives a range huge pages only when asked where
// /sys/kernel/mm/transparent_hugepage/enabled is "madvise" (Debian's
// default), and never where it is "never": the advice changes no byte.
#ifndef AIDLEDGER_BASE_LARGE_BUFFERS_H_
#define AIDLEDGER_BASE_LARGE_BUFFERS_H_

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

namespace aidledger {

// Asks for huge pages for the whole 2 MiB pages within [data, data+size):
// nothing for a range that holds none. Only advice: an error is ignored.
void AdviseHugePages(void* data, size_t size);

// Makes room in `buffer` (a std::string or std::vector of many megabytes,
// filled once) for `more` items beyond its size: at least doubling its
// capacity when it grows, the new buffer advised before the items move in
// (reserve() would move them first).
template <typename Buffer>
void ReserveLarge(Buffer* buffer, size_t more = 1) {
  if (buffer->capacity() - buffer->size() >= more) return;
  Buffer grown;
  grown.reserve(std::max(2 * buffer->capacity(), buffer->size() + more));
  AdviseHugePages(grown.data(), grown.capacity() * sizeof(*grown.data()));
  if constexpr (std::is_same_v<Buffer, std::string>) {
    grown.append(*buffer);  // a string's insert() of iterators copies through a temporary
  } else {
    grown.insert(grown.end(), std::make_move_iterator(buffer->begin()),
                 std::make_move_iterator(buffer->end()));
  }
  buffer->swap(grown);
}

// Large strings kept between requests for their memory: a trace's JSON
// (96.5 MB for one helper province of the 1M-event ledger) written into
// memory the process wrote before costs a fraction of writing fresh memory,
// whose every page faults in (zeroed by the kernel, and on a virtual
// machine first backed by the hypervisor). glibc cannot keep such a block:
// a handler thread's heap holds at most 64 MiB, so a larger block is
// mapped on its own and unmapped when freed. At most kSpareStringsMax
// strings are kept, each of kSpareBytesMin to kSpareBytesMax of capacity.
// Thread-safe.
class SpareStrings {
 public:
  static constexpr size_t kSpareStringsMax = 2;
  static constexpr size_t kSpareBytesMin = size_t{32} << 20;   // smaller: glibc keeps it
  static constexpr size_t kSpareBytesMax = size_t{256} << 20;  // a trace's reserve at most

  // The process's.
  static SpareStrings& Process();

  // A string kept, as it was given: its size and bytes are what its writer
  // wrote last, room to write over without filling it first (a std::string
  // grown by resize() is zero-filled: for a province's trace, 96.5 MB of
  // memset into the cache just before the JSON is written over it, which
  // cost a quarter of the time its tree and JSON take). A caller cuts it to
  // what it wrote before sending it.
  // An empty string when none is kept.
  std::string Take();
  // Keeps `text`'s memory for a later Take, when it is that large and
  // there is room; frees it otherwise.
  void Give(std::string text);

 private:
  std::mutex mutex_;
  std::vector<std::string> kept_;  // guarded by mutex_
};

// How the process's allocator (glibc's malloc) keeps the memory it frees.
// With glibc's defaults a block above its mmap threshold (128 KiB, rising
// to at most 32 MiB with the blocks freed) is mapped on its own and
// unmapped when freed, and free memory above 2x that threshold at the top
// of the heap is given back to the kernel: so a view of hundreds of
// megabytes, built, freed and built again, faults every page in each time
// (on a virtual machine each fault is a trip to the hypervisor).
//
// For a command that runs once and exits: keep everything freed for the
// next allocation (blocks up to 1 GiB from the heap, nothing trimmed below
// 1 GiB free, the heap grown 64 MiB at a time).
void KeepFreedMemoryForOneShot();
// For `serve`, which lives for days: blocks up to 32 MiB from the heap
// (glibc's own largest threshold), and at most 256 MiB free kept at the top
// of each heap for the next request (a trace of one helper province of
// the 1M-event ledger peaks at ~360 MB resident, its 96.5 MB of JSON
// included): a bounded cost for not faulting a large answer's pages in
// again on every request.
void KeepFreedMemoryForServing();

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_LARGE_BUFFERS_H_
