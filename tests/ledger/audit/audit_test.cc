// Auditing: verify catches every kind of tampering done through RocksDB's
// own API (so its checksums stay valid), digests catch a consistently
// rewritten chain, and inclusion proofs hold for every event and break when
// any byte of them changes.
#include "aidledger/v1/storage.pb.h"
#include "app/audit.h"
#include "app/closes.h"
#include "app/output.h"
#include "ledger/store/codec.h"
#include "ledger/store/store.h"
#include "base/limits.h"
#include "ledger/audit/merkle.h"
#include "base/proto_bytes.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger {
namespace {

using internal::Family;
using testing::AppendBatch;
using testing::AppendVerbatim;
using testing::IsOk;
using testing::StatusIs;

class AuditTest : public testing::LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    ledger_.reset();
    LedgerOptions options = Options();
    options.sync = false;
    ledger_ = *Ledger::Open(path_, options);
    stream_ = std::make_unique<testing::RandomStream>(ledger_.get(), testing::TestSeed(9001));
    stream_->AddRegistry();
    stream_->AddMoneyEvents(300, 20);
    head_ = ledger_->head().sequence;
  }

  // Closes the ledger and hands the raw store to `tamper`.
  void Tamper(const std::function<void(internal::Store&)>& tamper) {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<internal::Store>> store = internal::Store::Open(path_, {});
    ASSERT_THAT(store, IsOk());
    tamper(**store);
  }

  absl::Status VerifyReopened(std::optional<ExpectedDigest> digest = std::nullopt) {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Ledger>> ledger =
        Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
    if (!ledger.ok()) return ledger.status();
    absl::StatusOr<VerifyReport> report = (*ledger)->Verify({.digest = digest});
    return report.status();
  }

  static std::string Get(internal::Store& store, Family family, const std::string& key) {
    absl::StatusOr<std::optional<std::string>> value = store.Get(family, key);
    EXPECT_TRUE(value.ok() && value->has_value());
    return value.ok() && value->has_value() ? **value : std::string();
  }

  static void Put(internal::Store& store, Family family, const std::string& key,
                  const std::string& value) {
    internal::Batch batch = store.NewBatch();
    batch.Put(family, key, value);
    ASSERT_THAT(store.Write(&batch, true), IsOk());
  }

  // Changes event `target` with `change`, then recomputes every hash after
  // it and the head, as a forger with write access would.
  void RewriteConsistently(uint64_t target, const std::function<void(v1::Event*)>& change) {
    Tamper([&](internal::Store& store) {
      internal::Batch batch = store.NewBatch();
      const std::string first = Get(store, Family::kEvents, internal::EncodeSequence(target));
      Hash prev = internal::DecodeRecord(first)->prev_hash;
      for (uint64_t seq = target; seq <= head_; ++seq) {
        const std::string value = Get(store, Family::kEvents, internal::EncodeSequence(seq));
        internal::RecordView record = *internal::DecodeRecord(value);
        v1::Event event;
        ASSERT_TRUE(event.ParseFromString(std::string(record.event_bytes)));
        if (seq == target) change(&event);
        const std::string bytes = SerializeDeterministic(event);
        const Hash hash = internal::ChainHash(prev, seq, bytes);
        batch.Put(Family::kEvents, internal::EncodeSequence(seq),
                  internal::EncodeRecord(prev, hash, bytes));
        prev = hash;
      }
      internal::Head head = *internal::DecodeHead(Get(store, Family::kMeta, "head"));
      head.hash = prev;
      batch.Put(Family::kMeta, "head", internal::EncodeHead(head));
      ASSERT_THAT(store.Write(&batch, true), IsOk());
    });
  }

  // The first event `pick` accepts.
  uint64_t First(const std::function<bool(const v1::Event&)>& pick) {
    for (uint64_t seq = 1; seq <= head_; ++seq) {
      if (pick((*ledger_->ReadEvent(seq))->event)) return seq;
    }
    ADD_FAILURE() << "no such event";
    return 0;
  }

  // Finds a money event to change: the first sale.
  uint64_t FirstSale() {
    for (uint64_t seq = 1; seq <= head_; ++seq) {
      if ((*ledger_->ReadEvent(seq))->event.has_sale_recorded()) return seq;
    }
    ADD_FAILURE() << "no sale";
    return 0;
  }

  // Appends to the ledger SetUp opened (before any Tamper reopens it).
  std::unique_ptr<testing::RandomStream> stream_;
  uint64_t head_ = 0;
};

