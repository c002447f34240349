#include "ledger/ledger.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/time/clock.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/fields.h"
#include "ledger/store/codec.h"
#include "ledger/store/cached_log_store.h"
#include "ledger/store/postgres_log_store.h"
#include "ledger/store/rocks_log_store.h"
#include "base/limits.h"
#include "base/messages.h"
#include "ledger/snapshot_key.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"
#include "state/validate.h"
#include "state/fold_event.h"

namespace aidledger {

namespace {

// A random event_id for drafts that bring none: "ev-" and 32 hex digits.
std::string NewEventId() {
  unsigned char bytes[16];
  AIDLEDGER_CHECK(RAND_bytes(bytes, sizeof(bytes)) == 1);
  return absl::StrCat("ev-", Hex(absl::string_view(reinterpret_cast<char*>(bytes), sizeof(bytes))));
}

// The checks of one stored record that every read makes: its hash
// recomputed from its bytes (SHA-256 of a small event costs far less than
// reading it, so no fold, report or export is ever computed from a
// rewritten event).
absl::Status CheckRecordHash(uint64_t sequence, const Hash& prev_hash, const Hash& hash,
                             absl::string_view event_bytes) {
  if (internal::ChainHash(prev_hash, sequence, event_bytes) != hash) {
    return absl::DataLossError(absl::Substitute(
        Tr("event $0: its stored hash does not match its stored bytes (rewritten?)"), sequence));
  }
  return absl::OkStatus();
}

// The checks of a stored event parsed into a message (`decoded` says whether
// it parsed): at its own sequence, recorded at a time the ledger can write.
absl::Status CheckParsedEvent(uint64_t sequence, bool decoded, const v1::Event& event) {
  return CheckDecodedEvent(sequence, decoded, event.sequence(), event.recorded_at().seconds(),
                           event.recorded_at().nanos());
}

absl::StatusOr<StoredEvent> DecodeStored(LogRecord record) {
  const uint64_t sequence = record.sequence;
  RETURN_IF_ERROR(CheckRecordHash(sequence, record.prev_hash, record.hash, record.event_bytes));
  StoredEvent stored;
  stored.sequence = sequence;
  stored.prev_hash = record.prev_hash;
  stored.hash = record.hash;
  stored.event_bytes = std::move(record.event_bytes);
  const bool decoded = stored.event.ParseFromString(stored.event_bytes);
  RETURN_IF_ERROR(CheckParsedEvent(sequence, decoded, stored.event));
  return stored;
}

}  // namespace

// The state of one AppendBatch while its drafts are staged.
struct Ledger::Staged {
  std::vector<LogRecord> records;                   // what Append will write, in order
  std::string today;
  uint64_t sequence = 0;  // of the last staged event
  Hash prev_hash{};
  int64_t recorded_micros = 0;  // of the last staged event (the head's before any)
  // A restore (SubmitOptions::verbatim_hashes): stored events, not drafts.
  bool verbatim = false;
  // A verbatim request that failed was taken back out whole: the live Books
  // are as before it, and the ledger need not be poisoned.
  bool taken_back = false;
  std::vector<v1::Event*> events;                   // staged, in order (the caller's)
  std::vector<Hash> hashes;                         // their hashes
  absl::flat_hash_map<std::string, size_t> by_id;   // event_id -> index
  // event_ids of the drafts that the store was found not to hold (views of
  // the drafts' own strings, which outlive the group).
  absl::flat_hash_set<absl::string_view> unstored_ids;
  const Books* books = nullptr;                     // the state drafts are checked against
  EventLookup held;                                 // Ledger::HeldEvents(this)
  // Where each record goes as it is staged, when it cannot be taken back
  // out alone (the group is one request: taken back, it is all dropped).
  AppendStream* stream = nullptr;

