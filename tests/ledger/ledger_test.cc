// The append path: sequences, the hash chain, durability across reopen,
// idempotency, batch atomicity and the single-writer rule.
#include "ledger/ledger.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "google/protobuf/arena.h"
#include "ledger/store/codec.h"
#include "ledger/store/rocks_log_store.h"
#include "app/status_codes.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::AppendBatch;
using testing::LedgerFixture;
using testing::SubmitRequest;
using testing::SubmitRequests;
using testing::RejectedWith;
using testing::IsOkAndHolds;
using testing::StatusIs;

class LedgerTest : public LedgerFixture {
 protected:
  // Reads the whole log and checks every link and hash from the stored bytes.
  std::vector<StoredEvent> ReadAllChecked() {
    std::vector<StoredEvent> events;
    std::unique_ptr<EventReader> reader = ledger_->Read(1, UINT64_MAX);
    Hash prev{};
    while (true) {
      StoredEvent stored;
      absl::StatusOr<bool> more = reader->Next(&stored);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      EXPECT_EQ(stored.sequence, events.size() + 1);
      EXPECT_EQ(stored.prev_hash, prev);
      EXPECT_EQ(stored.hash, internal::ChainHash(prev, stored.sequence, stored.event_bytes));
      prev = stored.hash;
      events.push_back(std::move(stored));
    }
    return events;
  }
};

TEST_F(LedgerTest, AppendsGaplessSequencesWithAChainedHash) {
  AddQingdaoBasics();
  std::vector<StoredEvent> events = ReadAllChecked();
  ASSERT_EQ(events.size(), 11u);
  EXPECT_EQ(ledger_->head().sequence, 11u);
  EXPECT_EQ(ledger_->head().hash, events.back().hash);
  EXPECT_EQ(events[4].event.region_registered().name(), "定西市");
  EXPECT_EQ(events[4].event.actor(), "tester");
}

// WalkRecords reads ahead on a second thread past one chunk of the log
// (limits::kFoldChunkEvents): every record still comes once, in order, as
// the reader reads it, and the walk stops at the visitor's first error.
TEST_F(LedgerTest, WalkRecordsVisitsTheLogInOrderAsTheReaderReadsIt) {
  AddQingdaoBasics();
  const size_t sales = 2 * limits::kFoldChunkEvents + 100;
  for (size_t first = 0; first < sales; first += 1000) {
    std::vector<v1::Event> batch;
    for (size_t i = first; i < std::min(sales, first + 1000); ++i) {
      batch.push_back(Draft("sale", {{"event_id", absl::StrCat("s-", i)}, {"region_code", "621100"},
                                     {"amount", "1"}, {"effective_date", "2022-03-01"}}));
    }
    ASSERT_THAT(AppendBatch(*ledger_, std::move(batch)), IsOk());
  }
  const std::vector<StoredEvent> events = ReadAllChecked();
  ASSERT_GT(events.size(), sales);
  for (const uint64_t to : {uint64_t{0}, uint64_t{1}, uint64_t{limits::kFoldChunkEvents},
                            uint64_t{limits::kFoldChunkEvents + 1}, uint64_t{events.size()}}) {
    uint64_t visited = 0;
    ASSERT_THAT(ledger_->WalkRecords(to, [&](const CheckedRecord& record) {
      const StoredEvent& expected = events[visited++];
      EXPECT_EQ(record.sequence, expected.sequence);
      EXPECT_EQ(record.prev_hash, expected.prev_hash);
      EXPECT_EQ(record.hash, expected.hash);
      EXPECT_EQ(record.event_bytes, expected.event_bytes);
      return absl::OkStatus();
    }), IsOk());
    EXPECT_EQ(visited, to);
  }
  uint64_t visited = 0;
  EXPECT_THAT(ledger_->WalkRecords(events.size(), [&](const CheckedRecord& record) {
    ++visited;
    return record.sequence == 3000 ? absl::CancelledError("stop") : absl::OkStatus();
  }), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(visited, 3000u);
  // A walk past the head is a log that ends too soon.
  EXPECT_THAT(ledger_->WalkRecords(events.size() + 1,
                                   [](const CheckedRecord&) { return absl::OkStatus(); }),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(LedgerTest, TheChainContinuesAcrossReopen) {
  AddQingdaoBasics();
  const LedgerHead before = ledger_->head();
  Reopen();
  EXPECT_EQ(ledger_->head().sequence, before.sequence);
  EXPECT_EQ(ledger_->head().hash, before.hash);
  // The reopened ledger validates against the state folded from the log.
  EXPECT_THAT(Add("region", {{"code", "621100"}, {"name", "again"}}),
              RejectedWith(v1::REGION_EXISTS, "621100"));
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                         {"amount", "100"}, {"effective_date", "2021-03-01"}});
  std::vector<StoredEvent> events = ReadAllChecked();
  ASSERT_EQ(events.size(), 12u);
  EXPECT_EQ(events[11].prev_hash, before.hash);
}

// The engine over a store it is handed (how a PostgreSQL store will be
// opened): the same ledger as opened by directory.
TEST_F(LedgerTest, ALedgerOpensOnAnyLogStoreItIsHanded) {
  AddQingdaoBasics();
  const LedgerHead before = ledger_->head();
  ledger_.reset();
  absl::StatusOr<std::unique_ptr<RocksLogStore>> store = RocksLogStore::Open(path_, {});
  ASSERT_THAT(store, IsOk());
  LedgerOptions options = Options();
  absl::StatusOr<std::unique_ptr<RocksLogStore>> other =
      RocksLogStore::Open(dir_.Sub("other"), {.create_if_missing = true});
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(Ledger::Open(*std::move(other), "other", options),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("snapshot key")));
  options.snapshot_key_path = path_ + ".key";
  absl::StatusOr<std::unique_ptr<Ledger>> opened = Ledger::Open(*std::move(store), "the store", options);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ((*opened)->head().sequence, before.sequence);
  EXPECT_EQ((*opened)->head().hash, before.hash);
  EXPECT_THAT((*opened)->Verify({}), IsOk());
}