TEST_F(AuditTest, AnUntouchedLedgerVerifies) {
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  ledger_.reset();
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
  ASSERT_THAT(ledger, IsOk());
  absl::StatusOr<VerifyReport> report = (*ledger)->Verify({});
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->events, head_);
  EXPECT_EQ(report->snapshots_checked, Books::kKindCount + 1);  // and the Merkle tree
}

TEST_F(AuditTest, AnEventRewrittenInPlaceIsCaught) {
  const uint64_t target = FirstSale();
  Tamper([&](internal::Store& store) {
    const std::string key = internal::EncodeSequence(target);
    const std::string value = Get(store, Family::kEvents, key);
    internal::RecordView record = *internal::DecodeRecord(value);
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(std::string(record.event_bytes)));
    event.mutable_sale_recorded()->set_amount_fen(event.sale_recorded().amount_fen() + 100);
    Put(store, Family::kEvents, key,
        internal::EncodeRecord(record.prev_hash, record.hash, SerializeDeterministic(event)));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, ": its stored hash"))));
}

TEST_F(AuditTest, AnEventRewrittenWithItsOwnHashRecomputedBreaksTheNextLink) {
  const uint64_t target = FirstSale();
  Tamper([&](internal::Store& store) {
    const std::string key = internal::EncodeSequence(target);
    const std::string value = Get(store, Family::kEvents, key);
    internal::RecordView record = *internal::DecodeRecord(value);
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(std::string(record.event_bytes)));
    event.mutable_sale_recorded()->set_amount_fen(1);
    const std::string bytes = SerializeDeterministic(event);
    Put(store, Family::kEvents, key,
        internal::EncodeRecord(record.prev_hash, internal::ChainHash(record.prev_hash, target, bytes),
                               bytes));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target + 1, " does not link"))));
}

TEST_F(AuditTest, ADeletedEventIsCaught) {
  const uint64_t target = head_ / 2;
  Tamper([&](internal::Store& store) {
    internal::Batch batch = store.NewBatch();
    // RocksDB has no Delete in our wrapper by design; overwrite with the next
    // record's key shifted: rebuild the tail without `target`.
    for (uint64_t seq = target; seq < head_; ++seq) {
      batch.Put(Family::kEvents, internal::EncodeSequence(seq),
                Get(store, Family::kEvents, internal::EncodeSequence(seq + 1)));
    }
    ASSERT_THAT(store.Write(&batch, true), IsOk());
  });
  // Every record from `target` on now sits one place early: the first one
  // no longer links to the record before it.
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, " does not link"))));
}

TEST_F(AuditTest, TwoSwappedEventsAreCaught) {
  const uint64_t a = head_ / 3, b = head_ / 3 * 2;
  Tamper([&](internal::Store& store) {
    const std::string key_a = internal::EncodeSequence(a), key_b = internal::EncodeSequence(b);
    const std::string value_a = Get(store, Family::kEvents, key_a);
    const std::string value_b = Get(store, Family::kEvents, key_b);
    internal::Batch batch = store.NewBatch();
    batch.Put(Family::kEvents, key_a, value_b);
    batch.Put(Family::kEvents, key_b, value_a);
    ASSERT_THAT(store.Write(&batch, true), IsOk());
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", a, " does not link"))));
}

TEST_F(AuditTest, AChainRewrittenConsistentlyIsCaughtByTheDigest) {
  absl::StatusOr<v1::Digest> digest = ledger_->MakeDigest(head_);
  ASSERT_THAT(digest, IsOk());
  ExpectedDigest expected{.sequence = head_,
                          .head_hash = *HashFromHex(digest->head_hash()),
                          .merkle_root = *HashFromHex(digest->merkle_root())};
  const uint64_t target = FirstSale();
  RewriteConsistently(target, [](v1::Event* event) {
    event->mutable_sale_recorded()->set_amount_fen(1);
  });
  EXPECT_THAT(VerifyReopened(), IsOk()) << "a consistent rewrite passes the chain checks alone";
  EXPECT_THAT(VerifyReopened(expected),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", head_,
                                                         ": the log no longer extends the digest"))));
}