  StagedMark mark() const;
};

// Where staging stood before a request, to take the request back out.
struct Ledger::StagedMark {
  size_t records = 0;
  size_t events = 0;
  uint64_t sequence = 0;
  Hash prev_hash{};
  int64_t recorded_micros = 0;
};

Ledger::StagedMark Ledger::Staged::mark() const {
  return {records.size(), events.size(), sequence, prev_hash, recorded_micros};
}

namespace {

// The event_id and reversal index entries of `events`, each index in key
// order. The memtable inserts each key after the one before it in the same
// skip list, so keys in order cost a short search from there instead of a
// full descent: event_ids arrive in random order, and their inserts were a
// fifth of an import's time.
void AddIndexEntries(const std::vector<v1::Event*>& events, LogAppend* batch) {
  batch->event_ids.reserve(events.size());
  for (const v1::Event* event : events) {
    batch->event_ids.push_back({event->event_id(), event->sequence()});
    if (event->has_event_reversed()) {
      batch->reversals.push_back({event->event_reversed().reversed_event_id(), event->sequence()});
    }
  }
  SortByKey(&batch->event_ids);
  SortByKey(&batch->reversals);
}

}  // namespace

EventReader::EventReader(std::unique_ptr<RecordCursor> cursor, uint64_t from, uint64_t to)
    : cursor_(std::move(cursor)), next_(from == 0 ? 1 : from), to_(to) {}
EventReader::~EventReader() = default;

absl::StatusOr<bool> EventReader::NextRecord(CheckedRecord* out) {
  if (next_ > to_) return false;
  LogRecordView record;
  ASSIGN_OR_RETURN(bool more, cursor_->Next(&record));
  if (!more) {
    to_ = next_ - 1;  // the log ended: the cursor is not moved past its end again
    return false;
  }
  const uint64_t sequence = record.sequence;
  if (sequence != next_) {
    return absl::DataLossError(
        absl::Substitute(Tr("the log has a gap: expected event $0, found $1"), next_, sequence));
  }
  const bool links = (sequence == 1) ? record.prev_hash == Hash{}
                                     : !started_chain_ || record.prev_hash == expected_prev_;
  if (!links) {
    return absl::DataLossError(
        absl::Substitute(Tr("event $0 does not link to the hash of event $1"), sequence,
                         sequence - 1));
  }
  RETURN_IF_ERROR(CheckRecordHash(sequence, record.prev_hash, record.hash, record.event_bytes));
  out->sequence = sequence;
  out->prev_hash = record.prev_hash;
  out->hash = record.hash;
  out->event_bytes = record.event_bytes;
  expected_prev_ = record.hash;
  started_chain_ = true;
  ++next_;
  return true;
}

absl::StatusOr<bool> EventReader::Next(StoredEvent* out) {
  CheckedRecord record;
  ASSIGN_OR_RETURN(bool more, NextRecord(&record));
  if (!more) return false;
  out->sequence = record.sequence;
  out->prev_hash = record.prev_hash;
  out->hash = record.hash;
  out->event_bytes.assign(record.event_bytes.data(), record.event_bytes.size());
  const bool decoded = out->event.ParseFromString(out->event_bytes);
  RETURN_IF_ERROR(CheckParsedEvent(record.sequence, decoded, out->event));
  return true;
}

absl::Status Ledger::VisitHashes(uint64_t from, uint64_t to,
                                 absl::FunctionRef<void(const Hash&)> visit) const {
  std::unique_ptr<EventReader> reader = Read(from, to);
  CheckedRecord record;
  FoldEventDecoder decoder;
  uint64_t last = from - 1;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->NextRecord(&record));
    if (!more) break;
    RETURN_IF_ERROR(decoder.DecodeStored(record.sequence, record.event_bytes).status());
    visit(record.hash);
    last = record.sequence;
  }
  if (from <= to && last != to) {
    return absl::DataLossError(
        absl::Substitute(Tr("the log ends at event $0 but should reach event $1"), last, to));
  }
  return absl::OkStatus();
}

namespace {

// The snapshot key of a PostgreSQL ledger when none is given: a file per
// ledger name in the user's configuration directory (a RocksDB ledger's is
// beside its directory).
std::string PostgresKeyPath(const PostgresAddress& address) {
  const char* config = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  const std::string base = (config != nullptr && *config != '\0')
                               ? std::string(config)
                               : absl::StrCat(home != nullptr && *home != '\0' ? home : ".",
                                              "/.config");
  return absl::StrCat(base, "/aidledger/", address.ledger, ".key");
}

// The snapshot key at `key_path`, made (with its directory) when absent.
absl::Status EnsureSnapshotKey(const std::string& key_path) {
  ASSIGN_OR_RETURN(std::optional<Hash> key, ReadSnapshotKey(key_path));
  if (key.has_value()) return absl::OkStatus();
  const std::filesystem::path parent = std::filesystem::path(key_path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::exists(parent, error)) {
    std::filesystem::create_directories(parent, error);
    if (error) {
      return UsageError(absl::StrCat("cannot create ", parent.string(), ": ", error.message()));
    }
    std::filesystem::permissions(parent, std::filesystem::perms::owner_all, error);
  }
  return CreateSnapshotKey(key_path).status();
}

absl::Status CreateOnPostgres(const std::string& db, const std::string& snapshot_key_path) {
  ASSIGN_OR_RETURN(PostgresAddress address, ParsePostgresUri(db));
  RETURN_IF_ERROR(EnsureSnapshotKey(snapshot_key_path.empty() ? PostgresKeyPath(address)
                                                              : snapshot_key_path));
  ASSIGN_OR_RETURN(std::unique_ptr<PostgresLogStore> store,
                   PostgresLogStore::Open(address, {.migrate = true}));
  return store->Initialize();
}

}  // namespace

bool Ledger::IsPostgres(const std::string& dir) { return IsPostgresUri(dir); }

absl::Status Ledger::CheckEncryptedTransport(const std::string& db,
                                             absl::string_view env_sslmode) {
  if (!IsPostgresUri(db)) return absl::OkStatus();
  ASSIGN_OR_RETURN(PostgresAddress address, ParsePostgresUri(db));
  return aidledger::CheckEncryptedTransport(address, env_sslmode);
}

std::string Ledger::DisplayName(const std::string& db) {
  if (!IsPostgresUri(db)) return db;
  absl::StatusOr<PostgresAddress> address = ParsePostgresUri(db);
  if (!address.ok()) return "a PostgreSQL ledger";
  return absl::StrCat("ledger ", address->ledger, " at ", address->where);
}

std::string Ledger::ShortName(const std::string& db) {
  if (IsPostgresUri(db)) {
    absl::StatusOr<PostgresAddress> address = ParsePostgresUri(db);
    return address.ok() ? address->ledger : "PostgreSQL";
  }
  std::filesystem::path path(db);
  if (!path.has_filename()) path = path.parent_path();  // "dir/"
  return path.filename().string();
}

absl::Status Ledger::Create(const std::string& dir, const std::string& snapshot_key_path) {
  if (IsPostgresUri(dir)) return CreateOnPostgres(dir, snapshot_key_path);
  if (Exists(dir)) return absl::AlreadyExistsError(absl::StrCat("a ledger already exists at ", dir));
  std::error_code exists_error;
  if (std::filesystem::exists(dir, exists_error) && !std::filesystem::is_empty(dir, exists_error)) {
    // RocksDB's files would be mixed with what is there.
    return UsageError(absl::StrCat(dir, " is not empty and holds no ledger; a ledger needs an empty "
                                        "or absent directory"));
  }
  RETURN_IF_ERROR(EnsureSnapshotKey(snapshot_key_path.empty() ? DefaultSnapshotKeyPath(dir)
                                                              : snapshot_key_path));
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RocksLogStore> store,
                   RocksLogStore::Open(dir, {.read_only = false, .create_if_missing = true}));
  return store->Initialize();
}

