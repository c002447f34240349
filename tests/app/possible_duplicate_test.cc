// A money event typed a second time within a day, with no event_id of its
// own, is refused naming the first; anything that tells them apart (the
// amount, the date, a party, an event_id, a day passed) lets it through.
#include "app/possible_duplicate.h"

#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;

class PossibleDuplicateTest : public testing::LedgerFixture {
 protected:
  absl::Status Check(std::vector<v1::Event> drafts, size_t* index = nullptr) {
    return app::CheckNotPossibleDuplicate(*ledger_, drafts, "REMEDY", index);
  }
  v1::Event Sale(const std::string& amount, const std::string& date = "2089-12-30") {
    return Draft("sale", {{"region_code", "621102"}, {"amount", amount}, {"effective_date", date}});
  }
};

TEST_F(PossibleDuplicateTest, TheSameSaleTypedAgainWithinADayIsRefusedNamingTheFirst) {
  AddQingdaoBasics();
  absl::StatusOr<AppendResult> first = ledger_->Append(Sale("100", "2089-12-30"));
  ASSERT_THAT(first, IsOk());
  MustAdd("sale", {{"region_code", "621100"}, {"amount", "5"}});  // something else between
  v1::Event again = Sale("100.00", "2089-12-30");
  again.set_memo("another memo: the memo is not the voucher");
  size_t index = 99;
  const absl::Status refused = Check({Sale("7"), again}, &index);
  EXPECT_THAT(refused, testing::RejectedWith(
                           v1::POSSIBLE_DUPLICATE,
                           absl::StrCat("event_id: none given, and the same sale effective "
                                        "2089-12-30 was recorded at 2090-01-01 08:00:00 +08:00: "
                                        "seq ", first->sequence, ", event_id ", first->event_id,
                                        "; REMEDY")));
  EXPECT_EQ(index, 1u);
  // Told apart by the amount, the date, a party or its own event_id: posted.
  v1::Event with_id = Sale("100");
  with_id.set_event_id("voucher-2");
  v1::Event with_helper =
      Draft("sale", {{"region_code", "621102"}, {"helper_code", "370200"}, {"amount", "100"},
                     {"effective_date", "2089-12-30"}});
  EXPECT_THAT(Check({Sale("100.01"), Sale("100", "2089-12-29"), with_id, with_helper}), IsOk());
}

// The default date is today in China by the ledger's clock: a sale typed
// without --date twice is the same sale.
TEST_F(PossibleDuplicateTest, AnEventWithoutADateIsComparedAsDatedToday) {
  AddQingdaoBasics();
  const v1::Event undated =
      Draft("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                           {"amount", "1000"}});
  ASSERT_THAT(ledger_->Append(undated), IsOk());
  EXPECT_THAT(Check({undated}), testing::RejectedWith(v1::POSSIBLE_DUPLICATE, "allocation effective 2090-01-01"));
}

// Only the last 24 hours by the ledger's clock are looked at.
TEST_F(PossibleDuplicateTest, ADayLaterItIsNoLongerASuspect) {
  AddQingdaoBasics();
  const absl::Time start = absl::FromUnixSeconds(3'786'912'000);
  clock_.Set(start);
  ASSERT_THAT(ledger_->Append(Sale("100")), IsOk());
  clock_.Set(start + absl::Hours(23));
  EXPECT_THAT(Check({Sale("100")}), testing::RejectedWith(v1::POSSIBLE_DUPLICATE, "seq"));
  clock_.Set(start + absl::Hours(24) + absl::Seconds(1));
  EXPECT_THAT(Check({Sale("100")}), IsOk());
}

// Registrations and reversals are left to validation, which refuses their
// repeats with a reason of their own.
TEST_F(PossibleDuplicateTest, RepeatsValidationRefusesAreLeftToIt) {
  AddQingdaoBasics();
  const v1::Event region =
      Draft("region", {{"code", "621124"}, {"name", "临洮县"}, {"parent_code", "621100"}});
  ASSERT_THAT(ledger_->Append(region), IsOk());
  EXPECT_THAT(Check({region}), IsOk());
  EXPECT_THAT(ledger_->Append(region), testing::RejectedWith(v1::REGION_EXISTS, "code"));
}

}  // namespace
}  // namespace aidledger
