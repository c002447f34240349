#include "tests/testing/testing.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace aidledger::testing {

bool IsWellFormedUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char b0 = text[i];
    const auto at = [&](size_t k) -> int {
      return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : -1;
    };
    const auto in = [](int b, int low, int high) { return b >= low && b <= high; };
    if (b0 <= 0x7f) { i += 1; continue; }
    if (in(b0, 0xc2, 0xdf) && in(at(1), 0x80, 0xbf)) { i += 2; continue; }
    if (b0 == 0xe0 && in(at(1), 0xa0, 0xbf) && in(at(2), 0x80, 0xbf)) { i += 3; continue; }
    if ((in(b0, 0xe1, 0xec) || in(b0, 0xee, 0xef)) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf)) { i += 3; continue; }
    if (b0 == 0xed && in(at(1), 0x80, 0x9f) && in(at(2), 0x80, 0xbf)) { i += 3; continue; }
    if (b0 == 0xf0 && in(at(1), 0x90, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) { i += 4; continue; }
    if (in(b0, 0xf1, 0xf3) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) { i += 4; continue; }
    if (b0 == 0xf4 && in(at(1), 0x80, 0x8f) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) { i += 4; continue; }
    return false;
  }
  return true;
}

bool IsStrictJson(const std::string& body) {
  google::protobuf::Struct parsed;
  if (!google::protobuf::util::JsonStringToMessage(body, &parsed).ok()) return false;
  for (char c : body) {
    if (static_cast<unsigned char>(c) < 0x20) return false;
  }
  return IsWellFormedUtf8(body);
}


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
