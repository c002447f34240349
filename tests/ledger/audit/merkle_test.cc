// The Merkle tree against RFC 6962's definitions, written here as directly
// as the RFC states them: MTH by recursion, and PATH(m, D[n]).
#include "ledger/audit/merkle.h"

#include <bit>
#include <random>
#include <vector>

#include "absl/types/span.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::StatusIs;

// The largest power of two smaller than n (n >= 2).
uint64_t Split(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// RFC 6962 section 2.1: MTH over leaf hashes.
Hash ReferenceRoot(absl::Span<const Hash> leaves) {
  if (leaves.empty()) return Sha256({});
  if (leaves.size() == 1) return leaves[0];
  const uint64_t k = Split(leaves.size());
  return MerkleNodeHash(ReferenceRoot(leaves.subspan(0, k)), ReferenceRoot(leaves.subspan(k)));
}

// RFC 6962 section 2.1.1: PATH(m, D[n]).
std::vector<Hash> ReferencePath(uint64_t m, absl::Span<const Hash> leaves) {
  if (leaves.size() <= 1) return {};
  const uint64_t k = Split(leaves.size());
  std::vector<Hash> path;
  if (m < k) {
    path = ReferencePath(m, leaves.subspan(0, k));
    path.push_back(ReferenceRoot(leaves.subspan(k)));
  } else {
    path = ReferencePath(m - k, leaves.subspan(k));
    path.push_back(ReferenceRoot(leaves.subspan(0, k)));
  }
  return path;
}

std::vector<Hash> RandomLeaves(size_t count, std::mt19937_64& random) {
  std::vector<Hash> leaves(count);
  for (Hash& leaf : leaves) {
    Hash event_hash;
    for (uint8_t& byte : event_hash) byte = static_cast<uint8_t>(random());
    leaf = MerkleLeafHash(event_hash);
  }
  return leaves;
}

TEST(MerkleTest, LeafAndNodeHashesAreDomainSeparated) {
  Hash event{};
  event[0] = 7;
  const std::string zero(1, '\0'), one(1, '\1');
  EXPECT_EQ(MerkleLeafHash(event), Sha256({zero, HashBytes(event)}));
  EXPECT_EQ(MerkleNodeHash(event, event), Sha256({one, HashBytes(event), HashBytes(event)}));
  EXPECT_NE(MerkleLeafHash(event), MerkleNodeHash(event, event));
}

TEST(MerkleTest, TheAccumulatorsRootIsTheRfcRootAtEverySize) {
  std::mt19937_64 random(testing::TestSeed(6962));
  const std::vector<Hash> leaves = RandomLeaves(70, random);
  MerkleAccumulator accumulator;
  EXPECT_EQ(accumulator.Root(), Sha256({}));  // the empty tree
  for (size_t n = 1; n <= leaves.size(); ++n) {
    accumulator.AddLeaf(leaves[n - 1]);
    ASSERT_EQ(accumulator.size(), n);
    ASSERT_EQ(accumulator.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).subspan(0, n))) << n;
  }
}

// The accumulator's path of its last leaf is RFC 6962's PATH(n-1, D[n]) at
// every size, without the rest of the tree.
TEST(MerkleTest, TheAccumulatorGivesTheLastLeafsRfcPath) {
  std::mt19937_64 random(testing::TestSeed(6963));
  const std::vector<Hash> leaves = RandomLeaves(70, random);
  MerkleAccumulator accumulator;
  for (size_t n = 1; n <= leaves.size(); ++n) {
    accumulator.AddLeaf(leaves[n - 1]);
    const absl::Span<const Hash> first = absl::MakeConstSpan(leaves).subspan(0, n);
    ASSERT_EQ(accumulator.LastLeafPath(), ReferencePath(n - 1, first)) << n;
    ASSERT_THAT(VerifyInclusion(n - 1, n, leaves[n - 1], accumulator.LastLeafPath(),
                                accumulator.Root()),
                IsOk())
        << n;
  }
}

