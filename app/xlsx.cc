#include "app/xlsx.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "absl/time/civil_time.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"

namespace aidledger::app {
namespace {

// What a member is read in: a chunk, parsed before the next is read.
constexpr size_t kChunkBytes = 64 * 1024;

// A workbook's part that is not as the format says: the file's refusal.
absl::Status NotAWorkbook(const std::string& path, absl::string_view detail) {
  return Rejected(v1::FIELD_INVALID, path, absl::Substitute(Tr("is not an xlsx workbook: $0"), detail));
}

// The local part of an expat name read with namespaces ("uri|local").
absl::string_view LocalName(const char* name) {
  absl::string_view view(name);
  const size_t bar = view.rfind('|');
  return bar == absl::string_view::npos ? view : view.substr(bar + 1);
}

// The value of the attribute whose local name is `local` (with a namespace
// when `namespaced`: r:id, not id), or null.
const char* Attribute(const char** attributes, absl::string_view local, bool namespaced = false) {
  for (size_t i = 0; attributes[i] != nullptr; i += 2) {
    absl::string_view name(attributes[i]);
    const bool has_namespace = name.find('|') != absl::string_view::npos;
    if (has_namespace == namespaced && LocalName(attributes[i]) == local) return attributes[i + 1];
  }
  return nullptr;
}

// A handler of one part's XML events. An error it meets is kept in
// `status`, and the parse stops there.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void Start(absl::string_view name, const char** attributes) = 0;
  virtual void End(absl::string_view name) = 0;
  virtual void Text(absl::string_view text) = 0;
  absl::Status status;
};

// One member of the archive, parsed a chunk at a time into a handler.
class XmlMember {
 public:
  ~XmlMember() {
    if (parser_ != nullptr) XML_ParserFree(parser_);
    if (file_ != nullptr) zip_fclose(file_);
  }

  // Opens `name` in `zip` for `handler`; kNotFound when it is not there.
  absl::Status Open(zip_t* zip, const std::string& name, const std::string& path,
                    XmlHandler* handler) {
    name_ = name;
    path_ = path;
    handler_ = handler;
    file_ = zip_fopen(zip, name.c_str(), 0);
    if (file_ == nullptr) return absl::NotFoundError(name);
    parser_ = XML_ParserCreateNS(nullptr, '|');
    if (parser_ == nullptr) return absl::ResourceExhaustedError("expat could not start");
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &XmlMember::OnStart, &XmlMember::OnEnd);
    XML_SetCharacterDataHandler(parser_, &XmlMember::OnText);
    // A workbook's XML has no document type; one would only bring entities.
    XML_SetStartDoctypeDeclHandler(parser_, &XmlMember::OnDoctype);
    return absl::OkStatus();
  }

  // Parses the next chunk. False once the member is parsed whole.
  absl::StatusOr<bool> Feed() {
    if (done_) return false;
    char chunk[kChunkBytes];
    const zip_int64_t got = zip_fread(file_, chunk, sizeof(chunk));
    if (got < 0) {
      return NotAWorkbook(path_, absl::StrCat(name_, " cannot be read: ", zip_file_strerror(file_)));
    }
    read_ += static_cast<size_t>(got);
    if (read_ > kXlsxMemberBytesMax) {
      return NotAWorkbook(path_, absl::StrCat(name_, " is larger than ", kXlsxMemberBytesMax,
                                              " bytes uncompressed"));
    }
    done_ = got == 0;
    if (XML_Parse(parser_, chunk, static_cast<int>(got), done_) != XML_STATUS_OK) {
      RETURN_IF_ERROR(handler_->status);
      return NotAWorkbook(path_, absl::StrCat(name_, " line ", XML_GetCurrentLineNumber(parser_),
                                              ": ", XML_ErrorString(XML_GetErrorCode(parser_))));
    }
    return !done_;
  }

  // Parses the member whole.
  absl::Status ParseAll() {
    while (true) {
      ASSIGN_OR_RETURN(bool more, Feed());
      if (!more) return absl::OkStatus();
    }
  }

