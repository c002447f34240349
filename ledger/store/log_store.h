// LogStore: what the engine (ledger/) needs of a place to keep a ledger,
// and all it knows of one. The RocksDB store (rocks_log_store.h) is one
// implementation; every implementation passes the conformance suite in
// tests/ledger/store/log_store_conformance_test.cc.
//
// A store holds:
//   - the log: records 1..head, gapless, each its event bytes with the
//     chain hashes of itself and of the record before (codec.h: ChainHash);
//   - the head (sequence, hash, recorded_at of the last record) and the
//     format version;
//   - two indexes beside the log: event_id -> sequence, and reversed
//     event_id -> sequence of the reversal. They are derived data; the
//     engine checks what it reads from them against the log;
//   - snapshot records: opaque bytes under (projection, sequence);
//   - evidence files (issue 25): bytes under their SHA-256, in chunks of at
//     most limits::kEvidenceChunkBytes, each file with a manifest (its size
//     and chunk count). The store does not hash: the engine checks a file's
//     bytes against its name before it finishes one, and again as it reads.
//
// The contract:
//   - Atomic: Append writes its records, index entries and head all or
//     none, and only if the stored head is still the one the caller read
//     (else kAborted, "the head moved", and nothing is written).
//     PutSnapshots writes all of its records or none. An evidence file is
//     stored, chunks and manifest, only if its writer's Finish returns OK;
//     before that no reader sees it (a crash may leave chunks without a
//     manifest: invisible, and written over by the next attempt).
//   - Immutable: nothing is changed or removed. Evidence is content
//     addressed: storing a file the store holds writes nothing new.
//   - Durable: when Append or PutSnapshots returns OK with `sync`, what it
//     wrote survives a crash of the process or the machine.
//   - Readers (Read, ReadRecord, Find, ...) see a state some Append left,
//     never part of one; a cursor sees the store as it was when the cursor
//     was made, and may be used while appends go on.
//   - Damage: a record or entry that does not decode is kDataLoss naming
//     it, never skipped and never turned into a value.
//   - Errors come translated (store.cc: FromRocks for RocksDB): kNotFound
//     no ledger, kUnavailable held by another process, kResourceExhausted
//     no space, kDataLoss damage, kAborted the head moved.
//   - Thread safety: any method from any thread; writes are serialized by
//     the engine (one appender at a time).
#ifndef AIDLEDGER_LEDGER_STORE_LOG_STORE_H_
#define AIDLEDGER_LEDGER_STORE_LOG_STORE_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "base/sha256.h"
#include "ledger/store/codec.h"

namespace aidledger {

// A record of the log.
struct LogRecord {
  uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  std::string event_bytes;
};

// A record as a cursor hands it out: the bytes are valid until the cursor
// moves on.
struct LogRecordView {
  uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  absl::string_view event_bytes;
};

// Records in sequence order.
class RecordCursor {
 public:
  virtual ~RecordCursor() = default;
  // The next record: true and `*out`, or false past the last one. kDataLoss
  // for a record that does not decode (naming its key).
  virtual absl::StatusOr<bool> Next(LogRecordView* out) = 0;
};

enum class LogIndex { kEventIds, kReversals };

// An entry of an index: its key (an event_id) and the sequence it names.
struct IndexEntry {
  absl::string_view key;
  uint64_t sequence = 0;
};

// Entries of an index in key order (bytewise).
class IndexCursor {
 public:
  virtual ~IndexCursor() = default;
  // The next entry, valid until the cursor moves on; false past the last.
  // kDataLoss for an entry whose value is not a sequence.
  virtual absl::StatusOr<bool> Next(IndexEntry* out) = 0;
};

// A stored snapshot record: its projection and sequence as its key names
// them, and its bytes (a serialized v1::SnapshotRecord, opaque here).
struct SnapshotBlob {
  std::string projection;
  uint64_t sequence = 0;
  // False when the key itself does not parse (then only `projection`, what
  // comes before its '/', is known).
  bool key_parsed = true;
  std::string bytes;
};

class SnapshotCursor {
 public:
  virtual ~SnapshotCursor() = default;
  virtual absl::StatusOr<bool> Next(SnapshotBlob* out) = 0;
};

// One Append: the records after the expected head, in order, and the index
// entries they add, each index's in key order (a store may use it). The
// entries' keys are views: of the appended events' ids, which the caller
// keeps alive until Append returns.
struct LogAppend {
  std::vector<LogRecord> records;
  std::vector<IndexEntry> event_ids;
  std::vector<IndexEntry> reversals;
  internal::Head head;  // the new head: the last record's
};

// Sorts index entries by key, as LogAppend wants them.
inline void SortByKey(std::vector<IndexEntry>* entries) {
  std::sort(entries->begin(), entries->end(),
            [](const IndexEntry& a, const IndexEntry& b) { return a.key < b.key; });
}

// An Append begun before its batch is whole. The engine hands records over
// as it stages them (Add), and then the whole batch (Finish), which writes
// it under Append's contract: nothing is visible, and nothing stays, unless
// Finish returns OK; dropped without Finish, the stream writes nothing. A
// store may start writing at Add (PostgreSQL streams the rows into an open
// transaction, so that the database stores a batch while the engine stages
// the rest of it) or keep nothing until Finish. After an error, every later
// call returns it.
class AppendStream {
 public:
  virtual ~AppendStream() = default;
  // The next record of the batch, with its event_id. REQUIRES: records in
  // sequence order from the expected head's next.
  virtual absl::Status Add(const LogRecord& record, absl::string_view event_id) = 0;
  // REQUIRES: batch.records begin with the records Added, in order.
  virtual absl::Status Finish(const LogAppend& batch) = 0;
};

// A stored evidence file: its name (SHA-256 of its bytes) and manifest.
struct EvidenceManifest {
  uint64_t size = 0;    // bytes
  uint64_t chunks = 0;  // chunk 0..chunks-1 hold them, in order
  bool operator==(const EvidenceManifest&) const = default;
};
struct EvidenceEntry {
  Hash sha256{};
  EvidenceManifest manifest;
};

// Stored evidence files in the order of their hashes (bytewise).
class EvidenceCursor {
 public:
  virtual ~EvidenceCursor() = default;
  // kDataLoss for a manifest that does not decode.
  virtual absl::StatusOr<bool> Next(EvidenceEntry* out) = 0;
};

// One evidence file being stored: its chunks in order, then Finish. Dropped
// without Finish, it stores nothing. After an error every later call
// returns it.
class EvidenceWriter {
 public:
  virtual ~EvidenceWriter() = default;
  // REQUIRES: 1 <= chunk.size() <= limits::kEvidenceChunkBytes, and every
  // chunk before the last full.
  virtual absl::Status Add(absl::string_view chunk) = 0;
  // Writes the manifest (durably: synced) and makes the file visible.
  // REQUIRES: `manifest` counts the chunks and bytes Added.
  virtual absl::Status Finish(const EvidenceManifest& manifest) = 0;
};

class LogStore {
 public:
  virtual ~LogStore() = default;

