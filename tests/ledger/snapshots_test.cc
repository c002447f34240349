// Snapshots: a snapshot plus the tail folds to the full rebuild; a snapshot
// that does not match the chain, the code, its MAC or the key is skipped
// with a warning and never turned into figures; a head query reads only the
// tail; a writable open stores a snapshot when none is near the head.
#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "aidledger/v1/storage.pb.h"
#include "app/status_codes.h"
#include "ledger/snapshot_key.h"
#include "ledger/store/codec.h"
#include "ledger/store/store.h"
#include "tests/state/projection_fixture.h"

namespace aidledger {
namespace {

using testing::ExpectSameState;
using testing::ExpectTotalsRollUp;
using testing::IsOk;
using testing::ProjectionFixture;
using testing::RandomStream;

class SnapshotsTest : public ProjectionFixture {
 protected:
  // Flips a bit of the Merkle tree stored at `at` (in its first subtree's
  // root), with its MAC made again under `key` when given.
  void FlipStoredTree(uint64_t at, const Hash* key) {
    EditStore([&](internal::Store& store, internal::Batch& batch) {
      const std::string name = absl::StrCat(kMerkleSnapshotName, "/", internal::EncodeSequence(at));
      absl::StatusOr<std::optional<std::string>> value = store.Get(internal::Family::kSnapshots, name);
      ASSERT_TRUE(value.ok() && value->has_value());
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(**value));
      std::string state = record.state();
      ASSERT_GT(state.size(), 8u);
      state[8] ^= 1;
      record.set_state(state);
      if (key != nullptr) record.set_mac(SnapshotMac(*key, record));
      batch.Put(internal::Family::kSnapshots, name, record.SerializeAsString());
    });
    ReopenWith();
  }
};

TEST_F(SnapshotsTest, SnapshotPlusTailEqualsAFullRebuildEverywhere) {
  snapshot_every_ = 400;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7001));
  stream.AddRegistry();
  stream.AddMoneyEvents(3000, 40);
  const uint64_t head = ledger_->head().sequence;
  ASSERT_GT(head, 3000u);
  std::mt19937_64 random(testing::TestSeed(7002));
  std::vector<uint64_t> points = {0, 1, 399, 400, 401, 799, 800, head - 1, head};
  for (int i = 0; i < 25; ++i) points.push_back(random() % (head + 1));
  for (uint64_t at : points) {
    FoldedBooks quick = MustFold(at);
    FoldedBooks full = MustFold(at, std::nullopt, /*use_snapshots=*/false);
    EXPECT_EQ(quick.snapshot_sequence, at / 400 * 400) << at;
    EXPECT_EQ(full.snapshot_sequence, 0u);
    EXPECT_EQ(quick.hash, full.hash) << at;
    ExpectSameState(quick.books, full.books, at);
    ExpectTotalsRollUp(quick.books);
  }
  // The live Books (maintained append by append) agree with a rebuild too.
  ExpectSameState(ledger_->books(), MustFold(head, std::nullopt, false).books, head);
  // And so does a reopened ledger, which starts from the newest snapshot.
  ReopenWith();
  ExpectSameState(ledger_->books(), MustFold(head, std::nullopt, false).books, head);
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
}

TEST_F(SnapshotsTest, AHeadQueryAfterASnapshotReadsOnlyTheTail) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7004));
  stream.AddRegistry();
  stream.AddMoneyEvents(1000, 0);
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  const uint64_t snapshot_at = ledger_->head().sequence;
  stream.AddMoneyEvents(17, 0);
  FoldedBooks folded = MustFold(ledger_->head().sequence);
  EXPECT_EQ(folded.snapshot_sequence, snapshot_at);
  EXPECT_EQ(folded.events_read, 17u);
  EXPECT_EQ(MustFold(ledger_->head().sequence, std::nullopt, false).events_read,
            ledger_->head().sequence);
}

