// The secret that binds each stored snapshot to the product that wrote it.
//
// A snapshot is a cache of a fold: a query that starts from it trusts its
// state bytes instead of folding the log before it. Its chain hash ties it
// to a point of the log, but anyone who can write the store could change
// the state bytes and keep the chain hash. So every snapshot record also
// carries HMAC-SHA256, under a 32-byte key that `aidledger init` makes,
// over everything in the record but the MAC itself (the grammar is in
// snapshot_key.cc). A record whose MAC does not match is never loaded: the
// fold starts from an earlier snapshot or from the log, with a warning.
//
// The key lives outside the store, in a file of its own (by default
// DB.key beside the ledger directory DB; --snapshot-key FILE elsewhere),
// mode 0600, 64 hex digits. A key file that others may read or write is
// refused: who can read it can forge snapshots.
#ifndef AIDLEDGER_LEDGER_SNAPSHOT_KEY_H_
#define AIDLEDGER_LEDGER_SNAPSHOT_KEY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/storage.pb.h"
#include "base/sha256.h"

namespace aidledger {

// DB.key for the ledger directory DB (a trailing '/' ignored).
std::string DefaultSnapshotKeyPath(const std::string& dir);

// The key in `path`; nullopt when there is no such file. An error (usage)
// when the file is not a regular file of mode 0600 or less, or does not
// hold exactly 64 hex digits (and an optional newline).
absl::StatusOr<std::optional<Hash>> ReadSnapshotKey(const std::string& path);

// Makes a new random key in `path`, created exclusively (never through a
// symbolic link) with mode 0600. kAlreadyExists when the file exists.
absl::StatusOr<Hash> CreateSnapshotKey(const std::string& path);

// The MAC of `record` under `key` (its `mac` field is not covered).
std::string SnapshotMac(const Hash& key, const v1::SnapshotRecord& record);

// The bytes of a snapshot record of `state` at `sequence` (whose chain hash
// is `hash`), named `name` of `version`, made at `now_micros` and MAC'd
// under `key`.
std::string SnapshotRecordBytes(const Hash& key, absl::string_view name, uint32_t version,
                                uint64_t sequence, const Hash& hash, std::string state,
                                int64_t now_micros);

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_SNAPSHOT_KEY_H_
