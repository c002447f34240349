#include "tests/cli/run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

extern char** environ;

namespace aidledger::testing {
std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string TestDataPath(const std::string& name) {
  return std::string(AIDLEDGER_SOURCE_DIR) + "/tests/app/testdata/" + name;
}

std::string BinaryPath() {
  const char* other = std::getenv("AIDLEDGER_TEST_BINARY");
  return other != nullptr && *other != '\0' ? other : AIDLEDGER_BINARY;
}

namespace {

// The variables that choose the language the binary speaks
// (LanguageFromLocale): cleared, so that a test reads English whatever the
// machine's locale, unless it asks for another.
constexpr const char* kLanguageVariables[] = {"LC_ALL", "LC_MESSAGES", "LANG"};

bool SetsLanguage(const char* entry) {
  for (const char* variable : kLanguageVariables) {
    const size_t length = std::strlen(variable);
    if (std::strncmp(entry, variable, length) == 0 && entry[length] == '=') return true;
  }
  return false;
}

}  // namespace

RunResult RunAidledger(const std::vector<std::string>& args, const std::string& work_dir,
                       const std::vector<std::string>& env) {
  const std::string out_path = work_dir + "/.run-stdout";
  const std::string err_path = work_dir + "/.run-stderr";
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "AIDLEDGER_DB=", 13) == 0) continue;
    if (std::strncmp(*entry, "AIDLEDGER_ACTOR=", 16) == 0) continue;
    if (SetsLanguage(*entry)) continue;
    environment.emplace_back(*entry);
  }
  for (const std::string& entry : env) environment.push_back(entry);
  std::vector<char*> argv;
  std::string binary = BinaryPath();
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  std::fflush(nullptr);  // the child must not print this process's buffers again
  const pid_t child = fork();
  if (child == 0) {
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0 || chdir(work_dir.c_str()) != 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  RunResult result;
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) != child) return result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFile(out_path);
  result.err = ReadFile(err_path);
  return result;
}

namespace {

// Servers started in one directory each log to a file of their own.
int NextServerNumber() {
  static std::atomic<int> next{0};
  return next++;
}

}  // namespace

ServerProcess::ServerProcess(const std::vector<std::string>& args, const std::string& work_dir)
    : log_path_(absl::StrCat(work_dir, "/.serve-output-", NextServerNumber())) {
  std::vector<std::string> argv_strings = {BinaryPath(), "serve", "--listen", "127.0.0.1:0"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A log left by an earlier server here would name that server's port.
  ::unlink(log_path_.c_str());
  std::fflush(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || chdir(work_dir.c_str()) != 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    for (const char* variable : kLanguageVariables) unsetenv(variable);
    execv(argv[0], argv.data());
    _exit(127);
  }
  // Wait (bounded) for "listening on http://127.0.0.1:PORT" (or https).
  constexpr int kWaitStepsMax = 200;  // 200 x 25 ms = 5 s
  for (int step = 0; step < kWaitStepsMax && port_ == 0; ++step) {
    const std::string text = ReadFile(log_path_);
    const size_t at = text.find("listening on http");
    const size_t host = text.find("://127.0.0.1:", at);
    if (at != std::string::npos && host != std::string::npos) {
      port_ = std::atoi(text.c_str() + host + std::strlen("://127.0.0.1:"));
      break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    usleep(25'000);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServerProcess::output() const { return ReadFile(log_path_); }

}  // namespace aidledger::testing
