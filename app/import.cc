#include "app/import.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <future>

#include "absl/container/flat_hash_map.h"
#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "app/csv.h"
#include "app/encoding.h"
#include "app/drafts.h"
#include "base/messages.h"
#include "app/json_check.h"
#include "app/json_fast.h"
#include "app/line_reader.h"
#include "app/xlsx.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/json_util.h"
#include "base/amount.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/proto_bytes.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// A row read from the file: its line, and why no draft could be built
// from it (ok: the draft is built).
struct Row {
  size_t line = 0;
  absl::Status status;
  // A reversal row's amount, as replay writes it (the negative of what it
  // takes back): the fen it says the target moves; 0 when it says none.
  int64_t reversal_takes_fen = 0;
};

// The event_id of a row that brings none, from its content: the draft's
// deterministic bytes and how many identical rows came before it in the
// file, so that inserting or removing other rows changes no id (ids from
// line numbers did: a row inserted at the top posted every row below it
// again). Remembers a 16-byte fingerprint per distinct row.
class ContentIds {
 public:
  // The id of `draft` (event_id empty), the next of its content.
  std::string Next(const v1::Event& draft) {
    const Hash content = Sha256({"aidledger import row\n", SerializeDeterministic(draft)});
    absl::uint128 key = 0;
    std::memcpy(&key, content.data(), sizeof(key));
    const uint64_t occurrence = ++seen_[key];
    return absl::StrCat(
        "rc-", Hex(Sha256({absl::string_view(reinterpret_cast<const char*>(content.data()),
                                             content.size()),
                           absl::StrCat(":", occurrence)}))
                   .substr(0, 32));
  }

 private:
  absl::flat_hash_map<absl::uint128, uint64_t> seen_;
};

// Reads rows one at a time from CSV or JSONL, in bounded memory.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Builds the next row's draft into `draft`, an empty message. False at
  // the end of the file. The status is for unreadable files only. A row
  // without an event_id gets one from ContentIds, and `*legacy_id` is the
  // id earlier builds derived for it from its line and bytes (empty
  // for a row with its own event_id).
  virtual absl::StatusOr<bool> Next(v1::Event* draft, Row* row, std::string* legacy_id) = 0;

 protected:
  // Gives `draft` its content id when it has no event_id.
  void AssignId(v1::Event* draft, size_t line, absl::string_view record,
                std::string* legacy_id) {
    legacy_id->clear();
    if (!draft->event_id().empty()) return;
    draft->set_event_id(ids_.Next(*draft));
    if (!record.empty()) *legacy_id = DerivedEventId(line, record);
  }

 private:
  ContentIds ids_;
};

absl::Status NotUtf8(const std::string& path, size_t line) {
  return Rejected(v1::FIELD_INVALID, absl::StrCat(path, ":", line),
                  Tr("the file is not valid UTF-8; save it as UTF-8, or import it with "
                     "--encoding gb18030"));
}

bool IsExportOnly(const std::string& column) {
  for (const char* name : kCsvExportOnlyColumns) {
    if (column == name) return true;
  }
  return false;
}

// `text` without the spaces around it, ASCII or ideographic (U+3000).
absl::string_view TrimCell(absl::string_view text) {
  constexpr absl::string_view kIdeographicSpace = "\xE3\x80\x80";
  while (true) {
    const absl::string_view before = text;
    text = absl::StripAsciiWhitespace(text);
    absl::ConsumePrefix(&text, kIdeographicSpace);
    absl::ConsumeSuffix(&text, kIdeographicSpace);
    if (text == before) return text;
  }
}

// The field a header cell names: its field name in any case, or its
// Chinese name (the catalog's translation of its field name, base/zh_CN.po,
// whatever the language shown), or an amount column with its unit
// (kCsvUnitColumns: `*fen` says its cells are whole fen); "" when it names
// none.
std::string ColumnField(absl::string_view cell, bool* fen) {
  const std::string lower = absl::AsciiStrToLower(cell);
  *fen = false;
  for (const CsvUnitColumn& column : kCsvUnitColumns) {
    if (lower == column.column) {
      *fen = column.fen;
      return column.field;
    }
  }
  for (const char* name : kCsvFieldColumns) {
    if (lower == name) return lower;
  }
  for (const char* name : kCsvExportOnlyColumns) {
    if (lower == name) return lower;
  }
  for (const char* name : kCsvFieldColumns) {
    if (cell == TrIn(Language::kChinese, name)) return name;
  }
  return "";
}

