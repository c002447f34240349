// Hostile arguments at the CLI: each gets exit 2 or 3 and one line on
// stderr, never a crash, a stack trace or anything written.
#include "absl/strings/str_cat.h"
#include "tests/cli/run.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::RunAidledger;

TEST(HostileArgumentsTest, EachGetsExitTwoOrThreeAndOneLine) {
  testing::TempDir dir;
  const std::string db = dir.Sub("ledger");
  ASSERT_EQ(RunAidledger({"init", "--db", db}, dir.path()).exit_code, 0);
  for (std::vector<std::string> setup : std::vector<std::vector<std::string>>{
           {"region", "add", "--code", "620000", "--name", "甘肃省", "--date", "2016-01-01"},
           {"region", "add", "--code", "370200", "--name", "青岛市", "--date", "2016-01-01"},
           {"pair", "--helper", "370200", "--recipient", "620000", "--program", "east-west", "--date", "2016-01-01"}}) {
    setup.insert(setup.begin(), {"--db", db});
    ASSERT_EQ(RunAidledger(setup, dir.path()).exit_code, 0);
  }
  const std::string huge(100'000, 'x');
  const std::string long_digits(19, '9');
  const std::vector<std::vector<std::string>> cases = {
      {"region", "add", "--code", "620100", "--name", huge, "--parent", "620000"},
      {"region", "add", "--code", "620100", "--name", "a\x01" "b", "--parent", "620000"},
      {"region", "add", "--code", "620100", "--name", "\xff\xfe\xfd", "--parent", "620000"},
      {"region", "add", "--code", "62010A", "--name", "x"},
      {"region", "add", "--code", "6201001", "--name", "x"},
      {"region", "add", "--code", "", "--name", "x"},
      {"region", "add", "--code", "620100", "--name", "x", "--memo", huge},
      {"region", "add", "--code", "620100", "--name", "x", "--event-id", "a b"},
      {"region", "add", "--code", "620100", "--name", "x", "--event-id", huge},
      {"region", "add", "--code", "620100", "--name", "x", "--date", "2023-02-30"},
      {"region", "add", "--code", "620100", "--name", "x", "--date", "1899-12-31"},
      {"region", "add", "--code", "620100", "--name", "x", "--date", "tomorrow"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", long_digits},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", long_digits + ".99"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "99999999999亿"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "-0.01"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "1e9"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "NaN"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", huge},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "1", "--fiscal-year", "20x4"},
      {"allocate", "--helper", "370200", "--recipient", "620000", "--amount", "1", "--source", "loan"},
      {"pair", "--helper", "370200", "--recipient", "620000", "--program", "bilateral"},
      {"project", "add", "--project", "P1", "--region", "620000", "--name", "x", "--category", "space"},
      {"project", "add", "--project", huge, "--region", "620000", "--name", "x", "--category", "other"},
      {"reverse", "--target", "", "--reason", "x"},
      {"reverse", "--target", huge, "--reason", "x"},
      {"sale", "--region", "620000", "--amount", "1", "--channel", huge},
      {"log", "--from", "-1"},
      {"log", "--to", "18446744073709551616"},
      {"balances", "--at-seq", "99999999999999999999"},
      {"balances", "--known-at", huge},
      {"balances", "--region", "\xff"},
      {"import", dir.Sub("missing.csv")},
      {"verify-proof", dir.Sub("missing.json")},
      {"--format", "xml", "log"},
      {"--db"},
      {"allocate"},
      {"token", "add", "--role", "root", "--name", "x", "--tokens", dir.Sub("t")},
  };
  for (std::vector<std::string> args : cases) {
    const std::string shown = absl::StrCat(args[0], " ", args.size() > 1 ? args[1] : "", " ",
                                           args.size() > 3 ? args[3].substr(0, 20) : "");
    args.insert(args.begin(), {"--db", db});
    testing::RunResult result = RunAidledger(args, dir.path());
    EXPECT_TRUE(result.exit_code == 2 || result.exit_code == 3)
        << shown << " exited " << result.exit_code << ": " << result.err.substr(0, 300);
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1)
        << shown << ": " << result.err.substr(0, 300);
    EXPECT_LT(result.err.size(), 1000u) << shown;
    EXPECT_EQ(result.out, "") << shown;
  }
  testing::RunResult log = RunAidledger({"--db", db, "log", "--format", "jsonl"}, dir.path());
  EXPECT_EQ(std::count(log.out.begin(), log.out.end(), '\n'), 3) << "a hostile argument wrote an event";
}

}  // namespace
}  // namespace aidledger
