#include "app/notice.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/substitute.h"
#include "absl/time/civil_time.h"
#include "app/fund_view.h"
#include "app/output.h"
#include "base/amount.h"
#include "base/daxie.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

constexpr absl::string_view kNotGiven = "（未登记）";

std::string Yuan(int64_t fen) { return absl::StrCat(FormatFen(fen), " 元（", Daxie(fen), "）"); }

std::string OrNotGiven(const std::string& text) {
  return text.empty() ? std::string(kNotGiven) : text;
}

std::string RegionName(const Books& books, absl::string_view code) {
  const v1::RegionEntry* region = books.regions.FindRegion(code);
  return region == nullptr ? std::string(code) : region->name();
}

// 甘肃省定西市安定区: the region's name after those above it.
std::string PlaceOf(const Books& books, const std::string& code) {
  std::vector<std::string> names;
  std::string at = code;
  for (int depth = 0; !at.empty() && depth <= limits::kRegionDepthMax; ++depth) {
    const v1::RegionEntry* region = books.regions.FindRegion(at);
    if (region == nullptr) break;
    names.push_back(region->name());
    at = region->parent_code();
  }
  std::reverse(names.begin(), names.end());
  return absl::StrJoin(names, "");
}

absl::StatusOr<v1::Event> EventAt(const Ledger& ledger, uint64_t sequence) {
  ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ledger.ReadEvent(sequence));
  if (!stored.has_value()) return Corruption(absl::StrCat("event ", sequence, " is not stored"));
  return stored->event;
}

// What each allocation paid for `project_id`, by the trace's matching.
std::vector<std::pair<size_t, int64_t>> PaidFor(const MatchedPoint& m,
                                                const std::string& project_id) {
  std::vector<std::pair<size_t, int64_t>> paid;
  for (size_t d = 0; d < m.view.flow_disbursements.size(); ++d) {
    if (m.view.flow_disbursements[d].project_id != project_id) continue;
    for (const FlowMatch& match : m.flow.PaidBy(d)) {
      auto it = std::find_if(paid.begin(), paid.end(),
                             [&](const auto& p) { return p.first == match.allocation; });
      if (it == paid.end()) {
        paid.emplace_back(match.allocation, match.amount_fen);
      } else {
        it->second += match.amount_fen;
      }
    }
  }
  return paid;
}

absl::Status ProjectLines(const Ledger& ledger, const MatchedPoint& m, const std::string& id,
                          Notice* notice) {
  const Books& books = m.folded.folded.books;
  const v1::ProjectEntry* p = books.projects.FindProject(id);
  auto registered = m.view.projects.find(id);
  if (p == nullptr || registered == m.view.projects.end()) {
    return UsageError(absl::Substitute(Tr("--project $0: no such project at that point"), id));
  }
  ASSIGN_OR_RETURN(const v1::Event registration, EventAt(ledger, registered->second.sequence));
  const v1::ProjectRegistered& r = registration.project_registered();
  notice->title = absl::StrCat(p->name(), "项目公示");
  const std::string period = r.planned_start().empty() && r.planned_end().empty()
                                 ? std::string(kNotGiven)
                                 : absl::StrCat(OrNotGiven(r.planned_start()), " 至 ",
                                                OrNotGiven(r.planned_end()));
  std::vector<std::string> sources;
  for (const auto& [a, fen] : PaidFor(m, id)) {
    const Allocation& allocation = m.view.allocations[a];
    sources.push_back(absl::StrCat(RegionName(books, allocation.helper_code), " ",
                                   allocation.document_number.empty() ? allocation.source.event_id
                                                                      : allocation.document_number,
                                   "：", FormatFen(fen), " 元"));
  }
  notice->lines = {
      {"项目名称", p->name()},
      {"项目编号", id},
      {"实施地点", PlaceOf(books, p->region_code())},
      {"建设内容", absl::StrCat(CategoryChinese(p->category()), "类：", p->name())},
      {"实施期限", period},
      {"责任单位", OrNotGiven(r.responsible_unit())},
      {"责任人", OrNotGiven(r.responsible_person())},
      {"项目预算", Yuan(p->budget_fen())},
      {"按项目下达资金", Yuan(p->allocated_fen())},
      {"已支付资金", Yuan(p->disbursed_fen())},
      {"资金来源", sources.empty() ? "（尚无支付）" : absl::StrJoin(sources, "；")},
      {"预期目标", OrNotGiven(r.expected_goals())},
      {"实施进展", p->stage() == v1::PROJECT_STAGE_UNSPECIFIED
                       ? std::string(kNotGiven)
                       : absl::StrCat(StageChinese(p->stage()), "（", p->stage_on(), "）")},
  };
  return absl::OkStatus();
}

