#include "state/vocabulary.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/strings/str_join.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"

namespace aidledger {
namespace {

constexpr Word kProgramWords[] = {
    {"east-west", v1::EAST_WEST_COOPERATION},
    {"counterpart", v1::COUNTERPART_SUPPORT},
    {"intra-province", v1::INTRA_PROVINCE},
};

constexpr Word kCategoryWords[] = {
    {"industry", v1::INDUSTRY},         {"infrastructure", v1::INFRASTRUCTURE},
    {"public-service", v1::PUBLIC_SERVICE}, {"education", v1::EDUCATION},
    {"health", v1::HEALTH},             {"employment", v1::EMPLOYMENT},
    {"other", v1::OTHER},
};

constexpr Word kSourceWords[] = {{"fiscal", v1::FISCAL}, {"social", v1::SOCIAL}};

constexpr Word kPaymentMethodWords[] = {
    {"treasury-direct", v1::TREASURY_DIRECT},
    {"bank-transfer", v1::BANK_TRANSFER},
    {"cash", v1::CASH},
    {"other", v1::OTHER_METHOD},
};

constexpr Word kStageWords[] = {
    {"stored", v1::STORED},       {"planned", v1::PLANNED},   {"started", v1::STARTED},
    {"completed", v1::COMPLETED}, {"accepted", v1::ACCEPTED},
};

constexpr Word kEvidenceKindWords[] = {
    {"approval", v1::APPROVAL},
    {"contract", v1::CONTRACT},
    {"invoice", v1::INVOICE},
    {"acceptance", v1::ACCEPTANCE},
    {"payment_voucher", v1::PAYMENT_VOUCHER},
    {"photo", v1::PHOTO},
    {"other", v1::OTHER_EVIDENCE},
};

constexpr Word kEventTypeWords[] = {
    {"region", v1::Event::kRegionRegistered},
    {"pairing", v1::Event::kPairingEstablished},
    {"project", v1::Event::kProjectRegistered},
    {"allocation", v1::Event::kFundsAllocated},
    {"disbursement", v1::Event::kFundsDisbursed},
    {"investment", v1::Event::kInvestmentRecorded},
    {"sale", v1::Event::kSaleRecorded},
    {"reversal", v1::Event::kEventReversed},
    {"project-amendment", v1::Event::kProjectAmended},
    {"region-amendment", v1::Event::kRegionAmended},
    {"pairing-end", v1::Event::kPairingEnded},
    {"indicator", v1::Event::kIndicatorRecorded},
    {"target", v1::Event::kTargetSet},
    {"close", v1::Event::kPeriodClosed},
    {"signature", v1::Event::kDigestSigned},
    {"stage", v1::Event::kProjectStageChanged},
    {"policy", v1::Event::kPolicySet},
};

}  // namespace

const Vocabulary kPrograms = {"program", kProgramWords, &v1::Program_descriptor};
const Vocabulary kCategories = {"category", kCategoryWords, &v1::ProjectCategory_descriptor};
const Vocabulary kSources = {"source", kSourceWords, &v1::FundSource_descriptor};
const Vocabulary kPaymentMethods = {"payment_method", kPaymentMethodWords,
                                    &v1::PaymentMethod_descriptor};
const Vocabulary kStages = {"stage", kStageWords, &v1::ProjectStage_descriptor};
const Vocabulary kEvidenceKinds = {"evidence.kind", kEvidenceKindWords,
                                   &v1::EvidenceKind_descriptor};
const Vocabulary kEventTypes = {"type", kEventTypeWords, nullptr};

absl::string_view CategoryChinese(int category) {
  switch (category) {
    case v1::INDUSTRY:
      return "产业发展";
    case v1::INFRASTRUCTURE:
      return "基础设施";
    case v1::PUBLIC_SERVICE:
      return "公共服务";
    case v1::EDUCATION:
      return "教育";
    case v1::HEALTH:
      return "医疗卫生";
    case v1::EMPLOYMENT:
      return "就业";
    case v1::OTHER:
      return "其他";
    default:
      return "";
  }
}

absl::string_view StageChinese(int stage) {
  switch (stage) {
    case v1::STORED:
      return "入库";
    case v1::PLANNED:
      return "计划";
    case v1::STARTED:
      return "开工";
    case v1::COMPLETED:
      return "完工";
    case v1::ACCEPTED:
      return "验收";
    default:
      return "";
  }
}

absl::string_view ProgramChinese(int program) {
  switch (program) {
    case v1::EAST_WEST_COOPERATION:
      return "东西部协作";
    case v1::COUNTERPART_SUPPORT:
      return "对口支援";
    case v1::INTRA_PROVINCE:
      return "省内协作";
    default:
      return "未指明帮扶类型";
  }
}

absl::StatusOr<int> ParseWord(const Vocabulary& vocabulary, absl::string_view text) {
  for (const Word& word : vocabulary.words) {
    if (text == word.text) return word.value;
  }
  if (vocabulary.descriptor != nullptr) {
    const google::protobuf::EnumValueDescriptor* value =
        vocabulary.descriptor()->FindValueByName(std::string(text));
    if (value != nullptr && value->number() != 0) return value->number();
  }
  return Rejected(v1::FIELD_INVALID, vocabulary.field,
                  absl::Substitute(Tr("must be one of $0 (got \"$1\")"),
                                   JoinedWords(vocabulary, ", "),
                                   text.substr(0, limits::kQuotedInputBytesMax)));
}

absl::string_view WordFor(const Vocabulary& vocabulary, int value) {
  for (const Word& word : vocabulary.words) {
    if (word.value == value) return word.text;
  }
  return "";
}

std::vector<std::string> Words(const Vocabulary& vocabulary) {
  std::vector<std::string> words;
  for (const Word& word : vocabulary.words) words.emplace_back(word.text);
  return words;
}

std::string JoinedWords(const Vocabulary& vocabulary, absl::string_view separator) {
  return absl::StrJoin(vocabulary.words, separator,
                       [](std::string* out, const Word& word) { absl::StrAppend(out, word.text); });
}

std::string JoinedProtoNames(const Vocabulary& vocabulary, absl::string_view separator) {
  return absl::StrJoin(vocabulary.words, separator, [&](std::string* out, const Word& word) {
    out->append(vocabulary.descriptor()->FindValueByNumber(word.value)->name());
  });
}

absl::string_view EventTypeWord(const v1::Event& event) {
  absl::string_view word = WordFor(kEventTypes, event.payload_case());
  return word.empty() ? "unknown" : word;
}

}  // namespace aidledger
