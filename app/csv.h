// A CSV reader (RFC 4180): comma-separated fields, double-quoted fields may
// hold commas, newlines and "" for a quote; records end with LF or CRLF.
// Blank lines are skipped; a UTF-8 byte-order mark at the start is read past. Each record is bounded by
// limits::kImportRecordBytesMax.
#ifndef AIDLEDGER_APP_CSV_H_
#define AIDLEDGER_APP_CSV_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger::app {

// The UTF-8 byte-order mark every CSV aidledger writes begins with, so that
// Excel and WPS read the Chinese names as UTF-8 (the reader reads past it).
inline constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}

  // Reads the next record; false at the end of the input. A malformed
  // record (an unterminated quote, text after a closing quote, too long)
  // is a rejection naming its line.
  absl::StatusOr<bool> Next(std::vector<std::string>* fields);
  // The line on which the last record began (1-based).
  size_t record_line() const { return record_line_; }
  // The raw bytes of the last record.
  const std::string& raw() const { return raw_; }

 private:
  int Get();
  std::istream* in_;
  size_t line_ = 1;
  size_t record_line_ = 0;
  std::string raw_;
  bool bom_checked_ = false;
};

// A field for CSV output: neutralised against formula injection, then
// quoted when it needs it.
//
// Excel, WPS and LibreOffice run a cell that begins with =, +, -, @, a tab
// or a carriage return as a formula (=HYPERLINK(...) sends a click's data
// away). Following OWASP's advice such a text gets a leading apostrophe,
// which spreadsheets show as text; so does a text of apostrophes followed by
// one of those, so that the mapping can be undone exactly. A number
// (-1234, +5, -12.50) is left as it is: it stays a number.
std::string CsvField(const std::string& text);

// Undoes CsvField's neutralising of one field read back by import: "'=x"
// is "=x" again, and a field it would not have written stays as it is.
void UnneutraliseCsvField(std::string* field);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_CSV_H_
