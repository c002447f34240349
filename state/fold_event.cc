#include "state/fold_event.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/proto_bytes.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

// The highest field number any message of events.proto uses.
constexpr uint64_t kFieldNumberMax = 26;
using limits::kFoldTargetDepthMax;


// What a known field holds and, when a fold reads it, where it goes.
struct Field {
  enum class Kind : uint8_t { kUnknown, kVarint, kString, kMessage };
  Kind kind = Kind::kUnknown;
  bool repeated = false;  // a message field that may come several times
  absl::string_view FoldEvent::*text = nullptr;
  uint64_t FoldEvent::*uint64 = nullptr;
  int64_t FoldEvent::*int64 = nullptr;
  int32_t FoldEvent::*int32 = nullptr;
};
using Schema = std::array<Field, kFieldNumberMax + 1>;
using Kind = Field::Kind;

Field Varint() { return {.kind = Kind::kVarint}; }
Field Varint(uint64_t FoldEvent::*to) { return {.kind = Kind::kVarint, .uint64 = to}; }
Field Varint(int64_t FoldEvent::*to) { return {.kind = Kind::kVarint, .int64 = to}; }
Field Varint(int32_t FoldEvent::*to) { return {.kind = Kind::kVarint, .int32 = to}; }
Field String() { return {.kind = Kind::kString}; }
Field String(absl::string_view FoldEvent::*to) { return {.kind = Kind::kString, .text = to}; }
Field Message() { return {.kind = Kind::kMessage}; }
Field RepeatedMessage() { return {.kind = Kind::kMessage, .repeated = true}; }

// The schemas, field numbers as in events.proto (and timestamp.proto).
const Schema& EventSchema() {
  static const Schema schema = [] {
    Schema s;
    s[1] = Varint(&FoldEvent::sequence);
    s[2] = String(&FoldEvent::event_id);
    s[3] = Message();  // recorded_at
    s[4] = String(&FoldEvent::effective_date);
    s[5] = String();  // actor
    s[6] = String();  // memo
    s[7] = Varint();  // adjusts_closed
    s[8] = String();  // adjustment_reason
    // 9, evidence, is read by no fold, but protobuf parses it (a known
    // message field), so the fast path walks it too: what protobuf would
    // refuse in it must not pass here.
    s[9] = RepeatedMessage();
    for (int payload = 10; payload <= 26; ++payload) s[payload] = Message();
    return s;
  }();
  return schema;
}

// IndicatorBreakdown, read into a scratch FoldEvent's indicator and value.
const Schema& BreakdownSchema() {
  static const Schema schema = [] {
    Schema s;
    s[1] = Varint(&FoldEvent::indicator);
    s[2] = Varint(&FoldEvent::value);
    return s;
  }();
  return schema;
}

// Evidence (issue 25): checked, not kept.
const Schema& EvidenceSchema() {
  static const Schema schema = [] {
    Schema s;
    s[1] = Varint();  // kind
    s[2] = String();  // name
    s[3] = String();  // sha256
    s[4] = Varint();  // size
    return s;
  }();
  return schema;
}

const Schema& TimestampSchema() {
  static const Schema schema = [] {
    Schema s;
    s[1] = Varint(&FoldEvent::recorded_at_seconds);
    s[2] = Varint(&FoldEvent::recorded_at_nanos);
    return s;
  }();
  return schema;
}

// The schemas of the events of issue 22: indicators and targets.
void AddIndicatorSchemas(std::array<Schema, kFieldNumberMax + 1>* schemas) {
  std::array<Schema, kFieldNumberMax + 1>& all = *schemas;
    Schema& indicator = all[v1::Event::kIndicatorRecorded];
    indicator[1] = String(&FoldEvent::helper_code);
    indicator[2] = String(&FoldEvent::recipient_code);
    indicator[3] = Varint(&FoldEvent::indicator);
    indicator[4] = Varint(&FoldEvent::value);
    indicator[5] = RepeatedMessage();  // of_which
    indicator[6] = String(&FoldEvent::project_id);
    indicator[7] = String();  // description
    indicator[8] = String();  // evidence
    Schema& target = all[v1::Event::kTargetSet];
    target[1] = Varint(&FoldEvent::year);
    target[2] = String(&FoldEvent::helper_code);
    target[3] = String(&FoldEvent::recipient_code);
    target[4] = Varint(&FoldEvent::indicator);
    target[5] = Varint(&FoldEvent::value);
    target[6] = String(&FoldEvent::reason);
}

