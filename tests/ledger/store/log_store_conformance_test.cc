// The LogStore contract (ledger/store/log_store.h), as a suite every store
// implementation must pass: add a StoreKind below for a new one.
#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "ledger/store/cached_log_store.h"
#include "ledger/store/codec.h"
#include "ledger/store/log_store.h"
#include "ledger/store/postgres_log_store.h"
#include "ledger/store/rocks_log_store.h"
#include "tests/testing/postgres.h"
#include "tests/testing/rocksdb_edit.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;

// How a suite opens a store of one kind, and damages one of its records as
// somebody with access to its files (or its database) would.
struct StoreKind {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<LogStore>>(const std::string& dir)> open;
  std::function<absl::Status(const std::string& dir, uint64_t sequence)> damage_record;
};

void PrintTo(const StoreKind& kind, std::ostream* out) { *out << kind.name; }

// The PostgreSQL store of a ledger of its own for the test in `dir`, in the
// test PostgreSQL's database.
absl::StatusOr<std::unique_ptr<PostgresLogStore>> OpenTestPostgresStore(const std::string& dir) {
  ASSIGN_OR_RETURN(std::string uri, testing::TestPostgresUri());
  ASSIGN_OR_RETURN(PostgresAddress address,
                   ParsePostgresUri(absl::StrCat(uri, "?ledger=", testing::LedgerNameFor(dir))));
  return PostgresLogStore::Open(address, {.migrate = true});
}

std::vector<StoreKind> Kinds() {
  return {{
      .name = "RocksDB",
      .open = [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<LogStore>> {
        absl::StatusOr<std::unique_ptr<RocksLogStore>> store =
            RocksLogStore::Open(dir, {.create_if_missing = true});
        if (!store.ok()) return store.status();
        return std::unique_ptr<LogStore>(std::move(*store));
      },
      .damage_record = [](const std::string& dir, uint64_t sequence) {
        // A value too short to be a record.
        return testing::RocksDbPut(dir, "events", internal::EncodeSequence(sequence), "\x01");
      },
  }, {
      // A ledger of its own per test, in the test PostgreSQL's database.
      .name = "PostgreSQL",
      .open = [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<LogStore>> {
        ASSIGN_OR_RETURN(std::unique_ptr<PostgresLogStore> store, OpenTestPostgresStore(dir));
        return std::unique_ptr<LogStore>(std::move(store));
      },
      .damage_record = [](const std::string& dir, uint64_t sequence) -> absl::Status {
        // A hash that is not 32 bytes, written by the database's superuser.
        ASSIGN_OR_RETURN(std::string uri, testing::TestPostgresUri());
        return testing::PgExecute(
            uri, absl::StrCat("UPDATE events SET hash = '\\x01' WHERE ledger_id = '",
                              testing::LedgerNameFor(dir), "' AND seq = ", sequence));
      },
  }, {
      // PostgreSQL read through a RocksDB cache of its log, as `serve
      // --cache` reads it; what the cache holds is read from the cache.
      .name = "PostgreSQLThroughACache",
      .open = [](const std::string& dir) -> absl::StatusOr<std::unique_ptr<LogStore>> {
        ASSIGN_OR_RETURN(std::unique_ptr<PostgresLogStore> shared, OpenTestPostgresStore(dir));
        ASSIGN_OR_RETURN(std::unique_ptr<RocksLogStore> cache,
                         RocksLogStore::Open(dir + "/cache", {.create_if_missing = true}));
        ASSIGN_OR_RETURN(std::optional<std::string> version, cache->FormatVersion());
        if (!version.has_value()) RETURN_IF_ERROR(cache->Initialize());
        ASSIGN_OR_RETURN(std::unique_ptr<CachedLogStore> store,
                         CachedLogStore::Open(std::move(shared), std::move(cache), dir + "/cache"));
        return std::unique_ptr<LogStore>(std::move(store));
      },
      .damage_record = [](const std::string& dir, uint64_t sequence) {
        return testing::RocksDbPut(dir + "/cache", "events", internal::EncodeSequence(sequence),
                                   "\x01");
      },
  }};
}

class LogStoreConformance : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    absl::StatusOr<std::unique_ptr<LogStore>> store = GetParam().open(dir_.path());
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
  }
  void Initialize() { ASSERT_THAT(store_->Initialize(), IsOk()); }

  // `count` records chained after `after`, with an event_id index entry each
  // ("id-N") and, for every third, a reversal entry.
  LogAppend Chain(const internal::Head& after, int count) {
    LogAppend batch;
    Hash prev = after.hash;
    for (int i = 0; i < count; ++i) {
      const uint64_t sequence = after.sequence + 1 + i;
      LogRecord record{.sequence = sequence, .prev_hash = prev,
                       .event_bytes = absl::StrCat("event bytes of ", sequence)};
      record.hash = internal::ChainHash(prev, sequence, record.event_bytes);
      prev = record.hash;
      batch.event_ids.push_back({Keep(absl::StrCat("id-", sequence)), sequence});
      if (sequence % 3 == 0) batch.reversals.push_back({Keep(absl::StrCat("id-", sequence - 1)), sequence});
      batch.records.push_back(std::move(record));
    }
    SortByKey(&batch.event_ids);
    SortByKey(&batch.reversals);
    batch.head = {.sequence = after.sequence + count, .hash = prev,
                  .recorded_at_micros = 1'000'000 * static_cast<int64_t>(after.sequence + count)};
    return batch;
  }
  // Appends `count` records after the stored head; returns the new head.
  internal::Head AppendSome(int count) {
    absl::StatusOr<internal::Head> head = store_->ReadHead();
    EXPECT_THAT(head, IsOk());
    LogAppend batch = Chain(*head, count);
    EXPECT_THAT(store_->Append(*head, batch, /*sync=*/true), IsOk());
    return batch.head;
  }
  std::vector<uint64_t> ReadSequences(uint64_t from) {
    std::vector<uint64_t> sequences;
    std::unique_ptr<RecordCursor> cursor = store_->Read(from);
    LogRecordView record;
    while (true) {
      absl::StatusOr<bool> more = cursor->Next(&record);
      EXPECT_THAT(more, IsOk());
      if (!more.ok() || !*more) return sequences;
      sequences.push_back(record.sequence);
    }
  }

  // Index keys are views: their strings live as long as the test.
  absl::string_view Keep(std::string key) { return keys_.emplace_back(std::move(key)); }

  testing::TempDir dir_;
  std::unique_ptr<LogStore> store_;
  std::deque<std::string> keys_;
};

