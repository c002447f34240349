// A shared store (PostgreSQL) read through a local cache of its log (a
// RocksDB directory): what `aidledger serve --cache DIR` opens, so that a
// server's reads of the log (a restart's fold, GET /v1/events, proofs,
// points in time) stay on its own disk, and only what is new comes over
// the network.
//
// The cache holds records 1..k of the shared log, k at most its head:
//   - it follows by sequence: each ReadHead (the engine's open, its catch-up
//     and its following of other writers) copies what the shared log has
//     past k, checking that each record links to the one before and that
//     its hash is the hash of its bytes, so that nothing unchained enters;
//   - an Append goes to the shared store, and once committed there is
//     written to the cache as well (unsynced: a cache that loses its tail in
//     a crash copies it again);
//   - reads of records 1..k come from the cache, the rest from the shared
//     store; the head, the indexes and snapshots always from the shared
//     store, which alone is the ledger.
// At open the cache's last record must be the shared log's record of that
// sequence (a cache of another ledger, or of a log since rewritten, is
// refused: remove the directory to start it again).
// A failed write to the cache leaves it behind (it is refilled later); it
// never fails an append the shared store committed.
#ifndef AIDLEDGER_LEDGER_STORE_CACHED_LOG_STORE_H_
#define AIDLEDGER_LEDGER_STORE_CACHED_LOG_STORE_H_

#include <memory>
#include <mutex>
#include <string>

#include "ledger/store/log_store.h"

namespace aidledger {

class CachedLogStore final : public LogStore {
 public:
  // `shared`: the ledger; `cache`: an initialized store for the cache,
  // named `cache_name` in messages. A usage error when the cache is not of
  // this ledger.
  static absl::StatusOr<std::unique_ptr<CachedLogStore>> Open(std::unique_ptr<LogStore> shared,
                                                              std::unique_ptr<LogStore> cache,
                                                              std::string cache_name);

  absl::Status Initialize() override { return shared_->Initialize(); }
  absl::StatusOr<std::optional<std::string>> FormatVersion() const override {
    return shared_->FormatVersion();
  }
  // The shared store's head, after copying to the cache what it lacks.
  absl::StatusOr<internal::Head> ReadHead() const override;
  absl::Status Append(const internal::Head& expected, const LogAppend& batch,
                      bool sync) override;
  // The shared store's stream; at Finish, the cache is written as by Append.
  std::unique_ptr<AppendStream> BeginAppend(const internal::Head& expected, bool sync) override;
  std::unique_ptr<RecordCursor> Read(uint64_t from) const override;
  absl::StatusOr<std::optional<LogRecord>> ReadRecord(uint64_t sequence) const override;
  absl::StatusOr<std::optional<LogRecord>> ReadLast() const override { return shared_->ReadLast(); }
  absl::StatusOr<std::optional<uint64_t>> Find(LogIndex index,
                                               absl::string_view key) const override {
    return shared_->Find(index, key);
  }
  absl::StatusOr<std::vector<bool>> Contains(
      LogIndex index, absl::Span<const absl::string_view> keys) const override {
    return shared_->Contains(index, keys);
  }
  std::unique_ptr<IndexCursor> Scan(LogIndex index) const override { return shared_->Scan(index); }
  absl::Status PutSnapshots(absl::Span<const SnapshotBlob> snapshots, bool sync) override {
    return shared_->PutSnapshots(snapshots, sync);
  }
  std::unique_ptr<SnapshotCursor> SnapshotsBackFrom(absl::string_view projection,
                                                    uint64_t sequence) const override {
    return shared_->SnapshotsBackFrom(projection, sequence);
  }
  std::unique_ptr<SnapshotCursor> AllSnapshots() const override { return shared_->AllSnapshots(); }
  // Evidence is the shared store's alone: the cache holds the log only.
  std::unique_ptr<EvidenceWriter> BeginEvidence(const Hash& sha256) override {
    return shared_->BeginEvidence(sha256);
  }
  absl::StatusOr<std::optional<EvidenceManifest>> FindEvidence(const Hash& sha256) const override {
    return shared_->FindEvidence(sha256);
  }
  absl::StatusOr<std::string> ReadEvidenceChunk(const Hash& sha256, uint64_t index) const override {
    return shared_->ReadEvidenceChunk(sha256, index);
  }
  std::unique_ptr<EvidenceCursor> ListEvidence() const override { return shared_->ListEvidence(); }
  absl::Status VerifyChecksums() const override;
  absl::Status Flush() override { return cache_->Flush(); }
  uint64_t unflushed_bytes() const override { return cache_->unflushed_bytes(); }
  bool shared() const override { return true; }
  std::optional<absl::Time> UnreachableSince() const override {
    return shared_->UnreachableSince();
  }
  uint64_t reconnects() const override { return shared_->reconnects(); }
  void AwaitAppend(absl::Duration max) const override { shared_->AwaitAppend(max); }

  // The last record the cache holds (0: none).
  uint64_t cached_sequence() const;

 private:
  class Stream;

  CachedLogStore(std::unique_ptr<LogStore> shared, std::unique_ptr<LogStore> cache,
                 std::string cache_name)
      : shared_(std::move(shared)), cache_(std::move(cache)), cache_name_(std::move(cache_name)) {}
  // Copies records past the cache's head up to `to` from the shared store,
  // checked, limits::kCacheFillRecordsPerWrite a write. kDataLoss when a
  // record does not chain.
  absl::Status Fill(uint64_t to) const;

  std::unique_ptr<LogStore> shared_;
  std::unique_ptr<LogStore> cache_;
  const std::string cache_name_;
  // Serializes writes to the cache (fills and appends).
  mutable std::mutex cache_mutex_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_STORE_CACHED_LOG_STORE_H_
