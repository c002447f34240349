// The LogStore of one ledger in a PostgreSQL database (15 or later), over
// libpqxx: the only code that includes <pqxx/...>.
//
// Schema (versioned migrations, recorded in aidledger_migrations; see
// postgres_log_store.cc: kMigrations):
//   ledger_head(ledger_id PRIMARY KEY, format_version, head_seq, head_hash,
//               head_recorded_at_micros, created_at)
//   events(ledger_id, seq, event_id, prev_hash, hash, payload,
//          PRIMARY KEY (ledger_id, seq), UNIQUE (event_id, ledger_id))
//   reversals(ledger_id, reversed_event_id PRIMARY KEY with it, seq)
//   snapshots(ledger_id, projection, seq, record, PRIMARY KEY (all three but record))
//   evidence_files(ledger_id, sha256, size, chunks, stored_at), evidence_chunks(
//          ledger_id, sha256, idx, bytes): evidence files (schema version 4)
// No sequence object numbers events: `seq` is the engine's, and an append
// is one transaction that locks the head row (SELECT ... FOR UPDATE),
// checks it is still the head the engine read (else kAborted, "the head
// moved"), inserts the rows and moves the head: appenders on any number of
// machines are serialized by that row, and readers never see event N+1
// before N. Text columns sort bytewise (COLLATE "C"), as RocksDB's keys do.
#ifndef AIDLEDGER_LEDGER_STORE_POSTGRES_LOG_STORE_H_
#define AIDLEDGER_LEDGER_STORE_POSTGRES_LOG_STORE_H_

#include <memory>
#include <string>

#include "ledger/store/log_store.h"
#include "ledger/store/postgres_address.h"

namespace aidledger {

namespace internal {
class PgListener;
class PgPool;
}  // namespace internal

class PostgresLogStore final : public LogStore {
 public:
  struct Options {
    // Create the schema, or migrate it forward, when it is absent or older
    // (a writable open); a read-only open only checks its version.
    bool migrate = false;
  };
  // Connects (a usage error naming host, port and database when it cannot:
  // exit 2) and checks the schema: one newer than this build knows is a
  // usage error, as is an older one when `options.migrate` is false.
  static absl::StatusOr<std::unique_ptr<PostgresLogStore>> Open(const PostgresAddress& address,
                                                                const Options& options);
  ~PostgresLogStore() override;

  // kAlreadyExists when the database holds a ledger of this name.
  absl::Status Initialize() override;
  absl::StatusOr<std::optional<std::string>> FormatVersion() const override;
  absl::StatusOr<internal::Head> ReadHead() const override;
  absl::Status Append(const internal::Head& expected, const LogAppend& batch,
                      bool sync) override;
  // Rows go to the database as they are Added: one transaction, the head
  // row locked (and checked) at the first, one COPY for all of them.
  std::unique_ptr<AppendStream> BeginAppend(const internal::Head& expected, bool sync) override;
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
  // Evidence: evidence_files(ledger_id, sha256, size, chunks, stored_at)
  // and evidence_chunks(ledger_id, sha256, idx, bytes); a file in one
  // transaction.
  std::unique_ptr<EvidenceWriter> BeginEvidence(const Hash& sha256) override;
  absl::StatusOr<std::optional<EvidenceManifest>> FindEvidence(const Hash& sha256) const override;
  absl::StatusOr<std::string> ReadEvidenceChunk(const Hash& sha256, uint64_t index) const override;
  std::unique_ptr<EvidenceCursor> ListEvidence() const override;
  // PostgreSQL checks its pages' checksums as it reads them (clusters made
  // with data checksums on): nothing more to ask of it here.
  absl::Status VerifyChecksums() const override { return absl::OkStatus(); }
  // Every commit is already in PostgreSQL's write-ahead log.
  absl::Status Flush() override { return absl::OkStatus(); }
  uint64_t unflushed_bytes() const override { return 0; }
  bool shared() const override { return true; }
  // Set when a new connection fails after one succeeded; cleared by the
  // next that succeeds.
  std::optional<absl::Time> UnreachableSince() const override;
  // Of the connections lent for reads and writes (not the listener's).
  uint64_t reconnects() const override;
  // LISTENs on a connection of its own; every Append NOTIFYs.
  void AwaitAppend(absl::Duration max) const override;

  // The schema version this build creates and reads.
  static int SchemaVersion();

 private:
  PostgresLogStore(PostgresAddress address, std::unique_ptr<internal::PgPool> pool);

  const PostgresAddress address_;
  std::unique_ptr<internal::PgPool> pool_;
  std::unique_ptr<internal::PgListener> listener_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_STORE_POSTGRES_LOG_STORE_H_
