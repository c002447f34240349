#include "ledger/store/postgres_log_store.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <pqxx/pqxx>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {

namespace {

// The schema, one migration per version, applied in order and recorded in
// aidledger_migrations. Never edit one that has shipped: add the next.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

constexpr Migration kMigrations[] = {
    {1, "ledger_head, events, reversals, snapshots", R"sql(
CREATE TABLE ledger_head (
  ledger_id text COLLATE "C" PRIMARY KEY,
  format_version text NOT NULL,
  head_seq bigint NOT NULL CHECK (head_seq >= 0),
  head_hash bytea NOT NULL,
  head_recorded_at_micros bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE events (
  ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  seq bigint NOT NULL CHECK (seq >= 1),
  event_id text COLLATE "C" NOT NULL,
  prev_hash bytea NOT NULL,
  hash bytea NOT NULL,
  payload bytea NOT NULL,
  PRIMARY KEY (ledger_id, seq),
  UNIQUE (ledger_id, event_id));
CREATE TABLE reversals (
  ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  reversed_event_id text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (ledger_id, reversed_event_id));
CREATE TABLE snapshots (
  ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  projection text COLLATE "C" NOT NULL,
  seq bigint NOT NULL,
  record bytea NOT NULL,
  PRIMARY KEY (ledger_id, projection, seq));
)sql"},
    // The event_id index led by event_id: led by ledger_id, it served a
    // planner whose statistics predate a ledger (a new one in a shared
    // database, or one grown by a bulk import) for lookups by sequence
    // too, reading every row of the ledger for each (measured: 40 ms a
    // lookup at 200,000 events). Uniqueness is the same.
    {2, "events: the event_id index led by event_id", R"sql(
ALTER TABLE events DROP CONSTRAINT events_ledger_id_event_id_key;
ALTER TABLE events ADD CONSTRAINT events_event_id_ledger_id_key UNIQUE (event_id, ledger_id);
)sql"},
    // The foreign keys of the append path out, a rule that no ledger row is
    // ever removed in. A foreign key checks each inserted row with a query
    // of its own: 40% of the database's time in an import (measured: 1M
    // events, 70k -> 100k events/s). What it guarded is held otherwise: an
    // append locks its ledger's head row FOR UPDATE before it inserts (so
    // the row exists, and stays, until the commit), and a head row can no
    // longer be deleted or truncated by any role, the owner's included.
    {3, "events, reversals: no per-row foreign key; ledger_head rows are never removed", R"sql(
ALTER TABLE events DROP CONSTRAINT events_ledger_id_fkey;
ALTER TABLE reversals DROP CONSTRAINT reversals_ledger_id_fkey;
CREATE FUNCTION aidledger_refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'aidledger: % on % is refused: a ledger is never removed', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER ledger_head_rows_are_kept BEFORE DELETE OR TRUNCATE ON ledger_head
  FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_removal();
)sql"},
    // Evidence files (issue 25), content addressed: chunks under the file's
    // SHA-256, and a manifest row that makes the file visible, written in
    // the transaction that writes its chunks. A manifest is never changed
    // or removed.
    {4, "evidence_chunks, evidence_files", R"sql(
CREATE TABLE evidence_chunks (
  ledger_id text COLLATE "C" NOT NULL,
  sha256 bytea NOT NULL,
  idx bigint NOT NULL CHECK (idx >= 0),
  bytes bytea NOT NULL,
  PRIMARY KEY (ledger_id, sha256, idx));
CREATE TABLE evidence_files (
  ledger_id text COLLATE "C" NOT NULL,
  sha256 bytea NOT NULL,
  size bigint NOT NULL CHECK (size >= 1),
  chunks bigint NOT NULL CHECK (chunks >= 1),
  stored_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger_id, sha256));
CREATE TRIGGER evidence_files_rows_are_kept BEFORE UPDATE OR DELETE OR TRUNCATE ON evidence_files
  FOR EACH STATEMENT EXECUTE FUNCTION aidledger_refuse_removal();
)sql"},
};
// The channel every Append notifies (its payload: the ledger's name).
constexpr char kAppendChannel[] = "aidledger_appended";

constexpr int kSchemaVersion = kMigrations[std::size(kMigrations) - 1].version;
// Serializes migrations of one database (pg_advisory_xact_lock's key).
constexpr int64_t kMigrationLockKey = 0x61696467'6c656467;  // "aidgledg"

std::string FirstLine(absl::string_view text) {
  const size_t end = text.find('\n');
  return std::string(text.substr(0, end));
}

// Every exception of libpqxx becomes a Status here, and only here.
absl::Status FromPq(const std::exception& error, const std::string& where,
                    absl::string_view doing) {
  const std::string detail =
      absl::StrCat("PostgreSQL at ", where, ", ", doing, ": ", FirstLine(error.what()));
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return absl::UnavailableError(
        absl::StrCat(detail, " (the commit's outcome is unknown until the ledger is reopened)"));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return absl::UnavailableError(detail);
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    const std::string& state = sql->sqlstate();
    if (state == "40001" || state == "40P01" || state == "23505") {
      return absl::AbortedError(detail);  // serialization, deadlock, a concurrent append
    }
    if (state == "42501") return absl::PermissionDeniedError(detail);
    if (state == "53100") return absl::ResourceExhaustedError(detail);
    if (state.rfind("57P", 0) == 0 || state.rfind("08", 0) == 0) {
      return absl::UnavailableError(detail);  // shutdown, connection exceptions
    }
  }
  return absl::InternalError(detail);
}

std::string ByteaText(absl::string_view bytes) { return absl::StrCat("\\x", Hex(bytes)); }

