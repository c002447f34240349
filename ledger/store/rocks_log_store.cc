#include "ledger/store/rocks_log_store.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {

using internal::Family;

namespace {

Family FamilyOf(LogIndex index) {
  return index == LogIndex::kEventIds ? Family::kEventIds : Family::kReversals;
}

// Puts `cursor` on its first entry (`start` seeks it) on the first call, on
// the next one after; false at the end, an error when iteration failed.
template <typename Start>
absl::StatusOr<bool> Advance(internal::Cursor& cursor, bool* started, Start start) {
  if (!*started) {
    start();
    *started = true;
  } else {
    cursor.Next();
  }
  if (!cursor.Valid()) {
    RETURN_IF_ERROR(cursor.status());
    return false;
  }
  return true;
}

class RocksRecordCursor final : public RecordCursor {
 public:
  RocksRecordCursor(std::unique_ptr<internal::Cursor> cursor, uint64_t from)
      : cursor_(std::move(cursor)), from_(from) {}

  absl::StatusOr<bool> Next(LogRecordView* out) override {
    ASSIGN_OR_RETURN(bool on, Advance(*cursor_, &started_,
                                      [&] { cursor_->Seek(internal::EncodeSequence(from_)); }));
    if (!on) return false;
    ASSIGN_OR_RETURN(out->sequence, internal::DecodeSequence(cursor_->key()));
    ASSIGN_OR_RETURN(internal::RecordView record, internal::DecodeRecord(cursor_->value()));
    out->prev_hash = record.prev_hash;
    out->hash = record.hash;
    out->event_bytes = record.event_bytes;
    return true;
  }

 private:
  std::unique_ptr<internal::Cursor> cursor_;
  uint64_t from_;
  bool started_ = false;
};

class RocksIndexCursor final : public IndexCursor {
 public:
  explicit RocksIndexCursor(std::unique_ptr<internal::Cursor> cursor) : cursor_(std::move(cursor)) {}

  absl::StatusOr<bool> Next(IndexEntry* out) override {
    ASSIGN_OR_RETURN(bool on, Advance(*cursor_, &started_, [&] { cursor_->SeekToFirst(); }));
    if (!on) return false;
    absl::StatusOr<uint64_t> sequence = internal::DecodeSequence(cursor_->value());
    if (!sequence.ok()) {
      return absl::DataLossError(absl::StrCat("the index entry of ", cursor_->key(),
                                              " does not hold a sequence"));
    }
    out->key = cursor_->key();
    out->sequence = *sequence;
    return true;
  }

 private:
  std::unique_ptr<internal::Cursor> cursor_;
  bool started_ = false;
};

// The projection and sequence a snapshot key names; false when it is not
// "name/" and 8 bytes.
bool ParseSnapshotKey(absl::string_view key, SnapshotBlob* out) {
  const size_t slash = key.find('/');
  out->projection = std::string(key.substr(0, slash));
  out->key_parsed = false;
  if (slash == absl::string_view::npos || key.size() != slash + 1 + internal::kSequenceBytes) {
    return false;
  }
  absl::StatusOr<uint64_t> sequence = internal::DecodeSequence(key.substr(slash + 1));
  if (!sequence.ok()) return false;
  out->sequence = *sequence;
  out->key_parsed = true;
  return true;
}

// One projection's records, newest first, from a sequence down.
class RocksSnapshotsBack final : public SnapshotCursor {
 public:
  RocksSnapshotsBack(std::unique_ptr<internal::Cursor> cursor, std::string projection,
                     uint64_t sequence)
      : cursor_(std::move(cursor)), prefix_(absl::StrCat(projection, "/")), from_(sequence) {}

