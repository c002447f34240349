#include "app/drafts.h"

#include <algorithm>
#include <set>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/fields.h"
#include "base/amount.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "state/indicators.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

// Reads fields, remembering which were used so that a stray column (a typo
// in a CSV header) is rejected instead of silently dropped.
class Fields {
 public:
  explicit Fields(const FieldMap& fields) : fields_(fields) {}
  // `name` must outlive this Fields (callers pass literals).
  const std::string& Get(absl::string_view name) {
    if (std::find(used_.begin(), used_.end(), name) == used_.end()) used_.push_back(name);
    auto it = fields_.find(name);
    return it == fields_.end() ? Empty() : it->second;
  }
  absl::StatusOr<int64_t> Amount(absl::string_view name, bool required) {
    const std::string& text = Get(name);
    if (text.empty()) {
      if (required) return Rejected(v1::FIELD_MISSING, name, Tr("is required"));
      return 0;
    }
    return ParseAmountFen(text, name);
  }
  // A year YYYY; 0 when the field is empty.
  absl::StatusOr<int32_t> Year(absl::string_view name) {
    const std::string& text = Get(name);
    int32_t year = 0;
    if (text.empty()) return year;
    if (text.size() != 4 || !absl::SimpleAtoi(text, &year)) {
      return Rejected(v1::FIELD_INVALID, name,
                      absl::Substitute(Tr("must be a year YYYY (got \"$0\")"),
                                       text.substr(0, limits::kQuotedInputBytesMax)));
    }
    return year;
  }
  absl::Status CheckAllUsed() const {
    for (const auto& [name, value] : fields_) {
      if (!value.empty() && std::find(used_.begin(), used_.end(), name) == used_.end()) {
        return Rejected(v1::FIELD_INVALID, name, Tr("is not a field of this event type"));
      }
    }
    return absl::OkStatus();
  }

 private:
  static const std::string& Empty() {
    static const std::string* const kEmpty = new std::string();
    return *kEmpty;
  }

  const FieldMap& fields_;
  // The names asked for: a dozen at most, so a vector searched in order.
  absl::InlinedVector<absl::string_view, 16> used_;
};

// A project's category and budget, as a registration and an amendment
// both take them (either may be left out).
template <typename Project>
absl::Status FillCategoryAndBudget(Fields& f, Project* p) {
  const std::string category = f.Get("category");
  if (!category.empty()) {
    ASSIGN_OR_RETURN(v1::ProjectCategory value, ParseCategory(category));
    p->set_category(value);
  }
  ASSIGN_OR_RETURN(int64_t budget, f.Amount("budget", false));
  p->set_budget_fen(budget);
  return absl::OkStatus();
}

// A project amendment: each field given replaces the project's.
absl::Status FillProjectAmendment(Fields& f, v1::Event* event) {
  v1::ProjectAmended& p = *event->mutable_project_amended();
  p.set_project_id(f.Get("project_id"));
  p.set_name(f.Get("name"));
  RETURN_IF_ERROR(FillCategoryAndBudget(f, &p));
  p.set_reason(f.Get("reason"));
  return absl::OkStatus();
}