// The records of a table, one at a time: a CSV file's, or an xlsx sheet's.
class TableRecords {
 public:
  virtual ~TableRecords() = default;
  // The next record's cells; false at the end. A record that cannot be
  // read as cells (an unterminated quote, a date cell with a time) is a
  // bad row: true with `*malformed` saying why. The status refuses the
  // file (bytes that are no text, an archive that is not a workbook).
  virtual absl::StatusOr<bool> Next(std::vector<std::string>* cells, absl::Status* malformed) = 0;
  // The line (CSV) or sheet row (xlsx) of the last record.
  virtual size_t line() const = 0;
  // The record's bytes as earlier builds derived its id from them (CSV
  // only: they imported no sheet), else empty.
  virtual absl::string_view legacy_record() const = 0;
  // A sheet stores no empty cells at a row's end: a row shorter than the
  // header ends in empty cells. A CSV row of another width is refused.
  virtual bool short_rows_end_empty() const = 0;
};

class CsvRecords : public TableRecords {
 public:
  CsvRecords(std::istream* in, std::string path) : reader_(in), path_(std::move(path)) {}
  absl::StatusOr<bool> Next(std::vector<std::string>* cells, absl::Status* malformed) override {
    absl::StatusOr<bool> any = reader_.Next(cells);
    if (!any.ok()) {
      *malformed = any.status();
      return true;
    }
    if (*any && !IsValidUtf8(reader_.raw())) return NotUtf8(path_, reader_.record_line());
    // "'=x" as CsvField wrote it is "=x".
    for (std::string& cell : *cells) UnneutraliseCsvField(&cell);
    return *any;
  }
  size_t line() const override { return reader_.record_line(); }
  absl::string_view legacy_record() const override { return reader_.raw(); }
  bool short_rows_end_empty() const override { return false; }

 private:
  CsvReader reader_;
  std::string path_;
};

class XlsxRecords : public TableRecords {
 public:
  explicit XlsxRecords(std::unique_ptr<XlsxReader> reader) : reader_(std::move(reader)) {}
  absl::StatusOr<bool> Next(std::vector<std::string>* cells, absl::Status* malformed) override {
    return reader_->Next(cells, malformed);
  }
  size_t line() const override { return reader_->record_line(); }
  absl::string_view legacy_record() const override { return {}; }
  bool short_rows_end_empty() const override { return true; }

 private:
  std::unique_ptr<XlsxReader> reader_;
};

// The rows of a table with a header row: CSV or a sheet.
class TableSource : public RowSource {
 public:
  TableSource(std::unique_ptr<TableRecords> records, std::string path,
              std::vector<std::string> ignore)
      : records_(std::move(records)), path_(std::move(path)), ignore_(std::move(ignore)) {}

  absl::StatusOr<bool> Next(v1::Event* draft, Row* row, std::string* legacy_id) override {
    std::vector<std::string>& fields = fields_;
    absl::Status malformed;
    if (header_.empty()) {
      ASSIGN_OR_RETURN(bool any, NextNonEmpty(&fields, &malformed));
      if (!any) return false;
      RETURN_IF_ERROR(malformed);  // a header that cannot be read refuses the file
      RETURN_IF_ERROR(ReadHeader(fields));
    }
    ASSIGN_OR_RETURN(bool any, NextNonEmpty(&fields, &malformed));
    if (!any) return false;
    row->line = records_->line();
    if (!malformed.ok()) {
      row->status = std::move(malformed);
      return true;
    }
    if (fields.size() < header_.size() && records_->short_rows_end_empty()) {
      fields.resize(header_.size());
    }
    if (fields.size() != header_.size()) {
      row->status = Rejected(v1::FIELD_INVALID, "row",
                             absl::Substitute(Tr("has $0 fields, the header has $1"),
                                              fields.size(), header_.size()));
      return true;
    }
    std::string type;
    for (size_t i = 0; i < fields.size(); ++i) {
      const absl::string_view trimmed = TrimCell(fields[i]);
      if (trimmed.size() != fields[i].size()) fields[i] = std::string(trimmed);
      if (fen_columns_[i] && !fields[i].empty()) {
        absl::StatusOr<std::string> yuan = FenAsYuan(header_[i], fields[i]);
        if (!yuan.ok()) {
          row->status = yuan.status();
          return true;
        }
        fields[i] = *std::move(yuan);
      }
      if (header_[i] == "type") {
        type = fields[i];
      } else if (columns_[i] != map_.end()) {
        columns_[i]->second.swap(fields[i]);  // the old value's buffer is reused next row
      }
    }
    row->status = TakeReversalAmount(type, &row->reversal_takes_fen);
    if (!row->status.ok()) return true;
    row->status = FillDraftFromFields(type, map_, draft);
    if (row->status.ok()) AssignId(draft, row->line, records_->legacy_record(), legacy_id);
    return true;
  }

