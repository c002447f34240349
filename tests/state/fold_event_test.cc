// FoldEvent: the fast decoder reads every event our writer stores exactly as
// protobuf does, and leaves every other encoding to protobuf, which then
// decides (accepts and views the parsed message, or rejects).
#include "state/fold_event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "base/proto_bytes.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"
#include "tests/state/wire_bytes.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::LedgerFixture;
using testing::RandomStream;

using testing::Bytes;
using testing::Number;
using testing::Tag;
using testing::Varint;

v1::Event Allocation() {
  v1::Event event;
  event.set_sequence(7);
  event.set_event_id("alloc-7");
  event.set_effective_date("2025-03-01");
  event.set_memo("第一批 东西部协作资金");
  event.mutable_recorded_at()->set_seconds(1'700'000'000);
  v1::FundsAllocated* p = event.mutable_funds_allocated();
  p->set_helper_code("370200");
  p->set_recipient_code("621100");
  p->set_project_id("P-1");
  p->set_amount_fen(123'456'789);
  p->set_fiscal_year(2025);
  p->set_program(v1::EAST_WEST_COOPERATION);
  return event;
}

// What protobuf makes of `bytes`, viewed; nullopt when it rejects them.
struct Parsed {
  bool ok = false;
  v1::Event message;
  FoldEvent view, target;
};
void ParseWithProtobuf(const std::string& bytes, Parsed* parsed) {
  parsed->ok = parsed->message.ParseFromString(bytes);
  if (parsed->ok) ViewEvent(parsed->message, &parsed->view, &parsed->target);
}

// The decoder agrees with protobuf on `bytes`; returns whether the fast
// path took them.
bool ExpectSameAsProtobuf(const std::string& bytes) {
  Parsed parsed;
  ParseWithProtobuf(bytes, &parsed);
  FoldEvent fast, fast_target;
  const bool fast_ok = DecodeFoldEvent(bytes, &fast, &fast_target);
  if (fast_ok) {
    EXPECT_TRUE(parsed.ok) << "the fast path took bytes protobuf rejects";
    EXPECT_TRUE(fast == parsed.view) << "the fast path read a field differently";
  }
  FoldEventDecoder decoder;
  absl::StatusOr<const FoldEvent*> decoded = decoder.Decode(bytes);
  EXPECT_EQ(decoded.ok(), parsed.ok);
  if (decoded.ok() && parsed.ok) {
    EXPECT_TRUE(**decoded == parsed.view);
  }
  if (!decoded.ok()) {
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kDataLoss);
  }
  EXPECT_EQ(decoder.fallbacks(), fast_ok ? 0u : 1u);
  return fast_ok;
}

TEST(FoldEventTest, ReadsTheFieldsFoldsUse) {
  const std::string bytes = SerializeDeterministic(Allocation());  // the views point into it
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.sequence, 7u);
  EXPECT_EQ(view.effective_date, "2025-03-01");
  EXPECT_EQ(view.payload, v1::Event::kFundsAllocated);
  EXPECT_EQ(view.helper_code, "370200");
  EXPECT_EQ(view.recipient_code, "621100");
  EXPECT_EQ(view.project_id, "P-1");
  EXPECT_EQ(view.amount_fen, 123'456'789);
  EXPECT_EQ(view.program_value(), v1::EAST_WEST_COOPERATION);
  EXPECT_TRUE(view.region_code.empty());
  EXPECT_EQ(view.target, nullptr);
}

