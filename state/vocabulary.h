// Vocabularies: the words people and files use for the ledger's enums, one
// table per enum. Drafts (CSV, the CLI's flags, HTTP form fields), the CLI's
// choices and help, table and CSV output and the event type filters are all
// derived from these tables, so that a word is spelled in one place.
//
// Each word stands for one value of a protobuf enum (or, for event types, of
// the Event payload's case). Parsing accepts the word or the proto name
// ("east-west" or "EAST_WEST_COOPERATION"), so that people and JSON exports
// both work.
#ifndef AIDLEDGER_STATE_VOCABULARY_H_
#define AIDLEDGER_STATE_VOCABULARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aidledger/v1/events.pb.h"

namespace aidledger {

struct Word {
  absl::string_view text;  // as people write it: "east-west"
  int value;               // the enum value (or payload case) it stands for
};

struct Vocabulary {
  absl::string_view field;        // the field it spells, named in rejections
  absl::Span<const Word> words;   // in the order choices are listed
  // The enum's descriptor, for its proto names; null for event types.
  const google::protobuf::EnumDescriptor* (*descriptor)();
};

// program: east-west | counterpart | intra-province
extern const Vocabulary kPrograms;
// category: industry | infrastructure | public-service | education | health
//           | employment | other
extern const Vocabulary kCategories;
// source: fiscal | social
extern const Vocabulary kSources;
// payment_method: treasury-direct | bank-transfer | cash | other
extern const Vocabulary kPaymentMethods;
// stage: stored | planned | started | completed | accepted
extern const Vocabulary kStages;
// evidence kind: approval | contract | invoice | acceptance |
//                payment_voucher | photo | other (the issue's own words)
extern const Vocabulary kEvidenceKinds;
// type (the event's payload): region | pairing | project | allocation |
//       disbursement | investment | sale | reversal
extern const Vocabulary kEventTypes;

// The value `text` names (a word, or a proto name other than the
// unspecified zero), or FIELD_INVALID naming vocabulary.field and listing
// the words.
absl::StatusOr<int> ParseWord(const Vocabulary& vocabulary, absl::string_view text);

// The word for `value`; empty when it has none (unspecified, unknown).
absl::string_view WordFor(const Vocabulary& vocabulary, int value);

// A program's name in a Chinese report: 东西部协作, 对口支援, 省内协作, and
// 未指明帮扶类型 for the unspecified value (a sale with no helper).
absl::string_view ProgramChinese(int program);

// A project category's name in Chinese: 产业发展, 基础设施, 公共服务, 教育,
// 医疗卫生, 就业, 其他; empty for none.
absl::string_view CategoryChinese(int category);

// A project stage's name in Chinese: 入库, 计划, 开工, 完工, 验收; empty for
// none.
absl::string_view StageChinese(int stage);

// The words, in order.
std::vector<std::string> Words(const Vocabulary& vocabulary);
// The words joined by `separator`: "fiscal|social".
std::string JoinedWords(const Vocabulary& vocabulary, absl::string_view separator);
// The proto names of the words' values joined by `separator`: "FISCAL or SOCIAL".
std::string JoinedProtoNames(const Vocabulary& vocabulary, absl::string_view separator);

// An event's type word ("allocation"); "unknown" when it has no payload.
absl::string_view EventTypeWord(const v1::Event& event);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_VOCABULARY_H_
