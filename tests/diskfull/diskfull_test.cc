// A full disk: importing into a ledger on a small tmpfs fails with a clear
// "no space" error, leaves a ledger that verifies, and succeeds once space is
// freed. Needs root and mount(2); where the machine refuses, the test says so
// and is skipped.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "ledger/ledger.h"
#include "tests/cli/run.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RunAidledger;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(mount_point_);
    if (geteuid() != 0) GTEST_SKIP() << "skipped: mounting a size-limited tmpfs needs root";
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=16m") != 0) {
      GTEST_SKIP() << "skipped: this machine refuses to mount a size-limited tmpfs ("
                   << std::strerror(errno) << ")";
    }
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }

  testing::TempDir dir_;
  std::string mount_point_ = dir_.Sub("small-disk");
  bool mounted_ = false;
};

TEST_F(DiskFullTest, ImportFailsCleanlyAndSucceedsOnceThereIsSpace) {
  const std::string db = mount_point_ + "/ledger";
  const std::string csv = dir_.Sub("sales.csv");  // outside the small disk
  constexpr int kSales = 150'000;
  {
    std::ofstream out(csv);
    out << "type,event_id,effective_date,code,name,region_code,amount,memo\n"
        << "region,r,2016-01-01,620000,甘肃省,,,\n";
    const std::string memo(60, 'm');
    for (int i = 0; i < kSales; ++i) {
      out << "sale,s" << i << ",2022-01-01,,,620000," << 1 + i % 1000 << "," << memo << "\n";
    }
  }
  ASSERT_EQ(RunAidledger({"init", "--db", db}, dir_.path()).exit_code, 0);
  testing::RunResult full = RunAidledger({"import", csv, "--db", db, "--batch-size", "5000"}, dir_.path());
  EXPECT_EQ(full.exit_code, 1) << full.out << full.err;
  EXPECT_THAT(full.err, ::testing::HasSubstr("no space left"));
  EXPECT_EQ(std::count(full.err.begin(), full.err.end(), '\n'), 1) << full.err;

  testing::RunResult verify = RunAidledger({"verify", "--db", db}, dir_.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db, {.read_only = true});
  ASSERT_THAT(ledger, IsOk());
  const uint64_t written = (*ledger)->head().sequence;
  EXPECT_EQ(written % 5000, 0u) << "a partial batch is on disk";
  EXPECT_LT(written, static_cast<uint64_t>(kSales + 1));
  ledger->reset();

  ASSERT_EQ(mount("tmpfs", mount_point_.c_str(), "tmpfs", MS_REMOUNT, "size=512m"), 0)
      << std::strerror(errno);
  testing::RunResult resumed = RunAidledger({"import", csv, "--db", db, "--batch-size", "5000"}, dir_.path());
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_THAT(resumed.out, ::testing::HasSubstr(absl::StrCat("duplicates=", written)));
  testing::RunResult verified = RunAidledger({"verify", "--db", db}, dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out, ::testing::HasSubstr(absl::StrCat("verified ", kSales + 1, " events")));
}

}  // namespace
}  // namespace aidledger
