// The engine on a store other processes append to (PostgreSQL; ctest
// fixture "postgres"): a writer that loses a race, or whose write does not
// commit, folds the log again and goes on, since the log in the database
// is intact; only what says the log itself is wrong refuses writes.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "app/drafts.h"
#include "ledger/ledger.h"
#include "tests/testing/postgres.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

class PostgresLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri = testing::TestPostgresUri();
    ASSERT_TRUE(uri.ok()) << uri.status();
    db_ = absl::StrCat(*uri, "?ledger=", testing::LedgerNameFor(dir_.path()));
    ASSERT_THAT(Ledger::Create(db_, key_), testing::IsOk());
  }
  std::unique_ptr<Ledger> Open() {
    absl::StatusOr<std::unique_ptr<Ledger>> opened =
        Ledger::Open(db_, {.sync = true, .snapshot_key_path = key_});
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? *std::move(opened) : nullptr;
  }
  static v1::Event Region(const std::string& code, const std::string& parent) {
    app::FieldMap fields = {{"code", code}, {"name", absl::StrCat("地区", code)},
                            {"effective_date", "2016-01-01"}};
    if (!parent.empty()) fields["parent_code"] = parent;
    absl::StatusOr<v1::Event> draft = app::DraftFromFields("region", fields);
    EXPECT_TRUE(draft.ok()) << draft.status();
    v1::Event event = draft.ok() ? *draft : v1::Event();
    event.set_actor("tester");
    return event;
  }

  testing::TempDir dir_;
  std::string key_ = dir_.Sub("key");
  std::string db_;
};

// B opened before A appended: B's append finds the head moved (kAborted,
// nothing written). Its next append folds A's event first: it is written
// after A's, and a region whose parent only A registered is accepted.
TEST_F(PostgresLedgerTest, AWriterThatLostTheRaceFoldsTheOthersEventsAndAppends) {
  std::unique_ptr<Ledger> a = Open(), b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_THAT(a->Append(Region("620000", "")).status(), testing::IsOk());
  absl::StatusOr<AppendResult> lost = b->Append(Region("540000", ""));
  EXPECT_TRUE(absl::IsAborted(lost.status())) << lost.status();
  absl::StatusOr<AppendResult> again = b->Append(Region("540000", ""));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->sequence, 2u);
  absl::StatusOr<AppendResult> child = b->Append(Region("621100", "620000"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_EQ(child->sequence, 3u);
  EXPECT_THAT(b->Verify({}), testing::IsOk());
}

}  // namespace
}  // namespace aidledger
