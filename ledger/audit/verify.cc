// Ledger::Verify: the whole log checked against itself, its indexes and
// its snapshots.
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "aidledger/v1/storage.pb.h"
#include "base/check.h"
#include "base/fields.h"
#include "ledger/store/codec.h"
#include "ledger/store/log_store.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "base/messages.h"
#include "ledger/audit/merkle.h"
#include "ledger/read_ahead.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"
#include "state/closes.h"
#include "state/fold_event.h"
#include "state/fund_view_entry.h"
#include "state/validate.h"

namespace aidledger {

namespace {

absl::Status Failed(uint64_t sequence, absl::string_view what) {
  return absl::DataLossError(absl::Substitute(Tr("event $0: $1"), sequence, what));
}

// Counts the entries of an index (one sequential scan of it).
absl::StatusOr<uint64_t> CountEntries(const LogStore& store, LogIndex index) {
  std::unique_ptr<IndexCursor> cursor = store.Scan(index);
  IndexEntry entry;
  uint64_t count = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&entry));
    if (!more) return count;
    ++count;
  }
}

// A fingerprint of a set of (key, value) pairs that does not depend on their
// order: lane by lane, the sum mod 2^64 of a keyed SHA-256 of each pair (an
// incremental multiset hash, MSet-Add-Hash in Clarke et al., 2003). Verify
// adds each event's (event_id, sequence) as the walk reaches it and each
// entry of the event_id index as a scan reads it: one sequential pass each,
// instead of a random point read per event.
//
// The key is drawn for each verification, after the store was written, so
// whoever wrote the store could not aim at it. Neither side holds a pair
// twice (the index is keyed by event_id; each sequence is walked once), so
// two different sets sum alike with probability 2^-256.
class PairSetHash {
 public:
  explicit PairSetHash(const Hash& key) : key_(key) {}

  void Add(absl::string_view key, absl::string_view value) {
    const uint32_t size = static_cast<uint32_t>(key.size());
    char size_bytes[sizeof(size)];
    std::memcpy(size_bytes, &size, sizeof(size));
    const Hash hash = Sha256({HashBytes(key_), absl::string_view(size_bytes, sizeof(size_bytes)),
                              key, value});
    for (size_t lane = 0; lane < sum_.size(); ++lane) {
      uint64_t part;
      std::memcpy(&part, hash.data() + lane * sizeof(part), sizeof(part));
      sum_[lane] += part;
    }
    ++count_;
  }

  uint64_t count() const { return count_; }
  bool SameSet(const PairSetHash& other) const {
    return count_ == other.count_ && sum_ == other.sum_;
  }

 private:
  Hash key_;
  std::array<uint64_t, kHashBytes / sizeof(uint64_t)> sum_{};
  uint64_t count_ = 0;
};

Hash RandomKey() {
  Hash key;
  AIDLEDGER_CHECK(RAND_bytes(key.data(), static_cast<int>(key.size())) == 1);
  return key;
}

// Checks that the event_id index maps exactly the event_ids of the log
// (`log_ids`) to their sequences.
absl::Status CheckEventIdIndex(const LogStore& store, const Ledger& ledger,
                               const PairSetHash& log_ids, const Hash& set_key) {
  const uint64_t head = log_ids.count();
  PairSetHash index_ids(set_key);
  uint64_t entries = 0;  // all of them: past `head` they are only counted, for the message
  {
    std::unique_ptr<IndexCursor> cursor = store.Scan(LogIndex::kEventIds);
    IndexEntry entry;
    while (true) {
      ASSIGN_OR_RETURN(bool more, cursor->Next(&entry));
      if (!more) break;
      if (++entries <= head) index_ids.Add(entry.key, internal::EncodeSequence(entry.sequence));
    }
  }
  if (entries != head) {
    return absl::DataLossError(
        absl::Substitute(Tr("the event_id index holds $0 entries for $1 events"), entries, head));
  }
  if (index_ids.SameSet(log_ids)) return absl::OkStatus();
  // Name the first event the index does not map to itself: one point read
  // per event, only on this path.
  std::unique_ptr<EventReader> reader = ledger.Read(1, head);
  StoredEvent stored;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) break;
    ASSIGN_OR_RETURN(std::optional<uint64_t> indexed,
                     store.Find(LogIndex::kEventIds, stored.event.event_id()));
    if (indexed != stored.sequence) {
      return Failed(stored.sequence,
                    absl::Substitute(Tr("the event_id index does not map $0 to this event"),
                                     stored.event.event_id()));
    }
  }
  return absl::DataLossError(Tr("the event_id index does not match the log"));
}

