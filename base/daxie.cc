#include "base/daxie.h"

#include <array>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"

namespace aidledger {
namespace {

constexpr std::array<const char*, 10> kDigits = {"零", "壹", "贰", "叁", "肆",
                                                       "伍", "陆", "柒", "捌", "玖"};
// 拾 佰 仟 for the places 1, 2, 3 of a number below 10,000.
constexpr std::array<const char*, 4> kPlaces = {"", "拾", "佰", "仟"};
constexpr uint64_t kWan = 10'000;
constexpr uint64_t kYi = 100'000'000;

// Appends the 大写 of 0 < n < kWan: one 零 for a run of zeros between two
// digits, none at the end.
void AppendBelowWan(uint64_t n, std::string* out) {
  bool zero_pending = false, started = false;
  for (int place = 3; place >= 0; --place) {
    uint64_t power = 1;
    for (int i = 0; i < place; ++i) power *= 10;
    const uint64_t digit = n / power % 10;
    if (digit == 0) {
      zero_pending = started;
      continue;
    }
    if (zero_pending) out->append(kDigits[0]);
    zero_pending = false;
    started = true;
    out->append(kDigits[digit]);
    out->append(kPlaces[place]);
  }
}

// The sections above the first four places, largest first.
struct Section {
  uint64_t size;
  const char* name;
};
constexpr std::array<Section, 2> kSections = {{{kYi, "亿"}, {kWan, "万"}}};

// Appends the 大写 of whole yuan n > 0: a number of 亿 (itself written with
// 万 and 亿), then of 万, then the rest, with 零 where zeros separate two
// parts (the rest's first place is a zero).
void AppendYuan(uint64_t n, std::string* out) {
  for (const Section& section : kSections) {
    if (n < section.size) continue;
    AppendYuan(n / section.size, out);
    out->append(section.name);
    const uint64_t rest = n % section.size;
    if (rest == 0) return;
    if (rest < section.size / 10) out->append(kDigits[0]);
    AppendYuan(rest, out);
    return;
  }
  AppendBelowWan(n, out);
}

absl::Status Bad(absl::string_view field, absl::string_view text, absl::string_view why) {
  return Rejected(v1::AMOUNT_INVALID, field, absl::Substitute(Tr("$0 (got \"$1\")"), why, text));
}

// The value of a 大写 text, leniently: every digit, place and section is
// counted where it stands, and ParseDaxie then accepts the text only if it
// is one of the spellings of that value. nullopt for a character that is
// not 大写, a digit without its place, or a value past 64 bits.
std::optional<uint64_t> LenientFen(absl::string_view text) {
  uint64_t total = 0, section = 0, number = 0, yuan = 0, fen = 0;
  bool after_yuan = false, digit_pending = false;
  auto add = [](uint64_t* to, uint64_t a, uint64_t times) {
    uint64_t product;
    return !__builtin_mul_overflow(a, times, &product) &&
           !__builtin_add_overflow(*to, product, to);
  };
  for (size_t steps = 0; !text.empty() && steps < limits::kAmountTextBytesMax; ++steps) {
    int digit = -1;
    for (int d = 0; d < 10 && digit < 0; ++d) {
      if (absl::ConsumePrefix(&text, kDigits[d])) digit = d;
    }
    if (digit == 0) continue;
    if (digit > 0) {
      if (digit_pending) return std::nullopt;
      number = static_cast<uint64_t>(digit);
      digit_pending = true;
      continue;
    }
    uint64_t place = 0;
    if (absl::ConsumePrefix(&text, "拾")) place = 10;
    else if (absl::ConsumePrefix(&text, "佰")) place = 100;
    else if (absl::ConsumePrefix(&text, "仟")) place = 1000;
    if (place != 0) {
      if (after_yuan || (!digit_pending && place != 10)) return std::nullopt;
      if (!add(&section, digit_pending ? number : 1, place)) return std::nullopt;
    } else if (absl::ConsumePrefix(&text, "万")) {
      uint64_t part = 0;
      if (after_yuan || !add(&part, section + (digit_pending ? number : 0), kWan)) return std::nullopt;
      section = part;
    } else if (absl::ConsumePrefix(&text, "亿")) {
      uint64_t part = 0;
      if (after_yuan || !add(&part, total + section + (digit_pending ? number : 0), kYi)) {
        return std::nullopt;
      }
      total = part;
      section = 0;
    } else if (absl::ConsumePrefix(&text, "元")) {
      if (after_yuan) return std::nullopt;
      yuan = total + section + (digit_pending ? number : 0);
      after_yuan = true;
    } else if (absl::ConsumePrefix(&text, "角")) {
      if (!digit_pending) return std::nullopt;
      fen += number * 10;
      after_yuan = true;
    } else if (absl::ConsumePrefix(&text, "分")) {
      if (!digit_pending) return std::nullopt;
      fen += number;
      after_yuan = true;
    } else if (!absl::ConsumePrefix(&text, "整")) {
      return std::nullopt;
    }
    digit_pending = false;
    number = 0;
  }
  if (!text.empty() || digit_pending) return std::nullopt;
  uint64_t value = fen;
  if (!add(&value, yuan, 100)) return std::nullopt;
  return value;
}

// Every spelling of `fen` > 0 that ParseDaxie accepts, Daxie's first.
std::vector<std::string> Spellings(int64_t fen) {
  std::vector<std::string> spellings = {Daxie(fen)};
  // No 零 after 元 where the yuan end in a zero and 角 is not zero (the 零
  // stays where 角 is zero: it stands for the 角).
  if (fen >= 100 && fen / 100 % 10 == 0 && fen / 10 % 10 != 0) {
    spellings.push_back(absl::StrReplaceAll(spellings[0], {{"元零", "元"}}));
  }
  const size_t forms = spellings.size();
  for (size_t i = 0; i < forms; ++i) {
    absl::string_view form = spellings[i];
    if (absl::ConsumePrefix(&form, "壹拾")) spellings.push_back(absl::StrCat("拾", form));
  }
  return spellings;
}

}  // namespace

std::string Daxie(int64_t fen) {
  const uint64_t magnitude =
      fen < 0 ? uint64_t{0} - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  const uint64_t yuan = magnitude / 100, jiao = magnitude / 10 % 10, cents = magnitude % 10;
  if (magnitude == 0) return "零元整";
  std::string out = fen < 0 ? "负" : "";
  if (yuan > 0) {
    AppendYuan(yuan, &out);
    out.append("元");
  }
  if (jiao == 0 && cents == 0) return out.append("整");
  if (yuan > 0 && (jiao == 0 || yuan % 10 == 0)) out.append(kDigits[0]);
  if (jiao > 0) out.append(kDigits[jiao]).append("角");
  if (cents > 0) return out.append(kDigits[cents]).append("分");
  return out.append("整");
}

bool LooksLikeDaxie(absl::string_view text) {
  for (absl::string_view mark : {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖", "拾",
                                 "佰", "仟", "圆", "角", "分", "整"}) {
    if (absl::StrContains(text, mark)) return true;
  }
  return false;
}

absl::StatusOr<int64_t> ParseDaxie(absl::string_view original, absl::string_view field) {
  if (original.size() > 3 * limits::kAmountTextBytesMax) {
    return Bad(field, original.substr(0, 24), Tr("is longer than 64 bytes"));
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(original);
  absl::ConsumePrefix(&trimmed, "人民币");
  const std::string text = absl::StrReplaceAll(trimmed, {{"圆", "元"}, {"正", "整"}});
  const std::optional<uint64_t> value = LenientFen(text);
  if (!value.has_value()) {
    return Bad(field, original,
               Tr("is not an amount in Chinese uppercase (大写) like 壹仟肆佰零玖元伍角整"));
  }
  if (*value == 0) return Bad(field, original, Tr("must be greater than zero"));
  if (*value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Bad(field, original, Tr("is too large for a 64-bit fen amount"));
  }
  const int64_t fen = static_cast<int64_t>(*value);
  for (const std::string& spelling : Spellings(fen)) {
    if (spelling == text) return fen;
  }
  return Bad(field, original,
             absl::Substitute(Tr("is not written by the rules of 大写: that amount is $0"),
                              Daxie(fen)));
}

}  // namespace aidledger