// The schemas of the close and its signatures (issue 24).
void AddCloseSchemas(std::array<Schema, kFieldNumberMax + 1>* schemas) {
  Schema& closed = (*schemas)[v1::Event::kPeriodClosed];
  closed[1] = Varint(&FoldEvent::year);
  closed[2] = String(&FoldEvent::reason);
  closed[3] = Varint(&FoldEvent::digest_sequence);
  closed[4] = String(&FoldEvent::head_hash);
  closed[5] = String(&FoldEvent::merkle_root);
  closed[6] = String(&FoldEvent::report_sha256);
  Schema& signed_by = (*schemas)[v1::Event::kDigestSigned];
  signed_by[1] = Varint(&FoldEvent::year);
  signed_by[2] = String(&FoldEvent::signer);
  signed_by[3] = String(&FoldEvent::public_key);
  signed_by[4] = String();  // signature
}

// The schemas of the money events.
void AddMoneySchemas(std::array<Schema, kFieldNumberMax + 1>* schemas) {
  std::array<Schema, kFieldNumberMax + 1>& all = *schemas;
  Schema& allocated = all[v1::Event::kFundsAllocated];
  allocated[1] = String(&FoldEvent::helper_code);
  allocated[2] = String(&FoldEvent::recipient_code);
  allocated[3] = String(&FoldEvent::project_id);
  allocated[4] = Varint(&FoldEvent::amount_fen);
  allocated[5] = Varint();  // source
  allocated[6] = Varint();  // fiscal_year
  allocated[7] = Varint(&FoldEvent::program);
  allocated[8] = String(&FoldEvent::document_number);
  allocated[9] = String();  // fund_category
  Schema& disbursed = all[v1::Event::kFundsDisbursed];
  disbursed[1] = String(&FoldEvent::project_id);
  disbursed[2] = Varint(&FoldEvent::amount_fen);
  disbursed[3] = String(&FoldEvent::payee);
  disbursed[4] = String();  // payee_account_hash
  disbursed[6] = String(&FoldEvent::contract_number);
  disbursed[7] = String();  // purpose
  disbursed[5] = Varint();  // payment_method
  Schema& invested = all[v1::Event::kInvestmentRecorded];
  invested[1] = String(&FoldEvent::enterprise);
  invested[2] = String(&FoldEvent::helper_code);
  invested[3] = String(&FoldEvent::region_code);
  invested[4] = String(&FoldEvent::project_id);
  invested[5] = Varint(&FoldEvent::amount_fen);
  invested[6] = Varint(&FoldEvent::program);
  Schema& sale = all[v1::Event::kSaleRecorded];
  sale[1] = String(&FoldEvent::region_code);
  sale[2] = String(&FoldEvent::helper_code);
  sale[3] = String();  // channel
  sale[4] = Varint(&FoldEvent::amount_fen);
  sale[5] = Varint(&FoldEvent::program);
}

// The schemas of issue 25's events: a project's stage, the ledger's policy.
void AddStageAndPolicySchemas(std::array<Schema, kFieldNumberMax + 1>* schemas) {
  Schema& stage = (*schemas)[v1::Event::kProjectStageChanged];
  stage[1] = String(&FoldEvent::project_id);
  stage[2] = Varint(&FoldEvent::stage);
  stage[3] = String(&FoldEvent::reason);
  Schema& policy = (*schemas)[v1::Event::kPolicySet];
  policy[1] = String(&FoldEvent::payee_required_from);
}

