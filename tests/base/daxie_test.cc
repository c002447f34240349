// 大写 (issue 24): the table of the PBOC's examples and the rules' edges,
// written out by hand from the rules, not from the output; every spelling
// the rules allow reads back; misspellings are refused; and a seeded sweep
// reads back what Daxie prints.
#include "base/daxie.h"

#include <cstdint>
#include <iostream>
#include <limits>
#include <random>

#include "absl/strings/match.h"
#include "base/amount.h"
#include "base/limits.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::RejectedWith;

struct Case {
  int64_t fen;
  const char* daxie;
};

TEST(Daxie, WritesThePbocExamplesAndTheRulesEdges) {
  const Case cases[] = {
      // The PBOC's examples and the table.
      {140950, "壹仟肆佰零玖元伍角整"},
      {600714, "陆仟零柒元壹角肆分"},
      {168032, "壹仟陆佰捌拾元零叁角贰分"},
      {10700053, "壹拾万柒仟元零伍角叁分"},
      {1640902, "壹万陆仟肆佰零玖元零贰分"},
      {32504, "叁佰贰拾伍元零肆分"},
      {91200000000, "玖亿壹仟贰佰万元整"},
      {5, "伍分"},
      {10000000000, "壹亿元整"},
      // The largest amount one event may carry: 10万亿元.
      {limits::kAmountFenMax, "壹拾万亿元整"},
      // 整 after 角; 壹拾 at the start; zero.
      {50, "伍角整"},
      {1000, "壹拾元整"},
      {11000, "壹佰壹拾元整"},
      {0, "零元整"},
      // One 零 for a run of zeros, across 万 and 亿 too; none at the end.
      {10000000100, "壹亿零壹元整"},
      {1200034500, "壹仟贰佰万零叁佰肆拾伍元整"},
      {1000010000, "壹仟万零壹佰元整"},
      {1230000000, "壹仟贰佰叁拾万元整"},
      {1640002, "壹万陆仟肆佰元零贰分"},
      {100000000010000, "壹万亿零壹佰元整"},
      {100010000000000, "壹万零壹亿元整"},
      // A report's change may be negative.
      {-140950, "负壹仟肆佰零玖元伍角整"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Daxie(c.fen), c.daxie) << c.fen;
    if (c.fen > 0) {
      EXPECT_THAT(ParseDaxie(c.daxie), testing::IsOkAndHolds(c.fen)) << c.daxie;
      EXPECT_THAT(ParseAmountFen(c.daxie), testing::IsOkAndHolds(c.fen)) << c.daxie;
    }
  }
  // Every int64 has one.
  // 92,233,720,368,547,758.08: 9亿亿, 2233,7203亿, 6854,7758.
  EXPECT_EQ(Daxie(std::numeric_limits<int64_t>::min()),
            "负玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零捌分");
  EXPECT_THAT(ParseDaxie(Daxie(std::numeric_limits<int64_t>::max())),
              testing::IsOkAndHolds(std::numeric_limits<int64_t>::max()));
}

TEST(Daxie, ReadsEverySpellingTheRulesAllow) {
  const Case cases[] = {
      {168032, "壹仟陆佰捌拾元叁角贰分"},  // no 零 after 元 before a 角
      {10700053, "壹拾万柒仟元伍角叁分"},
      {10700053, "拾万柒仟元零伍角叁分"},  // 拾 for 壹拾 at the start
      {10700053, "拾万柒仟元伍角叁分"},
      {1000, "拾元整"},
      {140950, "人民币壹仟肆佰零玖元伍角正"},
      {140950, "壹仟肆佰零玖圆伍角整"},
      {140950, "  壹仟肆佰零玖元伍角整 "},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseAmountFen(c.daxie), testing::IsOkAndHolds(c.fen)) << c.daxie;
  }
}

TEST(Daxie, RefusesWhatTheRulesDoNotWrite) {
  const struct {
    const char* text;
    const char* message;
  } cases[] = {
      {"壹仟零零玖元整", "that amount is 壹仟零玖元整"},       // one 零 for a run
      {"伍分整", "that amount is 伍分"},                        // no 整 after 分
      {"叁佰贰拾伍元肆分", "that amount is 叁佰贰拾伍元零肆分"},  // the 零 for 角
      {"壹佰拾元整", "that amount is 壹佰壹拾元整"},             // 拾 alone only first
      {"壹仟肆佰零玖", "大写"},                                  // no 元
      {"壹贰元整", "大写"},                                      // a digit without place
      {"壹仟元整x", "大写"},
      {"伍角叁", "大写"},
      {"零元整", "must be greater than zero"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseAmountFen(c.text), RejectedWith(v1::AMOUNT_INVALID, c.message)) << c.text;
  }
  EXPECT_THAT(ParseDaxie(std::string(200, 'x')),
              RejectedWith(v1::AMOUNT_INVALID, "is longer than 64 bytes"));
  // Figures stay figures: 万 and 亿 alone are no 大写.
  EXPECT_FALSE(LooksLikeDaxie("9238万"));
  EXPECT_FALSE(LooksLikeDaxie("9.12亿元"));
  EXPECT_TRUE(LooksLikeDaxie("拾元整"));
}

TEST(Daxie, ASeededSweepReadsBackWhatItWrites) {
  const uint64_t seed = 20261201;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  for (int i = 0; i < 20000; ++i) {
    // Amounts of every size, with zeros in every place more often than at random.
    int64_t fen = static_cast<int64_t>(random() % limits::kAmountFenMax) + 1;
    const int digits = static_cast<int>(random() % 16);
    int64_t power = 1;
    for (int d = 0; d < digits; ++d) power *= 10;
    if (i % 2 == 0) fen = fen / power * power + (fen % 7 == 0 ? 0 : 1) * (fen % 100);
    if (fen <= 0) continue;
    const std::string written = Daxie(fen);
    ASSERT_THAT(ParseDaxie(written), testing::IsOkAndHolds(fen)) << written << " seed " << seed;
    // One 零 at most in a row, and never at the start.
    EXPECT_FALSE(absl::StrContains(written, "零零")) << written;
    EXPECT_FALSE(absl::StartsWith(written, "零")) << written;
  }
}

}  // namespace
}  // namespace aidledger
