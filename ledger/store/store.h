// The RocksDB wrapper: the only code in aidledger that includes <rocksdb/...>.
// It opens the column families of ledger/store/codec.h, turns every
// RocksDB status into an absl::Status in one place (FromRocks), and writes
// each logical operation as one WriteBatch.
//
// Thread safety: Get, NewCursor and Write may be called concurrently (RocksDB
// is thread-safe); the Ledger serializes writers itself.
#ifndef AIDLEDGER_LEDGER_STORE_STORE_H_
#define AIDLEDGER_LEDGER_STORE_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "base/limits.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
class Iterator;
class WriteBatch;
}  // namespace rocksdb

namespace aidledger::internal {

enum class Family : int { kEvents = 0, kEventIds, kReversals, kMeta, kSnapshots, kEvidence };
inline constexpr int kFamilyCount = 6;
absl::string_view FamilyName(Family family);

// Forward iteration over one column family, in key order.
class Cursor {
 public:
  explicit Cursor(std::unique_ptr<rocksdb::Iterator> iterator);
  ~Cursor();
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  void Seek(absl::string_view key);
  // To the last key at or before `key`.
  void SeekForPrev(absl::string_view key);
  void SeekToFirst();
  void SeekToLast();
  bool Valid() const;
  void Next();
  void Prev();
  // REQUIRES: Valid(). Views stay good until the next move.
  absl::string_view key() const;
  absl::string_view value() const;
  // The error that ended iteration, if any (corruption, I/O).
  absl::Status status() const;

 private:
  std::unique_ptr<rocksdb::Iterator> iterator_;
};

class Store;

// A set of writes applied all together or not at all. Made by
// Store::NewBatch; must not outlive its Store.
class Batch {
 public:
  ~Batch();
  Batch(Batch&&) noexcept;
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Put(Family family, absl::string_view key, absl::string_view value);
  size_t bytes() const;
  // Marks a point that RollbackToSavePoint returns the batch to.
  void SetSavePoint();
  void RollbackToSavePoint();

 private:
  friend class Store;
  explicit Batch(const Store* store);
  const Store* store_;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

struct StoreOptions {
  bool read_only = false;
  bool create_if_missing = false;
  // Write-ahead log bytes kept before the families holding the oldest are
  // flushed (tests set a small one).
  uint64_t wal_bytes_max = limits::kWalBytesMax;
  // Bytes written in one session past which closing flushes the memtables.
  uint64_t flush_at_close_bytes = limits::kUnflushedBytesWorthFlushing;
};

class Store {
 public:
  // kNotFound when there is no database at `dir` and create_if_missing is
  // false; kUnavailable when another process holds it for writing.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const StoreOptions& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Batch NewBatch() const { return Batch(this); }
  absl::StatusOr<std::optional<std::string>> Get(Family family, absl::string_view key) const;
  // Whether the family holds each of `keys`, in one batched lookup
  // (RocksDB's MultiGet shares the table, index and filter probes).
  absl::StatusOr<std::vector<bool>> Contains(Family family,
                                             absl::Span<const absl::string_view> keys) const;
  std::unique_ptr<Cursor> NewCursor(Family family) const;
  // `sync`: the write is on disk (fsync'd WAL) before this returns.
  absl::Status Write(Batch* batch, bool sync);
  // RocksDB's own full checksum verification of every SST file.
  absl::Status VerifyChecksums() const;
  // Flushes memtables to SST files (also on closing after
  // flush_at_close_bytes of writes). A failure leaves RocksDB in its error
  // state: the store refuses writes and is not closed normally (~Store).
  absl::Status Flush();
  // Bytes written since the open or the last Flush.
  uint64_t unflushed_bytes() const { return unflushed_bytes_; }
  bool read_only() const { return read_only_; }
  // Whether the database has the family: evidence is absent from a ledger
  // made before it (codec.h) until a writable open adds it. Get of a family
  // absent finds nothing; NewCursor REQUIRES it.
  bool has(Family family) const { return Handle(family) != nullptr; }
  const std::string& dir() const { return dir_; }

 private:
  friend class Batch;
  Store() = default;
  rocksdb::ColumnFamilyHandle* Handle(Family family) const;

  std::string dir_;
  bool read_only_ = false;
  // A write failed (a full disk, an I/O error): the store is not closed
  // normally, see ~Store.
  bool write_failed_ = false;
  uint64_t unflushed_bytes_ = 0;  // written since the open or the last Flush
  uint64_t flush_at_close_bytes_ = 0;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* handles_[kFamilyCount] = {};
  rocksdb::ColumnFamilyHandle* default_handle_ = nullptr;
};

}  // namespace aidledger::internal

#endif  // AIDLEDGER_LEDGER_STORE_STORE_H_