TEST_F(SnapshotsTest, ASnapshotThatDoesNotMatchTheChainOrTheCodeIsSkipped) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7005));
  stream.AddRegistry();
  const uint64_t good_at = AddAndSnapshot(stream, 200);
  const uint64_t tampered_at = AddAndSnapshot(stream, 100);
  const uint64_t stale_at = AddAndSnapshot(stream, 100);
  const uint64_t head = ledger_->head().sequence;
  // Tamper with the newer snapshots: one claims another chain hash with
  // inflated figures, one is of another version.
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    for (auto [at, tamper_hash] : {std::pair{tampered_at, true}, std::pair{stale_at, false}}) {
      const std::string key = absl::StrCat("region_balances/", internal::EncodeSequence(at));
      absl::StatusOr<std::optional<std::string>> value =
          store.Get(internal::Family::kSnapshots, key);
      ASSERT_TRUE(value.ok() && value->has_value());
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(**value));
      if (tamper_hash) {
        v1::RegionBalancesState state;
        ASSERT_TRUE(state.ParseFromString(record.state()));
        state.mutable_grand()->set_allocated_fen(state.grand().allocated_fen() + 1);
        record.set_state(state.SerializeAsString());
        record.set_chain_hash(std::string(32, 'x'));
      } else {
        record.set_version(record.version() + 1);
      }
      batch.Put(internal::Family::kSnapshots, key, record.SerializeAsString());
    }
  });
  ReopenWith();
  FoldedBooks folded = MustFold(head);
  EXPECT_EQ(folded.snapshot_sequence, good_at);
  ExpectSameState(folded.books, MustFold(head, std::nullopt, false).books, head);
  // The tampered one is named; one of another version is what an upgrade
  // leaves behind, said once for all of them at the end.
  ASSERT_GE(warnings_.size(), 2u);
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat("snapshot at event ", tampered_at,
                                                              " is not trusted")));
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr("chain hash does not match"));
  EXPECT_THAT(warnings_[1],
              ::testing::HasSubstr("skipped 1 snapshot of another projection version"));
  EXPECT_THAT(warnings_[1], ::testing::Not(::testing::HasSubstr(absl::StrCat(stale_at))));
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  size_t untrusted = 0;
  for (const SnapshotInfo& info : *listed) untrusted += info.problem.empty() ? 0 : 1;
  EXPECT_EQ(untrusted, 2u);
}

// Issue 17, item 1: a snapshot's state edited with RocksDB's own API (valid
// checksums, the chain hash and version kept) changed the figures a query
// printed. The MAC under the ledger's key catches it: the snapshot is
// skipped with a warning naming it, and the fold gives the log's figures.
TEST_F(SnapshotsTest, ASnapshotWhoseStateWasEditedIsSkippedAndTheFiguresStayTheLogs) {
  RandomStream stream(ledger_.get(), testing::TestSeed(1717));
  stream.AddRegistry();
  const uint64_t good_at = AddAndSnapshot(stream, 150);
  const uint64_t edited_at = AddAndSnapshot(stream, 150);
  const uint64_t head = ledger_->head().sequence;
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    const std::string key = absl::StrCat("region_balances/", internal::EncodeSequence(edited_at));
    absl::StatusOr<std::optional<std::string>> value = store.Get(internal::Family::kSnapshots, key);
    ASSERT_TRUE(value.ok() && value->has_value());
    v1::SnapshotRecord record;
    ASSERT_TRUE(record.ParseFromString(**value));
    v1::RegionBalancesState state;
    ASSERT_TRUE(state.ParseFromString(record.state()));
    ASSERT_GT(state.regions_size(), 0);
    v1::RegionEntry* region = state.mutable_regions(state.regions_size() - 1);
    region->mutable_own()->set_allocated_fen(region->own().allocated_fen() + 700'000'000);
    region->mutable_total()->set_allocated_fen(region->total().allocated_fen() + 700'000'000);
    record.set_state(state.SerializeAsString());
    batch.Put(internal::Family::kSnapshots, key, record.SerializeAsString());
  });
  ReopenWith();
  FoldedBooks folded = MustFold(head);
  EXPECT_EQ(folded.snapshot_sequence, good_at);
  ExpectSameState(folded.books, MustFold(head, std::nullopt, false).books, head);
  ASSERT_FALSE(warnings_.empty());
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat("snapshot at event ", edited_at,
                                                              " is not trusted")));
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr("MAC does not match"));
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  for (const SnapshotInfo& info : *listed) {
    const bool edited = info.sequence == edited_at && info.projection == "region_balances";
    EXPECT_EQ(info.problem.empty(), !edited) << info.projection << "@" << info.sequence << ": " << info.problem;
  }
}

