// Crash recovery: `aidledger import` and `aidledger serve` killed with SIGKILL
// at random moments. After every kill the ledger verifies, every batch is
// wholly present or absent, every acknowledged append is there, and a rerun
// of the import ends with exactly the expected balances. The number of kills
// is AIDLEDGER_CRASH_KILLS (default 50; tools/test --long raises it).
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/cli/run.h"
#include "tests/testing/testing.h"
#include "ledger/ledger.h"

namespace aidledger {
namespace {

using testing::IsOk;

constexpr int kBatch = 400;
constexpr int kRegions = 20;

int Kills(int fallback) {
  int kills = fallback;
  if (const char* text = std::getenv("AIDLEDGER_CRASH_KILLS"); text != nullptr) {
    absl::SimpleAtoi(text, &kills);
  }
  return kills;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(testing::RunAidledger({"init", "--db", db_}, dir_.path()).exit_code, 0);
  }
  // Opens the ledger after a kill and checks it whole.
  std::unique_ptr<Ledger> OpenAndVerify(const std::string& context) {
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db_, {});
    EXPECT_THAT(ledger, IsOk()) << context;
    if (!ledger.ok()) return nullptr;
    EXPECT_THAT((*ledger)->Verify({}), IsOk()) << context;
    return *std::move(ledger);
  }

  testing::TempDir dir_;
  std::string db_ = dir_.Sub("ledger");
};

TEST_F(CrashTest, KilledImportsLeaveWholeBatchesAndARerunFinishes) {
  const uint64_t seed = testing::TestSeed(8080);
  std::mt19937_64 random(seed);
  // A file of regions and sales, with the balances it must end with.
  const std::string csv = dir_.Sub("events.csv");
  std::vector<int64_t> expected(kRegions, 0);
  int rows = 0;
  {
    std::ofstream out(csv);
    out << "type,event_id,effective_date,code,name,region_code,amount\n";
    out << "region,p,2016-01-01,620000,甘肃省,,\n";
    ++rows;
    for (int r = 0; r < kRegions; ++r) {
      out << "region,r" << r << ",2016-01-01," << 620101 + r << ",县" << r << ",,\n";
      ++rows;
    }
    for (int i = 0; i < 40'000; ++i) {
      const int region = static_cast<int>(random() % kRegions);
      const int64_t fen = 1 + static_cast<int64_t>(random() % 1'000'000);
      expected[region] += fen;
      out << "sale,s" << i << ",2022-01-01,,,"  << 620101 + region << "," << fen / 100 << "."
          << (fen % 100 < 10 ? "0" : "") << fen % 100 << "\n";
      ++rows;
    }
  }
  const std::string binary = AIDLEDGER_BINARY;
  const std::string batch = absl::StrCat(kBatch);
  const int kills = Kills(50);
  int finished_early = 0;
  for (int kill_number = 0; kill_number < kills; ++kill_number) {
    std::cout.flush();
    std::fflush(nullptr);  // a forked child must not print our buffers again
    const pid_t child = fork();
    if (child == 0) {
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      execl(binary.c_str(), binary.c_str(), "--db", db_.c_str(), "import", csv.c_str(),
            "--batch-size", batch.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    usleep(static_cast<useconds_t>(20'000 + random() % 400'000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    if (WIFEXITED(status)) ++finished_early;
    const std::string context = absl::StrCat("after kill ", kill_number, " (seed ", seed, ")");
    std::unique_ptr<Ledger> ledger = OpenAndVerify(context);
    ASSERT_NE(ledger, nullptr);
    const uint64_t head = ledger->head().sequence;
    EXPECT_TRUE(head % kBatch == 0 || head == static_cast<uint64_t>(rows))
        << context << ": " << head << " events is not a whole number of batches";
    if (head == static_cast<uint64_t>(rows)) break;  // the import won the race
  }
  testing::RunResult rerun = testing::RunAidledger({"--db", db_, "import", csv, "--batch-size", batch},
                                                   dir_.path());
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  std::unique_ptr<Ledger> ledger = OpenAndVerify("after the rerun");
  ASSERT_NE(ledger, nullptr);
  EXPECT_EQ(ledger->head().sequence, static_cast<uint64_t>(rows));
  for (int r = 0; r < kRegions; ++r) {
    const v1::RegionEntry* region = ledger->books().regions.FindRegion(absl::StrCat(620101 + r));
    ASSERT_NE(region, nullptr);
    EXPECT_EQ(region->own().sales_fen(), expected[r]) << "region " << 620101 + r;
  }
  EXPECT_LT(finished_early, 3) << "the imports finished before the kills: make the file longer";
}

TEST_F(CrashTest, AKilledServerKeepsEveryAcknowledgedAppend) {
  ASSERT_EQ(testing::RunAidledger({"--db", db_, "region", "add", "--code", "620000", "--name", "甘肃省",
                                   "--date", "2016-01-01"}, dir_.path()).exit_code, 0);
  const uint64_t seed = testing::TestSeed(8081);
  std::mt19937_64 random(seed);
  std::vector<std::string> acknowledged;
  const int rounds = std::max(3, Kills(50) / 5);
  for (int round = 0; round < rounds; ++round) {
    testing::ServerProcess server({"--db", db_, "--insecure-local"}, dir_.path());
    ASSERT_GT(server.port(), 0) << server.output();
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        httplib::Client client("127.0.0.1", server.port());
        for (int i = 0; !stop; ++i) {
          const std::string id = absl::StrCat("k", round, "-", t, "-", i);
          auto response = client.Post("/v1/events",
              absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"2022-01-01\","
                           "\"sale_recorded\":{\"region_code\":\"620000\",\"amount_fen\":\"1\"}}"),
              "application/json");
          if (!response) break;
          if (response->status == 201) {
            std::lock_guard<std::mutex> lock(mutex);
            acknowledged.push_back(id);
          }
        }
      });
    }
    usleep(static_cast<useconds_t>(100'000 + random() % 300'000));
    server.Stop(SIGKILL);
    stop = true;
    for (std::thread& thread : threads) thread.join();
    std::unique_ptr<Ledger> ledger = OpenAndVerify(absl::StrCat("round ", round, " (seed ", seed, ")"));
    ASSERT_NE(ledger, nullptr);
    for (const std::string& id : acknowledged) {
      absl::StatusOr<std::optional<StoredEvent>> found = ledger->FindByEventId(id);
      ASSERT_TRUE(found.ok() && found->has_value()) << id << " was acknowledged, then lost";
    }
  }
  EXPECT_GT(acknowledged.size(), 100u);
}

}  // namespace
}  // namespace aidledger