 private:
  // The next record with a cell that is not empty: a row of empty cells
  // (",,,," at the end of an Excel export) is no row.
  absl::StatusOr<bool> NextNonEmpty(std::vector<std::string>* fields, absl::Status* malformed) {
    while (true) {
      ASSIGN_OR_RETURN(bool any, records_->Next(fields, malformed));
      if (!any || !malformed->ok()) return any;
      if (std::any_of(fields->begin(), fields->end(),
                      [](const std::string& cell) { return !TrimCell(cell).empty(); })) {
        return true;
      }
    }
  }

  // A cell of an amount_fen or budget_fen column as the yuan its field
  // takes: "12345" is "123.45".
  static absl::StatusOr<std::string> FenAsYuan(const std::string& field, const std::string& cell) {
    int64_t fen = 0;
    if (cell.find_first_not_of("-0123456789") != std::string::npos ||
        !absl::SimpleAtoi(cell, &fen)) {
      return Rejected(v1::AMOUNT_INVALID, field,
                      absl::Substitute(Tr("must be a whole number of fen (got \"$0\")"),
                                       cell.substr(0, limits::kQuotedInputBytesMax)));
    }
    return PlainFen(fen);
  }

  // A reversal row's amount is no field of the reversal: replay writes the
  // negative of what it takes back, so that a column sums to the ledger's
  // figure. It is taken out of the row here, and SubmitBatch checks it
  // against the target (CheckReversalAmounts).
  absl::Status TakeReversalAmount(const std::string& type, int64_t* takes_fen) {
    *takes_fen = 0;
    absl::StatusOr<int> payload = ParseWord(kEventTypes, type);
    auto amount = map_.find("amount");
    if (!payload.ok() || *payload != v1::Event::kEventReversed || amount == map_.end() ||
        amount->second.empty()) {
      return absl::OkStatus();
    }
    std::string text;
    text.swap(amount->second);
    absl::StatusOr<int64_t> fen = absl::StartsWith(text, "-")
                                      ? ParseAmountFen(absl::string_view(text).substr(1))
                                      : absl::StatusOr<int64_t>(absl::InvalidArgumentError(""));
    if (!fen.ok()) {
      return Rejected(v1::AMOUNT_INVALID, "amount",
                      absl::Substitute(Tr("of a reversal is the negative of what it takes "
                                          "back, as replay writes it, or empty (got \"$0\")"),
                                       text.substr(0, limits::kQuotedInputBytesMax)));
    }
    *takes_fen = *fen;
    return absl::OkStatus();
  }

