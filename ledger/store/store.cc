#include "ledger/store/store.h"

#include <rocksdb/convenience.h>
#include <rocksdb/file_checksum.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/limits.h"
#include "ledger/store/file_checksum.h"

namespace aidledger::internal {
namespace {

constexpr absl::string_view kFamilyNames[kFamilyCount] = {
    "events", "event_ids", "reversals", "meta", "snapshots", "evidence"};
// Added after ledgers existed: opened when present, added by a writable open.
constexpr Family kAddedLater = Family::kEvidence;

// The one place where RocksDB statuses become absl::Status.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view context) {
  if (status.ok()) return absl::OkStatus();
  const std::string detail = absl::StrCat(context, ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(detail);
  if (status.IsNoSpace() || absl::StrContains(status.ToString(), "No space left")) {
    return absl::ResourceExhaustedError(
        absl::StrCat(context, ": no space left on the device"));
  }
  if (status.IsIOError() && absl::StrContains(status.ToString(), "lock")) {
    return absl::UnavailableError(absl::StrCat(
        context, ": the ledger is held by another process (its LOCK file is taken)"));
  }
  if (status.IsBusy() || status.IsTryAgain()) return absl::UnavailableError(detail);
  if (status.IsNotFound()) return absl::NotFoundError(detail);
  if (status.IsInvalidArgument() && absl::StrContains(status.ToString(), "does not exist")) {
    return absl::NotFoundError(detail);
  }
  return absl::InternalError(detail);
}

#define RETURN_IF_ROCKS(expr, context)                       \
  do {                                                       \
    const absl::Status status_ = FromRocks((expr), context); \
    if (!status_.ok()) return status_;                       \
  } while (false)

rocksdb::Slice ToSlice(absl::string_view view) { return rocksdb::Slice(view.data(), view.size()); }

// Per column family: the index families answer "is this event_id known?"
// for every append, and nearly always "no": Bloom filters (in SST files and
// in the memtable) answer that without reading a block.
rocksdb::ColumnFamilyOptions FamilyOptions(const rocksdb::Options& base, absl::string_view name) {
  rocksdb::ColumnFamilyOptions options(base);
  if (name == "event_ids" || name == "reversals") {
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.05;
  }
  if (name == "evidence" || name == "snapshots") {
    // Evidence chunks (up to a MiB) and snapshot records (up to several MB
    // each) go to blob files beside the tables, written once: compactions
    // move their keys, not their bytes, and a seek to the newest record of
    // a projection reads small index blocks in each level instead of
    // whole records of other projections and older snapshots.
    options.enable_blob_files = true;
    options.min_blob_size = 4096;
  }
  return options;
}

// RocksDB's info LOG is not written: when the disk is full, writing it from
// RocksDB's background recovery thread trips RocksDB's own assertions. Every
// error reaches us as a Status anyway (FromRocks).
class SilentLogger final : public rocksdb::Logger {
 public:
  SilentLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::HEADER_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*arguments*/) override {}
};

rocksdb::Options LedgerOptions(bool create_if_missing, uint64_t wal_bytes_max) {
  rocksdb::Options options;
  options.create_if_missing = create_if_missing;
  options.create_missing_column_families = create_if_missing;
  options.paranoid_checks = true;
  // A torn final WAL record (a crash mid-write) is dropped and every
  // complete, synced batch before it kept; damage anywhere else in the WAL
  // fails the open as corruption. (kPointInTimeRecovery would silently drop
  // every synced batch after a damaged record: acknowledged money lost.)
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.compression = rocksdb::kNoCompression;
  // A CRC32C of every whole SST file, kept in the MANIFEST: VerifyChecksums
  // then catches damage in any byte of a file, not only in checksummed blocks.
  // RocksDB's own, computed with the crc32 instruction (file_checksum.h).
  options.file_checksum_gen_factory = NewFileChecksumFactory();
  options.max_open_files = 256;
  options.max_total_wal_size = wal_bytes_max;
  options.info_log = std::make_shared<SilentLogger>();
  return options;
}

}  // namespace

absl::string_view FamilyName(Family family) { return kFamilyNames[static_cast<int>(family)]; }

