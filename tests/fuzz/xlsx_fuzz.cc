// The xlsx reader on hostile parts: the input is a sheet's XML, then after
// a line "--" the shared strings' XML, then after another the styles', in
// an archive with a fixed workbook. Never crash; rows come in order, within
// Excel's bounds.
#include <zip.h>

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_split.h"
#include "app/xlsx.h"
#include "base/limits.h"
#include "tests/fuzz/fuzz.h"

namespace {

constexpr char kWorkbook[] =
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<workbookPr date1904=\"0\"/><sheets><sheet name=\"s\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
constexpr char kRelationships[] =
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"/xl/styles.xml\"/></Relationships>";

// The archive: one file per process, rewritten for each input and removed
// when the process exits (a static's destructor runs at exit()).
class ArchiveFile {
 public:
  ArchiveFile() {
    char pattern[] = "/tmp/aidledger-xlsx-fuzz-XXXXXX";
    const int fd = mkstemp(pattern);
    if (fd >= 0) close(fd);
    path_ = pattern;
  }
  ~ArchiveFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string& ArchivePath() {
  static const ArchiveFile file;
  return file.path();
}

bool Add(zip_t* zip, const char* name, const std::string& text) {
  zip_source_t* source = zip_source_buffer(zip, text.data(), text.size(), 0);
  return source != nullptr && zip_file_add(zip, name, source, ZIP_FL_OVERWRITE) >= 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> parts = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data), size), absl::MaxSplits("\n--\n", 2));
  int error = 0;
  zip_t* zip = zip_open(ArchivePath().c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  FUZZ_ASSERT(zip != nullptr);
  const std::string workbook = kWorkbook, relationships = kRelationships;
  const std::string strings = parts.size() > 1 ? parts[1] : "", styles = parts.size() > 2 ? parts[2] : "";
  FUZZ_ASSERT(Add(zip, "xl/workbook.xml", workbook) &&
              Add(zip, "xl/_rels/workbook.xml.rels", relationships) &&
              Add(zip, "xl/worksheets/sheet1.xml", parts[0]) &&
              Add(zip, "xl/sharedStrings.xml", strings) && Add(zip, "xl/styles.xml", styles));
  FUZZ_ASSERT(zip_close(zip) == 0);
  absl::StatusOr<std::unique_ptr<aidledger::app::XlsxReader>> reader =
      aidledger::app::XlsxReader::Open(ArchivePath(), "");
  if (!reader.ok()) return 0;
  std::vector<std::string> cells;
  absl::Status malformed;
  size_t last = 0;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&cells, &malformed);
    if (!more.ok() || !*more) break;
    const size_t line = (*reader)->record_line();
    FUZZ_ASSERT(line > last && line <= aidledger::app::kXlsxRowsMax);
    FUZZ_ASSERT(cells.size() <= aidledger::app::kXlsxColumnsMax);
    last = line;
  }
  return 0;
}