  // Reads the header row: each cell a field (ColumnField), a column to
  // ignore, or a refusal of the file naming the columns it does not know.
  absl::Status ReadHeader(const std::vector<std::string>& cells) {
    const std::string where = absl::StrCat(path_, ":", records_->line());
    std::vector<std::string> unknown;
    for (const std::string& cell : cells) {
      const absl::string_view name = TrimCell(cell);
      const bool ignored = std::any_of(ignore_.begin(), ignore_.end(), [&](const std::string& c) {
        return absl::EqualsIgnoreCase(TrimCell(c), name);
      });
      bool fen = false;
      std::string field = ignored ? "" : ColumnField(name, &fen);
      fen_columns_.push_back(fen);
      // A refusal quotes at most kUnknownColumnsQuotedMax names, each cut short.
      if (!ignored && field.empty() && unknown.size() <= kUnknownColumnsQuotedMax) {
        unknown.push_back(std::string(name.substr(0, limits::kQuotedInputBytesMax)));
      }
      if (!field.empty() && std::find(header_.begin(), header_.end(), field) != header_.end()) {
        return Rejected(v1::FIELD_INVALID, where,
                        absl::Substitute(Tr("the header names the column $0 twice"),
                                         FieldLabel(field)));
      }
      header_.push_back(field.empty() ? kIgnored : field);
    }
    if (!unknown.empty()) {
      if (unknown.size() > kUnknownColumnsQuotedMax) {
        unknown.resize(kUnknownColumnsQuotedMax);
        unknown.push_back("...");
      }
      const std::string names = absl::StrJoin(unknown, ",");
      return Rejected(v1::FIELD_UNKNOWN, where,
                      absl::Substitute(Tr("the header names columns the importer does not "
                                          "know: $0; to import without them, add "
                                          "--ignore-columns $0"),
                                       names));
    }
    if (std::find(header_.begin(), header_.end(), "type") == header_.end()) {
      return Rejected(v1::FIELD_MISSING, where, Tr("the header row has no `type` (类型) column"));
    }
    // One entry of `map_` per field column, reused by every row: every
    // row has every column, so each row overwrites every value.
    for (const std::string& name : header_) {
      columns_.push_back(name == "type" || name == kIgnored || IsExportOnly(name)
                             ? map_.end()
                             : map_.emplace(name, std::string()).first);
    }
    return absl::OkStatus();
  }

  static constexpr size_t kUnknownColumnsQuotedMax = 8;
  // A header_ entry for a column read past (no field has this name).
  static constexpr char kIgnored[] = " ignored";

  std::unique_ptr<TableRecords> records_;
  std::string path_;
  std::vector<std::string> ignore_;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;  // reused: its strings keep their buffers
  FieldMap map_;
  std::vector<FieldMap::iterator> columns_;  // per header column, or map_.end()
  std::vector<bool> fen_columns_;            // per header column: amount_fen, budget_fen
};

class JsonlSource : public RowSource {
 public:
  JsonlSource(std::istream* in, std::string path)
      : lines_(in, limits::kImportRecordBytesMax), path_(std::move(path)) {}

  absl::StatusOr<bool> Next(v1::Event* draft, Row* row, std::string* legacy_id) override {
    std::string& line = line_;
    while (true) {
      ASSIGN_OR_RETURN(bool more, ReadLine(&line));
      if (!more) return false;
      ++line_number_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line_number_ == 1 && absl::StartsWith(line, kUtf8Bom)) line.erase(0, kUtf8Bom.size());
      if (!absl::StripAsciiWhitespace(line).empty()) break;
    }
    row->line = line_number_;
    if (!IsValidUtf8(line)) return NotUtf8(path_, line_number_);
    row->status = FillDraftFromJson(line, draft, JsonExtras::kExportHashes);
    if (row->status.ok()) AssignId(draft, row->line, line, legacy_id);
    return true;
  }

 private:
  // Reads up to the next newline, stopping at kImportRecordBytesMax: a line
  // longer than that (or a stream with no newline at all, like /dev/zero)
  // ends the import there, having held no more than the limit.
  absl::StatusOr<bool> ReadLine(std::string* line) {
    switch (lines_.Next(line)) {
      case LineReader::Got::kLine: return true;
      case LineReader::Got::kEnd: return false;
      case LineReader::Got::kTooLong: break;
    }
    return Rejected(v1::FIELD_TOO_LONG, absl::StrCat(path_, ":", line_number_ + 1),
                    absl::Substitute(Tr("the line is longer than $0 bytes; the import stops there"),
                                     limits::kImportRecordBytesMax));
  }

  LineReader lines_;
  std::string path_;
  std::string line_;  // reused: its buffer is kept
  size_t line_number_ = 0;
};

// The rows of one batch, waiting to be submitted. Its drafts live on one
// arena, freed at once with the batch: freed one by one, on the thread that
// validates and writes, they cost a tenth of an import (1M rows: 6.29 s ->
// 5.67 s).
struct PendingBatch {
  std::unique_ptr<google::protobuf::Arena> arena;
  std::vector<v1::Event*> drafts;  // on `arena`
  std::vector<size_t> lines;       // of each draft
  std::vector<std::string> legacy_ids;  // of each draft (RowSource::Next)
  std::vector<int64_t> reversal_takes_fen;  // of each draft (Row::reversal_takes_fen)
  std::vector<std::pair<size_t, absl::Status>> unreadable;  // rows that built no draft
};