const Schema& PayloadSchema(uint64_t number) {
  static const std::array<Schema, kFieldNumberMax + 1> schemas = [] {
    std::array<Schema, kFieldNumberMax + 1> all;
    Schema& region = all[v1::Event::kRegionRegistered];
    region[1] = String(&FoldEvent::code);
    region[2] = String(&FoldEvent::name);
    region[3] = String(&FoldEvent::parent_code);
    Schema& pairing = all[v1::Event::kPairingEstablished];
    pairing[1] = String(&FoldEvent::helper_code);
    pairing[2] = String(&FoldEvent::recipient_code);
    pairing[3] = Varint(&FoldEvent::program);
    pairing[4] = String(&FoldEvent::since);
    Schema& ended = all[v1::Event::kPairingEnded];
    ended[1] = String(&FoldEvent::helper_code);
    ended[2] = String(&FoldEvent::recipient_code);
    ended[3] = String(&FoldEvent::reason);
    Schema& project = all[v1::Event::kProjectRegistered];
    project[1] = String(&FoldEvent::project_id);
    project[2] = String(&FoldEvent::region_code);
    project[3] = String(&FoldEvent::name);
    project[4] = Varint(&FoldEvent::category);
    project[5] = Varint(&FoldEvent::budget_fen);
    project[6] = String(&FoldEvent::planned_start);
    project[7] = String(&FoldEvent::planned_end);
    project[8] = String(&FoldEvent::responsible_unit);
    project[9] = String(&FoldEvent::responsible_person);
    project[10] = String();  // expected_goals
    Schema& region_amended = all[v1::Event::kRegionAmended];
    region_amended[1] = String(&FoldEvent::code);
    region_amended[2] = String(&FoldEvent::name);
    region_amended[3] = String();  // reason
    region_amended[4] = String(&FoldEvent::parent_code);
    Schema& amended = all[v1::Event::kProjectAmended];
    amended[1] = String(&FoldEvent::project_id);
    amended[2] = String(&FoldEvent::name);
    amended[3] = Varint(&FoldEvent::category);
    amended[4] = Varint(&FoldEvent::budget_fen);
    amended[5] = String();  // reason
    AddMoneySchemas(&all);
    AddIndicatorSchemas(&all);
    AddCloseSchemas(&all);
    AddStageAndPolicySchemas(&all);
    Schema& reversed = all[v1::Event::kEventReversed];
    reversed[1] = String();  // reversed_event_id
    reversed[2] = String();  // reason
    reversed[3] = Varint(&FoldEvent::reversed_sequence);
    reversed[4] = Message();  // target
    return all;
  }();
  return schemas[number];
}

// Walks the fields of one message, storing what `schema` keeps into `*out`
// and handing message fields to `nested(number, bytes)`. False for any
// encoding the fast path leaves to protobuf.
template <typename Nested>
bool WalkMessage(absl::string_view bytes, const Schema& schema, FoldEvent* out, Nested nested) {
  const char* at = bytes.data();
  const char* const end = at + bytes.size();
  uint32_t seen = 0;  // known field numbers met, to leave repeats to protobuf
  while (at < end) {
    uint64_t tag;
    if (!ReadShortestVarint(&at, end, &tag) || tag > UINT32_MAX) return false;
    const uint64_t number = tag >> 3, wire = tag & 7;
    if (number == 0) return false;
    const Field* field = number <= kFieldNumberMax ? &schema[number] : nullptr;
    if (field != nullptr && field->kind == Kind::kUnknown) field = nullptr;
    if (field != nullptr) {
      const uint32_t bit = 1u << number;
      const uint64_t expected = field->kind == Kind::kVarint ? kVarint : kLengthDelimited;
      if ((!field->repeated && (seen & bit) != 0) || wire != expected) return false;
      seen |= bit;
    }
    switch (wire) {
      case kVarint: {
        uint64_t value;
        if (!ReadShortestVarint(&at, end, &value)) return false;
        if (field == nullptr) break;
        if (field->uint64 != nullptr) out->*field->uint64 = value;
        if (field->int64 != nullptr) out->*field->int64 = static_cast<int64_t>(value);
        if (field->int32 != nullptr) out->*field->int32 = static_cast<int32_t>(value);
        break;
      }
      case kLengthDelimited: {
        uint64_t length;
        if (!ReadShortestVarint(&at, end, &length) || length > static_cast<uint64_t>(end - at)) return false;
        const absl::string_view value(at, length);
        at += length;
        if (field == nullptr) break;  // unknown: protobuf keeps it unread
        if (field->kind == Kind::kMessage) {
          if (!nested(number, value)) return false;
        } else {
          // Strict UTF-8 (IsValidUtf8: RFC 3629) is at least as strict as
          // protobuf's check; what fails it goes to protobuf, which decides.
          if (!IsValidUtf8(value)) return false;
          if (field->text != nullptr) out->*field->text = value;
        }
        break;
      }
      case kFixed64:
      case kFixed32: {
        const int64_t size = wire == kFixed64 ? 8 : 4;
        if (end - at < size) return false;
        at += size;
        break;
      }
      default:
        return false;  // groups and the unused wire types
    }
  }
  return true;
}

