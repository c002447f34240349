// .xlsx import: workbooks written by libxlsxwriter (as Excel writes them:
// shared strings, numbers, dates as serials in a date format; and, in its
// constant-memory mode, inline strings) import as the very events of the
// clean UTF-8 CSV, with the same row rules and FILE:ROW errors.
#include "app/xlsx.h"

#include <xlsxwriter.h>
#include <zip.h>

#include "app/import.h"
#include "tests/ledger/ledger_fixture.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::IsOkAndHolds;
using testing::StatusIs;

TEST(ExcelNumberTextTest, IsThePlainDecimalOfTheStoredTextDigitForDigit) {
  EXPECT_EQ(app::ExcelNumberText("123456.78"), "123456.78");
  EXPECT_EQ(app::ExcelNumberText("1.2345E7"), "12345000");
  EXPECT_EQ(app::ExcelNumberText("9.238E+7"), "92380000");
  EXPECT_EQ(app::ExcelNumberText("-1.5E-3"), "-0.0015");
  EXPECT_EQ(app::ExcelNumberText("5E-1"), "0.5");
  EXPECT_EQ(app::ExcelNumberText("0.50"), "0.5");
  EXPECT_EQ(app::ExcelNumberText("00042"), "42");
  EXPECT_EQ(app::ExcelNumberText("-0"), "0");
  EXPECT_EQ(app::ExcelNumberText("0.30000000000000004"), "0.30000000000000004");
  // Not a number: as it is.
  EXPECT_EQ(app::ExcelNumberText("#N/A"), "#N/A");
  EXPECT_EQ(app::ExcelNumberText("1E999"), "1E999");
  EXPECT_EQ(app::ExcelNumberText(""), "");
}

TEST(ExcelSerialDateTest, CountsExcelsDaysInBothDateSystems) {
  EXPECT_THAT(app::ExcelSerialDate("45356", false), IsOkAndHolds("2024-03-05"));
  EXPECT_THAT(app::ExcelSerialDate("4.5356E4", false), IsOkAndHolds("2024-03-05"));
  EXPECT_THAT(app::ExcelSerialDate("1", false), IsOkAndHolds("1900-01-01"));
  EXPECT_THAT(app::ExcelSerialDate("59", false), IsOkAndHolds("1900-02-28"));
  EXPECT_THAT(app::ExcelSerialDate("61", false), IsOkAndHolds("1900-03-01"));
  EXPECT_THAT(app::ExcelSerialDate("2958465", false), IsOkAndHolds("9999-12-31"));
  EXPECT_THAT(app::ExcelSerialDate("0", true), IsOkAndHolds("1904-01-01"));
  EXPECT_THAT(app::ExcelSerialDate("43894", true), IsOkAndHolds("2024-03-05"));
  // 1900-02-29, which Excel counts and the calendar has not; day 0; past 9999.
  for (const char* serial : {"60", "0", "-3", "2958466"}) {
    EXPECT_THAT(app::ExcelSerialDate(serial, false),
                testing::RejectedWith(v1::FIELD_INVALID, "is not a day of the calendar"))
        << serial;
  }
  EXPECT_THAT(app::ExcelSerialDate("45356.5", false),
              testing::RejectedWith(v1::FIELD_INVALID, "is a date with a time of day"));
}

TEST(IsExcelDateFormatTest, TellsDatesFromNumbersAsExcelDoes) {
  EXPECT_TRUE(app::IsExcelDateFormat(14, ""));
  EXPECT_TRUE(app::IsExcelDateFormat(31, ""));  // yyyy"年"m"月"d"日" in a Chinese Excel
  EXPECT_TRUE(app::IsExcelDateFormat(57, ""));
  EXPECT_FALSE(app::IsExcelDateFormat(0, ""));
  EXPECT_FALSE(app::IsExcelDateFormat(4, ""));  // #,##0.00
  EXPECT_TRUE(app::IsExcelDateFormat(164, "yyyy-mm-dd"));
  EXPECT_TRUE(app::IsExcelDateFormat(165, "[$-F800]dddd, mmmm dd, yyyy"));
  EXPECT_TRUE(app::IsExcelDateFormat(166, "yyyy\"年\"m\"月\"d\"日\""));
  EXPECT_FALSE(app::IsExcelDateFormat(167, "#,##0.00_);[Red](#,##0.00)"));
  EXPECT_FALSE(app::IsExcelDateFormat(168, "\"days\" 0"));
  EXPECT_FALSE(app::IsExcelDateFormat(169, "0.00E+00"));
  EXPECT_FALSE(app::IsExcelDateFormat(170, "\\d0"));
}

