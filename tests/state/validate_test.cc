// Every validation rule, one table row each: the input, the stable reason and
// the message it gives. Every rejection must leave the ledger untouched.
#include "state/validate.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/import.h"
#include "base/limits.h"
#include "base/sha256.h"

#include "state/reports.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::AppendBatch;
using testing::LedgerFixture;
using testing::RejectedWith;

class ValidateTest : public LedgerFixture {
 protected:
  void SetUp() override {
    LedgerFixture::SetUp();
    AddQingdaoBasics();
    MustAdd("region", {{"event_id", "reg-x"}, {"code", "621124"}, {"name", "临洮县"},
                       {"parent_code", "621100"}, {"effective_date", "2018-01-01"}});
    MustAdd("project", {{"project_id", "DX-1"}, {"region_code", "621100"}, {"name", "马铃薯"},
                        {"category", "industry"}, {"budget", "5000"},
                        {"effective_date", "2021-02-01"}});
    MustAdd("project", {{"project_id", "SZ-1"}, {"region_code", "540202"}, {"name", "光伏"},
                        {"category", "infrastructure"}, {"effective_date", "2016-01-01"}});
    MustAdd("allocation", {{"event_id", "a-1"}, {"helper_code", "370200"},
                           {"recipient_code", "621100"}, {"amount", "1000"},
                           {"effective_date", "2021-06-01"}});
    MustAdd("disbursement", {{"event_id", "d-1"}, {"project_id", "DX-1"}, {"amount", "300"},
                             {"effective_date", "2021-07-01"}});
  }
};

struct Case {
  const char* type;
  app::FieldMap fields;
  v1::RejectReason reason;
  std::string message;
};