  // Makes the store an empty ledger: its format version, and head 0.
  virtual absl::Status Initialize() = 0;
  // nullopt: the store holds no ledger (no format version).
  virtual absl::StatusOr<std::optional<std::string>> FormatVersion() const = 0;
  // kDataLoss when no head is stored.
  virtual absl::StatusOr<internal::Head> ReadHead() const = 0;

  // See the contract above. REQUIRES: batch.records continue `expected`
  // (sequence expected.sequence + 1 on) and batch.head names the last.
  virtual absl::Status Append(const internal::Head& expected, const LogAppend& batch,
                              bool sync) = 0;
  // An Append as a stream (see AppendStream). This default keeps nothing
  // until Finish, which is Append.
  virtual std::unique_ptr<AppendStream> BeginAppend(const internal::Head& expected, bool sync);

  // Records from `from` on, in order, up to the last stored.
  virtual std::unique_ptr<RecordCursor> Read(uint64_t from) const = 0;
  virtual absl::StatusOr<std::optional<LogRecord>> ReadRecord(uint64_t sequence) const = 0;
  // The record with the highest sequence, or nullopt for an empty log.
  virtual absl::StatusOr<std::optional<LogRecord>> ReadLast() const = 0;

  virtual absl::StatusOr<std::optional<uint64_t>> Find(LogIndex index,
                                                       absl::string_view key) const = 0;
  // Whether the index holds each of `keys`, in one batched lookup.
  // REQUIRES: keys.size() <= limits::kMultiGetKeysMax.
  virtual absl::StatusOr<std::vector<bool>> Contains(
      LogIndex index, absl::Span<const absl::string_view> keys) const = 0;
  virtual std::unique_ptr<IndexCursor> Scan(LogIndex index) const = 0;

  // Stores snapshot records (projection, sequence, bytes), all or none.
  virtual absl::Status PutSnapshots(absl::Span<const SnapshotBlob> snapshots, bool sync) = 0;
  // `projection`'s records at or before `sequence`, newest first (records
  // whose key does not parse are skipped).
  virtual std::unique_ptr<SnapshotCursor> SnapshotsBackFrom(absl::string_view projection,
                                                            uint64_t sequence) const = 0;
  // Every snapshot record, in key order.
  virtual std::unique_ptr<SnapshotCursor> AllSnapshots() const = 0;

  // Evidence files (see the contract above). REQUIRES: a writable store.
  virtual std::unique_ptr<EvidenceWriter> BeginEvidence(const Hash& sha256) = 0;
  // The manifest of a stored file, or nullopt.
  virtual absl::StatusOr<std::optional<EvidenceManifest>> FindEvidence(
      const Hash& sha256) const = 0;
  // Chunk `index` of a stored file: kDataLoss when it is missing.
  virtual absl::StatusOr<std::string> ReadEvidenceChunk(const Hash& sha256,
                                                        uint64_t index) const = 0;
  virtual std::unique_ptr<EvidenceCursor> ListEvidence() const = 0;

  // The store's own integrity check of everything it holds (RocksDB: every
  // table file's checksums). kDataLoss on damage.
  virtual absl::Status VerifyChecksums() const = 0;
  // Moves what is buffered in memory to its files (a store that has no such
  // buffer does nothing). A failure leaves the store refusing writes.
  virtual absl::Status Flush() = 0;
  // Bytes appended since the open or the last Flush.
  virtual uint64_t unflushed_bytes() const = 0;

  // Since when the store cannot be reached (a database restarting or
  // failing over), or nullopt while it can (a local store always can).
  virtual std::optional<absl::Time> UnreachableSince() const { return std::nullopt; }
  // Connections made again since the open, after one broke or could not be
  // made (0 for a local store).
  virtual uint64_t reconnects() const { return 0; }
  // Whether other processes may append to the store while it is open for
  // writing here (PostgreSQL: yes; RocksDB holds a lock: no).
  virtual bool shared() const { return false; }
  // Waits at most `max` for another process to append (a store several
  // processes write: PostgreSQL). It may return early without an append,
  // or late after one (a notification lost with a connection): callers
  // read the head to know. A store with one writer just waits.
  virtual void AwaitAppend(absl::Duration max) const { absl::SleepFor(max); }
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_STORE_LOG_STORE_H_
