#include "base/amount.h"

#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::RejectedWith;

struct ValidCase {
  const char* text;
  int64_t fen;
};

TEST(ParseAmountFen, AcceptsTheFormsPeopleWrite) {
  const ValidCase cases[] = {
      {"1234.56", 123456},
      {"1,234.56", 123456},
      {"¥1,234.56", 123456},
      {"￥1,234.56", 123456},
      {"1234", 123400},
      {"0.01", 1},
      {"0.10", 10},
      {"1.5", 150},
      {"1.000", 100},  // trailing zeros add no precision
      {"12元", 1200},
      {"9238万", 9'238'000'000LL},
      {"9.12亿", 91'200'000'000LL},
      {"2100万元", 2'100'000'000LL},
      {"0.000001万", 1},
      {"1.2345678901亿", 12'345'678'901LL},
      {"1,234,567", 123'456'700},
      {"  42  ", 4200},
      {"92,233,720,368,547,758.07", 9'223'372'036'854'775'807LL},
      // As a Chinese input method types them: full-width digits, comma,
      // full stop and spaces.
      {"１２３，４５６．７８", 12'345'678},
      {"￥１２３，４５６．７８", 12'345'678},
      {"¥ 1,234.56", 123456},
      {"\u3000１２３４\u3000", 123'400},
      {"９２３８万", 9'238'000'000LL},
      {"１，０００，０００，０００，０００．００", 100'000'000'000'000LL},
  };
  for (const ValidCase& c : cases) {
    absl::StatusOr<int64_t> fen = ParseAmountFen(c.text);
    ASSERT_TRUE(fen.ok()) << c.text << ": " << fen.status();
    EXPECT_EQ(*fen, c.fen) << c.text;
  }
}

struct InvalidCase {
  const char* text;
  const char* why;
};

TEST(ParseAmountFen, RejectsEverythingElseQuotingTheText) {
  const InvalidCase cases[] = {
      {"", "is empty"},
      {"0", "greater than zero"},
      {"0.00", "greater than zero"},
      {"-5", "without a sign"},
      {"+5", "without a sign"},
      {"1.234", "more precise than one fen"},
      {"0.0000001万", "more precise than one fen"},
      {"1.23456789012亿", "more precise than one fen"},
      {"92233720368547758.08", "too large"},
      {"99999999999999999999", "too large"},
      {"1e5", "is not a number"},
      {"12,34", "is not a number"},
      {"1,2345", "is not a number"},
      {",123", "is not a number"},
      {"1234,567", "is not a number"},
      {"12.", "decimal point without digits"},
      {".5", "is not a number"},
      {"abc", "is not a number"},
      {"1 000", "is not a number"},
      {"万", "has no digits"},
      {"¥", "has no digits"},
      {"12美元", "is not a number"},
      {"1.2.3", "is not a number"},
      {"１２３４．５６７", "more precise than one fen"},  // quoted as typed
      {"１２，３４", "is not a number"},
  };
  for (const InvalidCase& c : cases) {
    absl::StatusOr<int64_t> fen = ParseAmountFen(c.text);
    EXPECT_THAT(fen, RejectedWith(v1::AMOUNT_INVALID, c.why)) << "input: " << c.text;
    if (!fen.ok() && *c.text != '\0') {
      EXPECT_NE(fen.status().message().find(c.text), absl::string_view::npos)
          << "the message quotes the input: " << fen.status().message();
    }
  }
}

TEST(ParseAmountFen, NamesTheField) {
  EXPECT_THAT(ParseAmountFen("x", "budget"), RejectedWith(v1::AMOUNT_INVALID, "budget: "));
}

TEST(ParseAmountFen, RejectsOverlongText) {
  EXPECT_THAT(ParseAmountFen(std::string(100, '1')),
              RejectedWith(v1::AMOUNT_INVALID, "longer than 64 bytes"));
  std::string fullwidth;
  for (int i = 0; i < 65; ++i) fullwidth += "１";
  EXPECT_THAT(ParseAmountFen(fullwidth), RejectedWith(v1::AMOUNT_INVALID, "longer than 64 bytes"));
}

TEST(FormatFen, PrintsYuanWithSeparatorsAndExactUnits) {
  EXPECT_EQ(FormatFen(123456), "1,234.56");
  EXPECT_EQ(FormatFen(1), "0.01");
  EXPECT_EQ(FormatFen(0), "0.00");
  EXPECT_EQ(FormatFen(-150), "-1.50");
  EXPECT_EQ(FormatFen(91'200'000'000LL, AmountUnit::kYi), "9.12");
  EXPECT_EQ(FormatFen(9'238'000'000LL, AmountUnit::kWan), "9,238.00");
  EXPECT_EQ(FormatFen(123, AmountUnit::kWan), "0.000123");
  EXPECT_EQ(FormatFen(INT64_MIN), "-92,233,720,368,547,758.08");
}

// In fen, and without separators as a spreadsheet cell takes a number.
TEST(FormatFen, FenAndPlainForms) {
  EXPECT_EQ(FormatFen(123456789, AmountUnit::kFen), "123,456,789");
  EXPECT_EQ(FormatFen(-1000, AmountUnit::kFen), "-1,000");
  EXPECT_EQ(FormatFen(999, AmountUnit::kFen), "999");
  EXPECT_EQ(PlainFen(123456789), "1234567.89");
  EXPECT_EQ(PlainFen(-150), "-1.50");
  EXPECT_EQ(PlainFen(123456789, AmountUnit::kWan), "123.456789");
  EXPECT_EQ(PlainFen(91'200'000'000LL, AmountUnit::kYi), "9.12");
  EXPECT_EQ(PlainFen(-7, AmountUnit::kFen), "-7");
  EXPECT_EQ(PlainFen(INT64_MIN, AmountUnit::kFen), "-9223372036854775808");
  EXPECT_EQ(PlainFen(INT64_MIN), "-92233720368547758.08");
}

TEST(FormatFen, RoundTripsThroughTheParser) {
  for (int64_t fen : {int64_t{1}, int64_t{99}, int64_t{100}, int64_t{123456789},
                      int64_t{9'223'372'036'854'775'807LL}}) {
    for (AmountUnit unit : {AmountUnit::kYuan, AmountUnit::kWan, AmountUnit::kYi}) {
      std::string text = FormatFen(fen, unit);
      if (unit == AmountUnit::kWan) text += "万";
      if (unit == AmountUnit::kYi) text += "亿";
      absl::StatusOr<int64_t> parsed = ParseAmountFen(text);
      ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status();
      EXPECT_EQ(*parsed, fen) << text;
    }
  }
}

}  // namespace
}  // namespace aidledger