TEST_F(ValidateTest, EveryRuleRejectsWithItsReasonAndMessage) {
  const std::string kDay = "2022-01-01";
  const Case cases[] = {
      // Fields every event has.
      {"region", {{"code", "110000"}, {"name", "北京市"}, {"effective_date", "2023-02-30"}},
       v1::DATE_INVALID, "effective_date: no such day"},
      {"region", {{"code", "110000"}, {"name", "北京市"}, {"event_id", "bad id"}},
       v1::FIELD_INVALID, "event_id: may hold only"},
      {"region", {{"code", "110000"}, {"name", "北京市"}, {"memo", "a\x01z"}},
       v1::FIELD_INVALID, "memo: contains a control character"},
      // Regions.
      {"region", {{"code", "62110"}, {"name", "x"}}, v1::CODE_INVALID, "code: must be a 6-digit"},
      {"region", {{"code", "62110a"}, {"name", "x"}}, v1::CODE_INVALID, "code: must be a 6-digit"},
      {"region", {{"name", "x"}}, v1::FIELD_MISSING, "code: is required"},
      {"region", {{"code", "110000"}}, v1::FIELD_MISSING, "name: is required"},
      {"region", {{"code", "621100"}, {"name", "定西市"}}, v1::REGION_EXISTS,
       "code: region 621100 is already registered"},
      {"region", {{"code", "110100"}, {"name", "x"}, {"parent_code", "110000"}},
       v1::PARENT_NOT_FOUND, "parent_code: parent region 110000 is not registered"},
      {"region", {{"code", "110000"}, {"name", "x"}, {"parent_code", "110000"}},
       v1::FIELD_INVALID, "parent_code: must differ from code"},
      {"region", {{"code", "621121"}, {"name", "x"}, {"parent_code", "621100"},
                  {"effective_date", "2015-12-31"}},
       v1::DATE_BEFORE_REFERENCE, "effective_date: 2015-12-31 is before the registration of region 621100"},
      // Issue 17, item 7: a sale dated years ahead was accepted (the fixture's
      // clock stands at 2090-01-01 in China).
      {"sale", {{"region_code", "621100"}, {"amount", "1"}, {"effective_date", "2090-01-02"}},
       v1::FUTURE_DATE, "effective_date: 2090-01-02 is after today in China (2090-01-01)"},
      {"sale", {{"region_code", "621100"}, {"amount", "1"}, {"effective_date", "2090-13-01"}},
       v1::DATE_INVALID, "effective_date"},
      // Issue 17, item 8: 621199 (a Gansu code) was registered under 370200 青岛市.
      {"region", {{"code", "621199"}, {"name", "x"}, {"parent_code", "370200"}},
       v1::CODE_INVALID, "code: 621199 cannot lie under 370200: under a city a code starts with its 4 digits 3702"},
      {"region", {{"code", "370100"}, {"name", "x"}, {"parent_code", "620000"}},
       v1::CODE_INVALID, "code: 370100 cannot lie under 620000: under a province a code starts with its 2 digits 62"},
      // Issue 17, item 13: what would reorder or hide text on a terminal.
      {"region", {{"code", "621122"}, {"name", "abc\u202Egnp.exe"}, {"parent_code", "621100"}},
       v1::FIELD_INVALID, "name: contains an invisible or bidirectional character (U+202E)"},
      {"region", {{"code", "621122"}, {"name", "a\u200Bb"}, {"parent_code", "621100"}},
       v1::FIELD_INVALID, "name: contains an invisible or bidirectional character (U+200B)"},
      {"region", {{"code", "621122"}, {"name", "a\xC2\x9B" "2J"}, {"parent_code", "621100"}},
       v1::FIELD_INVALID, "name: contains a control character (U+009B)"},
      {"region", {{"code", "621122"}, {"name", "a\u2028b"}, {"parent_code", "621100"}},
       v1::FIELD_INVALID, "name: contains an invisible or bidirectional character (U+2028)"},
      {"region", {{"code", "621122"}, {"name", "a\x1b[2J"}, {"parent_code", "621100"}},
       v1::FIELD_INVALID, "name: contains a control character (U+001B)"},
      // Pairings.
      {"pairing", {{"helper_code", "110000"}, {"recipient_code", "621100"}, {"program", "east-west"}},
       v1::REGION_NOT_FOUND, "helper_code: region 110000 is not registered"},
      {"pairing", {{"helper_code", "370200"}, {"recipient_code", "370200"}, {"program", "east-west"}},
       v1::FIELD_INVALID, "recipient_code: a region cannot pair with itself"},
      {"pairing", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"program", "east-west"}},
       v1::PAIRING_EXISTS, "370200 is already paired with 621100"},
      {"pairing", {{"helper_code", "370200"}, {"recipient_code", "621102"}},
       v1::FIELD_MISSING, "program: is required"},
      {"pairing", {{"helper_code", "370200"}, {"recipient_code", "621102"},
                   {"program", "east-west"}, {"since", "2021-02-30"}},
       v1::DATE_INVALID, "since: no such day"},
      // Projects.
      {"project", {{"project_id", "DX-1"}, {"region_code", "621100"}, {"name", "x"}, {"category", "other"}},
       v1::PROJECT_EXISTS, "project_id: project DX-1 is already registered"},
      {"project", {{"project_id", "P-9"}, {"region_code", "110000"}, {"name", "x"}, {"category", "other"}},
       v1::REGION_NOT_FOUND, "region_code: region 110000 is not registered"},
      {"project", {{"project_id", "P-9"}, {"region_code", "621100"}, {"name", "x"}},
       v1::FIELD_MISSING, "category: is required"},
      {"project", {{"project_id", "P 9"}, {"region_code", "621100"}, {"name", "x"}, {"category", "other"}},
       v1::FIELD_INVALID, "project_id: may hold only"},
      // Region amendments (issue 21).
      {"region-amendment", {{"code", "110000"}, {"name", "x"}, {"reason", "typo"}},
       v1::REGION_NOT_FOUND, "code: region 110000 is not registered"},
      {"region-amendment", {{"code", "621100"}, {"name", "定西市"}, {"reason", "typo"}},
       v1::NOTHING_AMENDED, "name: the amendment changes nothing: region 621100 is already named 定西市"},
      {"region-amendment", {{"code", "621100"}, {"reason", "typo"}},
       v1::FIELD_MISSING, "name: is required (a new name, a new parent or both)"},
      {"region-amendment", {{"code", "621100"}, {"name", "x"}},
       v1::FIELD_MISSING, "reason: is required"},
      {"region-amendment", {{"code", "621100"}, {"parent_code", "620000"}, {"reason", "typo"}},
       v1::NOTHING_AMENDED,
       "parent_code: the amendment changes nothing: region 621100 already lies under 620000"},
      {"region-amendment", {{"code", "621100"}, {"parent_code", "621124"}, {"reason", "typo"}},
       v1::FIELD_INVALID,
       "parent_code: 621124 is 621100 or lies below it: a region cannot move under itself"},
      {"region-amendment", {{"code", "621100"}, {"parent_code", "110000"}, {"reason", "typo"}},
       v1::PARENT_NOT_FOUND, "parent_code: parent region 110000 is not registered"},
      {"region-amendment", {{"code", "621100"}, {"parent_code", "540000"}, {"reason", "typo"}},
       v1::CODE_INVALID,
       "code: 621100 cannot lie under 540000: under a province a code starts with its 2 digits 54"},
      {"region-amendment", {{"code", "621100"}, {"parent_code", "6200"}, {"reason", "typo"}},
       v1::CODE_INVALID, "parent_code: must be a 6-digit"},
      {"region-amendment", {{"code", "621124"}, {"name", "x"}, {"reason", "typo"},
                            {"effective_date", "2017-12-31"}},
       v1::DATE_BEFORE_REFERENCE,
       "effective_date: 2017-12-31 is before the registration of region 621124"},
      // Project amendments (issue 21).
      {"project-amendment", {{"project_id", "P-9"}, {"name", "x"}, {"reason", "typo"}},
       v1::PROJECT_NOT_FOUND, "project_id: project P-9 is not registered"},
      {"project-amendment", {{"project_id", "DX-1"}, {"name", "x"}},
       v1::FIELD_MISSING, "reason: is required"},
      {"project-amendment", {{"project_id", "DX-1"}, {"name", "马铃薯"}, {"budget", "5000"},
                             {"category", "industry"}, {"reason", "typo"}},
       v1::NOTHING_AMENDED, "project_id: the amendment changes nothing: project DX-1 already has"},
      {"project-amendment", {{"project_id", "DX-1"}, {"reason", "typo"}},
       v1::NOTHING_AMENDED, "project_id: the amendment changes nothing"},
      {"project-amendment", {{"project_id", "DX-1"}, {"name", "x"}, {"reason", "typo"},
                             {"effective_date", "2021-01-31"}},
       v1::DATE_BEFORE_REFERENCE,
       "effective_date: 2021-01-31 is before the registration of project DX-1"},
      {"project-amendment", {{"project_id", "DX-1"}, {"name", "a\x01b"}, {"reason", "typo"}},
       v1::FIELD_INVALID, "name: contains a control character"},
      {"project-amendment", {{"project_id", "DX-1"}, {"amount", "5"}, {"reason", "typo"}},
       v1::FIELD_INVALID, "amount: is not a field of this event type"},
      // Allocations.
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "0"}},
       v1::AMOUNT_INVALID, "amount: must be greater than zero"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}},
       v1::FIELD_MISSING, "amount: is required"},
      // Issue 17, item 6: a 9 x 10^18-fen allocation was accepted.
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "90000000000000000"}},
       v1::AMOUNT_INVALID, "amount: must be at most 1000000000000000 fen"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "10000000000000.01"}},
       v1::AMOUNT_INVALID, "amount: must be at most 1000000000000000 fen (10 trillion yuan"},
      {"project", {{"project_id", "P-9"}, {"region_code", "621100"}, {"name", "x"}, {"category", "other"},
                   {"budget", "10000000000000.01"}},
       v1::AMOUNT_INVALID, "budget: must be at most 1000000000000000 fen"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "1.001"}},
       v1::AMOUNT_INVALID, "amount: is more precise than one fen"},
      {"allocation", {{"helper_code", "110000"}, {"recipient_code", "621100"}, {"amount", "1"}},
       v1::REGION_NOT_FOUND, "helper_code: region 110000 is not registered"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "620000"}, {"amount", "1"},
                      {"effective_date", kDay}},
       v1::PAIRING_NOT_FOUND, "recipient_code: no pairing links helper 370200"},
      {"allocation", {{"helper_code", "370000"}, {"recipient_code", "621100"}, {"amount", "1"},
                      {"effective_date", kDay}},
       v1::PAIRING_NOT_FOUND, "no pairing links helper 370000"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "1"},
                      {"effective_date", "2020-06-01"}},
       v1::DATE_BEFORE_REFERENCE, "is before the pairing of 370200 with 621100 (2021-01-01)"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "1"},
                      {"project_id", "SZ-1"}, {"effective_date", kDay}},
       v1::PROJECT_OUTSIDE_REGION, "project_id: project SZ-1 lies in region 540202, not in 621100"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "1"},
                      {"project_id", "NOPE"}, {"effective_date", kDay}},
       v1::PROJECT_NOT_FOUND, "project_id: project NOPE is not registered"},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"amount", "1"},
                      {"fiscal_year", "1800"}, {"effective_date", kDay}},
       v1::FIELD_INVALID, "fiscal_year: must be a year in 1949..2199"},
      // Disbursements.
      {"disbursement", {{"project_id", "NOPE"}, {"amount", "1"}},
       v1::PROJECT_NOT_FOUND, "project_id: project NOPE is not registered"},
      {"disbursement", {{"project_id", "DX-1"}, {"amount", "-1"}},
       v1::AMOUNT_INVALID, "amount: must be a positive number without a sign"},
      {"disbursement", {{"project_id", "DX-1"}, {"amount", "700.01"}, {"effective_date", kDay}},
       v1::OVERSPENT, "amount: disbursing 700.01 yuan exceeds the available balance 700.00 yuan of region 621100 定西市"},
      {"disbursement", {{"project_id", "DX-1"}, {"amount", "1"}, {"effective_date", "2021-01-31"}},
       v1::DATE_BEFORE_REFERENCE, "before the registration of project DX-1"},
      // Investments and sales.
      {"investment", {{"region_code", "621100"}, {"amount", "1"}},
       v1::FIELD_MISSING, "enterprise: is required"},
      {"investment", {{"enterprise", "利和萃取"}, {"region_code", "621221"}, {"amount", "3亿"}},
       v1::REGION_NOT_FOUND, "region_code: region 621221 is not registered"},
      {"investment", {{"enterprise", "e"}, {"region_code", "621100"}, {"amount", "1"},
                      {"project_id", "SZ-1"}, {"effective_date", kDay}},
       v1::PROJECT_OUTSIDE_REGION, "project SZ-1 lies in region 540202"},
      {"sale", {{"region_code", "110000"}, {"amount", "1"}},
       v1::REGION_NOT_FOUND, "region_code: region 110000 is not registered"},
      {"sale", {{"region_code", "621100"}, {"amount", "abc"}},
       v1::AMOUNT_INVALID, "amount: is not a number"},
      {"sale", {{"region_code", "621100"}, {"helper_code", "37020"}, {"amount", "1"}},
       v1::CODE_INVALID, "helper_code: must be a 6-digit"},
      // Reversals.
      {"reversal", {{"reversed_event_id", "nope"}, {"reason", "r"}},
       v1::TARGET_NOT_FOUND, "reversed_event_id: no event has event_id nope"},
      {"reversal", {{"reversed_event_id", "d-1"}}, v1::FIELD_MISSING, "reason: is required"},
      {"reversal", {{"reversed_event_id", "d-1"}, {"reason", "r"}, {"effective_date", "2021-06-30"}},
       v1::DATE_BEFORE_REFERENCE, "is before the effective date of event"},
      {"reversal", {{"reversed_event_id", "a-1"}, {"reason", "r"}, {"effective_date", kDay}},
       v1::OVERSPENT, "taking back the allocation of 1,000.00 yuan exceeds the available balance 700.00 yuan"},
  };
  for (const Case& c : cases) {
    const LedgerHead before = ledger_->head();
    EXPECT_THAT(Add(c.type, c.fields), RejectedWith(c.reason, c.message))
        << c.type << " expecting " << v1::RejectReason_Name(c.reason);
    EXPECT_EQ(ledger_->head().sequence, before.sequence) << "a rejection wrote something";
  }
}

