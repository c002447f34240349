// The export format (proto/aidledger/v1/export.proto): one ExportedEvent
// per line, in protobuf's JSON mapping. `replay --format jsonl` and
// GET /v1/events write it; `restore` reads it.
#ifndef AIDLEDGER_APP_EXPORT_H_
#define AIDLEDGER_APP_EXPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/events.pb.h"
#include "base/sha256.h"
#include "ledger/ledger.h"

namespace aidledger::app {

// The JSON of `stored` as an ExportedEvent (the event's fields, then seq,
// hash and prev_hash), without a newline.
std::string ExportLine(const StoredEvent& stored);

// One line of an export, read back.
struct ExportedRecord {
  v1::Event event;  // as stored: its bytes are the ones the hash covers
  Hash hash{};
  Hash prev_hash{};
};

// Parses one line. kDataLoss (the export is damaged or is no export) when it
// is no ExportedEvent, its seq differs from its event's sequence, or a hash
// is not 64 lowercase hex digits.
absl::StatusOr<ExportedRecord> ParseExportLine(absl::string_view line);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_EXPORT_H_
