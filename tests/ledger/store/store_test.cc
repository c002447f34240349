// The RocksDB wrapper's own promises, seen from the files it leaves.
#include "ledger/store/store.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "ledger/store/codec.h"
#include "tests/testing/rocksdb_edit.h"
#include "tests/testing/testing.h"

namespace aidledger::internal {
namespace {

using testing::IsOk;
using testing::WalBytes;

constexpr size_t kValueBytes = 16 << 10;
constexpr uint64_t kBatches = 400;  // 6.4 MiB of WAL, far from a memtable's 64 MiB

// Appends as the ledger does: an event, and the head in the meta family.
void WriteLikeAppends(Store& store) {
  const std::string value(kValueBytes, 'e');
  for (uint64_t sequence = 1; sequence <= kBatches; ++sequence) {
    Batch batch = store.NewBatch();
    batch.Put(Family::kEvents, EncodeSequence(sequence), value);
    batch.Put(Family::kMeta, "head", EncodeSequence(sequence));
    ASSERT_THAT(store.Write(&batch, /*sync=*/false), IsOk());
  }
}

// The meta family never fills a memtable, so without a bound it pins every
// WAL written since the open, and every read-only open replays them all.
TEST(StoreTest, WriteAheadLogsStayWithinTheirBound) {
  constexpr uint64_t kBound = 256 << 10;
  testing::TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Store>> store =
        Store::Open(dir.path(), {.create_if_missing = true, .wal_bytes_max = kBound});
    ASSERT_THAT(store, IsOk());
    WriteLikeAppends(**store);
    // RocksDB checks the bound when it writes, and the flushes it forces
    // (and the deletion of the logs they free) run in the background: keep
    // appending a little, as a ledger does, until they have, boundedly.
    // Allow a few times the bound: a fraction of what the same writes leave
    // unbounded (below).
    constexpr uint64_t kSlack = 4 * kBound;
    for (int waited = 0; waited < 50 && WalBytes(dir.path()) > kSlack; ++waited) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      Batch batch = (*store)->NewBatch();
      batch.Put(Family::kMeta, "head", EncodeSequence(kBatches));
      ASSERT_THAT((*store)->Write(&batch, /*sync=*/false), IsOk());
    }
    EXPECT_LE(WalBytes(dir.path()), kSlack);
  }
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::Open(dir.path(), {.read_only = true});
  ASSERT_THAT(reopened, IsOk());
  for (uint64_t sequence : {uint64_t{1}, kBatches / 2, kBatches}) {
    absl::StatusOr<std::optional<std::string>> value =
        (*reopened)->Get(Family::kEvents, EncodeSequence(sequence));
    ASSERT_THAT(value, IsOk());
    ASSERT_TRUE(value->has_value()) << "event " << sequence << " lost";
    EXPECT_EQ((*value)->size(), kValueBytes);
  }

  // The same writes under a bound far above them keep every log: the check
  // above is the bound's doing.
  testing::TempDir unbounded;
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::Open(unbounded.path(), {.create_if_missing = true, .wal_bytes_max = 1ull << 30});
  ASSERT_THAT(store, IsOk());
  WriteLikeAppends(**store);
  EXPECT_GT(WalBytes(unbounded.path()), kBatches * kValueBytes);
}

void ExpectEveryEventReadable(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Store>> reopened = Store::Open(dir, {.read_only = true});
  ASSERT_THAT(reopened, IsOk());
  for (uint64_t sequence = 1; sequence <= kBatches; ++sequence) {
    absl::StatusOr<std::optional<std::string>> value =
        (*reopened)->Get(Family::kEvents, EncodeSequence(sequence));
    ASSERT_THAT(value, IsOk());
    ASSERT_TRUE(value->has_value()) << "event " << sequence << " lost";
    ASSERT_EQ((*value)->size(), kValueBytes);
  }
}

// A session that wrote much flushes at close, so that read-only opens
// (which cannot flush) do not replay its log; one that wrote little keeps
// it, so that a one-event append does not leave a table file of its own.
TEST(StoreTest, ClosingAfterManyWritesLeavesNoLogToReplay) {
  constexpr uint64_t kLogNeverFull = 1ull << 30;  // isolates the close's doing
  constexpr uint64_t kWritten = kBatches * kValueBytes;
  for (const uint64_t flush_at_close : {kWritten / 4, kWritten * 4}) {
    SCOPED_TRACE(flush_at_close);
    testing::TempDir dir;
    {
      absl::StatusOr<std::unique_ptr<Store>> store =
          Store::Open(dir.path(), {.create_if_missing = true,
                                   .wal_bytes_max = kLogNeverFull,
                                   .flush_at_close_bytes = flush_at_close});
      ASSERT_THAT(store, IsOk());
      WriteLikeAppends(**store);
      EXPECT_GT(WalBytes(dir.path()), kWritten);
    }
    if (flush_at_close < kWritten) {
      EXPECT_LT(WalBytes(dir.path()), kValueBytes);
    } else {
      EXPECT_GT(WalBytes(dir.path()), kWritten);
    }
    ExpectEveryEventReadable(dir.path());
  }
}

// A ledger made before the evidence family existed: a read-only open (the
// CLI beside a server, an auditor's copy) works without it and finds no
// file; the first writable open adds it, and keeps what was there.
TEST(StoreTest, ALedgerWithoutTheEvidenceFamilyOpensAndGainsIt) {
  testing::TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir.path(), {.create_if_missing = true});
    ASSERT_THAT(store, IsOk());
    Batch batch = (*store)->NewBatch();
    batch.Put(Family::kMeta, "head", "kept");
    ASSERT_THAT((*store)->Write(&batch, /*sync=*/true), IsOk());
  }
  ASSERT_THAT(testing::RocksDbDropFamily(dir.path(), "evidence"), IsOk());
  {
    absl::StatusOr<std::unique_ptr<Store>> reader = Store::Open(dir.path(), {.read_only = true});
    ASSERT_THAT(reader, IsOk());
    EXPECT_FALSE((*reader)->has(Family::kEvidence));
    EXPECT_THAT((*reader)->Get(Family::kEvidence, "m"), testing::IsOkAndHolds(std::nullopt));
    EXPECT_THAT((*reader)->Get(Family::kMeta, "head"), testing::IsOkAndHolds(std::string("kept")));
  }
  absl::StatusOr<std::unique_ptr<Store>> writer = Store::Open(dir.path(), {});
  ASSERT_THAT(writer, IsOk());
  ASSERT_TRUE((*writer)->has(Family::kEvidence));
  Batch batch = (*writer)->NewBatch();
  batch.Put(Family::kEvidence, "m", "a manifest");
  ASSERT_THAT((*writer)->Write(&batch, /*sync=*/true), IsOk());
  EXPECT_THAT((*writer)->Get(Family::kEvidence, "m"), testing::IsOkAndHolds(std::string("a manifest")));
  EXPECT_THAT((*writer)->Get(Family::kMeta, "head"), testing::IsOkAndHolds(std::string("kept")));
}

}  // namespace
}  // namespace aidledger::internal
