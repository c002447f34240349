// FundViewPartReader: the fast path reads every part our writer stores as
// protobuf's parse reads it, hands any other encoding to protobuf from the
// entry it could not take, and refuses what protobuf refuses.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "state/fund_view_entry.h"
#include "tests/state/wire_bytes.h"

namespace aidledger {
namespace {

constexpr uint64_t kSeed = 20261205;

using testing::Bytes;
using testing::Tag;
using testing::Varint;

// An entry with every field set from `random`, of one of the payloads the
// view keeps (an investment names an enterprise, the others a payee).
v1::FundViewEntry RandomEntry(std::mt19937_64& random, uint64_t sequence) {
  static const v1::Event::PayloadCase kPayloads[] = {
      v1::Event::kFundsAllocated, v1::Event::kFundsDisbursed, v1::Event::kInvestmentRecorded,
      v1::Event::kRegionRegistered, v1::Event::kEventReversed};
  const auto text = [&random](size_t most) {
    std::string out(random() % (most + 1), 'x');
    for (char& c : out) c = static_cast<char>('0' + random() % 40);
    return out;
  };
  v1::FundViewEntry entry;
  entry.set_sequence(sequence);
  entry.set_hash(std::string(32, static_cast<char>(random() % 256)));
  entry.set_payload(kPayloads[random() % 5]);
  entry.set_event_id(text(40));
  entry.set_effective_date("2024-0" + std::to_string(1 + random() % 9) + "-15");
  entry.set_code(text(6));
  entry.set_helper_code(text(6));
  entry.set_recipient_code(text(6));
  entry.set_project_id(text(12));
  entry.set_amount_fen(static_cast<int64_t>(random()));  // any int64: negatives too
  entry.set_document_number("青财预指〔2024〕" + text(3) + "号");
  entry.set_name(random() % 2 ? "" : "收款单位" + text(8));
  entry.set_contract_number(text(20));
  entry.set_evidence_count(static_cast<uint32_t>(random() % 4));
  entry.set_stage(static_cast<int32_t>(random() % 6));
  entry.set_reversed_sequence(random() % 1000);
  return entry;
}

// What the reader gives for `bytes`, each entry as the fields protobuf's
// view gives (ViewFundViewEntry), compared with the parsed message's.
void ExpectReadsAsProtobuf(const std::string& bytes, uint64_t fallbacks) {
  v1::FundViewPart parsed;
  ASSERT_TRUE(parsed.ParseFromString(bytes));
  FundViewPartReader reader(bytes);
  for (const v1::FundViewEntry& expected : parsed.entries()) {
    Hash hash;
    absl::StatusOr<const FoldEvent*> entry = reader.Next(&hash);
    ASSERT_TRUE(entry.ok()) << entry.status();
    ASSERT_NE(*entry, nullptr);
    EXPECT_EQ(**entry, ViewFundViewEntry(expected)) << "sequence " << expected.sequence();
    EXPECT_EQ(HashBytes(hash), expected.hash());
  }
  Hash hash;
  absl::StatusOr<const FoldEvent*> end = reader.Next(&hash);
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, nullptr);
  EXPECT_EQ(reader.fallbacks(), fallbacks);
}

TEST(FundViewPartReader, ReadsWhatOurWriterWritesWithoutProtobuf) {
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  std::mt19937_64 random(kSeed);
  v1::FundViewPart part;
  for (uint64_t i = 1; i <= 500; ++i) *part.add_entries() = RandomEntry(random, i * 3);
  part.add_entries()->set_sequence(2000);  // defaults left out: a hash is still needed
  part.mutable_entries(500)->set_hash(std::string(32, 'h'));
  ExpectReadsAsProtobuf(part.SerializeAsString(), 0);
  ExpectReadsAsProtobuf(v1::FundViewPart().SerializeAsString(), 0);  // an empty part
}

TEST(FundViewPartReader, HandsOtherEncodingsToProtobufFromTheEntryItCouldNotTake) {
  std::mt19937_64 random(kSeed + 1);
  v1::FundViewPart part;
  for (uint64_t i = 1; i <= 3; ++i) *part.add_entries() = RandomEntry(random, i);
  const std::string written = part.SerializeAsString();
  // Entry 2 names its project twice: protobuf keeps the last, the fast path
  // leaves repeats to it (a fallback for entries 2 and 3).
  v1::FundViewEntry second = part.entries(1);
  std::string repeated = second.SerializeAsString() + Bytes(9, "P-last");
  v1::FundViewPart rebuilt;
  *rebuilt.add_entries() = part.entries(0);
  const std::string bytes = rebuilt.SerializeAsString() + Bytes(1, repeated) +
                            Bytes(1, part.entries(2).SerializeAsString());
  ExpectReadsAsProtobuf(bytes, 2);
  // A field number the entry does not know is skipped, as protobuf skips it.
  ExpectReadsAsProtobuf(Bytes(1, part.entries(0).SerializeAsString() + Bytes(40, "later")), 0);
  // A part-level field it does not know: protobuf's path from the start.
  ExpectReadsAsProtobuf(Tag(7, 0) + Varint(5) + written, 3);
}

TEST(FundViewPartReader, RefusesWhatProtobufRefuses) {
  std::mt19937_64 random(kSeed + 2);
  v1::FundViewPart part;
  *part.add_entries() = RandomEntry(random, 1);
  const std::string written = part.SerializeAsString();
  const std::vector<std::string> broken = {
      written.substr(0, written.size() - 3),                    // cut off
      Bytes(1, Bytes(4, "\xff\xfe")),                           // an event_id not UTF-8
      Bytes(1, Tag(1, 0) + "\x80\x80"),                          // a varint cut off
  };
  for (const std::string& bytes : broken) {
    FundViewPartReader reader(bytes);
    Hash hash;
    absl::StatusOr<const FoldEvent*> entry = reader.Next(&hash);
    EXPECT_EQ(entry.status().code(), absl::StatusCode::kDataLoss) << absl::CEscape(bytes);
  }
  // Decodes, but its hash is not 32 bytes.
  const std::string short_hash = Bytes(1, Tag(1, 0) + Varint(7) + Bytes(2, "short"));
  FundViewPartReader reader(short_hash);
  Hash hash;
  EXPECT_EQ(reader.Next(&hash).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace aidledger