// One row of a sheet: each cell a string, a number or a date (y, m, d), or
// nothing.
struct Cell {
  enum Kind { kNone, kText, kNumber, kDate } kind = kNone;
  std::string text;
  double number = 0;
  int y = 0, m = 0, d = 0;
};
Cell T(std::string text) { return {Cell::kText, std::move(text)}; }
Cell N(double number) { return {Cell::kNumber, "", number}; }
Cell D(int y, int m, int d) { return {Cell::kDate, "", 0, y, m, d}; }
Cell E() { return {}; }

struct Sheet {
  std::string name;
  std::vector<std::vector<Cell>> rows;  // from row 1
};

// Writes `sheets` as a workbook at `path`, as Excel would (or, with
// `inline_strings`, as libxlsxwriter's constant-memory mode does).
void WriteWorkbook(const std::string& path, const std::vector<Sheet>& sheets,
                   bool inline_strings = false) {
  lxw_workbook_options options = {};
  options.constant_memory = inline_strings ? LXW_TRUE : LXW_FALSE;
  lxw_workbook* workbook = workbook_new_opt(path.c_str(), &options);
  ASSERT_NE(workbook, nullptr);
  lxw_format* date = workbook_add_format(workbook);
  format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
  for (const Sheet& sheet : sheets) {
    lxw_worksheet* worksheet = workbook_add_worksheet(workbook, sheet.name.c_str());
    for (size_t r = 0; r < sheet.rows.size(); ++r) {
      for (size_t c = 0; c < sheet.rows[r].size(); ++c) {
        const Cell& cell = sheet.rows[r][c];
        const auto row = static_cast<lxw_row_t>(r);
        const auto col = static_cast<lxw_col_t>(c);
        if (cell.kind == Cell::kText) worksheet_write_string(worksheet, row, col, cell.text.c_str(), nullptr);
        if (cell.kind == Cell::kNumber) worksheet_write_number(worksheet, row, col, cell.number, nullptr);
        if (cell.kind == Cell::kDate) {
          lxw_datetime when = {cell.y, cell.m, cell.d, 0, 0, 0};
          worksheet_write_datetime(worksheet, row, col, &when, date);
        }
      }
    }
  }
  ASSERT_EQ(workbook_close(workbook), LXW_NO_ERROR);
}

class XlsxImportTest : public testing::LedgerFixture {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    return WriteFile(name, text);
  }
  absl::StatusOr<app::ImportReport> Import(const std::string& path, app::ImportOptions options = {}) {
    options.actor = "importer";
    return app::ImportFile(*ledger_, path, options);
  }
  // The rows of the clean CSV below, as a clerk's sheet has them: Chinese
  // headers, a column of the office's own, amounts as numbers, dates as
  // dates (and one typed as text), empty cells left out, and a row of
  // nothing at the end.
  Sheet ClerksSheet(const std::string& name) {
    return {name,
            {{T("类型"), T("事件编号"), T("生效日期"), T("帮扶方代码"), T("受援方代码"),
              T("项目所在地区代码"), T("金额"), T("备注"), T("经办人")},
             {T("allocation"), T("x-1"), D(2023, 3, 5), N(370200), N(621100), E(), N(123456.78),
              T("定西 第一批"), T("王敏")},
             {T("sale"), E(), D(2023, 12, 1), E(), E(), N(621102), N(92380000), E(), T("王敏")},
             {T("sale"), E(), T("2023/3/5"), E(), E(), N(621102), N(0.5)},
             {T("sale"), E(), D(2024, 2, 29), E(), E(), T("621102"), T("１２"), T(" 消费帮扶 ")},
             {E(), E(), T(" ")}}};
  }
  static constexpr char kCleanCsv[] =
      "type,event_id,effective_date,helper_code,recipient_code,region_code,amount,memo\n"
      "allocation,x-1,2023-03-05,370200,621100,,123456.78,定西 第一批\n"
      "sale,,2023-12-01,,,621102,92380000,\n"
      "sale,,2023-03-05,,,621102,0.50,\n"
      "sale,,2024-02-29,,,621102,12,消费帮扶\n";
};