TEST_F(LedgerTest, RecordedAtNeverDecreasesEvenWhenTheClockDoes) {
  clock_.Set(absl::FromUnixSeconds(2'000'000'000));
  MustAdd("region", {{"code", "370000"}, {"name", "山东省"}, {"effective_date", "2016-01-01"}});
  clock_.Set(absl::FromUnixSeconds(1'000'000'000));  // the clock steps back
  MustAdd("region", {{"code", "620000"}, {"name", "甘肃省"}, {"effective_date", "2016-01-01"}});
  std::vector<StoredEvent> events = ReadAllChecked();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_GE(events[1].event.recorded_at().seconds(), events[0].event.recorded_at().seconds());
  EXPECT_EQ(events[1].event.recorded_at().seconds(), 2'000'000'000);
}

TEST_F(LedgerTest, EffectiveDateDefaultsToTodayInChina) {
  clock_.Set(absl::FromUnixSeconds(1704038400));  // 2024-01-01 00:00 in Beijing
  absl::StatusOr<AppendResult> added = Add("region", {{"code", "370000"}, {"name", "山东省"}});
  ASSERT_THAT(added, IsOk());
  EXPECT_EQ(ReadAllChecked()[0].event.effective_date(), "2024-01-01");
}

TEST_F(LedgerTest, ARepeatedEventIdWithTheSameContentAppendsNothing) {
  AddQingdaoBasics();
  app::FieldMap allocation = {{"event_id", "alloc-1"}, {"helper_code", "370200"},
                              {"recipient_code", "621100"}, {"amount", "9.12亿"},
                              {"effective_date", "2021-06-01"}, {"memo", "first tranche"}};
  absl::StatusOr<AppendResult> first = Add("allocation", allocation);
  ASSERT_THAT(first, IsOk());
  EXPECT_FALSE(first->duplicate);
  // Another actor repeating the same content is still a duplicate.
  v1::Event again = Draft("allocation", allocation);
  again.set_actor("someone-else");
  absl::StatusOr<AppendResult> second = ledger_->Append(again);
  ASSERT_THAT(second, IsOk());
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->sequence, first->sequence);
  EXPECT_EQ(second->hash, first->hash);
  EXPECT_EQ(ledger_->head().sequence, first->sequence);
  // It survives reopen: the index is on disk.
  Reopen();
  absl::StatusOr<AppendResult> third = Add("allocation", allocation);
  ASSERT_THAT(third, IsOk());
  EXPECT_TRUE(third->duplicate);
}

// The store's index is asked about a batch's event_ids in chunks; repeats
// scattered among new events, in every chunk, are each still recognized.
TEST_F(LedgerTest, RepeatsAmongNewEventsInALargeBatchAreEachRecognized) {
  AddQingdaoBasics();
  constexpr int kEvents = 3000;  // about three chunks of lookups
  auto sale = [&](int n, const char* amount) {
    return Draft("sale", {{"event_id", absl::StrCat("s-", n)}, {"region_code", "621100"},
                          {"amount", amount}, {"effective_date", "2022-01-01"}});
  };
  std::vector<v1::Event> first;
  for (int n = 0; n < kEvents; n += 3) first.push_back(sale(n, "1"));
  ASSERT_THAT(AppendBatch(*ledger_, first), IsOk());
  const uint64_t head = ledger_->head().sequence;

  std::vector<v1::Event> mixed;
  for (int n = 0; n < kEvents; ++n) mixed.push_back(sale(n, "1"));
  absl::StatusOr<SubmitOutcome> outcome = SubmitRequest(*ledger_, mixed);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(outcome->duplicates, first.size());
  EXPECT_EQ(outcome->appended, kEvents - first.size());
  for (int n = 0; n < kEvents; ++n) {
    EXPECT_EQ(outcome->results[n].duplicate, n % 3 == 0) << n;
  }
  EXPECT_EQ(ledger_->head().sequence, head + kEvents - first.size());
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->own().sales_fen(), kEvents * 100);

  // A repeat with other content far into a batch is a conflict.
  std::vector<v1::Event> late = {sale(kEvents, "1")};
  for (int n = kEvents + 1; n < kEvents + 2000; ++n) late.push_back(sale(n, "1"));
  late.push_back(sale(2997, "2"));
  absl::StatusOr<SubmitOutcome> conflict = SubmitRequest(*ledger_, late);
  ASSERT_THAT(conflict, IsOk());
  ASSERT_EQ(conflict->rejections.size(), 1u);
  EXPECT_EQ(conflict->rejections[0].index, late.size() - 1);
  EXPECT_THAT(conflict->rejections[0].status, RejectedWith(v1::EVENT_ID_CONFLICT, "s-2997"));
  EXPECT_EQ(ledger_->head().sequence, head + kEvents - first.size());
}

TEST_F(LedgerTest, ARepeatedEventIdWithOtherContentIsAConflict) {
  AddQingdaoBasics();
  app::FieldMap allocation = {{"event_id", "alloc-1"}, {"helper_code", "370200"},
                              {"recipient_code", "621100"}, {"amount", "100"},
                              {"effective_date", "2021-06-01"}};
  MustAdd("allocation", allocation);
  const uint64_t head = ledger_->head().sequence;
  for (auto [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"amount", "101"}, {"effective_date", "2021-06-02"}, {"memo", "changed"}}) {
    app::FieldMap changed = allocation;
    changed[field] = value;
    EXPECT_THAT(Add("allocation", changed),
                RejectedWith(v1::EVENT_ID_CONFLICT, "alloc-1 is already event"))
        << field;
  }
  EXPECT_EQ(ledger_->head().sequence, head);
}

TEST_F(LedgerTest, GeneratedEventIdsAreUnique) {
  AddQingdaoBasics();
  std::set<std::string> ids;
  for (const StoredEvent& stored : ReadAllChecked()) {
    EXPECT_THAT(stored.event.event_id(), ::testing::StartsWith("ev-"));
    EXPECT_EQ(stored.event.event_id().size(), 35u);
    ids.insert(stored.event.event_id());
  }
  EXPECT_EQ(ids.size(), 11u);
}

TEST_F(LedgerTest, ABatchIsValidatedInOrderAndWrittenWhole) {
  std::vector<v1::Event> batch;
  batch.push_back(Draft("region", {{"code", "620000"}, {"name", "甘肃省"}, {"event_id", "r1"},
                                   {"effective_date", "2016-01-01"}}));
  batch.push_back(Draft("region", {{"code", "621100"}, {"name", "定西市"}, {"event_id", "r2"},
                                   {"parent_code", "620000"}, {"effective_date", "2016-01-01"}}));
  batch.push_back(Draft("region", {{"code", "620000"}, {"name", "甘肃省"}, {"event_id", "r1"},
                                   {"effective_date", "2016-01-01"}}));  // repeat inside the batch
  absl::StatusOr<std::vector<AppendResult>> results = AppendBatch(*ledger_, batch);
  ASSERT_THAT(results, IsOk());
  ASSERT_EQ(results->size(), 3u);
  EXPECT_EQ((*results)[1].sequence, 2u);
  EXPECT_TRUE((*results)[2].duplicate);
  EXPECT_EQ((*results)[2].sequence, 1u);
  EXPECT_EQ(ledger_->head().sequence, 2u);
}

TEST_F(LedgerTest, ABatchWithOneBadEventWritesNothing) {
  AddQingdaoBasics();
  const LedgerHead before = ledger_->head();
  std::vector<v1::Event> batch;
  batch.push_back(Draft("region", {{"code", "621200"}, {"name", "陇南市"}, {"event_id", "ok-1"},
                                   {"parent_code", "620000"}, {"effective_date", "2016-01-01"}}));
  batch.push_back(Draft("allocation", {{"helper_code", "370200"}, {"recipient_code", "621200"},
                                       {"amount", "100"}, {"effective_date", "2021-06-01"}}));
  EXPECT_THAT(AppendBatch(*ledger_, batch),
              RejectedWith(v1::PAIRING_NOT_FOUND, "event 2 of the batch: recipient_code"));
  EXPECT_EQ(ledger_->head().sequence, before.sequence);
  EXPECT_EQ(ledger_->head().hash, before.hash);
  absl::StatusOr<std::optional<StoredEvent>> found = ledger_->FindByEventId("ok-1");
  ASSERT_THAT(found, IsOk());
  EXPECT_FALSE(found->has_value());
  EXPECT_EQ(ledger_->books().regions.FindRegion("621200"), nullptr);
  Reopen();
  EXPECT_EQ(ledger_->head().sequence, before.sequence);
}

TEST_F(LedgerTest, AGroupCommitWritesTheGoodRequestsAndLeavesOutTheBadOnesWhole) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  auto sale = [&](const char* id, const char* region, const char* amount) {
    return Draft("sale", {{"event_id", id}, {"region_code", region}, {"amount", amount},
                          {"effective_date", "2022-01-01"}});
  };
  std::vector<std::vector<v1::Event>> requests = {
      {sale("g-1", "621100", "1")},
      {sale("g-2", "621100", "2"), sale("g-3", "999999", "3")},  // bad as a whole
      {sale("g-2", "621102", "4")},  // reuses the id the bad request took back
      {sale("g-4", "888888", "1")},  // bad
      {sale("g-1", "621100", "1")},  // a repeat of the first request
  };
  absl::StatusOr<std::vector<SubmitOutcome>> outcomes = SubmitRequests(*ledger_, requests);
  ASSERT_THAT(outcomes, IsOk());
  ASSERT_EQ(outcomes->size(), 5u);
  EXPECT_TRUE((*outcomes)[0].written);
  EXPECT_EQ((*outcomes)[0].results[0].sequence, head + 1);
  EXPECT_FALSE((*outcomes)[1].written);
  EXPECT_EQ((*outcomes)[1].rejected, 1u);
  EXPECT_EQ((*outcomes)[1].rejections[0].index, 1u);
  EXPECT_TRUE((*outcomes)[2].written);
  EXPECT_EQ((*outcomes)[2].results[0].sequence, head + 2);
  EXPECT_FALSE((*outcomes)[3].written);
  EXPECT_EQ((*outcomes)[4].duplicates, 1u);
  EXPECT_EQ((*outcomes)[4].results[0].sequence, head + 1);
  EXPECT_EQ(ledger_->head().sequence, head + 2);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->own().sales_fen(), 100);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621102")->own().sales_fen(), 400);
  Reopen();
  EXPECT_EQ(ledger_->head().sequence, head + 2);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->total().sales_fen(), 500);
}

