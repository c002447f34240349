// The fund view kept at snapshots (issue 25; docs/fund-view-store.md): each
// snapshot's delta written beside the projections, and read back for a
// trace so that it does not read the whole log.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aidledger/v1/storage.pb.h"
#include "base/limits.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"
#include "ledger/ledger.h"
#include "ledger/read_ahead.h"
#include "ledger/snapshot_key.h"
#include "state/fold_event.h"
#include "state/fund_view_entry.h"

namespace aidledger {

SnapshotCheck Ledger::LoadExactRecord(absl::string_view name, uint64_t sequence,
                                      std::string* state) const {
  std::unique_ptr<SnapshotCursor> cursor = store_->SnapshotsBackFrom(name, sequence);
  SnapshotBlob blob;
  absl::StatusOr<bool> found = cursor->Next(&blob);
  if (!found.ok()) return {.fault = SnapshotFault::kUndecodable, .message = std::string(found.status().message())};
  v1::SnapshotRecord record;
  if (!*found || blob.sequence != sequence) {
    return {.fault = SnapshotFault::kUndecodable, .message = absl::StrCat(name, " is missing")};
  }
  if (!record.ParseFromString(blob.bytes) || record.sequence() != sequence ||
      record.projection() != name) {
    return {.fault = SnapshotFault::kUndecodable,
            .message = absl::StrCat(name, ": the record does not decode, or names another")};
  }
  absl::StatusOr<Hash> hash = HashFromBytes(record.chain_hash());
  if (!hash.ok()) {
    return {.fault = SnapshotFault::kNotInLog, .message = "its chain hash is not 32 bytes"};
  }
  SnapshotCheck check = CheckSnapshot(
      {.projection = record.projection(), .version = record.version(), .sequence = sequence,
       .chain_hash = *hash});
  if (check.usable()) check = CheckMac(record);
  if (check.usable()) *state = std::move(*record.mutable_state());
  return check;
}

absl::StatusOr<std::optional<std::pair<uint64_t, std::string>>> Ledger::NewestFundViewManifest(
    uint64_t sequence) const {
  std::unique_ptr<SnapshotCursor> cursor = store_->SnapshotsBackFrom(kFundViewSnapshotName, sequence);
  SnapshotBlob blob;
  for (size_t tried = 0; tried < limits::kSnapshotRecordsScannedMax; ++tried) {
    ASSIGN_OR_RETURN(bool more, cursor->Next(&blob));
    if (!more) break;
    std::string state;
    const SnapshotCheck check = LoadExactRecord(kFundViewSnapshotName, blob.sequence, &state);
    if (check.usable()) return std::make_pair(blob.sequence, std::move(state));
    if (!check.outdated()) {
      Warn(absl::StrCat("the fund view stored at event ", blob.sequence, " is not trusted (",
                        check.message, "); reading the log before it"));
    }
  }
  return std::nullopt;
}

absl::Status Ledger::FundViewBlobs(const Books& books, uint64_t sequence, const Hash& hash,
                                   int64_t now_micros, std::vector<SnapshotBlob>* blobs) const {
  ASSIGN_OR_RETURN(auto previous, NewestFundViewManifest(sequence - 1));
  const uint64_t from = previous.has_value() ? previous->first : 0;
  Hash from_hash{};
  if (from > 0) {
    ASSIGN_OR_RETURN(std::optional<StoredEvent> event, ReadEvent(from));
    if (!event.has_value()) return absl::DataLossError(absl::StrCat("event ", from, " is missing"));
    from_hash = event->hash;
  }
  std::vector<v1::FundViewEntry> entries;
  FoldEventDecoder decoder;
  RETURN_IF_ERROR(WalkRecords(from, from_hash, sequence, [&](const CheckedRecord& record) {
    ASSIGN_OR_RETURN(const FoldEvent* event, decoder.DecodeStored(record.sequence, record.event_bytes));
    if (InFundView(*event)) entries.push_back(FundViewEntryOf(record.sequence, record.hash, *event));
    return absl::OkStatus();
  }));
  FundViewDelta delta = FileFundView(books, from, std::move(entries));
  for (auto& [partition, part] : delta.parts) {
    const std::string name = absl::StrCat(kFundViewPartPrefix, partition);
    blobs->push_back({.projection = name, .sequence = sequence,
                      .bytes = SnapshotRecordBytes(*snapshot_key_, name, kFundViewSnapshotVersion,
                                                   sequence, hash, SerializeDeterministic(part),
                                                   now_micros)});
  }
  blobs->push_back({.projection = kFundViewSnapshotName, .sequence = sequence,
                    .bytes = SnapshotRecordBytes(*snapshot_key_, kFundViewSnapshotName,
                                                 kFundViewSnapshotVersion, sequence, hash,
                                                 SerializeDeterministic(delta.manifest), now_micros)});
  return absl::OkStatus();
}

namespace {

// Whether every region `manifest` places lies in the same province in
// `provinces` (the point's): else a part may hold another province's money.
bool PlacedAsBefore(const v1::FundViewManifest& manifest,
                    const absl::flat_hash_map<std::string, std::string>& provinces) {
  for (const v1::FundViewManifest::Placement& placement : manifest.placements()) {
    auto found = provinces.find(placement.region_code());
    if (found == provinces.end() || found->second != placement.province_code()) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<std::optional<StoredFundView>> Ledger::ReadStoredFundView(
    uint64_t sequence, const Books& books,
    absl::FunctionRef<bool(absl::string_view partition)> wanted) const {
  ASSIGN_OR_RETURN(auto newest, NewestFundViewManifest(sequence));
  if (!newest.has_value()) return std::nullopt;
  // The chain of manifests back to the log's start, newest first.
  std::vector<std::pair<uint64_t, v1::FundViewManifest>> chain;
  uint64_t at = newest->first;
  std::string state = std::move(newest->second);
  for (;;) {  // bounded: kSnapshotRecordsScannedMax links
    chain.emplace_back(at, v1::FundViewManifest());
    if (!chain.back().second.ParseFromString(state)) {
      Warn(absl::StrCat("the fund view stored at event ", at, " does not decode; reading the log"));
      return std::nullopt;
    }
    const uint64_t previous = chain.back().second.previous();
    if (previous == 0) break;
    if (previous >= at || chain.size() >= limits::kSnapshotRecordsScannedMax) {
      Warn(absl::StrCat("the fund view stored at event ", at,
                        " names a delta before it that is not; reading the log"));
      return std::nullopt;
    }
    const SnapshotCheck check = LoadExactRecord(kFundViewSnapshotName, previous, &state);
    if (!check.usable()) {
      Warn(absl::StrCat("the fund view stored at event ", previous, " is not trusted (",
                        check.message, "); reading the log"));
      return std::nullopt;
    }
    at = previous;
  }
  absl::flat_hash_map<std::string, std::string> provinces;
  for (const v1::RegionEntry& region : books.regions.state().regions()) {
    provinces[region.code()] = ProvinceOf(books, region.code());
  }
  // The parts wanted, oldest link first: (record name, the link's sequence).
  std::vector<std::pair<std::string, uint64_t>> wanted_parts;
  for (auto link = chain.rbegin(); link != chain.rend(); ++link) {
    if (!PlacedAsBefore(link->second, provinces)) return std::nullopt;
    for (const std::string& partition : link->second.partitions()) {
      if (partition != kFundViewRegistry && partition != kFundViewUnplaced && !wanted(partition)) {
        continue;
      }
      wanted_parts.emplace_back(absl::StrCat(kFundViewPartPrefix, partition), link->first);
    }
  }
  // Each part is read, its MAC and its chain hash checked: a province's ten
  // years are ~40 parts and 13 MB, read two at a time.
  StoredFundView view{.sequence = newest->first};
  view.parts.resize(wanted_parts.size());
  std::vector<SnapshotCheck> checks(wanted_parts.size());
  RETURN_IF_ERROR(internal::ForEachOnTwoThreads(wanted_parts.size(), [&](size_t i) {
    checks[i] = LoadExactRecord(wanted_parts[i].first, wanted_parts[i].second, &view.parts[i]);
    return absl::OkStatus();
  }));
  for (size_t i = 0; i < checks.size(); ++i) {
    if (!checks[i].usable()) {
      Warn(absl::StrCat(wanted_parts[i].first, " stored at event ", wanted_parts[i].second,
                        " is not trusted (", checks[i].message, "); reading the log"));
      return std::nullopt;
    }
  }
  ASSIGN_OR_RETURN(std::optional<StoredEvent> event, ReadEvent(view.sequence));
  if (!event.has_value()) return absl::DataLossError(absl::StrCat("event ", view.sequence, " is missing"));
  view.hash = event->hash;
  return view;
}

}  // namespace aidledger
