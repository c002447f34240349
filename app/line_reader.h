// Lines of a stream read a chunk at a time, each held only up to a limit:
// what `import` reads JSONL with and `restore` reads an export with. A
// stream with no newline at all (/dev/zero) ends at the limit, having held
// no more than it.
#ifndef AIDLEDGER_APP_LINE_READER_H_
#define AIDLEDGER_APP_LINE_READER_H_

#include <cstddef>
#include <istream>
#include <string>
#include <vector>

namespace aidledger::app {

// The bytes read from the stream at a time.
inline constexpr size_t kLineReaderChunkBytes = 64 * 1024;

class LineReader {
 public:
  enum class Got { kLine, kEnd, kTooLong };

  // Lines of `in` of at most `line_bytes_max` bytes each (the '\n' not
  // counted). `chunk_bytes` is for tests.
  LineReader(std::istream* in, size_t line_bytes_max, size_t chunk_bytes = kLineReaderChunkBytes);

  // The next line into `*line`, without its '\n' (a '\r' before it is
  // kept): kLine; kEnd when the stream has no more; kTooLong when the line
  // runs past the limit, after which the reader must not be used again.
  // The last line needs no '\n'.
  Got Next(std::string* line);

 private:
  std::istream* in_;
  size_t line_bytes_max_;
  std::vector<char> chunk_;
  size_t begin_ = 0;  // chunk_[begin_, end_) is read and not yet returned
  size_t end_ = 0;
};

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_LINE_READER_H_
