// The ledger: an append-only, hash-chained log of aidledger.v1.Event in
// RocksDB, with the live Books (every projection at the head) in memory.
//
// Writing: Submit is the one write path (the CLI, import, restore and the
// server's group committer all call it). It runs each draft through the
// rejection ladder (state/validate.h) against the live Books, stamps
// sequence, recorded_at and event_id, chains the hash and writes every
// accepted request of the call as one synced batch through the LogStore.
//
// After a failed write the ledger refuses every further write (as LevelDB
// does after a failed sync): the disk state is unknown until reopened.
//
// Thread safety: appends are serialized by an internal mutex; reads of the
// store (Read, FindByEventId) may run concurrently with them. books() and
// head() must not race with appends.
#ifndef AIDLEDGER_LEDGER_LEDGER_H_
#define AIDLEDGER_LEDGER_LEDGER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "aidledger/v1/audit.pb.h"
#include "aidledger/v1/events.pb.h"
#include "base/merkle.h"
#include "base/sha256.h"
#include "ledger/store/log_store.h"
#include "state/books.h"
#include "state/validate.h"

namespace aidledger {
namespace v1 {
class SnapshotRecord;
}  // namespace v1

class LogStore;
class RecordCursor;
namespace internal {
struct Head;
}  // namespace internal

struct LedgerOptions {
  // Opens without the write lock: no appends, and other processes may hold
  // the ledger for writing meanwhile.
  bool read_only = false;
  // Each append batch is on disk (fsync) before Append returns.
  bool sync = true;
  // The clock that stamps recorded_at; absl::Now when empty (tests inject).
  std::function<absl::Time()> clock;
  // Fold the log into the live Books at open. Commands that only read the
  // log, or fold to a point of their own, skip it.
  bool fold_on_open = true;
  // Store a snapshot of every projection each time the head crosses a
  // multiple of this many events; 0 never does.
  uint64_t snapshot_every = 100'000;
  // When another process appended first (the store says the head moved:
  // PostgreSQL, where there is no process lock), fold what it appended and
  // stage the group again, up to limits::kAppendCatchUpsMax times, instead
  // of refusing writes until reopened. A server that publishes what it
  // commits reads the events between its published head and the ledger's
  // (which then include the others').
  bool catch_up_on_conflict = false;
  // A ledger in PostgreSQL read through a local RocksDB cache of its log in
  // this directory (made when missing; ledger/store/cached_log_store.h).
  std::string cache_dir;
  // Receives warnings (an untrusted snapshot skipped); stderr-bound in the CLI.
  std::function<void(absl::string_view)> warn;
  // The file of the key that authenticates snapshots (ledger/snapshot_key.h);
  // empty: DefaultSnapshotKeyPath(dir). A writable open makes one when the
  // file is missing; a read-only open then uses no snapshot.
  std::string snapshot_key_path;
};

// The Books folded up to one point of the log.
struct FoldedBooks {
  Books books;
  uint64_t sequence = 0;          // the last event the point includes
  Hash hash{};                    // its chain hash (zeros at sequence 0)
  uint64_t snapshot_sequence = 0; // the snapshot the fold started from; 0: none
  uint64_t events_read = 0;       // events read from the log for this fold
};

// Why a stored snapshot is not used (kNone: it is usable).
enum class SnapshotFault {
  kNone,
  // Not damage, and said in one warning for them all: a snapshot of another
  // projection version (stored by another build: an upgrade), or one without
  // a MAC this ledger can check (an older build, or no key).
  kOtherVersion,
  kUnauthenticated,
  // Damage, or a change made outside aidledger: each is warned of.
  kUndecodable,        // the record, or its state, does not decode
  kBadMac,             // its MAC does not match its bytes
  kNotInLog,           // its sequence and chain hash are not the log's
  kUnknownProjection,  // no projection of that name
};

// A snapshot check: the fault and what to tell a person about it.
struct SnapshotCheck {
  SnapshotFault fault = SnapshotFault::kNone;
  std::string message;  // empty when usable
  bool usable() const { return fault == SnapshotFault::kNone; }
  // Another build's or an unauthenticated snapshot, not damage.
  bool outdated() const {
    return fault == SnapshotFault::kOtherVersion || fault == SnapshotFault::kUnauthenticated;
  }
};

struct SnapshotInfo {
  std::string projection;
  uint32_t version = 0;
  uint64_t sequence = 0;
  Hash chain_hash{};
  size_t state_bytes = 0;
  absl::Time created_at;
  std::string problem;  // empty when the snapshot is usable
  SnapshotFault fault = SnapshotFault::kNone;
};

// Beside the projections' snapshots, each snapshot stores the frontier of
// the log's Merkle tree at its sequence (MerkleAccumulator::EncodeFrontier)
// as a record of this name, MAC'd and checked as theirs are: a digest at the
// head then costs the hashes of the events after it, not the whole log's.
inline constexpr char kMerkleSnapshotName[] = "merkle";
inline constexpr uint32_t kMerkleSnapshotVersion = 1;

// And the fund view's delta (issue 25; docs/fund-view-store.md): the events
// the trace reads that the log gained since the snapshot before, one record
// per partition (kFundViewPartPrefix and the partition) and a manifest
// naming them (kFundViewSnapshotName), MAC'd and checked as the others are.
inline constexpr char kFundViewSnapshotName[] = "fund_view";
inline constexpr char kFundViewPartPrefix[] = "fund_view:";
inline constexpr uint32_t kFundViewSnapshotVersion = 1;

// The fund view kept at snapshots, as Ledger::ReadStoredFundView finds it:
// the parts asked for of every delta up to `sequence` (each a serialized
// v1::FundViewPart, oldest delta first), so that the events after
// `sequence` are what the log adds.
struct StoredFundView {
  uint64_t sequence = 0;
  Hash hash{};  // the chain hash of event `sequence`
  std::vector<std::string> parts;
};

struct AppendResult {
  uint64_t sequence = 0;
  std::string event_id;
  Hash hash{};
  bool duplicate = false;  // an idempotent repeat: nothing was appended
};

struct SubmitOptions {
  // Validate and report, write nothing.
  bool dry_run = false;
  // Go on validating after a rejected draft (skipping it) so that every bad
  // draft is reported; the batch is still not written. At most
  // `rejections_max` are kept, the rest only counted.
  bool collect_rejections = false;
  size_t rejections_max = 100;
  // Restore: the drafts are stored events (of an export), appended as they
  // are instead of stamped: each must carry the next sequence, a
  // recorded_at the ledger can write and not before the one before it, an
  // event_id the ledger does not hold, hash (chained) to the hash given for
  // it here, one per draft, and pass validation again with the fields it
  // resolved (Readmit). A draft that does not is kDataLoss naming its
  // sequence, and nothing of the request is written. One request only.
  const std::vector<Hash>* verbatim_hashes = nullptr;
};

// The drafts of one request, owned by the caller (see Ledger::Submit).
using Drafts = absl::Span<v1::Event* const>;

// Pointers to `drafts`, for Drafts over drafts held in a vector.
std::vector<v1::Event*> DraftPointers(std::vector<v1::Event>& drafts);

struct Rejection {
  size_t index = 0;  // of the draft in the batch
  absl::Status status;
};

struct SubmitOutcome {
  std::vector<AppendResult> results;  // one per draft; meaningful when written
  std::vector<Rejection> rejections;  // the first rejections_max
  size_t rejected = 0;                // all of them
  size_t appended = 0;                // events new to the ledger (0 unless written)
  size_t duplicates = 0;
  bool written = false;
};

// What `verify --digest` checks the log against.
struct ExpectedDigest {
  uint64_t sequence = 0;
  Hash head_hash{};
  Hash merkle_root{};
};

struct VerifyOptions {
  std::optional<ExpectedDigest> digest;
  // Called every few thousand events with (events checked, events in all).
  std::function<void(uint64_t, uint64_t)> progress;
  // Evidence an event names that the store lacks is kDataLoss, not a
  // warning (verify --require-evidence).
  bool require_evidence = false;
};

struct VerifyReport {
  uint64_t events = 0;
  uint64_t snapshots_checked = 0;
  // Fund-view deltas (docs/fund-view-store.md) filed again and found equal.
  uint64_t fund_views_checked = 0;
  // Stored evidence files re-hashed, and their bytes.
  uint64_t evidence_checked = 0;
  uint64_t evidence_bytes = 0;
  // Distinct files the events name that the store lacks.
  uint64_t evidence_missing = 0;
  std::vector<std::string> warnings;
  double seconds = 0;
};

// A stored evidence file's bytes, a chunk at a time, hashed as they come:
// the last chunk is handed out only once every byte hashes to the file's
// name (else kDataLoss), so that no reader ends with altered bytes that look
// whole. Made by Ledger::OpenEvidence.
class EvidenceReader {
 public:
  EvidenceReader(const LogStore* store, const Hash& sha256, const EvidenceManifest& manifest)
      : store_(store), sha256_(sha256), manifest_(manifest) {}
  const EvidenceManifest& manifest() const { return manifest_; }
  // The next chunk; empty after the last. kDataLoss when a chunk is missing,
  // or the bytes do not add up to the manifest or hash to the name.
  absl::StatusOr<std::string> Next();