// Issue 25's fields: each optional field, when given, is checked like every
// other, and a rejection names it.
TEST_F(ValidateTest, FollowTheMoneyFieldsRejectWithTheirReasonAndMessage) {
  const std::string kDay = "2022-01-01";
  const std::string kHash(64, 'a');
  const std::string kFile = "contract:" + kHash + ":1200:合同.pdf";
  std::string seventeen_files;
  for (int i = 0; i < 17; ++i) {
    absl::StrAppend(&seventeen_files, i == 0 ? "" : "\n", "photo:", std::string(63, 'b'),
                    absl::StrFormat("%x", i % 16), ":1:p", i, ".jpg");
  }
  const app::FieldMap allocation = {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                    {"amount", "1"}, {"effective_date", kDay}};
  const app::FieldMap disbursement = {{"project_id", "DX-1"}, {"amount", "1"},
                                      {"effective_date", kDay}};
  const auto with = [](app::FieldMap fields, const std::string& field, const std::string& value) {
    fields[field] = value;
    return fields;
  };
  const Case cases[] = {
      {"allocation", with(allocation, "document_number", "  "), v1::FIELD_INVALID,
       "document_number: is blank: leave it out or give a value"},
      {"allocation", with(allocation, "fund_category", std::string(129, 'x')),
       v1::FIELD_TOO_LONG, "fund_category: is longer than 128 bytes"},
      {"disbursement", with(disbursement, "payee_account_hash", "ABC"), v1::FIELD_INVALID,
       "payee_account_hash: must be 64 lowercase hex digits"},
      {"disbursement", with(disbursement, "payee", "\t"), v1::FIELD_INVALID, "payee: is blank"},
      {"disbursement", with(disbursement, "contract_number", "合同\x01"), v1::FIELD_INVALID,
       "contract_number: contains a control character (U+0001)"},
      {"project", {{"project_id", "P-9"}, {"region_code", "621100"}, {"name", "x"},
                   {"category", "other"}, {"planned_start", "2021-06-01"},
                   {"planned_end", "2021-01-01"}, {"effective_date", kDay}},
       v1::FIELD_INVALID, "planned_end: 2021-01-01 is before planned_start 2021-06-01"},
      {"project", {{"project_id", "P-9"}, {"region_code", "621100"}, {"name", "x"},
                   {"category", "other"}, {"planned_start", "2021-02-30"}, {"effective_date", kDay}},
       v1::DATE_INVALID, "planned_start"},
      {"stage", {{"project_id", "NOPE"}, {"stage", "started"}, {"effective_date", kDay}},
       v1::PROJECT_NOT_FOUND, "project_id: project NOPE is not registered"},
      {"stage", {{"project_id", "DX-1"}, {"stage", "started"}, {"effective_date", "2021-01-31"}},
       v1::DATE_BEFORE_REFERENCE, "before the registration of project DX-1"},
      {"sale", {{"region_code", "621100"}, {"amount", "1"},
                {"evidence_files", "invoice:" + kHash.substr(1) + "A:5:发票.pdf"}},
       v1::FIELD_INVALID, "evidence.sha256: must be 64 lowercase hex digits"},
      {"sale", {{"region_code", "621100"}, {"amount", "1"},
                {"evidence_files", "invoice:" + kHash + ":0:发票.pdf"}},
       v1::FIELD_INVALID, "evidence.size: must be 1..1073741824 bytes (got 0)"},
      {"sale", {{"region_code", "621100"}, {"amount", "1"},
                {"evidence_files", "invoice:" + kHash + ":5:"}},
       v1::FIELD_MISSING, "evidence.name: is required"},
      {"sale", {{"region_code", "621100"}, {"amount", "1"},
                {"evidence_files", kFile + "\n" + kFile}},
       v1::FIELD_DUPLICATE, "evidence.sha256: names file " + kHash + " twice"},
  };
  for (const Case& c : cases) {
    const LedgerHead before = ledger_->head();
    EXPECT_THAT(Add(c.type, c.fields), RejectedWith(c.reason, c.message))
        << c.type << " expecting " << v1::RejectReason_Name(c.reason);
    EXPECT_EQ(ledger_->head().sequence, before.sequence) << "a rejection wrote something";
  }
  // What the drafts refuse before validation: no event is built.
  const std::pair<app::FieldMap, const char*> refused[] = {
      {with(disbursement, "payment_method", "cheque"), "payment_method: must be one of"},
      {with(disbursement, "payee_account", "6222-0210!"),
       "payee_account: must be an account number of at most 64 letters and digits"},
      {with(with(disbursement, "payee_account", "6222"), "payee_account_hash", kHash),
       "payee_account: give the account number or its hash"},
      {with(disbursement, "evidence_files", "invoice:" + kHash), "evidence_files: must be KIND:"},
      {with(disbursement, "evidence_files", "receipt:" + kHash + ":5:x"),
       "evidence.kind: must be one of"},
      {with(disbursement, "evidence_files", seventeen_files),
       "evidence_files: names 17 files, more than 16"},
  };
  for (const auto& [fields, message] : refused) {
    EXPECT_THAT(app::DraftFromFields("disbursement", fields).status(),
                RejectedWith(v1::FIELD_INVALID, message));
  }
  EXPECT_THAT(app::DraftFromFields("stage", {{"project_id", "DX-1"}}).status(),
              RejectedWith(v1::FIELD_MISSING, "stage: is required"));
  EXPECT_THAT(app::DraftFromFields("policy", {{"payee_required_from", "2024-01-01"}}).status(),
              RejectedWith(v1::FIELD_INVALID, "type: a ledger's policy is set once"));
  // Nor does it come in over HTTP or from a JSONL file: it is the ledger's own.
  EXPECT_THAT(app::DraftFromJson(R"({"policy_set":{"payee_required_from":"2024-01-01"}})"),
              RejectedWith(v1::FIELD_INVALID, "policy_set: a ledger's policy is set once"));
}

