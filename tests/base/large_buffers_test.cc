// ReserveLarge's promises: the items already in a buffer stay as they were
// (bytes of a string, move-only items of a vector), the room asked for is
// there, and growth at least doubles the capacity, so that filling a buffer
// one item at a time copies each item a bounded number of times. And the
// allocator settings of one-shot commands and of `serve` keep what is freed.
#include "base/large_buffers.h"

#include <malloc.h>

#include <cstddef>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/testing/testing.h"

namespace aidledger {
namespace {

TEST(ReserveLargeTest, AStringKeepsItsBytesAndGetsTheRoomAskedFor) {
  constexpr uint32_t kSeed = 20261205;
  std::cout << "seed " << kSeed << "\n";
  std::mt19937 random(kSeed);
  std::string buffer;
  std::string expected;
  for (int step = 0; step < 2000; ++step) {
    const size_t more = 1 + random() % 5000;
    const size_t capacity = buffer.capacity();
    ReserveLarge(&buffer, more);
    ASSERT_GE(buffer.capacity() - buffer.size(), more) << "step " << step;
    if (buffer.capacity() != capacity) EXPECT_GE(buffer.capacity(), 2 * capacity);
    ASSERT_EQ(buffer, expected) << "step " << step;
    const std::string part(more, static_cast<char>('a' + random() % 26));
    const char* before = buffer.data();
    buffer.append(part);
    expected.append(part);
    EXPECT_EQ(buffer.data(), before) << "the room made was used without another allocation";
  }
  EXPECT_EQ(buffer, expected);
}

TEST(ReserveLargeTest, NoGrowthWhenTheRoomIsThere) {
  std::string buffer = "abc";
  buffer.reserve(100);
  const char* before = buffer.data();
  ReserveLarge(&buffer, 97);
  EXPECT_EQ(buffer.data(), before);
  EXPECT_EQ(buffer, "abc");
  ReserveLarge(&buffer, 98);
  EXPECT_NE(buffer.data(), before);
  EXPECT_EQ(buffer, "abc");
}

TEST(ReserveLargeTest, AVectorOfMoveOnlyItemsKeepsThemInOrder) {
  std::vector<std::unique_ptr<int>> buffer;
  for (int i = 0; i < 10000; ++i) {
    ReserveLarge(&buffer);
    ASSERT_GT(buffer.capacity(), buffer.size());
    buffer.push_back(std::make_unique<int>(i));
  }
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(*buffer[i], i);
}

TEST(ReserveLargeTest, ABufferOfManyMegabytesKeepsItsBytes) {
  std::string buffer;
  for (int mib = 0; mib < 24; ++mib) {
    ReserveLarge(&buffer, size_t{1} << 20);
    buffer.append(size_t{1} << 20, static_cast<char>('A' + mib));
  }
  ASSERT_EQ(buffer.size(), size_t{24} << 20);
  for (int mib = 0; mib < 24; ++mib) {
    EXPECT_EQ(buffer[(size_t{mib} << 20) + 12345], 'A' + mib);
  }
}

// A string given back is taken again with its memory and bytes; what is too small
// (glibc keeps it anyway) or too large is not kept, nor more than the
// most strings.
TEST(SpareStringsTest, KeepsLargeStringsForTheNextTakeUpToItsBounds) {
  SpareStrings spare;
  EXPECT_EQ(spare.Take().capacity(), std::string().capacity());  // nothing kept yet
  std::string written(SpareStrings::kSpareBytesMin, 'x');
  const char* memory = written.data();
  spare.Give(std::move(written));
  std::string taken = spare.Take();
  EXPECT_EQ(taken.size(), SpareStrings::kSpareBytesMin);  // room already written: no fill
  EXPECT_EQ(taken.find_first_not_of('x'), std::string::npos);
  EXPECT_GE(taken.capacity(), SpareStrings::kSpareBytesMin);
  EXPECT_EQ(taken.data(), memory);  // the very memory given
  EXPECT_EQ(spare.Take().capacity(), std::string().capacity());  // taken once only

  std::string small(SpareStrings::kSpareBytesMin - 1, 'x');
  small.shrink_to_fit();
  spare.Give(std::move(small));
  EXPECT_EQ(spare.Take().capacity(), std::string().capacity());
  std::string large;
  large.reserve(SpareStrings::kSpareBytesMax + 1);  // reserved, never touched
  spare.Give(std::move(large));
  EXPECT_EQ(spare.Take().capacity(), std::string().capacity());

  for (size_t i = 0; i < SpareStrings::kSpareStringsMax + 1; ++i) {
    std::string text;
    text.reserve(SpareStrings::kSpareBytesMin);
    spare.Give(std::move(text));
  }
  for (size_t i = 0; i < SpareStrings::kSpareStringsMax; ++i) {
    EXPECT_GE(spare.Take().capacity(), SpareStrings::kSpareBytesMin) << i;
  }
  EXPECT_EQ(spare.Take().capacity(), std::string().capacity());
}

// The allocator settings are the process's: gtest_discover_tests runs each
// test in a process of its own. AddressSanitizer brings its own allocator,
// which neither setting nor mallinfo2 reaches.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcAllocator = false;
#else
constexpr bool kGlibcAllocator = true;
#endif

// Allocates `count` blocks of `bytes`, writes every page of them, and frees
// them in the order given: what one request's view does.
void AllocateWriteAndFree(size_t count, size_t bytes) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (size_t i = 0; i < count; ++i) {
    blocks.emplace_back(new char[bytes]);
    std::memset(blocks.back().get(), static_cast<int>(i), bytes);
  }
}

// `serve` keeps the memory a request freed for the next one: 96 blocks of
// 1 MiB come from the heap, and once freed stay in it (glibc's defaults
// map each on its own, or give back all but 2x its threshold).
TEST(KeepFreedMemoryTest, ServingKeepsWhatARequestFreedForTheNext) {
  if (!kGlibcAllocator) GTEST_SKIP() << "AddressSanitizer's allocator is not glibc's";
  KeepFreedMemoryForServing();
  constexpr size_t kBlocks = 96, kBlockBytes = size_t{1} << 20;
  AllocateWriteAndFree(kBlocks, kBlockBytes);
  const struct mallinfo2 after_first = mallinfo2();
  EXPECT_GE(after_first.fordblks, kBlocks * kBlockBytes);
  AllocateWriteAndFree(kBlocks, kBlockBytes);  // the next request: no more memory asked for
  EXPECT_EQ(mallinfo2().arena, after_first.arena);
}

// A one-shot command keeps even a block of 128 MiB once freed.
TEST(KeepFreedMemoryTest, AOneShotCommandKeepsEvenItsLargestBlock) {
  if (!kGlibcAllocator) GTEST_SKIP() << "AddressSanitizer's allocator is not glibc's";
  KeepFreedMemoryForOneShot();
  constexpr size_t kBlockBytes = size_t{128} << 20;
  AllocateWriteAndFree(1, kBlockBytes);
  EXPECT_GE(mallinfo2().fordblks, kBlockBytes);
}

}  // namespace
}  // namespace aidledger