 private:
  const LogStore* const store_;
  const Hash sha256_;
  const EvidenceManifest manifest_;
  Sha256Stream hasher_;
  uint64_t next_ = 0;
  uint64_t bytes_ = 0;
};

struct LedgerHead {
  uint64_t sequence = 0;  // 0 for an empty ledger
  Hash hash{};            // zeros for an empty ledger
  absl::Time recorded_at = absl::UnixEpoch();
};

// One event as stored, with the chain fields around it.
struct StoredEvent {
  uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  std::string event_bytes;  // the exact stored bytes the hash covers
  v1::Event event;          // decoded from event_bytes
};

// Reads stored events in sequence order. Checks that each record decodes,
// that its hash is the hash of its stored bytes, that sequences are gapless
// and that each record links to the previous one.
// A stored record whose link and hash have been checked, not yet decoded.
struct CheckedRecord {
  uint64_t sequence = 0;
  Hash prev_hash{};
  Hash hash{};
  absl::string_view event_bytes;  // valid until the reader moves on
};

class EventReader {
 public:
  EventReader(std::unique_ptr<RecordCursor> cursor, uint64_t from, uint64_t to);
  ~EventReader();
  // Fills `out` with the next event and returns true, or returns false past
  // `to` or at the end of the log. kDataLoss on a damaged record.
  absl::StatusOr<bool> Next(StoredEvent* out);
  // As Next, with the same checks of the record, but leaves decoding the
  // event to the caller (the folds decode only what they read).
  absl::StatusOr<bool> NextRecord(CheckedRecord* out);

