#include "app/progress.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "app/csv.h"
#include "app/json_writer.h"
#include "app/output.h"
#include "base/amount.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/indicators.h"

namespace aidledger::app {
namespace {

absl::StatusOr<int32_t> ParseYear(const std::string& text) {
  int32_t year = 0;
  if (text.empty()) return UsageError(Tr("year is required (YYYY)"));
  if (text.size() != 4 || !absl::SimpleAtoi(text, &year) || year < limits::kTargetYearMin ||
      year > limits::kTargetYearMax) {
    return UsageError(absl::Substitute(Tr("year must be a year from $0 to $1 (got \"$2\")"),
                                       limits::kTargetYearMin, limits::kTargetYearMax,
                                       text.substr(0, limits::kQuotedInputBytesMax)));
  }
  return year;
}

std::string CsvRow(const std::vector<std::string>& fields) {
  std::vector<std::string> quoted;
  quoted.reserve(fields.size());
  for (const std::string& field : fields) quoted.push_back(CsvField(field));
  return absl::StrCat(absl::StrJoin(quoted, ","), "\r\n");
}

}  // namespace

std::string PercentText(int64_t per_mille) {
  return absl::StrCat(per_mille / 10, ".", per_mille % 10);
}

absl::StatusOr<v1::ProgressReport> ProgressOfBooks(const Books& books,
                                                   const ProgressOptions& options,
                                                   const v1::PointInTime& at) {
  ASSIGN_OR_RETURN(const int32_t year, ParseYear(options.year));
  absl::StatusOr<v1::ProgressReport> report = BuildProgress(
      books, {.year = year, .helper = options.helper, .recipient = options.recipient});
  if (!report.ok()) {
    return report.status().code() == absl::StatusCode::kNotFound
               ? UsageError(report.status().message())
               : report.status();
  }
  *report->mutable_at() = at;
  for (v1::ProgressRow& row : *report->mutable_rows()) {
    const v1::RegionEntry* helper = books.regions.FindRegion(row.helper_code());
    const v1::RegionEntry* recipient = books.regions.FindRegion(row.recipient_code());
    if (helper != nullptr) row.set_helper_name(helper->name());
    if (recipient != nullptr) row.set_recipient_name(recipient->name());
  }
  return report;
}

absl::StatusOr<v1::ProgressReport> ProgressAtPoint(const Ledger& ledger,
                                                   const ProgressOptions& options,
                                                   const PointParameterNames& names) {
  RETURN_IF_ERROR(ParseYear(options.year).status());
  PointOptions point = options.point;
  point.projections = kProgressProjections;
  ASSIGN_OR_RETURN(FoldedPoint folded, FoldAtPoint(ledger, point, names));
  return ProgressOfBooks(folded.folded.books, options, folded.at);
}

std::string ProgressJson(const v1::ProgressReport& report) {
  std::string out = "{\"at\":";
  AppendJson(report.at(), true, &out);
  out.append(",\"rows\":[");
  for (int i = 0; i < report.rows_size(); ++i) {
    const v1::ProgressRow& row = report.rows(i);
    absl::StrAppend(&out, i == 0 ? "" : ",", "{\"year\":", row.year(), ",\"helper_code\":");
    AppendJsonString(row.helper_code(), &out);
    out.append(",\"recipient_code\":");
    AppendJsonString(row.recipient_code(), &out);
    out.append(",\"indicator\":");
    AppendJsonString(IndicatorCode(row.indicator()), &out);
    out.append(",\"unit\":");
    AppendJsonString(std::string(IndicatorUnit(row.indicator())), &out);
    if (row.has_target()) absl::StrAppend(&out, ",\"target\":\"", row.target(), "\"");
    absl::StrAppend(&out, ",\"actual\":\"", row.actual(), "\"");
    if (row.has_completion_per_mille()) {
      absl::StrAppend(&out, ",\"completion_percent\":", PercentText(row.completion_per_mille()));
    }
    out.append(",\"target_history\":[");
    for (int j = 0; j < row.target_history_size(); ++j) {
      const v1::TargetRevision& revision = row.target_history(j);
      absl::StrAppend(&out, j == 0 ? "" : ",", "{\"value\":\"", revision.value(),
                      "\",\"effective_date\":");
      AppendJsonString(revision.effective_date(), &out);
      absl::StrAppend(&out, ",\"seq\":\"", revision.seq(), "\",\"reason\":");
      AppendJsonString(revision.reason(), &out);
      out.push_back('}');
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

std::string ProgressCsv(const v1::ProgressReport& report) {
  std::string out = "\xEF\xBB\xBF";  // a byte-order mark, as every CSV report
  out += CsvRow({"year", "helper_code", "helper_name", "recipient_code", "recipient_name",
                 "indicator", "unit", "target", "actual", "completion_percent",
                 "target_history"});
  for (const v1::ProgressRow& row : report.rows()) {
    std::vector<std::string> history;
    for (const v1::TargetRevision& revision : row.target_history()) {
      history.push_back(absl::StrCat(revision.value(), "@", revision.effective_date(), "#",
                                     revision.seq(), " ", revision.reason()));
    }
    out += CsvRow({absl::StrCat(row.year()), row.helper_code(), row.helper_name(),
                   row.recipient_code(), row.recipient_name(), IndicatorCode(row.indicator()),
                   std::string(IndicatorUnit(row.indicator())),
                   row.has_target() ? absl::StrCat(row.target()) : "",
                   absl::StrCat(row.actual()),
                   row.has_completion_per_mille() ? PercentText(row.completion_per_mille()) : "",
                   absl::StrJoin(history, " | ")});
  }
  return out;
}

std::string ProgressTable(const v1::ProgressReport& report, const TableStyle& style) {
  Table table({Tr("HELPER"), Tr("RECIPIENT"), Tr("INDICATOR"), Tr("TARGET"), Tr("ACTUAL"),
               Tr("COMPLETION"), Tr("TARGET HISTORY")},
              {3, 4, 5});
  for (const v1::ProgressRow& row : report.rows()) {
    std::vector<std::string> history;
    for (const v1::TargetRevision& revision : row.target_history()) {
      history.push_back(absl::Substitute(Tr("$0 from $1 (seq $2)"),
                                         IndicatorFigure(row.indicator(), revision.value()),
                                         revision.effective_date(), revision.seq()));
    }
    table.AddRow({absl::StrCat(row.helper_code(), " ", row.helper_name()),
                  absl::StrCat(row.recipient_code(), " ", row.recipient_name()),
                  IndicatorName(row.indicator()),
                  row.has_target() ? IndicatorFigure(row.indicator(), row.target()) : "—",
                  IndicatorFigure(row.indicator(), row.actual()),
                  row.has_completion_per_mille()
                      ? absl::StrCat(PercentText(row.completion_per_mille()), "%")
                      : "—",
                  absl::StrJoin(history, " → ")});
  }
  return absl::StrCat(PointOnly(report.at(), style),
                      absl::Substitute(Tr("; progress of $0 against the annual targets"),
                                       report.year()),
                      "\n", table.Render());
}

}  // namespace aidledger::app