Cursor::Cursor(std::unique_ptr<rocksdb::Iterator> iterator) : iterator_(std::move(iterator)) {}
Cursor::~Cursor() = default;
void Cursor::Seek(absl::string_view key) { iterator_->Seek(ToSlice(key)); }
void Cursor::SeekForPrev(absl::string_view key) { iterator_->SeekForPrev(ToSlice(key)); }
void Cursor::SeekToFirst() { iterator_->SeekToFirst(); }
void Cursor::SeekToLast() { iterator_->SeekToLast(); }
bool Cursor::Valid() const { return iterator_->Valid(); }
void Cursor::Next() { iterator_->Next(); }
void Cursor::Prev() { iterator_->Prev(); }
absl::string_view Cursor::key() const {
  rocksdb::Slice key = iterator_->key();
  return absl::string_view(key.data(), key.size());
}
absl::string_view Cursor::value() const {
  rocksdb::Slice value = iterator_->value();
  return absl::string_view(value.data(), value.size());
}
absl::Status Cursor::status() const { return FromRocks(iterator_->status(), "reading the ledger"); }

Batch::Batch(const Store* store)
    : store_(store), batch_(std::make_unique<rocksdb::WriteBatch>()) {}
Batch::~Batch() = default;
Batch::Batch(Batch&&) noexcept = default;

void Batch::Put(Family family, absl::string_view key, absl::string_view value) {
  rocksdb::Status status = batch_->Put(store_->Handle(family), ToSlice(key), ToSlice(value));
  AIDLEDGER_CHECK(status.ok());  // only fails past RocksDB's 4 GiB batch size
}

size_t Batch::bytes() const { return batch_->GetDataSize(); }

void Batch::SetSavePoint() { batch_->SetSavePoint(); }

void Batch::RollbackToSavePoint() {
  rocksdb::Status status = batch_->RollbackToSavePoint();
  AIDLEDGER_CHECK(status.ok());  // only fails without a save point
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  store->dir_ = dir;
  store->read_only_ = options.read_only;
  store->flush_at_close_bytes_ = options.flush_at_close_bytes;
  if (!options.create_if_missing && !std::filesystem::exists(dir + "/CURRENT")) {
    return absl::NotFoundError(absl::StrCat("no ledger at ", dir));
  }
  rocksdb::Options db_options = LedgerOptions(options.create_if_missing && !options.read_only,
                                              options.wal_bytes_max);
  // A family added later is opened only when the database has it.
  bool has_added_later = true;
  if (std::filesystem::exists(dir + "/CURRENT")) {
    std::vector<std::string> names;
    RETURN_IF_ROCKS(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(db_options), dir, &names),
                    absl::StrCat("opening ", dir));
    has_added_later = std::find(names.begin(), names.end(),
                                std::string(FamilyName(kAddedLater))) != names.end();
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(db_options));
  std::vector<int> opened;  // the Family of each descriptor after the default
  for (int i = 0; i < kFamilyCount; ++i) {
    if (static_cast<Family>(i) == kAddedLater && !has_added_later) continue;
    families.emplace_back(std::string(kFamilyNames[i]), FamilyOptions(db_options, kFamilyNames[i]));
    opened.push_back(i);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status status =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(db_options), dir, families,
                                         &handles, &db)
          : rocksdb::DB::Open(rocksdb::DBOptions(db_options), dir, families, &handles, &db);
  if (!status.ok()) return FromRocks(status, absl::StrCat("opening ", dir));
  store->db_.reset(db);
  store->default_handle_ = handles[0];
  for (size_t i = 0; i < opened.size(); ++i) store->handles_[opened[i]] = handles[i + 1];
  if (!has_added_later && !options.read_only) {
    rocksdb::ColumnFamilyHandle* added = nullptr;
    RETURN_IF_ROCKS(db->CreateColumnFamily(FamilyOptions(db_options, FamilyName(kAddedLater)),
                                           std::string(FamilyName(kAddedLater)), &added),
                    absl::StrCat("adding the ", FamilyName(kAddedLater), " family to ", dir));
    store->handles_[static_cast<int>(kAddedLater)] = added;
  }
  return store;
}

