// The failover test (issue 20; ctest labels "failover" and "failover_long",
// one ctest entry per seed in $AIDLEDGER_FAILOVER_SEED): a Patroni cluster
// of three PostgreSQL 15 members on this machine (tools/cluster), a ledger
// on it, two `aidledger serve` processes, and clients appending through
// both while the primary is killed and its data directory deleted. No event
// a client saw acknowledged may be lost or written twice, none may appear
// that no client sent, the log must verify (links, hashes, and every rule
// replayed in order: no balance ever negative), both servers must publish
// what a fresh fold of the log gives, and the killed member must come back
// as a streaming replica.
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "tests/server/server_fixture.h"

namespace aidledger {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kClients = 6;
// Requests one client sends at most (a bound; the phases end it first).
constexpr int kRequestsMax = 100'000;
// Appending before the kill, and after the first append acknowledged after it.
constexpr auto kLoadBeforeKill = std::chrono::seconds(30);
constexpr auto kLoadAfterRecovery = std::chrono::seconds(20);
// The longest the cluster may take to accept appends again after the kill:
// Patroni's ttl (20 s, tools/cluster) and its loop, with room to spare.
constexpr auto kRecoveryMax = std::chrono::seconds(90);
// How long a client retries one request whose outcome it does not know.
constexpr auto kRetryFor = std::chrono::seconds(90);
// How long the servers, and the rejoined member, get to catch up.
constexpr auto kConvergeMax = std::chrono::seconds(60);
constexpr int64_t kAllocatedFen = 300'000, kDisbursedFen = 100'000;

// What a client knows about one event it sent.
enum class Outcome { kAcknowledged, kRejected, kUnknown };

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

CommandResult RunCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read;
  while ((read = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

class FailoverTest : public ServerFixture {
 protected:
  void SetUp() override {
    const char* seed = std::getenv("AIDLEDGER_FAILOVER_SEED");
    seed_ = seed != nullptr ? static_cast<uint32_t>(std::strtoul(seed, nullptr, 10)) : 1;
    std::cout << "seed " << seed_ << " (AIDLEDGER_FAILOVER_SEED)" << std::endl;
    // The cluster runs as the postgres user, inside this test's directory.
    std::filesystem::permissions(dir_.path(), std::filesystem::perms::others_exec,
                                 std::filesystem::perm_options::add);
    cluster_dir_ = dir_.Sub("cluster");
    const Clock::time_point start = Clock::now();
    CommandResult up = Cluster("up");
    ASSERT_EQ(up.exit_code, 0) << up.output;
    cluster_up_ = true;
    std::cout << "tools/cluster up: " << Seconds(Clock::now() - start) << " s" << std::endl;
    std::vector<std::string> lines =
        absl::StrSplit(absl::StripAsciiWhitespace(up.output), '\n');
    ASSERT_EQ(lines.back().rfind("postgresql://", 0), 0u) << up.output;
    db_ = absl::StrCat(lines.back(), "&ledger=failover");
    store_args_ = {"--snapshot-key", dir_.Sub("key")};
    ServerFixture::SetUp();
    AddFundedProject("3000.00");
  }
  void TearDown() override {
    if (!cluster_up_) return;
    CommandResult down = Cluster("down");
    EXPECT_EQ(down.exit_code, 0) << down.output;
  }

  CommandResult Cluster(const std::string& command) {
    return RunCommand(absl::StrCat("AIDLEDGER_CLUSTER_DIR='", cluster_dir_, "' bash '",
                                   AIDLEDGER_SOURCE_DIR, "/tools/cluster' ", command));
  }
  std::string MemberFile(const std::string& member, const std::string& file) {
    return std::string(absl::StripAsciiWhitespace(
        testing::ReadFile(absl::StrCat(cluster_dir_, "/", member, "/", file))));
  }

  // A body for event `id` of a kind the client draws: a sale, an allocation,
  // or a disbursement that may overspend the project.
  struct Draw {
    std::string body;
    bool disbursement = false;
  };
  static Draw DrawEvent(std::mt19937& random, const std::string& id, int client) {
    const uint32_t kind = random() % 8;
    if (kind == 0) {
      return {absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"2022-01-02\","
                           "\"funds_allocated\":{\"helper_code\":\"370200\",\"recipient_code\":"
                           "\"621100\",\"project_id\":\"P-1\",\"amount_fen\":\"",
                           kAllocatedFen, "\"}}")};
    }
    if (kind <= 3) {
      return {absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"2022-01-02\","
                           "\"funds_disbursed\":{\"project_id\":\"P-1\",\"amount_fen\":\"",
                           kDisbursedFen, "\"}}"),
              true};
    }
    return {Sale(id, "621102", 100 + client)};
  }

  // Sends `draw` until its outcome is known (a 503 or a lost connection:
  // again after the Retry-After, through the other server), at most
  // kRetryFor. `*sent` is when the last attempt was sent.
  Outcome Send(httplib::Client* (&clients)[2], int via, const Draw& draw,
               Clock::time_point* sent) {
    const Clock::time_point give_up = Clock::now() + kRetryFor;
    for (int attempt = 0; Clock::now() < give_up; ++attempt) {
      *sent = Clock::now();
      auto response = clients[(via + attempt) % 2]->Post("/v1/events", As("appender"), draw.body,
                                                          "application/json");
      if (!response || response->status == 503) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      if (response->status == 201) return Outcome::kAcknowledged;
      if (response->status == 200 && attempt > 0 &&
          response->body.find("\"duplicate\":true") != std::string::npos) {
        return Outcome::kAcknowledged;  // an attempt whose answer was lost wrote it
      }
      if (response->status == 422 && draw.disbursement &&
          response->body.find("OVERSPENT") != std::string::npos) {
        return Outcome::kRejected;
      }
      ADD_FAILURE() << "attempt " << attempt << ": " << response->status << " " << response->body;
      return Outcome::kUnknown;
    }
    return Outcome::kUnknown;
  }

  uint32_t seed_ = 1;
  std::string cluster_dir_;
  bool cluster_up_ = false;
};

TEST_F(FailoverTest, NoAcknowledgedEventIsLostWhenThePrimaryAndItsDiskDie) {
  const uint64_t setup_events = 7;
  std::unique_ptr<testing::ServerProcess> servers[2] = {NewServer(), NewServer()};
  for (const auto& server : servers) ASSERT_GT(server->port(), 0) << server->output();

  std::mutex mutex;
  std::map<std::string, Outcome> tried;  // guarded by mutex
  // When each acknowledged event's last attempt was sent, and its answer came.
  std::vector<std::pair<Clock::time_point, Clock::time_point>> acknowledged;  // guarded by mutex
  std::atomic<bool> stop{false};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 random(seed_ * 1000 + c);
      std::unique_ptr<httplib::Client> owned[2] = {Client(*servers[0]), Client(*servers[1])};
      httplib::Client* clients[2] = {owned[0].get(), owned[1].get()};
      for (auto* client : clients) client->set_read_timeout(40, 0);
      for (int i = 0; i < kRequestsMax && !stop; ++i) {
        const std::string id = absl::StrCat("s", seed_, "-c", c, "-", i);
        const Draw draw = DrawEvent(random, id, c);
        Clock::time_point sent;
        const Outcome outcome = Send(clients, c + i, draw, &sent);
        std::lock_guard<std::mutex> lock(mutex);
        tried[id] = outcome;
        if (outcome == Outcome::kAcknowledged) acknowledged.emplace_back(sent, Clock::now());
      }
    });
  }
  auto count_acknowledged = [&](Clock::time_point sent_after) {
    std::lock_guard<std::mutex> lock(mutex);
    std::optional<Clock::time_point> first;
    size_t count = 0;
    for (const auto& [sent, answered] : acknowledged) {
      if (sent < sent_after) continue;
      ++count;
      if (!first || answered < *first) first = answered;
    }
    return std::make_pair(count, first);
  };

  std::this_thread::sleep_for(kLoadBeforeKill);
  CommandResult killed = Cluster("kill-primary");
  const Clock::time_point kill = Clock::now();
  ASSERT_EQ(killed.exit_code, 0) << killed.output;
  std::cout << killed.output << std::flush;
  std::optional<Clock::time_point> first_after;
  while (!(first_after = count_acknowledged(kill).second) && Clock::now() < kill + kRecoveryMax) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (first_after) std::this_thread::sleep_for(kLoadAfterRecovery);
  stop = true;
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(first_after) << "nothing was acknowledged in the " << Seconds(kRecoveryMax)
                           << " s after the kill\n"
                           << servers[0]->output() << servers[1]->output();
  size_t counts[3] = {0, 0, 0};
  for (const auto& [id, outcome] : tried) ++counts[static_cast<int>(outcome)];
  const size_t after = count_acknowledged(kill).first;
  std::cout << "load " << Seconds(Clock::now() - start) << " s; write outage (kill to the first "
            << "acknowledged append sent after it) " << Seconds(*first_after - kill) << " s; "
            << counts[0] << " acknowledged (" << counts[0] - after << " before the kill, " << after
            << " after), " << counts[1] << " refused as overspending, " << counts[2]
            << " of unknown outcome" << std::endl;

  // Both servers reach the same head, and publish what a fresh fold of the
  // log (a third server, started now) publishes.
  auto get = [&](const testing::ServerProcess& server, const std::string& path) {
    auto response = Client(server)->Get(path, As("reader"));
    return response && response->status == 200 ? response->body : std::string("no answer");
  };
  std::string digests[2];
  for (const Clock::time_point until = Clock::now() + kConvergeMax; Clock::now() < until;) {
    for (int s = 0; s < 2; ++s) digests[s] = get(*servers[s], "/v1/digest");
    if (digests[0] == digests[1] && digests[0] != "no answer") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(digests[0], digests[1]) << servers[0]->output() << servers[1]->output();
  std::unique_ptr<testing::ServerProcess> fresh = NewServer();
  ASSERT_GT(fresh->port(), 0) << fresh->output();
  for (const char* path : {"/v1/digest", "/v1/balances", "/v1/projects", "/v1/helpers"}) {
    const std::string want = get(*fresh, path);
    for (int s = 0; s < 2; ++s) EXPECT_EQ(get(*servers[s], path), want) << "server " << s << path;
  }
  // Each server lost its connections with the primary and made them again;
  // how the appends the kill caught were resolved.
  for (int s = 0; s < 2; ++s) {
    const std::string metrics = get(*servers[s], "/metrics");
    for (const absl::string_view line : absl::StrSplit(metrics, '\n')) {
      if (absl::StartsWith(line, "aidledger_store_reconnects_total ") ||
          absl::StartsWith(line, "aidledger_unknown_outcomes_total{")) {
        std::cout << "server " << s << ": " << line << "\n";
      }
    }
    EXPECT_EQ(metrics.find("aidledger_store_reconnects_total 0\n"), std::string::npos);
    EXPECT_NE(metrics.find("aidledger_store_reconnects_total "), std::string::npos) << metrics;
  }
  for (const auto& server : {servers[0].get(), servers[1].get(), fresh.get()}) {
    EXPECT_EQ(server->Stop(SIGTERM), 0) << server->output();
  }
  for (int s = 0; s < 2; ++s) std::cout << "server " << s << " said:\n" << servers[s]->output();

  // The log: it verifies (gapless from 1, every link and hash, every rule
  // replayed in order), and holds each acknowledged event once, no refused
  // one, at most once each one of unknown outcome, and nothing untried.
  testing::RunResult verified = Run({"verify"});
  EXPECT_EQ(verified.exit_code, 0) << verified.out << verified.err;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(db_, {.read_only = true, .snapshot_key_path = dir_.Sub("key")});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  const uint64_t head = (*ledger)->head().sequence;
  ledger->reset();
  std::map<std::string, int> logged =
      LoggedIds({.read_only = true, .snapshot_key_path = dir_.Sub("key")}, setup_events + 1, head);
  size_t unknown_present = 0;
  for (const auto& [id, outcome] : tried) {
    const int times = logged.count(id) ? logged[id] : 0;
    switch (outcome) {
      case Outcome::kAcknowledged: EXPECT_EQ(times, 1) << id << " was acknowledged"; break;
      case Outcome::kRejected: EXPECT_EQ(times, 0) << id << " was refused"; break;
      case Outcome::kUnknown:
        EXPECT_LE(times, 1) << id;
        unknown_present += times;
        break;
    }
  }
  for (const auto& [id, times] : logged) EXPECT_TRUE(tried.count(id)) << id << " was never sent";
  EXPECT_EQ(head, setup_events + logged.size());
  std::cout << "head " << head << "; of unknown outcome, " << unknown_present
            << " are in the log" << std::endl;

  // The killed member comes back (re-cloned from the new leader), streams,
  // and holds the whole ledger.
  const std::string member = MemberFile("", "killed");
  ASSERT_FALSE(member.empty());
  const std::string port = MemberFile(member, "pg_port");
  const Clock::time_point rejoin = Clock::now();
  CommandResult rejoined = Cluster("rejoin");
  ASSERT_EQ(rejoined.exit_code, 0) << rejoined.output;
  const std::string standby = absl::StrCat("postgresql://postgres@127.0.0.1:", port,
                                           "/aidledger?ledger=failover&connect_timeout=2");
  testing::RunResult standby_digest;
  CommandResult receiver;
  for (const Clock::time_point until = rejoin + kConvergeMax + kConvergeMax;
       Clock::now() < until;) {
    receiver = RunCommand(absl::StrCat(
        "psql -X -At -h 127.0.0.1 -p ", port,
        " -U postgres -d aidledger -c 'SELECT status FROM pg_stat_wal_receiver'"));
    standby_digest = testing::RunAidledger(
        {"--db", standby, "--snapshot-key", dir_.Sub("key"), "digest", "--format", "json"},
        dir_.path());
    if (receiver.output == "streaming\n" && standby_digest.exit_code == 0 &&
        standby_digest.out.find(absl::StrCat("\"seq\":\"", head, "\"")) != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  EXPECT_EQ(receiver.output, "streaming\n");
  EXPECT_EQ(standby_digest.exit_code, 0) << standby_digest.err;
  testing::RunResult primary_digest = Run({"digest", "--format", "json"});
  EXPECT_EQ(standby_digest.out, primary_digest.out);
  std::cout << member << " streams again " << Seconds(Clock::now() - rejoin)
            << " s after the rejoin, with the ledger's head" << std::endl;
}

}  // namespace
}  // namespace aidledger