// Drafts the caller owns (on an arena, as an import keeps a batch) are
// completed in place and stored as completed; a rejected batch writes none.
TEST_F(LedgerTest, SubmitCompletesTheCallersDraftsInPlaceAndStoresThem) {
  AddQingdaoBasics();
  const uint64_t head = ledger_->head().sequence;
  google::protobuf::Arena arena;
  auto sale = [&](const char* id, const char* region) {
    v1::Event* draft = google::protobuf::Arena::CreateMessage<v1::Event>(&arena);
    *draft = Draft("sale", {{"event_id", id}, {"region_code", region}, {"amount", "1"}});
    return draft;
  };
  std::vector<v1::Event*> bad = {sale("p-1", "621100"), sale("p-2", "999999")};
  absl::StatusOr<SubmitOutcome> rejected = SubmitRequest(*ledger_, bad, {});
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->rejected, 1u);
  EXPECT_FALSE(rejected->written);
  EXPECT_EQ(ledger_->head().sequence, head);

  std::vector<v1::Event*> good = {sale("p-1", "621100"), sale("p-3", "621102")};
  absl::StatusOr<SubmitOutcome> outcome = SubmitRequest(*ledger_, good, {});
  ASSERT_THAT(outcome, IsOk());
  ASSERT_TRUE(outcome->written);
  ASSERT_EQ(outcome->results.size(), 2u);
  std::vector<StoredEvent> events = ReadAllChecked();
  ASSERT_EQ(events.size(), head + 2);
  for (size_t i = 0; i < good.size(); ++i) {
    EXPECT_EQ(good[i]->sequence(), head + 1 + i);
    EXPECT_EQ(outcome->results[i].sequence, head + 1 + i);
    EXPECT_FALSE(good[i]->effective_date().empty());  // defaulted in place
    EXPECT_EQ(events[head + i].event.SerializeAsString(), good[i]->SerializeAsString());
  }
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->own().sales_fen(), 100);
}

