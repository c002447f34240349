// Folding to a point of the log, and the snapshots that shorten the fold.
#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "aidledger/v1/storage.pb.h"
#include "base/check.h"
#include "base/fields.h"
#include "ledger/store/codec.h"
#include "ledger/store/log_store.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "base/proto_bytes.h"
#include "ledger/read_ahead.h"
#include "ledger/snapshot_key.h"
#include "base/status_macros.h"

namespace aidledger {

namespace {

SnapshotCheck Fault(SnapshotFault fault, std::string message) {
  return {.fault = fault, .message = std::move(message)};
}

// Consecutive records of the log, checked, as a fold reads them ahead of
// decoding and folding them.
struct FoldChunk {
  struct Entry {
    uint64_t sequence;
    size_t offset, size;  // of its event's bytes in `bytes`
    Hash prev_hash, hash;
  };
  std::vector<Entry> entries;
  std::string bytes;
};

// Reads the records of a fold a chunk at a time, with the checks of
// EventReader::NextRecord, and checks that the first links to the snapshot
// the fold starts from.
class ChunkReader {
 public:
  ChunkReader(std::unique_ptr<EventReader> reader, uint64_t snapshot_sequence,
              const Hash& snapshot_hash)
      : reader_(std::move(reader)),
        snapshot_sequence_(snapshot_sequence),
        last_(snapshot_sequence),
        hash_(snapshot_hash) {}

  // Replaces `chunk`'s records with the next ones (at most kFoldChunkEvents
  // and, past the first, kFoldChunkBytesMax bytes); false when none is left.
  absl::StatusOr<bool> Fill(FoldChunk* chunk) {
    chunk->entries.clear();
    chunk->bytes.clear();
    CheckedRecord record;
    while (chunk->entries.size() < limits::kFoldChunkEvents &&
           chunk->bytes.size() < limits::kFoldChunkBytesMax) {
      ASSIGN_OR_RETURN(bool more, reader_->NextRecord(&record));
      if (!more) break;
      if (last_ == snapshot_sequence_ && last_ > 0 && record.prev_hash != hash_) {
        return absl::DataLossError(absl::StrCat("event ", record.sequence,
                                                " does not link to the snapshot at ", last_));
      }
      chunk->entries.push_back({record.sequence, chunk->bytes.size(), record.event_bytes.size(),
                                record.prev_hash, record.hash});
      chunk->bytes.append(record.event_bytes.data(), record.event_bytes.size());
      last_ = record.sequence;
      hash_ = record.hash;
    }
    return !chunk->entries.empty();
  }

  // The last record read (the snapshot's before any) and its chain hash.
  uint64_t last() const { return last_; }
  const Hash& hash() const { return hash_; }

 private:
  std::unique_ptr<EventReader> reader_;
  const uint64_t snapshot_sequence_;
  uint64_t last_;
  Hash hash_;
};

// Decodes only the fields the projections read, straight from the checked
// bytes (FoldEvent), and folds them a batch of kFoldBatchEvents at a time,
// in the order of the log.
class ChunkFolder {
 public:
  // `extra`, when not null, folds every event the Books do.
  ChunkFolder(const std::optional<std::string>& as_of_date, Books* books, Projection* extra)
      : as_of_date_(as_of_date), books_(books), extra_(extra), decoders_(limits::kFoldBatchEvents) {
    events_.reserve(limits::kFoldBatchEvents);
  }

  absl::Status Fold(const FoldChunk& chunk) {
    const absl::string_view bytes = chunk.bytes;
    for (size_t first = 0; first < chunk.entries.size(); first += limits::kFoldBatchEvents) {
      const size_t end = std::min(chunk.entries.size(), first + limits::kFoldBatchEvents);
      events_.clear();
      for (size_t i = first; i < end; ++i) {
        const FoldChunk::Entry& entry = chunk.entries[i];
        ASSIGN_OR_RETURN(const FoldEvent* event,
                         decoders_[i - first].DecodeStored(
                             entry.sequence, bytes.substr(entry.offset, entry.size)));
        if (as_of_date_.has_value() && event->effective_date > *as_of_date_) continue;
        events_.push_back(event);
      }
      events_read_ += end - first;
      absl::Status applied = books_->ApplyAll(events_);
      if (!applied.ok()) return absl::DataLossError(applied.message());
      if (extra_ != nullptr) {
        size_t failed = 0;
        applied = extra_->ApplyBatch(events_, &failed);
        if (!applied.ok()) return absl::DataLossError(applied.message());
      }
    }
    return absl::OkStatus();
  }