// A bytea column as PostgreSQL prints it ("\x" and hex digits); nullopt
// when it is not one.
std::optional<std::string> FromByteaText(const pqxx::field& field) {
  const absl::string_view text(field.c_str(), field.size());
  if (field.is_null() || text.size() < 2 || text.substr(0, 2) != "\\x" || text.size() % 2 != 0) {
    return std::nullopt;
  }
  std::string bytes;
  bytes.resize((text.size() - 2) / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < bytes.size(); ++i) {
    const int high = nibble(text[2 + 2 * i]);
    const int low = nibble(text[3 + 2 * i]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[i] = static_cast<char>(high * 16 + low);
  }
  return bytes;
}

std::optional<Hash> HashOf(const pqxx::field& field) {
  std::optional<std::string> bytes = FromByteaText(field);
  if (!bytes.has_value() || bytes->size() != kHashBytes) return std::nullopt;
  Hash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

std::optional<uint64_t> SequenceOf(const pqxx::field& field) {
  uint64_t value = 0;
  if (field.is_null() || !absl::SimpleAtoi(absl::string_view(field.c_str(), field.size()), &value)) {
    return std::nullopt;
  }
  return value;
}

// A row of events (seq, prev_hash, hash, payload) as a record; kDataLoss
// naming it when a column does not decode.
absl::StatusOr<LogRecord> RecordOf(const pqxx::row& row) {
  std::optional<uint64_t> sequence = SequenceOf(row[0]);
  std::optional<Hash> prev_hash = HashOf(row[1]);
  std::optional<Hash> hash = HashOf(row[2]);
  std::optional<std::string> payload = FromByteaText(row[3]);
  if (!sequence || !prev_hash || !hash || !payload) {
    return absl::DataLossError(absl::StrCat("event ", row[0].c_str(),
                                            ": its row in PostgreSQL does not decode"));
  }
  return LogRecord{.sequence = *sequence, .prev_hash = *prev_hash, .hash = *hash,
                   .event_bytes = *std::move(payload)};
}

pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql,
                  const std::vector<std::string>& params) {
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(params));
}

const char* IndexTable(LogIndex index) {
  return index == LogIndex::kEventIds ? "events" : "reversals";
}
const char* IndexKey(LogIndex index) {
  return index == LogIndex::kEventIds ? "event_id" : "reversed_event_id";
}
// The condition of a lookup of keys ($2, or = ANY($2)) in this ledger ($1).
// For events, "ledger_id || ''" keeps the planner off the primary key
// (ledger_id, seq): with statistics that predate the ledger's growth it
// would read every row of the ledger for each lookup (24 ms for 1,000 keys
// at 200,000 events, against 2 ms through the event_id index).
std::string LookupCondition(LogIndex index, absl::string_view keys) {
  return index == LogIndex::kEventIds
             ? absl::StrCat("event_id ", keys, " AND (ledger_id || '') = $1")
             : absl::StrCat("ledger_id = $1 AND reversed_event_id ", keys);
}

