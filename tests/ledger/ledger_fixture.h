// A ledger in a temporary directory with a fake clock, and short ways to
// append events by type and fields (through the same drafts the CLI uses).
#ifndef AIDLEDGER_TESTS_LEDGER_LEDGER_FIXTURE_H_
#define AIDLEDGER_TESTS_LEDGER_LEDGER_FIXTURE_H_

#include <memory>
#include <string>

#include "app/drafts.h"
#include "ledger/ledger.h"
#include "tests/testing/testing.h"

namespace aidledger::testing {

class LedgerFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override { ledger_.reset(); }

  LedgerOptions Options();
  void Reopen();
  // Appends one event built from `fields`; the test fails if the draft
  // itself cannot be built.
  absl::StatusOr<AppendResult> Add(const std::string& type, app::FieldMap fields);
  // Appends and asserts success; returns the sequence.
  uint64_t MustAdd(const std::string& type, app::FieldMap fields);
  v1::Event Draft(const std::string& type, app::FieldMap fields);

  // Writes `text` to the file `name` in the test's directory; its path.
  std::string WriteFile(const std::string& name, const std::string& text);

  // 青岛 helps 定西 (east-west, since 2021) and 日喀则市桑珠孜区 (counterpart).
  // Regions are registered on 2016-01-01, pairings on their since dates.
  void AddQingdaoBasics();

  TempDir dir_;
  std::string path_;
  FakeClock clock_;
  std::unique_ptr<Ledger> ledger_;
};

// Short ways to call Ledger::Submit, the one write, as the tests need it.
// One request of `drafts` (completed in place).
absl::StatusOr<SubmitOutcome> SubmitRequest(Ledger& ledger, std::vector<v1::Event*> drafts,
                                            const SubmitOptions& options = {});
absl::StatusOr<SubmitOutcome> SubmitRequest(Ledger& ledger, std::vector<v1::Event>& drafts,
                                            const SubmitOptions& options = {});
// Several requests in one group commit.
absl::StatusOr<std::vector<SubmitOutcome>> SubmitRequests(
    Ledger& ledger, std::vector<std::vector<v1::Event>>& requests);
// One request, written whole or not at all; its first rejection is the
// status, prefixed "event N of the batch: " when there are several drafts.
absl::StatusOr<std::vector<AppendResult>> AppendBatch(Ledger& ledger,
                                                      std::vector<v1::Event> drafts);
// A restore of stored events with their hashes (SubmitOptions::verbatim_hashes).
absl::Status AppendVerbatim(Ledger& ledger, std::vector<std::pair<v1::Event, Hash>> events);

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_LEDGER_LEDGER_FIXTURE_H_