// A payment names who was paid; the account number is kept only as its
// hash, and every field reads back as it was typed.
TEST_F(ValidateTest, ADisbursementKeepsItsPayeeAndOnlyTheHashOfTheAccount) {
  const uint64_t seq = MustAdd(
      "disbursement", {{"project_id", "DX-1"}, {"amount", "12.34"}, {"payee", "定西市安定区农业公司"},
                       {"payee_account", "6222 0210-0001"}, {"payment_method", "treasury-direct"},
                       {"contract_number", "DX-HT-2022-07"}, {"purpose", "种薯款"},
                       {"evidence_files", "invoice:" + std::string(64, 'c') + ":2048:发票 1.pdf"},
                       {"effective_date", "2022-01-05"}});
  const v1::Event event = ledger_->ReadEvent(seq).value()->event;
  const v1::FundsDisbursed& d = event.funds_disbursed();
  EXPECT_EQ(d.payee(), "定西市安定区农业公司");
  EXPECT_EQ(d.payee_account_hash(), Hex(Sha256({"622202100001"})));
  EXPECT_EQ(event.SerializeAsString().find("622202100001"), std::string::npos);
  EXPECT_EQ(d.payment_method(), v1::TREASURY_DIRECT);
  EXPECT_EQ(d.contract_number(), "DX-HT-2022-07");
  ASSERT_EQ(event.evidence_size(), 1);
  EXPECT_EQ(event.evidence(0).kind(), v1::INVOICE);
  EXPECT_EQ(event.evidence(0).name(), "发票 1.pdf");
  EXPECT_EQ(event.evidence(0).size(), 2048);
  // Replay's fields build the same event again (the hash, not the number).
  const auto [type, fields] = app::FieldsFromEvent(event);
  absl::StatusOr<v1::Event> again = app::DraftFromFields(type, fields);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->funds_disbursed().SerializeAsString(), d.SerializeAsString());
  EXPECT_EQ(again->evidence(0).SerializeAsString(), event.evidence(0).SerializeAsString());
}

// Stages only move forward, each on or after the one before; the project
// carries its stage, and an as-of view the stage it had then.
TEST_F(ValidateTest, AProjectsStagesMoveForwardInDateOrder) {
  MustAdd("stage", {{"project_id", "DX-1"}, {"stage", "started"}, {"effective_date", "2021-03-01"}});
  EXPECT_THAT(Add("stage", {{"project_id", "DX-1"}, {"stage", "planned"},
                            {"effective_date", "2021-04-01"}}),
              RejectedWith(v1::STAGE_NOT_FORWARD,
                           "stage: project DX-1 is already at started (since 2021-03-01): a stage "
                           "only moves forward"));
  EXPECT_THAT(Add("stage", {{"project_id", "DX-1"}, {"stage", "started"},
                            {"effective_date", "2021-04-01"}}),
              RejectedWith(v1::STAGE_NOT_FORWARD, "stage: project DX-1 is already at started"));
  EXPECT_THAT(Add("stage", {{"project_id", "DX-1"}, {"stage", "completed"},
                            {"effective_date", "2021-02-15"}}),
              RejectedWith(v1::DATE_BEFORE_REFERENCE,
                           "2021-02-15 is before the last stage of project DX-1"));
  MustAdd("stage", {{"project_id", "DX-1"}, {"stage", "accepted"}, {"reason", "验收合格"},
                    {"effective_date", "2021-09-01"}});
  const v1::ProjectEntry* project = ledger_->books().projects.FindProject("DX-1");
  EXPECT_EQ(project->stage(), v1::ACCEPTED);
  EXPECT_EQ(project->stage_on(), "2021-09-01");
  absl::StatusOr<FoldedBooks> before = ledger_->Fold(ledger_->head().sequence, "2021-08-31");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->books.projects.FindProject("DX-1")->stage(), v1::STARTED);
  // A stage names its project: the registration can no longer be taken back.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

