#include "app/export.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "aidledger/v1/export.pb.h"
#include "app/json_fast.h"
#include "app/output.h"
#include "base/status_macros.h"
#include "base/check.h"
#include "base/messages.h"
#include "google/protobuf/util/json_util.h"

namespace aidledger::app {
namespace {

absl::StatusOr<Hash> ChainField(const std::string& hex, absl::string_view field) {
  absl::StatusOr<Hash> hash = HashFromHex(hex);
  if (!hash.ok() || Hex(*hash) != hex) {
    return absl::DataLossError(
        absl::Substitute(Tr("has a $0 that is not 64 lowercase hex digits"), field));
  }
  return hash;
}

}  // namespace

std::string ExportLine(const StoredEvent& stored) {
  // The stored bytes are an Event's, which an ExportedEvent shares field
  // for field (export.proto).
  v1::ExportedEvent exported;
  AIDLEDGER_CHECK(exported.ParseFromString(stored.event_bytes));
  exported.set_seq(stored.sequence);
  exported.set_hash(Hex(stored.hash));
  exported.set_prev_hash(Hex(stored.prev_hash));
  return ToJson(exported, false);
}

absl::StatusOr<ExportedRecord> ParseExportLine(absl::string_view line) {
  v1::ExportedEvent exported;
  if (FastJsonToMessage(line, &exported) != FastJson::kParsed) {
    exported.Clear();
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto parsed = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), &exported, options);
    if (!parsed.ok()) {
      return absl::DataLossError(absl::Substitute(
          Tr("is not a line of a replay --format jsonl export: $0"),
          absl::string_view(parsed.message().data(), parsed.message().size())));
    }
  }
  ExportedRecord record;
  ASSIGN_OR_RETURN(record.hash, ChainField(exported.hash(), "hash"));
  ASSIGN_OR_RETURN(record.prev_hash, ChainField(exported.prev_hash(), "prev_hash"));
  if (exported.seq() != exported.sequence()) {
    return absl::DataLossError(Tr("its seq and its event's sequence differ"));
  }
  exported.clear_seq();
  exported.clear_hash();
  exported.clear_prev_hash();
  AIDLEDGER_CHECK(record.event.ParseFromString(exported.SerializeAsString()));
  return record;
}

}  // namespace aidledger::app