bool Ledger::Exists(const std::string& dir) {
  std::error_code error;
  return std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", error);
}

namespace {

// `shared` read through a RocksDB cache in options.cache_dir (made when
// missing).
absl::StatusOr<std::unique_ptr<LogStore>> OpenCache(std::unique_ptr<LogStore> shared,
                                                    const LedgerOptions& options) {
  absl::StatusOr<std::unique_ptr<RocksLogStore>> cache = RocksLogStore::Open(
      options.cache_dir, {.read_only = false, .create_if_missing = true});
  if (absl::IsUnavailable(cache.status())) {
    return absl::UnavailableError(
        absl::StrCat("the cache at ", options.cache_dir, " is in use by another process"));
  }
  RETURN_IF_ERROR(cache.status());
  ASSIGN_OR_RETURN(std::optional<std::string> version, (*cache)->FormatVersion());
  if (!version.has_value()) RETURN_IF_ERROR((*cache)->Initialize());
  ASSIGN_OR_RETURN(std::unique_ptr<CachedLogStore> cached,
                   CachedLogStore::Open(std::move(shared), *std::move(cache), options.cache_dir));
  return std::unique_ptr<LogStore>(std::move(cached));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir,
                                                     const LedgerOptions& options) {
  LedgerOptions with_key = options;
  if (IsPostgresUri(dir)) {
    ASSIGN_OR_RETURN(PostgresAddress address, ParsePostgresUri(dir));
    ASSIGN_OR_RETURN(std::unique_ptr<PostgresLogStore> store,
                     PostgresLogStore::Open(address, {.migrate = !options.read_only}));
    ASSIGN_OR_RETURN(std::optional<std::string> version, store->FormatVersion());
    if (!version.has_value()) {
      return UsageError(absl::StrCat("no ledger named ", address.ledger, " at ", address.where,
                                     "; create one with `aidledger init`"));
    }
    if (with_key.snapshot_key_path.empty()) with_key.snapshot_key_path = PostgresKeyPath(address);
    if (options.cache_dir.empty()) return Open(std::move(store), DisplayName(dir), with_key);
    ASSIGN_OR_RETURN(std::unique_ptr<LogStore> cached, OpenCache(std::move(store), options));
    return Open(std::move(cached), DisplayName(dir), with_key);
  }
  if (!options.cache_dir.empty()) {
    return UsageError("a cache (--cache) is for a ledger in PostgreSQL; this one is on local disk");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RocksLogStore> store,
                   RocksLogStore::Open(dir, {.read_only = options.read_only,
                                             .create_if_missing = false}));
  if (with_key.snapshot_key_path.empty()) with_key.snapshot_key_path = DefaultSnapshotKeyPath(dir);
  return Open(std::move(store), dir, with_key);
}

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(std::unique_ptr<LogStore> store,
                                                     const std::string& name,
                                                     const LedgerOptions& options) {
  if (options.snapshot_key_path.empty()) {
    return absl::InvalidArgumentError("a ledger opened on a store needs a snapshot key path");
  }
  std::unique_ptr<Ledger> ledger(new Ledger());
  ledger->dir_ = name;
  ledger->options_ = options;
  if (!ledger->options_.clock) ledger->options_.clock = [] { return absl::Now(); };
  ledger->store_ = std::move(store);
  const std::string& key_path = options.snapshot_key_path;
  ASSIGN_OR_RETURN(ledger->snapshot_key_, ReadSnapshotKey(key_path));
  if (!ledger->snapshot_key_.has_value() && !options.read_only) {
    ASSIGN_OR_RETURN(ledger->snapshot_key_, CreateSnapshotKey(key_path));
    ledger->Warn(absl::StrCat("made a new snapshot key at ", key_path,
                              "; snapshots stored under another key are not used"));
  }
  RETURN_IF_ERROR(ledger->LoadHeadAndFold());
  return ledger;
}

Ledger::~Ledger() = default;

absl::StatusOr<internal::Head> Ledger::ReadConsistentHead() const {
  // The head row and the last record are read one after the other; on a
  // store other processes append to (PostgreSQL) one may commit in
  // between, and then the log ends past the head read: read both again.
  for (size_t reads = 1;; ++reads) {
    ASSIGN_OR_RETURN(internal::Head head, store_->ReadHead());
    ASSIGN_OR_RETURN(std::optional<LogRecord> last, store_->ReadLast());
    const uint64_t last_sequence = last.has_value() ? last->sequence : 0;
    if (last_sequence > head.sequence && reads < limits::kHeadReadsMax) continue;
    // The stored head must name the last record, with its hash.
    if (head.sequence == 0) {
      if (last.has_value()) {
        return absl::DataLossError(Tr("the head says empty but the log holds events"));
      }
      return head;
    }
    if (!last.has_value()) {
      return absl::DataLossError(
          absl::Substitute(Tr("the head names event $0 but the log is empty"), head.sequence));
    }
    if (last->sequence != head.sequence || last->hash != head.hash) {
      return absl::DataLossError(
          absl::Substitute(Tr("the head names event $0 but the log ends at event $1 or with "
                              "another hash"),
                           head.sequence, last->sequence));
    }
    return head;
  }
}

absl::Status Ledger::LoadHeadAndFold() {
  ASSIGN_OR_RETURN(std::optional<std::string> version, store_->FormatVersion());
  if (!version.has_value()) {
    return absl::DataLossError(absl::StrCat(dir_, " is not an aidledger ledger (no format version)"));
  }
  if (*version != internal::kFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "ledger format version ", *version, " is not supported (this build reads version ",
        internal::kFormatVersion, ")"));
  }
  ASSIGN_OR_RETURN(internal::Head head, ReadConsistentHead());
  SetHead(head);
  if (!options_.fold_on_open) return absl::OkStatus();
  ASSIGN_OR_RETURN(FoldedBooks folded, Fold(head.sequence, std::nullopt));
  books_ = std::move(folded.books);
  if (head.sequence == 0) {
    // An empty log's tree costs nothing to know; an import into it then
    // keeps the tree commit by commit instead of reading its first events
    // back at its first snapshot.
    absl::MutexLock lock(&append_mutex_);
    merkle_ = MerkleAccumulator();
  }
  const uint64_t every = options_.snapshot_every;
  if (!options_.read_only && every > 0 && head.sequence - folded.snapshot_sequence >= every) {
    // No usable snapshot within `every` events of the head (the snapshots
    // are of another projection version, after an upgrade, or untrusted):
    // store one now rather than have every query fold the whole log.
    absl::MutexLock lock(&append_mutex_);
    StoreSnapshotOrWarn();
  }
  return absl::OkStatus();
}

