#include "tests/testing/rocksdb_edit.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"

namespace aidledger::testing {
namespace {

// Opens the database with every column family it has, applies `edit` to
// the one named `family`, and closes it.
template <typename Edit>
absl::Status EditFamily(const std::string& dir, absl::string_view family, Edit edit) {
  std::vector<std::string> names;
  rocksdb::Status status = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!status.ok()) return absl::InternalError(status.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  status = rocksdb::DB::Open(rocksdb::DBOptions(), dir, descriptors, &handles, &raw);
  if (!status.ok()) return absl::InternalError(status.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* target = nullptr;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == family) target = handles[i];
  }
  status = target == nullptr ? rocksdb::Status::NotFound(std::string(family))
                             : edit(*db, target);
  for (rocksdb::ColumnFamilyHandle* handle : handles) db->DestroyColumnFamilyHandle(handle);
  if (!status.ok()) return absl::InternalError(absl::StrCat(family, ": ", status.ToString()));
  return absl::OkStatus();
}

}  // namespace

absl::Status RocksDbDelete(const std::string& dir, absl::string_view family, absl::string_view key) {
  return EditFamily(dir, family, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
    std::string value;
    rocksdb::Status found = db.Get(rocksdb::ReadOptions(), handle, rocksdb::Slice(key.data(), key.size()), &value);
    if (!found.ok()) return found;  // deleting what is not there would prove nothing
    return db.Delete(rocksdb::WriteOptions(), handle, rocksdb::Slice(key.data(), key.size()));
  });
}

absl::Status RocksDbPut(const std::string& dir, absl::string_view family, absl::string_view key,
                        absl::string_view value) {
  return EditFamily(dir, family, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
    return db.Put(rocksdb::WriteOptions(), handle, rocksdb::Slice(key.data(), key.size()),
                  rocksdb::Slice(value.data(), value.size()));
  });
}

absl::Status RocksDbDropFamily(const std::string& dir, absl::string_view family) {
  return EditFamily(dir, family, [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* handle) {
    return db.DropColumnFamily(handle);
  });
}

}  // namespace aidledger::testing
