// Import: many events from a CSV, xlsx or JSONL file through the one append
// path.
//
// CSV, or a sheet of an .xlsx workbook (app/xlsx.h): a header row naming the
// columns; a `type` column names the event (app/drafts.h lists the types
// and their fields); other columns are fields. A row's FILE:LINE is its
// line in a CSV, its row number in a sheet.
// JSONL: one event per line in the proto JSON mapping that `log --format
// jsonl` and `replay` print (sequence, recorded_at, actor, hash and
// prev_hash are ignored: the importing ledger assigns its own).
//
// Each batch (default: the whole file) is one atomic write. Every row is
// validated against the ledger plus the rows before it; if any row of a
// batch is bad, none of it is written, every bad row is reported as
// FILE:LINE: field: reason, and the import stops there. A row without an
// event_id gets one derived from its content and how many identical rows
// came before it in the file ("rc-" + 32 hex digits, see ContentIds in
// import.cc), so rerunning a file after fixing some rows, or after
// inserting or removing rows, appends no row twice. A row that an earlier
// build imported under the id it derived from its line and bytes
// (DerivedEventId) is recognised as a repeat too.
#ifndef AIDLEDGER_APP_IMPORT_H_
#define AIDLEDGER_APP_IMPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"

namespace aidledger::app {

struct ImportOptions {
  std::string input_format;  // "csv", "xlsx" or "jsonl"; empty: from the extension
  size_t batch_size = 0;     // 0: the whole file is one batch
  bool dry_run = false;
  std::string actor;
  // CSV header columns to read past (经办人, 审核人: a spreadsheet's own
  // columns); any other column the importer does not know refuses the file.
  std::vector<std::string> ignore_columns;
  // "utf-8" or "gb18030"; empty: UTF-8 when the whole file is, else
  // GB18030 when it is that (a pipe, which cannot be read twice: UTF-8).
  std::string encoding;
  // The sheet of an .xlsx workbook to read; empty: the first.
  std::string sheet;
  // Called after each batch with the rows read so far.
  std::function<void(size_t rows)> progress;
};

struct ImportReport {
  size_t rows = 0;
  size_t appended = 0;
  size_t duplicates = 0;
  size_t rejected = 0;
  size_t batches_written = 0;
  std::vector<std::string> errors;  // "FILE:LINE: field: reason", at most 100
  std::string encoding;             // the file's, as read: "utf-8" or "gb18030"; xlsx: empty
  std::string sheet;                // xlsx: the name of the sheet read
  double seconds = 0;
};

// Imports `path` into `ledger`. Bad rows are reported in the ImportReport
// (rejected > 0), not as the status; the status is for files that cannot be
// read at all (kNotFound, not UTF-8, unknown format) and for I/O failures.
absl::StatusOr<ImportReport> ImportFile(Ledger& ledger, const std::string& path,
                                        const ImportOptions& options);

// Keys beside an event's own that a JSON draft may carry and that are
// dropped: none (an HTTP body), or an export line's seq, hash and prev_hash.
enum class JsonExtras { kNone, kExportHashes };

// One JSONL row (or HTTP body element) as an event draft. Refuses a key
// given twice anywhere and any key that is not a field, naming it (and
// pointing `amount` to amount_fen).
absl::StatusOr<v1::Event> DraftFromJson(absl::string_view json,
                                        JsonExtras extras = JsonExtras::kNone);
// The same into `event`, an empty message the caller owns.
absl::Status FillDraftFromJson(absl::string_view json, v1::Event* event,
                               JsonExtras extras = JsonExtras::kNone);

// The event_id earlier builds derived for a row that brings none:
// "row-" + 32 hex digits of SHA-256(LINE ":" RECORD).
std::string DerivedEventId(size_t line, absl::string_view record);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_IMPORT_H_
