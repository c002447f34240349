#include "state/indicators.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"

namespace aidledger {
namespace {

using v1::Indicator;
constexpr Indicator kNone = v1::INDICATOR_UNSPECIFIED;

constexpr IndicatorInfo kIndicators[] = {
    {v1::FISCAL_ASSISTANCE, "fiscal_assistance", "财政援助资金", "fiscal assistance", "fen", "分",
     Measure::kAllocations, kNone},
    {v1::ENTERPRISE_INVESTMENT, "enterprise_investment", "引导企业投资",
     "enterprise investment guided", "fen", "分", Measure::kInvestments, kNone},
    {v1::CONSUMPTION_SALES, "consumption_sales", "消费帮扶", "consumption assistance sales", "fen",
     "分", Measure::kSales, kNone},
    {v1::ENTERPRISES_INTRODUCED, "enterprises_introduced", "引进企业", "enterprises introduced",
     "enterprises", "家", Measure::kRecorded, kNone},
    {v1::RURAL_WORKERS_EMPLOYED, "rural_workers_employed", "劳务协作·帮助农村劳动力就业",
     "rural workers helped into jobs", "people", "人", Measure::kRecorded, kNone},
    {v1::POVERTY_ALLEVIATED_WORKERS, "poverty_alleviated_workers", "脱贫劳动力",
     "workers lifted out of poverty", "people", "人", Measure::kRecorded,
     v1::RURAL_WORKERS_EMPLOYED},
    {v1::PARTY_CADRES_SENT, "party_cadres_sent", "选派党政干部", "party and government cadres sent",
     "people", "人", Measure::kRecorded, kNone},
    {v1::PROFESSIONALS_SENT, "professionals_sent", "选派专业技术人才",
     "professionals and technicians sent", "people", "人", Measure::kRecorded, kNone},
    {v1::PEOPLE_TRAINED, "people_trained", "培训干部人才", "cadres and professionals trained",
     "person_times", "人次", Measure::kRecorded, kNone},
    {v1::INDUSTRIAL_PARKS, "industrial_parks", "共建产业园区", "industrial parks built together",
     "parks", "个", Measure::kRecorded, kNone},
    {v1::SOCIAL_DONATIONS, "social_donations", "社会帮扶·捐款捐物",
     "social assistance: donations in money and kind", "fen", "分", Measure::kRecorded, kNone},
    {v1::PAIRED_SCHOOLS, "paired_schools", "结对·学校", "paired schools", "pairs", "对",
     Measure::kRecorded, kNone},
    {v1::PAIRED_HOSPITALS, "paired_hospitals", "结对·医院", "paired hospitals", "pairs", "对",
     Measure::kRecorded, kNone},
    {v1::PAIRED_VILLAGES, "paired_villages", "结对·村", "paired villages", "pairs", "对",
     Measure::kRecorded, kNone},
    {v1::PAIRED_ENTERPRISES, "paired_enterprises", "结对·企业", "paired enterprises", "pairs", "对",
     Measure::kRecorded, kNone},
    {v1::PAIRED_SOCIAL_ORGANIZATIONS, "paired_social_organizations", "结对·社会组织",
     "paired social organisations", "pairs", "对", Measure::kRecorded, kNone},
};

constexpr absl::string_view kUnknownPrefix = "indicator_";

// The units in English for tables (the JSON's unit stays the stable word).
absl::string_view UnitEnglish(absl::string_view unit) {
  if (unit == "fen") return "yuan";
  if (unit == "person_times") return "person-times";
  return unit;
}

}  // namespace

absl::Span<const IndicatorInfo> Indicators() { return kIndicators; }

const IndicatorInfo* FindIndicator(int value) {
  for (const IndicatorInfo& info : kIndicators) {
    if (info.value == value) return &info;
  }
  return nullptr;
}

absl::StatusOr<v1::Indicator> ParseIndicator(absl::string_view text, absl::string_view field) {
  for (const IndicatorInfo& info : kIndicators) {
    if (text == info.code || text == v1::Indicator_Name(info.value)) return info.value;
  }
  return Rejected(v1::FIELD_INVALID, field,
                  absl::Substitute(Tr("is not an indicator (see aidledger indicators list; got "
                                      "\"$0\")"),
                                   text.substr(0, limits::kQuotedInputBytesMax)));
}

std::string IndicatorCode(int value) {
  const IndicatorInfo* info = FindIndicator(value);
  return info != nullptr ? std::string(info->code) : absl::StrCat(kUnknownPrefix, value);
}

std::string IndicatorName(int value) {
  const IndicatorInfo* info = FindIndicator(value);
  if (info == nullptr) return IndicatorCode(value);
  return std::string(CurrentLanguage() == Language::kChinese ? info->chinese : info->english);
}

absl::string_view IndicatorUnit(int value) {
  const IndicatorInfo* info = FindIndicator(value);
  return info == nullptr ? absl::string_view() : info->unit;
}

std::string IndicatorUnitName(int value) {
  const IndicatorInfo* info = FindIndicator(value);
  if (info == nullptr) return "";
  if (CurrentLanguage() == Language::kChinese) {
    return std::string(info->money() ? "元" : info->unit_chinese);
  }
  return std::string(UnitEnglish(info->unit));
}

std::string MeasureName(Measure measure) {
  switch (measure) {
    case Measure::kAllocations: return std::string(Tr("derived from allocations"));
    case Measure::kInvestments: return std::string(Tr("derived from investments with a helper"));
    case Measure::kSales: return std::string(Tr("derived from sales with a helper"));
    case Measure::kRecorded: break;
  }
  return std::string(Tr("recorded"));
}

}  // namespace aidledger