// Without its key a ledger trusts no snapshot (a read-only open folds the
// log, a writable one makes a new key); a key others may read is refused.
TEST_F(SnapshotsTest, SnapshotsNeedTheKeyAndTheKeyMustBePrivate) {
  RandomStream stream(ledger_.get(), testing::TestSeed(1718));
  stream.AddRegistry();
  const uint64_t head = AddAndSnapshot(stream, 120);
  const Books expected = ledger_->books();
  ledger_.reset();
  const std::string key_path = DefaultSnapshotKeyPath(path_);
  ASSERT_TRUE(std::filesystem::exists(key_path));
  EXPECT_EQ(std::filesystem::status(key_path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::permissions(key_path, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  absl::StatusOr<std::unique_ptr<Ledger>> refused = Ledger::Open(path_, Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(ExitCodeFor(refused.status()), kExitUsage);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("chmod 600"));

  std::filesystem::rename(key_path, key_path + ".moved");
  LedgerOptions read_only = Options();
  read_only.read_only = true;
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(path_, read_only);
  ASSERT_THAT(opened, IsOk());
  absl::StatusOr<FoldedBooks> folded = (*opened)->Fold(head, std::nullopt);
  ASSERT_THAT(folded, IsOk());
  EXPECT_EQ(folded->snapshot_sequence, 0u);
  ExpectSameState(folded->books, expected, head);
  EXPECT_FALSE(std::filesystem::exists(key_path)) << "a read-only open made a key";
  opened->reset();
  ReopenWith();  // writable: makes a new key, and says so
  EXPECT_TRUE(std::filesystem::exists(key_path));
  EXPECT_THAT(warnings_, ::testing::Contains(::testing::HasSubstr("made a new snapshot key")));
}

// After an upgrade that changes a projection's version, every stored
// snapshot is of the old version. Queries then fold the whole log, so the
// first writable open stores a current snapshot at the head.
TEST_F(SnapshotsTest, AWritableOpenWithNoUsableSnapshotNearTheHeadStoresOne) {
  snapshot_every_ = 100;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7007));
  stream.AddRegistry();
  stream.AddMoneyEvents(400, 0);
  const uint64_t head = ledger_->head().sequence;
  ASSERT_GE(head, 400u);
  size_t rewritten = 0;
  // What an older build would have stored: every record of another version.
  EditStore([&](internal::Store& store, internal::Batch& batch) {
    std::unique_ptr<internal::Cursor> cursor = store.NewCursor(internal::Family::kSnapshots);
    for (cursor->SeekToFirst(); cursor->Valid(); cursor->Next()) {
      v1::SnapshotRecord record;
      ASSERT_TRUE(record.ParseFromString(std::string(cursor->value())));
      record.set_version(record.version() - 1);
      batch.Put(internal::Family::kSnapshots, std::string(cursor->key()),
                record.SerializeAsString());
      if (!absl::StartsWith(record.projection(), kFundViewSnapshotName)) ++rewritten;
    }
    ASSERT_THAT(cursor->status(), IsOk());
  });
  // Each snapshot: every projection's record and the Merkle tree's (and
  // the fund view's, not counted here).
  const size_t records_per_snapshot = Books::kKindCount + 1;
  ASSERT_EQ(rewritten, records_per_snapshot * (head / 100));

  LedgerOptions read_only = Options();
  read_only.read_only = true;
  read_only.fold_on_open = false;
  absl::StatusOr<std::unique_ptr<Ledger>> reader = Ledger::Open(path_, read_only);
  ASSERT_THAT(reader, IsOk());
  absl::StatusOr<FoldedBooks> before = (*reader)->Fold(head, std::nullopt);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->snapshot_sequence, 0u);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat(
                                "skipped ", head / 100, " snapshots of another projection version")));
  reader->reset();  // a read-only open stores nothing: the next one folds it all again

  ReopenWith();  // writable
  FoldedBooks after = MustFold(head);
  EXPECT_EQ(after.snapshot_sequence, head);
  EXPECT_EQ(after.events_read, 0u);
  ExpectSameState(after.books, before->books, head);
  // With a usable snapshot near the head, opening again stores none.
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  ReopenWith();
  absl::StatusOr<std::vector<SnapshotInfo>> relisted = ledger_->ListSnapshots();
  ASSERT_THAT(relisted, IsOk());
  EXPECT_EQ(relisted->size(), listed->size());
  const auto not_fund_view = [](const SnapshotInfo& info) {
    return !absl::StartsWith(info.projection, kFundViewSnapshotName);
  };
  EXPECT_EQ(static_cast<size_t>(std::count_if(listed->begin(), listed->end(), not_fund_view)),
            rewritten + records_per_snapshot);
}

