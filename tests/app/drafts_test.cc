// Drafts from named text fields: what every type takes, what it refuses
// (naming the field), and that FieldsFromEvent reads a draft back exactly.
#include "app/drafts.h"

#include "base/errors.h"
#include "tests/testing/testing.h"

namespace aidledger::app {
namespace {

using testing::IsOk;
using testing::StatusIs;

TEST(DraftsTest, EveryTypeRoundTripsThroughItsFields) {
  const std::vector<std::pair<std::string, FieldMap>> drafts = {
      {"region", {{"code", "621100"}, {"name", "定西市"}, {"parent_code", "620000"}}},
      {"pairing", {{"helper_code", "370200"}, {"recipient_code", "621100"}, {"program", "east-west"},
                   {"since", "2021-01-01"}}},
      {"project", {{"project_id", "DX-1"}, {"region_code", "621102"}, {"name", "冷库"},
                   {"category", "industry"}, {"budget", "12.50"}}},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                      {"project_id", "DX-1"}, {"amount", "9238.00"}, {"source", "social"},
                      {"fiscal_year", "2023"}}},
      {"disbursement", {{"project_id", "DX-1"}, {"amount", "0.01"}}},
      {"investment", {{"enterprise", "青岛啤酒"}, {"helper_code", "370200"},
                      {"region_code", "621100"}, {"project_id", "DX-1"}, {"amount", "1000000.00"}}},
      {"sale", {{"region_code", "621100"}, {"helper_code", "370200"}, {"channel", "线上"},
                {"amount", "1234.56"}}},
      {"reversal", {{"reversed_event_id", "s-1"}, {"reason", "entered twice"}}},
      // Issue 25's fields.
      {"project", {{"project_id", "DX-2"}, {"region_code", "621102"}, {"name", "道路"},
                   {"category", "infrastructure"}, {"planned_start", "2023-03-01"},
                   {"planned_end", "2023-11-30"}, {"responsible_unit", "安定区交通局"},
                   {"responsible_person", "王强"}, {"expected_goals", "硬化道路 12 公里"}}},
      {"stage", {{"project_id", "DX-2"}, {"stage", "accepted"}, {"reason", "验收合格"}}},
      {"allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                      {"project_id", ""}, {"amount", "1.00"}, {"source", "fiscal"},
                      {"fiscal_year", "2023"},
                      {"document_number", "青财预指〔2023〕5号"}, {"fund_category", "财政援助资金"}}},
      {"disbursement", {{"project_id", "DX-1"}, {"amount", "0.01"}, {"payee", "某公司"},
                        {"payee_account_hash", std::string(64, 'a')},
                        {"payment_method", "bank-transfer"}, {"contract_number", "HT-1"},
                        {"purpose", "材料款"},
                        {"evidence_files", "contract:" + std::string(64, 'b') + ":10:合同: 第1页.pdf\n"
                                           "photo:" + std::string(64, 'c') + ":20:现场.jpg"}}},
  };
  for (const auto& [type, fields] : drafts) {
    FieldMap with_common = fields;
    with_common["event_id"] = "e-" + type;
    with_common["effective_date"] = "2023-05-06";
    with_common["memo"] = "备注";
    absl::StatusOr<v1::Event> draft = DraftFromFields(type, with_common);
    ASSERT_THAT(draft, IsOk()) << type;
    const auto [read_type, read_fields] = FieldsFromEvent(*draft);
    EXPECT_EQ(read_type, type);
    EXPECT_EQ(read_fields, with_common) << type;
  }
}

TEST(DraftsTest, AmountsAreReadExactlyIntoFen) {
  absl::StatusOr<v1::Event> sale =
      DraftFromFields("sale", {{"region_code", "621100"}, {"amount", "9.12亿"}});
  ASSERT_THAT(sale, IsOk());
  EXPECT_EQ(sale->sale_recorded().amount_fen(), 91'200'000'000);
  absl::StatusOr<v1::Event> budget = DraftFromFields(
      "project", {{"project_id", "P"}, {"region_code", "621100"}, {"name", "n"}, {"budget", "2100万元"}});
  ASSERT_THAT(budget, IsOk());
  EXPECT_EQ(budget->project_registered().budget_fen(), 2'100'000'000);
}

TEST(DraftsTest, EmptyValuesCountAsAbsent) {
  absl::StatusOr<v1::Event> sale = DraftFromFields(
      "sale", {{"region_code", "621100"}, {"amount", "1"}, {"helper_code", ""}, {"memo", ""}});
  ASSERT_THAT(sale, IsOk());
  EXPECT_EQ(sale->sale_recorded().helper_code(), "");
  EXPECT_EQ(sale->memo(), "");
}

TEST(DraftsTest, RefusalsNameTheFieldOrTheType) {
  EXPECT_THAT(DraftFromFields("gift", {}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("gift")));
  EXPECT_THAT(DraftFromFields("sale", {{"region_code", "621100"}, {"amount", "1"}, {"project_id", "P"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("project_id")));
  EXPECT_THAT(DraftFromFields("sale", {{"region_code", "621100"}, {"amount", "1.001"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("amount")));
  EXPECT_THAT(DraftFromFields("pairing", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                          {"program", "west-east"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("program")));
  EXPECT_THAT(DraftFromFields("project", {{"project_id", "P"}, {"region_code", "1"}, {"name", "n"},
                                          {"category", "roads"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("category")));
  EXPECT_THAT(DraftFromFields("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                                             {"amount", "1"}, {"source", "loan"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("source")));
}

TEST(DraftsTest, EnumNamesParseBackToTheirValues) {
  for (v1::Program program : {v1::EAST_WEST_COOPERATION, v1::COUNTERPART_SUPPORT, v1::INTRA_PROVINCE}) {
    absl::StatusOr<v1::Program> parsed = ParseProgram(ProgramName(program));
    ASSERT_THAT(parsed, IsOk());
    EXPECT_EQ(*parsed, program);
  }
  for (int value = v1::ProjectCategory_MIN + 1; value <= v1::ProjectCategory_MAX; ++value) {
    const auto category = static_cast<v1::ProjectCategory>(value);
    absl::StatusOr<v1::ProjectCategory> parsed = ParseCategory(CategoryName(category));
    ASSERT_THAT(parsed, IsOk()) << value;
    EXPECT_EQ(*parsed, category);
  }
}

}  // namespace
}  // namespace aidledger::app