// The stored snapshot records by sequence, to compare each with the
// rebuild when the walk reaches it.
using SnapshotsBySequence = std::map<uint64_t, std::vector<v1::SnapshotRecord>>;

absl::StatusOr<SnapshotsBySequence> ReadSnapshots(const LogStore& store) {
  SnapshotsBySequence snapshots;
  std::unique_ptr<SnapshotCursor> cursor = store.AllSnapshots();
  SnapshotBlob blob;
  for (size_t scanned = 0; scanned < limits::kSnapshotRecordsScannedMax; ++scanned) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&blob));
    if (!more) break;
    v1::SnapshotRecord record;
    if (!record.ParseFromString(blob.bytes)) {
      return absl::DataLossError(Tr("a snapshot record does not decode"));
    }
    snapshots[record.sequence()].push_back(std::move(record));
  }
  return snapshots;
}

// What a verify walk has folded and counted up to event `current`.
struct Walk {
  explicit Walk(const Hash& set_key) : set_key(set_key), log_ids(set_key) {}
  Books books;
  MerkleAccumulator merkle;
  const Hash set_key;  // of the (event_id, sequence) set hashes
  PairSetHash log_ids;
  uint64_t current = 0;
  uint64_t reversals = 0;
  int64_t last_recorded = INT64_MIN;
  // Each evidence file an event names: the first event naming it.
  absl::flat_hash_map<Hash, uint64_t> named_evidence;
  // The fund view's events the deltas stored from here on start from
  // (docs/fund-view-store.md), in log order; and the stored manifests'
  // sequences, each with the sequence its delta starts after.
  std::deque<v1::FundViewEntry> fund_view;
  std::map<uint64_t, uint64_t> fund_view_previous;
};

// Notes the evidence files `event` names (validation has checked their hashes).
absl::Status NoteEvidence(const v1::Event& event, uint64_t sequence, Walk* walk) {
  for (const v1::Evidence& evidence : event.evidence()) {
    absl::StatusOr<Hash> sha256 = HashFromHex(evidence.sha256());
    if (!sha256.ok()) return Failed(sequence, "an evidence file's sha256 is not 64 hex digits");
    walk->named_evidence.try_emplace(*sha256, sequence);
    if (walk->named_evidence.size() > limits::kEvidenceNamedMax) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "the ledger names more than ", limits::kEvidenceNamedMax,
          " evidence files, more than verify holds (limits::kEvidenceNamedMax)"));
    }
  }
  return absl::OkStatus();
}

// Every stored evidence file re-hashed; the files the events name that the
// store lacks counted (a warning each, up to kEvidenceWarningsMax, or
// kDataLoss with `require`).
absl::Status CheckEvidence(const Ledger& ledger, const Walk& walk, bool require,
                           VerifyReport* report) {
  std::unique_ptr<EvidenceCursor> stored = ledger.ListEvidence();
  absl::flat_hash_set<Hash> held;
  EvidenceEntry entry;
  for (uint64_t files = 0;; ++files) {
    ASSIGN_OR_RETURN(bool more, stored->Next(&entry));
    if (!more) break;
    RETURN_IF_ERROR(ledger.ReadEvidence(entry.sha256, [](absl::string_view) {
      return absl::OkStatus();
    }));
    ++report->evidence_checked;
    report->evidence_bytes += entry.manifest.size;
    if (walk.named_evidence.contains(entry.sha256)) held.insert(entry.sha256);
  }
  std::vector<std::pair<uint64_t, Hash>> missing;
  for (const auto& [sha256, sequence] : walk.named_evidence) {
    if (!held.contains(sha256)) missing.emplace_back(sequence, sha256);
  }
  std::sort(missing.begin(), missing.end());
  report->evidence_missing = missing.size();
  if (missing.empty()) return absl::OkStatus();
  if (require) {
    return Failed(missing.front().first,
                  absl::Substitute(Tr("names evidence $0, which the evidence store lacks ($1 "
                                      "files named are missing)"),
                                   Hex(missing.front().second), missing.size()));
  }
  for (size_t i = 0; i < missing.size() && i < limits::kEvidenceWarningsMax; ++i) {
    report->warnings.push_back(absl::Substitute(
        Tr("event $0 names evidence $1, which the evidence store lacks"), missing[i].first,
        Hex(missing[i].second)));
  }
  if (missing.size() > limits::kEvidenceWarningsMax) {
    report->warnings.push_back(absl::Substitute(Tr("... and $0 more evidence files are missing"),
                                                missing.size() - limits::kEvidenceWarningsMax));
  }
  return absl::OkStatus();
}

