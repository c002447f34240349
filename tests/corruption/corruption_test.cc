// Damaged disks: random bytes flipped in closed ledgers' SST, blob (the
// snapshots' records), WAL and MANIFEST files (many seeds). The next verify must report corruption with
// exit 4, and no command may print balances that differ from the undamaged
// ledger's as if they were good. A torn final WAL record (a crash mid-write)
// must keep every complete, synced batch.
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "ledger/store/store.h"
#include "tests/cli/run.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger {
namespace {

namespace fs = std::filesystem;
using testing::IsOk;
using testing::RunAidledger;

class CorruptionTest : public ::testing::Test {
 protected:
  // A ledger whose older events are in SST files, its snapshot's records
  // in blob files and newer events in the WAL.
  void SetUp() override {
    ASSERT_THAT(Ledger::Create(pristine_), IsOk());
    {
      std::unique_ptr<Ledger> ledger = *Ledger::Open(pristine_, {.snapshot_every = 0});
      testing::RandomStream stream(ledger.get(), 4242);
      stream.AddRegistry();
      stream.AddMoneyEvents(400, 20);
      ASSERT_THAT(ledger->CreateSnapshot(), IsOk());
    }
    {
      absl::StatusOr<std::unique_ptr<internal::Store>> store = internal::Store::Open(pristine_, {});
      ASSERT_THAT(store, IsOk());
      ASSERT_THAT((*store)->Flush(), IsOk());
    }
    {
      std::unique_ptr<Ledger> ledger = *Ledger::Open(pristine_, {.snapshot_every = 0});
      testing::RandomStream stream(ledger.get(), 4243);
      stream.AddMoneyEvents(0, 0);
      for (int i = 0; i < 50; ++i) {
        v1::Event sale;
        sale.set_actor("t");
        sale.set_effective_date("2025-01-01");
        sale.mutable_sale_recorded()->set_region_code("510101");
        sale.mutable_sale_recorded()->set_amount_fen(100 + i);
        ASSERT_THAT(ledger->Append(sale), IsOk());
      }
    }
    good_balances_ = Run(pristine_, {"balances", "--format", "json"});
    ASSERT_EQ(good_balances_.exit_code, 0) << good_balances_.err;
  }

  testing::RunResult Run(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db});
    return RunAidledger(args, dir_.path());
  }

  std::vector<fs::path> FilesOf(const std::string& db, const std::string& kind) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(db)) {
      const std::string name = entry.path().filename().string();
      const bool match = (kind == "sst" && entry.path().extension() == ".sst") ||
                         (kind == "blob" && entry.path().extension() == ".blob") ||
                         (kind == "wal" && entry.path().extension() == ".log") ||
                         (kind == "manifest" && name.rfind("MANIFEST-", 0) == 0);
      if (match && entry.file_size() > 0) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  testing::TempDir dir_;
  std::string pristine_ = dir_.Sub("pristine");
  testing::RunResult good_balances_;
};

TEST_F(CorruptionTest, FlippedBytesAreReportedAndNeverTurnedIntoBalances) {
  const uint64_t base_seed = testing::TestSeed(5150);
  int trials = 0;
  for (const char* kind : {"sst", "blob", "wal", "manifest"}) {
    ASSERT_FALSE(FilesOf(pristine_, kind).empty()) << "the fixture has no " << kind << " file";
    for (int seed = 0; seed < 12; ++seed) {
      std::mt19937_64 random(base_seed + seed * 31 + kind[0]);
      const std::string trial = dir_.Sub(absl::StrCat("trial-", kind, "-", seed));
      fs::copy(pristine_, trial, fs::copy_options::recursive);
      std::vector<fs::path> files = FilesOf(trial, kind);
      const fs::path victim = files[random() % files.size()];
      const uintmax_t size = fs::file_size(victim);
      std::fstream file(victim, std::ios::in | std::ios::out | std::ios::binary);
      const int flips = 1 + static_cast<int>(random() % 3);
      std::vector<uintmax_t> offsets;
      for (int f = 0; f < flips; ++f) {
        const uintmax_t offset = random() % size;
        offsets.push_back(offset);
        file.seekg(static_cast<std::streamoff>(offset));
        char byte = 0;
        file.read(&byte, 1);
        byte = static_cast<char>(byte ^ (1 << (random() % 8)));
        file.seekp(static_cast<std::streamoff>(offset));
        file.write(&byte, 1);
      }
      file.close();
      const std::string where = absl::StrCat(kind, " ", victim.filename().string(), " offset ", offsets[0],
                                             " (seed ", base_seed, "/", seed, ")");
      testing::RunResult verify = Run(trial, {"verify"});
      EXPECT_EQ(verify.exit_code, 4) << where << ": verify said " << verify.out << verify.err;
      testing::RunResult balances = Run(trial, {"balances", "--format", "json"});
      if (balances.exit_code == 0) {
        EXPECT_EQ(balances.out, good_balances_.out) << where << ": balances from damaged data";
      } else {
        EXPECT_EQ(balances.exit_code, 4) << where << ": " << balances.err;
        EXPECT_EQ(balances.out, "") << where;
      }
      ++trials;
      fs::remove_all(trial);
    }
  }
  EXPECT_EQ(trials, 48);
}

TEST_F(CorruptionTest, ATornFinalWalRecordKeepsEveryCompleteBatch) {
  const std::string trial = dir_.Sub("torn");
  fs::copy(pristine_, trial, fs::copy_options::recursive);
  std::vector<fs::path> wals = FilesOf(trial, "wal");
  ASSERT_FALSE(wals.empty());
  const fs::path wal = wals.back();
  // Each of the last 50 appends is one WAL record; cut into the last one.
  fs::resize_file(wal, fs::file_size(wal) - 40);
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(trial, {.read_only = true});
  ASSERT_THAT(ledger, IsOk());
  absl::StatusOr<std::unique_ptr<Ledger>> pristine = Ledger::Open(pristine_, {.read_only = true});
  ASSERT_THAT(pristine, IsOk());
  EXPECT_EQ((*ledger)->head().sequence, (*pristine)->head().sequence - 1);
  EXPECT_THAT((*ledger)->Verify({}), IsOk());
}

}  // namespace
}  // namespace aidledger
