#include "app/output.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "aidledger/v1/cli.pb.h"
#include "absl/strings/str_join.h"
#include "app/drafts.h"
#include "app/json_writer.h"
#include "google/protobuf/util/json_util.h"
#include "base/amount.h"
#include "base/check.h"
#include "base/fields.h"
#include "base/messages.h"
#include "state/indicators.h"
#include "state/vocabulary.h"

namespace aidledger::app {

std::string ToJson(const google::protobuf::Message& message, bool defaults) {
  if (IsPlainMessage(message.GetDescriptor(), defaults)) {  // reports, events: written directly
    std::string json;
    AppendJson(message, defaults, &json);
    return json;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = defaults;
  options.always_print_enums_as_ints = false;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  AIDLEDGER_CHECK(status.ok());  // only fails for Any with unknown types
  return json;
}

std::string HtmlEscaped(absl::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string ReceiptJson(const AppendResult& result) {
  v1::AppendReceipt receipt;
  receipt.set_seq(result.sequence);
  receipt.set_event_id(result.event_id);
  receipt.set_hash(Hex(result.hash));
  receipt.set_duplicate(result.duplicate);
  return ToJson(receipt, true);
}

std::string IndicatorFigure(int indicator, int64_t value) {
  const IndicatorInfo* info = FindIndicator(indicator);
  const std::string number =
      info != nullptr && info->money() ? FormatFen(value) : FormatCount(value);
  const std::string unit = IndicatorUnitName(indicator);
  return unit.empty() ? number : absl::StrCat(number, " ", unit);
}

namespace {

std::string PayloadSummary(const v1::Event& event) {
  using absl::Substitute;
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered: {
      const auto& r = event.region_registered();
      return r.parent_code().empty()
                 ? absl::StrCat(r.code(), " ", r.name())
                 : Substitute(Tr("$0 $1 under $2"), r.code(), r.name(), r.parent_code());
    }
    case v1::Event::kPairingEstablished: {
      const auto& p = event.pairing_established();
      const std::string pairing =
          absl::StrCat(p.helper_code(), " -> ", p.recipient_code(), " ", ProgramName(p.program()));
      return p.since().empty() ? pairing : Substitute(Tr("$0 since $1"), pairing, p.since());
    }
    case v1::Event::kProjectRegistered: {
      const auto& p = event.project_registered();
      return Substitute(Tr("$0 $1 in $2 ($3)"), p.project_id(), p.name(), p.region_code(),
                        CategoryName(p.category()));
    }
    case v1::Event::kPairingEnded: {
      const auto& p = event.pairing_ended();
      return Substitute(Tr("ends the pairing of $0 with $1: $2"), p.helper_code(),
                        p.recipient_code(), p.reason());
    }
    case v1::Event::kRegionAmended: {
      const auto& r = event.region_amended();
      const std::string changes =
          r.parent_code().empty()
              ? Substitute(Tr("renames $0 $1"), r.code(), r.name())
          : r.name().empty()
              ? Substitute(Tr("moves $0 under $1"), r.code(), r.parent_code())
              : Substitute(Tr("renames $0 $1 and moves it under $2"), r.code(), r.name(),
                           r.parent_code());
      return absl::StrCat(changes, ": ", r.reason());
    }
    case v1::Event::kProjectAmended: {
      const auto& p = event.project_amended();
      std::string changes;
      if (!p.name().empty()) absl::StrAppend(&changes, Substitute(Tr(" name $0"), p.name()));
      if (p.category() != v1::PROJECT_CATEGORY_UNSPECIFIED) {
        absl::StrAppend(&changes, Substitute(Tr(" category $0"), CategoryName(p.category())));
      }
      if (p.budget_fen() > 0) {
        absl::StrAppend(&changes, Substitute(Tr(" budget $0 yuan"), FormatFen(p.budget_fen())));
      }
      return Substitute(Tr("amends $0:$1: $2"), p.project_id(), changes, p.reason());
    }
    case v1::Event::kFundsAllocated: {
      const auto& a = event.funds_allocated();
      const std::string money = Substitute(Tr("$0 -> $1 $2 yuan"), a.helper_code(),
                                           a.recipient_code(), FormatFen(a.amount_fen()));
      const std::string placed =
          a.project_id().empty() ? money : Substitute(Tr("$0 for $1"), money, a.project_id());
      return a.document_number().empty() ? placed
                                          : absl::StrCat(placed, " ", a.document_number());
    }
    case v1::Event::kFundsDisbursed: {
      const auto& d = event.funds_disbursed();
      const std::string money = Substitute(Tr("$0 $1 yuan"), d.project_id(), FormatFen(d.amount_fen()));
      return d.payee().empty() ? money : Substitute(Tr("$0 to $1"), money, d.payee());
    }
    case v1::Event::kProjectStageChanged: {
      const auto& p = event.project_stage_changed();
      const std::string stage = Substitute(Tr("project $0 reaches $1 ($2)"), p.project_id(),
                                           WordFor(kStages, p.stage()), StageChinese(p.stage()));
      return p.reason().empty() ? stage : absl::StrCat(stage, ": ", p.reason());
    }
    case v1::Event::kPolicySet:
      return Substitute(Tr("a disbursement names its payee from $0 on"),
                        event.policy_set().payee_required_from());
    case v1::Event::kInvestmentRecorded: {
      const auto& i = event.investment_recorded();
      return Substitute(Tr("$0 in $1 $2 yuan"), i.enterprise(), i.region_code(),
                        FormatFen(i.amount_fen()));
    }
    case v1::Event::kSaleRecorded: {
      const auto& s = event.sale_recorded();
      const std::string money =
          Substitute(Tr("$0 $1 yuan"), s.region_code(), FormatFen(s.amount_fen()));
      return s.channel().empty() ? money : Substitute(Tr("$0 via $1"), money, s.channel());
    }
    case v1::Event::kIndicatorRecorded: {
      const auto& p = event.indicator_recorded();
      std::string text = absl::StrCat(p.helper_code(), " -> ", p.recipient_code(), " ",
                                      IndicatorName(p.indicator()), " ",
                                      IndicatorFigure(p.indicator(), p.value()));
      for (const v1::IndicatorBreakdown& part : p.of_which()) {
        absl::StrAppend(&text, Substitute(Tr(" (of which $0 $1)"), IndicatorName(part.indicator()),
                                          IndicatorFigure(part.indicator(), part.value())));
      }
      if (!p.project_id().empty()) absl::StrAppend(&text, Substitute(Tr(" for $0"), p.project_id()));
      return text;
    }
    case v1::Event::kTargetSet: {
      const auto& t = event.target_set();
      return Substitute(Tr("target $0 $1 -> $2 $3 $4: $5"), t.year(), t.helper_code(),
                        t.recipient_code(), IndicatorName(t.indicator()),
                        IndicatorFigure(t.indicator(), t.value()), t.reason());
    }
    case v1::Event::kEventReversed: {
      const auto& r = event.event_reversed();
      return Substitute(Tr("reverses $0 (seq $1): $2"), r.reversed_event_id(),
                        r.reversed_sequence(), r.reason());
    }
    case v1::Event::kPeriodClosed: {
      const auto& c = event.period_closed();
      return Substitute(Tr("closes $0 at seq $1 (merkle_root $2) $3"), c.year(), c.sequence(),
                        c.merkle_root().substr(0, 16), c.reason());
    }
    case v1::Event::kDigestSigned:
      return Substitute(Tr("$0 signs the close of $1"), event.digest_signed().signer(),
                        event.digest_signed().year());
    case v1::Event::PAYLOAD_NOT_SET: break;
  }
  return "";
}

}  // namespace

std::string EventSummary(const v1::Event& event) {
  std::string summary = PayloadSummary(event);
  if (event.adjusts_closed() != 0) {
    absl::StrAppend(&summary, absl::Substitute(Tr(" [adjusts closed $0: $1]"),
                                               event.adjusts_closed(),
                                               event.adjustment_reason()));
  }
  return summary;
}

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : 4;
    uint32_t code_point = lead;
    if (length > 1 && i + length <= text.size()) {
      code_point = lead & (0xFF >> (length + 1));
      for (size_t k = 1; k < length; ++k) {
        code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
    }
    const bool wide = (code_point >= 0x1100 && code_point <= 0x115F) ||
                      (code_point >= 0x2E80 && code_point <= 0xA4CF) ||
                      (code_point >= 0xAC00 && code_point <= 0xD7A3) ||
                      (code_point >= 0xF900 && code_point <= 0xFAFF) ||
                      (code_point >= 0xFE30 && code_point <= 0xFE4F) ||
                      (code_point >= 0xFF00 && code_point <= 0xFF60) ||
                      (code_point >= 0xFFE0 && code_point <= 0xFFE6) ||
                      (code_point >= 0x20000 && code_point <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += length;
  }
  return width;
}

Table::Table(const std::vector<absl::string_view>& header, std::vector<size_t> right_aligned)
    : right_aligned_(std::move(right_aligned)) {
  rows_.emplace_back(header.begin(), header.end());
}

std::string TerminalText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto [point, length] = DecodeUtf8(text.substr(i));
    if (length == 0) {
      absl::StrAppend(&out, "\\x", absl::Hex(static_cast<unsigned char>(text[i]), absl::kZeroPad2));
      ++i;
    } else if (IsInvisibleControl(point)) {
      absl::StrAppend(&out, point < 0x100 ? "\\x" : "\\u",
                      absl::Hex(point, point < 0x100 ? absl::kZeroPad2 : absl::kZeroPad4));
      i += length;
    } else {
      out.append(text.data() + i, length);
      i += length;
    }
  }
  return out;
}

