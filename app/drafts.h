// Event drafts from named text fields: the one translation from what people
// type (CLI flags, CSV columns) into aidledger.v1.Event. The CLI and import
// both build drafts here, so a field means the same everywhere.
//
// Types and their fields (all text; amounts in any form ParseAmountFen takes):
//   region        code, name, parent_code
//   pairing       helper_code, recipient_code, program, since
//   project       project_id, region_code, name, category, budget,
//                 planned_start, planned_end, responsible_unit, responsible_person,
//                 expected_goals
//   stage         project_id, stage, reason
//   allocation    helper_code, recipient_code, project_id, amount, source, fiscal_year,
//                 document_number, fund_category
//   disbursement  project_id, amount, payee, payee_account (the number, hashed
//                 here) or payee_account_hash, payment_method, contract_number,
//                 purpose
//   investment    enterprise, helper_code, region_code, project_id, amount
//   sale          region_code, helper_code, channel, amount
//   reversal      reversed_event_id, reason
//   indicator     helper_code, recipient_code, indicator, value, of_which,
//                 project_id, description, evidence
//   target        year, helper_code, recipient_code, indicator, value, reason
// Every type also takes event_id, effective_date and memo, and a money
// event, an indicator or a reversal effective in a closed year
// adjusts_closed (YYYY) and adjustment_reason (a reversal's reason when
// empty), and evidence_files (one file a line, KIND:SHA256:SIZE:NAME). close,
// signature and policy are never drafted from fields.
// program: east-west | counterpart | intra-province
// category: industry | infrastructure | public-service | education | health |
//           employment | other
// source: fiscal | social
// stage: stored | planned | started | completed | accepted
// payment_method: treasury-direct | bank-transfer | cash | other
// indicator: a code of state/indicators.cc's table (aidledger indicators list)
// value: in the indicator's unit, yuan for a money indicator (as amount)
// of_which: CODE=N;CODE=N (poverty_alleviated_workers=120)
#ifndef AIDLEDGER_APP_DRAFTS_H_
#define AIDLEDGER_APP_DRAFTS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/events.pb.h"

namespace aidledger::app {

using FieldMap = std::map<std::string, std::string, std::less<>>;  // transparent: found by string_view

// Builds the draft of `type` from `fields`. Rejects an unknown type, an
// unknown field for the type, an unknown enum value or a malformed amount,
// naming the field. Empty values count as absent.
absl::StatusOr<v1::Event> DraftFromFields(const std::string& type, const FieldMap& fields);
// The same into `event`, an empty message the caller owns (on an arena, say).
absl::Status FillDraftFromFields(const std::string& type, const FieldMap& fields,
                                 v1::Event* event);

// The one CSV column set of replay and import: the fields of every type, in
// this order, after `type`.
extern const char* const kCsvFieldColumns[45];
// Columns replay adds that import reads past (the importing ledger assigns
// its own): seq, recorded_at, actor, hash, prev_hash.
extern const char* const kCsvExportOnlyColumns[5];

// The amount columns of a CSV that names its unit (replay writes them,
// import reads them): amount_yuan and budget_yuan are amount and budget;
// amount_fen and budget_fen hold whole fen.
struct CsvUnitColumn {
  const char* column;
  const char* field;
  bool fen;
};
extern const CsvUnitColumn kCsvUnitColumns[4];

// What a money event (allocation, disbursement, investment, sale) moves,
// in fen; 0 for any other event.
int64_t MoneyAmountFen(const v1::Event& event);

// The inverse of DraftFromFields: the type and fields of a stored event
// (amounts as yuan with two decimals, which parse back exactly).
std::pair<std::string, FieldMap> FieldsFromEvent(const v1::Event& event);

// The names people type for enum values, and back.
absl::StatusOr<v1::Program> ParseProgram(const std::string& text);
absl::StatusOr<v1::ProjectCategory> ParseCategory(const std::string& text);
absl::StatusOr<v1::FundSource> ParseSource(const std::string& text);
std::string ProgramName(v1::Program program);
std::string CategoryName(v1::ProjectCategory category);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_DRAFTS_H_