  absl::StatusOr<bool> Next(SnapshotBlob* out) override {
    if (!started_) {
      cursor_->SeekForPrev(RocksLogStore::SnapshotKey(
          absl::string_view(prefix_).substr(0, prefix_.size() - 1), from_));
      started_ = true;
    } else {
      cursor_->Prev();
    }
    // Keys that do not parse are passed over, a bounded number of them.
    for (size_t skipped = 0; skipped < limits::kSnapshotRecordsScannedMax; ++skipped) {
      if (!cursor_->Valid()) {
        RETURN_IF_ERROR(cursor_->status());
        return false;
      }
      if (!absl::StartsWith(cursor_->key(), prefix_)) return false;
      if (ParseSnapshotKey(cursor_->key(), out)) {
        out->bytes = std::string(cursor_->value());
        return true;
      }
      cursor_->Prev();
    }
    return false;
  }

 private:
  std::unique_ptr<internal::Cursor> cursor_;
  std::string prefix_;
  uint64_t from_;
  bool started_ = false;
};

class RocksAllSnapshots final : public SnapshotCursor {
 public:
  explicit RocksAllSnapshots(std::unique_ptr<internal::Cursor> cursor) : cursor_(std::move(cursor)) {}

  absl::StatusOr<bool> Next(SnapshotBlob* out) override {
    ASSIGN_OR_RETURN(bool on, Advance(*cursor_, &started_, [&] { cursor_->SeekToFirst(); }));
    if (!on) return false;
    ParseSnapshotKey(cursor_->key(), out);
    out->bytes = std::string(cursor_->value());
    return true;
  }

