// The set-up the end-to-end server suites share: a ledger with two
// provinces' regions and a pairing, a tokens file with one token of each
// role, and `aidledger serve` started on an ephemeral loopback port.
#ifndef AIDLEDGER_TESTS_SERVER_SERVER_FIXTURE_H_
#define AIDLEDGER_TESTS_SERVER_SERVER_FIXTURE_H_

#include <httplib.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/tokens.h"
#include "ledger/ledger.h"
#include "tests/cli/run.h"
#include "tests/testing/testing.h"

namespace aidledger {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Run({"init"}).exit_code, 0);
    const char* kDate = "2016-01-01";
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"region", "add", "--code", "370200", "--name", "青岛市", "--date", kDate},
             {"region", "add", "--code", "620000", "--name", "甘肃省", "--date", kDate},
             {"region", "add", "--code", "621100", "--name", "定西市", "--parent", "620000", "--date", kDate},
             {"region", "add", "--code", "621102", "--name", "安定区", "--parent", "621100", "--date", kDate},
             {"pair", "--helper", "370200", "--recipient", "621100", "--program", "east-west", "--date", kDate}}) {
      ASSERT_EQ(Run(args).exit_code, 0);
    }
    tokens_ = dir_.Sub("tokens");
    for (const char* role : {"reader", "auditor", "appender"}) {
      absl::StatusOr<app::Role> parsed = app::ParseRole(role);
      absl::StatusOr<std::string> token = app::AddToken(tokens_, *parsed, absl::StrCat(role, "-1"));
      ASSERT_THAT(token, testing::IsOk());
      token_[role] = *token;
    }
  }
  testing::RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), store_args_.begin(), store_args_.end());
    args.insert(args.begin(), {"--db", db_});
    return testing::RunAidledger(args, dir_.path(), {"AIDLEDGER_ACTOR=clerk"});
  }
  void StartServer(std::vector<std::string> extra = {}) {
    server_ = NewServer(extra);
    ASSERT_GT(server_->port(), 0) << server_->output();
  }
  // `aidledger serve` on this ledger (port() is 0 when it did not start).
  std::unique_ptr<testing::ServerProcess> NewServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--db", db_, "--tokens", tokens_};
    args.insert(args.end(), store_args_.begin(), store_args_.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<testing::ServerProcess>(args, dir_.path());
  }
  // Project P-1 (冷链, in 定西市) and an allocation of `yuan` to it from
  // 青岛市: events 6 and 7.
  void AddFundedProject(const std::string& yuan) {
    for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
             {"project", "add", "--project", "P-1", "--region", "621100", "--name", "冷链",
              "--category", "industry", "--date", "2022-01-01"},
             {"allocate", "--helper", "370200", "--recipient", "621100", "--project", "P-1",
              "--amount", yuan, "--date", "2022-01-01"}}) {
      testing::RunResult result = Run(args);
      ASSERT_EQ(result.exit_code, 0) << result.err;
    }
  }
  std::unique_ptr<httplib::Client> Client() { return Client(*server_); }
  static std::unique_ptr<httplib::Client> Client(const testing::ServerProcess& server) {
    auto client = std::make_unique<httplib::Client>("127.0.0.1", server.port());
    client->set_read_timeout(30, 0);
    return client;
  }
  httplib::Headers As(const std::string& role) {
    return {{"Authorization", "Bearer " + token_[role]}};
  }
  static std::string Sale(const std::string& id, const std::string& region, int64_t fen) {
    return absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"2022-01-01\","
                        "\"sale_recorded\":{\"region_code\":\"", region, "\",\"amount_fen\":\"", fen, "\"}}");
  }
  // How many times each event_id is in events from..to of the log, read
  // with every check of EventReader (the test fails on a read error).
  std::map<std::string, int> LoggedIds(const LedgerOptions& options, uint64_t from, uint64_t to) {
    std::map<std::string, int> logged;
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db_, options);
    EXPECT_TRUE(ledger.ok()) << ledger.status();
    if (!ledger.ok()) return logged;
    std::unique_ptr<EventReader> reader = (*ledger)->Read(from, to);
    StoredEvent event;
    while (true) {
      absl::StatusOr<bool> more = reader->Next(&event);
      EXPECT_TRUE(more.ok()) << more.status();
      if (!more.ok() || !*more) break;
      ++logged[event.event.event_id()];
    }
    return logged;
  }
  uint64_t HeadAfterStop(const LedgerOptions& options = {.read_only = true}) {
    absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db_, options);
    EXPECT_THAT(ledger, testing::IsOk());
    if (!ledger.ok()) return 0;
    EXPECT_THAT((*ledger)->Verify({}), testing::IsOk());
    return (*ledger)->head().sequence;
  }

  testing::TempDir dir_;
  std::string db_ = dir_.Sub("ledger");
  // Flags every command and server gets after --db (a PostgreSQL ledger's
  // --snapshot-key).
  std::vector<std::string> store_args_;
  std::string tokens_;
  std::map<std::string, std::string> token_;
  std::unique_ptr<testing::ServerProcess> server_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_TESTS_SERVER_SERVER_FIXTURE_H_
