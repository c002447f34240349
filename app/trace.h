// The fund-flow trace (资金穿透) shared by the CLI (aidledger trace) and the
// server (GET /v1/trace): helper -> allocation -> recipient region ->
// project -> disbursements and investments, with what is still unspent at
// each node, disbursements matched to allocations by state/fund_flow.h's
// first-in-first-out rule.
#ifndef AIDLEDGER_APP_TRACE_H_
#define AIDLEDGER_APP_TRACE_H_

#include <string>

#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "app/queries.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// What to trace: exactly one of these.
struct TraceQuery {
  std::string allocation;  // an allocation's event_id: that allocation alone
  std::string project;     // the allocations that name or paid the project
  std::string region;      // the allocations to the region or below it, or that paid a project there
  std::string helper;      // the allocations from the helper or a region below it
  // Read every province's money instead of those the trace needs
  // (app/fund_view.h's ViewScope): the same trace, slower; the reference
  // the scoped read is tested against.
  bool whole_view = false;
};

// The trace at `point` (its at_seq, known_at and as_of; its projections are
// chosen here). Usage errors for a query that names none or several of its
// fields, or an allocation that is none in the view; kResourceExhausted for
// a trace of more than limits::kTraceNodesMax nodes.
absl::StatusOr<v1::TraceReport> BuildTrace(const Ledger& ledger, PointOptions point,
                                           const TraceQuery& query,
                                           const PointParameterNames& names = kPointParameters);

// The same trace's JSON, written as it is built: the bytes ToJson(report,
// true) prints for BuildTrace's report, without building that report (for
// GET /v1/trace and --format json, whose traces run to tens of megabytes).
// Written into a string SpareStrings kept, when there is one: a caller that
// answers many traces gives the JSON back to SpareStrings::Process() once
// sent.
absl::StatusOr<std::string> TraceJson(const Ledger& ledger, PointOptions point,
                                      const TraceQuery& query,
                                      const PointParameterNames& names = kPointParameters);

// The trace as an indented text tree, amounts in `style.unit`.
std::string TraceTable(const v1::TraceReport& report, const TableStyle& style);
// The same tree as a printable page (nested lists), no external assets.
std::string TraceHtml(const v1::TraceReport& report, const TableStyle& style);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_TRACE_H_