// The root of events 1..sequence, hashed from the whole log.
std::string WholeLogRoot(Ledger& ledger, uint64_t sequence) {
  absl::StatusOr<v1::Digest> digest = ledger.MakeDigest(sequence);
  EXPECT_THAT(digest, IsOk());
  return digest.ok() ? digest->merkle_root() : "";
}

// Issue 26: each snapshot stores the log's Merkle tree, so that a server
// starts from it instead of hashing the whole log; MerkleAt from the newest
// stored tree plus the tail equals the whole log's at every point.
TEST_F(SnapshotsTest, EachSnapshotStoresTheMerkleTreeAndItGoesOnAsTheLogDoes) {
  snapshot_every_ = 100;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7009));
  stream.AddRegistry();
  stream.AddMoneyEvents(350, 0);
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<std::vector<SnapshotInfo>> listed = ledger_->ListSnapshots();
  ASSERT_THAT(listed, IsOk());
  std::vector<uint64_t> trees;
  for (const SnapshotInfo& info : *listed) {
    EXPECT_TRUE(info.problem.empty()) << info.projection << "@" << info.sequence << ": " << info.problem;
    if (info.projection == kMerkleSnapshotName) trees.push_back(info.sequence);
  }
  std::vector<uint64_t> expected;
  for (uint64_t at = 100; at <= head; at += 100) expected.push_back(at);
  EXPECT_EQ(trees, expected);

  std::mt19937_64 random(testing::TestSeed(7010));
  std::vector<uint64_t> points = {0, 1, 99, 100, 101, 200, head - 1, head};
  for (int i = 0; i < 20; ++i) points.push_back(random() % (head + 1));
  for (uint64_t at : points) {
    absl::StatusOr<MerkleAccumulator> tree = ledger_->MerkleAt(at);
    ASSERT_THAT(tree, IsOk()) << at;
    EXPECT_EQ(tree->size(), at);
    EXPECT_EQ(Hex(tree->Root()), WholeLogRoot(*ledger_, at)) << at;
  }
  // A writable ledger keeps the tree from its first use, commit by commit
  // and across the snapshots it stores.
  ReopenWith();
  stream.Rebind(ledger_.get());
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<Ledger::TreeAtHead> at_head = ledger_->MerkleAtHead();
    ASSERT_THAT(at_head, IsOk());
    EXPECT_EQ(at_head->head.sequence, ledger_->head().sequence);
    EXPECT_EQ(at_head->tree.size(), at_head->head.sequence);
    EXPECT_EQ(Hex(at_head->tree.Root()), WholeLogRoot(*ledger_, at_head->head.sequence));
    stream.AddMoneyEvents(70, 0);
  }
  absl::StatusOr<VerifyReport> verified = ledger_->Verify({});
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->snapshots_checked, (Books::kKindCount + 1) * (ledger_->head().sequence / 100));
  EXPECT_TRUE(warnings_.empty()) << warnings_.front();
}

