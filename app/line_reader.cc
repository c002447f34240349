#include "app/line_reader.h"

#include <cstring>

namespace aidledger::app {

LineReader::LineReader(std::istream* in, size_t line_bytes_max, size_t chunk_bytes)
    : in_(in), line_bytes_max_(line_bytes_max), chunk_(chunk_bytes) {}

LineReader::Got LineReader::Next(std::string* line) {
  line->clear();
  while (true) {
    const char* begin = chunk_.data() + begin_;
    const size_t available = end_ - begin_;
    const auto* newline = static_cast<const char*>(std::memchr(begin, '\n', available));
    const size_t taken = newline != nullptr ? static_cast<size_t>(newline - begin) : available;
    if (line->size() + taken > line_bytes_max_) return Got::kTooLong;
    line->append(begin, taken);
    if (newline != nullptr) {
      begin_ += taken + 1;
      return Got::kLine;
    }
    begin_ = end_ = 0;
    in_->read(chunk_.data(), static_cast<std::streamsize>(chunk_.size()));
    end_ = static_cast<size_t>(in_->gcount());
    if (end_ == 0) return line->empty() ? Got::kEnd : Got::kLine;
  }
}

}  // namespace aidledger::app
