// Edits a ledger's files as somebody with access to them would: through
// RocksDB's own API, not through aidledger (the tamper tests).
#ifndef AIDLEDGER_TESTS_TESTING_ROCKSDB_EDIT_H_
#define AIDLEDGER_TESTS_TESTING_ROCKSDB_EDIT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace aidledger::testing {

// Deletes `key` from the column family `family` ("event_ids", "reversals",
// ...) of the RocksDB database in `dir`, as `ldb delete` would.
absl::Status RocksDbDelete(const std::string& dir, absl::string_view family, absl::string_view key);
// Puts `key` = `value` there, as `ldb put` would.
absl::Status RocksDbPut(const std::string& dir, absl::string_view family, absl::string_view key,
                        absl::string_view value);
// Drops the column family `family` (a ledger as it was before the family
// was added: "evidence").
absl::Status RocksDbDropFamily(const std::string& dir, absl::string_view family);

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_TESTING_ROCKSDB_EDIT_H_