// A close seals the log before it: a forger who rewrites an event under it
// and recomputes the chain (so the chain checks alone pass) leaves a close
// whose Merkle root is not the log's, and verify says so at the close.
TEST_F(AuditTest, AChainRewrittenUnderACloseIsCaughtAtTheClose) {
  const uint64_t target = FirstSale();
  const int32_t year = IndicatorTotals::YearOf((*ledger_->ReadEvent(target))->event.effective_date());
  absl::StatusOr<v1::Event> close = app::MakeCloseDraft(*ledger_, year, "");
  ASSERT_THAT(close, IsOk());
  close->set_actor("auditor");
  absl::StatusOr<AppendResult> closed = ledger_->Append(*close);
  ASSERT_THAT(closed, IsOk());
  head_ = closed->sequence;
  EXPECT_THAT(VerifyReopened(), IsOk());
  RewriteConsistently(target, [](v1::Event* event) {
    event->mutable_sale_recorded()->set_amount_fen(1);
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", head_, ": head_hash: is not "
                                                         "the chain hash of event ", head_ - 1,
                                                         " (history was rewritten)"))));
  // A forger who also writes the new head hash into the close is caught by
  // its Merkle root.
  ledger_ = *Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
  const Hash rewritten = (*ledger_->ReadEvent(head_ - 1))->hash;
  RewriteConsistently(head_, [&](v1::Event* event) {
    event->mutable_period_closed()->set_head_hash(Hex(rewritten));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", head_, ": the close of ", year,
                                                         " holds another Merkle root"))));
}

// The fields the ledger resolves (an allocation's program, a reversal's copy
// of its target) are hashed with the event, so only a forger who rewrites
// the chain can change them; validating the log again must catch it.
TEST_F(AuditTest, AnAllocationWithAnotherProgramThanItsPairingIsCaught) {
  const uint64_t target = First([](const v1::Event& e) { return e.has_funds_allocated(); });
  v1::Program other = v1::PROGRAM_UNSPECIFIED;
  RewriteConsistently(target, [&](v1::Event* event) {
    v1::FundsAllocated& a = *event->mutable_funds_allocated();
    other = a.program() == v1::EAST_WEST_COOPERATION ? v1::COUNTERPART_SUPPORT
                                                  : v1::EAST_WEST_COOPERATION;
    a.set_program(other);
  });
  ASSERT_NE(other, v1::PROGRAM_UNSPECIFIED);
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, " holds resolved fields"))));
}

TEST_F(AuditTest, AReversalWhoseCopyOfItsTargetDiffersIsCaught) {
  const uint64_t target = First([](const v1::Event& e) { return e.has_event_reversed(); });
  RewriteConsistently(target, [](v1::Event* event) {
    v1::Event& copy = *event->mutable_event_reversed()->mutable_target();
    copy.set_memo(absl::StrCat(copy.memo(), " (changed)"));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, " holds resolved fields"))));
}

TEST_F(AuditTest, AReversalNamingAnotherSequenceThanItsTargetsIsCaught) {
  const uint64_t target = First([](const v1::Event& e) { return e.has_event_reversed(); });
  RewriteConsistently(target, [](v1::Event* event) {
    v1::EventReversed& r = *event->mutable_event_reversed();
    r.set_reversed_sequence(r.reversed_sequence() - 1);
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, " holds resolved fields"))));
}