  uint64_t events_read() const { return events_read_; }

 private:
  const std::optional<std::string>& as_of_date_;
  Books* books_;
  Projection* extra_;
  std::vector<FoldEventDecoder> decoders_;
  std::vector<const FoldEvent*> events_;
  uint64_t events_read_ = 0;
};

using internal::TwoCpusAllowed;

// Hands every chunk `reader` reads up to event `to` to `consume`, in order:
// past one chunk, when two CPUs are there, reading on a thread of its own
// (reading and checking the records is about half of a fold's time,
// decoding and folding the other half): what the 2 cores give a long walk.
// The first error in log order wins: chunks are consumed in order, and the
// reading stops at its own error. kDataLoss when the log ends before `to`.
absl::Status ConsumeChunks(ChunkReader* reader, uint64_t to,
                           absl::FunctionRef<absl::Status(const FoldChunk&)> consume) {
  if (to - reader->last() <= limits::kFoldChunkEvents || !TwoCpusAllowed()) {
    FoldChunk chunk;
    for (;;) {  // bounded by `to`
      ASSIGN_OR_RETURN(bool read, reader->Fill(&chunk));
      if (!read) break;
      RETURN_IF_ERROR(consume(chunk));
    }
  } else {
    RETURN_IF_ERROR(internal::ReadAhead<FoldChunk>(
        limits::kFoldChunksAhead, [reader](FoldChunk* chunk) { return reader->Fill(chunk); },
        consume));
  }
  if (reader->last() != to) {
    return absl::DataLossError(absl::StrCat("the log ends at event ", reader->last(),
                                            " but should reach event ", to));
  }
  return absl::OkStatus();
}

}  // namespace

void Ledger::Warn(absl::string_view message) const {
  if (options_.warn) options_.warn(message);
}

absl::StatusOr<FoldedBooks> Ledger::Fold(uint64_t sequence,
                                         const std::optional<std::string>& as_of_date,
                                         bool use_snapshots, Books::Set projections,
                                         Projection* extra) const {
  const uint64_t head = this->head().sequence;
  if (sequence > head) {
    return absl::OutOfRangeError(absl::StrCat("sequence ", sequence, " is past the head ", head));
  }
  FoldedBooks folded;
  folded.books = Books(projections);
  folded.sequence = sequence;
  if (extra != nullptr) extra->Reset();
  if (!as_of_date.has_value() && use_snapshots && extra == nullptr) {
    ASSIGN_OR_RETURN(auto snapshot, LoadNewestSnapshot(sequence, &folded.books));
    folded.snapshot_sequence = snapshot.first;
    folded.hash = snapshot.second;
  }
  ChunkReader reader(Read(folded.snapshot_sequence + 1, sequence), folded.snapshot_sequence,
                     folded.hash);
  ChunkFolder folder(as_of_date, &folded.books, extra);
  RETURN_IF_ERROR(ConsumeChunks(&reader, sequence,
                                [&folder](const FoldChunk& chunk) { return folder.Fold(chunk); }));
  folded.hash = reader.hash();
  folded.events_read = folder.events_read();
  return folded;
}

absl::Status Ledger::WalkRecords(uint64_t to,
                                 absl::FunctionRef<absl::Status(const CheckedRecord&)> visit) const {
  return WalkRecords(0, Hash{}, to, visit);
}

absl::Status Ledger::WalkRecords(uint64_t from, const Hash& from_hash, uint64_t to,
                                 absl::FunctionRef<absl::Status(const CheckedRecord&)> visit) const {
  ChunkReader reader(Read(from + 1, to), from, from_hash);
  const auto visit_chunk = [&visit](const FoldChunk& chunk) {
    const absl::string_view bytes = chunk.bytes;
    for (const FoldChunk::Entry& entry : chunk.entries) {
      RETURN_IF_ERROR(visit({.sequence = entry.sequence,
                             .prev_hash = entry.prev_hash,
                             .hash = entry.hash,
                             .event_bytes = bytes.substr(entry.offset, entry.size)}));
    }
    return absl::OkStatus();
  };
  return ConsumeChunks(&reader, to, visit_chunk);
}

absl::StatusOr<uint64_t> Ledger::SequenceKnownAt(absl::Time time) const {
  const int64_t micros = absl::ToUnixMicros(time);
  uint64_t low = 0, high = head().sequence;  // answer in [low, high]
  while (low < high) {
    const uint64_t middle = low + (high - low + 1) / 2;
    ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ReadEvent(middle));
    if (!stored.has_value()) {
      return absl::DataLossError(absl::StrCat("event ", middle, " is missing from the log"));
    }
    const auto& at = stored->event.recorded_at();
    const int64_t recorded = RecordedMicros(at);
    if (recorded <= micros) {
      low = middle;
    } else {
      high = middle - 1;
    }
  }
  return low;
}

