#include "base/merkle.h"

#include <bit>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace aidledger {
namespace {

constexpr char kLeafPrefix = '\x00';
constexpr char kNodePrefix = '\x01';
constexpr size_t kSizeBytes = 8;

}  // namespace

Hash MerkleLeafHash(const Hash& event_hash) {
  return Sha256({absl::string_view(&kLeafPrefix, 1), HashBytes(event_hash)});
}

Hash MerkleNodeHash(const Hash& left, const Hash& right) {
  return Sha256({absl::string_view(&kNodePrefix, 1), HashBytes(left), HashBytes(right)});
}

void MerkleAccumulator::AddLeaf(const Hash& leaf_hash) {
  ++size_;
  stack_.emplace_back(leaf_hash, 1);
  last_leaf_inside_.clear();
  // Merge equal-sized neighbours: the stack mirrors the binary digits of size_.
  // Each left neighbour merged is the new leaf's sibling at that level.
  while (stack_.size() >= 2 && stack_[stack_.size() - 2].second == stack_.back().second) {
    auto right = stack_.back();
    stack_.pop_back();
    auto& left = stack_.back();
    last_leaf_inside_.push_back(left.first);
    left.first = MerkleNodeHash(left.first, right.first);
    left.second *= 2;
  }
}

std::vector<Hash> MerkleAccumulator::LastLeafPath() const {
  // Up through its own complete subtree, then past each larger subtree to
  // its left, smallest first: RFC 6962 joins the smaller ones first.
  std::vector<Hash> path = last_leaf_inside_;
  for (size_t i = stack_.size() - 1; i-- > 0;) path.push_back(stack_[i].first);
  return path;
}

Hash MerkleAccumulator::Root() const {
  if (stack_.empty()) return Sha256({});
  // RFC 6962 splits at the largest power of two, so the smaller subtrees on
  // the right combine first.
  Hash root = stack_.back().first;
  for (size_t i = stack_.size() - 1; i-- > 0;) root = MerkleNodeHash(stack_[i].first, root);
  return root;
}

std::string MerkleAccumulator::EncodeFrontier() const {
  std::string bytes(kSizeBytes, '\0');
  for (size_t i = 0; i < kSizeBytes; ++i) {
    bytes[i] = static_cast<char>(size_ >> (8 * (kSizeBytes - 1 - i)));
  }
  auto append = [&bytes](const Hash& hash) {
    bytes.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  };
  for (const auto& [root, leaves] : stack_) append(root);
  for (const Hash& sibling : last_leaf_inside_) append(sibling);
  return bytes;
}

absl::StatusOr<MerkleAccumulator> MerkleAccumulator::DecodeFrontier(absl::string_view bytes) {
  if (bytes.size() < kSizeBytes) return absl::DataLossError("a Merkle frontier is too short");
  uint64_t size = 0;
  for (size_t i = 0; i < kSizeBytes; ++i) size = size << 8 | static_cast<uint8_t>(bytes[i]);
  // One complete subtree per 1 bit of the size, and as many siblings as
  // the smallest one is deep (the size's trailing zeros; none when empty).
  const size_t roots = std::popcount(size);
  const size_t siblings = size == 0 ? 0 : std::countr_zero(size);
  if (bytes.size() != kSizeBytes + kHashBytes * (roots + siblings)) {
    return absl::DataLossError(
        absl::StrCat("a Merkle frontier of ", size, " leaves is not ", bytes.size(), " bytes long"));
  }
  MerkleAccumulator tree;
  tree.size_ = size;
  size_t at = kSizeBytes;
  auto next = [&bytes, &at] {
    Hash hash;
    std::memcpy(hash.data(), bytes.data() + at, kHashBytes);
    at += kHashBytes;
    return hash;
  };
  for (int bit = 63; bit >= 0; --bit) {
    if ((size >> bit & 1) != 0) tree.stack_.emplace_back(next(), uint64_t{1} << bit);
  }
  for (size_t i = 0; i < siblings; ++i) tree.last_leaf_inside_.push_back(next());
  return tree;
}

}  // namespace aidledger
