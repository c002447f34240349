// The fund view kept at snapshots, compared with the log's: the fixture of
// tests/app/fund_view_store_test.cc (RocksDB) and
// fund_view_store_postgres_test.cc (PostgreSQL).
#ifndef AIDLEDGER_TESTS_APP_FUND_VIEW_STORE_FIXTURE_H_
#define AIDLEDGER_TESTS_APP_FUND_VIEW_STORE_FIXTURE_H_

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

using aidledger::testing::IsOk;
using aidledger::testing::RandomStream;

// Every field of `view`, in a canonical order.
inline std::string Describe(const ViewEvents& view) {
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

  // Snapshots among seeded random money (reversals reaching back across
  // them): every scope's view is the log's at, between and before them.
  void ExpectTheLogsViewAroundSnapshots(uint64_t seed_default) {
    const uint64_t seed = aidledger::testing::TestSeed(seed_default);
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

  int compared_ = 0;
  int nonempty_ = 0;
};

}  // namespace aidledger::app

#endif  // AIDLEDGER_TESTS_APP_FUND_VIEW_STORE_FIXTURE_H_