// A time the ledger's clock cannot give (here a year past 31,000) is
// reported as damage by every read, not printed, overflowed or crashed on.
TEST_F(AuditTest, AnEventRecordedAtAnImpossibleTimeIsReported) {
  RewriteConsistently(head_, [](v1::Event* event) {
    event->mutable_recorded_at()->set_seconds(1'000'000'000'000);
  });
  const std::string expected = absl::StrCat("event ", head_, ": recorded_at");
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr(expected)));
  std::unique_ptr<Ledger> reader =
      *Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
  EXPECT_THAT(reader->ReadEvent(head_),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr(expected)));
  EXPECT_THAT(reader->ReadEvent(head_ - 1), IsOk());
  std::unique_ptr<EventReader> events = reader->Read(head_ - 1, head_);
  StoredEvent stored;
  EXPECT_THAT(events->Next(&stored), IsOk());
  EXPECT_THAT(events->Next(&stored),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr(expected)));
  // The fold (rebuilds, reports, opening a ledger) decodes events its own
  // way and must check the time as well.
  EXPECT_THAT(reader->Fold(head_, std::nullopt, /*use_snapshots=*/false),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr(expected)));
  EXPECT_THAT(reader->Fold(head_ - 1, std::nullopt, /*use_snapshots=*/false), IsOk());
  EXPECT_THAT(Ledger::Open(path_, {.read_only = true}),
              StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr(expected)));
}

TEST_F(AuditTest, APointReadChecksTheRecordsOwnHash) {
  const uint64_t target = FirstSale();
  Tamper([&](internal::Store& store) {
    const std::string key = internal::EncodeSequence(target);
    const std::string value = Get(store, Family::kEvents, key);  // the record views it
    internal::RecordView record = *internal::DecodeRecord(value);
    v1::Event event;
    ASSERT_TRUE(event.ParseFromString(std::string(record.event_bytes)));
    event.set_memo("changed");
    Put(store, Family::kEvents, key,
        internal::EncodeRecord(record.prev_hash, record.hash, SerializeDeterministic(event)));
  });
  std::unique_ptr<Ledger> reader =
      *Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
  EXPECT_THAT(reader->ReadEvent(target),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target, ": its stored hash"))));
}

// A restore takes events with their hashes from a file; the chain can be
// recomputed by whoever wrote it, so the recording time is checked too.
TEST_F(AuditTest, ARestoreRefusesARecordingTimeTheLedgerCannotWrite) {
  const LedgerHead head = ledger_->head();
  v1::Event event = (*ledger_->ReadEvent(FirstSale()))->event;
  event.set_sequence(head.sequence + 1);
  event.set_event_id("restored-sale");
  auto with_seconds = [&](int64_t seconds) {
    event.mutable_recorded_at()->set_seconds(seconds);
    const Hash hash =
        internal::ChainHash(head.hash, head.sequence + 1, SerializeDeterministic(event));
    return std::vector<std::pair<v1::Event, Hash>>{{event, hash}};
  };
  EXPECT_THAT(AppendVerbatim(*ledger_, with_seconds(limits::kRecordedAtSecondsMax + 1)),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", head.sequence + 1,
                                                         ": recorded_at"))));
  EXPECT_EQ(ledger_->head().sequence, head.sequence);
  EXPECT_THAT(AppendVerbatim(*ledger_, with_seconds(limits::kRecordedAtSecondsMax)), IsOk());
  EXPECT_EQ(ledger_->head().sequence, head.sequence + 1);
}

TEST_F(AuditTest, ATamperedEventIdIndexIsCaught) {
  Tamper([&](internal::Store& store) {
    Put(store, Family::kEventIds, "phantom", internal::EncodeSequence(3));
  });
  EXPECT_THAT(VerifyReopened(), StatusIs(absl::StatusCode::kDataLoss,
                                         ::testing::HasSubstr("the event_id index holds")));
}

