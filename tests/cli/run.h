// Runs the built aidledger binary as a separate process, capturing its
// output and exit code, for end-to-end tests.
#ifndef AIDLEDGER_TESTS_CLI_RUN_H_
#define AIDLEDGER_TESTS_CLI_RUN_H_

#include <string>
#include <vector>

namespace aidledger::testing {

struct RunResult {
  int exit_code = -1;  // 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs AIDLEDGER_BINARY with `args` in `work_dir`, with AIDLEDGER_DB and
// AIDLEDGER_ACTOR cleared unless given in `env` ("NAME=value" entries).
RunResult RunAidledger(const std::vector<std::string>& args, const std::string& work_dir,
                       const std::vector<std::string>& env = {});

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_CLI_RUN_H_
