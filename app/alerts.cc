#include "app/alerts.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "absl/time/civil_time.h"
#include "app/fund_view.h"
#include "app/output.h"
#include "base/amount.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/fund_flow.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// What every rule reads.
struct Context {
  const Books& books;
  const ViewEvents& view;
  const FundFlow& flow;
  const AlertOptions& options;
  absl::CivilDay today;  // the date the rules measure against
};

using Alerts = std::vector<v1::Alert>;

v1::Alert& Add(Alerts* alerts, const char* rule, absl::string_view subject, int64_t amount_fen,
               std::vector<uint64_t> seqs, std::string message) {
  v1::Alert& alert = alerts->emplace_back();
  alert.set_rule(rule);
  alert.set_subject(std::string(subject));
  alert.set_amount_fen(amount_fen);
  std::sort(seqs.begin(), seqs.end());
  if (seqs.size() > limits::kAlertSeqsMax) seqs.resize(limits::kAlertSeqsMax);
  for (uint64_t seq : seqs) alert.add_seqs(seq);
  alert.set_message(std::move(message));
  return alert;
}

// Days from `date` (YYYY-MM-DD, as validation admits) to the context's today.
int64_t DaysSince(const Context& c, absl::string_view date) {
  absl::CivilDay day;
  if (!absl::ParseCivilTime(date, &day)) return 0;
  return c.today - day;
}

uint64_t RegistrationOf(const Context& c, absl::string_view project_id) {
  auto it = c.view.projects.find(project_id);
  return it == c.view.projects.end() ? 0 : it->second.sequence;
}

void IdleFunds(const Context& c, Alerts* alerts) {
  for (size_t a = 0; a < c.view.allocations.size(); ++a) {
    const int64_t unspent = c.flow.unspent_fen[a];
    const Source& source = c.view.allocations[a].source;
    const int64_t days = DaysSince(c, source.date);
    if (unspent == 0 || days <= c.options.idle_days) continue;
    Add(alerts, "idle_funds", source.event_id, unspent, {source.sequence},
        absl::Substitute(Tr("$0 yuan of allocation $1 ($2) unspent for $3 days"),
                         FormatFen(unspent), source.event_id, source.date, days));
  }
}

void ProjectOverdue(const Context& c, Alerts* alerts) {
  const std::string today = absl::FormatCivilTime(c.today);
  for (const v1::ProjectEntry& p : c.books.projects.state().projects()) {
    if (p.planned_end().empty() || p.planned_end() >= today || p.stage() >= v1::COMPLETED) continue;
    Add(alerts, "project_overdue", p.project_id(), 0, {RegistrationOf(c, p.project_id())},
        absl::Substitute(Tr("project $0 $1 was planned to end on $2 and is $3"), p.project_id(),
                         p.name(), p.planned_end(),
                         p.stage() == v1::PROJECT_STAGE_UNSPECIFIED
                             ? Tr("at no recorded stage")
                             : absl::StrCat(Tr("at stage "), WordFor(kStages, p.stage()))));
  }
}

// The disbursements of each project, oldest first.
std::map<absl::string_view, std::vector<size_t>> DisbursementsByProject(const Context& c) {
  std::map<absl::string_view, std::vector<size_t>> by_project;
  for (size_t d = 0; d < c.view.flow_disbursements.size(); ++d) {
    by_project[c.view.flow_disbursements[d].project_id].push_back(d);
  }
  for (auto& [project, list] : by_project) {
    std::sort(list.begin(), list.end(), [&c](size_t a, size_t b) {
      const FlowDisbursement& x = c.view.flow_disbursements[a];
      const FlowDisbursement& y = c.view.flow_disbursements[b];
      return std::tie(x.effective_date, x.sequence) < std::tie(y.effective_date, y.sequence);
    });
  }
  return by_project;
}