// A close seals the log as it stood just before it: the event before it and
// its chain hash, the Merkle root of the events up to it, and the hash of
// the year's report then. A close that does not is history rewritten under
// it (or a forged close): a signature over its digest signs another log.
absl::Status CheckCloseDigest(const StoredEvent& stored, const Walk& walk) {
  const v1::PeriodClosed& close = stored.event.period_closed();
  absl::Status at_head = CheckCloseAtHead(stored.event, stored.sequence - 1, stored.prev_hash);
  if (!at_head.ok()) return Failed(stored.sequence, at_head.message());
  if (close.merkle_root() != Hex(walk.merkle.Root())) {
    return Failed(stored.sequence,
                  absl::Substitute(Tr("the close of $0 holds another Merkle root than the log's "
                                      "events before it (history was rewritten)"),
                                   close.year()));
  }
  ASSIGN_OR_RETURN(std::string report, YearReportSha256(walk.books, close.year()));
  if (report != close.report_sha256()) {
    return Failed(stored.sequence,
                  absl::Substitute(Tr("the close of $0 holds another report hash than the "
                                      "year's report folded from the log before it"),
                                   close.year()));
  }
  return absl::OkStatus();
}

// The checks of one event in order: recorded_at, validation again with the
// same resolved fields, a close's digest, the reversal index, the fold.
absl::Status WalkEvent(const LogStore& store, const EventLookup& lookup,
                       const StoredEvent& stored, Walk* walk) {
  const uint64_t current = stored.sequence;
  const v1::Event& event = stored.event;
  const int64_t recorded = RecordedMicros(event.recorded_at());
  if (recorded < walk->last_recorded) return Failed(current, Tr("recorded_at goes back in time"));
  walk->last_recorded = recorded;
  walk->log_ids.Add(event.event_id(), internal::EncodeSequence(current));
  RETURN_IF_ERROR(Readmit(walk->books, lookup, event));
  RETURN_IF_ERROR(NoteEvidence(event, current, walk));
  if (event.has_period_closed()) RETURN_IF_ERROR(CheckCloseDigest(stored, *walk));
  if (event.has_event_reversed()) {
    ++walk->reversals;
    ASSIGN_OR_RETURN(std::optional<uint64_t> reversal,
                     store.Find(LogIndex::kReversals, event.event_reversed().reversed_event_id()));
    if (reversal != current) {
      return Failed(current, Tr("the reversal index does not name this reversal"));
    }
  }
  absl::Status applied = walk->books.Apply(event);
  if (!applied.ok()) return Failed(current, applied.message());
  if (!walk->fund_view_previous.empty() && current <= walk->fund_view_previous.rbegin()->first) {
    FoldEvent viewed, target;
    ViewEvent(event, &viewed, &target);
    if (InFundView(viewed)) walk->fund_view.push_back(FundViewEntryOf(current, stored.hash, viewed));
  }
  walk->merkle.AddLeaf(MerkleLeafHash(stored.hash));
  return absl::OkStatus();
}

// The Merkle tree stored at the walk's event is the walk's: a server starts
// from it (Ledger::MerkleAtHead) and publishes digests that extend it.
absl::Status CompareMerkleSnapshot(const v1::SnapshotRecord& record, const Walk& walk,
                                   const Hash& hash, VerifyReport* report) {
  if (record.version() != kMerkleSnapshotVersion || record.chain_hash() != HashBytes(hash)) {
    report->warnings.push_back(absl::StrCat("the Merkle tree stored at event ", walk.current,
                                            " is of another version or chain and is never "
                                            "used; not compared"));
    return absl::OkStatus();
  }
  if (record.state() != walk.merkle.EncodeFrontier()) {
    return Failed(walk.current, Tr("the Merkle tree stored in the snapshot differs from the "
                                   "log's (a server would publish digests of another log)"));
  }
  ++report->snapshots_checked;
  return absl::OkStatus();
}

