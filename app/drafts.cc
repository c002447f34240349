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
#include "base/amount.h"
#include "base/errors.h"
#include "base/status_macros.h"

namespace aidledger::app {
namespace {

struct EnumName {
  const char* text;
  int value;
};

constexpr EnumName kPrograms[] = {
    {"east-west", v1::EAST_WEST_COOPERATION},
    {"counterpart", v1::COUNTERPART_SUPPORT},
    {"intra-province", v1::INTRA_PROVINCE},
};

constexpr EnumName kCategories[] = {
    {"industry", v1::INDUSTRY},         {"infrastructure", v1::INFRASTRUCTURE},
    {"public-service", v1::PUBLIC_SERVICE}, {"education", v1::EDUCATION},
    {"health", v1::HEALTH},             {"employment", v1::EMPLOYMENT},
    {"other", v1::OTHER},
};

constexpr EnumName kSources[] = {{"fiscal", v1::FISCAL}, {"social", v1::SOCIAL}};

// Accepts the short name ("east-west") or the proto name
// ("EAST_WEST_COOPERATION"), so that JSON exports and people both work.
template <size_t N>
absl::StatusOr<int> ParseEnum(const EnumName (&names)[N], const std::string& text,
                              absl::string_view field,
                              bool (*parse_proto)(const std::string&, int*)) {
  for (const EnumName& name : names) {
    if (text == name.text) return name.value;
  }
  int value = 0;
  if (parse_proto(text, &value) && value != 0) return value;
  std::vector<std::string> choices;
  for (const EnumName& name : names) choices.push_back(name.text);
  return Rejected(v1::FIELD_INVALID, field,
                  absl::StrCat("must be one of ", absl::StrJoin(choices, ", "), " (got \"",
                               text.substr(0, 40), "\")"));
}

bool ParseProgramProto(const std::string& text, int* value) {
  v1::Program program;
  if (!v1::Program_Parse(text, &program)) return false;
  *value = program;
  return true;
}
bool ParseCategoryProto(const std::string& text, int* value) {
  v1::ProjectCategory category;
  if (!v1::ProjectCategory_Parse(text, &category)) return false;
  *value = category;
  return true;
}
bool ParseSourceProto(const std::string& text, int* value) {
  v1::FundSource source;
  if (!v1::FundSource_Parse(text, &source)) return false;
  *value = source;
  return true;
}

template <size_t N>
std::string EnumText(const EnumName (&names)[N], int value) {
  for (const EnumName& name : names) {
    if (name.value == value) return name.text;
  }
  return "";
}

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
      if (required) return Rejected(v1::FIELD_MISSING, name, "is required");
      return 0;
    }
    return ParseAmountFen(text, name);
  }
  absl::Status CheckAllUsed() const {
    for (const auto& [name, value] : fields_) {
      if (!value.empty() && std::find(used_.begin(), used_.end(), name) == used_.end()) {
        return Rejected(v1::FIELD_INVALID, name, "is not a field of this event type");
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

absl::Status FillPayload(const std::string& type, Fields& f, v1::Event* event) {
  if (type == "region") {
    v1::RegionRegistered& r = *event->mutable_region_registered();
    r.set_code(f.Get("code"));
    r.set_name(f.Get("name"));
    r.set_parent_code(f.Get("parent_code"));
  } else if (type == "pairing") {
    v1::PairingEstablished& p = *event->mutable_pairing_established();
    p.set_helper_code(f.Get("helper_code"));
    p.set_recipient_code(f.Get("recipient_code"));
    const std::string program = f.Get("program");
    if (!program.empty()) {
      ASSIGN_OR_RETURN(v1::Program value, ParseProgram(program));
      p.set_program(value);
    }
    p.set_since(f.Get("since"));
  } else if (type == "project") {
    v1::ProjectRegistered& p = *event->mutable_project_registered();
    p.set_project_id(f.Get("project_id"));
    p.set_region_code(f.Get("region_code"));
    p.set_name(f.Get("name"));
    const std::string category = f.Get("category");
    if (!category.empty()) {
      ASSIGN_OR_RETURN(v1::ProjectCategory value, ParseCategory(category));
      p.set_category(value);
    }
    ASSIGN_OR_RETURN(int64_t budget, f.Amount("budget", false));
    p.set_budget_fen(budget);
  } else if (type == "allocation") {
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
    const std::string year = f.Get("fiscal_year");
    if (!year.empty()) {
      int value = 0;
      if (year.size() != 4 || !absl::SimpleAtoi(year, &value)) {
        return Rejected(v1::FIELD_INVALID, "fiscal_year",
                        absl::StrCat("must be a year YYYY (got \"", year.substr(0, 40), "\")"));
      }
      a.set_fiscal_year(value);
    }
  } else if (type == "disbursement") {
    v1::FundsDisbursed& d = *event->mutable_funds_disbursed();
    d.set_project_id(f.Get("project_id"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    d.set_amount_fen(amount);
  } else if (type == "investment") {
    v1::InvestmentRecorded& i = *event->mutable_investment_recorded();
    i.set_enterprise(f.Get("enterprise"));
    i.set_helper_code(f.Get("helper_code"));
    i.set_region_code(f.Get("region_code"));
    i.set_project_id(f.Get("project_id"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    i.set_amount_fen(amount);
  } else if (type == "sale") {
    v1::SaleRecorded& s = *event->mutable_sale_recorded();
    s.set_region_code(f.Get("region_code"));
    s.set_helper_code(f.Get("helper_code"));
    s.set_channel(f.Get("channel"));
    ASSIGN_OR_RETURN(int64_t amount, f.Amount("amount", true));
    s.set_amount_fen(amount);
  } else if (type == "reversal") {
    v1::EventReversed& r = *event->mutable_event_reversed();
    r.set_reversed_event_id(f.Get("reversed_event_id"));
    r.set_reason(f.Get("reason"));
  } else {
    return Rejected(v1::FIELD_INVALID, "type",
                    absl::StrCat("must be one of region, pairing, project, allocation, "
                                 "disbursement, investment, sale, reversal (got \"",
                                 type.substr(0, 40), "\")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Program> ParseProgram(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseEnum(kPrograms, text, "program", ParseProgramProto));
  return static_cast<v1::Program>(value);
}

absl::StatusOr<v1::ProjectCategory> ParseCategory(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseEnum(kCategories, text, "category", ParseCategoryProto));
  return static_cast<v1::ProjectCategory>(value);
}

absl::StatusOr<v1::FundSource> ParseSource(const std::string& text) {
  ASSIGN_OR_RETURN(int value, ParseEnum(kSources, text, "source", ParseSourceProto));
  return static_cast<v1::FundSource>(value);
}

std::string ProgramName(v1::Program program) { return EnumText(kPrograms, program); }
std::string CategoryName(v1::ProjectCategory category) { return EnumText(kCategories, category); }

const char* const kCsvFieldColumns[22] = {
    "type",    "event_id",   "effective_date", "code",        "name",
    "parent_code", "helper_code", "recipient_code", "program", "since",
    "project_id", "region_code", "category",     "budget",      "amount",
    "source",  "fiscal_year", "enterprise",    "channel",     "reversed_event_id",
    "reason",  "memo"};
const char* const kCsvExportOnlyColumns[5] = {"seq", "recorded_at", "actor", "hash", "prev_hash"};

namespace {

std::string YuanText(int64_t fen) {
  return absl::StrFormat("%d.%02d", fen / 100, fen % 100);
}

std::string SourceName(v1::FundSource source) { return EnumText(kSources, source); }

}  // namespace

std::pair<std::string, FieldMap> FieldsFromEvent(const v1::Event& event) {
  FieldMap f;
  f["event_id"] = event.event_id();
  f["effective_date"] = event.effective_date();
  f["memo"] = event.memo();
  std::string type;
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered: {
      const auto& r = event.region_registered();
      type = "region";
      f["code"] = r.code();
      f["name"] = r.name();
      f["parent_code"] = r.parent_code();
      break;
    }
    case v1::Event::kPairingEstablished: {
      const auto& p = event.pairing_established();
      type = "pairing";
      f["helper_code"] = p.helper_code();
      f["recipient_code"] = p.recipient_code();
      f["program"] = ProgramName(p.program());
      f["since"] = p.since();
      break;
    }
    case v1::Event::kProjectRegistered: {
      const auto& p = event.project_registered();
      type = "project";
      f["project_id"] = p.project_id();
      f["region_code"] = p.region_code();
      f["name"] = p.name();
      f["category"] = CategoryName(p.category());
      if (p.budget_fen() > 0) f["budget"] = YuanText(p.budget_fen());
      break;
    }
    case v1::Event::kFundsAllocated: {
      const auto& a = event.funds_allocated();
      type = "allocation";
      f["helper_code"] = a.helper_code();
      f["recipient_code"] = a.recipient_code();
      f["project_id"] = a.project_id();
      f["amount"] = YuanText(a.amount_fen());
      f["source"] = SourceName(a.source());
      f["fiscal_year"] = a.fiscal_year() == 0 ? "" : absl::StrCat(a.fiscal_year());
      break;
    }
    case v1::Event::kFundsDisbursed:
      type = "disbursement";
      f["project_id"] = event.funds_disbursed().project_id();
      f["amount"] = YuanText(event.funds_disbursed().amount_fen());
      break;
    case v1::Event::kInvestmentRecorded: {
      const auto& i = event.investment_recorded();
      type = "investment";
      f["enterprise"] = i.enterprise();
      f["helper_code"] = i.helper_code();
      f["region_code"] = i.region_code();
      f["project_id"] = i.project_id();
      f["amount"] = YuanText(i.amount_fen());
      break;
    }
    case v1::Event::kSaleRecorded: {
      const auto& s = event.sale_recorded();
      type = "sale";
      f["region_code"] = s.region_code();
      f["helper_code"] = s.helper_code();
      f["channel"] = s.channel();
      f["amount"] = YuanText(s.amount_fen());
      break;
    }
    case v1::Event::kEventReversed:
      type = "reversal";
      f["reversed_event_id"] = event.event_reversed().reversed_event_id();
      f["reason"] = event.event_reversed().reason();
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
  event->set_effective_date(f.Get("effective_date"));
  event->set_memo(f.Get("memo"));
  RETURN_IF_ERROR(FillPayload(type, f, event));
  return f.CheckAllUsed();
}

absl::StatusOr<v1::Event> DraftFromFields(const std::string& type, const FieldMap& fields) {
  v1::Event event;
  RETURN_IF_ERROR(FillDraftFromFields(type, fields, &event));
  return event;
}

}  // namespace aidledger::app
