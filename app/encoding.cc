#include "app/encoding.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"

namespace aidledger::app {
namespace {

// How much of a file is read, and converted, at a time.
constexpr size_t kChunkBytes = 64 * 1024;
// The longest UTF-8 sequence and the longest GB18030 one.
constexpr size_t kSequenceBytesMax = 4;

// Where the last complete UTF-8 sequence of `bytes` ends: a sequence cut by
// the end of a chunk is left for the next.
size_t CompleteUtf8Prefix(absl::string_view bytes) {
  for (size_t back = 1; back <= kSequenceBytesMax && back <= bytes.size(); ++back) {
    const unsigned char c = static_cast<unsigned char>(bytes[bytes.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const size_t length = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    return length > back ? bytes.size() - back : bytes.size();
  }
  return bytes.size();
}

// Whether the file is UTF-8 throughout.
absl::StatusOr<bool> IsUtf8File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::Substitute(Tr("cannot open $0"), path));
  std::string buffer(kChunkBytes + kSequenceBytesMax, '\0');
  size_t carried = 0;
  while (true) {
    in.read(buffer.data() + carried, kChunkBytes);
    const size_t size = carried + static_cast<size_t>(in.gcount());
    if (in.gcount() == 0) return carried == 0;  // a cut sequence at the end is not UTF-8
    const absl::string_view bytes(buffer.data(), size);
    const size_t complete = CompleteUtf8Prefix(bytes);
    if (!IsValidUtf8(bytes.substr(0, complete))) return false;
    carried = size - complete;
    std::memmove(buffer.data(), buffer.data() + complete, carried);
  }
}

}  // namespace

absl::string_view EncodingName(Encoding encoding) {
  return encoding == Encoding::kUtf8 ? "utf-8" : "gb18030";
}

absl::StatusOr<Encoding> ParseEncoding(absl::string_view text, absl::string_view flag) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "utf-8" || lower == "utf8") return Encoding::kUtf8;
  if (lower == "gb18030" || lower == "gbk") return Encoding::kGb18030;
  return UsageError(absl::Substitute(Tr("$0 must be utf-8 or gb18030 (got \"$1\")"), flag,
                                     text.substr(0, limits::kQuotedInputBytesMax)));
}

absl::StatusOr<Encoding> DetectEncoding(const std::string& path) {
  absl::StatusOr<bool> utf8 = IsUtf8File(path);
  if (!utf8.ok()) return utf8.status();
  if (*utf8) return Encoding::kUtf8;
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::Substitute(Tr("cannot open $0"), path));
  Gb18030Reader reader(&in);
  std::istream converted(&reader);
  char sink[kChunkBytes];
  while (converted.read(sink, sizeof(sink)) || converted.gcount() > 0) {
  }
  if (!reader.status().ok()) return reader.status();
  return Encoding::kGb18030;
}

Gb18030Reader::Gb18030Reader(std::istream* source)
    : source_(source),
      converter_(iconv_open("UTF-8", "GB18030")),
      in_(kChunkBytes + kSequenceBytesMax),
      out_(4 * (kChunkBytes + kSequenceBytesMax)) {
  if (converter_ == reinterpret_cast<iconv_t>(-1)) {
    status_ = absl::InternalError("this system's iconv cannot read GB18030");
  }
  setg(out_.data(), out_.data(), out_.data());
}

Gb18030Reader::~Gb18030Reader() {
  if (converter_ != reinterpret_cast<iconv_t>(-1)) iconv_close(converter_);
}

Gb18030Reader::int_type Gb18030Reader::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  while (status_.ok()) {
    // Refill: what is left of the last read moves to the front.
    if (!source_done_ && in_end_ - in_begin_ < kSequenceBytesMax) {
      std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
      in_end_ -= in_begin_;
      in_begin_ = 0;
      source_->read(in_.data() + in_end_, static_cast<std::streamsize>(kChunkBytes));
      in_end_ += static_cast<size_t>(source_->gcount());
      if (source_->gcount() == 0) source_done_ = true;
    }
    if (in_begin_ == in_end_) return traits_type::eof();
    char* in = in_.data() + in_begin_;
    size_t in_left = in_end_ - in_begin_;
    char* out = out_.data();
    size_t out_left = out_.size();
    const size_t result = iconv(converter_, &in, &in_left, &out, &out_left);
    const size_t used = (in_end_ - in_begin_) - in_left;
    in_begin_ += used;
    consumed_ += used;
    if (result == static_cast<size_t>(-1) && errno == EILSEQ) {
      status_ = Rejected(v1::FIELD_INVALID, "file",
                         absl::Substitute(Tr("is neither UTF-8 nor GB18030 (byte $0); save it "
                                             "as UTF-8 and import again"),
                                          consumed_));
    } else if (result == static_cast<size_t>(-1) && errno == EINVAL && source_done_) {
      status_ = Rejected(v1::FIELD_INVALID, "file",
                         Tr("ends inside a GB18030 character; save it as UTF-8 and import "
                            "again"));
    }
    if (out != out_.data()) {
      setg(out_.data(), out_.data(), out);
      return traits_type::to_int_type(*gptr());
    }
  }
  return traits_type::eof();
}

}  // namespace aidledger::app