// What the fund-flow trace follows: an allocation's 文号 and the evidence
// files an event names, a payment's payee and contract, an investment's
// enterprise, a reversal's target sequence.
TEST(FoldEventTest, ReadsWhatAnAuditorFollows) {
  v1::Event allocation = Allocation();
  allocation.mutable_funds_allocated()->set_document_number("青财预〔2025〕12号");
  for (const char* name : {"批复.pdf", "拨付凭证.pdf"}) {
    v1::Evidence* evidence = allocation.add_evidence();
    evidence->set_kind(v1::CONTRACT);
    evidence->set_name(name);
    evidence->set_sha256(std::string(64, 'a'));
    evidence->set_size(1024);
  }
  std::string bytes = SerializeDeterministic(allocation);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.document_number, "青财预〔2025〕12号");
  EXPECT_EQ(view.evidence_count, 2u);

  v1::Event payment;
  payment.set_sequence(8);
  payment.set_effective_date("2025-04-01");
  v1::FundsDisbursed* paid = payment.mutable_funds_disbursed();
  paid->set_project_id("P-1");
  paid->set_amount_fen(5'000);
  paid->set_payee("定西市安定区建设公司");
  paid->set_payee_account_hash(std::string(64, 'b'));
  paid->set_contract_number("HT-2025-001");
  paid->set_purpose("道路硬化");
  bytes = SerializeDeterministic(payment);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.payee, "定西市安定区建设公司");
  EXPECT_EQ(view.contract_number, "HT-2025-001");
  EXPECT_EQ(view.evidence_count, 0u);

  v1::Event investment;
  investment.set_sequence(9);
  investment.mutable_investment_recorded()->set_enterprise("青岛啤酒");
  investment.mutable_investment_recorded()->set_amount_fen(7);
  bytes = SerializeDeterministic(investment);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.enterprise, "青岛啤酒");

  v1::Event reversal;
  reversal.set_sequence(10);
  reversal.mutable_event_reversed()->set_reversed_sequence(8);
  *reversal.mutable_event_reversed()->mutable_target() = payment;
  bytes = SerializeDeterministic(reversal);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.reversed_sequence, 8u);
  EXPECT_EQ(view.target->payee, "定西市安定区建设公司");
}

TEST(FoldEventTest, ReadsAProjectAmendment) {
  v1::Event event;
  event.set_sequence(9);
  event.set_effective_date("2024-06-01");
  v1::ProjectAmended& amended = *event.mutable_project_amended();
  amended.set_project_id("BX-01");
  amended.set_name("博兴县冷链物流项目");
  amended.set_category(v1::HEALTH);
  amended.set_budget_fen(120'000'000);
  amended.set_reason("名称录错");
  const std::string bytes = SerializeDeterministic(event);
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.payload, v1::Event::kProjectAmended);
  EXPECT_EQ(view.project_id, "BX-01");
  EXPECT_EQ(view.name, "博兴县冷链物流项目");
  EXPECT_EQ(view.category_value(), v1::HEALTH);
  EXPECT_EQ(view.budget_fen, 120'000'000);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  v1::Event renamed;
  renamed.set_sequence(10);
  renamed.set_effective_date("2024-06-02");
  renamed.mutable_region_amended()->set_code("621100");
  renamed.mutable_region_amended()->set_name("定西市");
  renamed.mutable_region_amended()->set_reason("更正");
  renamed.mutable_region_amended()->set_parent_code("620000");
  const std::string renamed_bytes = SerializeDeterministic(renamed);
  ASSERT_TRUE(DecodeFoldEvent(renamed_bytes, &view, &target));
  EXPECT_EQ(view.payload, v1::Event::kRegionAmended);
  EXPECT_EQ(view.code, "621100");
  EXPECT_EQ(view.name, "定西市");
  EXPECT_EQ(view.parent_code, "620000");
  EXPECT_TRUE(ExpectSameAsProtobuf(renamed_bytes));
}

TEST(FoldEventTest, ReadsAPairingsEnd) {
  v1::Event ended;
  ended.set_sequence(11);
  ended.set_effective_date("2025-12-31");
  ended.mutable_pairing_ended()->set_helper_code("370200");
  ended.mutable_pairing_ended()->set_recipient_code("621100");
  ended.mutable_pairing_ended()->set_reason("协议期满");
  const std::string bytes = SerializeDeterministic(ended);
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.payload, v1::Event::kPairingEnded);
  EXPECT_EQ(view.helper_code, "370200");
  EXPECT_EQ(view.recipient_code, "621100");
  EXPECT_EQ(view.reason, "协议期满");
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
}