// Imported from the workbook and then from the clean CSV, every row is a
// repeat of itself: the same fields, so the same content ids.
TEST_F(XlsxImportTest, AClerksWorkbookIsTheSameEventsAsTheCleanCsv) {
  AddQingdaoBasics();
  for (bool inline_strings : {false, true}) {
    SCOPED_TRACE(inline_strings ? "inline strings" : "shared strings");
    const std::string name = inline_strings ? "inline.XLSX" : "clerk.xlsx";
    const std::string path = dir_.Sub(name);
    WriteWorkbook(path, {ClerksSheet("2023年")}, inline_strings);
    const uint64_t head = ledger_->head().sequence;
    absl::StatusOr<app::ImportReport> report =
        Import(path, {.ignore_columns = {"经办人"}});
    ASSERT_THAT(report, IsOk());
    EXPECT_EQ(report->sheet, "2023年");
    EXPECT_EQ(report->encoding, "");
    EXPECT_EQ(report->rows, 4u);
    EXPECT_EQ(report->rejected, 0u) << (report->errors.empty() ? "" : report->errors[0]);
    EXPECT_EQ(report->appended, inline_strings ? 0u : 4u);
    EXPECT_EQ(ledger_->head().sequence, head + report->appended);
  }
  absl::StatusOr<app::ImportReport> csv = Import(Write("clean.csv", kCleanCsv));
  ASSERT_THAT(csv, IsOk());
  EXPECT_EQ(csv->duplicates, 4u) << (csv->errors.empty() ? "" : csv->errors[0]);
  EXPECT_EQ(csv->appended, 0u);
  EXPECT_EQ(ledger_->books().regions.FindRegion("621102")->own().sales_fen(), 9'238'001'250LL);
}

// --sheet reads another sheet; one that is not there is refused naming
// those that are. A bad row is FILE:ROW as the sheet numbers it, and the
// batch is written not at all.
TEST_F(XlsxImportTest, SheetsByNameAndBadRowsByTheirSheetRow) {
  AddQingdaoBasics();
  Sheet second = ClerksSheet("第二季度");
  // Rows 1-6 as above (6 only a space), then nothing in row 7, and at row 8
  // a date with a time of day as a bare number.
  second.rows.push_back({});
  second.rows.push_back({T("sale"), E(), N(45356.5), E(), E(), N(621102), N(1)});
  const std::string path = dir_.Sub("book.xlsx");
  WriteWorkbook(path, {ClerksSheet("第一季度"), second});
  const uint64_t head = ledger_->head().sequence;
  absl::StatusOr<app::ImportReport> report =
      Import(path, {.ignore_columns = {"经办人"}, .sheet = "第二季度"});
  ASSERT_THAT(report, IsOk());
  EXPECT_EQ(report->sheet, "第二季度");
  EXPECT_EQ(report->rows, 5u);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0],
            path + ":8: effective_date: must be a date like 2024-03-05, 2024-3-5, 2024/3/5, "
                   "2024.3.5 or 2024年3月5日 (got \"45356.5\")");
  EXPECT_EQ(ledger_->head().sequence, head);
  EXPECT_THAT(Import(path, {.sheet = "第三季度"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("has no sheet named 第三季度; its sheets: 第一季度, 第二季度")));
  EXPECT_THAT(Import(path, {.encoding = "gb18030"}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("--encoding")));
  EXPECT_THAT(Import(Write("x.csv", kCleanCsv), {.sheet = "第一季度"}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("--sheet")));
}