// The payee is required from the ledger's cut-over on, optional before it,
// so that a ledger kept before the field existed stays valid; the policy is
// set once.
TEST_F(ValidateTest, APayeeIsRequiredFromTheLedgersCutOverOn) {
  MustAdd("disbursement", {{"project_id", "DX-1"}, {"amount", "1"}, {"effective_date", "2021-08-01"}});
  v1::Event policy;
  policy.set_actor("test");
  policy.set_effective_date("2021-12-01");
  policy.mutable_policy_set()->set_payee_required_from("2021-08-01");
  ASSERT_THAT(ledger_->Append(policy), IsOk());
  EXPECT_THAT(Add("disbursement", {{"project_id", "DX-1"}, {"amount", "1"},
                                   {"effective_date", "2021-08-01"}}),
              RejectedWith(v1::FIELD_MISSING,
                           "payee: is required for a disbursement effective on or after "
                           "2021-08-01 (the ledger's payee_required_from)"));
  MustAdd("disbursement", {{"project_id", "DX-1"}, {"amount", "1"}, {"effective_date", "2021-07-31"}});
  MustAdd("disbursement", {{"project_id", "DX-1"}, {"amount", "1"}, {"payee", "某公司"},
                           {"effective_date", "2021-08-01"}});
  policy.mutable_policy_set()->set_payee_required_from("2020-01-01");
  EXPECT_THAT(ledger_->Append(policy),
              RejectedWith(v1::POLICY_EXISTS, "payee_required_from: the ledger's policy was set "
                                              "by event"));
  policy.mutable_policy_set()->set_payee_required_from("2020-02-30");
  EXPECT_THAT(ledger_->Append(policy), RejectedWith(v1::DATE_INVALID, "payee_required_from"));
  // A replay judges every event as its append did.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
  Reopen();
  EXPECT_EQ(ledger_->books().reversed.payee_required_from(), "2021-08-01");
}

// Issue 21: a project amended is the amended project from the amendment's
// date on, and as it was before; amendments go forward in date, so that the
// log's order is their date order and every as-of view is what was in force.
TEST_F(ValidateTest, AnAmendedProjectIsAmendedFromItsDateOn) {
  MustAdd("project-amendment", {{"project_id", "DX-1"}, {"name", "定西马铃薯产业园"},
                                {"budget", "8000"}, {"reason", "批复调整"},
                                {"effective_date", "2022-03-01"}});
  const v1::ProjectEntry* project = ledger_->books().projects.FindProject("DX-1");
  EXPECT_EQ(project->name(), "定西马铃薯产业园");
  EXPECT_EQ(project->category(), v1::INDUSTRY);  // not given: as it was
  EXPECT_EQ(project->budget_fen(), 800000);
  EXPECT_EQ(project->amended_on(), "2022-03-01");
  EXPECT_EQ(project->disbursed_fen(), 30000);  // the money stays
  absl::StatusOr<FoldedBooks> before = ledger_->Fold(ledger_->head().sequence, "2022-02-28");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->books.projects.FindProject("DX-1")->name(), "马铃薯");
  EXPECT_EQ(before->books.projects.FindProject("DX-1")->budget_fen(), 500000);
  EXPECT_THAT(Add("project-amendment", {{"project_id", "DX-1"}, {"category", "other"},
                                        {"reason", "x"}, {"effective_date", "2022-02-01"}}),
              testing::RejectedWith(v1::DATE_BEFORE_REFERENCE,
                                    "effective_date: 2022-02-01 is before the last amendment of "
                                    "project DX-1 named in project_id (2022-03-01)"));
  MustAdd("project-amendment", {{"project_id", "DX-1"}, {"category", "other"}, {"reason", "x"},
                                {"effective_date", "2022-03-01"}});
  EXPECT_EQ(ledger_->books().projects.FindProject("DX-1")->category(), v1::OTHER);
  // The whole log passes validation again, and a rebuild equals the fold.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
  // Reversal takes back money, never an amendment: amend again instead.
  EXPECT_THAT(Add("reversal", {{"reversed_event_id",
                                 ledger_->ReadEvent(ledger_->head().sequence).value()->event.event_id()},
                                {"reason", "x"}}),
              testing::RejectedWith(v1::TARGET_NOT_MONEY, "reversed_event_id"));
}

// A region renamed is renamed from the amendment's date on, in balances
// and among the helpers; as of an earlier date it has its old name.
TEST_F(ValidateTest, ARenamedRegionHasItsNewNameFromTheAmendmentsDateOn) {
  MustAdd("region-amendment", {{"code", "370200"}, {"name", "青岛市（更正）"},
                               {"reason", "名称录错"}, {"effective_date", "2022-03-01"}});
  EXPECT_EQ(ledger_->books().regions.FindRegion("370200")->name(), "青岛市（更正）");
  EXPECT_EQ(ledger_->books().regions.FindRegion("370200")->amended_on(), "2022-03-01");
  const v1::HelperTotalsReport helpers = HelperTotalsReport(ledger_->books());
  const auto qingdao = std::find_if(helpers.helpers().begin(), helpers.helpers().end(),
                                    [](const auto& h) { return h.code() == "370200"; });
  ASSERT_NE(qingdao, helpers.helpers().end());
  EXPECT_EQ(qingdao->name(), "青岛市（更正）");
  absl::StatusOr<FoldedBooks> before = ledger_->Fold(ledger_->head().sequence, "2022-02-28");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->books.regions.FindRegion("370200")->name(), "青岛市");
  EXPECT_THAT(Add("region-amendment", {{"code", "370200"}, {"name", "x"}, {"reason", "x"},
                                       {"effective_date", "2022-02-01"}}),
              testing::RejectedWith(v1::DATE_BEFORE_REFERENCE,
                                    "before the last amendment of region 370200"));
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