// A text[] literal of `keys`: each element quoted, `"` and `\` escaped.
std::string TextArray(absl::Span<const absl::string_view> keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : keys[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

namespace internal {

// Connections to one database, lent one at a time, at most
// limits::kPgConnectionsMax at once (a borrower waits for one to come back).
class PgPool {
 public:
  PgPool(std::string conninfo, std::string where)
      : conninfo_(std::move(conninfo)), where_(std::move(where)) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Return(std::move(connection_));
    }
    pqxx::connection& operator*() { return *connection_; }

   private:
    PgPool* pool_;
    std::unique_ptr<pqxx::connection> connection_;
  };

  // A connection: an idle one, or a new one. When none can be made: a
  // usage error naming the database (exit 2: unreachable, refused, no such
  // database or role, a wrong password) until one has been made, and
  // kUnavailable after (the database went away: a restart, a failover).
  absl::StatusOr<Lease> Borrow() {
    std::unique_lock<std::mutex> lock(mutex_);
    returned_.wait(lock, [&] { return !idle_.empty() || out_ < limits::kPgConnectionsMax; });
    ++out_;
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    lock.unlock();
    try {
      auto connection = std::make_unique<pqxx::connection>(conninfo_);
      // Every query here reads through an index, a page at a time. With
      // statistics that predate a ledger's growth (a bulk import, a new
      // ledger in a shared database: autovacuum analyzes minutes later) the
      // planner may think a table tiny and scan or sort all of it for each
      // page or lookup (measured: 29 ms for a 1,000-key lookup at 400,000
      // events, against 1 ms through the index). Tell it not to.
      pqxx::nontransaction(*connection).exec("SET enable_seqscan = off; SET enable_sort = off");
      connected_once_ = true;
      unreachable_since_micros_ = 0;
      if (lost_.exchange(false)) ++reconnects_;
      return Lease(this, std::move(connection));
    } catch (const std::exception& error) {
      Return(nullptr);
      const std::string message = absl::StrCat("cannot connect to PostgreSQL at ", where_, ": ",
                                               FirstLine(error.what()));
      // Once connected, the database went away (a restart, a failover):
      // try again later, not a wrong address.
      if (connected_once_) {
        lost_ = true;
        int64_t none = 0;
        unreachable_since_micros_.compare_exchange_strong(none, absl::ToUnixMicros(absl::Now()));
        return absl::UnavailableError(message);
      }
      return UsageError(message);
    }
  }

  const std::string& where() const { return where_; }

  // Closes the idle connections: after one broke, the others (to the same
  // server, which may have restarted or been replaced) are suspect too.
  void DropIdle() {
    std::vector<std::unique_ptr<pqxx::connection>> dropped;
    std::lock_guard<std::mutex> lock(mutex_);
    dropped.swap(idle_);
    lost_ = true;
  }

  uint64_t reconnects() const { return reconnects_; }

 private:
  void Return(std::unique_ptr<pqxx::connection> connection) {
    std::lock_guard<std::mutex> lock(mutex_);
    --out_;
    if (connection != nullptr && connection->is_open()) {
      idle_.push_back(std::move(connection));
    } else if (connection != nullptr) {
      lost_ = true;  // it broke while lent
    }
    returned_.notify_one();
  }

  const std::string conninfo_;
  const std::string where_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  size_t out_ = 0;  // lent out now
  std::atomic<bool> connected_once_{false};
  std::atomic<int64_t> unreachable_since_micros_{0};  // 0: reachable
  // A connection broke, or none could be made: the next one made is a
  // reconnection.
  std::atomic<bool> lost_{false};
  std::atomic<uint64_t> reconnects_{0};

 public:
  std::optional<absl::Time> unreachable_since() const {
    const int64_t micros = unreachable_since_micros_;
    if (micros == 0) return std::nullopt;
    return absl::FromUnixMicros(micros);
  }
};

// A connection of its own that LISTENs for appends to the database's
// ledgers (each Append NOTIFYs kAppendChannel), made on first need and made
// again after it breaks (the notifications sent meanwhile are lost: the
// caller polls the head as well).
class PgListener {
 public:
  explicit PgListener(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgListener() { Drop(); }

  void Await(absl::Duration max) {
    std::lock_guard<std::mutex> lock(mutex_);
    const absl::Time deadline = absl::Now() + max;
    try {
      if (connection_ == nullptr) {
        connection_ = std::make_unique<pqxx::connection>(conninfo_);
        receiver_ = std::make_unique<Receiver>(*connection_);
      }
      const int64_t micros = std::max<int64_t>(0, absl::ToInt64Microseconds(max));
      connection_->await_notification(micros / 1'000'000, micros % 1'000'000);
    } catch (const std::exception&) {
      Drop();  // made again next time; wait out the rest so as not to spin
      absl::SleepFor(deadline - absl::Now());
    }
  }

 private:
  class Receiver final : public pqxx::notification_receiver {
   public:
    explicit Receiver(pqxx::connection_base& connection)
        : pqxx::notification_receiver(connection, kAppendChannel) {}
    void operator()(const std::string&, int) override {}  // waking is all
  };
  void Drop() {
    try {
      receiver_.reset();
    } catch (const std::exception&) {
    }
    connection_.reset();
  }

  const std::string conninfo_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> connection_;
  std::unique_ptr<Receiver> receiver_;
};

}  // namespace internal

namespace {

using internal::PgListener;
using internal::PgPool;

// Runs `body` on a borrowed connection once, turning libpqxx's exceptions
// into Statuses (FromPq) that say what was being done. For writes: one
// whose connection broke may have committed (the engine finds out).
template <typename T, typename Body>
absl::StatusOr<T> OnConnectionOnce(PgPool& pool, absl::string_view doing, Body body) {
  ASSIGN_OR_RETURN(PgPool::Lease lease, pool.Borrow());
  try {
    return body(*lease);
  } catch (const std::exception& error) {
    return FromPq(error, pool.where(), doing);
  }
}

// OnConnectionOnce for reads, which may simply run again: a connection
// found broken (an idle one whose server went away, a backend terminated)
// is dropped, with the idle ones, and the read runs on a new one at once,
// up to limits::kPgReadAttemptsMax times; then, while the database stays
// unreachable (a restart, a failover), every kOutcomeLookupPause until
// kOutcomeLookupFor has passed.
template <typename T, typename Body>
absl::StatusOr<T> OnConnection(PgPool& pool, absl::string_view doing, Body body) {
  const absl::Time deadline = absl::Now() + absl::FromChrono(limits::kOutcomeLookupFor);
  for (size_t attempt = 1;; ++attempt) {
    absl::StatusOr<T> result = OnConnectionOnce<T>(pool, doing, body);
    if (result.ok() || !absl::IsUnavailable(result.status()) || absl::Now() >= deadline) {
      return result;
    }
    pool.DropIdle();
    if (attempt >= limits::kPgReadAttemptsMax) {
      absl::SleepFor(absl::FromChrono(limits::kOutcomeLookupPause));
    }
  }
}

// The schema version the database holds (0: none).
int SchemaVersionOf(pqxx::transaction_base& tx) {
  if (tx.exec("SELECT to_regclass('aidledger_migrations')")[0][0].is_null()) return 0;
  return tx.exec("SELECT coalesce(max(version), 0) FROM aidledger_migrations")[0][0].as<int>();
}

absl::Status CheckVersion(int version, const std::string& where, bool migrate) {
  if (version > kSchemaVersion) {
    return UsageError(absl::StrCat("the database at ", where, " has aidledger schema version ",
                                   version, ", newer than this aidledger's ", kSchemaVersion,
                                   ": use a newer aidledger"));
  }
  if (version > 0 && version < kSchemaVersion && !migrate) {
    return UsageError(absl::StrCat("the database at ", where, " has aidledger schema version ",
                                   version, ", older than this aidledger's ", kSchemaVersion,
                                   ": run `aidledger init --if-missing` to migrate it"));
  }
  return absl::OkStatus();
}

// Applies the migrations the database lacks, in one transaction, under a
// lock that keeps two migrating processes apart.
absl::Status Migrate(pqxx::connection& connection, const std::string& where) {
  pqxx::work tx(connection);
  tx.exec(absl::StrCat("SELECT pg_advisory_xact_lock(", kMigrationLockKey, ")"));
  tx.exec(
      "CREATE TABLE IF NOT EXISTS aidledger_migrations (version integer PRIMARY KEY, "
      "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  const int version = SchemaVersionOf(tx);
  RETURN_IF_ERROR(CheckVersion(version, where, /*migrate=*/true));
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    tx.exec(migration.sql);
    Exec(tx, "INSERT INTO aidledger_migrations (version, description) VALUES ($1, $2)",
         {absl::StrCat(migration.version), migration.description});
  }
  tx.commit();
  return absl::OkStatus();
}

class PgRecordCursor final : public RecordCursor {
 public:
  PgRecordCursor(PgPool* pool, std::string ledger, uint64_t from, absl::StatusOr<uint64_t> last)
      : pool_(pool), ledger_(std::move(ledger)), next_(from), last_(std::move(last)) {}

  absl::StatusOr<bool> Next(LogRecordView* out) override {
    if (!last_.ok()) return last_.status();
    if (next_ > *last_) return false;
    if (row_ >= page_.size()) RETURN_IF_ERROR(Fetch());
    if (row_ >= page_.size()) {
      return absl::DataLossError(absl::StrCat("event ", next_, " is missing from the log"));
    }
    ASSIGN_OR_RETURN(record_, RecordOf(page_[row_]));
    ++row_;
    if (record_.sequence != next_) {
      return absl::DataLossError(absl::StrCat("event ", next_, " is missing from the log"));
    }
    ++next_;
    *out = {.sequence = record_.sequence, .prev_hash = record_.prev_hash, .hash = record_.hash,
            .event_bytes = record_.event_bytes};
    return true;
  }

 private:
  absl::Status Fetch() {
    ASSIGN_OR_RETURN(page_, OnConnection<pqxx::result>(*pool_, "reading events", [&](auto& c) {
      pqxx::nontransaction tx(c);
      // The page's own range of sequences (they are gapless), not "from
      // here on, the first N": each query then touches one page's rows
      // whatever plan the statistics suggest (a planner that has not seen
      // a bulk import sorts every row past `next_` for each page).
      const uint64_t to = std::min(*last_, next_ + limits::kPgRowsPerFetch - 1);
      return Exec(tx,
                  "SELECT seq, prev_hash, hash, payload FROM events WHERE ledger_id = $1 "
                  "AND seq >= $2 AND seq <= $3 ORDER BY seq",
                  {ledger_, absl::StrCat(next_), absl::StrCat(to)});
    }));
    row_ = 0;
    return absl::OkStatus();
  }

  PgPool* pool_;
  const std::string ledger_;
  uint64_t next_;
  const absl::StatusOr<uint64_t> last_;  // the head when the cursor was made
  pqxx::result page_;
  pqxx::result::size_type row_ = 0;
  LogRecord record_;  // what `*out` views
};

class PgIndexCursor final : public IndexCursor {
 public:
  PgIndexCursor(PgPool* pool, std::string ledger, LogIndex index)
      : pool_(pool), ledger_(std::move(ledger)), index_(index) {}

  absl::StatusOr<bool> Next(IndexEntry* out) override {
    if (row_ >= page_.size()) {
      if (done_) return false;
      ASSIGN_OR_RETURN(page_, OnConnection<pqxx::result>(*pool_, "scanning an index", [&](auto& c) {
        // Walked in the index's order, a page at a time (PgPool: no sorts).
        pqxx::nontransaction tx(c);
        return
            Exec(tx,
                 absl::StrCat("SELECT ", IndexKey(index_), ", seq FROM ", IndexTable(index_),
                              " WHERE ledger_id = $1 AND ", IndexKey(index_), " > $2 ORDER BY ",
                              IndexKey(index_), " LIMIT $3"),
                 {ledger_, after_, absl::StrCat(limits::kPgRowsPerFetch)});
      }));
      row_ = 0;
      done_ = page_.size() < limits::kPgRowsPerFetch;
      if (page_.empty()) return false;
    }
    const pqxx::row row = page_[row_++];
    std::optional<uint64_t> sequence = SequenceOf(row[1]);
    if (!sequence.has_value()) {
      return absl::DataLossError(absl::StrCat("the index entry of ", row[0].c_str(),
                                              " names no sequence"));
    }
    after_.assign(row[0].c_str(), row[0].size());
    *out = {.key = after_, .sequence = *sequence};
    return true;
  }

 private:
  PgPool* pool_;
  const std::string ledger_;
  const LogIndex index_;
  std::string after_;  // the last key handed out ("" before the first)
  pqxx::result page_;
  pqxx::result::size_type row_ = 0;
  bool done_ = false;
};

// Snapshot records one at a time (each may be megabytes): those of one
// projection at or before a sequence, newest first, or all in key order.
class PgSnapshotCursor final : public SnapshotCursor {
 public:
  PgSnapshotCursor(PgPool* pool, std::string ledger, std::optional<std::string> projection,
                   uint64_t at_most)
      : pool_(pool), ledger_(std::move(ledger)), projection_(std::move(projection)),
        bound_(at_most) {}

  absl::StatusOr<bool> Next(SnapshotBlob* out) override {
    if (done_) return false;
    ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "reading snapshots",
                                                                   [&](auto& c) {
      pqxx::nontransaction tx(c);
      if (projection_.has_value()) {
        return Exec(tx,
                    "SELECT projection, seq, record FROM snapshots WHERE ledger_id = $1 AND "
                    "projection = $2 AND seq <= $3 ORDER BY seq DESC LIMIT 1",
                    {ledger_, *projection_, absl::StrCat(bound_)});
      }
      return Exec(tx,
                  "SELECT projection, seq, record FROM snapshots WHERE ledger_id = $1 AND "
                  "(projection, seq) > ($2, $3) ORDER BY projection, seq LIMIT 1",
                  {ledger_, after_projection_, absl::StrCat(after_sequence_)});
    }));
    if (rows.empty()) {
      done_ = true;
      return false;
    }
    std::optional<uint64_t> sequence = SequenceOf(rows[0][1]);
    std::optional<std::string> bytes = FromByteaText(rows[0][2]);
    out->projection.assign(rows[0][0].c_str(), rows[0][0].size());
    if (!sequence.has_value() || !bytes.has_value()) {
      return absl::DataLossError(absl::StrCat("a snapshot record of ", out->projection,
                                              " in PostgreSQL does not decode"));
    }
    out->sequence = *sequence;
    out->key_parsed = true;
    out->bytes = *std::move(bytes);
    if (projection_.has_value()) {
      done_ = *sequence == 0;
      bound_ = *sequence - (*sequence > 0 ? 1 : 0);
    } else {
      after_projection_ = out->projection;
      after_sequence_ = static_cast<int64_t>(*sequence);
    }
    return true;
  }

 private:
  PgPool* pool_;
  const std::string ledger_;
  const std::optional<std::string> projection_;
  uint64_t bound_;                // back from: the highest sequence still to come
  std::string after_projection_;  // all: the last key handed out
  int64_t after_sequence_ = -1;
  bool done_ = false;
};

}  // namespace
}  // namespace aidledger