 private:
  static void OnStart(void* self, const char* name, const char** attributes) {
    static_cast<XmlMember*>(self)->Dispatch([&](XmlHandler* h) { h->Start(LocalName(name), attributes); });
  }
  static void OnEnd(void* self, const char* name) {
    static_cast<XmlMember*>(self)->Dispatch([&](XmlHandler* h) { h->End(LocalName(name)); });
  }
  static void OnText(void* self, const char* text, int length) {
    static_cast<XmlMember*>(self)->Dispatch(
        [&](XmlHandler* h) { h->Text(absl::string_view(text, static_cast<size_t>(length))); });
  }
  static void OnDoctype(void* self, const char*, const char*, const char*, int) {
    auto* member = static_cast<XmlMember*>(self);
    member->handler_->status = NotAWorkbook(member->path_, member->name_ + " has a DOCTYPE");
    XML_StopParser(member->parser_, XML_FALSE);
  }
  template <typename F>
  void Dispatch(F call) {
    if (!handler_->status.ok()) return;
    call(handler_);
    if (!handler_->status.ok()) XML_StopParser(parser_, XML_FALSE);
  }

  std::string name_, path_;
  XmlHandler* handler_ = nullptr;
  zip_file_t* file_ = nullptr;
  XML_Parser parser_ = nullptr;
  size_t read_ = 0;
  bool done_ = false;
};

// xl/workbook.xml: the sheets in order, and the date system.
struct WorkbookHandler : XmlHandler {
  struct Sheet {
    std::string name, relationship;
  };
  void Start(absl::string_view name, const char** attributes) override {
    if (name == "sheet") {
      const char* sheet_name = Attribute(attributes, "name");
      const char* id = Attribute(attributes, "id", /*namespaced=*/true);
      if (sheet_name != nullptr && id != nullptr) sheets.push_back({sheet_name, id});
      if (sheets.size() > kXlsxSheetsMax) {
        status = Rejected(v1::FIELD_TOO_LONG, "xlsx",
                          absl::Substitute(Tr("the workbook has more than $0 sheets"), kXlsxSheetsMax));
      }
    } else if (name == "workbookPr") {
      const char* value = Attribute(attributes, "date1904");
      date1904 = value != nullptr && (absl::string_view(value) == "1" ||
                                      absl::string_view(value) == "true");
    }
  }
  void End(absl::string_view) override {}
  void Text(absl::string_view) override {}
  std::vector<Sheet> sheets;
  bool date1904 = false;
};

// xl/_rels/workbook.xml.rels: relationship id -> part, and the parts of
// the shared strings and the styles.
struct RelationshipsHandler : XmlHandler {
  void Start(absl::string_view name, const char** attributes) override {
    if (name != "Relationship") return;
    const char* id = Attribute(attributes, "Id");
    const char* type = Attribute(attributes, "Type");
    const char* target = Attribute(attributes, "Target");
    if (id == nullptr || type == nullptr || target == nullptr) return;
    // A target is relative to xl/, or absolute from the archive's root.
    std::string part = target[0] == '/' ? std::string(target + 1) : absl::StrCat("xl/", target);
    if (absl::EndsWith(type, "/sharedStrings")) shared_strings = part;
    if (absl::EndsWith(type, "/styles")) styles = part;
    targets[id] = std::move(part);
    if (targets.size() > kXlsxRelationshipsMax) {
      status = Rejected(v1::FIELD_TOO_LONG, "xlsx",
                        absl::Substitute(Tr("the workbook has more than $0 relationships"),
                                         kXlsxRelationshipsMax));
    }
  }
  void End(absl::string_view) override {}
  void Text(absl::string_view) override {}
  std::map<std::string, std::string> targets;
  std::string shared_strings, styles;
};

// The shared strings: each <si>'s text runs, without phonetic guides (<rPh>).
struct SharedStringsHandler : XmlHandler {
  void Start(absl::string_view name, const char**) override {
    if (name == "si") current.clear();
    if (name == "rPh") ++phonetic;
    if (name == "t" && phonetic == 0) in_text = true;
  }
  void End(absl::string_view name) override {
    if (name == "rPh") --phonetic;
    if (name == "t") in_text = false;
    if (name == "si" && Hold(sizeof(std::string))) strings.push_back(std::move(current));
  }
  void Text(absl::string_view text) override {
    if (in_text && Hold(text.size())) current.append(text.data(), text.size());
  }
  // Counts `bytes` more held; false (and the status) past the limit.
  bool Hold(size_t bytes) {
    held += bytes;
    if (held <= kXlsxSharedStringsBytesMax) return true;
    status = Rejected(v1::FIELD_TOO_LONG, "xlsx",
                      absl::Substitute(Tr("the shared strings take more than $0 bytes"),
                                       kXlsxSharedStringsBytesMax));
    return false;
  }
  std::vector<std::string> strings;
  std::string current;
  size_t held = 0;
  int phonetic = 0;
  bool in_text = false;
};

