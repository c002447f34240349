// 大写: an amount in Chinese uppercase numerals, as bills, vouchers and
// reports carry it next to the figures, by the People's Bank of China's
// rules for bills (正确填写票据和结算凭证的基本规定) and 会计基础工作规范
// 第五十二条:
//   - digits 零壹贰叁肆伍陆柒捌玖, places 拾佰仟, sections 万 亿 (万亿 and
//     亿亿 above them), then 元 角 分;
//   - one 零 for a run of zeros inside the number;
//   - 整 after 元 and after 角, none after 分;
//   - 零 after 元 when 角 is zero and 分 is not (325.04: 叁佰贰拾伍元零肆分),
//     and, as the PBOC's own examples write it, when the yuan end in a zero
//     and 角 is not (1,680.32: 壹仟陆佰捌拾元零叁角贰分);
//   - 壹拾 at the start (10.00: 壹拾元整).
// Fen are integers throughout; nothing here rounds.
#ifndef AIDLEDGER_BASE_DAXIE_H_
#define AIDLEDGER_BASE_DAXIE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger {

// The 大写 of `fen`: 零元整 for zero, 负 before a negative amount (a report's
// change may be one). Every int64 has one.
std::string Daxie(int64_t fen);

// Whether `text` holds a character only 大写 uses (零 to 玖, 拾 佰 仟, 圆
// 角 分 整): ParseAmountFen reads such text with ParseDaxie.
bool LooksLikeDaxie(absl::string_view text);

// Reads a positive 大写 amount. Accepted are the form Daxie prints and the
// others the rules allow: an optional 人民币 before it, 圆 for 元, 正 for
// 整, 拾 for 壹拾 at the start, and no 零 after 元 where the yuan end in a
// zero and 角 is not. Anything else, zero included, is rejected
// (AMOUNT_INVALID, naming `field`): a misspelt 大写 must not become a
// plausible figure.
absl::StatusOr<int64_t> ParseDaxie(absl::string_view text, absl::string_view field = "amount");

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_DAXIE_H_
