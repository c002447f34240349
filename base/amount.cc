#include "base/amount.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "base/daxie.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

constexpr absl::string_view kYuanSign = "\xC2\xA5";          // ¥
constexpr absl::string_view kFullwidthYuanSign = "\xEF\xBF\xA5";  // ￥
constexpr absl::string_view kWan = "\xE4\xB8\x87";            // 万
constexpr absl::string_view kYi = "\xE4\xBA\xBF";             // 亿
constexpr absl::string_view kYuan = "\xE5\x85\x83";           // 元

absl::Status Bad(absl::string_view field, absl::string_view text,
                 absl::string_view why) {
  return Rejected(v1::AMOUNT_INVALID, field,
                  absl::Substitute(Tr("$0 (got \"$1\")"), why, text));
}

// Splits off the integer digits, checking comma groups: either no commas at
// all, or a first group of 1-3 digits followed by groups of exactly three.
bool IntegerDigits(absl::string_view part, std::string* digits) {
  if (part.empty()) return false;
  const bool has_comma = part.find(',') != absl::string_view::npos;
  size_t group = 0;
  bool first_group = true;
  for (char c : part) {
    if (c == ',') {
      if (group == 0 || (first_group ? group > 3 : group != 3)) return false;
      first_group = false;
      group = 0;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    digits->push_back(c);
    ++group;
  }
  if (has_comma && group != 3) return false;
  return true;
}

// `original` with full-width digits and separators (１２３，４５６．７８) in
// their ASCII forms, or the rejection of a text too long. A full-width
// character is three bytes in UTF-8, so the text may be three times the
// limit before that.
absl::StatusOr<std::string> AmountText(absl::string_view original, absl::string_view field) {
  if (original.size() > 3 * limits::kAmountTextBytesMax) {
    return Bad(field, original.substr(0, 24), Tr("is longer than 64 bytes"));
  }
  std::string text = NormalizeFullwidth(original);
  if (text.size() > limits::kAmountTextBytesMax) {
    return Bad(field, absl::string_view(text).substr(0, 24), Tr("is longer than 64 bytes"));
  }
  return text;
}

}  // namespace

absl::StatusOr<int64_t> ParseAmountFen(absl::string_view original,
                                       absl::string_view field) {
  if (LooksLikeDaxie(original)) return ParseDaxie(original, field);
  ASSIGN_OR_RETURN(const std::string text, AmountText(original, field));
  absl::string_view rest = absl::StripAsciiWhitespace(text);
  if (rest.empty()) return Bad(field, original, Tr("is empty"));
  if (!absl::ConsumePrefix(&rest, kYuanSign)) {
    absl::ConsumePrefix(&rest, kFullwidthYuanSign);
  }
  rest = absl::StripLeadingAsciiWhitespace(rest);  // "￥ 1,234.56"

  absl::ConsumeSuffix(&rest, kYuan);
  // The decimal places down to one fen: 2 for yuan, 4 more for 万 (10^4
  // yuan), 8 more for 亿 (10^8 yuan).
  int fraction_digits_max = 2;
  if (absl::ConsumeSuffix(&rest, kWan)) {
    fraction_digits_max = 6;
  } else if (absl::ConsumeSuffix(&rest, kYi)) {
    fraction_digits_max = 10;
  }
  if (rest.empty()) return Bad(field, original, Tr("has no digits"));
  if (rest.front() == '-' || rest.front() == '+') {
    return Bad(field, original, Tr("must be a positive number without a sign"));
  }
  absl::string_view int_part = rest;
  absl::string_view frac_part;
  bool has_point = false;
  if (size_t dot = rest.find('.'); dot != absl::string_view::npos) {
    int_part = rest.substr(0, dot);
    frac_part = rest.substr(dot + 1);
    has_point = true;
  }
  std::string digits;
  if (!IntegerDigits(int_part, &digits)) {
    return Bad(field, original, Tr("is not a number like 1234.56, 1,234.56 or 9238万"));
  }
  if (has_point && frac_part.empty()) {
    return Bad(field, original, Tr("has a decimal point without digits after it"));
  }
  for (char c : frac_part) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Bad(field, original, Tr("is not a number like 1234.56, 1,234.56 or 9238万"));
    }
  }
  // Trailing zeros do not add precision; anything else past the fen does.
  while (!frac_part.empty() && frac_part.back() == '0') frac_part.remove_suffix(1);
  if (static_cast<int>(frac_part.size()) > fraction_digits_max) {
    return Bad(field, original, Tr("is more precise than one fen (0.01 yuan)"));
  }
  // value_fen = (int_digits . frac_digits) * 10^fraction_digits_max, in integers.
  std::string fen_digits = digits;
  fen_digits.append(frac_part.data(), frac_part.size());
  int pad = fraction_digits_max - static_cast<int>(frac_part.size());
  fen_digits.append(static_cast<size_t>(pad), '0');
  int64_t value = 0;
  for (char c : fen_digits) {
    if (__builtin_mul_overflow(value, int64_t{10}, &value) ||
        __builtin_add_overflow(value, int64_t{c - '0'}, &value)) {
      return Bad(field, original, Tr("is too large for a 64-bit fen amount"));
    }
  }
  if (value == 0) return Bad(field, original, Tr("must be greater than zero"));
  return value;
}

absl::Status CheckAmountAtMost(int64_t amount_fen, absl::string_view field) {
  if (amount_fen > limits::kAmountFenMax) {
    return Rejected(v1::AMOUNT_INVALID, field,
                    absl::Substitute(Tr("must be at most $0 fen (10 trillion yuan, 10万亿元; got "
                                        "$1 fen)"),
                                     limits::kAmountFenMax, amount_fen));
  }
  return absl::OkStatus();
}

std::string PlainFen(int64_t fen, AmountUnit unit) {
  // Work on the magnitude as unsigned so that INT64_MIN formats too.
  const bool negative = fen < 0;
  const uint64_t magnitude = negative ? (~static_cast<uint64_t>(fen) + 1)
                                      : static_cast<uint64_t>(fen);
  int decimals = 2;
  if (unit == AmountUnit::kWan) decimals = 6;
  if (unit == AmountUnit::kYi) decimals = 10;
  if (unit == AmountUnit::kFen) decimals = 0;
  uint64_t divisor = 1;
  for (int i = 0; i < decimals; ++i) divisor *= 10;
  std::string text = absl::StrCat(negative ? "-" : "", magnitude / divisor);
  if (decimals == 0) return text;
  std::string fraction_text = absl::StrCat(magnitude % divisor);
  fraction_text.insert(0, static_cast<size_t>(decimals) - fraction_text.size(), '0');
  while (fraction_text.size() > 2 && fraction_text.back() == '0') fraction_text.pop_back();
  return absl::StrCat(text, ".", fraction_text);
}

namespace {

// `plain` ("-1234567.89") with its whole digits grouped by thousands.
std::string GroupDigits(const std::string& plain) {
  const size_t digits_from = plain[0] == '-' ? 1 : 0;
  const size_t digits_to = std::min(plain.find('.'), plain.size());
  std::string grouped = plain.substr(0, digits_from);
  for (size_t i = digits_from; i < digits_to; ++i) {
    if (i > digits_from && (digits_to - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(plain[i]);
  }
  return grouped + plain.substr(digits_to);
}

}  // namespace

std::string FormatFen(int64_t fen, AmountUnit unit) { return GroupDigits(PlainFen(fen, unit)); }

std::string FormatCount(int64_t count) { return GroupDigits(absl::StrCat(count)); }

}  // namespace aidledger