// xl/styles.xml: for each cell format (<cellXfs><xf>), whether it shows a date.
struct StylesHandler : XmlHandler {
  void Start(absl::string_view name, const char** attributes) override {
    if (name == "numFmt") {
      const char* id = Attribute(attributes, "numFmtId");
      const char* code = Attribute(attributes, "formatCode");
      int number = 0;
      if (id != nullptr && code != nullptr && absl::SimpleAtoi(id, &number)) codes[number] = code;
      if (codes.size() > kXlsxNumberFormatsMax) status = TooMany("number formats", kXlsxNumberFormatsMax);
    } else if (name == "cellXfs") {
      in_cell_formats = true;
    } else if (name == "xf" && in_cell_formats) {
      const char* id = Attribute(attributes, "numFmtId");
      int number = 0;
      if (id == nullptr || !absl::SimpleAtoi(id, &number)) number = 0;
      format_ids.push_back(number);
      if (format_ids.size() > kXlsxCellFormatsMax) status = TooMany("cell formats", kXlsxCellFormatsMax);
    }
  }
  static absl::Status TooMany(absl::string_view what, size_t max) {
    return Rejected(v1::FIELD_TOO_LONG, "xlsx",
                    absl::Substitute(Tr("the styles hold more than $0 $1"), max, what));
  }
  void End(absl::string_view name) override {
    if (name == "cellXfs") in_cell_formats = false;
  }
  void Text(absl::string_view) override {}
  std::map<int, std::string> codes;
  std::vector<int> format_ids;
  bool in_cell_formats = false;
};

// "AB12" -> 27 (0-based column), or -1.
int ColumnOf(absl::string_view reference) {
  int column = 0;
  size_t letters = 0;
  while (letters < reference.size() && absl::ascii_isupper(reference[letters])) {
    column = column * 26 + (reference[letters] - 'A' + 1);
    if (static_cast<size_t>(column) > kXlsxColumnsMax) return -1;
    ++letters;
  }
  return letters == 0 ? -1 : column - 1;
}