absl::Status AllocationLines(const Ledger& ledger, const MatchedPoint& m, const std::string& id,
                             Notice* notice) {
  const Books& books = m.folded.folded.books;
  const auto it = std::find_if(m.view.allocations.begin(), m.view.allocations.end(),
                               [&id](const Allocation& a) { return a.source.event_id == id; });
  if (it == m.view.allocations.end()) {
    return UsageError(absl::Substitute(Tr("--allocation $0: no allocation in the view has that "
                                          "event_id"),
                                       id));
  }
  const size_t index = static_cast<size_t>(it - m.view.allocations.begin());
  ASSIGN_OR_RETURN(const v1::Event event, EventAt(ledger, it->source.sequence));
  const v1::FundsAllocated& a = event.funds_allocated();
  const v1::ProjectEntry* project =
      a.project_id().empty() ? nullptr : books.projects.FindProject(a.project_id());
  std::vector<std::string> results;
  for (size_t d = 0; d < m.view.flow_disbursements.size(); ++d) {
    for (const FlowMatch& match : m.flow.PaidBy(d)) {
      if (match.allocation != index) continue;
      const absl::string_view pid = m.view.flow_disbursements[d].project_id;
      const v1::ProjectEntry* paid = books.projects.FindProject(pid);
      results.push_back(absl::StrCat(paid == nullptr ? pid : paid->name(), "（", pid, "）",
                                     FormatFen(match.amount_fen), " 元"));
    }
  }
  results.push_back(absl::StrCat("尚未支出 ", FormatFen(m.flow.unspent_fen[index]), " 元"));
  const std::string source = absl::StrCat(
      RegionName(books, a.helper_code()), a.source() == v1::SOCIAL ? " 社会帮扶资金" : " 财政资金",
      a.fund_category().empty() ? "" : absl::StrCat("（", a.fund_category(), "）"));
  notice->title = "帮扶资金公告";
  notice->lines = {
      {"资金来源", source},
      {"指标文件", OrNotGiven(a.document_number())},
      {"下达日期", event.effective_date()},
      {"资金金额", Yuan(a.amount_fen())},
      {"资金用途", project == nullptr
                       ? absl::StrCat(RegionName(books, a.recipient_code()), "统筹安排帮扶项目")
                       : absl::StrCat("项目 ", project->name(), "（", a.project_id(), "）")},
      {"使用单位", project == nullptr || project->responsible_unit().empty()
                       ? RegionName(books, a.recipient_code())
                       : project->responsible_unit()},
      {"分配结果", absl::StrJoin(results, "；")},
  };
  return absl::OkStatus();
}

