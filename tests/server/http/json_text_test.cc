#include "server/http/json_text.h"

#include "gtest/gtest.h"
#include "tests/testing/testing.h"

namespace aidledger::http {
namespace {

std::string Quoted(absl::string_view text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndEveryControlCharacter) {
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted(std::string("\0\x01\n\x1b[2J\x7f", 8)), "\"\\u0000\\u0001\\u000a\\u001b[2J\\u007f\"");
  EXPECT_EQ(Quoted("\xC2\x9B"), "\"\\u009b\"");        // C1 control (CSI)
  EXPECT_EQ(Quoted("\xE2\x80\xA8\xE2\x80\xA9"), "\"\\u2028\\u2029\"");
}

TEST(JsonTextTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("定西市 ¥"), "\"定西市 ¥\"");
  EXPECT_EQ(Quoted("\xF0\x9F\x92\xB0"), "\"\xF0\x9F\x92\xB0\"");  // U+1F4B0, four bytes
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(Quoted("a\xFF\xFE" "b"), "\"a" + replacement + replacement + "b\"");
  EXPECT_EQ(Quoted("\xC0\x80"), "\"" + replacement + "\"");           // overlong NUL
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"" + replacement + "\"");       // a surrogate
  EXPECT_EQ(Quoted("\xF4\x90\x80\x80"), "\"" + replacement + "\"");   // above U+10FFFF
  EXPECT_EQ(Quoted("\xE5\xAE"), "\"" + replacement + "\"");           // cut short
}

TEST(JsonTextTest, EveryByteStringGivesAnErrorBodyThatParses) {
  // All 2-byte strings, and 3-byte ones from a lead byte above ASCII:
  // whatever a query decodes to, the body is strict JSON.
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char text[2] = {static_cast<char>(a), static_cast<char>(b)};
      const std::string body = ErrorJson(absl::string_view(text, 2), "REASON", "field");
      ASSERT_TRUE(testing::IsStrictJson(body)) << a << " " << b << ": " << body;
    }
  }
  for (int a = 0xc0; a < 0x100; ++a) {
    for (int b = 0x70; b < 0xc0; ++b) {
      for (int c = 0; c < 256; c += 7) {
        const char text[3] = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        ASSERT_TRUE(testing::IsStrictJson(ErrorJson(absl::string_view(text, 3)))) << a << " " << b << " " << c;
      }
    }
  }
  EXPECT_EQ(ErrorJson("m"), "{\"error\":{\"message\":\"m\"}}");
  EXPECT_EQ(ErrorJson("m", "R", "f"), "{\"error\":{\"reason\":\"R\",\"field\":\"f\",\"message\":\"m\"}}");
}

}  // namespace
}  // namespace aidledger::http
