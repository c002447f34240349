#include "base/fields.h"

#include "base/limits.h"

#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RejectedWith;

constexpr char kForms[] =
    "must be a date like 2024-03-05, 2024-3-5, 2024/3/5, 2024.3.5 or 2024年3月5日";

TEST(CheckDate, AcceptsRealDatesOnly) {
  for (const char* good : {"2023-01-31", "2024-02-29", "2000-02-29", "1949-10-01", "2199-12-31"}) {
    EXPECT_THAT(CheckDate(good, "effective_date"), IsOk()) << good;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"2023-02-29", "no such day"}, {"1900-02-29", "year must be"},
      {"2023-02-30", "no such day"}, {"2023-04-31", "no such day"},
      {"2023-13-01", "month must be"}, {"2023-00-10", "month must be"},
      {"2023-01-00", "no such day"}, {"2023-1-01", kForms},
      {"20230101", kForms},    {"2023/01/01", kForms},
      {"", kForms},            {"1800-01-01", "year must be"},
      {"2023-01-01T00:00", kForms}, {"abcd-ef-gh", kForms},
  };
  for (const auto& [text, why] : bad) {
    EXPECT_THAT(CheckDate(text, "effective_date"),
                RejectedWith(v1::DATE_INVALID, std::string("effective_date: ")))
        << text;
    EXPECT_THAT(CheckDate(text, "x"), RejectedWith(v1::DATE_INVALID, why)) << text;
  }
}

// The forms a clerk types become the canonical date; anything else comes
// back as it was, for CheckDate to refuse naming the forms.
TEST(NormalizeDate, ReadsTheFormsClerksTypeAndNothingElse) {
  const std::pair<const char*, const char*> read[] = {
      {"2024-03-05", "2024-03-05"}, {"2024-3-5", "2024-03-05"},   {"2024/3/5", "2024-03-05"},
      {"2024.3.5", "2024-03-05"},   {"2024年3月5日", "2024-03-05"}, {"2024年12月31日", "2024-12-31"},
      {" 2024/03/05 ", "2024-03-05"}, {"２０２４／３／５", "2024-03-05"},
      {"\u30002024.12.1\u3000", "2024-12-01"},
      // Shaped like a date: the month and day are CheckDate's to refuse.
      {"2024-13-40", "2024-13-40"},
  };
  for (const auto& [text, date] : read) EXPECT_EQ(NormalizeDate(text), date) << text;
  for (const char* kept : {"", "20240305", "2024-3/5", "2024/3", "2024年3月5", "2024年3月5日x",
                           "24-3-5", "2024-003-5", "2024-3-5-", "2024--3-5", "5/3/2024",
                           "2024-3-5 10:00", "\xff"}) {
    EXPECT_EQ(NormalizeDate(kept), kept) << kept;
    if (*kept != '\0') {
      EXPECT_THAT(CheckDate(NormalizeDate(kept), "x"), RejectedWith(v1::DATE_INVALID, "x: "))
          << kept;
    }
  }
}

TEST(NormalizeFullwidth, TurnsOnlyDigitsAndSeparatorsIntoAscii) {
  EXPECT_EQ(NormalizeFullwidth("０１２３４５６７８９，．－／\u3000"), "0123456789,.-/ ");
  EXPECT_EQ(NormalizeFullwidth("青岛市１２号Ａ"), "青岛市12号Ａ");
  EXPECT_EQ(NormalizeFullwidth("\xff１"), "\xff" "1");  // not UTF-8: kept for the checks to refuse
}

TEST(DateInChina, IsUtcPlusEight) {
  // 2023-12-31T16:00:00Z is already 2024-01-01 in Beijing.
  EXPECT_EQ(DateInChina(absl::FromUnixSeconds(1704038400)), "2024-01-01");
  EXPECT_EQ(DateInChina(absl::FromUnixSeconds(1704038399)), "2023-12-31");
}

TEST(CheckRegionCode, SixDigitsOnly) {
  EXPECT_THAT(CheckRegionCode("621100", "code"), IsOk());
  EXPECT_THAT(CheckRegionCode("", "code"), RejectedWith(v1::FIELD_MISSING, "code: is required"));
  for (const char* bad : {"62110", "6211000", "62110a", "000000", "６２１１００", "62 100"}) {
    EXPECT_THAT(CheckRegionCode(bad, "code"), RejectedWith(v1::CODE_INVALID, "6-digit")) << bad;
  }
}

TEST(CheckText, RejectsControlCharactersBadUtf8AndOverlongText) {
  EXPECT_THAT(CheckText("定西市", "name", 256, true), IsOk());
  EXPECT_THAT(CheckText("", "memo", 256, false), IsOk());
  EXPECT_THAT(CheckText("", "name", 256, true), RejectedWith(v1::FIELD_MISSING, "name"));
  EXPECT_THAT(CheckText("a\nb", "name", 256, true), RejectedWith(v1::FIELD_INVALID, "control"));
  EXPECT_THAT(CheckText("\xff\xfe", "name", 256, true), RejectedWith(v1::FIELD_INVALID, "UTF-8"));
  EXPECT_THAT(CheckText(std::string(257, 'a'), "name", 256, true),
              RejectedWith(v1::FIELD_TOO_LONG, "longer than 256"));
}

TEST(IsValidUtf8, RejectsOverlongsSurrogatesAndTruncation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("青岛 ¥ 𠀀"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe9\x9d"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(CheckIdentifier, LimitsCharactersAndLength) {
  EXPECT_THAT(CheckIdentifier("DX-2021/001", "project_id", 64), IsOk());
  EXPECT_THAT(CheckIdentifier("has space", "project_id", 64),
              RejectedWith(v1::FIELD_INVALID, "project_id"));
  EXPECT_THAT(CheckIdentifier(std::string(65, 'a'), "project_id", 64),
              RejectedWith(v1::FIELD_TOO_LONG, "64"));
}

TEST(CheckRecordedAt, TakesWholeMicrosecondsFrom1970ToTheLastYear) {
  EXPECT_THAT(CheckRecordedAt(0, 0), IsOk());
  EXPECT_THAT(CheckRecordedAt(limits::kRecordedAtSecondsMax, 999'999'000), IsOk());
  EXPECT_THAT(CheckRecordedAt(1'795'000'000, 123'456'000), IsOk());
  for (auto [seconds, nanos] : {std::pair<int64_t, int32_t>{-1, 0},
                                {limits::kRecordedAtSecondsMax + 1, 0},
                                {0, -1000},
                                {0, 1'000'000'000},
                                {0, 1}}) {
    EXPECT_THAT(CheckRecordedAt(seconds, nanos),
                testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                  ::testing::HasSubstr("recorded_at")))
        << seconds << " s " << nanos << " ns";
  }
}

}  // namespace
}  // namespace aidledger
