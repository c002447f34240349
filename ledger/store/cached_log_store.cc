#include "ledger/store/cached_log_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "ledger/store/codec.h"

namespace aidledger {
namespace {

// Records 1..cached_to from the cache, the rest from the shared store. Both
// cursors are made at once, so that the whole sees the stores as they were
// then (the contract's "a cursor sees the store as it was").
class CachedCursor final : public RecordCursor {
 public:
  CachedCursor(std::unique_ptr<RecordCursor> cached, uint64_t cached_to,
               std::unique_ptr<RecordCursor> shared, uint64_t from)
      : cached_(std::move(cached)), cached_to_(cached_to), shared_(std::move(shared)), next_(from) {}

  absl::StatusOr<bool> Next(LogRecordView* out) override {
    if (cached_ != nullptr && next_ <= cached_to_) {
      ASSIGN_OR_RETURN(bool more, cached_->Next(out));
      if (more && out->sequence == next_) {
        ++next_;
        return true;
      }
      return absl::DataLossError(absl::StrCat("event ", next_, " is missing from the cache"));
    }
    ASSIGN_OR_RETURN(bool more, shared_->Next(out));
    if (more) next_ = out->sequence + 1;
    return more;
  }

 private:
  std::unique_ptr<RecordCursor> cached_;  // null when `from` is past the cache
  const uint64_t cached_to_;
  std::unique_ptr<RecordCursor> shared_;
  uint64_t next_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CachedLogStore>> CachedLogStore::Open(
    std::unique_ptr<LogStore> shared, std::unique_ptr<LogStore> cache, std::string cache_name) {
  ASSIGN_OR_RETURN(internal::Head cached, cache->ReadHead());
  if (cached.sequence > 0) {
    ASSIGN_OR_RETURN(std::optional<LogRecord> record, shared->ReadRecord(cached.sequence));
    if (!record.has_value() || record->hash != cached.hash) {
      return UsageError(absl::StrCat(
          "the cache at ", cache_name, " holds an event ", cached.sequence,
          " that is not this ledger's (a cache of another ledger, or of a log since "
          "rewritten): remove the directory and it is filled again"));
    }
  }
  return std::unique_ptr<CachedLogStore>(
      new CachedLogStore(std::move(shared), std::move(cache), std::move(cache_name)));
}

uint64_t CachedLogStore::cached_sequence() const {
  absl::StatusOr<internal::Head> head = cache_->ReadHead();
  return head.ok() ? head->sequence : 0;
}

absl::StatusOr<internal::Head> CachedLogStore::ReadHead() const {
  ASSIGN_OR_RETURN(internal::Head head, shared_->ReadHead());
  if (head.sequence > cached_sequence()) RETURN_IF_ERROR(Fill(head.sequence));
  return head;
}

absl::Status CachedLogStore::Fill(uint64_t to) const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  absl::StatusOr<internal::Head> cached = cache_->ReadHead();
  if (!cached.ok() || cached->sequence >= to) return absl::OkStatus();
  std::unique_ptr<RecordCursor> cursor = shared_->Read(cached->sequence + 1);
  internal::Head at = *cached;
  while (at.sequence < to) {
    LogAppend batch;
    LogRecordView record;
    while (at.sequence + batch.records.size() < to &&
           batch.records.size() < limits::kCacheFillRecordsPerWrite) {
      ASSIGN_OR_RETURN(bool more, cursor->Next(&record));
      const Hash prev = batch.records.empty() ? at.hash : batch.records.back().hash;
      const uint64_t expected = at.sequence + batch.records.size() + 1;
      if (!more || record.sequence != expected) {
        return absl::DataLossError(absl::StrCat("event ", expected, " is missing from the log"));
      }
      if (record.prev_hash != prev ||
          internal::ChainHash(prev, record.sequence, record.event_bytes) != record.hash) {
        return absl::DataLossError(absl::StrCat("event ", record.sequence,
                                                " does not chain to the one before it"));
      }
      batch.records.push_back({.sequence = record.sequence, .prev_hash = record.prev_hash,
                               .hash = record.hash, .event_bytes = std::string(record.event_bytes)});
    }
    batch.head = {.sequence = batch.records.back().sequence, .hash = batch.records.back().hash};
    // A cache that cannot be written stays behind: reads past it go to the
    // shared store.
    if (!cache_->Append(at, batch, /*sync=*/false).ok()) return absl::OkStatus();
    at = batch.head;
  }
  return absl::OkStatus();
}

absl::Status CachedLogStore::Append(const internal::Head& expected, const LogAppend& batch,
                                    bool sync) {
  return BeginAppend(expected, sync)->Finish(batch);
}

// The shared store's stream; once it committed, the cache takes the batch
// too if it is at the same head (else it is filled later, as it follows).
class CachedLogStore::Stream final : public AppendStream {
 public:
  Stream(CachedLogStore* store, const internal::Head& expected, bool sync)
      : store_(store), expected_(expected), shared_(store->shared_->BeginAppend(expected, sync)) {}

  absl::Status Add(const LogRecord& record, absl::string_view event_id) override {
    return shared_->Add(record, event_id);
  }
  absl::Status Finish(const LogAppend& batch) override {
    RETURN_IF_ERROR(shared_->Finish(batch));
    std::lock_guard<std::mutex> lock(store_->cache_mutex_);
    absl::StatusOr<internal::Head> cached = store_->cache_->ReadHead();
    if (cached.ok() && cached->sequence == expected_.sequence && cached->hash == expected_.hash) {
      store_->cache_->Append(expected_, batch, /*sync=*/false).IgnoreError();
    }
    return absl::OkStatus();
  }

 private:
  CachedLogStore* store_;
  const internal::Head expected_;
  std::unique_ptr<AppendStream> shared_;
};

std::unique_ptr<AppendStream> CachedLogStore::BeginAppend(const internal::Head& expected,
                                                          bool sync) {
  return std::make_unique<Stream>(this, expected, sync);
}

std::unique_ptr<RecordCursor> CachedLogStore::Read(uint64_t from) const {
  const uint64_t cached_to = cached_sequence();
  std::unique_ptr<RecordCursor> cached = from <= cached_to ? cache_->Read(from) : nullptr;
  return std::make_unique<CachedCursor>(std::move(cached), cached_to,
                                        shared_->Read(std::max(from, cached_to + 1)), from);
}

absl::StatusOr<std::optional<LogRecord>> CachedLogStore::ReadRecord(uint64_t sequence) const {
  if (sequence <= cached_sequence()) return cache_->ReadRecord(sequence);
  return shared_->ReadRecord(sequence);
}

absl::Status CachedLogStore::VerifyChecksums() const {
  RETURN_IF_ERROR(cache_->VerifyChecksums());
  return shared_->VerifyChecksums();
}

}  // namespace aidledger