absl::Status Ledger::WriteSnapshot(const Books& books, const MerkleAccumulator* tree,
                                   uint64_t sequence, const Hash& hash) {
  AIDLEDGER_CHECK(books.Folds(Books::kAll));
  AIDLEDGER_CHECK(snapshot_key_.has_value());  // a writable open has one
  std::vector<SnapshotBlob> blobs;
  const int64_t now = absl::ToUnixMicros(options_.clock());
  for (const Projection* projection : books.all()) {
    blobs.push_back({.projection = std::string(projection->name()), .sequence = sequence,
                     .bytes = SnapshotRecordBytes(*snapshot_key_, projection->name(),
                                                  projection->version(), sequence, hash,
                                                  projection->SerializeState(), now)});
  }
  if (tree != nullptr) {
    AIDLEDGER_CHECK(tree->size() == sequence);
    blobs.push_back({.projection = kMerkleSnapshotName, .sequence = sequence,
                     .bytes = SnapshotRecordBytes(*snapshot_key_, kMerkleSnapshotName,
                                                  kMerkleSnapshotVersion, sequence, hash,
                                                  tree->EncodeFrontier(), now)});
  }
  // A snapshot without its fund view is still one: the trace then reads
  // the log after the last delta stored.
  if (absl::Status filed = FundViewBlobs(books, sequence, hash, now, &blobs); !filed.ok()) {
    Warn(absl::StrCat("the snapshot at event ", sequence, " goes without the fund view: ",
                      filed.message()));
  }
  return store_->PutSnapshots(blobs, options_.sync);
}

void Ledger::StoreSnapshotOrWarn() {
  const LedgerHead head = this->head();
  absl::StatusOr<const MerkleAccumulator*> tree = TreeAtHeadLocked();
  if (!tree.ok()) {
    Warn(absl::StrCat("the snapshot at event ", head.sequence, " goes without the Merkle tree: ",
                      tree.status().message()));
  }
  absl::Status stored = WriteSnapshot(books_, tree.ok() ? *tree : nullptr, head.sequence, head.hash);
  if (!stored.ok()) Warn(absl::StrCat("could not store a snapshot: ", stored.message()));
}

absl::Status Ledger::CreateSnapshot() {
  absl::MutexLock lock(&append_mutex_);
  if (options_.read_only || !options_.fold_on_open) {
    return absl::FailedPreconditionError("a snapshot needs the ledger open for writing");
  }
  const LedgerHead head = this->head();
  if (head.sequence == 0) {
    return absl::FailedPreconditionError("the ledger is empty: there is nothing to snapshot");
  }
  ASSIGN_OR_RETURN(const MerkleAccumulator* tree, TreeAtHeadLocked());
  return WriteSnapshot(books_, tree, head.sequence, head.hash);
}

std::optional<uint32_t> Ledger::SnapshotVersion(absl::string_view name) {
  for (const Books::Kind& kind : Books::kKinds) {
    if (kind.name == name) return kind.version;
  }
  if (name == kMerkleSnapshotName) return kMerkleSnapshotVersion;
  if (name == kFundViewSnapshotName || absl::StartsWith(name, kFundViewPartPrefix)) {
    return kFundViewSnapshotVersion;
  }
  return std::nullopt;
}

