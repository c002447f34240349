#include "app/trace.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "app/output.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "app/fund_view.h"
#include "state/fund_flow.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

bool IsWithin(const Books& books, const std::string& code, const std::string& ancestor) {
  return books.regions.IsWithin(code, ancestor);
}

// Builds the nodes from the view and its matching.
class TreeBuilder {
 public:
  TreeBuilder(const Books& books, const ViewEvents& view, const FundFlow& flow)
      : books_(books), view_(view), flow_(flow) {
    for (size_t d = 0; d < flow.paid_by.size(); ++d) {
      for (const FlowMatch& match : flow.paid_by[d]) paid_[match.allocation].push_back(d);
    }
  }

  // The trace of the allocations `keep` selects, grouped by helper; in each
  // allocation only the projects `project_kept` admits.
  template <typename Keep, typename ProjectKept>
  absl::StatusOr<std::vector<v1::TraceNode>> Build(Keep keep, ProjectKept project_kept) {
    std::map<std::string, v1::TraceNode> helpers;  // by code: a stable order
    for (size_t a = 0; a < view_.allocations.size(); ++a) {
      if (!keep(a)) continue;
      const std::string& helper = view_.allocations[a].helper_code;
      auto [it, inserted] = helpers.try_emplace(helper);
      if (inserted) RegionNode("helper", helper, &it->second);
      v1::TraceNode& node = *it->second.add_children();
      AllocationNode(a, project_kept, &node);
      it->second.set_amount_fen(it->second.amount_fen() + node.amount_fen());
      it->second.set_unspent_fen(it->second.unspent_fen() + node.unspent_fen());
      RETURN_IF_ERROR(CheckNodes());
    }
    std::vector<v1::TraceNode> nodes;
    for (auto& [code, node] : helpers) nodes.push_back(std::move(node));
    return nodes;
  }

