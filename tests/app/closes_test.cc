// The year-end close (issue 24): a close seals a year at the head, a figure
// effective in a closed year is admitted only as a marked adjustment, and
// co-signers' signatures are checked when appended and by verify-close.
#include "app/closes.h"
#include "app/import.h"

#include <filesystem>
#include <sstream>

#include "app/audit.h"

#include "absl/strings/escaping.h"
#include "base/signing.h"
#include "state/closes.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RejectedWith;

class CloseTest : public testing::LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    AddQingdaoBasics();
    MustAdd("project", {{"project_id", "DX-1"}, {"region_code", "621100"}, {"name", "马铃薯"},
                        {"category", "industry"}, {"effective_date", "2021-02-01"}});
    MustAdd("allocation", {{"event_id", "a-1"}, {"helper_code", "370200"},
                           {"recipient_code", "621100"}, {"amount", "1000"},
                           {"effective_date", "2021-06-01"}});
    MustAdd("disbursement", {{"event_id", "d-1"}, {"project_id", "DX-1"}, {"amount", "300"},
                             {"effective_date", "2021-07-01"}});
  }

  absl::StatusOr<AppendResult> Close(int32_t year, const char* date = "2022-01-05") {
    absl::StatusOr<v1::Event> draft = app::MakeCloseDraft(*ledger_, year, "年度决算");
    if (!draft.ok()) return draft.status();
    draft->set_effective_date(date);
    draft->set_actor("test");
    return ledger_->Append(*draft);
  }

  absl::StatusOr<AppendResult> SignAs(const std::string& name, int32_t year,
                                      const std::string& key_dir) {
    absl::StatusOr<std::string> pem = ReadPrivateKey(key_dir + "/" + name + ".key");
    if (!pem.ok()) return pem.status();
    absl::StatusOr<v1::Event> draft = app::MakeSignatureDraft(*ledger_, year, *pem, name);
    if (!draft.ok()) return draft.status();
    draft->set_actor("test");
    return ledger_->Append(*draft);
  }

  absl::Status VerifyAll() { return ledger_->Verify({}).status(); }
};

TEST_F(CloseTest, AYearIsClosedOnceAfterItEndsAtTheHead) {
  EXPECT_THAT(Close(2021, "2021-12-31"),
              RejectedWith(v1::FIELD_INVALID, "year: 2021 has not ended on 2021-12-31"));
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<AppendResult> closed = Close(2021);
  ASSERT_THAT(closed, IsOk());
  EXPECT_EQ(closed->sequence, head + 1);
  const v1::ClosedYear* close = ledger_->books().reversed.FindClose(2021);
  ASSERT_NE(close, nullptr);
  EXPECT_EQ(close->closed_by(), head + 1);
  EXPECT_EQ(close->sequence(), head);
  EXPECT_EQ(close->head_hash(), ledger_->MakeDigest(head)->head_hash());
  EXPECT_EQ(close->merkle_root(), ledger_->MakeDigest(head)->merkle_root());
  EXPECT_THAT(Close(2021, "2022-02-01"),
              RejectedWith(v1::PERIOD_CLOSED, "year: 2021 is already closed by event"));

  // A close made at one head and appended after another event is refused:
  // its digest would seal what it did not see.
  absl::StatusOr<v1::Event> stale = app::MakeCloseDraft(*ledger_, 2020, "");
  ASSERT_THAT(stale, IsOk());
  stale->set_actor("test");
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "5"}, {"effective_date", "2022-03-01"}});
  EXPECT_THAT(ledger_->Append(*stale),
              RejectedWith(v1::FIELD_INVALID, "sequence: the close's digest is of event"));
  v1::Event forged = *app::MakeCloseDraft(*ledger_, 2020, "");
  forged.set_actor("test");
  forged.mutable_period_closed()->set_merkle_root("ABC");
  EXPECT_THAT(ledger_->Append(forged),
              RejectedWith(v1::FIELD_INVALID, "merkle_root: must be 64 lowercase hex digits"));
  // Nor does a close come in over HTTP or from a file: its digest is the
  // ledger's own, computed where it is closed.
  EXPECT_THAT(app::DraftFromJson(R"({"period_closed":{"year":2020}})"),
              RejectedWith(v1::FIELD_INVALID, "period_closed: a close is made by aidledger close"));
  EXPECT_THAT(app::DraftFromFields("close", {{"year", "2020"}}),
              RejectedWith(v1::FIELD_INVALID, "type: a close holds a digest"));
  EXPECT_THAT(VerifyAll(), IsOk());
}

