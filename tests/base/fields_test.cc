#include "base/fields.h"

#include "base/limits.h"

#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RejectedWith;

TEST(CheckDate, AcceptsRealDatesOnly) {
  for (const char* good : {"2023-01-31", "2024-02-29", "2000-02-29", "1949-10-01", "2199-12-31"}) {
    EXPECT_THAT(CheckDate(good, "effective_date"), IsOk()) << good;
  }
  const std::pair<const char*, const char*> bad[] = {
      {"2023-02-29", "no such day"}, {"1900-02-29", "year must be"},
      {"2023-02-30", "no such day"}, {"2023-04-31", "no such day"},
      {"2023-13-01", "month must be"}, {"2023-00-10", "month must be"},
      {"2023-01-00", "no such day"}, {"2023-1-01", "YYYY-MM-DD"},
      {"20230101", "YYYY-MM-DD"},    {"2023/01/01", "YYYY-MM-DD"},
      {"", "YYYY-MM-DD"},            {"1800-01-01", "year must be"},
      {"2023-01-01T00:00", "YYYY-MM-DD"}, {"abcd-ef-gh", "YYYY-MM-DD"},
  };
  for (const auto& [text, why] : bad) {
    EXPECT_THAT(CheckDate(text, "effective_date"),
                RejectedWith(v1::DATE_INVALID, std::string("effective_date: ")))
        << text;
    EXPECT_THAT(CheckDate(text, "x"), RejectedWith(v1::DATE_INVALID, why)) << text;
  }
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