absl::StatusOr<std::pair<MerkleAccumulator, Hash>> Ledger::NewestFrontier(uint64_t sequence) const {
  std::unique_ptr<SnapshotCursor> cursor = store_->SnapshotsBackFrom(kMerkleSnapshotName, sequence);
  SnapshotBlob blob;
  for (size_t tried = 0; tried < limits::kSnapshotRecordsScannedMax; ++tried) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&blob));
    if (!more) break;
    v1::SnapshotRecord record;
    SnapshotCheck check;
    absl::StatusOr<MerkleAccumulator> tree = absl::DataLossError("the record does not decode");
    if (!record.ParseFromString(blob.bytes)) {
      check = Fault(SnapshotFault::kUndecodable, "the record does not decode");
    } else if (record.sequence() != blob.sequence) {
      check = Fault(SnapshotFault::kNotInLog, "its key and its record name different sequences");
    } else {
      absl::StatusOr<Hash> hash = HashFromBytes(record.chain_hash());
      SnapshotInfo info{.projection = record.projection(), .version = record.version(),
                        .sequence = record.sequence(), .chain_hash = hash.ok() ? *hash : Hash{}};
      check = hash.ok() ? CheckSnapshot(info)
                        : Fault(SnapshotFault::kNotInLog, "its chain hash is not 32 bytes");
      if (check.usable()) check = CheckMac(record);
      if (check.usable()) tree = MerkleAccumulator::DecodeFrontier(record.state());
      if (check.usable() && !tree.ok()) {
        check = Fault(SnapshotFault::kUndecodable, std::string(tree.status().message()));
      } else if (check.usable() && tree->size() != record.sequence()) {
        check = Fault(SnapshotFault::kUndecodable, "its tree is not of its sequence's size");
      }
      if (check.usable()) return std::make_pair(*std::move(tree), info.chain_hash);
    }
    if (!check.outdated()) {
      Warn(absl::StrCat("the Merkle tree stored at event ", blob.sequence, " is not trusted (",
                        check.message, "); hashing from an earlier point"));
    }
  }
  return std::make_pair(MerkleAccumulator(), Hash{});
}

absl::StatusOr<MerkleAccumulator> Ledger::MerkleAt(uint64_t sequence) const {
  ASSIGN_OR_RETURN(auto newest, NewestFrontier(sequence));
  // Named, not a structured binding: clang 14 cannot capture those.
  MerkleAccumulator& tree = newest.first;
  const Hash& hash = newest.second;
  const uint64_t from = tree.size();
  // From the frontier's own event, so that the first after it is checked
  // to link to it (VisitHashes checks the links after its first).
  bool first = from > 0;
  bool links = true;
  RETURN_IF_ERROR(VisitHashes(std::max<uint64_t>(from, 1), sequence, [&](const Hash& visited) {
    if (first) {
      links = visited == hash;
      first = false;
      return;
    }
    tree.AddLeaf(MerkleLeafHash(visited));
  }));
  if (!links) {
    return absl::DataLossError(
        absl::StrCat("event ", from, " no longer hashes to the Merkle tree stored at it"));
  }
  return std::move(tree);
}

absl::StatusOr<const MerkleAccumulator*> Ledger::TreeAtHeadLocked() {
  const uint64_t head = this->head().sequence;
  if (!merkle_.has_value() || merkle_->size() != head) {
    merkle_.reset();
    ASSIGN_OR_RETURN(MerkleAccumulator tree, MerkleAt(head));
    merkle_ = std::move(tree);
  }
  return &*merkle_;
}

absl::StatusOr<Ledger::TreeAtHead> Ledger::MerkleAtHead() {
  absl::MutexLock lock(&append_mutex_);
  const LedgerHead head = this->head();
  ASSIGN_OR_RETURN(const MerkleAccumulator* tree, TreeAtHeadLocked());
  return TreeAtHead{.head = head, .tree = *tree};
}

SnapshotCheck Ledger::CheckSnapshot(const SnapshotInfo& info) const {
  const std::optional<uint32_t> version = SnapshotVersion(info.projection);
  if (!version.has_value()) {
    return Fault(SnapshotFault::kUnknownProjection, "no projection of that name");
  }
  if (*version != info.version) {
    return Fault(SnapshotFault::kOtherVersion,
                 absl::StrCat("version ", info.version, " is not this build's version ", *version));
  }
  if (info.sequence > head().sequence) {
    return Fault(SnapshotFault::kNotInLog, "it is past the head of the log");
  }
  absl::StatusOr<std::optional<StoredEvent>> event = ReadEvent(info.sequence);
  if (!event.ok()) return Fault(SnapshotFault::kNotInLog, std::string(event.status().message()));
  if (!event->has_value() || (*event)->hash != info.chain_hash) {
    return Fault(SnapshotFault::kNotInLog, absl::StrCat("its chain hash does not match event ",
                                                        info.sequence, " of the log"));
  }
  return {};
}