// Issue 21: a pairing ends. From the day after its end no allocation or
// investment goes under it (one above it may still admit them); its end is
// dated neither before it nor before money it may have admitted.
TEST_F(ValidateTest, AnEndedPairingAdmitsNothingAfterItsEnd) {
  const app::FieldMap kEnd = {{"helper_code", "370200"}, {"recipient_code", "621100"},
                              {"reason", "协议期满"}};
  auto end_on = [&](const char* date) {
    app::FieldMap fields = kEnd;
    fields["effective_date"] = date;
    return Add("pairing-end", fields);
  };
  auto allocate = [&](const char* helper, const char* recipient, const char* date) {
    return Add("allocation", {{"helper_code", helper}, {"recipient_code", recipient},
                              {"amount", "1"}, {"effective_date", date}});
  };
  // The fixture allocated from 青岛市 to 定西市 on 2021-06-01; 市南区 to 安定区
  // (below both) on 2021-08-01 counts too.
  ASSERT_THAT(allocate("370202", "621102", "2021-08-01"), IsOk());
  EXPECT_THAT(end_on("2020-12-31"),
              RejectedWith(v1::DATE_BEFORE_REFERENCE,
                           "effective_date: 2020-12-31 is before the pairing of 370200 with "
                           "621100 named in recipient_code (2021-01-01)"));
  EXPECT_THAT(end_on("2021-07-31"),
              RejectedWith(v1::DATE_BEFORE_REFERENCE,
                           "effective_date: 2021-07-31 is before assistance from 370202 to 621102 "
                           "dated 2021-08-01, which the pairing may have admitted; end it on "
                           "2021-08-01 or later"));
  EXPECT_THAT(Add("pairing-end", {{"helper_code", "370202"}, {"recipient_code", "621100"},
                                  {"reason", "x"}}),
              RejectedWith(v1::PAIRING_NOT_FOUND,
                           "recipient_code: no pairing of 370202 with 621100 is established"));
  EXPECT_THAT(Add("pairing-end", {{"helper_code", "370200"}, {"recipient_code", "621100"}}),
              RejectedWith(v1::FIELD_MISSING, "reason: is required"));
  ASSERT_THAT(end_on("2021-12-31"), IsOk());
  EXPECT_EQ(ledger_->books().helpers.FindPairing("370200", "621100")->ended_on(), "2021-12-31");

  // Its last day still admits; the day after does not, nor below it.
  EXPECT_THAT(allocate("370200", "621100", "2021-12-31"), IsOk());
  const char* kEnded =
      "effective_date: 2022-01-01 is after the end of the pairing of 370200 with 621100 "
      "(2021-12-31: 协议期满)";
  EXPECT_THAT(allocate("370200", "621100", "2022-01-01"), RejectedWith(v1::PAIRING_ENDED, kEnded));
  EXPECT_THAT(allocate("370202", "621102", "2022-01-01"), RejectedWith(v1::PAIRING_ENDED, kEnded));
  EXPECT_THAT(Add("investment", {{"enterprise", "e"}, {"helper_code", "370200"},
                                 {"region_code", "621100"}, {"amount", "1"},
                                 {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::PAIRING_ENDED, kEnded));
  // A purchase needs no agreement: recorded, under no program.
  ASSERT_THAT(Add("sale", {{"helper_code", "370200"}, {"region_code", "621100"}, {"amount", "1"},
                           {"effective_date", "2022-01-01"}}),
              IsOk());
  EXPECT_EQ(ledger_->ReadEvent(ledger_->head().sequence).value()->event.sale_recorded().program(),
            v1::PROGRAM_UNSPECIFIED);
  // Backdated money before the end is still admitted under it.
  EXPECT_THAT(allocate("370200", "621100", "2021-09-01"), IsOk());

  EXPECT_THAT(end_on("2022-06-30"),
              RejectedWith(v1::PAIRING_ENDED,
                           "recipient_code: the pairing of 370200 with 621100 already ended on "
                           "2021-12-31"));
  EXPECT_THAT(Add("pairing", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                              {"program", "east-west"}}),
              RejectedWith(v1::PAIRING_EXISTS,
                           "370200 was paired with 621100 until 2021-12-31; an ended pairing is "
                           "not established again"));
  // A pairing above it still admits: 山东省 with 甘肃省 from 2022-01-02.
  MustAdd("pairing", {{"helper_code", "370000"}, {"recipient_code", "620000"},
                      {"program", "intra-province"}, {"effective_date", "2022-01-02"}});
  ASSERT_THAT(allocate("370200", "621100", "2022-01-02"), IsOk());
  EXPECT_EQ(
      ledger_->ReadEvent(ledger_->head().sequence).value()->event.funds_allocated().program(),
      v1::INTRA_PROVINCE);

  // As of a date before the end, the pairing is in force.
  absl::StatusOr<FoldedBooks> before = ledger_->Fold(ledger_->head().sequence, "2021-12-30");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->books.helpers.FindPairing("370200", "621100")->ended_on(), "");
  // The whole log passes validation again, and a rebuild equals the fold.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

// Issue 21: a region filed under the wrong parent moves, with everything
// below it and its figures, from the amendment's date on.
TEST_F(ValidateTest, AMovedRegionCountsTowardItsNewParentFromItsDateOn) {
  // 渭源县 filed under 甘肃省 instead of 定西市, with an investment.
  MustAdd("region", {{"code", "621125"}, {"name", "渭源县"}, {"parent_code", "620000"},
                     {"effective_date", "2018-01-01"}});
  MustAdd("region", {{"code", "621181"}, {"name", "某镇"}, {"parent_code", "621125"},
                     {"effective_date", "2018-01-01"}});
  MustAdd("investment", {{"enterprise", "e"}, {"region_code", "621181"}, {"amount", "30"},
                         {"effective_date", "2021-01-01"}});
  EXPECT_THAT(Add("allocation", {{"helper_code", "370200"}, {"recipient_code", "621125"},
                                 {"amount", "50"}, {"effective_date", "2022-02-01"}}),
              RejectedWith(v1::PAIRING_NOT_FOUND, "recipient_code"));
  MustAdd("region-amendment", {{"code", "621125"}, {"parent_code", "621100"},
                               {"reason", "上级录错"}, {"effective_date", "2022-01-01"}});
  const v1::RegionEntry* moved = ledger_->books().regions.FindRegion("621125");
  EXPECT_EQ(moved->parent_code(), "621100");
  EXPECT_EQ(moved->name(), "渭源县");
  EXPECT_EQ(moved->depth(), 2);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621181")->depth(), 3);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->total().invested_fen(), 3000);
  EXPECT_EQ(ledger_->books().regions.FindRegion("620000")->total().invested_fen(), 3000);
  // Now the pairing of 青岛市 with 定西市 reaches it.
  ASSERT_THAT(Add("allocation", {{"helper_code", "370200"}, {"recipient_code", "621181"},
                                 {"amount", "50"}, {"effective_date", "2022-02-01"}}),
              IsOk());
  EXPECT_EQ(ledger_->books().regions.FindRegion("621100")->total().allocated_fen(), 105000);
  EXPECT_EQ(ledger_->books().regions.FindRegion("620000")->total().allocated_fen(), 105000);
  // As of the day before, it is where it was.
  absl::StatusOr<FoldedBooks> before = ledger_->Fold(ledger_->head().sequence, "2021-12-31");
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->books.regions.FindRegion("621125")->parent_code(), "620000");
  EXPECT_EQ(before->books.regions.FindRegion("621181")->depth(), 2);
  EXPECT_EQ(before->books.regions.FindRegion("621100")->total().invested_fen(), 0);
  // The log passes validation again and a rebuild equals the fold; a
  // snapshot, whose regions no longer list every parent first, loads.
  EXPECT_THAT(ledger_->Verify({}), IsOk());
  ASSERT_THAT(ledger_->CreateSnapshot(), IsOk());
  RegionBalances loaded;
  ASSERT_THAT(loaded.LoadState(ledger_->books().regions.state().SerializeAsString()), IsOk());
  EXPECT_EQ(loaded.FindRegion("621181")->depth(), 3);
  EXPECT_TRUE(loaded.IsWithin("621181", "621100"));

  // The tree stays within kRegionDepthMax (8) levels: a chain below
  // 临洮县 (depth 2) to depth 8 cannot move one level down.
  std::string parent = "621124";
  for (const char* code : {"621191", "621192", "621193", "621194", "621195", "621196"}) {
    MustAdd("region", {{"code", code}, {"name", "x"}, {"parent_code", parent},
                       {"effective_date", "2018-01-01"}});
    parent = code;
  }
  EXPECT_THAT(Add("region-amendment", {{"code", "621124"}, {"parent_code", "621102"},
                                       {"reason", "x"}, {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::REGION_TOO_DEEP,
                           "parent_code: regions nest at most 8 levels deep; under 621102 "
                           "region 621124 and the 6 levels below it would not fit"));
  EXPECT_THAT(Add("region-amendment", {{"code", "621191"}, {"parent_code", "621102"},
                                       {"reason", "x"}, {"effective_date", "2022-01-01"}}),
              IsOk());
  EXPECT_THAT(ledger_->Verify({}), IsOk());
}

TEST_F(ValidateTest, APairingOfAncestorsAdmitsTheirDescendants) {
  // 市南区 (under 青岛市) to 安定区 (under 定西市): admitted by 青岛市-定西市.
  absl::StatusOr<AppendResult> added =
      Add("allocation", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                         {"amount", "50"}, {"effective_date", "2022-01-01"}});
  ASSERT_THAT(added, IsOk());
  // A project below the recipient is inside it.
  MustAdd("project", {{"project_id", "LT-1"}, {"region_code", "621124"}, {"name", "x"},
                      {"category", "education"}, {"effective_date", "2021-01-01"}});
  EXPECT_THAT(Add("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                 {"project_id", "LT-1"}, {"amount", "5"},
                                 {"effective_date", "2022-01-01"}}),
              IsOk());
}

