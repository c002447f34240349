// The LogStore of one RocksDB database, in the format of codec.h, over the
// RocksDB wrapper (store.h).
#ifndef AIDLEDGER_LEDGER_STORE_ROCKS_LOG_STORE_H_
#define AIDLEDGER_LEDGER_STORE_ROCKS_LOG_STORE_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "ledger/store/log_store.h"
#include "ledger/store/store.h"

namespace aidledger {

class RocksLogStore final : public LogStore {
 public:
  // Opens (or, with create_if_missing, creates) the database in `dir`.
  // kNotFound: none there; kUnavailable: another process holds it.
  static absl::StatusOr<std::unique_ptr<RocksLogStore>> Open(const std::string& dir,
                                                             const internal::StoreOptions& options);

  absl::Status Initialize() override;
  absl::StatusOr<std::optional<std::string>> FormatVersion() const override;
  absl::StatusOr<internal::Head> ReadHead() const override;
  absl::Status Append(const internal::Head& expected, const LogAppend& batch,
                      bool sync) override;
  std::unique_ptr<RecordCursor> Read(uint64_t from) const override;
  absl::StatusOr<std::optional<LogRecord>> ReadRecord(uint64_t sequence) const override;
  absl::StatusOr<std::optional<LogRecord>> ReadLast() const override;
  absl::StatusOr<std::optional<uint64_t>> Find(LogIndex index,
                                               absl::string_view key) const override;
  absl::StatusOr<std::vector<bool>> Contains(
      LogIndex index, absl::Span<const absl::string_view> keys) const override;
  std::unique_ptr<IndexCursor> Scan(LogIndex index) const override;
  absl::Status PutSnapshots(absl::Span<const SnapshotBlob> snapshots, bool sync) override;
  std::unique_ptr<SnapshotCursor> SnapshotsBackFrom(absl::string_view projection,
                                                    uint64_t sequence) const override;
  std::unique_ptr<SnapshotCursor> AllSnapshots() const override;
  std::unique_ptr<EvidenceWriter> BeginEvidence(const Hash& sha256) override;
  absl::StatusOr<std::optional<EvidenceManifest>> FindEvidence(const Hash& sha256) const override;
  absl::StatusOr<std::string> ReadEvidenceChunk(const Hash& sha256, uint64_t index) const override;
  std::unique_ptr<EvidenceCursor> ListEvidence() const override;
  absl::Status VerifyChecksums() const override { return store_->VerifyChecksums(); }
  absl::Status Flush() override { return store_->Flush(); }
  uint64_t unflushed_bytes() const override { return store_->unflushed_bytes(); }

  // The snapshot key of (projection, sequence): "projection/" and the
  // sequence's 8 big-endian bytes.
  static std::string SnapshotKey(absl::string_view projection, uint64_t sequence);

 private:
  explicit RocksLogStore(std::unique_ptr<internal::Store> store) : store_(std::move(store)) {}

  std::unique_ptr<internal::Store> store_;
  // Makes "read the head, compare, write" one step for appenders in this
  // process (RocksDB's lock keeps other processes out).
  absl::Mutex append_mutex_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_STORE_ROCKS_LOG_STORE_H_