SnapshotCheck Ledger::CheckMac(const v1::SnapshotRecord& record) const {
  if (!snapshot_key_.has_value() || record.mac().empty()) {
    return Fault(SnapshotFault::kUnauthenticated, "it carries no MAC this ledger can check");
  }
  if (SnapshotMac(*snapshot_key_, record) != record.mac()) {
    return Fault(SnapshotFault::kBadMac,
                 "its MAC does not match: it was changed outside aidledger, or stored under "
                 "another key");
  }
  return {};
}

absl::StatusOr<std::vector<SnapshotInfo>> Ledger::ListSnapshots() const {
  std::vector<SnapshotInfo> infos;
  std::unique_ptr<SnapshotCursor> cursor = store_->AllSnapshots();
  SnapshotBlob blob;
  while (infos.size() < limits::kSnapshotRecordsScannedMax) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&blob));
    if (!more) break;
    v1::SnapshotRecord record;
    SnapshotInfo info;
    if (!record.ParseFromString(blob.bytes)) {
      info.projection = blob.projection;
      info.problem = "the record does not decode";
      info.fault = SnapshotFault::kUndecodable;
      infos.push_back(std::move(info));
      continue;
    }
    info.projection = record.projection();
    info.version = record.version();
    info.sequence = record.sequence();
    absl::StatusOr<Hash> hash = HashFromBytes(record.chain_hash());
    if (hash.ok()) info.chain_hash = *hash;
    info.state_bytes = record.state().size();
    info.created_at = absl::FromUnixMicros(record.created_at_micros());
    SnapshotCheck check = hash.ok() ? CheckSnapshot(info)
                                    : Fault(SnapshotFault::kNotInLog, "its chain hash is not 32 bytes");
    if (check.usable()) check = CheckMac(record);
    info.problem = std::move(check.message);
    info.fault = check.fault;
    infos.push_back(std::move(info));
  }
  return infos;
}

SnapshotCheck Ledger::LoadOneCandidate(const std::vector<std::optional<v1::SnapshotRecord>>& records,
                                       uint64_t at, Projection* projection, Hash* chain_hash) const {
  const v1::SnapshotRecord* found = nullptr;
  for (const std::optional<v1::SnapshotRecord>& parsed : records) {
    if (parsed.has_value() && parsed->projection() == projection->name()) found = &*parsed;
  }
  if (found == nullptr) {
    // Not stored at `at`, or stored but not decodable.
    return Fault(SnapshotFault::kUndecodable, "missing, or its record does not decode");
  }
  const v1::SnapshotRecord& record = *found;
  SnapshotInfo info{.projection = record.projection(), .version = record.version(),
                    .sequence = record.sequence()};
  absl::StatusOr<Hash> hash = HashFromBytes(record.chain_hash());
  SnapshotCheck check;
  if (record.sequence() != at) {
    check = Fault(SnapshotFault::kNotInLog, "its key and its record name different sequences");
  } else if (!hash.ok()) {
    check = Fault(SnapshotFault::kNotInLog, "its chain hash is not 32 bytes");
  } else {
    info.chain_hash = *hash;
    check = CheckSnapshot(info);
  }
  if (check.usable()) check = CheckMac(record);
  if (check.usable()) {
    absl::Status loaded = projection->LoadState(record.state());
    if (!loaded.ok()) check = Fault(SnapshotFault::kUndecodable, std::string(loaded.message()));
  }
  if (check.usable()) *chain_hash = *hash;
  return check;
}

SnapshotCheck Ledger::LoadCandidate(const std::vector<std::optional<v1::SnapshotRecord>>& records,
                                    uint64_t at, Books* candidate, Hash* chain_hash) const {
  const std::array<Projection*, Books::kKindCount> every = candidate->all();
  std::array<SnapshotCheck, Books::kKindCount> checks;
  std::array<Hash, Books::kKindCount> hashes{};
  // Parsing megabytes of state and indexing it, a projection at a time:
  // on two threads when two CPUs are there (each touches its own).
  absl::Status ran = internal::ForEachOnTwoThreads(every.size(), [&](size_t i) {
    if (candidate->FoldsIndex(i)) checks[i] = LoadOneCandidate(records, at, every[i], &hashes[i]);
    return absl::OkStatus();
  });
  AIDLEDGER_CHECK(ran.ok());
  for (size_t i = 0; i < every.size(); ++i) {
    if (!candidate->FoldsIndex(i)) continue;
    if (!checks[i].usable()) {
      checks[i].message = absl::StrCat(every[i]->name(), ": ", checks[i].message);
      return checks[i];
    }
    *chain_hash = hashes[i];
  }
  return {};
}

