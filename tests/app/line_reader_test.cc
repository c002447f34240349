#include "app/line_reader.h"

#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aidledger::app {
namespace {

using Got = LineReader::Got;

// Every line of `text` read with chunks of `chunk` bytes, and the last Got.
std::pair<std::vector<std::string>, Got> ReadAll(const std::string& text, size_t limit, size_t chunk) {
  std::istringstream in(text);
  LineReader reader(&in, limit, chunk);
  std::vector<std::string> lines;
  std::string line;
  Got got;
  while ((got = reader.Next(&line)) == Got::kLine) lines.push_back(line);
  return {lines, got};
}

// Lines come out whole wherever the chunks split them: across one
// boundary, across many, a newline the last byte of a chunk.
TEST(LineReaderTest, LinesAreWholeWhateverTheChunks) {
  const std::string text = "first\n\nthird line\r\n定西市,陇南市\nlast without newline";
  const std::vector<std::string> expected = {"first", "", "third line\r", "定西市,陇南市",
                                             "last without newline"};
  for (size_t chunk : {1, 2, 3, 5, 6, 7, 64, 65536}) {
    auto [lines, got] = ReadAll(text, 100, chunk);
    EXPECT_EQ(lines, expected) << "chunk " << chunk;
    EXPECT_EQ(got, Got::kEnd) << "chunk " << chunk;
  }
  EXPECT_EQ(ReadAll("", 100, 4).first, std::vector<std::string>{});
  EXPECT_EQ(ReadAll("a\n", 100, 4).first, std::vector<std::string>{"a"});
}

// A line of exactly the limit is read; one byte more is refused, the
// newline not counting.
TEST(LineReaderTest, ALineOneBytePastTheLimitIsRefused) {
  for (size_t chunk : {1, 3, 8, 65536}) {
    auto [at_limit, end] = ReadAll("12345678\nabc\n", 8, chunk);
    EXPECT_EQ(at_limit, (std::vector<std::string>{"12345678", "abc"}));
    EXPECT_EQ(end, Got::kEnd);
    auto [before, too_long] = ReadAll("abc\n123456789\nnever\n", 8, chunk);
    EXPECT_EQ(before, std::vector<std::string>{"abc"});
    EXPECT_EQ(too_long, Got::kTooLong);
    EXPECT_EQ(ReadAll("123456789", 8, chunk).second, Got::kTooLong);
  }
}

// A stream that never ends and holds no newline (like /dev/zero): the
// reader stops at the limit, having read about one chunk past it.
TEST(LineReaderTest, AStreamWithNoNewlineEndsAtTheLimit) {
  class Endless : public std::streambuf {
   public:
    size_t served = 0;

   protected:
    int_type underflow() override {
      buffer_.assign(4096, 'x');
      setg(buffer_.data(), buffer_.data(), buffer_.data() + buffer_.size());
      served += buffer_.size();
      return traits_type::to_int_type('x');
    }

   private:
    std::string buffer_;
  };
  Endless source;
  std::istream in(&source);
  LineReader reader(&in, 1 << 20);
  std::string line;
  EXPECT_EQ(reader.Next(&line), Got::kTooLong);
  EXPECT_LE(line.size(), size_t{1} << 20);
  EXPECT_LE(source.served, (size_t{1} << 20) + kLineReaderChunkBytes + 4096);
}

}  // namespace
}  // namespace aidledger::app