// A row of COPY's text format made whole by InsertRecords, handed to
// libpqxx 6.4's stream_to as it is: stream_to's own writer of a raw line is
// private, and its tuples escape each field again.
namespace aidledger {
struct CopyLine {
  const std::string* text;
};
}  // namespace aidledger
template <>
inline std::string pqxx::internal::TypedCopyEscaper::operator()<aidledger::CopyLine>(
    const aidledger::CopyLine* line) const {
  return *line->text;
}

namespace aidledger {
namespace {

// Text in COPY's text format: a backslash, and the characters that end a
// field or a row, escaped.
void AppendCopyText(absl::string_view text, std::string* line) {
  for (const char c : text) {
    switch (c) {
      case '\\': line->append("\\\\"); break;
      case '\t': line->append("\\t"); break;
      case '\n': line->append("\\n"); break;
      case '\r': line->append("\\r"); break;
      default: line->push_back(c);
    }
  }
}

// A bytea in COPY's text format: "\x" (its backslash escaped) and hex.
void AppendCopyBytea(absl::string_view bytes, std::string* line) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const size_t at = line->size();
  line->resize(at + 3 + 2 * bytes.size());
  char* out = line->data() + at;
  *out++ = '\\';
  *out++ = '\\';
  *out++ = 'x';
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    *out++ = kDigits[byte >> 4];
    *out++ = kDigits[byte & 0xf];
  }
}