// A date-formatted cell holding a time of day is the row's rejection,
// naming the cell; a file that is no workbook is refused whole.
TEST_F(XlsxImportTest, ADateWithATimeIsRefusedNamingItsCellAndAnyOtherFileWhole) {
  AddQingdaoBasics();
  const std::string path = dir_.Sub("time.xlsx");
  lxw_workbook* workbook = workbook_new(path.c_str());
  lxw_worksheet* sheet = workbook_add_worksheet(workbook, nullptr);
  lxw_format* when = workbook_add_format(workbook);
  format_set_num_format(when, "yyyy-mm-dd hh:mm");
  const char* header[] = {"type", "effective_date", "region_code", "amount"};
  for (int c = 0; c < 4; ++c) worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), header[c], nullptr);
  lxw_datetime noon = {2024, 3, 5, 12, 0, 0};
  worksheet_write_string(sheet, 1, 0, "sale", nullptr);
  worksheet_write_datetime(sheet, 1, 1, &noon, when);
  worksheet_write_number(sheet, 1, 2, 621102, nullptr);
  worksheet_write_number(sheet, 1, 3, 1, nullptr);
  ASSERT_EQ(workbook_close(workbook), LXW_NO_ERROR);
  absl::StatusOr<app::ImportReport> report = Import(path);
  ASSERT_THAT(report, IsOk());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0], path + ":2: B2: is a date with a time of day (serial 45356.5); "
                                      "give the date alone");
  EXPECT_THAT(Import(Write("fake.xlsx", "type,amount\nsale,1\n")),
              testing::RejectedWith(v1::FIELD_INVALID, "is not an xlsx workbook"));
}

// A workbook of raw parts: `sheet` and `styles` as given, in the fixed
// frame every workbook has.
void WriteRawWorkbook(const std::string& path, const std::string& sheet,
                      const std::string& styles) {
  const std::string workbook =
      "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
      "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
      "<sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
  const std::string relationships =
      "<Relationships><Relationship Id=\"rId1\" Type=\"x/worksheet\" "
      "Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"x/styles\" "
      "Target=\"styles.xml\"/></Relationships>";
  int error = 0;
  zip_t* zip = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(zip, nullptr);
  for (const auto& [name, text] : {std::pair<const char*, const std::string*>{"xl/workbook.xml", &workbook},
                                   {"xl/_rels/workbook.xml.rels", &relationships},
                                   {"xl/worksheets/sheet1.xml", &sheet},
                                   {"xl/styles.xml", &styles}}) {
    zip_source_t* source = zip_source_buffer(zip, text->data(), text->size(), 0);
    ASSERT_GE(zip_file_add(zip, name, source, ZIP_FL_OVERWRITE), 0);
  }
  ASSERT_EQ(zip_close(zip), 0);
}

// A hostile workbook meets a named limit, not the memory's: a row past
// Excel's last column, styles with more cell formats than Excel allows.
TEST_F(XlsxImportTest, AWorkbookPastExcelsBoundsIsRefused) {
  const std::string path = dir_.Sub("wide.xlsx");
  std::string row = "<row r=\"1\">";
  for (size_t i = 0; i <= app::kXlsxColumnsMax; ++i) row += "<c t=\"inlineStr\"><is><t>x</t></is></c>";
  WriteRawWorkbook(path, "<worksheet><sheetData>" + row + "</row></sheetData></worksheet>",
                   "<styleSheet/>");
  EXPECT_THAT(Import(path), testing::RejectedWith(v1::FIELD_INVALID, "past column XFD"));
  std::string formats = "<styleSheet><cellXfs>";
  for (size_t i = 0; i <= app::kXlsxCellFormatsMax; ++i) formats += "<xf/>";
  WriteRawWorkbook(path, "<worksheet><sheetData/></worksheet>", formats + "</cellXfs></styleSheet>");
  EXPECT_THAT(Import(path), testing::RejectedWith(v1::FIELD_TOO_LONG, "more than 64000 cell formats"));
  // A refusal that lists the sheets quotes a few of them, not all.
  std::vector<Sheet> many;
  for (int i = 0; i < 20; ++i) many.push_back({absl::StrCat("第", i, "季度汇总表"), {}});
  const std::string book = dir_.Sub("many.xlsx");
  WriteWorkbook(book, many);
  absl::StatusOr<app::ImportReport> missing = Import(book, {.sheet = "年度"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(std::string(missing.status().message()),
              ::testing::HasSubstr("its sheets: 第0季度汇总表, 第1季度汇总表, 第2季度汇总表"));
  EXPECT_THAT(std::string(missing.status().message()), ::testing::EndsWith("第7季度汇总表, ..."));
}

}  // namespace
}  // namespace aidledger
