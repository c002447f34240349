// The rows of one sheet of an .xlsx workbook (Office Open XML, as Excel,
// WPS and LibreOffice save it), read through Debian's libzip and expat.
//
// A cell's text is what the clerk sees as its value: a shared or inline
// string as it is; a number as plain decimal text, exactly as the file
// stores it ("1.2345E7" is "12345000", never a float rounded again); a
// number in a date format as the date its serial counts to (YYYY-MM-DD,
// in the workbook's 1900 or 1904 system); TRUE/FALSE; a formula's cached
// value. The sheet is parsed as it is read, a chunk at a time; only the
// shared-strings table is held whole (bounded by kXlsxSharedStringsBytesMax).
#ifndef AIDLEDGER_APP_XLSX_H_
#define AIDLEDGER_APP_XLSX_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger::app {

// Bytes read out of one member of the archive, after decompression: a
// zip bomb stops here. It also bounds what expat buffers for one token (a
// tag with a huge attribute is held whole until it ends). A sheet of a
// million rows of eight cells is about 250 MB.
inline constexpr size_t kXlsxMemberBytesMax = size_t{1} << 30;
// The shared strings, held whole while the sheet is read: their text and
// 32 bytes for each string.
inline constexpr size_t kXlsxSharedStringsBytesMax = 256 << 20;
// Excel's own bounds on a workbook's cell formats and custom number formats.
inline constexpr size_t kXlsxCellFormatsMax = 64'000;
inline constexpr size_t kXlsxNumberFormatsMax = 1'000;
// A workbook's sheets and its parts' relationships (Excel's practical
// bound is memory; no office workbook comes near these).
inline constexpr size_t kXlsxSheetsMax = 4'096;
inline constexpr size_t kXlsxRelationshipsMax = 16'384;
// A refusal that lists the sheets quotes at most this many names.
inline constexpr size_t kXlsxSheetsQuotedMax = 8;
// Excel's own bounds: columns A..XFD, rows 1..1,048,576.
inline constexpr size_t kXlsxColumnsMax = 16'384;
inline constexpr size_t kXlsxRowsMax = 1'048'576;

class XlsxReader {
 public:
  // Opens the workbook at `path` and its sheet named `sheet` (empty: the
  // first). Refuses, naming the file, an archive that is not a workbook,
  // and a sheet that is not there (listing those that are).
  static absl::StatusOr<std::unique_ptr<XlsxReader>> Open(const std::string& path,
                                                          const std::string& sheet);
  ~XlsxReader();

  // The next row that has a cell (a sheet stores no empty rows): its cells
  // from column A, up to the last stored one. False at the end of the sheet.
  // A cell that has no text (a date serial with a time of day, or not a
  // day) makes the row a bad one: `*malformed` names the cell ("E5: ...").
  absl::StatusOr<bool> Next(std::vector<std::string>* cells, absl::Status* malformed);
  // The sheet's number of the last row (1-based, as Excel shows it).
  size_t record_line() const;
  // The name of the sheet read.
  const std::string& sheet_name() const;

 private:
  struct State;
  explicit XlsxReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// An Excel serial day as YYYY-MM-DD: in the 1900 system day 1 is
// 1900-01-01 and day 60 the 1900-02-29 Excel counts but the calendar has
// not (refused); in the 1904 system day 0 is 1904-01-01. A serial with a
// fraction (a time of day) is refused.
absl::StatusOr<std::string> ExcelSerialDate(absl::string_view serial, bool date1904);

// A number as a sheet stores it ("-1.2345E+3", "0.5") as plain decimal
// text ("-1234.5", "0.5"), digit for digit. Text that is not such a number
// comes back as it is.
std::string ExcelNumberText(absl::string_view number);

// Whether number format `id` (with `code`, its format string when custom)
// shows a date: the built-in date formats (14-22, and the East Asian
// 27-36, 50-58) or a custom format with y, m, d, h or s outside quotes,
// brackets and escapes.
bool IsExcelDateFormat(int id, absl::string_view code);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_XLSX_H_