// Issue 17, item 3: with 13 entries too many the message said one too many.
TEST_F(AuditTest, ExtraIndexEntriesAreCountedExactly) {
  Tamper([&](internal::Store& store) {
    internal::Batch batch = store.NewBatch();
    for (int i = 0; i < 13; ++i) {
      batch.Put(Family::kEventIds, absl::StrCat("phantom-", i), internal::EncodeSequence(3));
    }
    ASSERT_THAT(store.Write(&batch, true), IsOk());
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("the event_id index holds ", head_ + 13,
                                                         " entries for ", head_, " events"))));
}

// The index holds as many entries as the log has events, so only the
// comparison of what they map can tell.
TEST_F(AuditTest, AnEventIdIndexWithTwoSequencesSwappedIsCaught) {
  const uint64_t a = head_ / 3, b = head_ / 3 * 2;
  const std::string id_a = (*ledger_->ReadEvent(a))->event.event_id();
  const std::string id_b = (*ledger_->ReadEvent(b))->event.event_id();
  Tamper([&](internal::Store& store) {
    internal::Batch batch = store.NewBatch();
    batch.Put(Family::kEventIds, id_a, internal::EncodeSequence(b));
    batch.Put(Family::kEventIds, id_b, internal::EncodeSequence(a));
    ASSERT_THAT(store.Write(&batch, true), IsOk());
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", a, ": the event_id index does "
                                                         "not map ", id_a, " to this event"))));
}