  // The disbursements of the projects `project_kept` admits that no
  // allocation in the view covered in full: shown at the top, so that
  // money without a source is never hidden.
  template <typename ProjectKept>
  absl::Status AddUncovered(ProjectKept project_kept, std::vector<v1::TraceNode>* nodes) {
    for (size_t d = 0; d < view_.disbursements.size(); ++d) {
      if (flow_.unmatched_fen[d] == 0 || !project_kept(view_.flow_disbursements[d].project_id)) {
        continue;
      }
      DisbursementNode(d, &nodes->emplace_back());
      RETURN_IF_ERROR(CheckNodes());
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckNodes() const {
    if (nodes_ <= limits::kTraceNodesMax) return absl::OkStatus();
    return absl::ResourceExhaustedError(absl::Substitute(
        Tr("the trace holds more than $0 nodes: narrow it with --helper, --region, "
           "--project or --allocation"),
        limits::kTraceNodesMax));
  }

  void Prove(const Source& source, v1::TraceNode* node) {
    node->set_seq(source.sequence);
    node->set_hash(Hex(source.hash));
    node->set_date(source.date);
  }

  void RegionNode(const std::string& kind, const std::string& code, v1::TraceNode* node) {
    ++nodes_;
    node->set_kind(kind);
    node->set_id(code);
    const v1::RegionEntry* region = books_.regions.FindRegion(code);
    if (region != nullptr) node->set_name(region->name());
    if (auto it = view_.regions.find(code); it != view_.regions.end()) Prove(it->second, node);
  }

  void ProjectNode(const std::string& project_id, v1::TraceNode* node) {
    ++nodes_;
    node->set_kind("project");
    node->set_id(project_id);
    const v1::ProjectEntry* project = books_.projects.FindProject(project_id);
    if (project != nullptr) {
      node->set_name(project->name());
      node->set_stage(std::string(WordFor(kStages, project->stage())));
      node->set_budget_fen(project->budget_fen());
    }
    if (auto it = view_.projects.find(project_id); it != view_.projects.end()) {
      Prove(it->second, node);
    }
  }

  void DisbursementNode(size_t d, v1::TraceNode* node) {
    ++nodes_;
    const Payment& payment = view_.disbursements[d];
    node->set_kind("disbursement");
    node->set_id(payment.source.event_id);
    Prove(payment.source, node);
    node->set_amount_fen(view_.flow_disbursements[d].amount_fen);
    node->set_name(payment.name);
    node->set_contract_number(payment.contract_number);
    node->set_evidence_files(payment.evidence_files);
    node->set_unmatched_fen(flow_.unmatched_fen[d]);
    for (const FlowMatch& match : flow_.paid_by[d]) {
      v1::TraceMatch& m = *node->add_matched();
      m.set_allocation_event_id(view_.allocations[match.allocation].source.event_id);
      m.set_amount_fen(match.amount_fen);
    }
  }

  // A project's investments, under the first node of the project in the
  // trace only: no allocation paid them, so they are not repeated.
  void InvestmentNodes(const std::string& project_id, v1::TraceNode* project) {
    if (!investments_shown_.insert(project_id).second) return;
    for (size_t i = 0; i < view_.investments.size(); ++i) {
      if (view_.investment_projects[i] != project_id) continue;
      ++nodes_;
      const Payment& payment = view_.investments[i];
      v1::TraceNode& node = *project->add_children();
      node.set_kind("investment");
      node.set_id(payment.source.event_id);
      Prove(payment.source, &node);
      node.set_name(payment.name);
      node.set_evidence_files(payment.evidence_files);
    }
  }

  // An allocation: its region, and under it each project it paid for (or
  // the one it names), with the disbursements it paid.
  template <typename ProjectKept>
  void AllocationNode(size_t a, ProjectKept project_kept, v1::TraceNode* node) {
    ++nodes_;
    const Allocation& allocation = view_.allocations[a];
    const FlowAllocation& flow = view_.flow_allocations[a];
    node->set_kind("allocation");
    node->set_id(allocation.source.event_id);
    Prove(allocation.source, node);
    node->set_amount_fen(flow.amount_fen);
    node->set_unspent_fen(flow_.unspent_fen[a]);
    node->set_document_number(allocation.document_number);
    node->set_evidence_files(allocation.evidence_files);
    v1::TraceNode& region = *node->add_children();
    RegionNode("region", flow.recipient_code, &region);
    region.set_amount_fen(flow.amount_fen);
    region.set_unspent_fen(flow_.unspent_fen[a]);
    // The projects in the order this allocation first paid them.
    std::vector<std::string> projects;
    if (!flow.project_id.empty()) projects.push_back(flow.project_id);
    for (size_t d : paid_[a]) {
      const std::string& project_id = view_.flow_disbursements[d].project_id;
      if (std::find(projects.begin(), projects.end(), project_id) == projects.end()) {
        projects.push_back(project_id);
      }
    }
    for (const std::string& project_id : projects) {
      if (!project_kept(project_id)) continue;
      v1::TraceNode& project = *region.add_children();
      ProjectNode(project_id, &project);
      int64_t paid = 0;
      for (size_t d : paid_[a]) {
        if (view_.flow_disbursements[d].project_id != project_id) continue;
        DisbursementNode(d, project.add_children());
        for (const FlowMatch& match : flow_.paid_by[d]) {
          if (match.allocation == a) paid += match.amount_fen;
        }
      }
      const bool named = project_id == flow.project_id;
      project.set_amount_fen(named ? flow.amount_fen : paid);
      project.set_unspent_fen(named ? flow_.unspent_fen[a] : 0);
      InvestmentNodes(project_id, &project);
    }
  }

  const Books& books_;
  const ViewEvents& view_;
  const FundFlow& flow_;
  // Per allocation: the disbursements it paid a part of, in paying order.
  absl::flat_hash_map<size_t, std::vector<size_t>> paid_;
  absl::flat_hash_set<std::string> investments_shown_;
  size_t nodes_ = 0;
};

absl::Status CheckQuery(const TraceQuery& query) {
  const int given = !query.allocation.empty() + !query.project.empty() + !query.region.empty() +
                    !query.helper.empty();
  if (given != 1) {
    return UsageError(Tr("trace one thing: --allocation, --project, --region or --helper"));
  }
  return absl::OkStatus();
}

// Sets evidence_stored of `node` and the nodes under it: of the files its
// event names, how many the evidence store holds (one read of the event,
// one lookup a file, only for events that name files; the tree's depth is
// bounded, and its nodes by kTraceNodesMax).
absl::Status CountStoredEvidence(const Ledger& ledger, v1::TraceNode* node) {
  if (node->evidence_files() > 0 && node->seq() != 0) {
    ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ledger.ReadEvent(node->seq()));
    int held = 0;
    static const v1::Event kNoEvent;  // the event is gone (beyond the head): no files
    for (const v1::Evidence& evidence : (stored.has_value() ? stored->event : kNoEvent).evidence()) {
      absl::StatusOr<Hash> sha256 = HashFromHex(evidence.sha256());
      if (!sha256.ok()) continue;
      ASSIGN_OR_RETURN(std::optional<EvidenceManifest> manifest, ledger.FindEvidence(*sha256));
      if (manifest.has_value()) ++held;
    }
    node->set_evidence_stored(held);
  }
  for (v1::TraceNode& child : *node->mutable_children()) {
    RETURN_IF_ERROR(CountStoredEvidence(ledger, &child));
  }
  return absl::OkStatus();
}

// The provinces whose money `query` needs at a point whose Books are
// `books`: a helper's, those its money went to (HelperTotals' flows, which
// a reversal never removes: a superset); a region's or project's, its own.
// nullopt (all of them) for an allocation, or a code the Books do not hold.
std::optional<absl::flat_hash_set<std::string>> ProvincesOfQuery(const TraceQuery& query,
                                                                 const Books& books) {
  absl::flat_hash_set<std::string> provinces;
  std::string region = query.region;
  if (!query.project.empty()) {
    const v1::ProjectEntry* project = books.projects.FindProject(query.project);
    if (project == nullptr) return std::nullopt;
    region = project->region_code();
  }
  if (!region.empty()) {
    std::string province = ProvinceOf(books, region);
    if (province.empty()) return std::nullopt;
    provinces.insert(std::move(province));
    return provinces;
  }
  if (query.helper.empty()) return std::nullopt;
  for (const v1::MoneyFlow& flow : books.helpers.state().flows()) {
    if (!books.regions.IsWithin(flow.helper_code(), query.helper)) continue;
    std::string province = ProvinceOf(books, flow.region_code());
    if (province.empty()) return std::nullopt;
    provinces.insert(std::move(province));
  }
  return provinces;
}

}  // namespace

