// The text encodings an import reads: UTF-8, and GB18030 (a superset of
// GBK), which Excel and WPS write a CSV in on a Chinese system unless told
// otherwise. GB18030 is turned into UTF-8 as it is read, through glibc's
// iconv.
#ifndef AIDLEDGER_APP_ENCODING_H_
#define AIDLEDGER_APP_ENCODING_H_

#include <iconv.h>

#include <istream>
#include <streambuf>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger::app {

enum class Encoding { kUtf8, kGb18030 };

absl::string_view EncodingName(Encoding encoding);  // "utf-8", "gb18030"
// "utf-8" or "gb18030" (any case); a usage error naming `flag` otherwise.
absl::StatusOr<Encoding> ParseEncoding(absl::string_view text, absl::string_view flag);

// The encoding of the regular file at `path`, read through once: UTF-8 when
// all of it is UTF-8 (with or without a byte-order mark; a file valid in
// both is UTF-8), else GB18030 when all of it decodes as that, else a
// rejection naming the file and the first offset that is neither.
absl::StatusOr<Encoding> DetectEncoding(const std::string& path);

// Reads GB18030 from `source` and gives it as UTF-8. Bytes that are not
// GB18030 end the stream there, with status() saying where: a reader must
// check status() at the end, never take the early end for the file's.
class Gb18030Reader : public std::streambuf {
 public:
  explicit Gb18030Reader(std::istream* source);
  ~Gb18030Reader() override;
  Gb18030Reader(const Gb18030Reader&) = delete;
  Gb18030Reader& operator=(const Gb18030Reader&) = delete;

  const absl::Status& status() const { return status_; }

 protected:
  int_type underflow() override;

 private:
  std::istream* source_;
  iconv_t converter_;
  std::vector<char> in_;   // bytes read, not yet converted: [in_begin_, in_end_)
  size_t in_begin_ = 0, in_end_ = 0;
  std::vector<char> out_;  // converted, the get area
  uint64_t consumed_ = 0;  // source bytes converted so far
  bool source_done_ = false;
  absl::Status status_;
};

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_ENCODING_H_