 private:
  std::unique_ptr<internal::Cursor> cursor_;
  bool started_ = false;
};

absl::StatusOr<std::optional<LogRecord>> RecordOf(uint64_t sequence,
                                                 const std::optional<std::string>& value) {
  if (!value.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(internal::RecordView view, internal::DecodeRecord(*value));
  return LogRecord{.sequence = sequence, .prev_hash = view.prev_hash, .hash = view.hash,
                   .event_bytes = std::string(view.event_bytes)};
}

// Evidence manifests, the keys tagged 'm', in hash order.
class RocksEvidenceCursor final : public EvidenceCursor {
 public:
  explicit RocksEvidenceCursor(std::unique_ptr<internal::Cursor> cursor) : cursor_(std::move(cursor)) {}

  absl::StatusOr<bool> Next(EvidenceEntry* out) override {
    if (cursor_ == nullptr) return false;  // a ledger without the evidence family
    ASSIGN_OR_RETURN(bool on, Advance(*cursor_, &started_, [&] {
      cursor_->Seek(absl::string_view(&internal::kEvidenceManifestTag, 1));
    }));
    if (!on || cursor_->key().empty() || cursor_->key()[0] != internal::kEvidenceManifestTag) {
      return false;
    }
    if (cursor_->key().size() != internal::kEvidenceManifestKeyBytes) {
      return absl::DataLossError(absl::StrCat("an evidence manifest's key has ",
                                              cursor_->key().size(), " bytes, not 33"));
    }
    ASSIGN_OR_RETURN(out->sha256, HashFromBytes(cursor_->key().substr(1)));
    RETURN_IF_ERROR(internal::DecodeEvidenceManifest(cursor_->value(), &out->manifest.size,
                                                     &out->manifest.chunks));
    return true;
  }

 private:
  std::unique_ptr<internal::Cursor> cursor_;
  bool started_ = false;
};

// Each chunk a write of its own, unsynced; the manifest synced (RocksDB's
// write-ahead log is in order: syncing it syncs the chunks before it).
class RocksEvidenceWriter final : public EvidenceWriter {
 public:
  RocksEvidenceWriter(internal::Store* store, const Hash& sha256) : store_(store), sha256_(sha256) {
    if (store->read_only()) status_ = absl::FailedPreconditionError("the ledger is open read-only");
  }

  absl::Status Add(absl::string_view chunk) override {
    RETURN_IF_ERROR(status_);
    AIDLEDGER_CHECK(!chunk.empty() && chunk.size() <= limits::kEvidenceChunkBytes);
    internal::Batch batch = store_->NewBatch();
    batch.Put(Family::kEvidence, internal::EvidenceChunkKey(sha256_, next_++), chunk);
    status_ = store_->Write(&batch, /*sync=*/false);
    return status_;
  }

  absl::Status Finish(const EvidenceManifest& manifest) override {
    RETURN_IF_ERROR(status_);
    AIDLEDGER_CHECK(manifest.chunks == next_);
    internal::Batch batch = store_->NewBatch();
    batch.Put(Family::kEvidence, internal::EvidenceManifestKey(sha256_),
              internal::EncodeEvidenceManifest(manifest.size, manifest.chunks));
    status_ = store_->Write(&batch, /*sync=*/true);
    return status_;
  }

 private:
  internal::Store* const store_;
  const Hash sha256_;
  uint64_t next_ = 0;
  absl::Status status_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<RocksLogStore>> RocksLogStore::Open(
    const std::string& dir, const internal::StoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<internal::Store> store, internal::Store::Open(dir, options));
  return std::unique_ptr<RocksLogStore>(new RocksLogStore(std::move(store)));
}

std::string RocksLogStore::SnapshotKey(absl::string_view projection, uint64_t sequence) {
  return absl::StrCat(projection, "/", internal::EncodeSequence(sequence));
}

absl::Status RocksLogStore::Initialize() {
  absl::MutexLock lock(&append_mutex_);
  internal::Batch batch = store_->NewBatch();
  batch.Put(Family::kMeta, internal::kMetaFormatVersionKey, internal::kFormatVersion);
  batch.Put(Family::kMeta, internal::kMetaHeadKey, internal::EncodeHead({}));
  return store_->Write(&batch, /*sync=*/true);
}

absl::StatusOr<std::optional<std::string>> RocksLogStore::FormatVersion() const {
  return store_->Get(Family::kMeta, internal::kMetaFormatVersionKey);
}

absl::StatusOr<internal::Head> RocksLogStore::ReadHead() const {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                   store_->Get(Family::kMeta, internal::kMetaHeadKey));
  if (!bytes.has_value()) return absl::DataLossError("the ledger has no stored head");
  return internal::DecodeHead(*bytes);
}

absl::Status RocksLogStore::Append(const internal::Head& expected, const LogAppend& batch,
                                   bool sync) {
  AIDLEDGER_CHECK(!batch.records.empty());
  AIDLEDGER_CHECK(batch.records.front().sequence == expected.sequence + 1);
  AIDLEDGER_CHECK(batch.head.sequence == batch.records.back().sequence);
  absl::MutexLock lock(&append_mutex_);
  ASSIGN_OR_RETURN(internal::Head stored, ReadHead());
  if (stored.sequence != expected.sequence || stored.hash != expected.hash) {
    return absl::AbortedError(absl::StrCat("the head moved: the store is at event ",
                                           stored.sequence, ", not ", expected.sequence));
  }
  internal::Batch write = store_->NewBatch();
  for (const LogRecord& record : batch.records) {
    write.Put(Family::kEvents, internal::EncodeSequence(record.sequence),
              internal::EncodeRecord(record.prev_hash, record.hash, record.event_bytes));
  }
  for (const IndexEntry& entry : batch.event_ids) {
    write.Put(Family::kEventIds, entry.key, internal::EncodeSequence(entry.sequence));
  }
  for (const IndexEntry& entry : batch.reversals) {
    write.Put(Family::kReversals, entry.key, internal::EncodeSequence(entry.sequence));
  }
  write.Put(Family::kMeta, internal::kMetaHeadKey, internal::EncodeHead(batch.head));
  return store_->Write(&write, sync);
}

std::unique_ptr<RecordCursor> RocksLogStore::Read(uint64_t from) const {
  return std::make_unique<RocksRecordCursor>(store_->NewCursor(Family::kEvents), from);
}

absl::StatusOr<std::optional<LogRecord>> RocksLogStore::ReadRecord(uint64_t sequence) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   store_->Get(Family::kEvents, internal::EncodeSequence(sequence)));
  return RecordOf(sequence, value);
}

