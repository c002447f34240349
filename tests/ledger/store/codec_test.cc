#include "ledger/store/codec.h"

#include <random>

#include "tests/testing/testing.h"

namespace aidledger::internal {
namespace {

using testing::StatusIs;

TEST(EncodeSequence, ByteOrderIsNumericOrder) {
  std::mt19937_64 random(testing::TestSeed(20261128));
  std::vector<uint64_t> values = {0, 1, 255, 256, 65535, 65536, UINT64_MAX - 1, UINT64_MAX};
  for (int i = 0; i < 10000; ++i) values.push_back(random() >> (random() % 64));
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    const uint64_t a = values[i], b = values[i + 1];
    EXPECT_EQ(a < b, EncodeSequence(a) < EncodeSequence(b)) << a << " vs " << b;
    EXPECT_EQ(*DecodeSequence(EncodeSequence(a)), a);
  }
}

TEST(DecodeSequence, RejectsWrongLength) {
  EXPECT_THAT(DecodeSequence("1234567"), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Record, RoundTripsAndRejectsDamage) {
  const Hash prev = Sha256({"previous"});
  const Hash hash = ChainHash(prev, 7, "event-bytes");
  const std::string value = EncodeRecord(prev, hash, "event-bytes");
  absl::StatusOr<RecordView> view = DecodeRecord(value);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->prev_hash, prev);
  EXPECT_EQ(view->hash, hash);
  EXPECT_EQ(view->event_bytes, "event-bytes");
  EXPECT_THAT(DecodeRecord(absl::string_view(value).substr(0, 10)), StatusIs(absl::StatusCode::kDataLoss));
  std::string wrong_version = value;
  wrong_version[0] = 9;
  EXPECT_THAT(DecodeRecord(wrong_version), StatusIs(absl::StatusCode::kDataLoss));
}

TEST(ChainHash, BindsPreviousHashSequenceAndBytes) {
  const Hash prev = Sha256({"p"});
  const Hash base = ChainHash(prev, 1, "e");
  EXPECT_NE(base, ChainHash(Sha256({"q"}), 1, "e"));
  EXPECT_NE(base, ChainHash(prev, 2, "e"));
  EXPECT_NE(base, ChainHash(prev, 1, "f"));
  // SHA-256(prev | 00..01 | "e") computed independently of ChainHash.
  EXPECT_EQ(base, Sha256({HashBytes(prev), std::string("\0\0\0\0\0\0\0\1", 8), "e"}));
}

TEST(Sha256, MatchesTheStandardTestVector) {
  EXPECT_EQ(Hex(Sha256({"abc"})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256({"a", "b", "c"})), Hex(Sha256({"abc"})));
}

TEST(Head, RoundTrips) {
  Head head{.sequence = 42, .hash = Sha256({"x"}), .recorded_at_micros = 1'700'000'000'000'000};
  absl::StatusOr<Head> decoded = DecodeHead(EncodeHead(head));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->sequence, 42u);
  EXPECT_EQ(decoded->hash, head.hash);
  EXPECT_EQ(decoded->recorded_at_micros, head.recorded_at_micros);
  EXPECT_THAT(DecodeHead("short"), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace aidledger::internal