 private:
  std::unique_ptr<RecordCursor> cursor_;
  uint64_t next_;
  uint64_t to_;
  bool started_ = false;        // the cursor has been positioned
  bool started_chain_ = false;  // expected_prev_ holds the previous hash
  Hash expected_prev_{};
};

class Ledger {
 public:
  // `dir` names a ledger: a RocksDB directory, or a PostgreSQL URI
  // (postgresql://USER@HOST:PORT/DBNAME?ledger=NAME, ledger/store/postgres_address.h).
  //
  // Creates an empty ledger at `dir`, and its snapshot key in
  // `snapshot_key_path` (empty: the default, beside a RocksDB directory or
  // $XDG_CONFIG_HOME/aidledger/NAME.key for PostgreSQL) unless a valid one is
  // there. kAlreadyExists when a ledger is there.
  static absl::Status Create(const std::string& dir, const std::string& snapshot_key_path = "");
  // True when `dir` holds a RocksDB database (a ledger or something else).
  static bool Exists(const std::string& dir);
  // Whether `dir` is a PostgreSQL URI rather than a RocksDB directory.
  static bool IsPostgres(const std::string& dir);
  // `dir` as messages may show it: a PostgreSQL URI without its user and
  // password ("ledger NAME at HOST:PORT/DBNAME").
  static std::string DisplayName(const std::string& dir);
  // The ledger's own name, for a page: the PostgreSQL ledger= name, or the
  // RocksDB directory's last component (never the path above it).
  static std::string ShortName(const std::string& db);
  // For a PostgreSQL `db`: a usage error when it would carry the ledger
  // across a network in clear text (store/postgres_address.h,
  // CheckEncryptedTransport; `env_sslmode` is $PGSSLMODE). OK for a directory.
  static absl::Status CheckEncryptedTransport(const std::string& db,
                                              absl::string_view env_sslmode);

