// Early warnings (预警) shared by the CLI (aidledger alerts) and the server
// (GET /v1/alerts): the rules of assistance-fund monitoring, in one table
// (alerts.cc, kRules), over a view of the log. Each alert names the events
// behind it. Money is matched as the trace matches it (state/fund_flow.h).
//
//   idle_funds                   allocated money unspent for more than idle_days
//   project_overdue              a project past its planned end, not yet 完工
//   over_budget                  a project disbursed more than its budget
//   no_evidence                  a disbursement that names no evidence file
//   no_contract                  a disbursement above contract_above_fen without
//                                a contract number
//   payee_many_counties          a payee paid by projects in more than
//                                payee_counties_max regions
//   allocation_after_acceptance  money allocated to a project after its 验收
#ifndef AIDLEDGER_APP_ALERTS_H_
#define AIDLEDGER_APP_ALERTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "app/queries.h"
#include "ledger/ledger.h"

namespace aidledger::app {

struct AlertOptions {
  PointOptions point;
  int idle_days = 180;
  int64_t contract_above_fen = 100'000 * 100;  // 10万元
  int payee_counties_max = 3;
  std::vector<std::string> rules;  // only these (empty: every rule)
};

// The rules' names, in the table's order.
std::vector<std::string> AlertRuleNames();

// The alerts at `options.point`, measured against its as_of date or, without
// one, today in China by the ledger's clock. Usage errors for an unknown
// rule or a threshold out of range, naming the parameter as `names` spell
// the point's.
absl::StatusOr<v1::AlertsReport> BuildAlerts(const Ledger& ledger, const AlertOptions& options,
                                             const PointParameterNames& names = kPointParameters);

// The alerts as a table: rule, subject, amount (in `style.unit`), events, message.
std::string AlertsTable(const v1::AlertsReport& report, const TableStyle& style);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_ALERTS_H_