// An indicator's value as typed: an amount (yuan, as `amount` takes it)
// for a money indicator, a whole number (thousands separators allowed)
// otherwise.
absl::StatusOr<int64_t> IndicatorValue(int indicator, const std::string& text,
                                       absl::string_view field) {
  if (text.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  const IndicatorInfo* info = FindIndicator(indicator);
  if (info != nullptr && info->money()) return ParseAmountFen(text, field);
  int64_t value = 0;
  if (text.size() > limits::kAmountTextBytesMax ||
      !absl::SimpleAtoi(absl::StrReplaceAll(text, {{",", ""}}), &value)) {
    return Rejected(v1::FIELD_INVALID, field,
                    absl::Substitute(Tr("must be a whole number of $0 (got \"$1\")"),
                                     IndicatorUnitName(indicator),
                                     text.substr(0, limits::kQuotedInputBytesMax)));
  }
  return value;
}

absl::StatusOr<v1::Indicator> NeedIndicatorCode(const std::string& text, absl::string_view field) {
  if (text.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  return ParseIndicator(text, field);
}

// of_which: "code=N;code=N", each a breakdown in its own unit.
absl::Status FillBreakdowns(const std::string& text, v1::IndicatorRecorded* p) {
  if (text.empty()) return absl::OkStatus();
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ';', absl::SkipWhitespace());
  if (parts.size() > static_cast<size_t>(limits::kIndicatorBreakdownsMax)) {
    return Rejected(v1::FIELD_INVALID, "of_which",
                    absl::Substitute(Tr("holds $0 breakdowns, more than $1"), parts.size(),
                                     limits::kIndicatorBreakdownsMax));
  }
  for (absl::string_view part : parts) {
    const std::pair<absl::string_view, absl::string_view> named =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    const std::string code(absl::StripAsciiWhitespace(named.first));
    const std::string number(absl::StripAsciiWhitespace(named.second));
    if (code.empty() || number.empty()) {
      return Rejected(v1::FIELD_INVALID, "of_which",
                      absl::Substitute(Tr("must be CODE=N, as poverty_alleviated_workers=120 "
                                          "(got \"$0\")"),
                                       part.substr(0, limits::kQuotedInputBytesMax)));
    }
    ASSIGN_OR_RETURN(const v1::Indicator indicator, ParseIndicator(code, "of_which"));
    ASSIGN_OR_RETURN(const int64_t value, IndicatorValue(indicator, number, "of_which"));
    v1::IndicatorBreakdown& breakdown = *p->add_of_which();
    breakdown.set_indicator(indicator);
    breakdown.set_value(value);
  }
  return absl::OkStatus();
}

absl::Status FillIndicator(Fields& f, v1::Event* event) {
  v1::IndicatorRecorded& p = *event->mutable_indicator_recorded();
  p.set_helper_code(f.Get("helper_code"));
  p.set_recipient_code(f.Get("recipient_code"));
  ASSIGN_OR_RETURN(const v1::Indicator indicator, NeedIndicatorCode(f.Get("indicator"), "indicator"));
  p.set_indicator(indicator);
  ASSIGN_OR_RETURN(const int64_t value, IndicatorValue(indicator, f.Get("value"), "value"));
  p.set_value(value);
  RETURN_IF_ERROR(FillBreakdowns(f.Get("of_which"), &p));
  p.set_project_id(f.Get("project_id"));
  p.set_description(f.Get("description"));
  p.set_evidence(f.Get("evidence"));
  return absl::OkStatus();
}

absl::Status FillTarget(Fields& f, v1::Event* event) {
  v1::TargetSet& t = *event->mutable_target_set();
  const std::string& year = f.Get("year");
  int value = 0;
  if (year.empty()) return Rejected(v1::FIELD_MISSING, "year", Tr("is required"));
  if (year.size() != 4 || !absl::SimpleAtoi(year, &value)) {
    return Rejected(v1::FIELD_INVALID, "year",
                    absl::Substitute(Tr("must be a year YYYY (got \"$0\")"),
                                     year.substr(0, limits::kQuotedInputBytesMax)));
  }
  t.set_year(value);
  t.set_helper_code(f.Get("helper_code"));
  t.set_recipient_code(f.Get("recipient_code"));
  ASSIGN_OR_RETURN(const v1::Indicator indicator, NeedIndicatorCode(f.Get("indicator"), "indicator"));
  t.set_indicator(indicator);
  ASSIGN_OR_RETURN(const int64_t target, IndicatorValue(indicator, f.Get("value"), "value"));
  t.set_value(target);
  t.set_reason(f.Get("reason"));
  return absl::OkStatus();
}

// A registration's plan and who answers for the project (issue 25).
void FillProjectPlan(Fields& f, v1::ProjectRegistered* p) {
  p->set_planned_start(NormalizeDate(f.Get("planned_start")));
  p->set_planned_end(NormalizeDate(f.Get("planned_end")));
  p->set_responsible_unit(f.Get("responsible_unit"));
  p->set_responsible_person(f.Get("responsible_person"));
  p->set_expected_goals(f.Get("expected_goals"));
}

// The payee's account: its SHA-256 as given (payee_account_hash, as replay
// writes it), or the number as typed (payee_account), hashed here so that
// the number itself never reaches the log. Spaces and hyphens people group
// digits with are not part of the number.
absl::Status FillPayeeAccount(Fields& f, v1::FundsDisbursed* d) {
  const std::string& hash = f.Get("payee_account_hash");
  const std::string& typed = f.Get("payee_account");
  if (typed.empty()) {
    d->set_payee_account_hash(hash);
    return absl::OkStatus();
  }
  if (!hash.empty()) {
    return Rejected(v1::FIELD_INVALID, "payee_account",
                    Tr("give the account number or its hash (payee_account_hash), not both"));
  }
  const std::string number = absl::StrReplaceAll(typed, {{" ", ""}, {"-", ""}});
  const bool alphanumeric =
      !number.empty() && number.size() <= limits::kAccountNumberBytesMax &&
      std::all_of(number.begin(), number.end(), [](char c) { return absl::ascii_isalnum(c); });
  if (!alphanumeric) {
    return Rejected(v1::FIELD_INVALID, "payee_account",
                    absl::Substitute(Tr("must be an account number of at most $0 letters and "
                                        "digits"),
                                     limits::kAccountNumberBytesMax));
  }
  d->set_payee_account_hash(Hex(Sha256({number})));
  return absl::OkStatus();
}

// Who was paid and how (issue 25).
absl::Status FillPayment(Fields& f, v1::FundsDisbursed* d) {
  d->set_payee(f.Get("payee"));
  RETURN_IF_ERROR(FillPayeeAccount(f, d));
  const std::string& method = f.Get("payment_method");
  if (!method.empty()) {
    ASSIGN_OR_RETURN(const int value, ParseWord(kPaymentMethods, method));
    d->set_payment_method(static_cast<v1::PaymentMethod>(value));
  }
  d->set_contract_number(f.Get("contract_number"));
  d->set_purpose(f.Get("purpose"));
  return absl::OkStatus();
}

absl::Status FillStage(Fields& f, v1::Event* event) {
  v1::ProjectStageChanged& p = *event->mutable_project_stage_changed();
  p.set_project_id(f.Get("project_id"));
  const std::string& stage = f.Get("stage");
  if (stage.empty()) return Rejected(v1::FIELD_MISSING, "stage", Tr("is required"));
  ASSIGN_OR_RETURN(const int value, ParseWord(kStages, stage));
  p.set_stage(static_cast<v1::ProjectStage>(value));
  p.set_reason(f.Get("reason"));
  return absl::OkStatus();
}

// evidence_files: one file a line, KIND:SHA256:SIZE:NAME (the name last, so
// that it may hold colons).
absl::Status FillEvidenceFiles(const std::string& text, v1::Event* event) {
  if (text.empty()) return absl::OkStatus();
  const std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  if (lines.size() > static_cast<size_t>(limits::kEvidencePerEventMax)) {
    return Rejected(v1::FIELD_INVALID, "evidence_files",
                    absl::Substitute(Tr("names $0 files, more than $1"), lines.size(),
                                     limits::kEvidencePerEventMax));
  }
  for (absl::string_view line : lines) {
    const std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(':', 3));
    int64_t size = 0;
    if (parts.size() != 4 || !absl::SimpleAtoi(parts[2], &size)) {
      return Rejected(v1::FIELD_INVALID, "evidence_files",
                      absl::Substitute(Tr("must be KIND:SHA256:SIZE:NAME, one file a line "
                                          "(got \"$0\")"),
                                       line.substr(0, limits::kQuotedInputBytesMax)));
    }
    ASSIGN_OR_RETURN(const int kind, ParseWord(kEvidenceKinds, parts[0]));
    v1::Evidence& evidence = *event->add_evidence();
    evidence.set_kind(static_cast<v1::EvidenceKind>(kind));
    evidence.set_sha256(std::string(parts[1]));
    evidence.set_size(size);
    evidence.set_name(std::string(parts[3]));
  }
  return absl::OkStatus();
}