// The rows of the next batch: up to `batch_size`, `more` false at the end
// of the file; the status is for a file that cannot be read on.
struct ReadBatchResult {
  absl::Status status;
  PendingBatch batch;
  size_t rows = 0;
  bool more = true;
};

ReadBatchResult ReadBatch(RowSource* source, size_t batch_size, const std::string& actor) {
  ReadBatchResult result;
  google::protobuf::ArenaOptions arena_options;
  arena_options.max_block_size = limits::kImportArenaBlockBytesMax;
  result.batch.arena = std::make_unique<google::protobuf::Arena>(arena_options);
  v1::Event* draft = nullptr;  // an empty one, reused after a row that built none
  while (result.rows < batch_size) {
    if (draft == nullptr) {
      draft = google::protobuf::Arena::CreateMessage<v1::Event>(result.batch.arena.get());
    }
    Row row;
    std::string legacy_id;
    absl::StatusOr<bool> more = source->Next(draft, &row, &legacy_id);
    if (!more.ok()) {
      result.status = more.status();
      return result;
    }
    result.more = *more;
    if (!result.more) break;
    ++result.rows;
    if (row.status.ok()) {
      draft->set_actor(actor);
      result.batch.drafts.push_back(draft);
      result.batch.lines.push_back(row.line);
      result.batch.legacy_ids.push_back(std::move(legacy_id));
      result.batch.reversal_takes_fen.push_back(row.reversal_takes_fen);
      draft = nullptr;
    } else {
      draft->Clear();
      result.batch.unreadable.emplace_back(row.line, std::move(row.status));
    }
  }
  return result;
}

void AddError(ImportReport* report, const std::string& path, size_t line,
              const absl::Status& status) {
  ++report->rejected;
  if (report->errors.size() < limits::kImportRejectionsListedMax) {
    report->errors.push_back(absl::StrCat(path, ":", line, ": ", status.message()));
  }
}

// Submits one batch. Returns false when the batch had bad rows (and so the
// import must stop).
// Drops from `batch` the rows that an earlier build imported under the
// id it derived from their line and bytes (the same line, the same bytes:
// the same row), counting them as repeats: reimporting an old file after
// the upgrade posts nothing twice.
absl::StatusOr<size_t> DropLegacyRepeats(const Ledger& ledger, PendingBatch* batch) {
  size_t kept = 0, dropped = 0;
  for (size_t i = 0; i < batch->drafts.size(); ++i) {
    if (!batch->legacy_ids[i].empty()) {
      ASSIGN_OR_RETURN(std::optional<StoredEvent> held,
                       ledger.FindByEventId(batch->legacy_ids[i]));
      if (held.has_value()) {
        ++dropped;
        continue;
      }
    }
    batch->drafts[kept] = batch->drafts[i];
    batch->lines[kept] = batch->lines[i];
    ++kept;
  }
  batch->drafts.resize(kept);
  batch->lines.resize(kept);
  return dropped;
}

