// Shared by the projection tests (tests/state/) and the snapshot tests
// (tests/ledger/snapshots_test.cc): a ledger fixture that collects warnings
// and can edit its store directly, and checks of folded Books.
#ifndef AIDLEDGER_TESTS_STATE_PROJECTION_FIXTURE_H_
#define AIDLEDGER_TESTS_STATE_PROJECTION_FIXTURE_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ledger/store/store.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger::testing {

// Every region's total equals its own figures plus its children's totals.
inline void ExpectTotalsRollUp(const Books& books) {
  std::map<std::string, v1::RegionFigures> sum;
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    v1::RegionFigures& s = sum[region.code()];
    s.set_allocated_fen(s.allocated_fen() + region.own().allocated_fen());
    s.set_disbursed_fen(s.disbursed_fen() + region.own().disbursed_fen());
    s.set_balance_fen(s.balance_fen() + region.own().balance_fen());
    s.set_invested_fen(s.invested_fen() + region.own().invested_fen());
    s.set_sales_fen(s.sales_fen() + region.own().sales_fen());
    s.set_projects(s.projects() + region.own().projects());
    if (region.parent_code().empty()) continue;
    v1::RegionFigures& p = sum[region.parent_code()];
    p.set_allocated_fen(p.allocated_fen() + region.total().allocated_fen());
    p.set_disbursed_fen(p.disbursed_fen() + region.total().disbursed_fen());
    p.set_balance_fen(p.balance_fen() + region.total().balance_fen());
    p.set_invested_fen(p.invested_fen() + region.total().invested_fen());
    p.set_sales_fen(p.sales_fen() + region.total().sales_fen());
    p.set_projects(p.projects() + region.total().projects());
  }
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    EXPECT_EQ(sum[region.code()].SerializeAsString(), region.total().SerializeAsString())
        << "region " << region.code() << " total " << region.total().ShortDebugString()
        << " but own + children " << sum[region.code()].ShortDebugString();
    EXPECT_EQ(region.own().balance_fen(),
              region.own().allocated_fen() - region.own().disbursed_fen());
  }
}

inline void ExpectSameState(const Books& a, const Books& b, uint64_t sequence) {
  for (size_t i = 0; i < a.all().size(); ++i) {
    EXPECT_EQ(a.all()[i]->SerializeState(), b.all()[i]->SerializeState())
        << a.all()[i]->name() << " differs at sequence " << sequence;
  }
}

// A ledger for projection and snapshot tests: no sync, snapshots every
// `snapshot_every_` events (0: only when asked), warnings collected.
class ProjectionFixture : public LedgerFixture {
 protected:
  LedgerOptions Options() {
    LedgerOptions options = LedgerFixture::Options();
    options.sync = false;  // random streams: durability is tested elsewhere
    options.snapshot_every = snapshot_every_;
    options.warn = [this](absl::string_view message) { warnings_.emplace_back(message); };
    if (!snapshot_key_path_.empty()) options.snapshot_key_path = snapshot_key_path_;
    return options;
  }
  void ReopenWith() {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(path_, Options());
    ASSERT_TRUE(opened.ok()) << opened.status();
    ledger_ = std::move(*opened);
  }
  void SetUp() override {
    LedgerFixture::SetUp();
    ReopenWith();
  }
  // Appends `count` money events and snapshots the head; returns the head.
  uint64_t AddAndSnapshot(RandomStream& stream, size_t count) {
    stream.AddMoneyEvents(count, 0);
    EXPECT_THAT(ledger_->CreateSnapshot(), IsOk());
    return ledger_->head().sequence;
  }
  // Closes the ledger and writes `edit`'s puts straight into its store (with
  // valid checksums), as damage or another build would; reopen to go on.
  void EditStore(const std::function<void(internal::Store&, internal::Batch&)>& edit) {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<internal::Store>> store = internal::Store::Open(path_, {});
    ASSERT_THAT(store, IsOk());
    internal::Batch batch = (*store)->NewBatch();
    edit(**store, batch);
    ASSERT_THAT((*store)->Write(&batch, true), IsOk());
  }
  FoldedBooks MustFold(uint64_t sequence, std::optional<std::string> as_of = std::nullopt,
                       bool use_snapshots = true) {
    absl::StatusOr<FoldedBooks> folded = ledger_->Fold(sequence, as_of, use_snapshots);
    EXPECT_TRUE(folded.ok()) << folded.status();
    return folded.ok() ? *std::move(folded) : FoldedBooks();
  }

  uint64_t snapshot_every_ = 0;
  std::vector<std::string> warnings_;
  // Where the snapshot key is, for a store whose key lies nowhere by
  // default (PostgreSQL); empty: beside the ledger directory.
  std::string snapshot_key_path_;
};

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_STATE_PROJECTION_FIXTURE_H_
