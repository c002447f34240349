// The CSV reader and the drafts built from its rows: never crash, and every
// record the reader returns stays within the record limit.
#include <sstream>

#include "app/csv.h"
#include "app/drafts.h"
#include "base/limits.h"
#include "tests/fuzz/fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  aidledger::app::CsvReader reader(&in);
  std::vector<std::string> header, fields;
  constexpr int kRecordsMax = 1000;
  for (int record = 0; record < kRecordsMax; ++record) {
    absl::StatusOr<bool> more = reader.Next(&fields);
    if (!more.ok() || !*more) break;
    FUZZ_ASSERT(reader.raw().size() <= aidledger::limits::kImportRecordBytesMax + 1);
    if (header.empty()) {
      header = fields;
      continue;
    }
    aidledger::app::FieldMap map;
    std::string type;
    for (size_t i = 0; i < fields.size() && i < header.size(); ++i) {
      if (header[i] == "type") {
        type = fields[i];
      } else {
        map[header[i]] = fields[i];
      }
    }
    (void)aidledger::app::DraftFromFields(type, map);
  }
  return 0;
}
