// ReserveLarge's promises: the items already in a buffer stay as they were
// (bytes of a string, move-only items of a vector), the room asked for is
// there, and growth at least doubles the capacity, so that filling a buffer
// one item at a time copies each item a bounded number of times.
#include "base/large_buffers.h"

#include <cstddef>
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

}  // namespace
}  // namespace aidledger