bool IsFundViewRecord(const v1::SnapshotRecord& record) {
  return record.projection() == kFundViewSnapshotName ||
         absl::StartsWith(record.projection(), kFundViewPartPrefix);
}

// The fund view's delta stored at the walk's event, `manifest` and the
// parts among `records`, is the log's: filed again from the walk's events
// with the walk's Books, byte for byte, no part missing and none more.
absl::Status CompareFundView(const v1::SnapshotRecord& manifest,
                             const std::vector<v1::SnapshotRecord>& records, Walk* walk,
                             const Hash& hash, VerifyReport* report) {
  const uint64_t at = walk->current;
  if (manifest.version() != kFundViewSnapshotVersion || manifest.chain_hash() != HashBytes(hash)) {
    report->warnings.push_back(absl::StrCat("the fund view stored at event ", at,
                                            " is of another version or chain and is never used; "
                                            "not compared"));
    return absl::OkStatus();
  }
  v1::FundViewManifest stored;
  if (!stored.ParseFromString(manifest.state()) || stored.previous() >= at) {
    return Failed(at, Tr("the fund view stored in the snapshot does not decode"));
  }
  std::vector<v1::FundViewEntry> entries;
  for (const v1::FundViewEntry& entry : walk->fund_view) {
    if (entry.sequence() > stored.previous() && entry.sequence() <= at) entries.push_back(entry);
  }
  const FundViewDelta delta = FileFundView(walk->books, stored.previous(), std::move(entries));
  const absl::string_view differs = Tr("the fund view stored in the snapshot differs from the log's");
  if (manifest.state() != SerializeDeterministic(delta.manifest)) return Failed(at, differs);
  size_t parts = 0;
  for (const v1::SnapshotRecord& record : records) {
    if (!absl::StartsWith(record.projection(), kFundViewPartPrefix)) continue;
    ++parts;
    auto part = delta.parts.find(record.projection().substr(strlen(kFundViewPartPrefix)));
    if (part == delta.parts.end() || record.version() != kFundViewSnapshotVersion ||
        record.chain_hash() != HashBytes(hash) ||
        record.state() != SerializeDeterministic(part->second)) {
      return Failed(at, differs);
    }
  }
  if (parts != delta.parts.size()) return Failed(at, differs);
  ++report->fund_views_checked;
  // What no later delta starts before is not needed again.
  uint64_t needed_after = at;
  for (auto later = walk->fund_view_previous.upper_bound(at);
       later != walk->fund_view_previous.end(); ++later) {
    needed_after = std::min(needed_after, later->second);
  }
  while (!walk->fund_view.empty() && walk->fund_view.front().sequence() <= needed_after) {
    walk->fund_view.pop_front();
  }
  return absl::OkStatus();
}

// Each snapshot stored at the walk's event (whose chain hash is `hash`)
// holds the state of the rebuild there, or is of another version or chain
// (a warning: it is never used).
absl::Status CompareSnapshots(const std::vector<v1::SnapshotRecord>& records, Walk* walk_state,
                              const Hash& hash, VerifyReport* report) {
  const Walk& walk = *walk_state;
  bool fund_view = false;
  for (const v1::SnapshotRecord& record : records) {
    if (record.projection() == kFundViewSnapshotName) {
      RETURN_IF_ERROR(CompareFundView(record, records, walk_state, hash, report));
      fund_view = true;
    }
  }
  for (const v1::SnapshotRecord& record : records) {
    if (IsFundViewRecord(record)) {
      if (!fund_view) {
        report->warnings.push_back(absl::StrCat(record.projection(), " stored at event ",
                                                walk.current,
                                                " has no manifest and is never used; not compared"));
      }
      continue;
    }
    if (record.projection() == kMerkleSnapshotName) {
      RETURN_IF_ERROR(CompareMerkleSnapshot(record, walk, hash, report));
      continue;
    }
    for (const Projection* projection : walk.books.all()) {
      if (projection->name() != record.projection()) continue;
      if (record.version() != projection->version() || record.chain_hash() != HashBytes(hash)) {
        report->warnings.push_back(absl::StrCat(
            "snapshot ", record.projection(), " at event ", walk.current,
            " is of another version or chain and is never used; not compared"));
        continue;
      }
      if (record.state() != projection->SerializeState()) {
        return Failed(walk.current, absl::Substitute(Tr("the $0 snapshot differs from a full rebuild"),
                                                     record.projection()));
      }
      ++report->snapshots_checked;
    }
  }
  return absl::OkStatus();
}

