// The fund view kept at snapshots on PostgreSQL (ctest fixture "postgres"):
// its records go through the same LogStore::PutSnapshots and
// SnapshotsBackFrom as RocksDB's, and the view read from them and the log's
// tail is the log's, as tests/app/fund_view_store_test.cc holds on RocksDB.
#include "absl/strings/str_cat.h"
#include "tests/app/fund_view_store_fixture.h"
#include "tests/testing/postgres.h"

namespace aidledger::app {
namespace {

class PostgresFundViewStoreTest : public FundViewStoreTest {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri = aidledger::testing::TestPostgresUri();
    ASSERT_TRUE(uri.ok()) << uri.status();
    path_ = absl::StrCat(*uri, "?ledger=", aidledger::testing::LedgerNameFor(dir_.path()));
    snapshot_key_path_ = dir_.Sub("key");
    ASSERT_THAT(Ledger::Create(path_, snapshot_key_path_), IsOk());
    ReopenWith();
  }
};

TEST_F(PostgresFundViewStoreTest, TheStoredViewIsTheLogsViewAtAndBetweenSnapshots) {
  ExpectTheLogsViewAroundSnapshots(20261208);
}

}  // namespace
}  // namespace aidledger::app
