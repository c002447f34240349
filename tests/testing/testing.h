// Test helpers: temporary directories, Status matchers, a fixed clock and a
// seeded random source that prints its seed.
#ifndef AIDLEDGER_TESTS_TESTING_TESTING_H_
#define AIDLEDGER_TESTS_TESTING_TESTING_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "base/errors.h"

namespace aidledger::testing {

// Well-formed UTF-8 by the Unicode Standard's table 3-7, byte by byte.
bool IsWellFormedUtf8(absl::string_view text);

// Strict JSON text: parses (as a google.protobuf.Struct), holds no raw
// control byte (protobuf's parser lets those through) and is well-formed
// UTF-8.
bool IsStrictJson(const std::string& body);

// A fresh directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A clock for LedgerOptions that advances by `step` on every call.
class FakeClock {
 public:
  // The default start lies after every effective date the tests write
  // (events may not be dated after the day they are recorded).
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(3'786'912'000),  // 2090-01-01
                     absl::Duration step = absl::Milliseconds(1))
      : now_(start), step_(step) {}
  absl::Time operator()() {
    absl::Time now = now_;
    now_ += step_;
    return now;
  }
  void Set(absl::Time now) { now_ = now; }

 private:
  absl::Time now_;
  absl::Duration step_;
};

// The seed a randomized test uses: $AIDLEDGER_SEED when set, else `fallback`.
// Printed, so that a failure can be replayed.
uint64_t TestSeed(uint64_t fallback);

// The bytes of the write-ahead logs (*.log) in a RocksDB directory.
uint64_t WalBytes(const std::string& dir);

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// A rejection with this reason and a message containing `text`.
MATCHER_P2(RejectedWith, reason, text, "") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  std::optional<v1::RejectReason> actual = RejectReasonOf(status);
  return actual.has_value() && *actual == reason &&
         std::string(status.message()).find(text) != std::string::npos;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.ok();
}

// A StatusOr that is OK and whose value matches `value_matcher`.
MATCHER_P(IsOkAndHolds, value_matcher, "is OK and holds a matching value") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  return ::testing::ExplainMatchResult(value_matcher, *arg, result_listener);
}

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_TESTING_TESTING_H_