absl::StatusOr<std::optional<LogRecord>> RocksLogStore::ReadLast() const {
  std::unique_ptr<internal::Cursor> last = store_->NewCursor(Family::kEvents);
  last->SeekToLast();
  if (!last->Valid()) {
    RETURN_IF_ERROR(last->status());
    return std::nullopt;
  }
  ASSIGN_OR_RETURN(uint64_t sequence, internal::DecodeSequence(last->key()));
  return RecordOf(sequence, std::string(last->value()));
}

absl::StatusOr<std::optional<uint64_t>> RocksLogStore::Find(LogIndex index,
                                                            absl::string_view key) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, store_->Get(FamilyOf(index), key));
  if (!value.has_value()) return std::nullopt;
  return internal::DecodeSequence(*value);
}

absl::StatusOr<std::vector<bool>> RocksLogStore::Contains(
    LogIndex index, absl::Span<const absl::string_view> keys) const {
  return store_->Contains(FamilyOf(index), keys);
}

std::unique_ptr<IndexCursor> RocksLogStore::Scan(LogIndex index) const {
  return std::make_unique<RocksIndexCursor>(store_->NewCursor(FamilyOf(index)));
}

absl::Status RocksLogStore::PutSnapshots(absl::Span<const SnapshotBlob> snapshots, bool sync) {
  internal::Batch batch = store_->NewBatch();
  for (const SnapshotBlob& snapshot : snapshots) {
    batch.Put(Family::kSnapshots, SnapshotKey(snapshot.projection, snapshot.sequence),
              snapshot.bytes);
  }
  return store_->Write(&batch, sync);
}

std::unique_ptr<SnapshotCursor> RocksLogStore::SnapshotsBackFrom(absl::string_view projection,
                                                                 uint64_t sequence) const {
  return std::make_unique<RocksSnapshotsBack>(store_->NewCursor(Family::kSnapshots),
                                              std::string(projection), sequence);
}

std::unique_ptr<SnapshotCursor> RocksLogStore::AllSnapshots() const {
  return std::make_unique<RocksAllSnapshots>(store_->NewCursor(Family::kSnapshots));
}

std::unique_ptr<EvidenceWriter> RocksLogStore::BeginEvidence(const Hash& sha256) {
  return std::make_unique<RocksEvidenceWriter>(store_.get(), sha256);
}

absl::StatusOr<std::optional<EvidenceManifest>> RocksLogStore::FindEvidence(
    const Hash& sha256) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   store_->Get(Family::kEvidence, internal::EvidenceManifestKey(sha256)));
  if (!value.has_value()) return std::nullopt;
  EvidenceManifest manifest;
  RETURN_IF_ERROR(internal::DecodeEvidenceManifest(*value, &manifest.size, &manifest.chunks));
  return manifest;
}

absl::StatusOr<std::string> RocksLogStore::ReadEvidenceChunk(const Hash& sha256,
                                                             uint64_t index) const {
  ASSIGN_OR_RETURN(std::optional<std::string> chunk,
                   store_->Get(Family::kEvidence, internal::EvidenceChunkKey(sha256, index)));
  if (!chunk.has_value()) {
    return absl::DataLossError(
        absl::StrCat("chunk ", index, " of evidence ", Hex(sha256), " is missing"));
  }
  return *std::move(chunk);
}

std::unique_ptr<EvidenceCursor> RocksLogStore::ListEvidence() const {
  return std::make_unique<RocksEvidenceCursor>(
      store_->has(Family::kEvidence) ? store_->NewCursor(Family::kEvidence) : nullptr);
}

}  // namespace aidledger