TEST(FoldEventTest, ReadsACloseItsSignatureAndAnAdjustment) {
  v1::Event close;
  close.set_sequence(12);
  close.set_effective_date("2026-01-05");
  v1::PeriodClosed& c = *close.mutable_period_closed();
  c.set_year(2025);
  c.set_reason("年度决算");
  c.set_sequence(11);
  c.set_head_hash(std::string(64, 'a'));
  c.set_merkle_root(std::string(64, 'b'));
  c.set_report_sha256(std::string(64, 'c'));
  const std::string bytes = SerializeDeterministic(close);
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  EXPECT_EQ(view.payload, v1::Event::kPeriodClosed);
  EXPECT_EQ(view.year, 2025);
  EXPECT_EQ(view.reason, "年度决算");
  EXPECT_EQ(view.digest_sequence, 11u);
  EXPECT_EQ(view.head_hash, std::string(64, 'a'));
  EXPECT_EQ(view.merkle_root, std::string(64, 'b'));
  EXPECT_EQ(view.report_sha256, std::string(64, 'c'));
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));

  v1::Event signature;
  signature.set_sequence(13);
  signature.set_effective_date("2026-01-06");
  signature.mutable_digest_signed()->set_year(2025);
  signature.mutable_digest_signed()->set_signer("qingdao-finance");
  signature.mutable_digest_signed()->set_public_key("a2V5");
  signature.mutable_digest_signed()->set_signature("c2ln");
  const std::string signed_bytes = SerializeDeterministic(signature);
  ASSERT_TRUE(DecodeFoldEvent(signed_bytes, &view, &target));
  EXPECT_EQ(view.payload, v1::Event::kDigestSigned);
  EXPECT_EQ(view.year, 2025);
  EXPECT_EQ(view.signer, "qingdao-finance");
  EXPECT_EQ(view.public_key, "a2V5");
  EXPECT_TRUE(ExpectSameAsProtobuf(signed_bytes));

  v1::Event adjustment = Allocation();
  adjustment.set_adjusts_closed(2025);
  adjustment.set_adjustment_reason("漏记");
  EXPECT_TRUE(ExpectSameAsProtobuf(SerializeDeterministic(adjustment)));
}

TEST(FoldEventTest, ReadsAReversalWithItsStampedTarget) {
  v1::Event reversal;
  reversal.set_sequence(9);
  reversal.set_effective_date("2025-03-02");
  reversal.mutable_event_reversed()->set_reversed_event_id("alloc-7");
  reversal.mutable_event_reversed()->set_reason("录入错误");
  reversal.mutable_event_reversed()->set_reversed_sequence(7);
  *reversal.mutable_event_reversed()->mutable_target() = Allocation();
  const std::string bytes = SerializeDeterministic(reversal);
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
  FoldEvent view, target;
  ASSERT_TRUE(DecodeFoldEvent(bytes, &view, &target));
  ASSERT_EQ(view.target, &target);
  EXPECT_EQ(view.target->amount_fen, 123'456'789);
  EXPECT_EQ(view.target->sequence, 7u);

  // Without a stamped target: an empty target, which no fold accepts.
  reversal.mutable_event_reversed()->clear_target();
  const std::string untargeted = SerializeDeterministic(reversal);
  EXPECT_TRUE(ExpectSameAsProtobuf(untargeted));
  ASSERT_TRUE(DecodeFoldEvent(untargeted, &view, &target));
  EXPECT_EQ(view.target->payload, v1::Event::PAYLOAD_NOT_SET);
}

class FoldEventStreamTest : public LedgerFixture {};

// Every event of a random ledger (every payload, reversals, Chinese names)
// takes the fast path and reads as protobuf reads it.
TEST_F(FoldEventStreamTest, EveryStoredEventTakesTheFastPathAndMatchesProtobuf) {
  RandomStream stream(ledger_.get(), 20261128);
  stream.AddRegistry();
  stream.AddMoneyEvents(1500, 25);
  std::unique_ptr<EventReader> reader = ledger_->Read(1, ledger_->head().sequence);
  StoredEvent stored;
  size_t events = 0;
  std::set<int> payloads;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    ASSERT_THAT(more.status(), IsOk());
    if (!*more) break;
    ++events;
    payloads.insert(stored.event.payload_case());
    EXPECT_TRUE(ExpectSameAsProtobuf(stored.event_bytes)) << "event " << stored.sequence;
  }
  EXPECT_EQ(events, ledger_->head().sequence);
  EXPECT_EQ(payloads.size(), 8u) << "the stream should hold every payload";
}