TEST_F(LedgerTest, ASecondWriterIsRefusedButReadersAreNot) {
  AddQingdaoBasics();
  absl::StatusOr<std::unique_ptr<Ledger>> second = Ledger::Open(path_, Options());
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable,
                               ::testing::HasSubstr("held by another process")));
  EXPECT_EQ(ExitCodeFor(second.status()), kExitLocked);
  absl::StatusOr<std::unique_ptr<Ledger>> reader =
      Ledger::Open(path_, {.read_only = true});
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ((*reader)->head().sequence, ledger_->head().sequence);
  EXPECT_THAT((*reader)->Append(Draft("region", {{"code", "110000"}, {"name", "北京市"}})),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(LedgerTest, OpeningNothingIsNotFound) {
  EXPECT_THAT(Ledger::Open(dir_.Sub("nothing-here"), {}), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Ledger::Create(path_), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST_F(LedgerTest, FindsEventsById) {
  AddQingdaoBasics();
  MustAdd("allocation", {{"event_id", "a-1"}, {"helper_code", "370200"},
                         {"recipient_code", "621100"}, {"amount", "100"},
                         {"effective_date", "2021-06-01"}});
  absl::StatusOr<std::optional<StoredEvent>> found = ledger_->FindByEventId("a-1");
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->sequence, 12u);
  EXPECT_EQ((*found)->event.funds_allocated().amount_fen(), 10000);
  // The ledger stamps the program of the pairing that admitted it.
  EXPECT_EQ((*found)->event.funds_allocated().program(), v1::EAST_WEST_COOPERATION);
  EXPECT_EQ((*found)->event.funds_allocated().source(), v1::FISCAL);
  EXPECT_EQ((*found)->event.funds_allocated().fiscal_year(), 2021);
}

// Issue 25: the engine stores a file only when the bytes it is given are
// the bytes it was told of: a file changed between its hashing and its
// storing stores nothing, and the store stays without it.
TEST_F(LedgerTest, AnEvidenceFileThatChangedWhileBeingStoredStoresNothing) {
  const std::string told(3 * limits::kEvidenceChunkBytes / 2, 'a');
  const Hash sha256 = Sha256({told});
  std::string given = told;
  given[limits::kEvidenceChunkBytes + 7] = 'b';  // changed in its second chunk
  // A source reading `bytes` from `*at` on.
  auto source_of = [](const std::string& bytes, size_t* at) {
    return [&bytes, at](char* buffer, size_t capacity) -> absl::StatusOr<size_t> {
      const size_t n = std::min(capacity, bytes.size() - *at);
      std::memcpy(buffer, bytes.data() + *at, n);
      *at += n;
      return n;
    };
  };
  size_t at = 0;
  EXPECT_THAT(ledger_->StoreEvidence(sha256, told.size(), source_of(given, &at)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(ledger_->FindEvidence(sha256), IsOkAndHolds(std::nullopt));
  // Longer than told: refused too.
  const std::string longer = told + "x";
  at = 0;
  EXPECT_THAT(ledger_->StoreEvidence(sha256, told.size(), source_of(longer, &at)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  at = 0;
  EXPECT_THAT(ledger_->StoreEvidence(sha256, told.size(), source_of(told, &at)), IsOkAndHolds(true));
  std::string read;
  EXPECT_THAT(ledger_->ReadEvidence(sha256, [&](absl::string_view chunk) -> absl::Status {
    read.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  }), IsOk());
  EXPECT_TRUE(read == told);
  at = 0;
  EXPECT_THAT(ledger_->StoreEvidence(sha256, told.size(), source_of(told, &at)), IsOkAndHolds(false));
}

}  // namespace
}  // namespace aidledger