absl::StatusOr<std::string> Window(const Ledger& ledger, const NoticeQuery& query) {
  if (query.days < limits::kNoticeDaysMin || query.days > limits::kNoticeDaysMax) {
    return UsageError(absl::Substitute(Tr("--days must be $0..$1: disclosure rules ask for at "
                                          "least $0 days"),
                                       limits::kNoticeDaysMin, limits::kNoticeDaysMax));
  }
  const std::string from =
      query.publish_from.empty() ? DateInChina(ledger.Now()) : NormalizeDate(query.publish_from);
  absl::CivilDay day;
  if (!CheckDate(from, "--from").ok() || !absl::ParseCivilTime(from, &day)) {
    return UsageError(absl::Substitute(Tr("--from must be a date YYYY-MM-DD (got \"$0\")"),
                                       query.publish_from.substr(0, limits::kQuotedInputBytesMax)));
  }
  return absl::StrCat("自 ", from, " 至 ", absl::FormatCivilTime(day + (query.days - 1)), "（共 ",
                      query.days, " 天）");
}

}  // namespace

absl::StatusOr<Notice> BuildNotice(const Ledger& ledger, const NoticeQuery& query,
                                   const PointParameterNames& names) {
  if (query.project.empty() == query.allocation.empty()) {
    return UsageError(Tr("a notice is of one thing: --project or --allocation"));
  }
  if (query.hotline.empty()) {
    return UsageError(Tr("--hotline is required: a notice says where to complain"));
  }
  RETURN_IF_ERROR(CheckText(query.hotline, "--hotline", limits::kNameBytesMax, true));
  Notice notice;
  ASSIGN_OR_RETURN(notice.window, Window(ledger, query));
  ASSIGN_OR_RETURN(const MatchedPoint matched, MatchAtPoint(ledger, query.point, names));
  if (!query.project.empty()) {
    RETURN_IF_ERROR(ProjectLines(ledger, matched, query.project, &notice));
  } else {
    RETURN_IF_ERROR(AllocationLines(ledger, matched, query.allocation, &notice));
  }
  notice.hotline = query.hotline;
  ASSIGN_OR_RETURN(notice.digest, ledger.MakeDigest(matched.folded.at.seq()));
  return notice;
}

namespace {

std::string DigestLine(const v1::Digest& digest) {
  return absl::StrCat("账本第 ", digest.seq(), " 号事件时的摘要：链头哈希 ", digest.head_hash(),
                      "，Merkle 根 ", digest.merkle_root(), "（可用 aidledger proof 核验）");
}

}  // namespace

std::string NoticeText(const Notice& notice) {
  std::string out = absl::StrCat(TerminalText(notice.title), "\n\n");
  for (const auto& [label, value] : notice.lines) {
    absl::StrAppend(&out, label, "：", TerminalText(value), "\n");
  }
  absl::StrAppend(&out, "\n公示期：", notice.window, "\n监督电话：", TerminalText(notice.hotline),
                  "\n数据依据：", DigestLine(notice.digest), "\n");
  return out;
}

std::string NoticeHtml(const Notice& notice) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>",
      HtmlEscaped(notice.title),
      "</title><style>@page{size:A4 portrait;margin:20mm}"
      "body{font-family:'Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:12pt}"
      "h1{text-align:center;font-size:18pt}table{border-collapse:collapse;width:100%}"
      "th,td{border:1px solid #000;padding:4pt 6pt;text-align:left;vertical-align:top}"
      "th{width:7em;white-space:nowrap}.digest{font-size:8pt;word-break:break-all}"
      "</style></head><body>\n<h1>",
      HtmlEscaped(notice.title), "</h1>\n<table>\n");
  for (const auto& [label, value] : notice.lines) {
    absl::StrAppend(&out, "<tr><th>", HtmlEscaped(label), "</th><td>", HtmlEscaped(value),
                    "</td></tr>\n");
  }
  absl::StrAppend(&out, "</table>\n<p>公示期：", HtmlEscaped(notice.window), "</p>\n<p>监督电话：",
                  HtmlEscaped(notice.hotline), "</p>\n<p class=\"digest\">数据依据：",
                  HtmlEscaped(DigestLine(notice.digest)), "</p>\n</body></html>\n");
  return out;
}

}  // namespace aidledger::app