Store::~Store() {
  if (db_ == nullptr) return;
  if (!write_failed_ && !read_only_ && unflushed_bytes_ >= flush_at_close_bytes_) {
    // Spares every later read-only open replaying this session's WAL (see
    // limits::kUnflushedBytesWorthFlushing). A failure loses nothing: the
    // writes are in the WAL, and the next read-write open flushes them;
    // Flush marks the store failed, so it is abandoned below.
    Flush().IgnoreError();
  }
  if (write_failed_) {
    // After a failed write RocksDB's files are in an error state in which
    // closing them again trips its own assertions. Everything acknowledged
    // was synced before the failure; let the process exit close the files,
    // and let the next open recover from the WAL. The pointer is kept
    // reachable so that leak checkers see a deliberate abandonment.
    static std::vector<void*>* abandoned = new std::vector<void*>();
    abandoned->push_back(db_.release());
    for (rocksdb::ColumnFamilyHandle* handle : handles_) abandoned->push_back(handle);
    abandoned->push_back(default_handle_);
    return;
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle);
  }
  if (default_handle_ != nullptr) db_->DestroyColumnFamilyHandle(default_handle_);
  // Close reports errors of the final flush; there is no one left to tell,
  // and synced writes are already durable in the WAL.
  db_->Close().PermitUncheckedError();
}

rocksdb::ColumnFamilyHandle* Store::Handle(Family family) const {
  return handles_[static_cast<int>(family)];
}

absl::StatusOr<std::optional<std::string>> Store::Get(Family family,
                                                      absl::string_view key) const {
  if (!has(family)) return std::nullopt;
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), Handle(family), ToSlice(key), &value);
  if (status.IsNotFound()) return std::nullopt;
  if (!status.ok()) {
    return FromRocks(status, absl::StrCat("reading ", FamilyName(family)));
  }
  return value;
}

absl::StatusOr<std::vector<bool>> Store::Contains(Family family,
                                                  absl::Span<const absl::string_view> keys) const {
  AIDLEDGER_CHECK(keys.size() <= limits::kMultiGetKeysMax);
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (absl::string_view key : keys) slices.push_back(ToSlice(key));
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), Handle(family), keys.size(), slices.data(), values.data(),
                statuses.data());
  std::vector<bool> found(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    RETURN_IF_ROCKS(statuses[i], absl::StrCat("reading ", FamilyName(family)));
    found[i] = true;
  }
  return found;
}

std::unique_ptr<Cursor> Store::NewCursor(Family family) const {
  AIDLEDGER_CHECK(has(family));
  rocksdb::ReadOptions read_options;
  // A snapshot record carries a MAC (HMAC-SHA256) over all its fields, which
  // every read of one checks before it uses the record (ledger/snapshots.cc,
  // ledger/fund_view_store.cc): RocksDB's CRC-32C of the same bytes would
  // catch nothing more, and Debian's RocksDB computes it without SSE 4.2 (a
  // twentieth of a province's trace, which reads 13 MB of records). `verify`
  // still checks every file's checksum.
  read_options.verify_checksums = family != Family::kSnapshots;
  read_options.fill_cache = false;  // scans would only evict hot blocks
  // Forward scans of the log and its index read ahead; the snapshot cursors
  // step backwards to one record, where reading ahead would only waste.
  if (family == Family::kEvents || family == Family::kEventIds) {
    read_options.readahead_size = limits::kScanReadaheadBytes;
  }
  return std::make_unique<Cursor>(
      std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(read_options, Handle(family))));
}

absl::Status Store::Write(Batch* batch, bool sync) {
  AIDLEDGER_CHECK(batch->store_ == this);
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  absl::Status status = FromRocks(db_->Write(write_options, batch->batch_.get()), "writing the ledger");
  if (status.ok()) {
    unflushed_bytes_ += batch->bytes();
  } else {
    write_failed_ = true;
  }
  return status;
}

absl::Status Store::VerifyChecksums() const {
  RETURN_IF_ROCKS(db_->VerifyChecksum(), "verifying RocksDB block checksums");
  return FromRocks(db_->VerifyFileChecksums(rocksdb::ReadOptions()), "verifying RocksDB file checksums");
}

absl::Status Store::Flush() {
  if (read_only_) return absl::OkStatus();
  std::vector<rocksdb::ColumnFamilyHandle*> all;
  for (rocksdb::ColumnFamilyHandle* handle : handles_) {
    if (handle != nullptr) all.push_back(handle);
  }
  absl::Status status = FromRocks(db_->Flush(rocksdb::FlushOptions(), all), "flushing the ledger");
  if (status.ok()) {
    unflushed_bytes_ = 0;
  } else {
    write_failed_ = true;
  }
  return status;
}

}  // namespace aidledger::internal