absl::Status FillPayload(const std::string& type, Fields& f, v1::Event* event) {
  ASSIGN_OR_RETURN(const int payload, ParseWord(kEventTypes, type));
  if (payload == v1::Event::kPeriodClosed || payload == v1::Event::kDigestSigned) {
    return Rejected(v1::FIELD_INVALID, "type",
                    absl::Substitute(Tr("a $0 holds a digest of the ledger it is appended to: it "
                                        "is made by aidledger close or aidledger sign, not "
                                        "typed in or imported"),
                                     type));
  }
  if (payload == v1::Event::kPolicySet) {
    return Rejected(v1::FIELD_INVALID, "type",
                    Tr("a ledger's policy is set once, by aidledger init, not typed in or "
                       "imported"));
  }
  if (payload == v1::Event::kProjectStageChanged) return FillStage(f, event);
  if (payload == v1::Event::kIndicatorRecorded) return FillIndicator(f, event);
  if (payload == v1::Event::kTargetSet) return FillTarget(f, event);
  if (payload == v1::Event::kProjectAmended) return FillProjectAmendment(f, event);
  if (payload == v1::Event::kRegionAmended) {
    v1::RegionAmended& r = *event->mutable_region_amended();
    r.set_code(f.Get("code"));
    r.set_name(f.Get("name"));
    r.set_parent_code(f.Get("parent_code"));
    r.set_reason(f.Get("reason"));
    return absl::OkStatus();
  }
  if (payload == v1::Event::kPairingEnded) {
    v1::PairingEnded& p = *event->mutable_pairing_ended();
    p.set_helper_code(f.Get("helper_code"));
    p.set_recipient_code(f.Get("recipient_code"));
    p.set_reason(f.Get("reason"));
    return absl::OkStatus();
  }
  if (payload == v1::Event::kRegionRegistered) {
    v1::RegionRegistered& r = *event->mutable_region_registered();
    r.set_code(f.Get("code"));
    r.set_name(f.Get("name"));
    r.set_parent_code(f.Get("parent_code"));
  } else if (payload == v1::Event::kPairingEstablished) {
    v1::PairingEstablished& p = *event->mutable_pairing_established();
    p.set_helper_code(f.Get("helper_code"));
    p.set_recipient_code(f.Get("recipient_code"));
    const std::string program = f.Get("program");
    if (!program.empty()) {
      ASSIGN_OR_RETURN(v1::Program value, ParseProgram(program));
      p.set_program(value);
    }
    p.set_since(NormalizeDate(f.Get("since")));
  } else if (payload == v1::Event::kProjectRegistered) {
    v1::ProjectRegistered& p = *event->mutable_project_registered();
    p.set_project_id(f.Get("project_id"));
    p.set_region_code(f.Get("region_code"));
    p.set_name(f.Get("name"));
    RETURN_IF_ERROR(FillCategoryAndBudget(f, &p));
    FillProjectPlan(f, &p);
  } else if (payload == v1::Event::kFundsAllocated) {
    v1::FundsAllocated& a = *event->mutable_funds_allocated();
    a.set_helper_code(f.Get("helper_code"));
    a.set_recipient_code(f.Get("recipient_code"));
    a.set_project_id(f.Get("project_id"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    a.set_amount_fen(amount);
    const std::string source = f.Get("source");
    if (!source.empty()) {
      ASSIGN_OR_RETURN(v1::FundSource value, ParseSource(source));
      a.set_source(value);
    }
    ASSIGN_OR_RETURN(const int32_t fiscal_year, f.Year("fiscal_year"));
    a.set_fiscal_year(fiscal_year);
    a.set_document_number(f.Get("document_number"));
    a.set_fund_category(f.Get("fund_category"));
  } else if (payload == v1::Event::kFundsDisbursed) {
    v1::FundsDisbursed& d = *event->mutable_funds_disbursed();
    d.set_project_id(f.Get("project_id"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    d.set_amount_fen(amount);
    RETURN_IF_ERROR(FillPayment(f, &d));
  } else if (payload == v1::Event::kInvestmentRecorded) {
    v1::InvestmentRecorded& i = *event->mutable_investment_recorded();
    i.set_enterprise(f.Get("enterprise"));
    i.set_helper_code(f.Get("helper_code"));
    i.set_region_code(f.Get("region_code"));
    i.set_project_id(f.Get("project_id"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    i.set_amount_fen(amount);
  } else if (payload == v1::Event::kSaleRecorded) {
    v1::SaleRecorded& s = *event->mutable_sale_recorded();
    s.set_region_code(f.Get("region_code"));
    s.set_helper_code(f.Get("helper_code"));
    s.set_channel(f.Get("channel"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    s.set_amount_fen(amount);
  } else if (payload == v1::Event::kEventReversed) {
    v1::EventReversed& r = *event->mutable_event_reversed();
    r.set_reversed_event_id(f.Get("reversed_event_id"));
    r.set_reason(f.Get("reason"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Program> ParseProgram(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseWord(kPrograms, text));
  return static_cast<v1::Program>(value);
}

absl::StatusOr<v1::ProjectCategory> ParseCategory(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseWord(kCategories, text));
  return static_cast<v1::ProjectCategory>(value);
}

absl::StatusOr<v1::FundSource> ParseSource(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseWord(kSources, text));
  return static_cast<v1::FundSource>(value);
}

std::string ProgramName(v1::Program program) { return std::string(WordFor(kPrograms, program)); }
std::string CategoryName(v1::ProjectCategory category) {
  return std::string(WordFor(kCategories, category));
}

const char* const kCsvFieldColumns[45] = {
    "type",    "event_id",   "effective_date", "code",        "name",
    "parent_code", "helper_code", "recipient_code", "program", "since",
    "project_id", "region_code", "category",     "budget",      "amount",
    "source",  "fiscal_year", "enterprise",    "channel",     "reversed_event_id",
    "reason",  "memo",       "indicator",      "value",       "of_which",
    "year",    "description", "evidence",     "adjusts_closed", "adjustment_reason",
    "document_number", "fund_category", "payee", "payee_account", "payee_account_hash",
    "payment_method", "contract_number", "purpose", "planned_start", "planned_end",
    "responsible_unit", "responsible_person", "stage", "evidence_files", "expected_goals"};
const char* const kCsvExportOnlyColumns[5] = {"seq", "recorded_at", "actor", "hash", "prev_hash"};
const CsvUnitColumn kCsvUnitColumns[4] = {{"amount_yuan", "amount", false},
                                          {"amount_fen", "amount", true},
                                          {"budget_yuan", "budget", false},
                                          {"budget_fen", "budget", true}};

int64_t MoneyAmountFen(const v1::Event& event) {
  switch (event.payload_case()) {
    case v1::Event::kFundsAllocated:
      return event.funds_allocated().amount_fen();
    case v1::Event::kFundsDisbursed:
      return event.funds_disbursed().amount_fen();
    case v1::Event::kInvestmentRecorded:
      return event.investment_recorded().amount_fen();
    case v1::Event::kSaleRecorded:
      return event.sale_recorded().amount_fen();
    default:
      return 0;
  }
}

namespace {

std::string YuanText(int64_t fen) {
  return absl::StrFormat("%d.%02d", fen / 100, fen % 100);
}

std::string SourceName(v1::FundSource source) { return std::string(WordFor(kSources, source)); }

// Issue 25's fields are written only when given, so that a row of an event
// without them reads back as it was typed.
void SetIfGiven(FieldMap& f, const char* name, std::string value) {
  if (!value.empty()) f[name] = std::move(value);
}

// FillEvidenceFiles read back.
std::string EvidenceFilesText(const v1::Event& event) {
  std::string text;
  for (const v1::Evidence& e : event.evidence()) {
    absl::StrAppend(&text, text.empty() ? "" : "\n", WordFor(kEvidenceKinds, e.kind()), ":",
                    e.sha256(), ":", e.size(), ":", e.name());
  }
  return text;
}

// An indicator's value as IndicatorValue reads it back.
std::string IndicatorValueText(int indicator, int64_t value) {
  const IndicatorInfo* info = FindIndicator(indicator);
  return info != nullptr && info->money() ? YuanText(value) : absl::StrCat(value);
}

}  // namespace

std::pair<std::string, FieldMap> FieldsFromEvent(const v1::Event& event) {
  FieldMap f;
  f["event_id"] = event.event_id();
  f["effective_date"] = event.effective_date();
  f["memo"] = event.memo();
  if (event.adjusts_closed() != 0) {
    f["adjusts_closed"] = absl::StrCat(event.adjusts_closed());
    f["adjustment_reason"] = event.adjustment_reason();
  }
  SetIfGiven(f, "evidence_files", EvidenceFilesText(event));
  const std::string type(WordFor(kEventTypes, event.payload_case()));
  // The fields several payloads share: a region's, and a pairing's two ends.
  const auto region = [&f](const auto& r) {
    f["code"] = r.code();
    f["name"] = r.name();
    f["parent_code"] = r.parent_code();
  };
  const auto pairing = [&f](const auto& p) {
    f["helper_code"] = p.helper_code();
    f["recipient_code"] = p.recipient_code();
  };
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
      region(event.region_registered());
      break;
    case v1::Event::kRegionAmended:
      region(event.region_amended());
      f["reason"] = event.region_amended().reason();
      break;
    case v1::Event::kProjectAmended: {
      const auto& p = event.project_amended();
      f["project_id"] = p.project_id();
      f["name"] = p.name();
      if (p.category() != v1::PROJECT_CATEGORY_UNSPECIFIED) f["category"] = CategoryName(p.category());
      if (p.budget_fen() > 0) f["budget"] = YuanText(p.budget_fen());
      f["reason"] = p.reason();
      break;
    }
    case v1::Event::kPairingEstablished:
      pairing(event.pairing_established());
      f["program"] = ProgramName(event.pairing_established().program());
      f["since"] = event.pairing_established().since();
      break;
    case v1::Event::kPairingEnded:
      pairing(event.pairing_ended());
      f["reason"] = event.pairing_ended().reason();
      break;
    case v1::Event::kProjectRegistered: {
      const auto& p = event.project_registered();
      f["project_id"] = p.project_id();
      f["region_code"] = p.region_code();
      f["name"] = p.name();
      f["category"] = CategoryName(p.category());
      if (p.budget_fen() > 0) f["budget"] = YuanText(p.budget_fen());
      SetIfGiven(f, "planned_start", p.planned_start());
      SetIfGiven(f, "planned_end", p.planned_end());
      SetIfGiven(f, "responsible_unit", p.responsible_unit());
      SetIfGiven(f, "responsible_person", p.responsible_person());
      SetIfGiven(f, "expected_goals", p.expected_goals());
      break;
    }
    case v1::Event::kProjectStageChanged:
      f["project_id"] = event.project_stage_changed().project_id();
      f["stage"] = std::string(WordFor(kStages, event.project_stage_changed().stage()));
      SetIfGiven(f, "reason", event.project_stage_changed().reason());
      break;
    case v1::Event::kPolicySet:
      break;  // never imported: init sets it
    case v1::Event::kFundsAllocated: {
      const auto& a = event.funds_allocated();
      f["helper_code"] = a.helper_code();
      f["recipient_code"] = a.recipient_code();
      f["project_id"] = a.project_id();
      f["amount"] = YuanText(a.amount_fen());
      f["source"] = SourceName(a.source());
      f["fiscal_year"] = a.fiscal_year() == 0 ? "" : absl::StrCat(a.fiscal_year());
      SetIfGiven(f, "document_number", a.document_number());
      SetIfGiven(f, "fund_category", a.fund_category());
      break;
    }
    case v1::Event::kFundsDisbursed: {
      const auto& d = event.funds_disbursed();
      f["project_id"] = d.project_id();
      f["amount"] = YuanText(d.amount_fen());
      SetIfGiven(f, "payee", d.payee());
      SetIfGiven(f, "payee_account_hash", d.payee_account_hash());
      SetIfGiven(f, "payment_method", std::string(WordFor(kPaymentMethods, d.payment_method())));
      SetIfGiven(f, "contract_number", d.contract_number());
      SetIfGiven(f, "purpose", d.purpose());
      break;
    }
    case v1::Event::kInvestmentRecorded: {
      const auto& i = event.investment_recorded();
      f["enterprise"] = i.enterprise();
      f["helper_code"] = i.helper_code();
      f["region_code"] = i.region_code();
      f["project_id"] = i.project_id();
      f["amount"] = YuanText(i.amount_fen());
      break;
    }
    case v1::Event::kSaleRecorded: {
      const auto& s = event.sale_recorded();
      f["region_code"] = s.region_code();
      f["helper_code"] = s.helper_code();
      f["channel"] = s.channel();
      f["amount"] = YuanText(s.amount_fen());
      break;
    }
    case v1::Event::kIndicatorRecorded: {
      const auto& p = event.indicator_recorded();
      pairing(p);
      f["indicator"] = IndicatorCode(p.indicator());
      f["value"] = IndicatorValueText(p.indicator(), p.value());
      std::string parts;
      for (const v1::IndicatorBreakdown& part : p.of_which()) {
        absl::StrAppend(&parts, parts.empty() ? "" : ";", IndicatorCode(part.indicator()), "=",
                        IndicatorValueText(part.indicator(), part.value()));
      }
      f["of_which"] = parts;
      f["project_id"] = p.project_id();
      f["description"] = p.description();
      f["evidence"] = p.evidence();
      break;
    }
    case v1::Event::kTargetSet: {
      const auto& t = event.target_set();
      f["year"] = absl::StrCat(t.year());
      pairing(t);
      f["indicator"] = IndicatorCode(t.indicator());
      f["value"] = IndicatorValueText(t.indicator(), t.value());
      f["reason"] = t.reason();
      break;
    }
    case v1::Event::kEventReversed:
      f["reversed_event_id"] = event.event_reversed().reversed_event_id();
      f["reason"] = event.event_reversed().reason();
      break;
    case v1::Event::kPeriodClosed:
      f["year"] = absl::StrCat(event.period_closed().year());
      f["reason"] = event.period_closed().reason();
      break;
    case v1::Event::kDigestSigned:
      f["year"] = absl::StrCat(event.digest_signed().year());
      f["name"] = event.digest_signed().signer();
      break;
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
  return {type, f};
}

absl::Status FillDraftFromFields(const std::string& type, const FieldMap& fields,
                                 v1::Event* event) {
  Fields f(fields);
  event->set_event_id(f.Get("event_id"));
  event->set_effective_date(NormalizeDate(f.Get("effective_date")));
  event->set_memo(f.Get("memo"));
  ASSIGN_OR_RETURN(const int32_t adjusts_closed, f.Year("adjusts_closed"));
  event->set_adjusts_closed(adjusts_closed);
  event->set_adjustment_reason(f.Get("adjustment_reason"));
  RETURN_IF_ERROR(FillEvidenceFiles(f.Get("evidence_files"), event));
  RETURN_IF_ERROR(FillPayload(type, f, event));
  // A reversal that adjusts a closed year gives one reason for both.
  if (event->has_event_reversed() && event->adjusts_closed() != 0 &&
      event->adjustment_reason().empty()) {
    event->set_adjustment_reason(event->event_reversed().reason());
  }
  return f.CheckAllUsed();
}

absl::StatusOr<v1::Event> DraftFromFields(const std::string& type, const FieldMap& fields) {
  v1::Event event;
  RETURN_IF_ERROR(FillDraftFromFields(type, fields, &event));
  return event;
}

}  // namespace aidledger::app