// A frontier decodes to the accumulator it was encoded from, at every
// size, and that accumulator goes on to the same roots and paths as one
// fed every leaf: what a snapshot's frontier promises a server.
TEST(MerkleTest, AFrontierGoesOnAsTheWholeTreeWould) {
  std::mt19937_64 random(testing::TestSeed(6963));
  const std::vector<Hash> leaves = RandomLeaves(300, random);
  MerkleAccumulator whole;
  for (size_t n = 0; n <= 260; ++n) {
    if (n > 0) whole.AddLeaf(leaves[n - 1]);
    const std::string bytes = whole.EncodeFrontier();
    const size_t hashes = std::popcount(n) + (n == 0 ? 0 : std::countr_zero(n));
    ASSERT_EQ(bytes.size(), 8 + 32 * hashes) << n;
    absl::StatusOr<MerkleAccumulator> decoded = MerkleAccumulator::DecodeFrontier(bytes);
    ASSERT_THAT(decoded, IsOk()) << n;
    ASSERT_TRUE(*decoded == whole) << n;
    MerkleAccumulator going_on = *decoded;
    for (size_t more = n; more < n + 40; ++more) {
      going_on.AddLeaf(leaves[more]);
      ASSERT_EQ(going_on.Root(), ReferenceRoot(absl::MakeConstSpan(leaves).subspan(0, more + 1)))
          << n << " then " << more + 1;
      ASSERT_EQ(going_on.LastLeafPath(),
                ReferencePath(more, absl::MakeConstSpan(leaves).subspan(0, more + 1)));
    }
  }
}

TEST(MerkleTest, BytesOfAnotherLengthThanTheSizesAreNoFrontier) {
  std::mt19937_64 random(testing::TestSeed(6964));
  MerkleAccumulator tree;
  for (const Hash& leaf : RandomLeaves(12, random)) tree.AddLeaf(leaf);  // 2 roots, 2 siblings
  const std::string bytes = tree.EncodeFrontier();
  ASSERT_EQ(bytes.size(), 8 + 32 * 4);
  EXPECT_THAT(MerkleAccumulator::DecodeFrontier(""), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(MerkleAccumulator::DecodeFrontier(bytes.substr(0, 7)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(MerkleAccumulator::DecodeFrontier(bytes.substr(0, bytes.size() - 1)),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(MerkleAccumulator::DecodeFrontier(bytes + "x"), StatusIs(absl::StatusCode::kDataLoss));
  std::string thirteen = bytes;  // 13 leaves: 3 roots, no siblings
  thirteen[7] = 13;
  EXPECT_THAT(MerkleAccumulator::DecodeFrontier(thirteen), StatusIs(absl::StatusCode::kDataLoss));
  std::string empty(8, '\0');
  absl::StatusOr<MerkleAccumulator> none = MerkleAccumulator::DecodeFrontier(empty);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->size(), 0u);
  EXPECT_EQ(none->Root(), Sha256({}));
}

TEST(MerkleTest, EveryRfcAuditPathVerifiesAndNothingElseDoes) {
  std::mt19937_64 random(testing::TestSeed(9162));
  const std::vector<Hash> all = RandomLeaves(21, random);
  for (size_t n = 1; n <= all.size(); ++n) {
    const absl::Span<const Hash> leaves = absl::MakeConstSpan(all).subspan(0, n);
    const Hash root = ReferenceRoot(leaves);
    for (uint64_t m = 0; m < n; ++m) {
      const std::vector<Hash> path = ReferencePath(m, leaves);
      ASSERT_THAT(VerifyInclusion(m, n, leaves[m], path, root), IsOk()) << m << " of " << n;
      // Another leaf, another index, a changed path or root: refused.
      if (n > 1) {
        EXPECT_THAT(VerifyInclusion(m, n, leaves[(m + 1) % n], path, root),
                    StatusIs(absl::StatusCode::kDataLoss));
        EXPECT_THAT(VerifyInclusion((m + 1) % n, n, leaves[m], path, root),
                    StatusIs(absl::StatusCode::kDataLoss));
        std::vector<Hash> changed = path;
        changed.back()[5] ^= 0x20;
        EXPECT_THAT(VerifyInclusion(m, n, leaves[m], changed, root),
                    StatusIs(absl::StatusCode::kDataLoss));
        std::vector<Hash> longer = path;
        longer.push_back(root);
        EXPECT_THAT(VerifyInclusion(m, n, leaves[m], longer, root),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      Hash other_root = root;
      other_root[0] ^= 1;
      EXPECT_THAT(VerifyInclusion(m, n, leaves[m], path, other_root),
                  StatusIs(absl::StatusCode::kDataLoss));
    }
    EXPECT_THAT(VerifyInclusion(n, n, leaves[0], {}, root), StatusIs(absl::StatusCode::kDataLoss));
  }
}

}  // namespace
}  // namespace aidledger
