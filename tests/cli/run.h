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

// The binary under test: AIDLEDGER_BINARY (the build's), or the file named
// by $AIDLEDGER_TEST_BINARY, to run these suites against another build (a
// previous release, to see a new test fail on it).
std::string BinaryPath();

// The whole file at `path` ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// A file of tests/app/testdata/ (the export of release 0.1.0 and its figures).
std::string TestDataPath(const std::string& name);

// Runs BinaryPath() with `args` in `work_dir`, with AIDLEDGER_DB and
// AIDLEDGER_ACTOR cleared unless given in `env` ("NAME=value" entries).
RunResult RunAidledger(const std::vector<std::string>& args, const std::string& work_dir,
                       const std::vector<std::string>& env = {});

// `aidledger serve` running as a child process on an ephemeral loopback port.
class ServerProcess {
 public:
  // Starts `aidledger serve --listen 127.0.0.1:0 ARGS...` in `work_dir` and
  // waits for it to say where it listens. port() is 0 when it did not start;
  // then output() says why.
  ServerProcess(const std::vector<std::string>& args, const std::string& work_dir);
  ~ServerProcess();
  int port() const { return port_; }
  int pid() const { return pid_; }
  // Sends `signal` and waits for the exit code (128 + signal if killed).
  int Stop(int signal);
  std::string output() const;

 private:
  int pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_CLI_RUN_H_