namespace {

// One projection's walk back over its snapshot records, newest first. A
// record is megabytes and is read only when its walk reaches it.
struct SnapshotWalk {
  std::unique_ptr<SnapshotCursor> cursor;
  std::optional<SnapshotBlob> on;  // the record the walk is on

  // Moves back to the next record, if any.
  absl::Status Step() {
    SnapshotBlob blob;
    ASSIGN_OR_RETURN(bool more, cursor->Next(&blob));
    if (more) {
      on = std::move(blob);
    } else {
      on.reset();
    }
    return absl::OkStatus();
  }
};

// The records the walks are on at sequence `at`, each parsed once (the
// walks stay put until that candidate is rejected); nullopt for one that
// does not parse.
std::vector<std::optional<v1::SnapshotRecord>> RecordsAt(const std::vector<SnapshotWalk>& walks,
                                                         uint64_t at) {
  std::vector<std::optional<v1::SnapshotRecord>> records;
  for (const SnapshotWalk& walk : walks) {
    if (!walk.on || walk.on->sequence != at) continue;
    records.emplace_back(v1::SnapshotRecord());
    if (!records.back()->ParseFromString(walk.on->bytes)) records.back().reset();
  }
  return records;
}

// Snapshots of another projection version were stored by another build;
// after an upgrade every old one is skipped, which says one warning.
std::string OutdatedWarning(size_t outdated) {
  return absl::StrCat("skipped ", outdated, " snapshot", outdated == 1 ? "" : "s",
                      " of another projection version or without a MAC this ledger can check "
                      "(stored by another build, or no snapshot key); the next append, or "
                      "`aidledger snapshot create`, stores a current one");
}

}  // namespace

absl::StatusOr<std::pair<uint64_t, Hash>> Ledger::LoadNewestSnapshot(uint64_t sequence,
                                                                     Books* books) const {
  books->Reset();
  if (sequence == 0) return std::make_pair(uint64_t{0}, Hash{});
  // One walk per projection, each back from `sequence` over that
  // projection's records; the candidate is the newest sequence any of them
  // is at: the head query reads the snapshot it uses, not every snapshot.
  std::vector<SnapshotWalk> walks;
  for (size_t i = 0; i < Books::kKinds.size(); ++i) {
    if (!books->FoldsIndex(i)) continue;
    walks.push_back({.cursor = store_->SnapshotsBackFrom(Books::kKinds[i].name, sequence)});
  }
  // Each walk's first record is megabytes to read and check: two at a time.
  RETURN_IF_ERROR(internal::ForEachOnTwoThreads(
      walks.size(), [&walks](size_t i) { return walks[i].Step(); }));
  size_t outdated = 0;  // an upgrade, or no key: not damage, one warning for them all
  for (size_t tried = 0; tried < limits::kSnapshotRecordsScannedMax; ++tried) {
    uint64_t at = 0;
    for (const SnapshotWalk& walk : walks) at = std::max(at, walk.on ? walk.on->sequence : 0);
    if (at == 0) break;
    Books candidate(books->folded());
    Hash chain_hash{};
    const SnapshotCheck check = LoadCandidate(RecordsAt(walks, at), at, &candidate, &chain_hash);
    if (check.usable()) {
      if (outdated > 0) Warn(OutdatedWarning(outdated));
      *books = std::move(candidate);
      return std::make_pair(at, chain_hash);
    }
    if (check.outdated()) {
      ++outdated;
    } else {
      Warn(absl::StrCat("snapshot at event ", at, " is not trusted (", check.message,
                        "); folding from an earlier point"));
    }
    for (SnapshotWalk& walk : walks) {
      if (walk.on && walk.on->sequence == at) RETURN_IF_ERROR(walk.Step());
    }
  }
  if (outdated > 0) Warn(OutdatedWarning(outdated));
  return std::make_pair(uint64_t{0}, Hash{});
}

}  // namespace aidledger