// A reversal row that says what it takes back (Row::reversal_takes_fen)
// must say what its target moves, the target earlier in the batch or in
// the ledger; a row that says otherwise is a bad row. A target found in
// neither is left to validation (TARGET_NOT_FOUND).
absl::Status CheckReversalAmounts(const Ledger& ledger, PendingBatch* batch) {
  const auto& claims = batch->reversal_takes_fen;
  if (std::all_of(claims.begin(), claims.end(), [](int64_t fen) { return fen == 0; })) {
    return absl::OkStatus();
  }
  absl::flat_hash_map<absl::string_view, const v1::Event*> in_batch;
  for (const v1::Event* draft : batch->drafts) in_batch.emplace(draft->event_id(), draft);
  for (size_t i = 0; i < batch->drafts.size(); ++i) {
    if (claims[i] == 0) continue;
    const std::string& target = batch->drafts[i]->event_reversed().reversed_event_id();
    int64_t moved = 0;
    bool known = true;  // an unknown target is validation's to refuse
    if (auto found = in_batch.find(target); found != in_batch.end()) {
      moved = MoneyAmountFen(*found->second);
    } else {
      ASSIGN_OR_RETURN(std::optional<StoredEvent> held, ledger.FindByEventId(target));
      known = held.has_value();
      if (known) moved = MoneyAmountFen(held->event);
    }
    if (known && moved == 0) {
      // A registration (or any event that moved no money): nothing to take back.
      batch->unreadable.emplace_back(
          batch->lines[i],
          Rejected(v1::AMOUNT_INVALID, "amount",
                   absl::Substitute(Tr("$0 moved no money, so its reversal takes back none: "
                                       "leave the amount empty (got -$1)"),
                                    target, PlainFen(claims[i]))));
    } else if (moved != 0 && moved != claims[i]) {
      batch->unreadable.emplace_back(
          batch->lines[i],
          Rejected(v1::AMOUNT_INVALID, "amount",
                   absl::Substitute(Tr("the reversal takes back the whole of $0: -$1 yuan, "
                                       "not -$2"),
                                    target, PlainFen(moved), PlainFen(claims[i]))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SubmitBatch(Ledger& ledger, const std::string& path, PendingBatch* batch,
                                 const ImportOptions& options, ImportReport* report) {
  RETURN_IF_ERROR(CheckReversalAmounts(ledger, batch));
  ASSIGN_OR_RETURN(const size_t legacy_repeats, DropLegacyRepeats(ledger, batch));
  const bool has_unreadable = !batch->unreadable.empty();
  SubmitOptions submit{.dry_run = options.dry_run || has_unreadable,
                       .collect_rejections = true,
                       .rejections_max = limits::kImportRejectionsListedMax};
  const Drafts request(batch->drafts);
  ASSIGN_OR_RETURN(std::vector<SubmitOutcome> outcomes, ledger.Submit({&request, 1}, submit));
  SubmitOutcome& outcome = outcomes.front();
  // Report bad rows in file order: unreadable ones and rejected ones merged.
  std::vector<std::pair<size_t, absl::Status>> bad = std::move(batch->unreadable);
  for (const Rejection& rejection : outcome.rejections) {
    bad.emplace_back(batch->lines[rejection.index], rejection.status);
  }
  std::sort(bad.begin(), bad.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [line, status] : bad) AddError(report, path, line, status);
  report->rejected += outcome.rejected - outcome.rejections.size();
  if (!bad.empty() || outcome.rejected > 0) return false;
  report->duplicates += outcome.duplicates + legacy_repeats;
  if (options.dry_run) {
    report->appended += outcome.results.size() - outcome.duplicates;  // would append
  } else {
    report->appended += outcome.appended;
    if (outcome.written) ++report->batches_written;
  }
  return true;
}

}  // namespace

std::string DerivedEventId(size_t line, absl::string_view record) {
  return absl::StrCat("row-", Hex(Sha256({absl::StrCat(line, ":"), record})).substr(0, 32));
}

absl::StatusOr<v1::Event> DraftFromJson(absl::string_view json, JsonExtras extras) {
  v1::Event event;
  RETURN_IF_ERROR(FillDraftFromJson(json, &event, extras));
  return event;
}

namespace {

// The keys an export line carries beside the event's fields.
constexpr absl::string_view kExportExtras[] = {"seq", "hash", "prev_hash"};

// protobuf's parser, for what the fast path leaves (json_fast.h): it also
// words every refusal.
absl::Status ParseDraftJsonSlowly(absl::string_view json, v1::Event* event, JsonExtras extras) {
  event->Clear();
  // Protobuf keeps the last of a key given twice and cannot be told to
  // refuse only some unknown keys: the check comes first, then the keys an
  // export line carries beside the event are taken out.
  ASSIGN_OR_RETURN(JsonShape shape, CheckJsonObject(json));
  std::string without_extras;
  if (extras == JsonExtras::kExportHashes) {
    without_extras = WithoutMembers(json, shape, {std::begin(kExportExtras), std::end(kExportExtras)});
    json = without_extras;
  }
  google::protobuf::util::JsonParseOptions parse_options;  // unknown fields are refused
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), event, parse_options);
  if (!status.ok()) {
    std::string message(status.message().data(), status.message().size());
    // protobuf says "FIELD: Cannot find field." (the path of the key).
    constexpr char kUnknown[] = ": Cannot find field.";
    if (absl::EndsWith(message, kUnknown)) {
      // The path comes as "(sale_recorded) helpr_code": make it
      // "sale_recorded.helpr_code".
      std::string path = message.substr(0, message.size() - std::strlen(kUnknown));
      path = absl::StrReplaceAll(path, {{") ", "."}, {"(", ""}, {")", ""}});
      const std::string field = path.substr(path.rfind('.') + 1);
      if (field == "amount" || field == "budget") {
        return Rejected(v1::FIELD_UNKNOWN, path,
                        absl::Substitute(Tr("is not a field; JSON takes $0_fen, a whole number "
                                            "of fen as a string (\"123456\" for 1,234.56 yuan)"),
                                         field));
      }
      return Rejected(v1::FIELD_UNKNOWN, path.substr(0, 2 * limits::kEventIdBytesMax),
                      Tr("is not a field of the event"));
    }
    if (message.size() > 120) message = message.substr(0, 120) + "...";
    return Rejected(v1::FIELD_INVALID, "json", absl::Substitute(Tr("is not an event: $0"), message));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FillDraftFromJson(absl::string_view json, v1::Event* event, JsonExtras extras) {
  const absl::Span<const absl::string_view> skipped =
      extras == JsonExtras::kExportHashes ? absl::MakeConstSpan(kExportExtras)
                                          : absl::Span<const absl::string_view>();
  if (FastJsonToMessage(json, event, skipped) != FastJson::kParsed) {
    RETURN_IF_ERROR(ParseDraftJsonSlowly(json, event, extras));
  }
  // A close seals the digest of the ledger `aidledger close` runs on, which
  // it computes there: one from a body or a file would seal another log.
  if (event->has_period_closed()) {
    return Rejected(v1::FIELD_INVALID, "period_closed",
                    Tr("a close is made by aidledger close on the ledger it seals, not sent or "
                       "imported"));
  }
  // A ledger's policy is its own, set when it is created (aidledger init).
  if (event->has_policy_set()) {
    return Rejected(v1::FIELD_INVALID, "policy_set",
                    Tr("a ledger's policy is set once, by aidledger init, not typed in or "
                       "imported"));
  }
  // What the importing ledger assigns itself.
  event->clear_sequence();
  event->clear_recorded_at();
  event->clear_actor();
  return absl::OkStatus();
}

namespace {

// The encoding to read `path` in: `asked` ("utf-8" or "gb18030"), or when
// empty the one a regular file is in (DetectEncoding); a pipe cannot be
// read twice, so it is UTF-8 unless asked.
absl::StatusOr<Encoding> EncodingOf(const std::string& path, const std::string& asked) {
  if (!asked.empty()) return ParseEncoding(asked, "--encoding");
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return Encoding::kUtf8;
  absl::StatusOr<Encoding> detected = DetectEncoding(path);
  if (!detected.ok()) return WithContext(detected.status(), absl::StrCat(path, ": "));
  return detected;
}

// An input file opened for reading rows: its format's source over the
// file, converted from GB18030 when it is that.
struct OpenedInput {
  std::ifstream file;
  std::optional<Gb18030Reader> gb18030;
  std::optional<std::istream> converted;
  std::unique_ptr<RowSource> source;
  std::string encoding;  // as the report says it: utf-8, gb18030, or empty (xlsx)
  std::string sheet;     // xlsx: the sheet read

  // Bytes that are not GB18030 end the converted stream early: that is
  // the file's refusal, before the batch read up to them is written.
  absl::Status ConversionStatus() const {
    return gb18030.has_value() ? gb18030->status() : absl::OkStatus();
  }
};

absl::StatusOr<std::string> FormatOf(const std::string& path, const ImportOptions& options) {
  std::string format = options.input_format;
  if (format.empty()) {
    for (const char* known : {"csv", "jsonl", "xlsx"}) {
      if (absl::EndsWithIgnoreCase(path, absl::StrCat(".", known))) format = known;
    }
  }
  if (format != "csv" && format != "jsonl" && format != "xlsx") {
    return UsageError(absl::Substitute(
        Tr("cannot tell the format of $0; name it .csv, .xlsx or .jsonl or pass --input-format "
           "csv|xlsx|jsonl"),
        path));
  }
  if (format != "xlsx" && !options.sheet.empty()) {
    return UsageError(
        absl::Substitute(Tr("--sheet names a sheet of an .xlsx workbook; this input is $0"), format));
  }
  if (format == "xlsx" && !options.encoding.empty()) {
    return UsageError("--encoding is for CSV and JSONL; an .xlsx workbook says its own");
  }
  return format;
}

absl::Status OpenInput(const std::string& path, const ImportOptions& options,
                       OpenedInput* input) {
  ASSIGN_OR_RETURN(const std::string format, FormatOf(path, options));
  if (format == "xlsx") {
    ASSIGN_OR_RETURN(std::unique_ptr<XlsxReader> reader, XlsxReader::Open(path, options.sheet));
    input->sheet = reader->sheet_name();
    input->source = std::make_unique<TableSource>(
        std::make_unique<XlsxRecords>(std::move(reader)), path, options.ignore_columns);
    return absl::OkStatus();
  }
  input->file.open(path, std::ios::binary);
  if (!input->file) return UsageError(absl::Substitute(Tr("cannot open $0"), path));
  ASSIGN_OR_RETURN(const Encoding encoding, EncodingOf(path, options.encoding));
  input->encoding = std::string(EncodingName(encoding));
  std::istream* in = &input->file;
  if (encoding == Encoding::kGb18030) {
    input->gb18030.emplace(&input->file);
    input->converted.emplace(&*input->gb18030);
    in = &*input->converted;
  }
  if (format == "csv") {
    input->source = std::make_unique<TableSource>(std::make_unique<CsvRecords>(in, path), path,
                                                  options.ignore_columns);
  } else {
    input->source = std::make_unique<JsonlSource>(in, path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ImportReport> ImportFile(Ledger& ledger, const std::string& path,
                                        const ImportOptions& options) {
  OpenedInput input;
  RETURN_IF_ERROR(OpenInput(path, options, &input));
  RowSource* source = input.source.get();
  const absl::Time start = absl::Now();
  // A dry run cannot carry the state of an unwritten batch into the next,
  // so it checks the whole file as one batch.
  const size_t batch_size = (options.batch_size == 0 || options.dry_run)
                                ? limits::kBatchEventsMax
                                : options.batch_size;
  // While a batch is validated and written, the next one is read and
  // turned into drafts on another thread (a fifth of an import's time),
  // when batches are small enough for two to be held at once. Reading has
  // no effect of its own, so a batch read ahead of one that fails is
  // simply dropped: the outcome is that of reading one batch at a time.
  const bool read_ahead = batch_size <= limits::kImportReadAheadBatchEventsMax;
  ImportReport report;
  report.encoding = input.encoding;
  report.sheet = input.sheet;
  ReadBatchResult next = ReadBatch(source, batch_size, options.actor);
  while (true) {
    if (!input.ConversionStatus().ok()) {
      return WithContext(input.ConversionStatus(), absl::StrCat(path, ": "));
    }
    RETURN_IF_ERROR(next.status);
    report.rows += next.rows;
    if (next.rows == 0) break;
    if (report.rows > limits::kImportRowsMax) {
      return UsageError(absl::Substitute(
          Tr("$0 has more than $1 rows; the import stops there: split the file"), path,
          limits::kImportRowsMax));
    }
    if (options.batch_size == 0 && next.more && next.rows == limits::kBatchEventsMax) {
      return UsageError(absl::Substitute(Tr("$0 has more than $1 rows; import it with --batch-size N"),
                                         path, limits::kBatchEventsMax));
    }
    PendingBatch batch = std::move(next.batch);
    const bool more = next.more;
    std::future<ReadBatchResult> ahead;
    if (more && read_ahead) {
      ahead = std::async(std::launch::async, ReadBatch, source, batch_size, options.actor);
    }
    // Should this return early, `ahead`'s destructor waits for the read.
    ASSIGN_OR_RETURN(bool good, SubmitBatch(ledger, path, &batch, options, &report));
    if (options.progress) options.progress(report.rows);
    if (!good || !more) break;
    next = read_ahead ? ahead.get() : ReadBatch(source, batch_size, options.actor);
  }
  report.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return report;
}

}  // namespace aidledger::app