bool NoNested(uint64_t, absl::string_view) { return false; }

bool DecodeEvent(absl::string_view bytes, int depth, FoldEvent* out, FoldEvent* target) {
  *out = FoldEvent();
  return WalkMessage(bytes, EventSchema(), out, [&](uint64_t number, absl::string_view value) {
    if (number == 3) return WalkMessage(value, TimestampSchema(), out, NoNested);
    if (number == 9) {
      ++out->evidence_count;
      FoldEvent scratch;
      return WalkMessage(value, EvidenceSchema(), &scratch, NoNested);
    }
    // A payload: protobuf keeps only the last of several, so leave that to it.
    if (out->payload != v1::Event::PAYLOAD_NOT_SET) return false;
    out->payload = static_cast<v1::Event::PayloadCase>(number);
    if (number == v1::Event::kIndicatorRecorded) {
      return WalkMessage(value, PayloadSchema(number), out, [&](uint64_t, absl::string_view part) {
        // More breakdowns than a fold holds: protobuf's path counts them.
        if (out->of_which_count >= out->of_which.size()) return false;
        FoldEvent scratch;
        if (!WalkMessage(part, BreakdownSchema(), &scratch, NoNested)) return false;
        out->of_which[out->of_which_count++] = {scratch.indicator, scratch.value};
        return true;
      });
    }
    if (number != v1::Event::kEventReversed) {
      return WalkMessage(value, PayloadSchema(number), out, NoNested);
    }
    if (depth >= kFoldTargetDepthMax) return false;
    *target = FoldEvent();
    out->target = target;
    return WalkMessage(value, PayloadSchema(number), out, [&](uint64_t, absl::string_view stamp) {
      return DecodeEvent(stamp, depth + 1, target, nullptr);
    });
  });
}

const FoldEvent& EmptyEvent() {
  static const FoldEvent empty;
  return empty;
}

// The money events' fields.
void ViewMoney(const v1::Event& event, FoldEvent* out) {
  switch (event.payload_case()) {
    case v1::Event::kFundsAllocated: {
      const v1::FundsAllocated& p = event.funds_allocated();
      out->helper_code = p.helper_code();
      out->recipient_code = p.recipient_code();
      out->project_id = p.project_id();
      out->amount_fen = p.amount_fen();
      out->program = p.program();
      out->document_number = p.document_number();
      break;
    }
    case v1::Event::kFundsDisbursed: {
      const v1::FundsDisbursed& p = event.funds_disbursed();
      out->project_id = p.project_id();
      out->amount_fen = p.amount_fen();
      out->payee = p.payee();
      out->contract_number = p.contract_number();
      break;
    }
    case v1::Event::kInvestmentRecorded: {
      const v1::InvestmentRecorded& p = event.investment_recorded();
      out->helper_code = p.helper_code();
      out->region_code = p.region_code();
      out->project_id = p.project_id();
      out->amount_fen = p.amount_fen();
      out->program = p.program();
      out->enterprise = p.enterprise();
      break;
    }
    case v1::Event::kSaleRecorded: {
      const v1::SaleRecorded& p = event.sale_recorded();
      out->region_code = p.region_code();
      out->helper_code = p.helper_code();
      out->amount_fen = p.amount_fen();
      out->program = p.program();
      break;
    }
    default:
      break;
  }
}

}  // namespace