// A record as a line of COPY's text format into events, in one pass:
// libpqxx's tuples (a string for each field, escaped a character at a time)
// were a tenth of an import's CPU.
void AppendCopyLine(const std::string& ledger, const LogRecord& record,
                    absl::string_view event_id, std::string* line) {
  line->clear();
  AppendCopyText(ledger, line);
  absl::StrAppend(line, "\t", record.sequence, "\t");
  AppendCopyText(event_id, line);
  line->push_back('\t');
  AppendCopyBytea(HashBytes(record.prev_hash), line);
  line->push_back('\t');
  AppendCopyBytea(HashBytes(record.hash), line);
  line->push_back('\t');
  AppendCopyBytea(record.event_bytes, line);
}

void InsertReversals(pqxx::work& tx, const std::string& ledger,
                     absl::Span<const IndexEntry> entries) {
  std::vector<std::string> params = {ledger};
  std::string sql = "INSERT INTO reversals (ledger_id, reversed_event_id, seq) VALUES ";
  for (size_t i = 0; i < entries.size(); ++i) {
    const size_t n = params.size();
    absl::StrAppend(&sql, i > 0 ? "," : "", "($1,$", n + 1, ",$", n + 2, ")");
    params.emplace_back(entries[i].key);
    params.push_back(absl::StrCat(entries[i].sequence));
  }
  Exec(tx, sql, params);
}

}  // namespace

PostgresLogStore::PostgresLogStore(PostgresAddress address, std::unique_ptr<PgPool> pool)
    : address_(std::move(address)), pool_(std::move(pool)),
      listener_(std::make_unique<PgListener>(address_.conninfo)) {}

void PostgresLogStore::AwaitAppend(absl::Duration max) const { listener_->Await(max); }

uint64_t PostgresLogStore::reconnects() const { return pool_->reconnects(); }

std::optional<absl::Time> PostgresLogStore::UnreachableSince() const {
  return pool_->unreachable_since();
}

PostgresLogStore::~PostgresLogStore() = default;

int PostgresLogStore::SchemaVersion() { return kSchemaVersion; }

absl::StatusOr<std::unique_ptr<PostgresLogStore>> PostgresLogStore::Open(
    const PostgresAddress& address, const Options& options) {
  auto pool = std::make_unique<PgPool>(address.conninfo, address.where);
  ASSIGN_OR_RETURN(int version, OnConnection<int>(*pool, "reading the schema", [&](auto& c) {
    pqxx::nontransaction tx(c);
    return SchemaVersionOf(tx);
  }));
  RETURN_IF_ERROR(CheckVersion(version, address.where, options.migrate));
  if (options.migrate && version < kSchemaVersion) {
    RETURN_IF_ERROR(OnConnectionOnce<bool>(*pool, "migrating the schema", [&](auto& c)
                                           -> absl::StatusOr<bool> {
                      RETURN_IF_ERROR(Migrate(c, address.where));
                      return true;
                    }).status());
  }
  return std::unique_ptr<PostgresLogStore>(new PostgresLogStore(address, std::move(pool)));
}

absl::Status PostgresLogStore::Initialize() {
  return OnConnectionOnce<bool>(*pool_, "creating the ledger", [&](auto& c) -> absl::StatusOr<bool> {
           RETURN_IF_ERROR(Migrate(c, address_.where));
           pqxx::work tx(c);
           pqxx::result inserted = Exec(
               tx,
               "INSERT INTO ledger_head (ledger_id, format_version, head_seq, head_hash, "
               "head_recorded_at_micros) VALUES ($1, $2, 0, $3, 0) ON CONFLICT DO NOTHING "
               "RETURNING ledger_id",
               {address_.ledger, std::string(internal::kFormatVersion), ByteaText(HashBytes(Hash{}))});
           if (inserted.empty()) {
             return absl::AlreadyExistsError(
                 absl::StrCat("a ledger named ", address_.ledger, " exists at ", address_.where));
           }
           tx.commit();
           return true;
         })
      .status();
}

absl::StatusOr<std::optional<std::string>> PostgresLogStore::FormatVersion() const {
  return OnConnection<std::optional<std::string>>(*pool_, "reading the ledger", [&](auto& c)
                                                      -> std::optional<std::string> {
    pqxx::nontransaction tx(c);
    if (tx.exec("SELECT to_regclass('ledger_head')")[0][0].is_null()) return std::nullopt;
    pqxx::result rows =
        Exec(tx, "SELECT format_version FROM ledger_head WHERE ledger_id = $1", {address_.ledger});
    if (rows.empty()) return std::nullopt;
    return std::string(rows[0][0].c_str());
  });
}