TEST_P(LogStoreConformance, HoldsNoLedgerUntilInitialized) {
  EXPECT_THAT(store_->FormatVersion(), IsOkAndHolds(::testing::Eq(std::nullopt)));
  Initialize();
  absl::StatusOr<std::optional<std::string>> version = store_->FormatVersion();
  ASSERT_THAT(version, IsOk());
  EXPECT_EQ(*version, std::string(internal::kFormatVersion));
  absl::StatusOr<internal::Head> head = store_->ReadHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->sequence, 0u);
  EXPECT_EQ(head->hash, Hash{});
  EXPECT_THAT(store_->ReadLast(), IsOkAndHolds(::testing::Eq(std::nullopt)));
  EXPECT_TRUE(ReadSequences(1).empty());
}

TEST_P(LogStoreConformance, AnAppendIsReadBackWholeInOrderWithItsIndexes) {
  Initialize();
  const internal::Head first = AppendSome(4);
  const internal::Head second = AppendSome(3);
  absl::StatusOr<internal::Head> head = store_->ReadHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->sequence, 7u);
  EXPECT_EQ(head->hash, second.hash);
  EXPECT_EQ(head->recorded_at_micros, second.recorded_at_micros);
  EXPECT_EQ(ReadSequences(1), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ReadSequences(5), (std::vector<uint64_t>{5, 6, 7}));

  // Records come back byte for byte, chained.
  const LogAppend expected = Chain(first, 3);
  absl::StatusOr<std::optional<LogRecord>> six = store_->ReadRecord(6);
  ASSERT_THAT(six, IsOk());
  ASSERT_TRUE(six->has_value());
  EXPECT_EQ((*six)->event_bytes, expected.records[1].event_bytes);
  EXPECT_EQ((*six)->prev_hash, expected.records[0].hash);
  EXPECT_EQ((*six)->hash, expected.records[1].hash);
  EXPECT_THAT(store_->ReadRecord(8), IsOkAndHolds(::testing::Eq(std::nullopt)));
  absl::StatusOr<std::optional<LogRecord>> last = store_->ReadLast();
  ASSERT_THAT(last, IsOk());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->sequence, 7u);
  EXPECT_EQ((*last)->hash, second.hash);

  // The indexes.
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "id-5"), IsOkAndHolds(::testing::Optional(5u)));
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "id-9"), IsOkAndHolds(::testing::Eq(std::nullopt)));
  EXPECT_THAT(store_->Find(LogIndex::kReversals, "id-5"), IsOkAndHolds(::testing::Optional(6u)));
  const std::vector<absl::string_view> keys = {"id-1", "nope", "id-7"};
  EXPECT_THAT(store_->Contains(LogIndex::kEventIds, keys),
              IsOkAndHolds(std::vector<bool>{true, false, true}));
  std::unique_ptr<IndexCursor> scan = store_->Scan(LogIndex::kEventIds);
  std::vector<std::string> scanned;
  IndexEntry entry;
  while (*scan->Next(&entry)) scanned.push_back(absl::StrCat(entry.key, "=", entry.sequence));
  EXPECT_EQ(scanned, (std::vector<std::string>{"id-1=1", "id-2=2", "id-3=3", "id-4=4", "id-5=5",
                                               "id-6=6", "id-7=7"}));
}