bool operator==(const FoldEvent& a, const FoldEvent& b) {
  const bool same_fields =
      a.sequence == b.sequence && a.recorded_at_seconds == b.recorded_at_seconds &&
      a.recorded_at_nanos == b.recorded_at_nanos && a.event_id == b.event_id &&
      a.effective_date == b.effective_date &&
      a.payload == b.payload &&
      a.code == b.code && a.name == b.name && a.parent_code == b.parent_code &&
      a.helper_code == b.helper_code && a.recipient_code == b.recipient_code &&
      a.region_code == b.region_code && a.project_id == b.project_id && a.since == b.since && a.reason == b.reason &&
      a.amount_fen == b.amount_fen && a.budget_fen == b.budget_fen && a.program == b.program &&
      a.category == b.category && a.indicator == b.indicator && a.value == b.value &&
      a.year == b.year && a.of_which_count == b.of_which_count && a.of_which == b.of_which &&
      a.digest_sequence == b.digest_sequence && a.head_hash == b.head_hash &&
      a.merkle_root == b.merkle_root && a.report_sha256 == b.report_sha256 &&
      a.signer == b.signer && a.public_key == b.public_key &&
      a.planned_start == b.planned_start && a.planned_end == b.planned_end &&
      a.responsible_unit == b.responsible_unit && a.responsible_person == b.responsible_person &&
      a.stage == b.stage && a.payee_required_from == b.payee_required_from &&
      a.document_number == b.document_number && a.payee == b.payee &&
      a.contract_number == b.contract_number && a.enterprise == b.enterprise &&
      a.reversed_sequence == b.reversed_sequence && a.evidence_count == b.evidence_count;
  if (!same_fields) return false;
  if (a.target == nullptr || b.target == nullptr) return a.target == b.target;
  return *a.target == *b.target;
}

namespace {

// ViewEvent for the events that register (regions, pairings, projects).
void ViewRegistration(const v1::Event& event, FoldEvent* out) {
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered: {
      const v1::RegionRegistered& p = event.region_registered();
      out->code = p.code();
      out->name = p.name();
      out->parent_code = p.parent_code();
      break;
    }
    case v1::Event::kPairingEstablished: {
      const v1::PairingEstablished& p = event.pairing_established();
      out->helper_code = p.helper_code();
      out->recipient_code = p.recipient_code();
      out->program = p.program();
      out->since = p.since();
      break;
    }
    case v1::Event::kPairingEnded: {
      const v1::PairingEnded& p = event.pairing_ended();
      out->helper_code = p.helper_code();
      out->recipient_code = p.recipient_code();
      out->reason = p.reason();
      break;
    }
    case v1::Event::kProjectRegistered: {
      const v1::ProjectRegistered& p = event.project_registered();
      out->project_id = p.project_id();
      out->region_code = p.region_code();
      out->name = p.name();
      out->category = p.category();
      out->budget_fen = p.budget_fen();
      out->planned_start = p.planned_start();
      out->planned_end = p.planned_end();
      out->responsible_unit = p.responsible_unit();
      out->responsible_person = p.responsible_person();
      break;
    }
    case v1::Event::kProjectStageChanged:
      out->project_id = event.project_stage_changed().project_id();
      out->stage = event.project_stage_changed().stage();
      out->reason = event.project_stage_changed().reason();
      break;
    case v1::Event::kPolicySet:
      out->payee_required_from = event.policy_set().payee_required_from();
      break;
    case v1::Event::kRegionAmended:
      out->code = event.region_amended().code();
      out->name = event.region_amended().name();
      out->parent_code = event.region_amended().parent_code();
      break;
    case v1::Event::kProjectAmended: {
      const v1::ProjectAmended& p = event.project_amended();
      out->project_id = p.project_id();
      out->name = p.name();
      out->category = p.category();
      out->budget_fen = p.budget_fen();
      break;
    }
    default:
      break;
  }
}