absl::StatusOr<internal::Head> PostgresLogStore::ReadHead() const {
  ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "reading the head",
                                                                 [&](auto& c) {
    pqxx::nontransaction tx(c);
    return Exec(tx,
                "SELECT head_seq, head_hash, head_recorded_at_micros FROM ledger_head "
                "WHERE ledger_id = $1",
                {address_.ledger});
  }));
  if (rows.empty()) return absl::DataLossError("the ledger has no head row");
  std::optional<uint64_t> sequence = SequenceOf(rows[0][0]);
  std::optional<Hash> hash = HashOf(rows[0][1]);
  int64_t recorded = 0;
  if (!sequence || !hash || !absl::SimpleAtoi(rows[0][2].c_str(), &recorded)) {
    return absl::DataLossError("the ledger's head row does not decode");
  }
  return internal::Head{.sequence = *sequence, .hash = *hash, .recorded_at_micros = recorded};
}

namespace {

// One append: at the first record (or at Finish), a transaction that locks
// the ledger's head row and checks it is still `expected`, and a COPY into
// events that each record is streamed into as it comes; at Finish, the rest
// of the records, the reversals, the head moved with its NOTIFY, COMMIT.
// Dropped unfinished, the transaction rolls back.
// Runs `body`, turning libpqxx's exceptions into Statuses (FromPq) that say
// what was being done.
template <typename Body>
absl::Status Guarded(const PgPool& pool, absl::string_view doing, Body body) {
  try {
    return body();
  } catch (const std::exception& error) {
    return FromPq(error, pool.where(), doing);
  }
}

class PgAppendStream final : public AppendStream {
 public:
  PgAppendStream(PgPool* pool, const std::string& ledger, const internal::Head& expected,
                 bool sync)
      : pool_(pool), ledger_(ledger), expected_(expected), sync_(sync) {}

  absl::Status Add(const LogRecord& record, absl::string_view event_id) override {
    if (!status_.ok()) return status_;
    status_ = Guarded(*pool_, "appending", [&]() -> absl::Status {
      RETURN_IF_ERROR(Open());
      AppendCopyLine(ledger_, record, event_id, &line_);
      *copy_ << std::make_tuple(CopyLine{&line_});
      return absl::OkStatus();
    });
    if (status_.ok()) ++added_;
    return status_;
  }

  absl::Status Finish(const LogAppend& batch) override {
    if (!status_.ok()) return status_;
    status_ = Guarded(*pool_, "appending", [&]() -> absl::Status {
      RETURN_IF_ERROR(Open());
      if (added_ < batch.records.size()) {
        absl::flat_hash_map<uint64_t, absl::string_view> ids;
        ids.reserve(batch.event_ids.size());
        for (const IndexEntry& entry : batch.event_ids) ids[entry.sequence] = entry.key;
        for (size_t i = added_; i < batch.records.size(); ++i) {
          const LogRecord& record = batch.records[i];
          auto id = ids.find(record.sequence);
          if (id == ids.end()) {
            return absl::InternalError(
                absl::StrCat("event ", record.sequence, " comes with no event_id"));
          }
          AppendCopyLine(ledger_, record, id->second, &line_);
          *copy_ << std::make_tuple(CopyLine{&line_});
        }
      }
      copy_->complete();
      copy_.reset();
      for (size_t begin = 0; begin < batch.reversals.size();
           begin += limits::kPgRowsPerInsert) {
        const size_t end = std::min(batch.reversals.size(), begin + limits::kPgRowsPerInsert);
        InsertReversals(*tx_, ledger_,
                        absl::MakeConstSpan(batch.reversals).subspan(begin, end - begin));
      }
      // The head moved, and whoever listens is told (at the commit), in
      // one round trip.
      Exec(*tx_,
           absl::StrCat("WITH moved AS (UPDATE ledger_head SET head_seq = $2, head_hash = $3, "
                        "head_recorded_at_micros = $4 WHERE ledger_id = $1 RETURNING 1) "
                        "SELECT pg_notify('", kAppendChannel, "', $1) FROM moved"),
           {ledger_, absl::StrCat(batch.head.sequence), ByteaText(HashBytes(batch.head.hash)),
            absl::StrCat(batch.head.recorded_at_micros)});
      tx_->commit();
      return absl::OkStatus();
    });
    return status_;
  }

 private:
  // The transaction, the head row locked and checked, the COPY begun.
  absl::Status Open() {
    if (tx_ != nullptr) return absl::OkStatus();
    ASSIGN_OR_RETURN(PgPool::Lease lease, pool_->Borrow());
    lease_.emplace(std::move(lease));
    tx_ = std::make_unique<pqxx::work>(**lease_);
    if (!sync_) tx_->exec("SET LOCAL synchronous_commit = off");
    pqxx::result head = Exec(*tx_,
                             "SELECT head_seq, head_hash FROM ledger_head "
                             "WHERE ledger_id = $1 FOR UPDATE",
                             {ledger_});
    if (head.empty()) return absl::DataLossError("the ledger has no head row");
    if (SequenceOf(head[0][0]) != expected_.sequence || HashOf(head[0][1]) != expected_.hash) {
      return absl::AbortedError("the head moved");
    }
    static const std::vector<std::string> kColumns = {"ledger_id", "seq",  "event_id",
                                                      "prev_hash", "hash", "payload"};
    copy_ = std::make_unique<pqxx::stream_to>(*tx_, "events", kColumns);
    return absl::OkStatus();
  }

  PgPool* pool_;
  const std::string& ledger_;
  const internal::Head expected_;
  const bool sync_;
  // Destroyed in reverse: the COPY ended, the transaction rolled back
  // unless committed, the connection returned.
  std::optional<PgPool::Lease> lease_;
  std::unique_ptr<pqxx::work> tx_;
  std::unique_ptr<pqxx::stream_to> copy_;
  std::string line_;  // reused
  size_t added_ = 0;
  absl::Status status_;
};

// One file's chunks and manifest in one transaction (synchronous commit).
class PgEvidenceWriter final : public EvidenceWriter {
 public:
  PgEvidenceWriter(PgPool* pool, const std::string& ledger, const Hash& sha256)
      : pool_(pool), ledger_(ledger), sha256_(ByteaText(HashBytes(sha256))) {}

