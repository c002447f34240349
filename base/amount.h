// Money is int64 fen (1/100 yuan). No floating point touches it: amounts are
// parsed from text with integer arithmetic and printed the same way.
#ifndef AIDLEDGER_BASE_AMOUNT_H_
#define AIDLEDGER_BASE_AMOUNT_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace aidledger {

// Parses a positive amount written as people write it, into fen:
//   "1234.56", "1,234.56", "¥1,234.56", "￥12", "12元", "9238万", "9.12亿",
//   "2100万元".
// Text in 大写 (壹仟肆佰零玖元伍角整) is read by ParseDaxie (base/daxie.h).
// Grammar: [¥|￥] digits-with-optional-3-digit-comma-groups [. digits]
//          [万|亿] [元]
// The scale (元 = 100 fen, 万 = 10^6 fen, 亿 = 10^10 fen) bounds the fraction:
// a fraction finer than one fen is rejected, as are zero, signs, overflow and
// anything else. `field` names the input in the rejection message, which
// quotes the offending text.
absl::StatusOr<int64_t> ParseAmountFen(absl::string_view text,
                                       absl::string_view field = "amount");

// kAmountFenMax is the most one event may carry: above it, AMOUNT_INVALID
// naming `field` and the limit.
absl::Status CheckAmountAtMost(int64_t amount_fen, absl::string_view field);

// Display units for amounts: yuan, 万元, 亿元, and fen (machines).
enum class AmountUnit { kYuan, kWan, kYi, kFen };

// "1,234,567.89" for 123456789 fen in yuan; in 万 or 亿 the value is shown
// with enough decimals to stay exact to the fen (trailing zeros beyond two
// decimals are trimmed); in fen it is the whole number. Negative values get
// a leading '-'.
std::string FormatFen(int64_t fen, AmountUnit unit = AmountUnit::kYuan);
// A whole number grouped by thousands: "55,750".
std::string FormatCount(int64_t count);

// The same without the thousands separators, as a spreadsheet cell takes a
// number: "1234567.89", "123.456789" (万), "123456789" (fen).
std::string PlainFen(int64_t fen, AmountUnit unit = AmountUnit::kYuan);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_AMOUNT_H_