TEST_F(CloseTest, AFigureInAClosedYearIsOnlyAdmittedAsItsAdjustment) {
  ASSERT_THAT(Close(2021), IsOk());
  const app::FieldMap kSale = {{"region_code", "621100"}, {"amount", "7"},
                               {"effective_date", "2021-11-30"}};
  EXPECT_THAT(Add("sale", kSale),
              RejectedWith(v1::PERIOD_CLOSED, "effective_date: 2021-11-30 is in 2021, which is "
                                              "closed by event"));
  app::FieldMap marked = kSale;
  marked["adjusts_closed"] = "2021";
  EXPECT_THAT(Add("sale", marked), RejectedWith(v1::FIELD_MISSING, "adjustment_reason"));
  marked["adjusts_closed"] = "2020";
  marked["adjustment_reason"] = "漏记";
  EXPECT_THAT(Add("sale", marked),
              RejectedWith(v1::FIELD_INVALID, "adjusts_closed: is 2020, but the event is "
                                              "effective on 2021-11-30"));
  app::FieldMap open_year = marked;
  open_year["adjusts_closed"] = "2022";
  open_year["effective_date"] = "2022-01-03";
  EXPECT_THAT(Add("sale", open_year),
              RejectedWith(v1::PERIOD_NOT_CLOSED, "adjusts_closed: 2022 is not closed"));
  EXPECT_THAT(Add("region", {{"code", "621121"}, {"name", "x"}, {"parent_code", "621100"},
                             {"effective_date", "2021-03-01"}, {"adjusts_closed", "2021"},
                             {"adjustment_reason", "x"}}),
              RejectedWith(v1::FIELD_INVALID, "adjusts_closed: only a money event"));
  // Registrations carry no figure: a closed year still takes them.
  EXPECT_THAT(Add("region", {{"code", "621121"}, {"name", "通渭县"}, {"parent_code", "621100"},
                             {"effective_date", "2021-03-01"}}),
              IsOk());
  marked["adjusts_closed"] = "2021";
  EXPECT_THAT(Add("sale", marked), IsOk());
  // A reversal effective in the closed year is an adjustment too; its own
  // reason serves for both.
  const app::FieldMap kReverse = {{"reversed_event_id", "d-1"}, {"reason", "重复支付"},
                                  {"effective_date", "2021-12-01"}};
  EXPECT_THAT(Add("reversal", kReverse), RejectedWith(v1::PERIOD_CLOSED, "effective_date"));
  app::FieldMap adjusting = kReverse;
  adjusting["adjusts_closed"] = "2021";
  absl::StatusOr<AppendResult> reversed = Add("reversal", adjusting);
  ASSERT_THAT(reversed, IsOk());
  EXPECT_EQ((*ledger_->ReadEvent(reversed->sequence))->event.adjustment_reason(), "重复支付");
  // The year after is open, and the close still verifies: it sealed the log
  // as it stood, and adjustments come after it.
  EXPECT_THAT(Add("sale", {{"region_code", "621100"}, {"amount", "7"},
                           {"effective_date", "2022-01-02"}}),
              IsOk());
  EXPECT_THAT(VerifyAll(), IsOk());
  Reopen();
  EXPECT_THAT(Add("sale", kSale), RejectedWith(v1::PERIOD_CLOSED, "effective_date"));
}

// A spreadsheet of adjustments: the adjusts_closed and adjustment_reason
// columns (or their Chinese headers) mark a row as one; an unmarked row of
// the closed year is refused and nothing of its batch is written. A replay
// CSV carries the mark.
TEST_F(CloseTest, AnImportedRowAdjustsAClosedYearOnlyThroughItsColumns) {
  ASSERT_THAT(Close(2021), IsOk());
  const uint64_t head = ledger_->head().sequence;
  const std::string unmarked = WriteFile(
      "unmarked.csv",
      "type,event_id,effective_date,region_code,amount\n"
      "sale,s-1,2021-11-30,621100,7\n");
  absl::StatusOr<app::ImportReport> report =
      app::ImportFile(*ledger_, unmarked, {.actor = "importer"});
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_THAT(report->errors[0], ::testing::HasSubstr("unmarked.csv:2: effective_date: 2021-11-30 "
                                                      "is in 2021, which is closed by event"));
  EXPECT_EQ(ledger_->head().sequence, head);

  const std::string marked = WriteFile(
      "marked.csv",
      "type,event_id,effective_date,region_code,amount,adjusts_closed,adjustment_reason\n"
      "sale,s-1,2021-11-30,621100,7,2021,漏记一笔\n");
  report = app::ImportFile(*ledger_, marked, {.actor = "importer"});
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rejected, 0u) << report->errors.front();
  const std::string chinese = WriteFile(
      "chinese.csv",
      "类型,事件编号,生效日期,项目所在地区代码,金额,调整年度,调整原因\n"
      "sale,s-2,2021-12-01,621100,3,2021,发票补录\n");
  report = app::ImportFile(*ledger_, chinese, {.actor = "importer"});
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->rejected, 0u) << report->errors.front();
  ASSERT_EQ(ledger_->head().sequence, head + 2);
  const v1::Event second = (*ledger_->ReadEvent(head + 2))->event;
  EXPECT_EQ(second.adjusts_closed(), 2021);
  EXPECT_EQ(second.adjustment_reason(), "发票补录");

  std::ostringstream exported;
  ASSERT_THAT(app::Replay(*ledger_, {.format = "csv"}, exported), IsOk());
  const std::string csv = exported.str();
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_THAT(header, ::testing::HasSubstr("adjusts_closed,adjustment_reason"));
  EXPECT_THAT(csv, ::testing::HasSubstr(",2021,漏记一笔,"));
}