  absl::Status Add(absl::string_view chunk) override {
    if (!status_.ok()) return status_;
    AIDLEDGER_CHECK(!chunk.empty() && chunk.size() <= limits::kEvidenceChunkBytes);
    status_ = Guarded(*pool_, "storing evidence", [&]() -> absl::Status {
      if (tx_ == nullptr) {
        ASSIGN_OR_RETURN(PgPool::Lease lease, pool_->Borrow());
        lease_.emplace(std::move(lease));
        tx_ = std::make_unique<pqxx::work>(**lease_);
      }
      Exec(*tx_,
           "INSERT INTO evidence_chunks (ledger_id, sha256, idx, bytes) VALUES ($1, $2, $3, $4) "
           "ON CONFLICT (ledger_id, sha256, idx) DO NOTHING",
           {ledger_, sha256_, absl::StrCat(next_), ByteaText(chunk)});
      ++next_;
      return absl::OkStatus();
    });
    return status_;
  }

  absl::Status Finish(const EvidenceManifest& manifest) override {
    if (!status_.ok()) return status_;
    AIDLEDGER_CHECK(tx_ != nullptr && manifest.chunks == next_);
    status_ = Guarded(*pool_, "storing evidence", [&]() -> absl::Status {
      Exec(*tx_,
           "INSERT INTO evidence_files (ledger_id, sha256, size, chunks) VALUES ($1, $2, $3, $4) "
           "ON CONFLICT (ledger_id, sha256) DO NOTHING",
           {ledger_, sha256_, absl::StrCat(manifest.size), absl::StrCat(manifest.chunks)});
      tx_->commit();
      return absl::OkStatus();
    });
    return status_;
  }

 private:
  PgPool* pool_;
  const std::string& ledger_;
  const std::string sha256_;  // as bytea text
  std::optional<PgPool::Lease> lease_;
  std::unique_ptr<pqxx::work> tx_;  // rolled back unless committed
  uint64_t next_ = 0;
  absl::Status status_;
};

// Manifests in hash order, a page at a time.
class PgEvidenceCursor final : public EvidenceCursor {
 public:
  PgEvidenceCursor(PgPool* pool, std::string ledger) : pool_(pool), ledger_(std::move(ledger)) {}

  absl::StatusOr<bool> Next(EvidenceEntry* out) override {
    if (row_ >= page_.size()) {
      if (done_) return false;
      ASSIGN_OR_RETURN(page_, OnConnection<pqxx::result>(
                                  *pool_, "listing evidence", [&](auto& c) -> absl::StatusOr<pqxx::result> {
                                    pqxx::read_transaction tx(c);
                                    return Exec(tx,
                                                "SELECT sha256, size, chunks FROM evidence_files "
                                                "WHERE ledger_id = $1 AND sha256 > $2 ORDER BY sha256 "
                                                "LIMIT $3",
                                                {ledger_, ByteaText(after_),
                                                 absl::StrCat(limits::kPgRowsPerFetch)});
                                  }));
      row_ = 0;
      done_ = page_.size() < limits::kPgRowsPerFetch;
      if (page_.empty()) return false;
    }
    const pqxx::row row = page_[row_++];
    std::optional<Hash> sha256 = HashOf(row[0]);
    std::optional<uint64_t> size = SequenceOf(row[1]);
    std::optional<uint64_t> chunks = SequenceOf(row[2]);
    if (!sha256.has_value() || !size.has_value() || !chunks.has_value()) {
      return absl::DataLossError("a row of evidence_files does not decode");
    }
    out->sha256 = *sha256;
    out->manifest = {.size = *size, .chunks = *chunks};
    after_ = std::string(HashBytes(*sha256));
    return true;
  }

 private:
  PgPool* pool_;
  const std::string ledger_;
  std::string after_;  // the last hash listed (raw bytes); "" sorts first
  pqxx::result page_;
  size_t row_ = 0;
  bool done_ = false;
};

}  // namespace

std::unique_ptr<AppendStream> PostgresLogStore::BeginAppend(const internal::Head& expected,
                                                            bool sync) {
  return std::make_unique<PgAppendStream>(pool_.get(), address_.ledger, expected, sync);
}

absl::Status PostgresLogStore::Append(const internal::Head& expected, const LogAppend& batch,
                                      bool sync) {
  return BeginAppend(expected, sync)->Finish(batch);
}

std::unique_ptr<RecordCursor> PostgresLogStore::Read(uint64_t from) const {
  absl::StatusOr<internal::Head> head = ReadHead();
  absl::StatusOr<uint64_t> last =
      head.ok() ? absl::StatusOr<uint64_t>(head->sequence) : head.status();
  return std::make_unique<PgRecordCursor>(pool_.get(), address_.ledger, from, std::move(last));
}

absl::StatusOr<std::optional<LogRecord>> PostgresLogStore::ReadRecord(uint64_t sequence) const {
  ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "reading an event",
                                                                 [&](auto& c) {
    pqxx::nontransaction tx(c);
    return Exec(tx,
                "SELECT seq, prev_hash, hash, payload FROM events WHERE ledger_id = $1 AND seq = $2",
                {address_.ledger, absl::StrCat(sequence)});
  }));
  if (rows.empty()) return std::nullopt;
  return RecordOf(rows[0]);
}

absl::StatusOr<std::optional<LogRecord>> PostgresLogStore::ReadLast() const {
  ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "reading an event",
                                                                 [&](auto& c) {
    pqxx::nontransaction tx(c);
    return Exec(tx,
                "SELECT seq, prev_hash, hash, payload FROM events WHERE ledger_id = $1 "
                "ORDER BY seq DESC LIMIT 1",
                {address_.ledger});
  }));
  if (rows.empty()) return std::nullopt;
  return RecordOf(rows[0]);
}