  // Opens the ledger at `dir` and folds the log into the live Books.
  // kNotFound: no ledger; kUnavailable: another process holds it;
  // kDataLoss: the stored head and the log disagree, or a record is damaged.
  // On PostgreSQL a writable open migrates the schema forward, and a
  // missing ledger or an unreachable database is a usage error.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(const std::string& dir,
                                                      const LedgerOptions& options);
  // Opens the ledger `store` holds (any LogStore). `name` stands for it in
  // messages; the snapshot key is options.snapshot_key_path, which must be
  // given (there is no directory to put it beside).
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(std::unique_ptr<LogStore> store,
                                                      const std::string& name,
                                                      const LedgerOptions& options);
  ~Ledger();

  // The only write. Each request is a list of drafts the caller owns,
  // written all or nothing: its drafts are checked in order by the
  // rejection ladder (state/validate.h), each against the state the
  // accepted drafts and requests before it leave. Each draft is completed
  // in place (defaults, event_id, sequence, recorded_at, the resolved
  // fields), rejected or not; all must stay alive and untouched by others
  // until this returns. Every accepted request of the call is written as one
  // synced batch (group commit, ledger/group_commit.h). One outcome per
  // request, with rejections listed rather than returned: the status is for
  // I/O, corruption and a batch over limits::kBatchEventsMax.
  // With options.verbatim_hashes the one request is a restore (see there).
  absl::StatusOr<std::vector<SubmitOutcome>> Submit(absl::Span<const Drafts> requests,
                                                    const SubmitOptions& options);
  // Submit of one request of one draft, its rejection as the status.
  absl::StatusOr<AppendResult> Append(v1::Event draft);
  // For a writer that shares its store with others (PostgreSQL): brings the
  // live Books and the head up to what the others appended, checking every
  // link and hash; true when the head moved. A writer that is the store's
  // only one finds nothing to do. A failure refuses writes from here on,
  // except the store's being unreachable (below).
  //
  // A shared store that cannot be reached (kUnavailable: a failover, a
  // restart), or a write that did not commit there (kAborted), does not
  // refuse writes until reopened: the log is intact in the database, so the
  // next Submit or Follow folds the Books again from it, and fails with
  // kUnavailable as long as it still cannot be reached.
  absl::StatusOr<bool> Follow();
  // Whether other processes may append to this ledger meanwhile (its store
  // has no process lock: PostgreSQL).
  bool shared() const;
  // Since when its store cannot be reached (store/log_store.h), if it cannot.
  std::optional<absl::Time> StoreUnreachableSince() const;
  // How appends whose outcome the connection's loss left unknown were
  // resolved (ResolveUnknownOutcome), and the store's reconnections.
  struct OutageCounts {
    uint64_t committed = 0;    // found written after all
    uint64_t not_written = 0;  // found absent: staged again
    uint64_t unresolved = 0;   // the store did not answer in time
    uint64_t reconnects = 0;
  };
  OutageCounts outage_counts() const;
  // Waits until another writer may have appended to the store, at most
  // `max`: PostgreSQL wakes it by notification (which a lost connection
  // loses: callers poll as well); a single-writer store just waits.
  void AwaitOthers(absl::Duration max) const;

  // Safe to call from any thread, also during appends.
  LedgerHead head() const ABSL_LOCKS_EXCLUDED(head_mutex_);
  // The live Books at the head. REQUIRES: no append runs concurrently, and
  // no write has failed (after one, reopen the ledger).
  const Books& books() const { return books_; }
  const std::string& dir() const { return dir_; }

  // Folds events 1..sequence (whose effective date is on or before
  // `as_of_date`, when given). Without a date the fold starts from the
  // newest usable snapshot at or before `sequence` and reads only the tail;
  // with one it reads from the start (the log is ordered by sequence, not by
  // effective date). REQUIRES: sequence <= head().sequence.
  // `use_snapshots` false folds from the start (a full rebuild).
  // `projections` says which projections to load and fold (the others stay
  // empty): a query for one report need not pay for the rest. `extra`, when
  // not null, is a projection outside the Books (one no snapshot holds,
  // e.g. FlowMonths) folded in the same pass, from its empty state: the
  // whole fold then starts at the log's first event.
  absl::StatusOr<FoldedBooks> Fold(uint64_t sequence,
                                   const std::optional<std::string>& as_of_date,
                                   bool use_snapshots = true,
                                   Books::Set projections = Books::kAll,
                                   Projection* extra = nullptr) const;
  // The time by the clock that stamps recorded_at (LedgerOptions::clock).
  absl::Time Now() const { return options_.clock(); }
  // The last sequence recorded at or before `time` (0 when none was):
  // recorded_at never decreases, so this is a binary search.
  absl::StatusOr<uint64_t> SequenceKnownAt(absl::Time time) const;