// The disbursement that took a project past its budget names the alert.
void OverBudget(const Context& c, Alerts* alerts) {
  for (const auto& [project_id, list] : DisbursementsByProject(c)) {
    const v1::ProjectEntry* project = c.books.projects.FindProject(project_id);
    if (project == nullptr || project->budget_fen() == 0) continue;
    int64_t paid = 0;
    uint64_t crossing = 0;
    for (size_t d : list) {
      paid += c.view.flow_disbursements[d].amount_fen;
      if (crossing == 0 && paid > project->budget_fen()) crossing = c.view.flow_disbursements[d].sequence;
    }
    if (crossing == 0) continue;
    Add(alerts, "over_budget", project_id, paid - project->budget_fen(),
        {RegistrationOf(c, project_id), crossing},
        absl::Substitute(Tr("project $0 disbursed $1 yuan against a budget of $2 yuan"),
                         project_id, FormatFen(paid), FormatFen(project->budget_fen())));
  }
}

void PaperworkMissing(const Context& c, Alerts* alerts) {
  for (size_t d = 0; d < c.view.disbursements.size(); ++d) {
    const Payment& payment = c.view.disbursements[d];
    const FlowDisbursement& flow = c.view.flow_disbursements[d];
    if (payment.evidence_files == 0) {
      Add(alerts, "no_evidence", payment.source.event_id, flow.amount_fen, {flow.sequence},
          absl::Substitute(Tr("disbursement $0 of $1 yuan to $2 names no evidence file"),
                           payment.source.event_id, FormatFen(flow.amount_fen), flow.project_id));
    }
    if (payment.contract_number.empty() && flow.amount_fen > c.options.contract_above_fen) {
      Add(alerts, "no_contract", payment.source.event_id, flow.amount_fen, {flow.sequence},
          absl::Substitute(Tr("disbursement $0 of $1 yuan to $2 has no contract number"),
                           payment.source.event_id, FormatFen(flow.amount_fen), flow.project_id));
    }
  }
}

void PayeeManyCounties(const Context& c, Alerts* alerts) {
  struct Paid {
    std::set<std::string> regions;
    std::vector<uint64_t> seqs;
    int64_t amount_fen = 0;
  };
  std::map<absl::string_view, Paid> by_payee;
  for (size_t d = 0; d < c.view.disbursements.size(); ++d) {
    const absl::string_view payee = c.view.disbursements[d].name;
    const v1::ProjectEntry* project =
        c.books.projects.FindProject(c.view.flow_disbursements[d].project_id);
    if (payee.empty() || project == nullptr) continue;
    Paid& paid = by_payee[payee];
    paid.regions.insert(project->region_code());
    paid.seqs.push_back(c.view.flow_disbursements[d].sequence);
    paid.amount_fen += c.view.flow_disbursements[d].amount_fen;
  }
  for (auto& [payee, paid] : by_payee) {
    if (paid.regions.size() <= static_cast<size_t>(c.options.payee_counties_max)) continue;
    Add(alerts, "payee_many_counties", payee, paid.amount_fen, std::move(paid.seqs),
        absl::Substitute(Tr("$0 was paid by projects in $1 regions: $2"), payee,
                         paid.regions.size(), absl::StrJoin(paid.regions, ", ")));
  }
}

void AllocationAfterAcceptance(const Context& c, Alerts* alerts) {
  for (size_t a = 0; a < c.view.allocations.size(); ++a) {
    const FlowAllocation& flow = c.view.flow_allocations[a];
    auto it = c.view.accepted.find(flow.project_id);
    if (flow.project_id.empty() || it == c.view.accepted.end() ||
        flow.effective_date <= it->second.date) {
      continue;
    }
    const Source& source = c.view.allocations[a].source;
    Add(alerts, "allocation_after_acceptance", source.event_id, flow.amount_fen,
        {it->second.sequence, source.sequence},
        absl::Substitute(Tr("allocation $0 of $1 yuan on $2 names project $3, accepted on $4"),
                         source.event_id, FormatFen(flow.amount_fen), flow.effective_date,
                         flow.project_id, it->second.date));
  }
}

struct Rule {
  const char* name;
  void (*check)(const Context&, Alerts*);
};

// The rules, in the order alerts are listed. no_evidence and no_contract
// come from one pass (PaperworkMissing), named by the first.
constexpr Rule kRules[] = {
    {"idle_funds", IdleFunds},
    {"project_overdue", ProjectOverdue},
    {"over_budget", OverBudget},
    {"no_evidence", PaperworkMissing},
    {"payee_many_counties", PayeeManyCounties},
    {"allocation_after_acceptance", AllocationAfterAcceptance},
};
constexpr const char* kRuleNames[] = {"idle_funds",  "project_overdue",     "over_budget",
                                      "no_evidence", "no_contract",         "payee_many_counties",
                                      "allocation_after_acceptance"};

