#include "app/csv.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"

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
  int c = Get();
  // Spreadsheet programs write a byte-order mark first: read past it here,
  // as the stream comes (a pipe cannot seek back).
  if (!bom_checked_) {
    bom_checked_ = true;
    if (c == 0xEF && in_->rdbuf()->sgetc() == 0xBB) {
      Get();
      if (in_->rdbuf()->sgetc() == 0xBF) {
        Get();
        raw_.clear();
        c = Get();
      } else {
        in_->rdbuf()->sungetc();  // one byte back always works on a stream buffer
        raw_.pop_back();
      }
    }
  }
  // Skip blank lines between records.
  while (c == '\n' || c == '\r') {
    raw_.clear();
    c = Get();
  }
  if (c == EOF) return false;
  record_line_ = line_;
  auto bad = [this](absl::string_view why) {
    return Rejected(v1::FIELD_INVALID, absl::Substitute(Tr("line $0"), record_line_), why);
  };
  std::string field;
  bool quoted = false;       // inside a quoted field
  bool was_quoted = false;   // this field began with a quote
  while (true) {
    if (raw_.size() > limits::kImportRecordBytesMax) {
      return bad(absl::Substitute(Tr("record is longer than $0 bytes"), limits::kImportRecordBytesMax));
    }
    if (quoted) {
      if (c == EOF) return bad(Tr("a quoted field is not closed"));
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
      return bad(Tr("text follows a closing quote"));
    } else {
      field.push_back(static_cast<char>(c));
    }
    c = Get();
  }
}

namespace {

bool IsFormulaStart(char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; }

// [+-]digits[.digits]: a number a spreadsheet reads as one, not a formula.
bool IsPlainNumber(absl::string_view text) {
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  const size_t digits_start = i;
  while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == digits_start) return false;
  if (i < text.size() && text[i] == '.') {
    const size_t fraction_start = ++i;
    while (i < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == fraction_start) return false;
  }
  return i == text.size();
}

// Whether CsvField prefixes `text` with an apostrophe: it matches
// '*[=+\-@\t\r] and is not a plain number.
bool NeedsNeutralising(absl::string_view text) {
  const size_t first = text.find_first_not_of('\'');
  return first != absl::string_view::npos && IsFormulaStart(text[first]) && !IsPlainNumber(text);
}

}  // namespace

std::string CsvField(const std::string& text) {
  const bool neutralise = NeedsNeutralising(text);
  const bool quote = text.find_first_of(",\"\n\r") != std::string::npos;
  if (!neutralise && !quote) return text;
  std::string out;
  out.reserve(text.size() + 4);
  if (quote) out.push_back('"');
  if (neutralise) out.push_back('\'');
  for (char c : text) {
    if (quote && c == '"') out.push_back('"');
    out.push_back(c);
  }
  if (quote) out.push_back('"');
  return out;
}

void UnneutraliseCsvField(std::string* field) {
  if (!field->empty() && (*field)[0] == '\'' && NeedsNeutralising(absl::string_view(*field).substr(1))) {
    field->erase(0, 1);
  }
}

}  // namespace aidledger::app