// Every byte value in an event, and in keys the characters a text protocol
// escapes (backslash, tab, newline, carriage return, COPY's end marker
// "\\."), come back exactly as written.
TEST_P(LogStoreConformance, AnyBytesAndKeysComeBackAsWritten) {
  Initialize();
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const std::vector<std::string> keys = {"a\\b\tc\nd\re", "\\.", "\\x41", "受援方-1"};
  LogAppend batch;
  Hash prev{};
  for (uint64_t sequence = 1; sequence <= keys.size(); ++sequence) {
    LogRecord record{.sequence = sequence, .prev_hash = prev,
                     .event_bytes = absl::StrCat(every_byte, keys[sequence - 1])};
    record.hash = internal::ChainHash(prev, sequence, record.event_bytes);
    prev = record.hash;
    batch.event_ids.push_back({keys[sequence - 1], sequence});
    batch.records.push_back(std::move(record));
  }
  SortByKey(&batch.event_ids);
  batch.head = {.sequence = keys.size(), .hash = prev, .recorded_at_micros = 1};
  ASSERT_THAT(store_->Append(internal::Head{}, batch, /*sync=*/true), IsOk());
  for (uint64_t sequence = 1; sequence <= keys.size(); ++sequence) {
    absl::StatusOr<std::optional<LogRecord>> read = store_->ReadRecord(sequence);
    ASSERT_THAT(read, IsOk());
    ASSERT_TRUE(read->has_value());
    EXPECT_EQ((*read)->event_bytes, batch.records[sequence - 1].event_bytes);
    EXPECT_EQ((*read)->hash, batch.records[sequence - 1].hash);
    EXPECT_THAT(store_->Find(LogIndex::kEventIds, keys[sequence - 1]),
                IsOkAndHolds(::testing::Optional(sequence)));
  }
  const std::vector<absl::string_view> asked = {keys[0], "a", keys[1], "\\", keys[2], "x41"};
  EXPECT_THAT(store_->Contains(LogIndex::kEventIds, asked),
              IsOkAndHolds(std::vector<bool>{true, false, true, false, true, false}));
}

TEST_P(LogStoreConformance, AnAppendAtAHeadThatMovedIsAbortedAndWritesNothing) {
  Initialize();
  const internal::Head empty{};
  const LogAppend winner = Chain(empty, 2);
  ASSERT_THAT(store_->Append(empty, winner, true), IsOk());
  LogAppend loser = Chain(empty, 3);
  loser.event_ids = {{"loser-1", 1}, {"loser-2", 2}, {"loser-3", 3}};
  EXPECT_THAT(store_->Append(empty, loser, true), StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<internal::Head> head = store_->ReadHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->sequence, 2u);
  EXPECT_EQ(head->hash, winner.head.hash);
  EXPECT_EQ(ReadSequences(1), (std::vector<uint64_t>{1, 2}));
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "loser-1"), IsOkAndHolds(::testing::Eq(std::nullopt)));
  // The same sequence at another hash is no more the head than an older one.
  internal::Head forged = winner.head;
  forged.hash[0] ^= 1;
  EXPECT_THAT(store_->Append(forged, Chain(forged, 1), true), StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(ReadSequences(1).size(), 2u);
}