LedgerHead Ledger::head() const {
  absl::MutexLock lock(&head_mutex_);
  return head_;
}

void Ledger::SetHead(const internal::Head& head) {
  absl::MutexLock lock(&head_mutex_);
  AIDLEDGER_CHECK(head.sequence >= head_.sequence);
  head_.sequence = head.sequence;
  head_.hash = head.hash;
  head_.recorded_at = absl::FromUnixMicros(head.recorded_at_micros);
  head_recorded_at_micros_ = head.recorded_at_micros;
}

std::unique_ptr<EventReader> Ledger::Read(uint64_t from, uint64_t to) const {
  return std::make_unique<EventReader>(store_->Read(from == 0 ? 1 : from), from, to);
}

absl::StatusOr<std::optional<StoredEvent>> Ledger::ReadEvent(uint64_t sequence) const {
  ASSIGN_OR_RETURN(std::optional<LogRecord> record, store_->ReadRecord(sequence));
  if (!record.has_value()) return std::nullopt;
  ASSIGN_OR_RETURN(StoredEvent stored, DecodeStored(*std::move(record)));
  return stored;
}

absl::StatusOr<std::optional<StoredEvent>> Ledger::FindByEventId(
    const std::string& event_id) const {
  ASSIGN_OR_RETURN(std::optional<uint64_t> indexed, store_->Find(LogIndex::kEventIds, event_id));
  if (!indexed.has_value()) return std::nullopt;
  const uint64_t sequence = *indexed;
  ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ReadEvent(sequence));
  if (!stored.has_value() || stored->event.event_id() != event_id) {
    return absl::DataLossError(absl::Substitute(
        Tr("the event_id index names event $0 for $1, which the log does not hold"), sequence,
        event_id));
  }
  return stored;
}

absl::Status Ledger::VisitEventIds(
    uint64_t to, absl::FunctionRef<bool(uint64_t, absl::string_view)> visit) const {
  std::unique_ptr<EventReader> reader = Read(1, to);
  FoldEventDecoder decoder;
  CheckedRecord record;
  uint64_t last = 0;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->NextRecord(&record));
    if (!more) break;
    last = record.sequence;
    ASSIGN_OR_RETURN(const FoldEvent* event,
                     decoder.DecodeStored(record.sequence, record.event_bytes));
    if (!visit(record.sequence, event->event_id)) return absl::OkStatus();
  }
  if (last != to) {
    return absl::DataLossError(
        absl::Substitute(Tr("the log ends at event $0, before event $1"), last, to));
  }
  return absl::OkStatus();
}

namespace {

uint64_t IdPrint(absl::string_view event_id) { return absl::Hash<absl::string_view>{}(event_id); }

}  // namespace

absl::Status Ledger::BuildLoggedIds() {
  if (logged_ids_built_) return absl::OkStatus();
  const uint64_t head = this->head().sequence;
  logged_ids_.clear();
  logged_ids_.reserve(head);
  RETURN_IF_ERROR(VisitEventIds(head, [this](uint64_t, absl::string_view id) {
    logged_ids_.insert(IdPrint(id));
    return true;
  }));
  logged_ids_built_ = true;
  return absl::OkStatus();
}

absl::Status Ledger::ConfirmNotLogged(absl::string_view event_id) {
  const uint64_t head = this->head().sequence;
  RETURN_IF_ERROR(BuildLoggedIds());
  if (!logged_ids_.contains(IdPrint(event_id))) return absl::OkStatus();
  // The log holds this id, or another with the same fingerprint: the log
  // itself decides, at the cost of a pass over it (only here).
  uint64_t holder = 0;
  RETURN_IF_ERROR(VisitEventIds(head, [&](uint64_t sequence, absl::string_view id) {
    if (id == event_id) holder = sequence;
    return holder == 0;
  }));
  if (holder == 0) return absl::OkStatus();
  return absl::DataLossError(absl::Substitute(
      Tr("event $0 has event_id $1 but the event_id index has no entry for it: the index "
         "disagrees with the log, so nothing is appended (run `aidledger verify`; `aidledger "
         "restore` into a new ledger rebuilds the indexes)"),
      holder, event_id));
}

absl::StatusOr<std::optional<StoredEvent>> Ledger::FindForWriter(const std::string& event_id) {
  ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, FindByEventId(event_id));
  if (!stored.has_value()) RETURN_IF_ERROR(ConfirmNotLogged(event_id));
  return stored;
}

