// gzip for HTTP bodies: what zlib inflates is what went in, and which
// Accept-Encoding values accept gzip (RFC 9110, section 12.5.3).
#include "server/gzip.h"

#include <zlib.h>

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace aidledger::app {
namespace {

std::string Gunzip(const std::string& gzipped, size_t expected_size) {
  z_stream stream{};
  EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
  std::string out(expected_size + 1, '\0');  // one spare byte: more output is an error
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gzipped.data()));
  stream.avail_in = static_cast<uInt>(gzipped.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END);
  EXPECT_EQ(stream.avail_in, 0u) << "bytes after the gzip member";
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(Gzip, InflatesToExactlyWhatWentIn) {
  std::mt19937_64 random(20261128);
  std::string json = "{\"regions\":[";
  for (int i = 0; i < 5000; ++i) {
    json += "{\"code\":\"" + std::to_string(620000 + i) + "\",\"allocated_fen\":\"" +
            std::to_string(random() % 1'000'000'000) + "\"},";
  }
  json += "]}";
  std::string binary(70'000, '\0');
  for (char& c : binary) c = static_cast<char>(random());
  for (const std::string& input : {std::string(), std::string("x"), json, binary}) {
    const std::string gzipped = Gzip(input);
    ASSERT_GE(gzipped.size(), 18u);  // a gzip member: 10-byte header, 8-byte trailer
    EXPECT_EQ(static_cast<unsigned char>(gzipped[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>(gzipped[1]), 0x8b);
    EXPECT_EQ(Gunzip(gzipped, input.size()), input);
  }
  EXPECT_LT(Gzip(json).size(), json.size() / 3);
}

TEST(AcceptsGzip, FollowsCodingsAndQValues) {
  struct Case {
    const char* header;
    bool accepts;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", false},
           {"identity", false},
           {"br", false},
           {"gzip", true},
           {"GZIP", true},
           {"x-gzip", true},
           {"br, gzip, deflate", true},
           {"gzip, deflate, br, zstd", true},
           {" br ;q=1.0 , gzip ; q=0.5", true},
           {"gzip;q=0", false},
           {"gzip;q=0.000", false},
           {"gzip;q=abc", false},
           {"*", true},
           {"*;q=0", false},
           {"gzip;q=0, *", false},
           {"*;q=0, gzip", true},
           {"gzipped", false},
       }) {
    EXPECT_EQ(AcceptsGzip(c.header), c.accepts) << "Accept-Encoding: " << c.header;
  }
}

}  // namespace
}  // namespace aidledger::app