// A stream writes what Append writes, whichever records were Added before
// Finish; one dropped unfinished, or begun at a head that moved, writes
// nothing, and the store takes the next append as if it never was.
TEST_P(LogStoreConformance, AnAppendStreamWritesAtFinishOrNothing) {
  Initialize();
  const internal::Head empty{};
  const LogAppend first = Chain(empty, 4);
  {
    std::unique_ptr<AppendStream> dropped = store_->BeginAppend(empty, /*sync=*/true);
    EXPECT_THAT(dropped->Add(first.records[0], "id-1"), IsOk());
    EXPECT_THAT(dropped->Add(first.records[1], "id-2"), IsOk());
  }
  EXPECT_TRUE(ReadSequences(1).empty());
  EXPECT_THAT(store_->ReadHead(), IsOkAndHolds(::testing::Field(&internal::Head::sequence, 0u)));

  // Two of four Added, the others handed over at Finish.
  std::unique_ptr<AppendStream> stream = store_->BeginAppend(empty, /*sync=*/true);
  ASSERT_THAT(stream->Add(first.records[0], "id-1"), IsOk());
  ASSERT_THAT(stream->Add(first.records[1], "id-2"), IsOk());
  ASSERT_THAT(stream->Finish(first), IsOk());
  EXPECT_EQ(ReadSequences(1), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "id-2"), IsOkAndHolds(::testing::Optional(2u)));
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "id-4"), IsOkAndHolds(::testing::Optional(4u)));
  EXPECT_THAT(store_->Find(LogIndex::kReversals, "id-2"), IsOkAndHolds(::testing::Optional(3u)));

  // Begun at the old head: refused, at Add or at the latest at Finish.
  std::unique_ptr<AppendStream> stale = store_->BeginAppend(empty, /*sync=*/true);
  LogAppend again = Chain(empty, 1);
  again.event_ids = {{"stale-1", 1}};
  stale->Add(again.records[0], "stale-1").IgnoreError();
  EXPECT_THAT(stale->Finish(again), StatusIs(absl::StatusCode::kAborted));
  stale.reset();
  EXPECT_EQ(ReadSequences(1).size(), 4u);
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "stale-1"),
              IsOkAndHolds(::testing::Eq(std::nullopt)));
  const internal::Head next = AppendSome(2);
  EXPECT_EQ(next.sequence, 6u);
  EXPECT_EQ(ReadSequences(1).size(), 6u);
}

