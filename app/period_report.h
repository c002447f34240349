// A period report as a finance office files it (issue 24): the Chinese
// layout (title, 编制单位, 报告期, 单位, Chinese column headers, 大写 of
// every total, 填表人 / 审核人 / 负责人), printed as a text table, CSV,
// a printable HTML page or an .xlsx workbook.
//
// In 万元 and 亿元 the printed figures are rounded with 舍位平衡
// (base/rounding.h): each one its exact value rounded down or up, the
// grand total rounded half away from zero, and every row, column and
// region subtree adding up as printed. The table and the HTML page show
// those; CSV, JSON and the workbook's cells keep the exact figures (the
// workbook shows them through a number format). 大写 is always exact.
#ifndef AIDLEDGER_APP_PERIOD_REPORT_H_
#define AIDLEDGER_APP_PERIOD_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aidledger/v1/projections.pb.h"
#include "base/amount.h"

namespace aidledger::app {

// What the flags put on the page around the figures.
struct ReportLayout {
  AmountUnit unit = AmountUnit::kYuan;  // yuan, wan or yi
  std::string title;                    // empty: the report's own title
  std::string unit_name;                // 编制单位
  std::string prepared_by, reviewed_by, approved_by;  // 填表人, 审核人, 负责人
  std::string point;                    // which point of the log the figures are at
};
// A name or a title on the page is at most this long.
inline constexpr size_t kReportLayoutTextBytesMax = 200;

struct ReportCell {
  int64_t fen = 0;    // exact
  int64_t shown = 0;  // rounded to the unit (舍位平衡); == fen in 元
  // A change in percent, in hundredths of a percent (1234 is 12.34%); a
  // percent cell without one has nothing to compare with (上年同期 zero).
  bool percent = false;
  std::optional<int64_t> basis_points;
  // A count in its row's unit (人, 家, ...), never rounded: fen and shown
  // hold it (an indicators report's rows other than money).
  bool count = false;
};

// The report laid out: what every format prints.
struct ReportGrid {
  std::string title, unit_name, period_text, unit_text;
  std::string row_header;  // what the rows are: 地区, or 帮扶方 (a helpers report)
  std::string sheet_name;  // the workbook's sheet
  // An indicators report's: each row has its own unit (计量单位), a column
  // after its name, and the heading's unit is the money rows' (金额单位).
  bool unit_column = false;
  struct Group {
    std::string name;  // "2022年1月", "2022年第一季度", "2022年", "合计"
    size_t columns = 0;
  };
  std::vector<Group> groups;
  std::vector<std::string> headers;  // per column: 拨付, 拨付上年同期, 拨付增减额, ...
  std::vector<std::string> keys;     // per column, for CSV: 2022-01_allocated_wan, ...
  struct Row {
    std::string code, name;
    // With unit_column: the row's unit as printed (万元, 人) and its word
    // for CSV (wan, people).
    std::string unit_text, unit_word;
    int depth = 0;  // below the report's top rows
    bool total = false;
    std::vector<ReportCell> cells;
  };
  std::vector<Row> rows;  // the region tree, then 合计 (an indicators report: none)
  // "拨付合计（大写）：人民币…" for every metric (an indicators report:
  // every money indicator's total)
  std::vector<std::string> daxie;
  // Lines after the table: the filters the figures are limited to
  // (统计范围), with a comparison to a close what 结账数 is
  // and the regions moved since; then the 以前年度调整 of the closed years
  // the report covers, one line each after a heading line.
  std::vector<std::string> notes;
  std::vector<std::string> signatures;  // "填表人：…", "审核人：…", "负责人：…"
  std::string point;
};

// Lays `report` out. kInvalidArgument when a rounding would take more
// figures than base/rounding.h allows (the message says to ask for fewer
// periods or regions, or 元).
absl::StatusOr<ReportGrid> RegionPeriodGrid(const v1::RegionPeriodReport& report,
                                            const ReportLayout& layout);

std::string ReportGridTable(const ReportGrid& grid, AmountUnit unit);
std::string ReportGridCsv(const ReportGrid& grid, AmountUnit unit);
std::string ReportGridHtml(const ReportGrid& grid, AmountUnit unit);
// Writes the workbook to `path` (one sheet); an error names the file.
absl::Status WriteReportGridXlsx(const ReportGrid& grid, AmountUnit unit, const std::string& path);

// A figure rounded to the unit, with the unit's fixed decimals (元 2, 万元
// 2, 亿元 4) and thousands separators: "1,126.74".
std::string FixedFigure(int64_t shown_fen, AmountUnit unit);
// The fen one printed step of `unit` is: 1 (元), 10,000 (万元), 1,000,000 (亿元).
int64_t UnitStepFen(AmountUnit unit);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_PERIOD_REPORT_H_
