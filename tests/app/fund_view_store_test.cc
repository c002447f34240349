// The fund view kept at snapshots (docs/fund-view-store.md): a view read
// from the stored deltas and the log's tail is the view read from the whole
// log, for every scope, at and between snapshots, as of earlier dates, and
// after a region moves to another province (then the log is read); a part
// edited without the key is not trusted (the log is read, a warning says
// why), and one rewritten under the key is found by verify.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aidledger/v1/storage.pb.h"
#include "app/fund_view.h"
#include "ledger/snapshot_key.h"
#include "ledger/store/codec.h"
#include "state/fund_view_entry.h"
#include "tests/state/projection_fixture.h"

namespace aidledger::app {
namespace {

using aidledger::testing::IsOk;
using aidledger::testing::RandomStream;

// Every field of `view`, in a canonical order.
std::string Describe(const ViewEvents& view) {
  std::string out;
  const auto source = [&out](const Source& s) {
    absl::StrAppend(&out, s.sequence, ":", Hex(s.hash), ":", s.event_id, ":", s.date, " ");
  };
  for (size_t i = 0; i < view.allocations.size(); ++i) {
    const Allocation& a = view.allocations[i];
    const FlowAllocation& f = view.flow_allocations[i];
    out += "A ";
    source(a.source);
    absl::StrAppend(&out, a.helper_code, " ", a.document_number, " ", a.evidence_files, " ",
                    f.sequence, " ", f.effective_date, " ", f.recipient_code, " ", f.project_id, " ",
                    f.amount_fen, "\n");
  }
  for (size_t i = 0; i < view.disbursements.size(); ++i) {
    const Payment& p = view.disbursements[i];
    const FlowDisbursement& f = view.flow_disbursements[i];
    out += "D ";
    source(p.source);
    absl::StrAppend(&out, p.name, " ", p.contract_number, " ", p.evidence_files, " ", f.sequence,
                    " ", f.effective_date, " ", f.project_id, " ", f.amount_fen, "\n");
  }
  for (size_t i = 0; i < view.investments.size(); ++i) {
    out += "I ";
    source(view.investments[i].source);
    absl::StrAppend(&out, view.investments[i].name, " ", view.investment_projects[i], "\n");
  }
  for (const auto* sources : {&view.regions, &view.projects, &view.accepted}) {
    std::map<std::string, const Source*> sorted;
    for (const auto& [key, s] : *sources) sorted[key] = &s;
    for (const auto& [key, s] : sorted) {
      absl::StrAppend(&out, "R ", key, " ");
      source(*s);
      out += "\n";
    }
  }
  return out;
}

class FundViewStoreTest : public aidledger::testing::ProjectionFixture {
 protected:
  // The view at `sequence` as of `as_of` (the point's Books folded as the
  // trace folds them) for `provinces` (empty: the whole view), read with
  // the stored deltas and from the log alone, must be the same; returns
  // whether the stored deltas were used.
  bool ExpectTheLogsView(uint64_t sequence, const std::string& as_of,
                         const absl::flat_hash_set<std::string>& provinces, uint64_t seed) {
    absl::StatusOr<FoldedBooks> folded =
        ledger_->Fold(sequence, as_of.empty() ? std::nullopt : std::optional<std::string>(as_of),
                      true, Books::kRegions | Books::kProjects);
    EXPECT_THAT(folded, IsOk());
    if (!folded.ok()) return false;
    const Books& books = folded->books;
    std::optional<ViewScope> scope;
    if (!provinces.empty()) scope = ScopeOf(books, provinces);
    const ViewScope* scoped = scope.has_value() ? &*scope : nullptr;
    absl::StatusOr<ViewEvents> stored = ReadView(*ledger_, sequence, as_of, scoped, &books);
    absl::StatusOr<ViewEvents> logs = ReadView(*ledger_, sequence, as_of, scoped);
    EXPECT_THAT(stored, IsOk());
    EXPECT_THAT(logs, IsOk());
    if (!stored.ok() || !logs.ok()) return false;
    EXPECT_EQ(Describe(*stored), Describe(*logs))
        << "at " << sequence << " as of " << as_of << " provinces " << provinces.size() << " seed "
        << seed;
    ++compared_;
    if (!logs->allocations.empty()) ++nonempty_;
    absl::StatusOr<std::optional<StoredFundView>> read =
        ledger_->ReadStoredFundView(sequence, books, [](absl::string_view) { return true; });
    EXPECT_THAT(read, IsOk());
    return read.ok() && read->has_value();
  }

  // Every scope at `sequence`: the whole view, each province, two together.
  void ExpectEveryScope(uint64_t sequence, const std::string& as_of, bool stored_used,
                        uint64_t seed) {
    std::vector<std::string> provinces;
    for (const v1::RegionEntry& region : ledger_->books().regions.state().regions()) {
      if (region.parent_code().empty()) provinces.push_back(region.code());
    }
    ASSERT_GE(provinces.size(), 2u);
    EXPECT_EQ(ExpectTheLogsView(sequence, as_of, {}, seed), stored_used) << sequence;
    for (const std::string& province : provinces) {
      ExpectTheLogsView(sequence, as_of, {province}, seed);
    }
    ExpectTheLogsView(sequence, as_of, {provinces[0], provinces[1]}, seed);
  }

  // The record `name` stored at `at`, edited by `edit`, its MAC made again
  // under `key` when given; the ledger is reopened.
  void EditRecord(const std::string& name, uint64_t at, const Hash* key,
                  const std::function<void(std::string*)>& edit) {
    EditStore([&](internal::Store& store, internal::Batch& batch) {
      const std::string stored_key = absl::StrCat(name, "/", internal::EncodeSequence(at));
      absl::StatusOr<std::optional<std::string>> value =
          store.Get(internal::Family::kSnapshots, stored_key);
      ASSERT_TRUE(value.ok() && value->has_value()) << stored_key;
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(**value));
      edit(record.mutable_state());
      if (key != nullptr) record.set_mac(SnapshotMac(*key, record));
      batch.Put(internal::Family::kSnapshots, stored_key, record.SerializeAsString());
    });
    ReopenWith();
  }

  int compared_ = 0;
  int nonempty_ = 0;
};

TEST_F(FundViewStoreTest, TheStoredViewIsTheLogsViewAtAndBetweenSnapshots) {
  const uint64_t seed = aidledger::testing::TestSeed(20261205);
  RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  // Nothing stored yet: the log is read.
  stream.AddMoneyEvents(50, 5);
  ExpectEveryScope(ledger_->head().sequence, "", false, seed);
  std::vector<uint64_t> snapshots;
  for (int round = 0; round < 4; ++round) {
    stream.AddMoneyEvents(120, 5);  // reversals reach back across snapshots
    ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
    snapshots.push_back(ledger_->head().sequence);
  }
  stream.AddMoneyEvents(70, 5);
  const uint64_t head = ledger_->head().sequence;
  for (const uint64_t at : {snapshots[0], snapshots[1] + 37, snapshots[3], head}) {
    ExpectEveryScope(at, "", true, seed);
    ExpectEveryScope(at, "2018-06-30", true, seed);
  }
  ExpectEveryScope(snapshots[0] - 1, "", false, seed);  // before the first delta
  EXPECT_GT(nonempty_, compared_ / 2);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();

  absl::StatusOr<VerifyReport> verified = ledger_->Verify({});
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->fund_views_checked, snapshots.size());
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