TEST_P(LogStoreConformance, WhatAnAppendWroteSurvivesAReopen) {
  Initialize();
  const internal::Head written = AppendSome(5);
  ASSERT_THAT(store_->PutSnapshots({{.projection = "p", .sequence = 5, .bytes = "state"}}, true),
              IsOk());
  Reopen();
  absl::StatusOr<internal::Head> head = store_->ReadHead();
  ASSERT_THAT(head, IsOk());
  EXPECT_EQ(head->sequence, written.sequence);
  EXPECT_EQ(head->hash, written.hash);
  EXPECT_EQ(ReadSequences(1), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_THAT(store_->Find(LogIndex::kEventIds, "id-4"), IsOkAndHolds(::testing::Optional(4u)));
  std::unique_ptr<SnapshotCursor> snapshots = store_->AllSnapshots();
  SnapshotBlob blob;
  ASSERT_THAT(snapshots->Next(&blob), IsOkAndHolds(true));
  EXPECT_EQ(blob.bytes, "state");
}

TEST_P(LogStoreConformance, ACursorSeesTheStoreAsItWasWhenMade) {
  Initialize();
  AppendSome(2);
  std::unique_ptr<RecordCursor> cursor = store_->Read(1);
  AppendSome(2);
  std::vector<uint64_t> seen;
  LogRecordView record;
  while (*cursor->Next(&record)) seen.push_back(record.sequence);
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(ReadSequences(1).size(), 4u);
}

TEST_P(LogStoreConformance, SnapshotsComeBackNewestFirstPerProjection) {
  Initialize();
  ASSERT_THAT(store_->PutSnapshots({{.projection = "alpha", .sequence = 10, .bytes = "a10"},
                                    {.projection = "alpha", .sequence = 20, .bytes = "a20"},
                                    {.projection = "beta", .sequence = 15, .bytes = "b15"}},
                                   true),
              IsOk());
  auto back = [&](absl::string_view projection, uint64_t from) {
    std::vector<std::string> seen;
    std::unique_ptr<SnapshotCursor> cursor = store_->SnapshotsBackFrom(projection, from);
    SnapshotBlob blob;
    while (*cursor->Next(&blob)) {
      EXPECT_EQ(blob.projection, projection);
      seen.push_back(absl::StrCat(blob.sequence, ":", blob.bytes));
    }
    return seen;
  };
  EXPECT_EQ(back("alpha", 25), (std::vector<std::string>{"20:a20", "10:a10"}));
  EXPECT_EQ(back("alpha", 19), (std::vector<std::string>{"10:a10"}));
  EXPECT_EQ(back("alpha", 9), (std::vector<std::string>{}));
  EXPECT_EQ(back("beta", 100), (std::vector<std::string>{"15:b15"}));
  EXPECT_EQ(back("gamma", 100), (std::vector<std::string>{}));
  std::vector<std::string> all;
  std::unique_ptr<SnapshotCursor> cursor = store_->AllSnapshots();
  SnapshotBlob blob;
  while (*cursor->Next(&blob)) all.push_back(absl::StrCat(blob.projection, "/", blob.sequence));
  EXPECT_EQ(all, (std::vector<std::string>{"alpha/10", "alpha/20", "beta/15"}));
}

TEST_P(LogStoreConformance, ADamagedRecordIsDataLossNeverSkipped) {
  Initialize();
  AppendSome(3);
  store_.reset();  // the damage is done with the store closed
  ASSERT_THAT(GetParam().damage_record(dir_.path(), 2), IsOk());
  Reopen();
  EXPECT_THAT(store_->ReadRecord(2), StatusIs(absl::StatusCode::kDataLoss));
  std::unique_ptr<RecordCursor> cursor = store_->Read(1);
  LogRecordView record;
  ASSERT_THAT(cursor->Next(&record), IsOkAndHolds(true));
  EXPECT_EQ(record.sequence, 1u);
  EXPECT_THAT(cursor->Next(&record), StatusIs(absl::StatusCode::kDataLoss));
}

// Evidence files (issue 25): invisible until finished, read back chunk by
// chunk, listed in hash order, kept over a reopen, stored once.
TEST_P(LogStoreConformance, AnEvidenceFileIsVisibleOnlyOnceFinishedAndComesBackByChunk) {
  Initialize();
  const std::string full(limits::kEvidenceChunkBytes, 'x');
  const std::string tail("the last chunk\0with a zero byte", 31);
  const Hash sha256 = Sha256({full, tail});
  const EvidenceManifest manifest{.size = full.size() + tail.size(), .chunks = 2};
  {
    // A writer dropped before Finish stores nothing.
    std::unique_ptr<EvidenceWriter> dropped = store_->BeginEvidence(sha256);
    ASSERT_THAT(dropped->Add(full), IsOk());
  }
  EXPECT_THAT(store_->FindEvidence(sha256), IsOkAndHolds(std::nullopt));
  std::unique_ptr<EvidenceWriter> writer = store_->BeginEvidence(sha256);
  ASSERT_THAT(writer->Add(full), IsOk());
  ASSERT_THAT(writer->Add(tail), IsOk());
  EXPECT_THAT(store_->FindEvidence(sha256), IsOkAndHolds(std::nullopt));
  ASSERT_THAT(writer->Finish(manifest), IsOk());
  writer.reset();
  // Another file, whose hash sorts first: the list is in hash order.
  const Hash small = Sha256({"a small file"});
  std::unique_ptr<EvidenceWriter> second = store_->BeginEvidence(small);
  ASSERT_THAT(second->Add("a small file"), IsOk());
  ASSERT_THAT(second->Finish({.size = 12, .chunks = 1}), IsOk());
  second.reset();
  Reopen();
  absl::StatusOr<std::optional<EvidenceManifest>> found = store_->FindEvidence(sha256);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->size, manifest.size);
  EXPECT_EQ((*found)->chunks, 2u);
  EXPECT_THAT(store_->ReadEvidenceChunk(sha256, 0), IsOkAndHolds(full));
  EXPECT_THAT(store_->ReadEvidenceChunk(sha256, 1), IsOkAndHolds(tail));
  EXPECT_THAT(store_->ReadEvidenceChunk(sha256, 2), StatusIs(absl::StatusCode::kDataLoss));
  std::vector<Hash> listed;
  std::unique_ptr<EvidenceCursor> cursor = store_->ListEvidence();
  EvidenceEntry entry;
  while (true) {
    absl::StatusOr<bool> more = cursor->Next(&entry);
    ASSERT_THAT(more, IsOk());
    if (!*more) break;
    listed.push_back(entry.sha256);
  }
  std::vector<Hash> expected = {sha256, small};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(listed, expected);
  // Storing a file the store holds again changes nothing.
  std::unique_ptr<EvidenceWriter> again = store_->BeginEvidence(small);
  ASSERT_THAT(again->Add("a small file"), IsOk());
  ASSERT_THAT(again->Finish({.size = 12, .chunks = 1}), IsOk());
  EXPECT_THAT(store_->ReadEvidenceChunk(small, 0), IsOkAndHolds(std::string("a small file")));
}

INSTANTIATE_TEST_SUITE_P(Stores, LogStoreConformance, ::testing::ValuesIn(Kinds()),
                         [](const ::testing::TestParamInfo<StoreKind>& info) { return info.param.name; });

}  // namespace
}  // namespace aidledger