// ViewEvent for an indicator and a target (issue 22).
void ViewIndicator(const v1::Event& event, FoldEvent* out) {
  if (event.has_indicator_recorded()) {
    const v1::IndicatorRecorded& p = event.indicator_recorded();
    out->helper_code = p.helper_code();
    out->recipient_code = p.recipient_code();
    out->indicator = p.indicator();
    out->value = p.value();
    out->project_id = p.project_id();
    out->of_which_count = static_cast<uint32_t>(p.of_which_size());
    for (size_t i = 0; i < out->of_which.size() && i < out->of_which_count; ++i) {
      out->of_which[i] = {p.of_which(static_cast<int>(i)).indicator(),
                          p.of_which(static_cast<int>(i)).value()};
    }
    return;
  }
  if (event.has_target_set()) {
    const v1::TargetSet& p = event.target_set();
    out->year = p.year();
    out->helper_code = p.helper_code();
    out->recipient_code = p.recipient_code();
    out->indicator = p.indicator();
    out->value = p.value();
    out->reason = p.reason();
  }
}

// ViewEvent for a close and a signature of one (issue 24).
void ViewClose(const v1::Event& event, FoldEvent* out) {
  if (event.has_period_closed()) {
    const v1::PeriodClosed& p = event.period_closed();
    out->year = p.year();
    out->reason = p.reason();
    out->digest_sequence = p.sequence();
    out->head_hash = p.head_hash();
    out->merkle_root = p.merkle_root();
    out->report_sha256 = p.report_sha256();
    return;
  }
  if (event.has_digest_signed()) {
    const v1::DigestSigned& p = event.digest_signed();
    out->year = p.year();
    out->signer = p.signer();
    out->public_key = p.public_key();
  }
}

}  // namespace

void ViewEvent(const v1::Event& event, FoldEvent* out, FoldEvent* target) {
  *out = FoldEvent();
  out->sequence = event.sequence();
  out->recorded_at_seconds = event.recorded_at().seconds();
  out->recorded_at_nanos = event.recorded_at().nanos();
  out->event_id = event.event_id();
  out->effective_date = event.effective_date();
  out->payload = event.payload_case();
  out->evidence_count = static_cast<uint32_t>(event.evidence_size());
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
    case v1::Event::kPairingEstablished:
    case v1::Event::kPairingEnded:
    case v1::Event::kProjectRegistered:
    case v1::Event::kProjectAmended:
    case v1::Event::kRegionAmended:
    case v1::Event::kProjectStageChanged:
    case v1::Event::kPolicySet:
      ViewRegistration(event, out);
      break;
    case v1::Event::kFundsAllocated:
    case v1::Event::kFundsDisbursed:
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      ViewMoney(event, out);
      break;
    case v1::Event::kIndicatorRecorded:
    case v1::Event::kTargetSet:
      ViewIndicator(event, out);
      break;
    case v1::Event::kPeriodClosed:
    case v1::Event::kDigestSigned:
      ViewClose(event, out);
      break;
    case v1::Event::kEventReversed:
      out->reversed_sequence = event.event_reversed().reversed_sequence();
      // A target's own target is never folded (only money events are).
      if (target == nullptr) {
        out->target = &EmptyEvent();
      } else {
        ViewEvent(event.event_reversed().target(), target, nullptr);
        out->target = target;
      }
      break;
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
}

bool DecodeFoldEvent(absl::string_view bytes, FoldEvent* out, FoldEvent* target) {
  return DecodeEvent(bytes, 0, out, target);
}

absl::StatusOr<const FoldEvent*> FoldEventDecoder::Decode(absl::string_view bytes) {
  if (DecodeFoldEvent(bytes, &event_, &target_)) return &event_;
  ++fallbacks_;
  if (!message_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("the event does not decode");
  }
  ViewEvent(message_, &event_, &target_);
  return &event_;
}

absl::StatusOr<const FoldEvent*> FoldEventDecoder::DecodeStored(uint64_t sequence,
                                                                absl::string_view bytes) {
  absl::StatusOr<const FoldEvent*> event = Decode(bytes);
  if (!event.ok()) return CheckDecodedEvent(sequence, false, 0, 0, 0);
  const FoldEvent& decoded = **event;
  RETURN_IF_ERROR(CheckDecodedEvent(sequence, true, decoded.sequence, decoded.recorded_at_seconds,
                                    decoded.recorded_at_nanos));
  return event;
}

}  // namespace aidledger
