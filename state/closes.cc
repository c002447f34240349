#include "state/closes.h"

#include "absl/strings/str_cat.h"
#include "base/proto_bytes.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "state/period_report.h"

namespace aidledger {

absl::StatusOr<std::string> YearReportSha256(const Books& books, int32_t year) {
  const std::string from = absl::StrCat(year, "-01"), to = absl::StrCat(year, "-12");
  ASSIGN_OR_RETURN(PeriodReportQuery query,
                   ParsePeriodReportQuery("", "", "year", from, to, "", false));
  ASSIGN_OR_RETURN(v1::RegionPeriodReport report, RegionPeriodReport(books, query));
  report.clear_at();
  return Hex(Sha256({SerializeDeterministic(report)}));
}

std::string CloseSigningMessage(int32_t year, uint64_t sequence, absl::string_view head_hash,
                                absl::string_view merkle_root, absl::string_view report_sha256) {
  return absl::StrCat("aidledger close v1\nyear ", year, "\nsequence ", sequence, "\nhead_hash ",
                      head_hash, "\nmerkle_root ", merkle_root, "\nreport_sha256 ",
                      report_sha256, "\n");
}

std::string CloseSigningMessage(const v1::ClosedYear& close) {
  return CloseSigningMessage(close.year(), close.sequence(), close.head_hash(),
                             close.merkle_root(), close.report_sha256());
}

}  // namespace aidledger