void Ledger::NoteLogged(absl::Span<const v1::Event* const> events) {
  if (!logged_ids_built_) return;  // read from the log when first needed
  for (const v1::Event* event : events) logged_ids_.insert(IdPrint(event->event_id()));
}

void Ledger::Poison(const absl::Status& status) {
  if (poisoned_.ok()) poisoned_ = status.ok() ? absl::InternalError("poisoned") : status;
}

void Ledger::Fail(const absl::Status& status) {
  // On a shared store the log is in the database, intact: the Books are
  // folded again from it when it could not be reached, or when a write did
  // not commit (kAborted: the head moved, or the lookup after a lost
  // connection found the batch absent).
  if (store_->shared() && (absl::IsUnavailable(status) || absl::IsAborted(status))) {
    books_stale_ = true;
    return;
  }
  Poison(status);
}

absl::Status Ledger::Refresh() {
  RETURN_IF_ERROR(PoisonedStatus());
  if (!books_stale_) return absl::OkStatus();
  absl::Status caught_up = CatchUp(/*books_hold_staged=*/true);
  if (!caught_up.ok()) {
    Fail(caught_up);
    return caught_up;
  }
  books_stale_ = false;
  return absl::OkStatus();
}

absl::Status Ledger::PoisonedStatus() const {
  if (poisoned_.ok()) return absl::OkStatus();
  const std::string message =
      absl::StrCat("this ledger refuses writes until it is reopened: ", poisoned_.message());
  return absl::IsDataLoss(poisoned_) ? absl::DataLossError(message)
                                     : absl::InternalError(message);
}

EventLookup Ledger::HeldEvents(Staged* staged) {
  return [this, staged](const std::string& event_id)
             -> absl::StatusOr<std::optional<LoggedEvent>> {
    if (auto it = staged->by_id.find(event_id); it != staged->by_id.end()) {
      const v1::Event& event = *staged->events[it->second];
      return LoggedEvent{
          .sequence = event.sequence(), .hash = staged->hashes[it->second], .event = event};
    }
    if (staged->unstored_ids.contains(event_id)) return std::nullopt;
    ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, FindForWriter(event_id));
    if (!stored.has_value()) return std::nullopt;
    return LoggedEvent{
        .sequence = stored->sequence, .hash = stored->hash, .event = std::move(stored->event)};
  };
}