  // Stores every projection's state at the head. REQUIRES: fold_on_open.
  absl::Status CreateSnapshot();
  // Flushes RocksDB's memtables when at least `min_bytes` were written
  // since the open or the last flush, so that read-only opens (the CLI
  // beside a running server) need not replay them from the write-ahead log.
  // serve calls it when idle; closing does it too
  // (limits::kUnflushedBytesWorthFlushing).
  absl::Status FlushIfBehind(uint64_t min_bytes);
  absl::StatusOr<std::vector<SnapshotInfo>> ListSnapshots() const;

  // Audit (ledger/audit/verify.cc, proofs.cc). Verify walks the whole log: RocksDB's
  // checksums, every hash recomputed from the stored bytes, gapless
  // sequences, recorded_at never decreasing, every event decoding and
  // passing validation again in order (with the same resolved fields), the
  // event_id and reversal indexes matching the log both ways, every
  // trusted snapshot equal to the rebuild at its sequence, and the digest,
  // when given. The first failure is a kDataLoss status naming the sequence.
  absl::StatusOr<VerifyReport> Verify(const VerifyOptions& options) const;
  // The digest of events 1..sequence. REQUIRES: sequence <= head.
  absl::StatusOr<v1::Digest> MakeDigest(uint64_t sequence) const;
  // The Merkle tree of events 1..sequence: from the newest trusted frontier
  // a snapshot stored at or before `sequence`, with the hashes of the events
  // after it (VisitHashes' checks, and the first links to the snapshot's).
  // REQUIRES: sequence <= head.
  absl::StatusOr<MerkleAccumulator> MerkleAt(uint64_t sequence) const;
  // The head and the Merkle tree of the log up to it, together. A writable
  // ledger keeps the tree from the first call on, adding each commit's
  // events (two short SHA-256s an event), so that a server asks once.
  struct TreeAtHead {
    LedgerHead head;
    MerkleAccumulator tree;
  };
  absl::StatusOr<TreeAtHead> MerkleAtHead() ABSL_LOCKS_EXCLUDED(append_mutex_);
  // An inclusion proof of event `sequence` in the digest of the first
  // `tree_size` events. REQUIRES: 1 <= sequence <= tree_size <= head.
  absl::StatusOr<v1::InclusionProof> Prove(uint64_t sequence, uint64_t tree_size) const;
  // Events with from <= sequence <= to, in order.
  std::unique_ptr<EventReader> Read(uint64_t from, uint64_t to) const;
  // Calls `visit` for events 1..to in order, after EventReader::NextRecord's
  // checks, the records read ahead on a second thread when two CPUs are
  // there (as a fold reads them): what the 2 cores give a long walk of the
  // log. `visit`'s first error stops the walk and is returned; kDataLoss on
  // a damaged record or when the log ends before `to`.
  absl::Status WalkRecords(uint64_t to,
                           absl::FunctionRef<absl::Status(const CheckedRecord&)> visit) const;
  // WalkRecords for events from+1..to, the first checked to link to event
  // `from`, whose chain hash is `from_hash` (from 0: the log's start).
  absl::Status WalkRecords(uint64_t from, const Hash& from_hash, uint64_t to,
                           absl::FunctionRef<absl::Status(const CheckedRecord&)> visit) const;
  // The fund view kept at the snapshots at or before `sequence`: the parts
  // of the partitions `wanted` accepts and those every read takes
  // (state/fund_view_entry.h), or nullopt when the log must be read
  // instead: no trusted delta is stored, one in the chain is not trusted or
  // is missing (a warning says which), or a region of a delta's snapshot
  // lies in another province in `books` (regions, at the point read) than
  // it did there.
  absl::StatusOr<std::optional<StoredFundView>> ReadStoredFundView(
      uint64_t sequence, const Books& books,
      absl::FunctionRef<bool(absl::string_view partition)> wanted) const;
  // Calls `visit` with the chain hash of every event from `from` to `to`, in
  // order, after the checks of EventReader::Next (the event links, hashes to
  // its stored hash, decodes and names its own sequence) without building
  // each event's message: Merkle roots need the hashes only. kDataLoss on a
  // damaged record or when the log ends before `to`.
  absl::Status VisitHashes(uint64_t from, uint64_t to,
                           absl::FunctionRef<void(const Hash&)> visit) const;
  // Evidence files (ledger/evidence.cc; issue 25), kept by the store under
  // the SHA-256 of their bytes.
  //
  // Stores the `size` bytes `read` gives (it fills the buffer it is handed
  // and returns how many bytes it put there, 0 at the end), chunk by chunk,
  // never whole in memory, hashing them as they go: finished only when they
  // number `size` and hash to `sha256` (else kFailedPrecondition, "changed
  // while it was being stored", and nothing is stored). false: the store
  // held the file already, and nothing was written. REQUIRES: a writable
  // open; 1 <= size <= limits::kEvidenceFileBytesMax.
  using EvidenceSource = absl::FunctionRef<absl::StatusOr<size_t>(char* buffer, size_t capacity)>;
  absl::StatusOr<bool> StoreEvidence(const Hash& sha256, uint64_t size, EvidenceSource read);
  absl::StatusOr<std::optional<EvidenceManifest>> FindEvidence(const Hash& sha256) const;
  // Hands a stored file's bytes to `sink`, a chunk at a time, hashing them:
  // kNotFound when the store lacks it; kDataLoss when a chunk is missing or
  // the bytes do not hash to `sha256` (known after the last chunk: a caller
  // that must not keep unchecked bytes writes them somewhere temporary).
  absl::Status ReadEvidence(const Hash& sha256,
                            absl::FunctionRef<absl::Status(absl::string_view)> sink) const;
  // The same a chunk at a time (a server streaming a file): kNotFound when
  // the store lacks it. The reader must not outlive the ledger.
  absl::StatusOr<std::unique_ptr<EvidenceReader>> OpenEvidence(const Hash& sha256) const;
  std::unique_ptr<EvidenceCursor> ListEvidence() const;

