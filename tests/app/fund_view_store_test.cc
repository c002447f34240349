// The fund view kept at snapshots (docs/fund-view-store.md): a view read
// from the stored deltas and the log's tail is the view read from the whole
// log, for every scope, at and between snapshots, as of earlier dates, and
// after a region moves to another province (then the log is read); a part
// edited without the key is not trusted (the log is read, a warning says
// why), and one rewritten under the key is found by verify.
#include "tests/app/fund_view_store_fixture.h"

namespace aidledger::app {
namespace {

TEST_F(FundViewStoreTest, TheStoredViewIsTheLogsViewAtAndBetweenSnapshots) {
  ExpectTheLogsViewAroundSnapshots(20261205);
}

TEST_F(FundViewStoreTest, ARegionMovedToAnotherProvinceSendsTheReadToTheLog) {
  const uint64_t seed = aidledger::testing::TestSeed(20261206);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  MustAdd("region", {{"code", "510150"}, {"name", "镇"}, {"parent_code", "510101"},
                     {"effective_date", "2016-01-01"}});
  MustAdd("project", {{"project_id", "P-T"}, {"region_code", "510150"}, {"name", "镇项目"},
                      {"category", "industry"}, {"effective_date", "2016-06-01"}});
  MustAdd("allocation", {{"helper_code", "310100"}, {"recipient_code", "510150"},
                         {"amount", "2000"}, {"effective_date", "2019-03-02"}});
  MustAdd("disbursement", {{"project_id", "P-T"}, {"amount", "1200"},
                           {"effective_date", "2019-04-01"}});
  stream.AddMoneyEvents(150, 6);
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  ExpectEveryScope(ledger_->head().sequence, "", true, seed);
  MustAdd("region-amendment", {{"code", "510150"}, {"parent_code", "520201"},
                               {"reason", "区划调整"}, {"effective_date", "2020-01-01"}});
  ASSERT_EQ(ProvinceOf(ledger_->books(), "510150"), "520000");
  stream.AddMoneyEvents(40, 6);
  ExpectEveryScope(ledger_->head().sequence, "", false, seed);
  // As of a date before the move the region is where it was filed.
  ExpectEveryScope(ledger_->head().sequence, "2019-12-31", true, seed);
  // A snapshot after the move files it under its new province.
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  ExpectEveryScope(ledger_->head().sequence, "", false, seed);  // the first delta still differs
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
  ASSERT_THAT(ledger_->Verify({}), IsOk());
}

TEST_F(FundViewStoreTest, AnEditedPartIsNotTrustedOrIsFoundByVerify) {
  const uint64_t seed = aidledger::testing::TestSeed(20261207);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(150, 5);
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  const uint64_t first = ledger_->head().sequence;
  stream.AddMoneyEvents(150, 5);
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  const uint64_t head = ledger_->head().sequence;
  ExpectEveryScope(head, "", true, seed);
  absl::StatusOr<std::optional<Hash>> key = ReadSnapshotKey(DefaultSnapshotKeyPath(path_));
  ASSERT_TRUE(key.ok() && key->has_value());
  // A province's part of the first delta, its first allocation's amount
  // raised: what a forger wants the trace to show.
  std::string partition;
  {
    absl::StatusOr<std::optional<StoredFundView>> read = ledger_->ReadStoredFundView(
        first, ledger_->books(), [](absl::string_view) { return true; });
    ASSERT_TRUE(read.ok() && read->has_value());
    for (const std::string& part : (*read)->parts) {
      v1::FundViewPart parsed;
      ASSERT_TRUE(parsed.ParseFromString(part));
      for (const v1::FundViewEntry& entry : parsed.entries()) {
        if (entry.payload() == v1::Event::kFundsAllocated) {
          partition = ProvinceOf(ledger_->books(), entry.recipient_code());
          break;
        }
      }
      if (!partition.empty()) break;
    }
  }
  ASSERT_FALSE(partition.empty());
  const auto raise = [](std::string* state) {
    v1::FundViewPart part;
    ASSERT_TRUE(part.ParseFromString(*state));
    for (v1::FundViewEntry& entry : *part.mutable_entries()) {
      if (entry.payload() == v1::Event::kFundsAllocated) {
        entry.set_amount_fen(entry.amount_fen() + 100'000'00);
        break;
      }
    }
    *state = part.SerializeAsString();
  };
  const std::string name = absl::StrCat(kFundViewPartPrefix, partition);
  EditRecord(name, first, nullptr, raise);
  warnings_.clear();
  ExpectEveryScope(head, "", false, seed);  // the log is read, the figures are the log's
  ASSERT_FALSE(warnings_.empty());
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat(name, " stored at event ", first,
                                                              " is not trusted")));
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr("MAC does not match"));
  absl::StatusOr<VerifyReport> verified = ledger_->Verify({});
  ASSERT_FALSE(verified.ok());
  EXPECT_THAT(verified.status().message(), ::testing::HasSubstr("fund view stored in the snapshot"));

  // With the key, the reader trusts it (that is what the key is for), and
  // verify, which files the log's events again, finds it.
  EditRecord(name, first, &**key, [](std::string*) {});
  warnings_.clear();
  absl::StatusOr<std::optional<StoredFundView>> read = ledger_->ReadStoredFundView(
      head, ledger_->books(), [](absl::string_view) { return true; });
  ASSERT_TRUE(read.ok() && read->has_value());
  verified = ledger_->Verify({});
  ASSERT_FALSE(verified.ok());
  EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(verified.status().message(), ::testing::HasSubstr(absl::StrCat("event ", first)));
  EXPECT_THAT(verified.status().message(), ::testing::HasSubstr("fund view stored in the snapshot"));
}

}  // namespace
}  // namespace aidledger::app