absl::Status Ledger::StageDraft(v1::Event* draft, int64_t now_micros, Staged* staged,
                                AppendResult* result) {
  ASSIGN_OR_RETURN(Judgement judgement,
                   JudgeDraft(*staged->books, staged->held, staged->today, draft));
  if (judgement.repeat_of.has_value()) {
    const LoggedEvent& held = *judgement.repeat_of;
    *result = {.sequence = held.sequence, .event_id = draft->event_id(), .hash = held.hash,
               .duplicate = true};
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(CheckCloseAtHead(*draft, staged->sequence, staged->prev_hash));
  if (draft->event_id().empty()) draft->set_event_id(NewEventId());
  const uint64_t sequence = staged->sequence + 1;
  draft->set_sequence(sequence);
  SetRecordedMicros(now_micros, draft->mutable_recorded_at());
  std::string bytes = SerializeDeterministic(*draft);
  RETURN_IF_ERROR(CheckStoredSize(bytes.size()));
  const Hash hash = internal::ChainHash(staged->prev_hash, sequence, bytes);
  staged->recorded_micros = now_micros;
  StageRecord(draft, std::move(bytes), hash, staged, result);
  return absl::OkStatus();
}

void Ledger::StageRecord(v1::Event* event, std::string bytes, const Hash& hash, Staged* staged,
                         AppendResult* result) {
  const uint64_t sequence = event->sequence();
  staged->records.push_back({.sequence = sequence, .prev_hash = staged->prev_hash, .hash = hash,
                             .event_bytes = std::move(bytes)});
  // The index entries go in at commit (AddIndexEntries), in key order.
  *result = {.sequence = sequence, .event_id = event->event_id(), .hash = hash,
             .duplicate = false};
  staged->sequence = sequence;
  staged->prev_hash = hash;
  staged->by_id[event->event_id()] = staged->events.size();
  staged->hashes.push_back(hash);
  staged->events.push_back(event);
  // An error stays with the stream, whose Finish returns it.
  if (staged->stream != nullptr) {
    staged->stream->Add(staged->records.back(), event->event_id()).IgnoreError();
  }
}

absl::Status Ledger::StageVerbatim(v1::Event* event_in, const Hash& expected_hash, Staged* staged,
                                   AppendResult* result) {
  const v1::Event& event = *event_in;
  const uint64_t sequence = staged->sequence + 1;
  auto failed = [&](absl::string_view what) {
    return absl::DataLossError(absl::Substitute(Tr("event $0: $1"), sequence, what));
  };
  if (event.sequence() != sequence) {
    return absl::DataLossError(
        absl::Substitute(Tr("event $0: comes where event $1 belongs"), event.sequence(), sequence));
  }
  absl::Status recorded_at =
      CheckRecordedAt(event.recorded_at().seconds(), event.recorded_at().nanos());
  if (!recorded_at.ok()) return failed(recorded_at.message());
  const int64_t recorded = RecordedMicros(event.recorded_at());
  if (recorded < staged->recorded_micros) return failed(Tr("recorded_at goes back in time"));
  std::string bytes = SerializeDeterministic(event);
  const Hash hash = internal::ChainHash(staged->prev_hash, sequence, bytes);
  if (hash != expected_hash) {
    return failed(Tr("its hash does not match its content and the chain before it"));
  }
  if (event.event_id().empty()) return failed(Tr("it has no event_id"));
  if (staged->by_id.contains(event.event_id()) ||
      !staged->unstored_ids.contains(event.event_id())) {
    return failed(absl::Substitute(Tr("event_id $0 appears twice"), event.event_id()));
  }
  RETURN_IF_ERROR(Readmit(*staged->books, staged->held, event));
  absl::Status at_head = CheckCloseAtHead(event, staged->sequence, staged->prev_hash);
  if (!at_head.ok()) return failed(at_head.message());
  staged->recorded_micros = recorded;
  StageRecord(event_in, std::move(bytes), hash, staged, result);
  return absl::OkStatus();
}

std::vector<v1::Event*> DraftPointers(std::vector<v1::Event>& drafts) {
  std::vector<v1::Event*> pointers;
  pointers.reserve(drafts.size());
  for (v1::Event& draft : drafts) pointers.push_back(&draft);
  return pointers;
}

absl::StatusOr<AppendResult> Ledger::Append(v1::Event draft) {
  v1::Event* const drafts[] = {&draft};
  const Drafts request(drafts);
  ASSIGN_OR_RETURN(std::vector<SubmitOutcome> outcomes, Submit({&request, 1}, SubmitOptions{}));
  if (!outcomes.front().rejections.empty()) return outcomes.front().rejections.front().status;
  return outcomes.front().results.front();
}

absl::Status Ledger::StageRequest(Drafts drafts, const SubmitOptions& options, int64_t now_micros,
                                  Staged* staged, SubmitOutcome* outcome) {
  // Each draft is checked against the live Books and applied to them at
  // once, so that the next draft sees it. A request taken back out (a
  // rejection, a dry run) restores the Books by folding the log again and
  // re-applying what this group staged before the request: costly, but only
  // on that path, where copying the Books for every request would cost on
  // every one.
  staged->books = &books_;
  RETURN_IF_ERROR(NoteUnstoredIds(drafts, staged));
  const StagedMark before = staged->mark();

  outcome->results.resize(drafts.size());
  absl::Status verbatim_failure;  // what made a verbatim request fail
  for (size_t i = 0; i < drafts.size(); ++i) {
    const size_t staged_before = staged->events.size();
    absl::Status status =
        staged->verbatim
            ? StageVerbatim(drafts[i], (*options.verbatim_hashes)[i], staged, &outcome->results[i])
            : StageDraft(drafts[i], now_micros, staged, &outcome->results[i]);
    if (status.ok() && staged->events.size() > staged_before) {
      status = books_.Apply(*staged->events.back());
      // Admitted against these very Books: only a restored event may fail.
      AIDLEDGER_CHECK(status.ok() || staged->verbatim);
    }
    if (!status.ok() && staged->verbatim) {
      verbatim_failure = std::move(status);
      break;
    }
    if (!status.ok()) {
      if (!RejectReasonOf(status).has_value()) return status;  // I/O or corruption
      ++outcome->rejected;
      if (outcome->rejections.size() < options.rejections_max) {
        outcome->rejections.push_back({i, std::move(status)});
      }
      if (!options.collect_rejections) break;
      continue;
    }
    if (staged->events.size() == staged_before) ++outcome->duplicates;
  }
  // A draft that failed to apply may have changed the Books partly: they
  // are folded again when the request is taken back.
  const bool applied_any = staged->events.size() > before.events || !verbatim_failure.ok();
  if (verbatim_failure.ok() && outcome->rejected == 0 && !options.dry_run) {
    outcome->appended = staged->events.size() - before.events;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(TakeBack(before, applied_any, staged));
  staged->taken_back = !verbatim_failure.ok();
  return verbatim_failure;
}

absl::Status Ledger::NoteUnstoredIds(Drafts drafts, Staged* staged) {
  // Looked up in the index a chunk at a time rather than one by one as each
  // draft is staged (most are new). On a shared store, where each look-up
  // is a round trip to the database (an import spent more time on them than
  // on its COPY), an id whose fingerprint the log's ids lack is not in the
  // log up to this writer's head, and one appended since by another writer
  // makes the append find the head moved: only the others are looked up.
  const bool filter = store_->shared();
  if (filter) RETURN_IF_ERROR(BuildLoggedIds());
  std::vector<absl::string_view> ids;
  for (size_t start = 0; start < drafts.size(); start += limits::kMultiGetKeysMax) {
    ids.clear();
    for (size_t i = start; i < std::min(drafts.size(), start + limits::kMultiGetKeysMax); ++i) {
      const std::string& id = drafts[i]->event_id();
      if (id.empty()) continue;
      if (filter && !logged_ids_.contains(IdPrint(id))) {
        staged->unstored_ids.insert(id);
        continue;
      }
      ids.push_back(id);
    }
    if (ids.empty()) continue;
    ASSIGN_OR_RETURN(std::vector<bool> found, store_->Contains(LogIndex::kEventIds, ids));
    for (size_t j = 0; j < ids.size(); ++j) {
      if (found[j] || staged->unstored_ids.contains(ids[j])) continue;
      RETURN_IF_ERROR(ConfirmNotLogged(ids[j]));
      staged->unstored_ids.insert(ids[j]);
    }
  }
  return absl::OkStatus();
}

absl::Status Ledger::TakeBack(const StagedMark& before, bool refold, Staged* staged) {
  // The records, and what later drafts look up.
  staged->records.resize(before.records);
  for (size_t i = before.events; i < staged->events.size(); ++i) {
    staged->by_id.erase(staged->events[i]->event_id());
  }
  staged->events.resize(before.events);
  staged->hashes.resize(before.events);
  staged->sequence = before.sequence;
  staged->prev_hash = before.prev_hash;
  staged->recorded_micros = before.recorded_micros;
  if (!refold) return absl::OkStatus();
  // The Books: the log folded again, and what the group staged before.
  ASSIGN_OR_RETURN(FoldedBooks folded, Fold(head().sequence, std::nullopt));
  books_ = std::move(folded.books);
  for (const v1::Event* event : staged->events) {
    absl::Status applied = books_.Apply(*event);
    AIDLEDGER_CHECK(applied.ok());
  }
  return absl::OkStatus();
}

namespace {

absl::Duration CatchUpPause(size_t attempt) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  const int64_t ceiling = std::min<int64_t>(
      std::chrono::microseconds(limits::kCatchUpPauseMax).count(),
      int64_t{250} << std::min<size_t>(attempt, 10));
  return absl::Microseconds(std::uniform_int_distribution<int64_t>(0, ceiling)(random));
}

}  // namespace

absl::StatusOr<std::vector<SubmitOutcome>> Ledger::Submit(absl::Span<const Drafts> requests,
                                                          const SubmitOptions& options) {
  absl::MutexLock lock(&append_mutex_);
  if (options_.read_only || !options_.fold_on_open) {
    return absl::FailedPreconditionError("the ledger is open read-only");
  }
  RETURN_IF_ERROR(Refresh());
  size_t total = 0;
  for (const auto& request : requests) total += request.size();
  RETURN_IF_ERROR(CheckBatchSize(total));
  for (size_t attempt = 0;; ++attempt) {
    const bool may_catch_up = options_.catch_up_on_conflict && attempt < limits::kAppendCatchUpsMax;
    absl::StatusOr<std::vector<SubmitOutcome>> outcomes =
        StageAndWrite(requests, options, may_catch_up);
    if (outcomes.ok() || !may_catch_up || !absl::IsAborted(outcomes.status())) return outcomes;
    // Another writer moved the head (or a lost connection kept the group
    // from committing): fold what was written, and stage the whole group
    // again against that, after a pause that grows with each loss (and is
    // random, so that two writers do not keep colliding).
    absl::SleepFor(CatchUpPause(attempt));
    absl::Status caught_up = CatchUp(/*books_hold_staged=*/true);
    if (!caught_up.ok()) {
      Fail(caught_up);
      return caught_up;
    }
  }
}


void Ledger::AwaitOthers(absl::Duration max) const { store_->AwaitAppend(max); }

bool Ledger::shared() const { return store_->shared(); }

std::optional<absl::Time> Ledger::StoreUnreachableSince() const {
  return store_->UnreachableSince();
}

Ledger::OutageCounts Ledger::outage_counts() const {
  return {.committed = outcomes_committed_,
          .not_written = outcomes_not_written_,
          .unresolved = outcomes_unresolved_,
          .reconnects = store_->reconnects()};
}

absl::StatusOr<bool> Ledger::Follow() {
  absl::MutexLock lock(&append_mutex_);
  if (options_.read_only || !options_.fold_on_open) {
    return absl::FailedPreconditionError("the ledger is open read-only");
  }
  const uint64_t before = head().sequence;
  RETURN_IF_ERROR(Refresh());
  absl::Status caught_up = CatchUp(/*books_hold_staged=*/false);
  if (!caught_up.ok()) Fail(caught_up);
  RETURN_IF_ERROR(caught_up);
  return head().sequence != before;
}

absl::Status Ledger::ResolveUnknownOutcome(const v1::Event& last, const Hash& hash,
                                           const absl::Status& failure) {
  // The connection broke during the append: the transaction committed or
  // not, and only the store can say which. Ask it (on a new connection,
  // waiting a while for the database, or a new primary, to answer) whether
  // the batch's last event is there with this very hash. Never resend
  // blindly, never drop silently.
  const absl::Time deadline = absl::Now() + absl::FromChrono(limits::kOutcomeLookupFor);
  absl::StatusOr<std::optional<StoredEvent>> found = FindByEventId(last.event_id());
  while (!found.ok() && absl::IsUnavailable(found.status()) && absl::Now() < deadline) {
    absl::SleepFor(absl::FromChrono(limits::kOutcomeLookupPause));
    found = FindByEventId(last.event_id());
  }
  if (!found.ok()) {
    ++outcomes_unresolved_;
    return absl::UnavailableError(absl::StrCat(
        failure.message(), "; whether event ", last.sequence(),
        " and those before it in its batch were written is unknown (", found.status().message(),
        "): look their event_ids up, or append them again (a repeat is a duplicate)"));
  }
  if (found->has_value() && (*found)->sequence == last.sequence() && (*found)->hash == hash) {
    ++outcomes_committed_;
    return absl::OkStatus();
  }
  ++outcomes_not_written_;
  // Not committed: staged again after catching up, as when the head moved.
  return absl::AbortedError(absl::StrCat("not written (", failure.message(), ")"));
}

absl::Status Ledger::CatchUp(bool books_hold_staged) {
  const LedgerHead before = head();
  ASSIGN_OR_RETURN(internal::Head stored, store_->ReadHead());
  // The head may not have moved (a write that did not commit, nobody else
  // wrote: then only the Books go back to it), but never backwards.
  if (stored.sequence < before.sequence ||
      (stored.sequence == before.sequence && stored.hash != before.hash)) {
    return absl::DataLossError(absl::StrCat("the stored head (event ", stored.sequence,
                                            ") is behind or beside this writer's (event ",
                                            before.sequence, ")"));
  }
  // What this writer saw is still the log's beginning: the first new event
  // links to it, and the reader checks every link and hash after that.
  std::vector<uint64_t> new_ids;
  // The Merkle tree goes on with the new events, or is dropped (made again
  // when next needed) if they do not all check.
  std::optional<MerkleAccumulator> tree = std::move(merkle_);
  merkle_.reset();
  Hash last_hash = before.hash;
  uint64_t last_sequence = before.sequence;
  {
    std::unique_ptr<EventReader> reader = Read(before.sequence + 1, stored.sequence);
    StoredEvent event;
    while (true) {
      ASSIGN_OR_RETURN(bool more, reader->Next(&event));
      if (!more) break;
      if (event.sequence == before.sequence + 1 && event.prev_hash != before.hash) {
        return absl::DataLossError(absl::StrCat(
            "event ", before.sequence, " is no longer the one this writer appended after"));
      }
      // Books holding a group this writer staged but did not write are
      // folded again below instead.
      if (!books_hold_staged) {
        absl::Status applied = books_.Apply(event.event);
        if (!applied.ok()) {
          return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                                  " (another writer's) does not apply: ",
                                                  applied.message()));
        }
      }
      new_ids.push_back(IdPrint(event.event.event_id()));
      if (tree.has_value()) tree->AddLeaf(MerkleLeafHash(event.hash));
      last_hash = event.hash;
      last_sequence = event.sequence;
    }
  }
  if (last_sequence != stored.sequence || last_hash != stored.hash) {
    return absl::DataLossError(absl::StrCat("the stored head's hash is not event ",
                                            stored.sequence, "'s"));
  }
  SetHead(stored);
  merkle_ = std::move(tree);
  if (books_hold_staged) {
    ASSIGN_OR_RETURN(FoldedBooks folded, Fold(stored.sequence, std::nullopt));
    books_ = std::move(folded.books);
  }
  if (logged_ids_built_) logged_ids_.insert(new_ids.begin(), new_ids.end());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SubmitOutcome>> Ledger::StageAndWrite(
    absl::Span<const Drafts> requests, const SubmitOptions& options, bool may_catch_up) {
  const LedgerHead head = this->head();
  const int64_t now_micros =
      std::max(absl::ToUnixMicros(options_.clock()), head_recorded_at_micros_);
  Staged staged;
  staged.today = DateInChina(absl::FromUnixMicros(now_micros));
  staged.sequence = head.sequence;
  staged.prev_hash = head.hash;
  staged.recorded_micros = head_recorded_at_micros_;
  staged.held = HeldEvents(&staged);
  if (options.verbatim_hashes != nullptr) {
    AIDLEDGER_CHECK(requests.size() == 1 && !options.dry_run && !options.collect_rejections);
    AIDLEDGER_CHECK(options.verbatim_hashes->size() == requests.front().size());
    staged.verbatim = true;
  }

  // The append is begun before staging: a group of one request (an
  // import's batch) goes to the store record by record as it is staged, so
  // that the store may write the first while the rest are staged. A group
  // of several goes at the end, as one of them may still be taken back.
  const internal::Head expected{.sequence = head.sequence, .hash = head.hash,
                                .recorded_at_micros = head_recorded_at_micros_};
  std::unique_ptr<AppendStream> stream;
  if (!options.dry_run) {
    stream = store_->BeginAppend(expected, options_.sync);
    if (requests.size() == 1) staged.stream = stream.get();
  }
  std::vector<SubmitOutcome> outcomes(requests.size());
  for (size_t r = 0; r < requests.size(); ++r) {
    absl::Status staged_request =
        StageRequest(requests[r], options, now_micros, &staged, &outcomes[r]);
    if (!staged_request.ok()) {
      // The live Books may hold events of this group, unless the request
      // was taken back out whole (a restore's bad event).
      if (!staged.taken_back) Fail(staged_request);
      return staged_request;
    }
  }
  if (staged.events.empty()) return outcomes;  // rejections, duplicates or a dry run

  internal::Head new_head{.sequence = staged.sequence, .hash = staged.prev_hash,
                          .recorded_at_micros = staged.recorded_micros};
  LogAppend batch;
  batch.records = std::move(staged.records);
  AddIndexEntries(staged.events, &batch);
  batch.head = new_head;
  AIDLEDGER_CHECK(stream != nullptr);  // not a dry run: it staged events
  absl::Status written = stream->Finish(batch);
  if (absl::IsUnavailable(written) && store_->shared()) {
    written = ResolveUnknownOutcome(*staged.events.back(), staged.hashes.back(), written);
  }
  if (!written.ok()) {
    // The live Books already hold the group: refuse everything until
    // reopened (or, on a shared store, until it answers again: Fail),
    // unless the caller catches up (which folds them again).
    if (!(may_catch_up && absl::IsAborted(written))) Fail(written);
    return written;
  }
  NoteLogged(staged.events);
  if (merkle_.has_value()) {
    for (const Hash& hash : staged.hashes) merkle_->AddLeaf(MerkleLeafHash(hash));
  }
  for (SubmitOutcome& outcome : outcomes) outcome.written = outcome.appended > 0;
  AIDLEDGER_CHECK(new_head.sequence > head.sequence);
  SetHead(new_head);
  const uint64_t every = options_.snapshot_every;
  if (every > 0 && new_head.sequence / every > head.sequence / every) StoreSnapshotOrWarn();
  return outcomes;
}

absl::Status Ledger::FlushIfBehind(uint64_t min_bytes) {
  absl::MutexLock lock(&append_mutex_);
  if (options_.read_only || !poisoned_.ok() || store_->unflushed_bytes() < min_bytes) {
    return absl::OkStatus();
  }
  absl::Status flushed = store_->Flush();
  if (!flushed.ok()) Poison(flushed);  // RocksDB refuses writes from here on
  return flushed;
}

}  // namespace aidledger