// After the walk: the log reached its head and the digest, and the indexes
// hold exactly the log's entries.
absl::Status CheckEnd(const LogStore& store, const Ledger& ledger, uint64_t head,
                      const VerifyOptions& options, const Walk& walk) {
  if (walk.current != head) {
    return absl::DataLossError(absl::Substitute(Tr("the log ends at event $0 but its head names event $1"),
                                                walk.current, head));
  }
  if (options.digest.has_value() && options.digest->sequence > walk.current) {
    return absl::DataLossError(
        absl::Substitute(Tr("the log holds $0 events, fewer than the digest's $1 (events were dropped)"),
                         walk.current, options.digest->sequence));
  }
  RETURN_IF_ERROR(CheckEventIdIndex(store, ledger, walk.log_ids, walk.set_key));
  ASSIGN_OR_RETURN(uint64_t reversal_entries, CountEntries(store, LogIndex::kReversals));
  if (reversal_entries != walk.reversals) {
    return absl::DataLossError(absl::Substitute(Tr("the reversal index holds $0 entries for $1 reversals"),
                                                reversal_entries, walk.reversals));
  }
  return absl::OkStatus();
}

// What every step of the walk reads besides the event.
struct WalkContext {
  const LogStore& store;
  const EventLookup& lookup;
  const VerifyOptions& options;
  const SnapshotsBySequence& snapshots;
  uint64_t head;
};

// One event of the walk: its checks, the digest's when it ends there, and
// the snapshots stored at it.
absl::Status StepWalk(const WalkContext& c, const StoredEvent& stored, Walk* walk,
                      VerifyReport* report) {
  walk->current = stored.sequence;
  RETURN_IF_ERROR(WalkEvent(c.store, c.lookup, stored, walk));
  const auto& digest = c.options.digest;
  if (digest.has_value() && digest->sequence == walk->current &&
      (stored.hash != digest->head_hash || walk->merkle.Root() != digest->merkle_root)) {
    return Failed(walk->current, Tr("the log no longer extends the digest: its first events hash "
                                    "to another Merkle root or head hash (history was rewritten)"));
  }
  if (auto at = c.snapshots.find(walk->current); at != c.snapshots.end()) {
    RETURN_IF_ERROR(CompareSnapshots(at->second, walk, stored.hash, report));
  }
  if (c.options.progress && walk->current % limits::kVerifyProgressEvents == 0) {
    c.options.progress(walk->current, c.head);
  }
  return absl::OkStatus();
}

// Events read, checked and decoded ahead of the walk: the first `count` of
// `events` (which keep their storage from chunk to chunk).
struct VerifyChunk {
  std::vector<StoredEvent> events;
  size_t count = 0;
};

// The reading side of verify's walk: fills chunks of at most
// kFoldChunkEvents. A damaged record ends the reading, after the chunk of
// the events before it (the walk meets the first error in log order).
class VerifyChunkReader {
 public:
  explicit VerifyChunkReader(EventReader* reader) : reader_(reader) {}

  absl::StatusOr<bool> Fill(VerifyChunk* chunk) {
    RETURN_IF_ERROR(pending_);
    chunk->count = 0;
    while (chunk->count < limits::kFoldChunkEvents) {
      if (chunk->events.size() == chunk->count) chunk->events.emplace_back();
      absl::StatusOr<bool> more = reader_->Next(&chunk->events[chunk->count]);
      if (!more.ok()) pending_ = more.status();
      if (!more.ok() || !*more) break;
      ++chunk->count;
    }
    if (chunk->count == 0) RETURN_IF_ERROR(pending_);
    return chunk->count > 0;
  }