absl::StatusOr<v1::TraceReport> BuildTrace(const Ledger& ledger, PointOptions point,
                                           const TraceQuery& query,
                                           const PointParameterNames& names) {
  RETURN_IF_ERROR(CheckQuery(query));
  ProvincesOf provinces_of = nullptr;
  if (!query.whole_view) {
    provinces_of = [&query](const Books& books) { return ProvincesOfQuery(query, books); };
  }
  ASSIGN_OR_RETURN(const MatchedPoint matched,
                   MatchAtPoint(ledger, point, names, Books::kHelpers, provinces_of));
  const FoldedPoint& folded = matched.folded;
  const Books& books = folded.folded.books;
  const ViewEvents& view = matched.view;
  const FundFlow& flow = matched.flow;
  const auto region_of = [&books](const std::string& project_id) {
    const v1::ProjectEntry* project = books.projects.FindProject(project_id);
    return project == nullptr ? std::string() : project->region_code();
  };
  // Which allocations and projects the query keeps.
  const auto project_kept = [&](const std::string& project_id) {
    if (!query.project.empty()) return project_id == query.project;
    if (!query.region.empty()) return IsWithin(books, region_of(project_id), query.region);
    return true;
  };
  absl::flat_hash_set<size_t> paid_kept;  // allocations that paid a kept project
  for (size_t d = 0; d < flow.paid_by.size(); ++d) {
    if (!project_kept(view.flow_disbursements[d].project_id)) continue;
    for (const FlowMatch& match : flow.paid_by[d]) paid_kept.insert(match.allocation);
  }
  bool found = false;
  const auto keep = [&](size_t a) {
    const FlowAllocation& allocation = view.flow_allocations[a];
    if (!query.allocation.empty()) {
      const bool kept = view.allocations[a].source.event_id == query.allocation;
      found = found || kept;
      return kept;
    }
    if (!query.helper.empty()) return IsWithin(books, view.allocations[a].helper_code, query.helper);
    if (!query.project.empty()) return allocation.project_id == query.project || paid_kept.contains(a);
    return IsWithin(books, allocation.recipient_code, query.region) || paid_kept.contains(a);
  };
  TreeBuilder builder(books, view, flow);
  const bool whole_allocation = !query.allocation.empty() || !query.helper.empty();
  ASSIGN_OR_RETURN(std::vector<v1::TraceNode> nodes,
                   whole_allocation ? builder.Build(keep, [](const std::string&) { return true; })
                                    : builder.Build(keep, project_kept));
  if (!query.allocation.empty() && !found) {
    return UsageError(absl::Substitute(Tr("--allocation $0: no allocation in the view has that "
                                          "event_id"),
                                       query.allocation));
  }
  if (!query.project.empty() || !query.region.empty()) {
    RETURN_IF_ERROR(builder.AddUncovered(project_kept, &nodes));
  }
  v1::TraceReport report;
  *report.mutable_at() = folded.at;
  for (v1::TraceNode& node : nodes) {
    RETURN_IF_ERROR(CountStoredEvidence(ledger, &node));
    *report.add_nodes() = std::move(node);
  }
  return report;
}

