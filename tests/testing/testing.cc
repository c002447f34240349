#include "tests/testing/testing.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"

namespace aidledger::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr && *base ? base : "/tmp") + "/aidledger-test-XXXXXX";
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) {
    std::cerr << "mkdtemp failed for " << pattern << "\n";
    std::abort();
  }
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code error;
  std::filesystem::remove_all(path_, error);
}

uint64_t TestSeed(uint64_t fallback) {
  uint64_t seed = fallback;
  if (const char* text = std::getenv("AIDLEDGER_SEED"); text != nullptr) {
    if (!absl::SimpleAtoi(text, &seed)) seed = fallback;
  }
  std::cout << "[ seed ] " << seed << " (replay with AIDLEDGER_SEED=" << seed << ")\n";
  return seed;
}

uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
  }
  return bytes;
}

}  // namespace aidledger::testing