// A stored tree is trusted as the projections' snapshots are: by its MAC.
// Edited without the key it is skipped (named in a warning) and the tree
// comes from an earlier one; edited by somebody holding the key, a server
// would start from it, and verify finds it differs from the log's.
TEST_F(SnapshotsTest, AnEditedMerkleTreeIsSkippedOrFoundByVerify) {
  snapshot_every_ = 100;
  ReopenWith();
  RandomStream stream(ledger_.get(), testing::TestSeed(7011));
  stream.AddRegistry();
  stream.AddMoneyEvents(230, 0);
  const uint64_t head = ledger_->head().sequence;
  const uint64_t newest = head / 100 * 100;
  ASSERT_GE(newest, 200u);
  const std::string root = WholeLogRoot(*ledger_, head);
  absl::StatusOr<std::optional<Hash>> key = ReadSnapshotKey(DefaultSnapshotKeyPath(path_));
  ASSERT_TRUE(key.ok() && key->has_value());
  for (const bool with_key : {false, true}) {
    SCOPED_TRACE(with_key ? "re-MAC'd with the key" : "without the key");
    FlipStoredTree(newest, with_key ? &**key : nullptr);
    warnings_.clear();
    absl::StatusOr<Ledger::TreeAtHead> at_head = ledger_->MerkleAtHead();
    ASSERT_THAT(at_head, IsOk());
    absl::StatusOr<VerifyReport> verified = ledger_->Verify({});
    if (!with_key) {
      EXPECT_EQ(Hex(at_head->tree.Root()), root);
      ASSERT_EQ(warnings_.size(), 1u);
      EXPECT_THAT(warnings_[0], ::testing::HasSubstr(absl::StrCat(
                                    "the Merkle tree stored at event ", newest, " is not trusted")));
      EXPECT_THAT(warnings_[0], ::testing::HasSubstr("MAC does not match"));
      // Verify compares the state, whatever the MAC: it differs.
    } else {
      EXPECT_NE(Hex(at_head->tree.Root()), root);
      EXPECT_TRUE(warnings_.empty()) << warnings_.front();
    }
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(verified.status().message(), ::testing::HasSubstr(absl::StrCat("event ", newest)));
    EXPECT_THAT(verified.status().message(), ::testing::HasSubstr("Merkle tree stored in the snapshot"));
    // The auditor's own digest never trusts a stored tree.
    EXPECT_EQ(WholeLogRoot(*ledger_, head), root);
    FlipStoredTree(newest, &**key);  // back as it was, for the next round
  }
}

// A fold of some projections loads and folds only those: a damaged snapshot
// of another projection does not send it further back, and what it folds
// equals the same projections of a full fold.
TEST_F(SnapshotsTest, AFoldOfSomeProjectionsReadsOnlyTheirSnapshots) {
  RandomStream stream(ledger_.get(), testing::TestSeed(7008));
  stream.AddRegistry();
  const uint64_t older = AddAndSnapshot(stream, 200);
  const uint64_t newer = AddAndSnapshot(stream, 100);
  stream.AddMoneyEvents(30, 0);
  const uint64_t head = ledger_->head().sequence;
  EditStore([&](internal::Store&, internal::Batch& batch) {
    batch.Put(internal::Family::kSnapshots,
              absl::StrCat("project_totals/", internal::EncodeSequence(newer)), "not a record");
  });
  ReopenWith();
  const FoldedBooks full = MustFold(head, std::nullopt, false);
  const FoldedBooks every = MustFold(head);
  EXPECT_EQ(every.snapshot_sequence, older);
  ExpectSameState(every.books, full.books, head);
  struct Case {
    Books::Set set;
    uint64_t snapshot;
  };
  for (const Case& c : {Case{Books::kRegions, newer}, Case{Books::kHelpers, newer},
                        Case{Books::kProjects, older},
                        Case{Books::kRegions | Books::kProjects, older}}) {
    warnings_.clear();
    absl::StatusOr<FoldedBooks> some = ledger_->Fold(head, std::nullopt, true, c.set);
    ASSERT_THAT(some, IsOk());
    EXPECT_EQ(some->snapshot_sequence, c.snapshot) << c.set;
    EXPECT_EQ(some->events_read, head - c.snapshot) << c.set;
    EXPECT_EQ(warnings_.size(), c.snapshot == older ? 1u : 0u) << c.set;
    EXPECT_EQ(some->books.folded(), c.set);
    const Books empty;
    for (size_t i = 0; i < some->books.all().size(); ++i) {
      const Books& expected = some->books.FoldsIndex(i) ? full.books : empty;
      EXPECT_TRUE(some->books.all()[i]->SerializeState() == expected.all()[i]->SerializeState())
          << some->books.all()[i]->name() << " of set " << c.set;
    }
  }
}

}  // namespace
}  // namespace aidledger