TEST(FoldEventTest, UnknownFieldsOfEveryWireTypeAreSkipped) {
  const std::string bytes = SerializeDeterministic(Allocation()) + Number(100, 5) +
                            Tag(101, 1) + std::string(8, 'x') + Tag(102, 5) + std::string(4, 'y') +
                            Bytes(103, "\xff\xfe not text");
  EXPECT_TRUE(ExpectSameAsProtobuf(bytes));
}

// Encodings our writer never makes go to protobuf, which reads them its
// own way (merging, last one wins, unknown under another wire type).
TEST(FoldEventTest, OtherEncodingsAreLeftToProtobuf) {
  const std::string base = SerializeDeterministic(Allocation());
  const std::string cases[] = {
      // The payload twice: protobuf merges the two messages.
      base + Bytes(13, Number(4, 5) + Bytes(2, "620100")),
      // Another payload after it: the last one wins.
      base + Bytes(14, Bytes(1, "P-2") + Number(2, 9)),
      // A scalar twice: the last one wins.
      base + Number(1, 8),
      // A known field under another wire type: an unknown field to protobuf.
      base + Tag(1, 1) + std::string(8, '\0'),
      // A padded varint.
      Tag(1, 0) + std::string("\x87\x00", 2) + Bytes(4, "2025-03-01"),
      // A group.
      base + Tag(50, 3) + Tag(50, 4),
      // A string that is not UTF-8, in a field folds do not read.
      base + Bytes(6, "\xc0\x80"),
      Bytes(6, "\xed\xa0\x80"),       // a surrogate
      Bytes(6, "\xf4\x90\x80\x80"),   // past U+10FFFF
      Bytes(6, "\xe5\xae"),           // cut off
      // Cut off, and a length past the end.
      base.substr(0, base.size() - 3),
      Tag(4, 2) + Varint(100) + "2025",
      // Field number 0.
      Number(0, 1) + base,
  };
  for (const std::string& bytes : cases) {
    EXPECT_FALSE(ExpectSameAsProtobuf(bytes)) << absl::CEscape(bytes);
  }
}

TEST(FoldEventTest, ValidUtf8OfEveryLengthTakesTheFastPath) {
  v1::Event event = Allocation();
  event.set_memo("é 定西市 😀 ascii-only-run-longer-than-eight");
  EXPECT_TRUE(ExpectSameAsProtobuf(SerializeDeterministic(event)));
}

TEST(FoldEventTest, AViewOfAMessageAndTheDecodedBytesFoldTheSame) {
  // Books fed through either door end in the same state: Apply(v1::Event)
  // views the message, the rebuild decodes the bytes.
  v1::Event region;
  region.set_sequence(1);
  region.set_effective_date("2025-01-01");
  region.mutable_region_registered()->set_code("620000");
  region.mutable_region_registered()->set_name("甘肃省");
  Books from_message, from_bytes;
  ASSERT_THAT(from_message.Apply(region), IsOk());
  FoldEventDecoder decoder;
  const std::string bytes = SerializeDeterministic(region);  // the views point into it
  absl::StatusOr<const FoldEvent*> decoded = decoder.Decode(bytes);
  ASSERT_THAT(decoded.status(), IsOk());
  ASSERT_THAT(from_bytes.Apply(**decoded), IsOk());
  EXPECT_EQ(from_message.regions.SerializeState(), from_bytes.regions.SerializeState());
  EXPECT_EQ(from_message.helpers.SerializeState(), from_bytes.helpers.SerializeState());
  ASSERT_NE(from_bytes.regions.FindRegion("620000"), nullptr);
  EXPECT_EQ(from_bytes.regions.FindRegion("620000")->name(), "甘肃省");
}

}  // namespace
}  // namespace aidledger