 private:
  EventReader* reader_;
  absl::Status pending_;
};

// Walks every event `reader` reads with `step`: reading, checking the
// records and decoding them on a second thread when two CPUs are there and
// the log is longer than a chunk, else on this one.
absl::Status WalkAll(EventReader* reader, uint64_t head,
                     absl::FunctionRef<absl::Status(const StoredEvent&)> step) {
  if (head <= limits::kFoldChunkEvents || !internal::TwoCpusAllowed()) {
    StoredEvent stored;
    while (true) {  // bounded by the head
      ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
      if (!more) return absl::OkStatus();
      RETURN_IF_ERROR(step(stored));
    }
  }
  VerifyChunkReader chunks(reader);
  return internal::ReadAhead<VerifyChunk>(
      limits::kFoldChunksAhead, [&chunks](VerifyChunk* chunk) { return chunks.Fill(chunk); },
      [&step](const VerifyChunk& chunk) {
        for (size_t i = 0; i < chunk.count; ++i) RETURN_IF_ERROR(step(chunk.events[i]));
        return absl::OkStatus();
      });
}

// Verify's walk of the log and everything after it, the store's checksums
// aside.
absl::StatusOr<VerifyReport> VerifyLog(const Ledger& ledger, const LogStore& store,
                                       const VerifyOptions& options) {
  const uint64_t head = ledger.head().sequence;
  VerifyReport report;
  ASSIGN_OR_RETURN(const SnapshotsBySequence snapshots, ReadSnapshots(store));
  Walk walk(RandomKey());
  for (const auto& [at, records] : snapshots) {
    for (const v1::SnapshotRecord& record : records) {
      v1::FundViewManifest manifest;
      if (record.projection() == kFundViewSnapshotName && manifest.ParseFromString(record.state())) {
        walk.fund_view_previous[at] = manifest.previous();
      }
    }
  }
  // A reversal's target as the log stood before the event walked.
  EventLookup lookup = [&ledger, &store, &walk](const std::string& event_id)
      -> absl::StatusOr<std::optional<LoggedEvent>> {
    ASSIGN_OR_RETURN(std::optional<uint64_t> indexed, store.Find(LogIndex::kEventIds, event_id));
    if (!indexed.has_value() || *indexed >= walk.current) return std::nullopt;
    ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ledger.ReadEvent(*indexed));
    if (!stored.has_value()) return std::nullopt;
    return LoggedEvent{
        .sequence = *indexed, .hash = stored->hash, .event = std::move(stored->event)};
  };
  const WalkContext context{store, lookup, options, snapshots, head};
  std::unique_ptr<EventReader> reader = ledger.Read(1, head);
  RETURN_IF_ERROR(WalkAll(reader.get(), head, [&](const StoredEvent& stored) {
    return StepWalk(context, stored, &walk, &report);
  }));
  RETURN_IF_ERROR(CheckEnd(store, ledger, head, options, walk));
  RETURN_IF_ERROR(CheckEvidence(ledger, walk, options.require_evidence, &report));
  for (const auto& [at, records] : snapshots) {
    if (at > head) {
      report.warnings.push_back(absl::StrCat("a snapshot at event ", at, " is past the head"));
    }
  }
  if (options.progress) options.progress(walk.current, head);
  report.events = walk.current;
  return report;
}

}  // namespace

// The store's own checksums (RocksDB's CRC32C of every block, read from
// disk) are checked on a thread of their own beside the walk when two CPUs
// are there; a checksum failure is reported before anything the walk found,
// as when they were checked first.
absl::StatusOr<VerifyReport> Ledger::Verify(const VerifyOptions& options) const {
  const absl::Time start = absl::Now();
  absl::StatusOr<VerifyReport> report;
  if (internal::TwoCpusAllowed()) {
    absl::Status checksums;
    std::thread checking([this, &checksums] { checksums = store_->VerifyChecksums(); });
    report = VerifyLog(*this, *store_, options);
    checking.join();
    RETURN_IF_ERROR(checksums);
  } else {
    RETURN_IF_ERROR(store_->VerifyChecksums());
    report = VerifyLog(*this, *store_, options);
  }
  if (report.ok()) report->seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

}  // namespace aidledger