namespace {

using Shown = std::string (*)(absl::string_view);

std::string Plain(absl::string_view text) { return std::string(text); }

// One node's line: what it is and its figures, the text it holds through
// `show` (TerminalText for a terminal).
std::string NodeText(const v1::TraceNode& node, const TableStyle& style, Shown show) {
  std::string line = absl::StrCat(node.kind(), " ", show(node.id()));
  if (!node.name().empty()) absl::StrAppend(&line, " ", show(node.name()));
  if (!node.stage().empty()) absl::StrAppend(&line, " [", node.stage(), "]");
  if (!node.date().empty()) absl::StrAppend(&line, " ", node.date());
  if (node.kind() != "region" && node.kind() != "helper" && node.kind() != "project") {
    absl::StrAppend(&line, " ", TableFigure(node.amount_fen(), style.unit));
  } else if (node.amount_fen() != 0) {
    absl::StrAppend(&line, " ", TableFigure(node.amount_fen(), style.unit));
  }
  if (node.kind() != "disbursement" && node.kind() != "investment") {
    absl::StrAppend(&line, absl::Substitute(Tr(" unspent $0"),
                                            TableFigure(node.unspent_fen(), style.unit)));
  }
  if (node.budget_fen() != 0) {
    absl::StrAppend(&line, absl::Substitute(Tr(" budget $0"),
                                            TableFigure(node.budget_fen(), style.unit)));
  }
  if (!node.document_number().empty()) absl::StrAppend(&line, " ", show(node.document_number()));
  if (!node.contract_number().empty()) {
    absl::StrAppend(&line, absl::Substitute(Tr(" contract $0"), show(node.contract_number())));
  }
  for (const v1::TraceMatch& match : node.matched()) {
    absl::StrAppend(&line, absl::Substitute(Tr(" paid by $0 $1"), show(match.allocation_event_id()),
                                            TableFigure(match.amount_fen(), style.unit)));
  }
  if (node.unmatched_fen() != 0) {
    absl::StrAppend(&line, absl::Substitute(Tr(" covered by no allocation $0"),
                                            TableFigure(node.unmatched_fen(), style.unit)));
  }
  if (node.kind() == "disbursement" || node.kind() == "allocation") {
    absl::StrAppend(&line, absl::Substitute(Tr(" evidence $0 ($1 stored)"), node.evidence_files(),
                                            node.evidence_stored()));
  }
  if (node.seq() != 0) absl::StrAppend(&line, " seq=", node.seq(), " hash=", node.hash().substr(0, 12));
  return line;
}

// The tree's depth is bounded (helper, allocation, region, project,
// payment): the recursion is too.
void AppendNodeLine(const v1::TraceNode& node, const TableStyle& style, int depth,
                    std::string* out) {
  absl::StrAppend(out, std::string(2 * static_cast<size_t>(depth), ' '),
                  NodeText(node, style, TerminalText), "\n");
  for (const v1::TraceNode& child : node.children()) AppendNodeLine(child, style, depth + 1, out);
}

void AppendNodeItem(const v1::TraceNode& node, const TableStyle& style, std::string* out) {
  absl::StrAppend(out, "<li><span class=\"", HtmlEscaped(node.kind()), "\">",
                  HtmlEscaped(NodeText(node, style, Plain)), "</span>");
  if (node.children_size() > 0) {
    absl::StrAppend(out, "<ul>");
    for (const v1::TraceNode& child : node.children()) AppendNodeItem(child, style, out);
    absl::StrAppend(out, "</ul>");
  }
  absl::StrAppend(out, "</li>\n");
}

}  // namespace

std::string TraceTable(const v1::TraceReport& report, const TableStyle& style) {
  std::string out = absl::StrCat(PointHeading(report.at(), style), "\n");
  if (report.nodes_size() == 0) absl::StrAppend(&out, Tr("no allocation in the view"), "\n");
  for (const v1::TraceNode& node : report.nodes()) AppendNodeLine(node, style, 0, &out);
  return out;
}

std::string TraceHtml(const v1::TraceReport& report, const TableStyle& style) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>资金穿透</title>"
      "<style>@page{size:A4 landscape;margin:12mm}"
      "body{font-family:'Noto Sans CJK SC',sans-serif;font-size:10pt}"
      "ul{list-style:none;padding-left:1.5em;margin:0}li{margin:2pt 0}"
      ".allocation{font-weight:bold}.disbursement{color:#333}"
      "li{break-inside:avoid}</style></head><body>\n<h1>资金穿透</h1>\n<p>",
      HtmlEscaped(PointHeading(report.at(), style)), "</p>\n");
  if (report.nodes_size() == 0) {
    absl::StrAppend(&out, "<p>", HtmlEscaped(Tr("no allocation in the view")), "</p>\n");
  }
  absl::StrAppend(&out, "<ul>\n");
  for (const v1::TraceNode& node : report.nodes()) AppendNodeItem(node, style, &out);
  absl::StrAppend(&out, "</ul>\n</body></html>\n");
  return out;
}

}  // namespace aidledger::app