TEST_F(CloseTest, SignaturesAreCheckedWhenAppendedAndByVerifyClose) {
  const std::string keys = dir_.Sub("keys");
  ASSERT_EQ(::mkdir(keys.c_str(), 0700), 0);
  const std::string others = dir_.Sub("others");
  ASSERT_EQ(::mkdir(others.c_str(), 0700), 0);
  absl::StatusOr<Signer> qingdao = CreateSigningKey(keys, "qingdao-finance");
  absl::StatusOr<Signer> dingxi = CreateSigningKey(keys, "dingxi-finance");
  absl::StatusOr<Signer> forger = CreateSigningKey(others, "dingxi-finance");
  ASSERT_THAT(qingdao, IsOk());
  ASSERT_THAT(dingxi, IsOk());
  ASSERT_THAT(forger, IsOk());
  const std::vector<Signer> trusted = {*qingdao, *dingxi};

  EXPECT_THAT(SignAs("qingdao-finance", 2021, keys),
              RejectedWith(v1::PERIOD_NOT_CLOSED, "year: 2021 is not closed"));
  ASSERT_THAT(Close(2021), IsOk());
  ASSERT_THAT(SignAs("qingdao-finance", 2021, keys), IsOk());
  EXPECT_THAT(SignAs("qingdao-finance", 2021, keys),
              RejectedWith(v1::ALREADY_SIGNED, "signer: qingdao-finance signed the close of 2021 "
                                               "already"));
  absl::StatusOr<app::CloseFinding> finding = app::CheckClose(*ledger_, 2021, trusted);
  ASSERT_THAT(finding, IsOk());
  EXPECT_TRUE(finding->digest_holds);
  ASSERT_EQ(finding->signatures.size(), 1u);
  EXPECT_TRUE(finding->signatures[0].valid);
  EXPECT_TRUE(finding->signatures[0].trusted);
  EXPECT_EQ(finding->unsigned_trusted, std::vector<std::string>{"dingxi-finance"});
  EXPECT_FALSE(finding->failed());

  // A signature of something else than this close's digest is refused.
  std::string pem = *ReadPrivateKey(keys + "/dingxi-finance.key");
  v1::Event other = *app::MakeSignatureDraft(*ledger_, 2021, pem, "dingxi-finance");
  other.set_actor("test");
  const v1::ClosedYear& close = *ledger_->books().reversed.FindClose(2021);
  other.mutable_digest_signed()->set_signature(absl::Base64Escape(*Sign(
      pem, CloseSigningMessage(2021, close.sequence() - 1, close.head_hash(),
                               close.merkle_root(), close.report_sha256()))));
  EXPECT_THAT(ledger_->Append(other),
              RejectedWith(v1::FIELD_INVALID, "signature: is not a signature of the close of "
                                              "2021"));

  // A key nobody trusts, under a trusted signer's name: valid, but an impostor.
  ASSERT_THAT(SignAs("dingxi-finance", 2021, others), IsOk());
  finding = app::CheckClose(*ledger_, 2021, trusted);
  ASSERT_THAT(finding, IsOk());
  ASSERT_EQ(finding->signatures.size(), 2u);
  EXPECT_TRUE(finding->signatures[1].valid);
  EXPECT_TRUE(finding->signatures[1].impostor);
  EXPECT_TRUE(finding->failed());
  EXPECT_EQ(finding->unsigned_trusted, std::vector<std::string>{"dingxi-finance"});
  // The impostor does not lock the true signer out; the same key signs
  // once, whatever name it gives.
  EXPECT_THAT(SignAs("dingxi-finance", 2021, others),
              RejectedWith(v1::ALREADY_SIGNED, "signer: dingxi-finance signed the close"));
  ASSERT_THAT(SignAs("dingxi-finance", 2021, keys), IsOk());
  const std::string copied = dir_.Sub("copied");
  ASSERT_EQ(::mkdir(copied.c_str(), 0700), 0);
  std::filesystem::copy_file(keys + "/qingdao-finance.key", copied + "/shanghai.key");
  EXPECT_THAT(SignAs("shanghai", 2021, copied),
              RejectedWith(v1::ALREADY_SIGNED, "public_key: qingdao-finance signed the close"));
  finding = app::CheckClose(*ledger_, 2021, trusted);
  ASSERT_THAT(finding, IsOk());
  ASSERT_EQ(finding->signatures.size(), 3u);
  EXPECT_TRUE(finding->signatures[2].valid);
  EXPECT_TRUE(finding->signatures[2].trusted);
  EXPECT_TRUE(finding->unsigned_trusted.empty());
  EXPECT_TRUE(finding->failed()) << "the impostor's signature is still reported";
  EXPECT_THAT(VerifyAll(), IsOk());
}

}  // namespace
}  // namespace aidledger
