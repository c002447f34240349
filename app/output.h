// What the CLI (and later the server) prints: proto JSON with proto field
// names kept, event lines with their chain hashes, and aligned text tables
// that count a Chinese character as two columns.
#ifndef AIDLEDGER_APP_OUTPUT_H_
#define AIDLEDGER_APP_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"
#include <vector>

#include "google/protobuf/message.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// The proto JSON mapping of `message`, proto field names kept, on one line.
// `defaults`: print fields that hold their default value too.
std::string ToJson(const google::protobuf::Message& message, bool defaults);

// A one-line summary of the event, for the log table.
std::string EventSummary(const v1::Event& event);
// An indicator's value with its unit in the current language: "55,750 人",
// "1,200.00 元" for a money indicator.
std::string IndicatorFigure(int indicator, int64_t value);

// The receipt of an append as JSON (v1::AppendReceipt, every field written):
// what `--format json` prints and POST /v1/events answers.
std::string ReceiptJson(const AppendResult& result);

// How many terminal columns `text` takes (CJK ideographs and fullwidth forms
// take two).
size_t DisplayWidth(const std::string& text);

// `text` made safe to show on a terminal or in a table: every
// IsInvisibleControl code point (ESC, U+202E, zero-width spaces, ...) and
// every byte that is not UTF-8 is written as a visible escape (\x1b,
// \u202e), so that no input can move the cursor, clear the screen, reorder
// what follows or break a column.
std::string TerminalText(absl::string_view text);

// `text` escaped for HTML text and attribute values (& < > " ').
std::string HtmlEscaped(absl::string_view text);

// A text table: a header row (already in the language shown: Tr) and rows, columns padded to their widest cell.
// Columns listed in `right_aligned` (by index) are right-aligned (numbers).
class Table {
 public:
  explicit Table(const std::vector<absl::string_view>& header,
                 std::vector<size_t> right_aligned = {});
  void AddRow(std::vector<std::string> row);
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> right_aligned_;
};

// The rows `snapshot list` prints: each stored record, but a fund view's
// parts (a snapshot stores one a partition: ~17 at 1M events) folded into
// its manifest's row ("fund_view +N parts", their bytes added, the first
// problem among them, named). Parts with no manifest at their sequence
// keep rows of their own: nothing stored is left unlisted.
std::vector<SnapshotInfo> SnapshotRows(std::vector<SnapshotInfo> snapshots);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_OUTPUT_H_