std::string ColumnName(size_t column) {
  std::string name;
  for (size_t n = column + 1; n > 0; n = (n - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return name;
}

}  // namespace

// The worksheet: rows as they complete, queued for Next. One chunk of XML
// completes at most a chunk's worth of rows, so the queue stays that small.
struct XlsxReader::State : XmlHandler {
  std::string path;
  std::string sheet_name;
  std::unique_ptr<zip_t, void (*)(zip_t*)> zip{nullptr, zip_discard};
  std::vector<std::string> shared;
  std::vector<bool> date_styles;  // per cell format
  bool date1904 = false;
  XmlMember sheet;

  struct Row {
    size_t number = 0;
    std::vector<std::string> cells;
    absl::Status malformed;  // the first cell that cannot be read as text
  };
  std::deque<Row> ready;
  Row row;
  size_t row_bytes = 0;
  size_t last_row = 0;
  size_t line = 0;  // of the row Next gave last
  // The cell being read.
  int column = -1, next_column = 0;
  std::string type;
  size_t style = 0;
  std::string value;
  bool in_value = false, in_inline = false, in_text = false;
  int phonetic = 0;

  void Start(absl::string_view name, const char** attributes) override {
    if (name == "row") {
      const char* number = Attribute(attributes, "r");
      size_t parsed = 0;
      row.number = number != nullptr && absl::SimpleAtoi(number, &parsed) ? parsed : last_row + 1;
      if (row.number <= last_row || row.number > kXlsxRowsMax) {
        status = Refuse(absl::StrCat("row ", row.number, " comes after row ", last_row));
        return;
      }
      row.cells.clear();
      row_bytes = 0;
      next_column = 0;
    } else if (name == "c") {
      const char* reference = Attribute(attributes, "r");
      column = reference != nullptr ? ColumnOf(reference) : next_column;
      if (column < next_column || static_cast<size_t>(column) >= kXlsxColumnsMax) {
        status = Refuse(absl::StrCat("row ", row.number, " has a cell out of order or past column XFD (",
                                     reference == nullptr ? "" : reference, ")"));
        return;
      }
      const char* t = Attribute(attributes, "t");
      type = t == nullptr ? "n" : t;
      const char* s = Attribute(attributes, "s");
      if (s == nullptr || !absl::SimpleAtoi(s, &style)) style = 0;
      value.clear();
    } else if (name == "v") {
      in_value = true;
    } else if (name == "is") {
      in_inline = true;
    } else if (name == "rPh") {
      ++phonetic;
    } else if (name == "t" && in_inline && phonetic == 0) {
      in_text = true;
    }
  }

  void End(absl::string_view name) override {
    if (name == "v") in_value = false;
    if (name == "is") in_inline = false;
    if (name == "rPh") --phonetic;
    if (name == "t") in_text = false;
    if (name == "c") EndCell();
    if (name == "row" && status.ok()) {
      last_row = row.number;
      if (!row.cells.empty() || !row.malformed.ok()) ready.push_back(std::move(row));
      row = Row();
    }
  }

  void Text(absl::string_view text) override {
    if (!in_value && !in_text) return;
    row_bytes += text.size();
    if (row_bytes > limits::kImportRecordBytesMax) {
      status = Rejected(v1::FIELD_TOO_LONG, absl::StrCat(path, ":", row.number),
                        absl::Substitute(Tr("the row is longer than $0 bytes; the import "
                                            "stops there"),
                                         limits::kImportRecordBytesMax));
      return;
    }
    value.append(text.data(), text.size());
  }

  void EndCell() {
    absl::StatusOr<std::string> text = CellText();
    if (!text.ok()) {
      status = text.status();
      return;
    }
    if (!text->empty()) {
      row.cells.resize(static_cast<size_t>(column) + 1);
      row.cells[static_cast<size_t>(column)] = *std::move(text);
    }
    next_column = column + 1;
  }

  // The cell's value as the clerk sees it (see xlsx.h).
  absl::StatusOr<std::string> CellText() {
    if (type == "s") {
      size_t index = 0;
      if (!absl::SimpleAtoi(value, &index) || index >= shared.size()) {
        return Refuse(absl::StrCat("cell ", ColumnName(column), row.number,
                                   " names shared string ", value, ", which is not there"));
      }
      return shared[index];
    }
    if (type == "b") return std::string(value == "1" ? "TRUE" : "FALSE");
    if (type != "n" || value.empty()) return std::move(value);  // str, inlineStr, e, d
    if (style < date_styles.size() && date_styles[style]) {
      absl::StatusOr<std::string> date = ExcelSerialDate(value, date1904);
      if (!date.ok()) {  // the row's rejection, naming the cell
        if (row.malformed.ok()) {
          row.malformed = Rejected(v1::FIELD_INVALID, absl::StrCat(ColumnName(column), row.number),
                                   absl::StripPrefix(date.status().message(),
                                                     absl::StrCat(FieldLabel("date"), ": ")));
        }
        return std::string();
      }
      return date;
    }
    return ExcelNumberText(value);
  }

  absl::Status Refuse(absl::string_view detail) { return NotAWorkbook(path, detail); }
};

XlsxReader::XlsxReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
XlsxReader::~XlsxReader() = default;

size_t XlsxReader::record_line() const { return state_->line; }
const std::string& XlsxReader::sheet_name() const { return state_->sheet_name; }

absl::StatusOr<bool> XlsxReader::Next(std::vector<std::string>* cells, absl::Status* malformed) {
  State& state = *state_;
  while (state.ready.empty()) {
    ASSIGN_OR_RETURN(bool more, state.sheet.Feed());
    RETURN_IF_ERROR(state.status);
    if (!more && state.ready.empty()) return false;
  }
  state.line = state.ready.front().number;
  cells->swap(state.ready.front().cells);
  *malformed = std::move(state.ready.front().malformed);
  state.ready.pop_front();
  return true;
}

namespace {

// Parses the whole member `name` into `handler`; kNotFound when absent.
absl::Status ParseMember(zip_t* zip, const std::string& name, const std::string& path,
                         XmlHandler* handler) {
  XmlMember member;
  RETURN_IF_ERROR(member.Open(zip, name, path, handler));
  RETURN_IF_ERROR(member.ParseAll());
  return handler->status;
}

// The sheet named `wanted` (empty: the first): its name and its part's.
absl::StatusOr<std::pair<std::string, std::string>> SheetPart(const std::string& path, const WorkbookHandler& workbook,
                                      const RelationshipsHandler& relationships,
                                      const std::string& wanted) {
  if (workbook.sheets.empty()) return NotAWorkbook(path, "it has no sheet");
  const WorkbookHandler::Sheet* chosen = &workbook.sheets.front();
  if (!wanted.empty()) {
    auto named = std::find_if(workbook.sheets.begin(), workbook.sheets.end(),
                              [&](const auto& sheet) { return sheet.name == wanted; });
    if (named == workbook.sheets.end()) {
      std::vector<std::string> names;
      for (const auto& sheet : workbook.sheets) {
        if (names.size() == kXlsxSheetsQuotedMax) {
          names.push_back("...");
          break;
        }
        names.push_back(sheet.name.substr(0, limits::kQuotedInputBytesMax));
      }
      return UsageError(absl::Substitute(Tr("$0 has no sheet named $1; its sheets: $2"), path,
                                         wanted.substr(0, limits::kQuotedInputBytesMax),
                                         absl::StrJoin(names, ", ")));
    }
    chosen = &*named;
  }
  auto target = relationships.targets.find(chosen->relationship);
  if (target == relationships.targets.end()) {
    return NotAWorkbook(path, absl::StrCat("sheet ", chosen->name, " has no part"));
  }
  return std::make_pair(chosen->name, target->second);
}

}  // namespace

absl::StatusOr<std::unique_ptr<XlsxReader>> XlsxReader::Open(const std::string& path,
                                                             const std::string& sheet) {
  auto state = std::make_unique<State>();
  state->path = path;
  int error = 0;
  state->zip.reset(zip_open(path.c_str(), ZIP_RDONLY, &error));
  if (state->zip == nullptr) {
    if (error == ZIP_ER_NOENT || error == ZIP_ER_OPEN) {
      return UsageError(absl::Substitute(Tr("cannot open $0"), path));
    }
    zip_error_t zip_error;
    zip_error_init_with_code(&zip_error, error);
    const std::string detail = zip_error_strerror(&zip_error);
    zip_error_fini(&zip_error);
    return NotAWorkbook(path, detail);
  }
  zip_t* zip = state->zip.get();
  WorkbookHandler workbook;
  RelationshipsHandler relationships;
  for (auto [name, handler] : {std::pair<const char*, XmlHandler*>{"xl/workbook.xml", &workbook},
                               {"xl/_rels/workbook.xml.rels", &relationships}}) {
    absl::Status parsed = ParseMember(zip, name, path, handler);
    if (absl::IsNotFound(parsed)) return NotAWorkbook(path, absl::StrCat("it has no ", name));
    RETURN_IF_ERROR(parsed);
  }
  ASSIGN_OR_RETURN(auto named_part, SheetPart(path, workbook, relationships, sheet));
  const std::string& part = named_part.second;
  state->sheet_name = named_part.first;
  state->date1904 = workbook.date1904;
  if (!relationships.shared_strings.empty()) {
    SharedStringsHandler strings;
    absl::Status parsed = ParseMember(zip, relationships.shared_strings, path, &strings);
    if (!absl::IsNotFound(parsed)) RETURN_IF_ERROR(parsed);
    state->shared = std::move(strings.strings);
  }
  if (!relationships.styles.empty()) {
    StylesHandler styles;
    absl::Status parsed = ParseMember(zip, relationships.styles, path, &styles);
    if (!absl::IsNotFound(parsed)) RETURN_IF_ERROR(parsed);
    for (int id : styles.format_ids) {
      auto code = styles.codes.find(id);
      state->date_styles.push_back(
          IsExcelDateFormat(id, code == styles.codes.end() ? "" : code->second));
    }
  }
  absl::Status opened = state->sheet.Open(zip, part, path, state.get());
  if (absl::IsNotFound(opened)) return NotAWorkbook(path, absl::StrCat("it has no ", part));
  RETURN_IF_ERROR(opened);
  return std::unique_ptr<XlsxReader>(new XlsxReader(std::move(state)));
}

absl::StatusOr<std::string> ExcelSerialDate(absl::string_view serial, bool date1904) {
  // Excel's last day, 9999-12-31, is serial 2,958,465 (1900 system).
  constexpr int64_t kLastSerial = 2'958'465;
  const std::string plain = ExcelNumberText(serial);  // "4.5356E4" is 45356
  if (plain.find('.') != std::string::npos) {
    return Rejected(v1::FIELD_INVALID, "date",
                    absl::Substitute(Tr("is a date with a time of day (serial $0); give the "
                                        "date alone"),
                                     serial.substr(0, limits::kQuotedInputBytesMax)));
  }
  int64_t day = 0;
  if (!absl::SimpleAtoi(plain, &day)) {
    return Rejected(v1::FIELD_INVALID, "date", absl::Substitute(Tr("is not a date serial ($0)"),
                                                            serial.substr(0, limits::kQuotedInputBytesMax)));
  }
  if (day < 0 || day > kLastSerial || (!date1904 && (day == 0 || day == 60))) {
    return Rejected(v1::FIELD_INVALID, "date",
                    absl::Substitute(Tr("is not a day of the calendar (serial $0)"),
                                     serial.substr(0, limits::kQuotedInputBytesMax)));
  }
  absl::CivilDay date;
  if (date1904) {
    date = absl::CivilDay(1904, 1, 1) + day;
  } else if (day < 60) {
    date = absl::CivilDay(1899, 12, 31) + day;
  } else {
    date = absl::CivilDay(1899, 12, 30) + day;  // past Excel's 1900-02-29
  }
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string ExcelNumberText(absl::string_view number) {
  absl::string_view rest = number;
  std::string sign;
  if (!rest.empty() && (rest[0] == '-' || rest[0] == '+')) {
    if (rest[0] == '-') sign = "-";
    rest.remove_prefix(1);
  }
  const size_t e = rest.find_first_of("eE");
  absl::string_view mantissa = rest.substr(0, e);
  int exponent = 0;
  if (e != absl::string_view::npos) {
    absl::string_view power = rest.substr(e + 1);
    if (!power.empty() && power[0] == '+') power.remove_prefix(1);
    // Beyond a double's exponents it is no number a sheet stores.
    if (!absl::SimpleAtoi(power, &exponent) || exponent < -400 || exponent > 400) {
      return std::string(number);
    }
  }
  const size_t point = mantissa.find('.');
  std::string digits(mantissa.substr(0, point));
  int whole = static_cast<int>(digits.size());
  if (point != absl::string_view::npos) absl::StrAppend(&digits, mantissa.substr(point + 1));
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) {
    return std::string(number);
  }
  whole += exponent;
  if (whole <= 0) {
    digits.insert(0, static_cast<size_t>(-whole) + 1, '0');
    whole = 1;
  } else if (static_cast<size_t>(whole) > digits.size()) {
    digits.append(static_cast<size_t>(whole) - digits.size(), '0');
  }
  std::string integer = digits.substr(0, static_cast<size_t>(whole));
  std::string fraction = digits.substr(static_cast<size_t>(whole));
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size() - 1));
  fraction.erase(fraction.find_last_not_of('0') + 1);
  if (integer == "0" && fraction.empty()) sign.clear();
  return fraction.empty() ? sign + integer : absl::StrCat(sign, integer, ".", fraction);
}

bool IsExcelDateFormat(int id, absl::string_view code) {
  if ((id >= 14 && id <= 22) || (id >= 27 && id <= 36) || (id >= 45 && id <= 47) ||
      (id >= 50 && id <= 58)) {
    return true;
  }
  if (id < 164) return false;  // the other built-in formats are numbers and text
  bool quoted = false, bracketed = false;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quoted) {
      quoted = c != '"';
    } else if (bracketed) {
      bracketed = c != ']';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      bracketed = true;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is shown as it is (or is padding)
    } else if (c == ';') {
      return false;  // only the first section decides
    } else if (absl::StrContains("ymdhsYMDHS", c)) {
      return true;
    }
  }
  return false;
}

}  // namespace aidledger::app