absl::StatusOr<std::optional<uint64_t>> PostgresLogStore::Find(LogIndex index,
                                                               absl::string_view key) const {
  ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "looking up an index",
                                                                 [&](auto& c) {
    pqxx::nontransaction tx(c);
    return Exec(tx,
                absl::StrCat("SELECT seq FROM ", IndexTable(index), " WHERE ",
                             LookupCondition(index, "= $2")),
                {address_.ledger, std::string(key)});
  }));
  if (rows.empty()) return std::nullopt;
  std::optional<uint64_t> sequence = SequenceOf(rows[0][0]);
  if (!sequence.has_value()) {
    return absl::DataLossError(absl::StrCat("the index entry of ", key, " names no sequence"));
  }
  return sequence;
}

absl::StatusOr<std::vector<bool>> PostgresLogStore::Contains(
    LogIndex index, absl::Span<const absl::string_view> keys) const {
  std::vector<bool> found(keys.size(), false);
  if (keys.empty()) return found;
  ASSIGN_OR_RETURN(pqxx::result rows, OnConnection<pqxx::result>(*pool_, "looking up an index",
                                                                 [&](auto& c) {
    pqxx::nontransaction tx(c);
    return Exec(tx,
                absl::StrCat("SELECT ", IndexKey(index), " FROM ", IndexTable(index), " WHERE ",
                             LookupCondition(index, "= ANY($2::text[])")),
                {address_.ledger, TextArray(keys)});
  }));
  absl::flat_hash_set<std::string> held;
  for (const pqxx::row& row : rows) held.emplace(row[0].c_str(), row[0].size());
  for (size_t i = 0; i < keys.size(); ++i) found[i] = held.contains(keys[i]);
  return found;
}

std::unique_ptr<IndexCursor> PostgresLogStore::Scan(LogIndex index) const {
  return std::make_unique<PgIndexCursor>(pool_.get(), address_.ledger, index);
}

absl::Status PostgresLogStore::PutSnapshots(absl::Span<const SnapshotBlob> snapshots, bool sync) {
  return OnConnectionOnce<bool>(*pool_, "storing snapshots", [&](auto& c) -> absl::StatusOr<bool> {
           pqxx::work tx(c);
           if (!sync) tx.exec("SET LOCAL synchronous_commit = off");
           for (const SnapshotBlob& blob : snapshots) {
             Exec(tx,
                  "INSERT INTO snapshots (ledger_id, projection, seq, record) VALUES ($1, $2, $3, "
                  "$4) ON CONFLICT (ledger_id, projection, seq) DO UPDATE SET record = "
                  "EXCLUDED.record",
                  {address_.ledger, blob.projection, absl::StrCat(blob.sequence),
                   ByteaText(blob.bytes)});
           }
           tx.commit();
           return true;
         })
      .status();
}

std::unique_ptr<SnapshotCursor> PostgresLogStore::SnapshotsBackFrom(absl::string_view projection,
                                                                    uint64_t sequence) const {
  return std::make_unique<PgSnapshotCursor>(pool_.get(), address_.ledger,
                                            std::string(projection), sequence);
}

std::unique_ptr<EvidenceWriter> PostgresLogStore::BeginEvidence(const Hash& sha256) {
  return std::make_unique<PgEvidenceWriter>(pool_.get(), address_.ledger, sha256);
}

absl::StatusOr<std::optional<EvidenceManifest>> PostgresLogStore::FindEvidence(
    const Hash& sha256) const {
  return OnConnection<std::optional<EvidenceManifest>>(
      *pool_, "reading evidence", [&](auto& c) -> absl::StatusOr<std::optional<EvidenceManifest>> {
        pqxx::read_transaction tx(c);
        pqxx::result rows = Exec(tx,
                                 "SELECT size, chunks FROM evidence_files WHERE ledger_id = $1 "
                                 "AND sha256 = $2",
                                 {address_.ledger, ByteaText(HashBytes(sha256))});
        if (rows.empty()) return std::nullopt;
        std::optional<uint64_t> size = SequenceOf(rows[0][0]);
        std::optional<uint64_t> chunks = SequenceOf(rows[0][1]);
        if (!size.has_value() || !chunks.has_value()) {
          return absl::DataLossError(
              absl::StrCat("the evidence_files row of ", Hex(sha256), " does not decode"));
        }
        return EvidenceManifest{.size = *size, .chunks = *chunks};
      });
}

absl::StatusOr<std::string> PostgresLogStore::ReadEvidenceChunk(const Hash& sha256,
                                                                uint64_t index) const {
  return OnConnection<std::string>(
      *pool_, "reading evidence", [&](auto& c) -> absl::StatusOr<std::string> {
        pqxx::read_transaction tx(c);
        pqxx::result rows = Exec(tx,
                                 "SELECT bytes FROM evidence_chunks WHERE ledger_id = $1 AND "
                                 "sha256 = $2 AND idx = $3",
                                 {address_.ledger, ByteaText(HashBytes(sha256)),
                                  absl::StrCat(index)});
        std::optional<std::string> bytes =
            rows.empty() ? std::nullopt : FromByteaText(rows[0][0]);
        if (!bytes.has_value()) {
          return absl::DataLossError(absl::StrCat("chunk ", index, " of evidence ", Hex(sha256),
                                                  rows.empty() ? " is missing" : " does not decode"));
        }
        return *std::move(bytes);
      });
}

std::unique_ptr<EvidenceCursor> PostgresLogStore::ListEvidence() const {
  return std::make_unique<PgEvidenceCursor>(pool_.get(), address_.ledger);
}

std::unique_ptr<SnapshotCursor> PostgresLogStore::AllSnapshots() const {
  return std::make_unique<PgSnapshotCursor>(pool_.get(), address_.ledger, std::nullopt, 0);
}

}  // namespace aidledger
