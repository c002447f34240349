// Several `aidledger serve` processes on one PostgreSQL ledger (ctest
// fixture "postgres"): every server accepts appends, appends are serialized
// by the ledger's head row, each server validates against the head it has
// caught up to, and each follows what the others append.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/limits.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/postgres.h"

namespace aidledger {
namespace {

class PostgresServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri = testing::TestPostgresUri();
    ASSERT_TRUE(uri.ok()) << uri.status();
    db_ = absl::StrCat(*uri, "?ledger=", testing::LedgerNameFor(dir_.path()));
    store_args_ = {"--snapshot-key", dir_.Sub("key")};
    ServerFixture::SetUp();
  }
  // The digest a server publishes.
  static std::string Digest(const testing::ServerProcess& server, const httplib::Headers& as) {
    auto response = Client(server)->Get("/v1/digest", as);
    return response && response->status == 200 ? response->body : "";
  }
  static std::string Disbursement(const std::string& id, int64_t fen) {
    return absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"2022-01-02\","
                        "\"funds_disbursed\":{\"project_id\":\"P-1\",\"amount_fen\":\"", fen, "\"}}");
  }
};

// Eight clients append through two servers at once, for a bounded time:
// sales, disbursements racing to overspend one project, and repeats of
// their own events sent to the other server. Every 201 is in the log once,
// no repeat was appended twice, exactly the disbursements the allocation
// covers got through (validation at every point of the chain: verify
// replays it), and both servers end at the same head.
TEST_F(PostgresServerTest, TwoServersShareOneLedgerWithoutLossDuplicatesOrOverspending) {
  constexpr int64_t kAllocatedFen = 1'000'000, kDisbursedFen = 100'000;
  AddFundedProject("10000.00");
  const uint64_t setup_events = 7;
  std::unique_ptr<testing::ServerProcess> servers[2] = {NewServer(), NewServer()};
  for (const auto& server : servers) ASSERT_GT(server->port(), 0) << server->output();

  const uint32_t seed = std::random_device{}();
  std::cout << "seed " << seed << "\n";
  constexpr int kClients = 8, kRequestsMax = 40;
  constexpr auto kLoadFor = std::chrono::seconds(4);
  const auto until = std::chrono::steady_clock::now() + kLoadFor;
  std::mutex mutex;
  std::vector<std::string> created;  // guarded by mutex
  std::atomic<int> disbursed{0}, overspent{0}, repeats{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 random(seed + c);
      std::unique_ptr<httplib::Client> clients[2] = {Client(*servers[0]), Client(*servers[1])};
      std::string last_body;
      for (int i = 0; i < kRequestsMax && std::chrono::steady_clock::now() < until; ++i) {
        const int via = (c + i) % 2;
        const std::string id = absl::StrCat("c", c, "-", i);
        const bool repeat = !last_body.empty() && random() % 4 == 0;
        const bool disburse = random() % 3 == 0;
        const std::string body = repeat     ? last_body
                                 : disburse ? Disbursement(id, kDisbursedFen)
                                            : Sale(id, "621102", 100 + c);
        auto response = clients[via]->Post("/v1/events", As("appender"), body, "application/json");
        ASSERT_TRUE(response) << httplib::to_string(response.error());
        if (repeat) {
          EXPECT_EQ(response->status, 200) << "a repeat through the other server: " << response->body;
          ++repeats;
          continue;
        }
        if (response->status == 422 && disburse) {
          EXPECT_NE(response->body.find("OVERSPENT"), std::string::npos) << response->body;
          ++overspent;
          continue;
        }
        ASSERT_EQ(response->status, 201) << response->body;
        if (disburse) ++disbursed;
        last_body = body;
        std::lock_guard<std::mutex> lock(mutex);
        created.push_back(id);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::cout << created.size() << " appended (" << disbursed << " disbursements), " << overspent
            << " overspending refused, " << repeats << " repeats\n";
  EXPECT_EQ(disbursed.load(), kAllocatedFen / kDisbursedFen);
  EXPECT_GT(overspent.load(), 0);
  EXPECT_GT(repeats.load(), 0);

  // Each follows the other: both publish the same head, soon.
  const uint64_t head = setup_events + created.size();
  const std::string want = absl::StrCat("\"seq\":\"", head, "\"");
  std::string digests[2];
  for (int tries = 0; tries < 100; ++tries) {
    for (int s = 0; s < 2; ++s) digests[s] = Digest(*servers[s], As("reader"));
    if (digests[0] == digests[1] && digests[0].find(want) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(digests[0], digests[1]) << servers[0]->output() << servers[1]->output();
  EXPECT_NE(digests[0].find(want), std::string::npos) << digests[0];
  for (const auto& server : servers) EXPECT_EQ(server->Stop(SIGTERM), 0) << server->output();

  // The log: gapless, every link and rule holding in order (verify), each
  // 201 in it exactly once, and nothing else.
  EXPECT_EQ(HeadAfterStop({.read_only = true, .snapshot_key_path = dir_.Sub("key")}), head);
  std::set<std::string> ids;
  for (const auto& [id, times] :
       LoggedIds({.read_only = true, .snapshot_key_path = dir_.Sub("key")}, setup_events + 1, head)) {
    EXPECT_EQ(times, 1) << id << " " << times << " times";
    ids.insert(id);
  }
  EXPECT_EQ(ids, std::set<std::string>(created.begin(), created.end()));
  testing::RunResult projects = Run({"projects", "--format", "csv", "--unit", "fen"});
  ASSERT_EQ(projects.exit_code, 0) << projects.err;
  // Allocated 1,000,000 fen, disbursed exactly that: ten of 100,000.
  EXPECT_NE(projects.out.find("\nP-1,621100,冷链,industry,0,1000000,1000000,0\r\n"), std::string::npos)
      << projects.out;
}

// A server with --cache reads its log from a local RocksDB copy that
// follows the database: others' appends reach it, a restart starts from it,
// the digests stay the database's, and a cache of another ledger is refused.
TEST_F(PostgresServerTest, AServerWithACacheFollowsOthersRestartsFromItAndRefusesAForeignOne) {
  const std::string cache = dir_.Sub("cache");
  StartServer({"--cache", cache});
  for (int i = 0; i < 3; ++i) {  // another writer: the CLI
    testing::RunResult sale = Run({"sale", "--region", "621102", "--amount", "12.34", "--date",
                                   "2022-01-01", "--event-id", absl::StrCat("cli-", i)});
    ASSERT_EQ(sale.exit_code, 0) << sale.err;
  }
  for (int i = 0; i < 2; ++i) {
    auto response = Client()->Post("/v1/events", As("appender"),
                                   Sale(absl::StrCat("http-", i), "621102", 100), "application/json");
    ASSERT_TRUE(response && response->status == 201) << (response ? response->body : "no response");
  }
  constexpr int kHead = 5 + 3 + 2;
  testing::RunResult digest = Run({"digest"});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  EXPECT_NE(digest.out.find(absl::StrCat("\"seq\":\"", kHead, "\"")), std::string::npos) << digest.out;
  auto events = Client()->Get("/v1/events?limit=100", As("auditor"));
  ASSERT_TRUE(events && events->status == 200);
  for (const char* id : {"cli-0", "cli-2", "http-1"}) {
    EXPECT_NE(events->body.find(id), std::string::npos) << id;
  }
  ASSERT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
  EXPECT_TRUE(std::filesystem::exists(cache + "/CURRENT"));

  // Restarted on its cache: the same digest as the database's.
  StartServer({"--cache", cache});
  auto served = Client()->Get("/v1/digest", As("reader"));
  ASSERT_TRUE(served && served->status == 200);
  for (const char* field : {"seq", "head_hash", "merkle_root"}) {
    const std::string key = absl::StrCat("\"", field, "\":");
    const size_t at_cli = digest.out.find(key), at_served = served->body.find(key);
    ASSERT_NE(at_cli, std::string::npos);
    ASSERT_NE(at_served, std::string::npos) << served->body;
    EXPECT_EQ(served->body.substr(served->body.find('"', at_served + key.size()), 20),
              digest.out.substr(digest.out.find('"', at_cli + key.size()), 20))
        << field;
  }
  ASSERT_EQ(server_->Stop(SIGTERM), 0) << server_->output();

  // The same cache for another ledger in the same database.
  const std::string other = absl::StrCat(db_, "-other");
  ASSERT_EQ(testing::RunAidledger({"--db", other, "--snapshot-key", dir_.Sub("key2"), "init"},
                                  dir_.path()).exit_code, 0);
  testing::RunAidledger({"--db", other, "--snapshot-key", dir_.Sub("key2"), "region", "add",
                         "--code", "110000", "--name", "北京市", "--date", "2016-01-01"},
                        dir_.path());
  testing::ServerProcess foreign({"--db", other, "--tokens", tokens_, "--snapshot-key",
                                  dir_.Sub("key2"), "--cache", cache},
                                 dir_.path());
  EXPECT_EQ(foreign.port(), 0);
  EXPECT_NE(foreign.output().find("is not this ledger's"), std::string::npos) << foreign.output();
}

// While its database cannot be reached (here: its role may no longer log in
// and its connections are cut, as when the database fails over), a server
// says so on /healthz and goes on answering reads; once the database is
// back, /healthz is ok again.
TEST_F(PostgresServerTest, HealthzIsDegradedWhileTheDatabaseIsUnreachableAndReadsGoOn) {
  std::string role = absl::StrCat("r_", testing::LedgerNameFor(dir_.path()));
  std::replace(role.begin(), role.end(), '-', '_');
  absl::StatusOr<std::string> uri = testing::TestPostgresUri();
  ASSERT_TRUE(uri.ok());
  ASSERT_THAT(testing::PgExecute(*uri, absl::StrCat("CREATE ROLE ", role, " LOGIN SUPERUSER")),
              testing::IsOk());
  db_ = absl::StrReplaceAll(db_, {{"postgres@", absl::StrCat(role, "@")}});
  StartServer();
  auto health = [&] {
    auto response = Client()->Get("/healthz");
    return response ? response->body : std::string("no response");
  };
  auto wait_for = [&](const std::string& text) {
    for (int tries = 0; tries < 100 && health().find(text) == std::string::npos; ++tries) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return health();
  };
  EXPECT_NE(health().find("\"status\":\"ok\""), std::string::npos) << health();

  // NOLOGIN is committed first: run in one implicit transaction with the
  // cut, it let a connection that the server opened in between log in, and
  // the cut then kept missing it (seen once in CI). Connections are cut again
  // on every look, as a database that fails over keeps refusing them.
  ASSERT_THAT(testing::PgExecute(*uri, absl::StrCat("ALTER ROLE ", role, " NOLOGIN")),
              testing::IsOk());
  const std::string cut = absl::StrCat(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '", role, "'");
  std::string degraded = health();
  for (int tries = 0; tries < 100 && degraded.find("degraded") == std::string::npos; ++tries) {
    ASSERT_THAT(testing::PgExecute(*uri, cut), testing::IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    degraded = health();
  }
  EXPECT_NE(degraded.find("\"status\":\"degraded\",\"store\":\"unreachable since "),
            std::string::npos)
      << degraded;
  auto balances = Client()->Get("/v1/balances", As("reader"));
  ASSERT_TRUE(balances);
  EXPECT_EQ(balances->status, 200);
  EXPECT_NE(balances->body.find("621102"), std::string::npos);

  // An append meanwhile gets 503 with Retry-After; and an outage longer than
  // the server waits for the database (limits::kOutcomeLookupFor) does not
  // leave it refusing writes once the database is back.
  std::thread append([&] {
    auto client = Client();
    client->set_read_timeout(40, 0);
    auto response = client->Post("/v1/events", As("appender"), Sale("outage-1", "621102", 100),
                                 "application/json");
    ASSERT_TRUE(response) << httplib::to_string(response.error());
    EXPECT_EQ(response->status, 503) << response->body;
    EXPECT_EQ(response->get_header_value("Retry-After"), "1");
  });
  const auto outage_until = std::chrono::steady_clock::now() +
                            std::chrono::seconds(5) + limits::kOutcomeLookupFor;
  while (std::chrono::steady_clock::now() < outage_until) {
    ASSERT_THAT(testing::PgExecute(*uri, cut), testing::IsOk());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  append.join();

  ASSERT_THAT(testing::PgExecute(*uri, absl::StrCat("ALTER ROLE ", role, " LOGIN")), testing::IsOk());
  const std::string back = wait_for("\"status\":\"ok\"");
  EXPECT_NE(back.find("\"status\":\"ok\""), std::string::npos) << back;
  // The 503'd append stayed queued, so it may have been written since: its
  // retry is then a duplicate.
  for (const char* id : {"outage-1", "outage-2"}) {
    auto response = Client()->Post("/v1/events", As("appender"), Sale(id, "621102", 100),
                                   "application/json");
    ASSERT_TRUE(response);
    if (std::string(id) == "outage-1" && response->status == 200) {
      EXPECT_NE(response->body.find("\"duplicate\":true"), std::string::npos) << response->body;
    } else {
      EXPECT_EQ(response->status, 201) << id << ": " << response->body;
    }
  }
  EXPECT_NE(Digest(*server_, As("reader")).find("\"seq\":\"7\""), std::string::npos);
  auto metrics = Client()->Get("/metrics", As("reader"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->body.find("aidledger_store_reconnects_total 0\n"), std::string::npos);
  EXPECT_NE(metrics->body.find("aidledger_store_reconnects_total "), std::string::npos)
      << metrics->body;
  EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
}

}  // namespace
}  // namespace aidledger
