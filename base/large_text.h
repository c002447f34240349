// Text of many megabytes written once (a trace's JSON runs to ~100 MB).
//
// Memory touched for the first time costs a page fault per 4 KiB page, and
// on a virtual machine each fault is a trip to the hypervisor: writing
// 96 MiB of fresh memory took 330 ms on the 2-core VM BENCHMARKS.md is
// measured on, against 5 ms to write it again, and 8 ms when the range was
// first advised to use transparent huge pages (one fault per 2 MiB). Linux
// gives a range huge pages only when asked where
// /sys/kernel/mm/transparent_hugepage/enabled is "madvise" (Debian's
// default), and never where it is "never": the advice changes no byte.
#ifndef AIDLEDGER_BASE_LARGE_TEXT_H_
#define AIDLEDGER_BASE_LARGE_TEXT_H_

#include <cstddef>
#include <string>

namespace aidledger {

// Asks for huge pages for the whole 2 MiB pages within [data, data+size):
// nothing for a range that holds none. Only advice: an error is ignored.
void AdviseHugePages(void* data, size_t size);

// Makes room in `text` for `more` bytes beyond its size: at least doubling
// its capacity when it grows, and advising huge pages for the new buffer.
void ReserveLargeText(std::string* text, size_t more);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_LARGE_TEXT_H_