  // The stored event with this event_id, if any.
  absl::StatusOr<std::optional<StoredEvent>> FindByEventId(const std::string& event_id) const;
  absl::StatusOr<std::optional<StoredEvent>> ReadEvent(uint64_t sequence) const;

 private:
  struct Staged;
  struct StagedMark;
  Ledger() = default;
  absl::Status LoadHeadAndFold();
  // The stored head, checked to name the log's last record (kDataLoss when
  // it does not, after limits::kHeadReadsMax reads).
  absl::StatusOr<internal::Head> ReadConsistentHead() const;
  // Stores `books` at `sequence` (whose chain hash is `hash`), and
  // `tree`, when given, as the Merkle frontier there.
  absl::Status WriteSnapshot(const Books& books, const MerkleAccumulator* tree,
                             uint64_t sequence, const Hash& hash);
  // Stores the live Books and the Merkle frontier as a snapshot at the head,
  // or warns: a snapshot is a cache, and failing to store one loses nothing.
  void StoreSnapshotOrWarn() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // merkle_, made when absent: the tree at the head.
  absl::StatusOr<const MerkleAccumulator*> TreeAtHeadLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // The newest trusted Merkle frontier stored at or before `sequence`, and
  // the chain hash of the event it ends at (an empty tree and zeros when
  // there is none).
  absl::StatusOr<std::pair<MerkleAccumulator, Hash>> NewestFrontier(uint64_t sequence) const;
  // The version this build folds (or stores the frontier in) of the
  // snapshots named `name`; nullopt for a name it does not know.
  static std::optional<uint32_t> SnapshotVersion(absl::string_view name);
  // The records of the fund view's delta from the last trusted one stored
  // before `sequence` up to it, under `books` (the live Books there), MAC'd
  // at `now_micros`.
  absl::Status FundViewBlobs(const Books& books, uint64_t sequence, const Hash& hash,
                             int64_t now_micros, std::vector<SnapshotBlob>* blobs) const;
  // The state of the record `name` stored at exactly `sequence`, if it is
  // of this build's version, at a point of the log and MAC'd.
  SnapshotCheck LoadExactRecord(absl::string_view name, uint64_t sequence,
                                std::string* state) const;
  // The newest trusted fund-view manifest at or before `sequence`: its
  // sequence and serialized state, or nullopt.
  absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> NewestFundViewManifest(
      uint64_t sequence) const;
  // Loads into `books` the newest usable snapshot at or before `sequence` of
  // each projection it folds; returns its sequence and hash, or 0 when there
  // is none.
  absl::StatusOr<std::pair<uint64_t, Hash>> LoadNewestSnapshot(uint64_t sequence,
                                                               Books* books) const;
  // Whether `info` names a projection of this build's version at a point
  // of the log.
  SnapshotCheck CheckSnapshot(const SnapshotInfo& info) const;
  // Calls `visit(sequence, event_id)` for events 1..to in order, reading
  // the log with EventReader's checks, until `visit` returns false.
  absl::Status VisitEventIds(uint64_t to,
                             absl::FunctionRef<bool(uint64_t, absl::string_view)> visit) const;
  // For an event_id the event_id index does not hold: confirms that the log
  // does not hold it either, or returns kDataLoss (the index lost an entry).
  // The index lives outside the chain; trusting its "no" would let a
  // retried event be appended twice once somebody deleted an entry.
  absl::Status ConfirmNotLogged(absl::string_view event_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Reads the log's event_id fingerprints into logged_ids_, once.
  absl::Status BuildLoggedIds() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // FindByEventId for a writer: an id the index lacks is confirmed absent.
  absl::StatusOr<std::optional<StoredEvent>> FindForWriter(const std::string& event_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // After a committed write: the new events' ids join logged_ids_.
  void NoteLogged(absl::Span<const v1::Event* const> events)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Refuses further writes, keeping the first reason.
  void Poison(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // After a write or a catch-up failed with the live Books possibly off the
  // log: on a shared store that could not be reached, or a write that did
  // not commit there, marks them stale (folded again by Refresh); anything
  // else poisons.
  void Fail(const absl::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Before a write or a follow: the poison, and stale Books folded again.
  absl::Status Refresh() ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // The status a write gets once the ledger is poisoned (OK when not).
  absl::Status PoisonedStatus() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Whether `record`'s MAC authenticates it under snapshot_key_.
  SnapshotCheck CheckMac(const v1::SnapshotRecord& record) const;
  // Loads into `candidate` the states of `records` (the parsed records at
  // sequence `at`, nullopt for one that does not parse): usable when every
  // projection `candidate` folds loaded, with `*chain_hash` the log's hash at `at`.
  SnapshotCheck LoadCandidate(const std::vector<std::optional<v1::SnapshotRecord>>& records,
                              uint64_t at, Books* candidate, Hash* chain_hash) const;
  // LoadCandidate of one projection (its record among `records`); safe to
  // run beside another projection's.
  SnapshotCheck LoadOneCandidate(const std::vector<std::optional<v1::SnapshotRecord>>& records,
                                 uint64_t at, Projection* projection, Hash* chain_hash) const;
  void Warn(absl::string_view message) const;
  // The Merkle root of events lo+1..hi (leaves lo..hi-1).
  absl::StatusOr<Hash> SubtreeRoot(uint64_t lo, uint64_t hi) const;
  absl::Status AuditPath(uint64_t leaf, uint64_t lo, uint64_t hi, std::vector<Hash>* path) const;
  absl::Status StageDraft(v1::Event* draft, int64_t now_micros, Staged* staged,
                          AppendResult* result);
  // Finds a held event for the rejection ladder (idempotency, a reversal's
  // target): among the events `staged` holds, then in the store
  // (FindForWriter) unless the drafts' lookup found it absent.
  EventLookup HeldEvents(Staged* staged) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // StageDraft for a stored event of a restore (SubmitOptions::verbatim_hashes).
  absl::Status StageVerbatim(v1::Event* event, const Hash& expected_hash, Staged* staged,
                             AppendResult* result);
  // Adds the record of `event` (serialized as `bytes`, hashing to `hash`) to
  // what `staged` will write.
  void StageRecord(v1::Event* event, std::string bytes, const Hash& hash, Staged* staged,
                   AppendResult* result);
  // One attempt of Submit: stages `requests` against the live Books and
  // writes them. On a failed write the ledger is poisoned, except for a
  // moved head when `may_catch_up` (then the live Books are left to CatchUp).
  absl::StatusOr<std::vector<SubmitOutcome>> StageAndWrite(absl::Span<const Drafts> requests,
                                                           const SubmitOptions& options,
                                                           bool may_catch_up)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // For an append that failed with the connection (kUnavailable on a shared
  // store): OK when its batch, whose last event is `last` hashing to
  // `hash`, was committed after all; kAborted when it was not (then it may
  // be staged again); kUnavailable when the store cannot tell within
  // limits::kOutcomeLookupFor.
  absl::Status ResolveUnknownOutcome(const v1::Event& last, const Hash& hash,
                                     const absl::Status& failure)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // After another writer moved the stored head: checks that the new events
  // link to what this writer saw, and brings the live Books, the head and
  // the logged ids up to the stored head: by applying the new events, or,
  // when the Books hold a group staged but not written, by folding again
  // (also when the head did not move: a write that did not commit).
  absl::Status CatchUp(bool books_hold_staged) ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // For the drafts' event_ids the event_id index lacks: confirms each is not
  // in the log (ConfirmNotLogged) and notes it in staged->unstored_ids.
  absl::Status NoteUnstoredIds(Drafts drafts, Staged* staged)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Takes what was staged since `before` back out of `staged`, and when
  // `refold`, brings the live Books back to the log and the rest of `staged`.
  absl::Status TakeBack(const StagedMark& before, bool refold, Staged* staged)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(append_mutex_);
  // Stages one request of a group; on a rejection (when not collecting, or
  // at the end when collecting) takes all of it back out of `staged`.
  absl::Status StageRequest(Drafts drafts, const SubmitOptions& options,
                            int64_t now_micros, Staged* staged, SubmitOutcome* outcome);
  std::string dir_;
  LedgerOptions options_;
  // Authenticates snapshots; nullopt only on a read-only open that found no
  // key file, which then loads no snapshot.
  std::optional<Hash> snapshot_key_;
  std::unique_ptr<LogStore> store_;
  void SetHead(const internal::Head& head) ABSL_LOCKS_EXCLUDED(head_mutex_);

  // Serializes appenders (Submit, CreateSnapshot). Readers
  // of the store need no lock; readers of the head take head_mutex_.
  absl::Mutex append_mutex_;
  // Not OK once a write failed or the writer found the indexes disagreeing
  // with the log: every further write is refused until the ledger is reopened.
  absl::Status poisoned_ ABSL_GUARDED_BY(append_mutex_);
  // The live Books may not match the head (a shared store became
  // unreachable in the middle of a write or a catch-up): Refresh folds them.
  bool books_stale_ ABSL_GUARDED_BY(append_mutex_) = false;
  std::atomic<uint64_t> outcomes_committed_{0};
  std::atomic<uint64_t> outcomes_not_written_{0};
  std::atomic<uint64_t> outcomes_unresolved_{0};
  // Fingerprints (64-bit hashes) of the event_ids of the committed log, for
  // ConfirmNotLogged. Read from the log on first need (a pass over the log,
  // about 8-16 bytes of memory an event), then kept up to date by each commit.
  absl::flat_hash_set<uint64_t> logged_ids_ ABSL_GUARDED_BY(append_mutex_);
  bool logged_ids_built_ ABSL_GUARDED_BY(append_mutex_) = false;
  // The Merkle tree of the committed log at the head (its size is the
  // head's sequence): nullopt until first needed (MerkleAtHead, a
  // snapshot), then kept up to date by each commit and catch-up.
  std::optional<MerkleAccumulator> merkle_ ABSL_GUARDED_BY(append_mutex_);
  mutable absl::Mutex head_mutex_;
  LedgerHead head_ ABSL_GUARDED_BY(head_mutex_);
  // Written only by appenders holding append_mutex_ (and at open).
  int64_t head_recorded_at_micros_ = 0;
  Books books_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_LEDGER_H_