TEST_F(AuditTest, AnEventIdIndexEntryPointingPastItsEventIsCaught) {
  const uint64_t a = head_ / 2;
  const std::string id_a = (*ledger_->ReadEvent(a))->event.event_id();
  Tamper([&](internal::Store& store) {
    Put(store, Family::kEventIds, id_a, internal::EncodeSequence(a + 1));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", a, ": the event_id index"))));
}

TEST_F(AuditTest, ASnapshotThatDiffersFromTheRebuildIsCaught) {
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  Tamper([&](internal::Store& store) {
    const std::string key = absl::StrCat("project_totals/", internal::EncodeSequence(head_));
    v1::SnapshotRecord record;
    ASSERT_TRUE(record.ParseFromString(Get(store, Family::kSnapshots, key)));
    v1::ProjectTotalsState state;
    ASSERT_TRUE(state.ParseFromString(record.state()));
    ASSERT_GT(state.projects_size(), 0);
    v1::ProjectEntry& project = *state.mutable_projects(0);
    project.set_allocated_fen(project.allocated_fen() + 1);
    record.set_state(SerializeDeterministic(state));
    Put(store, Family::kSnapshots, key, SerializeDeterministic(record));
  });
  EXPECT_THAT(VerifyReopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr("project_totals snapshot differs from a full rebuild")));
}

// The long walks of the log (a fold's, verify's) read it on a thread of
// their own while the caller folds or checks.
class LongWalkTest : public AuditTest {
 protected:
  // More chunks than wait in the pipe, so that the reading blocks on it.
  void SetUp() override {
    AuditTest::SetUp();
    const size_t chunks = limits::kFoldChunksAhead + 4;
    stream_->AddMoneyEvents(chunks * limits::kFoldChunkEvents, 0);
    head_ = ledger_->head().sequence;
    ASSERT_GT(head_, chunks * limits::kFoldChunkEvents);
  }

  // A record whose bytes no longer match its hash, in the first chunk, in
  // the middle and as the very last event: `walk` reports each at its
  // sequence, and passes once the record is put back.
  void ExpectDamageReportedWhereverItIs(const std::function<absl::Status()>& walk) {
    for (uint64_t target : {uint64_t{3}, head_ / 2, head_}) {
      std::string original;
      Tamper([&](internal::Store& store) {
        const std::string key = internal::EncodeSequence(target);
        original = Get(store, Family::kEvents, key);
        internal::RecordView record = *internal::DecodeRecord(original);
        std::string bytes(record.event_bytes);
        bytes.back() ^= 1;
        Put(store, Family::kEvents, key,
            internal::EncodeRecord(record.prev_hash, record.hash, bytes));
      });
      EXPECT_THAT(walk(), StatusIs(absl::StatusCode::kDataLoss,
                                   ::testing::HasSubstr(absl::StrCat("event ", target,
                                                                     ": its stored hash"))))
          << target;
      Tamper([&](internal::Store& store) {
        Put(store, Family::kEvents, internal::EncodeSequence(target), original);
      });
    }
    EXPECT_THAT(walk(), IsOk());
  }

  // Rewrites the first sale into a region that does not exist, with the
  // chain rewritten to match, early enough that the reading is chunks ahead
  // when the walk meets it; returns its sequence.
  uint64_t RewriteAnEarlySaleIntoAnUnknownRegion() {
    ledger_ = *Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
    const uint64_t target = First([](const v1::Event& event) { return event.has_sale_recorded(); });
    EXPECT_LT(target, limits::kFoldChunkEvents);
    RewriteConsistently(target, [](v1::Event* event) {
      event->mutable_sale_recorded()->set_region_code("999999");
    });
    return target;
  }
};

// A fold of a long tail: damage the reading meets and an event the fold
// cannot take are both reported, wherever in the tail they are, and the
// other thread stops.
TEST_F(LongWalkTest, AFoldReportsDamageWhereverItIs) {
  auto fold_reopened = [&]() -> absl::Status {
    ledger_.reset();
    absl::StatusOr<std::unique_ptr<Ledger>> ledger =
        Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
    if (!ledger.ok()) return ledger.status();
    return (*ledger)->Fold(head_, std::nullopt, false).status();
  };
  ASSERT_THAT(fold_reopened(), IsOk());
  ExpectDamageReportedWhereverItIs(fold_reopened);
  const uint64_t target = RewriteAnEarlySaleIntoAnUnknownRegion();
  EXPECT_THAT(fold_reopened(),
              StatusIs(absl::StatusCode::kDataLoss,
                       ::testing::HasSubstr(absl::StrCat("event ", target,
                                                         " references unknown region 999999"))));
}

// Verify (which also checks the store's checksums on a third thread): the
// same damage is reported at its sequence, and so is an event validation
// refuses.
TEST_F(LongWalkTest, VerifyReportsDamageWhereverItIs) {
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  ledger_.reset();
  {
    std::unique_ptr<Ledger> ledger =
        *Ledger::Open(path_, {.read_only = true, .fold_on_open = false});
    absl::StatusOr<VerifyReport> report = ledger->Verify({});
    ASSERT_THAT(report, IsOk());
    EXPECT_EQ(report->events, head_);
    EXPECT_EQ(report->snapshots_checked, Books::kKindCount + 1);  // and the Merkle tree
  }
  ExpectDamageReportedWhereverItIs([this] { return VerifyReopened(); });
  const uint64_t target = RewriteAnEarlySaleIntoAnUnknownRegion();
  EXPECT_THAT(VerifyReopened(), StatusIs(absl::StatusCode::kDataLoss,
                                         ::testing::HasSubstr(absl::StrCat("event ", target))));
}

TEST_F(AuditTest, EveryEventHasAProofThatHolds) {
  for (uint64_t tree_size : {head_, head_ / 2 + 1}) {
    for (uint64_t seq = 1; seq <= tree_size; ++seq) {
      absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(seq, tree_size);
      ASSERT_THAT(proof, IsOk());
      ASSERT_THAT(VerifyInclusionProof(*proof), IsOk()) << "seq " << seq << " of " << tree_size;
      EXPECT_THAT(app::VerifyProofText(app::ToJson(*proof, false) + "\n").status(), IsOk());
    }
  }
}

TEST_F(AuditTest, AProofFailsWhenAnyOfItsBytesChanges) {
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(head_ / 2, head_);
  ASSERT_THAT(proof, IsOk());
  const std::string text = app::ToJson(*proof, false) + "\n";
  ASSERT_THAT(app::VerifyProofText(text).status(), IsOk());
  for (size_t i = 0; i < text.size(); ++i) {
    for (unsigned char delta : {1, 32}) {
      std::string changed = text;
      changed[i] = static_cast<char>(static_cast<unsigned char>(changed[i]) ^ delta);
      EXPECT_FALSE(app::VerifyProofText(changed).ok())
          << "byte " << i << " ('" << text[i] << "') changed and the proof still held";
    }
  }
}

// Issue 17, item 14: a proof's validity must not depend on whitespace, but
// every value must stay as written, and no key may be given twice.
TEST_F(AuditTest, AProofHoldsWhateverItsWhitespaceAndNoValueCanChangeForm) {
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(head_ / 2, head_);
  ASSERT_THAT(proof, IsOk());
  const std::string text = app::ToJson(*proof, false);
  std::string pretty;  // one member a line, indented, CRLF: as an editor might leave it
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    pretty.push_back(c);
    if (c == '"' && (i == 0 || text[i - 1] != '\\')) in_string = !in_string;
    if (!in_string && (c == ',' || c == '{' || c == '[')) pretty += "\r\n  ";
    if (!in_string && c == ':') pretty += ' ';
  }
  for (const std::string& copy : {text, text + "\n", text + "\r\n", pretty, "  " + pretty + "\n\n"}) {
    absl::StatusOr<std::string> held = app::VerifyProofText(copy);
    ASSERT_THAT(held.status(), IsOk()) << copy.substr(0, 80);
    EXPECT_THAT(*held, ::testing::HasSubstr("not that it is still in effect"));
  }
  // The same values in another form, or a key twice, do not hold.
  std::string upper = text;
  const size_t hash_at = upper.find("\"hash\":\"") + 8;
  for (size_t i = hash_at; i < hash_at + 64; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  ASSERT_NE(upper, text);
  EXPECT_FALSE(app::VerifyProofText(upper).ok());
  std::string twice = text;
  twice.insert(1, absl::StrCat("\"seq\":\"", proof->seq() + 1, "\","));
  EXPECT_FALSE(app::VerifyProofText(twice).ok());
}

TEST_F(AuditTest, AProofBoundToTheReversalOfItsEventSaysSo) {
  const uint64_t sale = FirstSale();
  const v1::Event target = (*ledger_->ReadEvent(sale))->event;
  const std::string event_id = target.event_id();
  v1::Event reversal;
  reversal.set_event_id("rev-of-sale");
  reversal.set_actor("auditor");
  reversal.set_effective_date(target.effective_date());
  reversal.mutable_event_reversed()->set_reversed_event_id(event_id);
  reversal.mutable_event_reversed()->set_reason("keyed twice");
  absl::StatusOr<std::vector<AppendResult>> appended = AppendBatch(*ledger_, {reversal});
  ASSERT_THAT(appended, IsOk());
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(sale, head);
  ASSERT_THAT(proof, IsOk());
  absl::StatusOr<std::string> held = app::VerifyProofText(app::ToJson(*proof, false) + "\n");
  ASSERT_THAT(held.status(), IsOk());
  EXPECT_EQ(*held, absl::StrCat("event ", sale, " was reversed by event ", head,
                                ", the head this proof is bound to"));
}

TEST(MerkleTest, MatchesTheRfc6962DefinitionOnSmallTrees) {
  // MTH by the recursive definition, for comparison with the accumulator.
  std::function<Hash(const std::vector<Hash>&, size_t, size_t)> mth =
      [&](const std::vector<Hash>& leaves, size_t lo, size_t hi) -> Hash {
    if (hi - lo == 1) return leaves[lo];
    size_t k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return MerkleNodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
  };
  std::vector<Hash> leaves;
  MerkleAccumulator accumulator;
  for (int n = 1; n <= 70; ++n) {
    leaves.push_back(MerkleLeafHash(Sha256({absl::StrCat("event ", n)})));
    accumulator.AddLeaf(leaves.back());
    EXPECT_EQ(accumulator.Root(), mth(leaves, 0, leaves.size())) << n;
  }
  EXPECT_EQ(Hex(MerkleAccumulator().Root()), Hex(Sha256({})));
}

}  // namespace
}  // namespace aidledger
