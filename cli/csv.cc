#include "cli/csv.h"

#include "absl/strings/str_cat.h"
#include "ledger/errors.h"
#include "ledger/limits.h"

namespace aidledger::app {

int CsvReader::Get() {
  // The stream buffer directly: istream::get's sentry per character costs
  // more than the parsing.
  const int c = in_->rdbuf()->sbumpc();
  if (c == '\n') ++line_;
  if (c != EOF) raw_.push_back(static_cast<char>(c));
  return c;
}

absl::StatusOr<bool> CsvReader::Next(std::vector<std::string>* fields) {
  fields->clear();
  raw_.clear();
  // Skip blank lines between records.
  int c = Get();
  while (c == '\n' || c == '\r') {
    raw_.clear();
    c = Get();
  }
  if (c == EOF) return false;
  record_line_ = line_;
  auto bad = [this](absl::string_view why) {
    return Rejected(v1::FIELD_INVALID, absl::StrCat("line ", record_line_), why);
  };
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool was_quoted = false;   // this field began with a quote
  while (true) {
    if (raw_.size() > limits::kImportRecordBytesMax) {
      return bad(absl::StrCat("record is longer than ", limits::kImportRecordBytesMax, " bytes"));
    }
    if (quoted) {
      if (c == EOF) return bad("a quoted field is not closed");
      if (c == '"') {
        const int next = in_->rdbuf()->sgetc();
        if (next == '"') {
          Get();
          field.push_back('"');
        } else {
          quoted = false;
        }
      } else {
        field.push_back(static_cast<char>(c));
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',' || c == '\n' || c == EOF || (c == '\r' && in_->rdbuf()->sgetc() == '\n')) {
      fields->push_back(std::move(field));
      field.clear();
      was_quoted = false;
      if (c == '\r') c = Get();  // the \n of CRLF
      if (c == '\n' || c == EOF) {
        if (!raw_.empty() && raw_.back() == '\n') raw_.pop_back();
        if (!raw_.empty() && raw_.back() == '\r') raw_.pop_back();
        return true;
      }
    } else if (was_quoted) {
      return bad("text follows a closing quote");
    } else {
      field.push_back(static_cast<char>(c));
    }
    c = Get();
  }
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace aidledger::app