void Table::AddRow(std::vector<std::string> row) {
  for (std::string& cell : row) cell = TerminalText(cell);
  rows_.push_back(std::move(row));
}

std::string Table::Render() const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  }
  std::string out;
  for (const auto& row : rows_) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string padding(widths[c] - DisplayWidth(row[c]), ' ');
      const bool right = std::find(right_aligned_.begin(), right_aligned_.end(), c) !=
                         right_aligned_.end();
      if (c > 0) line += "  ";
      line += right ? padding + row[c] : (c + 1 == row.size() ? row[c] : row[c] + padding);
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

namespace {

// The fund view's parts stored at one sequence (a snapshot stores one a
// partition: ~17 at 1M events), shown on the row of its manifest.
struct FundViewParts {
  size_t parts = 0;
  size_t bytes = 0;
  std::string problem;  // the first part's that is not trusted, named
};

}  // namespace

std::vector<SnapshotInfo> SnapshotRows(std::vector<SnapshotInfo> snapshots) {
  std::map<uint64_t, FundViewParts> parts;
  std::set<uint64_t> manifests;  // the sequences with a fund view's manifest
  for (const SnapshotInfo& info : snapshots) {
    if (info.projection == kFundViewSnapshotName) manifests.insert(info.sequence);
    if (!absl::StartsWith(info.projection, kFundViewPartPrefix)) continue;
    FundViewParts& at = parts[info.sequence];
    ++at.parts;
    at.bytes += info.state_bytes;
    if (at.problem.empty() && !info.problem.empty()) {
      at.problem = absl::StrCat(info.projection, ": ", info.problem);
    }
  }
  std::vector<SnapshotInfo> rows;
  for (SnapshotInfo& info : snapshots) {
    const bool folded = manifests.contains(info.sequence);
    if (folded && absl::StartsWith(info.projection, kFundViewPartPrefix)) continue;
    const auto found = parts.find(info.sequence);
    if (info.projection == kFundViewSnapshotName && found != parts.end()) {
      info.projection =
          absl::Substitute(Tr("$0 +$1 parts"), kFundViewSnapshotName, found->second.parts);
      info.state_bytes += found->second.bytes;
      if (info.problem.empty()) info.problem = found->second.problem;
    }
    rows.push_back(std::move(info));
  }
  return rows;
}

}  // namespace aidledger::app