TEST_F(ValidateTest, AReversalIsAllowedOnceAndFreesTheMoney) {
  // 700 left; disbursing 1000 is refused until the disbursement of 300 is reversed.
  EXPECT_THAT(Add("disbursement", {{"project_id", "DX-1"}, {"amount", "1000"},
                                   {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::OVERSPENT, "available balance 700.00"));
  MustAdd("reversal", {{"reversed_event_id", "d-1"}, {"reason", "entered twice"},
                       {"effective_date", "2022-01-01"}});
  EXPECT_THAT(Add("reversal", {{"reversed_event_id", "d-1"}, {"reason", "again"},
                               {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::TARGET_ALREADY_REVERSED, "is already reversed"));
  Reopen();  // the reversal index is on disk
  EXPECT_THAT(Add("reversal", {{"reversed_event_id", "d-1"}, {"reason", "again"},
                               {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::TARGET_ALREADY_REVERSED, "is already reversed"));
  EXPECT_THAT(Add("disbursement", {{"project_id", "DX-1"}, {"amount", "1000"},
                                   {"effective_date", "2022-01-01"}}),
              IsOk());
}

// Issue 21: a registration nothing names yet is taken back; what names it
// (a project, money, a pairing's money, even when that was reversed) keeps it.
TEST_F(ValidateTest, ARegistrationIsTakenBackOnlyWhileNothingNamesIt) {
  const std::string kDay = "2022-01-01";
  auto reverse = [&](const std::string& target, const std::string& id = "") {
    app::FieldMap fields = {{"reversed_event_id", target}, {"reason", "登记错误"},
                            {"effective_date", kDay}};
    if (!id.empty()) fields["event_id"] = id;
    return Add("reversal", fields);
  };
  // Region 621124 (reg-x): nothing names it, so it goes, and may come again.
  ASSERT_THAT(reverse("reg-x"), IsOk());
  EXPECT_THAT(Add("sale", {{"region_code", "621124"}, {"amount", "1"}, {"effective_date", kDay}}),
              RejectedWith(v1::REGION_NOT_FOUND, "region 621124 is not registered"));
  EXPECT_THAT(reverse("reg-x"), RejectedWith(v1::TARGET_ALREADY_REVERSED, "is already reversed"));
  MustAdd("region", {{"event_id", "reg-y"}, {"code", "621124"}, {"name", "临洮县"},
                     {"parent_code", "621100"}, {"effective_date", kDay}});

  // A project names its region, even once the project is taken back.
  MustAdd("region", {{"event_id", "r-1"}, {"code", "621126"}, {"name", "岷县"},
                     {"parent_code", "621100"}, {"effective_date", "2018-01-01"}});
  MustAdd("project", {{"event_id", "p-1"}, {"project_id", "MX-1"}, {"region_code", "621126"},
                      {"name", "中药材"}, {"category", "industry"}, {"effective_date", kDay}});
  const uint64_t project_seq = ledger_->head().sequence;
  EXPECT_THAT(reverse("r-1"), RejectedWith(v1::TARGET_REFERENCED,
                                           absl::StrCat("region 621126, and event ", project_seq,
                                                        " names it")));
  ASSERT_THAT(reverse("p-1", "rv-p"), IsOk());
  EXPECT_THAT(Add("disbursement", {{"project_id", "MX-1"}, {"amount", "1"},
                                   {"effective_date", kDay}}),
              RejectedWith(v1::PROJECT_NOT_FOUND, "MX-1"));
  EXPECT_THAT(reverse("r-1"), RejectedWith(v1::TARGET_REFERENCED, "names it"));
  // A reversal itself is no registration.
  EXPECT_THAT(reverse("rv-p"),
              RejectedWith(v1::TARGET_NOT_MONEY, "is neither a money event, a recorded indicator nor a registration"));

  // Money names a project and a region, though it was reversed.
  MustAdd("project", {{"event_id", "p-2"}, {"project_id", "DX-2"}, {"region_code", "621100"},
                      {"name", "冷库"}, {"category", "industry"}, {"effective_date", kDay}});
  MustAdd("disbursement", {{"event_id", "d-2"}, {"project_id", "DX-2"}, {"amount", "1"},
                           {"effective_date", kDay}});
  ASSERT_THAT(reverse("d-2"), IsOk());
  EXPECT_THAT(reverse("p-2"), RejectedWith(v1::TARGET_REFERENCED, "project DX-2, and event"));
  MustAdd("region", {{"event_id", "r-2"}, {"code", "621127"}, {"name", "漳县"},
                     {"parent_code", "621100"}, {"effective_date", "2018-01-01"}});
  MustAdd("sale", {{"event_id", "s-1"}, {"region_code", "621127"}, {"amount", "1"},
                   {"effective_date", kDay}});
  ASSERT_THAT(reverse("s-1"), IsOk());
  EXPECT_THAT(reverse("r-2"), RejectedWith(v1::TARGET_REFERENCED,
                                           "region 621127, and assistance to 621127 dated 2022-01-01 "
                                           "names it"));

  // A pairing goes while no money could have gone under it.
  MustAdd("region", {{"code", "621128"}, {"name", "陇西县"}, {"parent_code", "621100"},
                     {"effective_date", "2018-01-01"}});
  MustAdd("pairing", {{"event_id", "pr-1"}, {"helper_code", "370000"},
                      {"recipient_code", "621128"}, {"program", "east-west"},
                      {"since", "2021-01-01"}, {"effective_date", "2021-01-01"}});
  ASSERT_THAT(reverse("pr-1"), IsOk());
  EXPECT_THAT(Add("allocation", {{"helper_code", "370000"}, {"recipient_code", "621128"},
                                 {"amount", "1"}, {"effective_date", kDay}}),
              RejectedWith(v1::PAIRING_NOT_FOUND, "370000"));
  MustAdd("pairing", {{"event_id", "pr-2"}, {"helper_code", "370000"},
                      {"recipient_code", "621128"}, {"program", "east-west"},
                      {"since", "2021-01-01"}, {"effective_date", "2021-01-01"}});
  MustAdd("allocation", {{"helper_code", "370000"}, {"recipient_code", "621128"},
                         {"amount", "1"}, {"effective_date", kDay}});
  EXPECT_THAT(reverse("pr-2"),
              RejectedWith(v1::TARGET_REFERENCED,
                           "the pairing of 370000 with 621128, which may have admitted assistance "
                           "from 370000 to 621128 dated 2022-01-01"));

  // The state on disk says the same after a reopen (snapshots, then a fold).
  Reopen();
  EXPECT_THAT(reverse("r-1"), RejectedWith(v1::TARGET_REFERENCED, "names it"));
  EXPECT_THAT(Add("disbursement", {{"project_id", "MX-1"}, {"amount", "1"},
                                   {"effective_date", kDay}}),
              RejectedWith(v1::PROJECT_NOT_FOUND, "MX-1"));
  EXPECT_THAT(reverse("reg-y"), IsOk());
}

TEST_F(ValidateTest, AReversalCarriesItsTarget) {
  MustAdd("reversal", {{"event_id", "rv-1"}, {"reversed_event_id", "d-1"}, {"reason", "typo"},
                       {"effective_date", "2022-01-01"}});
  absl::StatusOr<std::optional<StoredEvent>> stored = ledger_->FindByEventId("rv-1");
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  const v1::EventReversed& reversal = (*stored)->event.event_reversed();
  absl::StatusOr<std::optional<StoredEvent>> target = ledger_->FindByEventId("d-1");
  ASSERT_TRUE(target.ok() && target->has_value());
  EXPECT_EQ(reversal.reversed_sequence(), (*target)->sequence);
  EXPECT_EQ(reversal.target().SerializeAsString(), (*target)->event.SerializeAsString());
}

// One amount is at most limits::kAmountFenMax, so a total reaches int64's
// limit only after 9,223 maximal sales; the next is refused, not wrapped.
TEST_F(ValidateTest, TotalsThatWouldOverflowAreRejected) {
  constexpr int64_t kSalesToTheLimit = std::numeric_limits<int64_t>::max() / limits::kAmountFenMax;
  std::vector<v1::Event> sales;
  for (int64_t i = 0; i < kSalesToTheLimit; ++i) {
    v1::Event sale;
    sale.set_event_id(absl::StrCat("max-", i));
    sale.set_effective_date("2022-01-01");
    sale.set_actor("clerk");
    sale.mutable_sale_recorded()->set_region_code("621100");
    sale.mutable_sale_recorded()->set_amount_fen(limits::kAmountFenMax);
    sales.push_back(std::move(sale));
  }
  ASSERT_THAT(AppendBatch(*ledger_, sales), IsOk());
  EXPECT_THAT(Add("sale", {{"region_code", "621100"}, {"amount", "10000000000000"},
                           {"effective_date", "2022-01-01"}}),
              RejectedWith(v1::TOTAL_OVERFLOW, "would overflow"));
}

}  // namespace
}  // namespace aidledger