absl::Status CheckOptions(const AlertOptions& options) {
  for (const std::string& rule : options.rules) {
    if (std::find(std::begin(kRuleNames), std::end(kRuleNames), rule) == std::end(kRuleNames)) {
      return UsageError(absl::Substitute(Tr("--rule must be one of $0 (got \"$1\")"),
                                         absl::StrJoin(kRuleNames, ", "),
                                         rule.substr(0, limits::kQuotedInputBytesMax)));
    }
  }
  if (options.idle_days < 1 || options.idle_days > limits::kAlertIdleDaysMax ||
      options.payee_counties_max < 1 || options.contract_above_fen < 0 ||
      options.contract_above_fen > limits::kAmountFenMax) {
    return UsageError(absl::Substitute(Tr("--idle-days must be 1..$0, --payee-counties at least "
                                          "1 and --contract-above an amount"),
                                       limits::kAlertIdleDaysMax));
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> AlertRuleNames() {
  return std::vector<std::string>(std::begin(kRuleNames), std::end(kRuleNames));
}

absl::StatusOr<v1::AlertsReport> BuildAlerts(const Ledger& ledger, const AlertOptions& options,
                                             const PointParameterNames& names) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(const MatchedPoint matched,
                   MatchAtPoint(ledger, options.point, names));
  const FoldedPoint& folded = matched.folded;
  const Books& books = folded.folded.books;
  const ViewEvents& view = matched.view;
  const FundFlow& flow = matched.flow;
  const std::string today =
      folded.at.as_of_date().empty() ? DateInChina(ledger.Now()) : folded.at.as_of_date();
  absl::CivilDay day;
  if (!absl::ParseCivilTime(today, &day)) return absl::InternalError("a date that is no date");
  const Context context{books, view, flow, options, day};
  Alerts alerts;
  for (const Rule& rule : kRules) rule.check(context, &alerts);
  const auto wanted = [&options](const std::string& rule) {
    return options.rules.empty() ||
           std::find(options.rules.begin(), options.rules.end(), rule) != options.rules.end();
  };
  v1::AlertsReport report;
  *report.mutable_at() = folded.at;
  report.set_as_of_date(today);
  report.mutable_thresholds()->set_idle_days(options.idle_days);
  report.mutable_thresholds()->set_contract_above_fen(options.contract_above_fen);
  report.mutable_thresholds()->set_payee_counties_max(options.payee_counties_max);
  const auto order = [](const std::string& rule) {
    return std::find(std::begin(kRuleNames), std::end(kRuleNames), rule) - std::begin(kRuleNames);
  };
  std::stable_sort(alerts.begin(), alerts.end(), [&order](const v1::Alert& a, const v1::Alert& b) {
    const uint64_t first_a = a.seqs().empty() ? 0 : a.seqs(0);
    const uint64_t first_b = b.seqs().empty() ? 0 : b.seqs(0);
    return std::make_tuple(order(a.rule()), first_a) < std::make_tuple(order(b.rule()), first_b);
  });
  for (v1::Alert& alert : alerts) {
    if (wanted(alert.rule())) *report.add_alerts() = std::move(alert);
  }
  return report;
}

std::string AlertsTable(const v1::AlertsReport& report, const TableStyle& style) {
  std::string out = absl::StrCat(PointHeading(report.at(), style), "\n");
  absl::StrAppend(&out, absl::Substitute(Tr("measured on $0; $1 alerts"), report.as_of_date(),
                                         report.alerts_size()),
                  "\n");
  Table table({Tr("rule"), Tr("subject"), Tr("amount"), Tr("events"), Tr("message")}, {2});
  for (const v1::Alert& alert : report.alerts()) {
    table.AddRow({alert.rule(), TerminalText(alert.subject()),
                  alert.amount_fen() == 0 ? "" : TableFigure(alert.amount_fen(), style.unit),
                  absl::StrJoin(alert.seqs(), ","), TerminalText(alert.message())});
  }
  return out + table.Render();
}

}  // namespace aidledger::app
