#include "app/trace.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/types/span.h"
#include "app/fund_view.h"
#include "app/json_writer.h"
#include "app/output.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/large_buffers.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "state/fund_flow.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

bool IsWithin(const Books& books, absl::string_view code, absl::string_view ancestor) {
  return books.regions.IsWithin(code, ancestor);
}

// One node of the trace, as each rendering of it (a TraceNode, its JSON)
// takes it: views of the matched point's data, nothing copied.
struct NodeFields {
  absl::string_view kind;
  absl::string_view id;
  const Source* source = nullptr;  // the event that proves the node, if any
  int64_t amount_fen = 0;
  int64_t unspent_fen = 0;
  absl::Span<const FlowMatch> matched;  // a disbursement's
  absl::string_view name, document_number, contract_number, stage;
  int64_t budget_fen = 0;
  int64_t unmatched_fen = 0;
  int evidence_files = 0;
  int evidence_stored = 0;
};

// Where the trace goes, node by node in the tree's order: Begin(node), its
// children, End(node), given the same fields. The tree's depth is bounded
// (helper, allocation, region, project, payment).
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void Begin(const NodeFields& node) = 0;
  virtual void End(const NodeFields& node) = 0;
};

// The trace as a TraceReport's nodes.
class ProtoSink : public TraceSink {
 public:
  ProtoSink(const ViewEvents& view, v1::TraceReport* report) : view_(view), report_(report) {}

  void Begin(const NodeFields& f) override {
    v1::TraceNode* node = open_.empty() ? report_->add_nodes() : open_.back()->add_children();
    node->set_kind(std::string(f.kind));
    node->set_id(std::string(f.id));
    if (f.source != nullptr) {
      node->set_seq(f.source->sequence);
      node->set_hash(Hex(f.source->hash));
      node->set_date(std::string(f.source->date));
    }
    node->set_amount_fen(f.amount_fen);
    node->set_unspent_fen(f.unspent_fen);
    for (const FlowMatch& match : f.matched) {
      v1::TraceMatch& m = *node->add_matched();
      m.set_allocation_event_id(std::string(view_.allocations[match.allocation].source.event_id));
      m.set_amount_fen(match.amount_fen);
    }
    node->set_name(std::string(f.name));
    node->set_document_number(std::string(f.document_number));
    node->set_contract_number(std::string(f.contract_number));
    node->set_stage(std::string(f.stage));
    node->set_budget_fen(f.budget_fen);
    node->set_unmatched_fen(f.unmatched_fen);
    node->set_evidence_files(f.evidence_files);
    node->set_evidence_stored(f.evidence_stored);
    open_.push_back(node);
  }

  void End(const NodeFields&) override { open_.pop_back(); }

 private:
  const ViewEvents& view_;
  v1::TraceReport* report_;
  std::vector<v1::TraceNode*> open_;  // the nodes begun and not ended
};

// The trace's JSON, written as it is built: the bytes ToJson(report, true)
// prints for the TraceReport a ProtoSink builds (a test holds the two to
// that), without the tree of messages between them. Its text grows by
// doubling into buffers advised to use huge pages (base/large_buffers.h): a
// trace of ~100 MB written into fresh 4 KiB pages spent more time in page
// faults than in writing; it starts in a string a trace before wrote, when
// there is one (SpareStrings), whose bytes it writes over without filling
// them first, and cuts to what it wrote. Each Begin and End asks once for room for
// the most it may write (made a chunk at a time), then writes its ~25
// pieces through a local pointer: not appended piece by piece, where each
// append of a std::string checks and moves its size.
class JsonSink : public TraceSink {
 public:
  // `at`: the JSON of the trace's point.
  JsonSink(const ViewEvents& view, const std::string& at)
      : view_(view), text_(SpareStrings::Process().Take()) {
    // Room for a trace of the whole view, which holds a node for each
    // allocation, its region and a project, and for each payment, under
    // one allocation or two: memory only reserved is never touched, so
    // a smaller trace costs only address space (at most kReserveBytesMax,
    // which a machine without overcommit must still grant), and a larger
    // one grows.
    const size_t nodes = 3 * view.allocations.size() +
                         2 * (view.disbursements.size() + view.investments.size());
    const size_t reserve = std::clamp(nodes * kNodeTextBytes, kChunkBytes, kReserveBytesMax);
    if (text_.capacity() < reserve) {
      text_.clear();  // what a trace before wrote need not move
      ReserveLarge(&text_, reserve);
    }
    Plain("{\"at\":");
    Plain(at);
    Plain(",\"nodes\":[");
  }

  void Begin(const NodeFields& f) override {
    size_t most = kBeginBytesMax + StringBytesMax(f.kind) + StringBytesMax(f.id);
    if (f.source != nullptr) most += StringBytesMax(f.source->date);
    for (const FlowMatch& match : f.matched) {
      most += kMatchBytesMax + StringBytesMax(AllocationId(match));
    }
    char* const start = Room(most);
    char* out = start;
    if (!first_) *out++ = ',';
    out = Put(out, "{\"kind\":");
    out = PutString(out, f.kind);
    out = Put(out, ",\"id\":");
    out = PutString(out, f.id);
    if (f.source != nullptr) {
      out = Put(out, ",\"seq\":\"");
      out = PutDecimal(out, f.source->sequence);
      out = Put(out, "\",\"hash\":\"");
      WriteHex(f.source->hash, out);
      out += kHashHexBytes;
      out = Put(out, "\",\"date\":");
      out = PutString(out, f.source->date);
    } else {
      out = Put(out, ",\"seq\":\"0\",\"hash\":\"\",\"date\":\"\"");
    }
    out = Put(out, ",\"amount_fen\":\"");
    out = PutDecimal(out, f.amount_fen);
    out = Put(out, "\",\"unspent_fen\":\"");
    out = PutDecimal(out, f.unspent_fen);
    out = Put(out, "\",\"matched\":[");
    for (size_t i = 0; i < f.matched.size(); ++i) {
      if (i != 0) *out++ = ',';
      out = Put(out, "{\"allocation_event_id\":");
      out = PutString(out, AllocationId(f.matched[i]));
      out = Put(out, ",\"amount_fen\":\"");
      out = PutDecimal(out, f.matched[i].amount_fen);
      out = Put(out, "\"}");
    }
    out = Put(out, "],\"children\":[");
    Written(start, out, most);
    first_ = true;
  }

  void End(const NodeFields& f) override {
    const size_t most = kEndBytesMax + StringBytesMax(f.name) + StringBytesMax(f.document_number) +
                        StringBytesMax(f.contract_number) + StringBytesMax(f.stage);
    char* const start = Room(most);
    char* out = Put(start, "],\"name\":");
    out = PutString(out, f.name);
    out = Put(out, ",\"document_number\":");
    out = PutString(out, f.document_number);
    out = Put(out, ",\"contract_number\":");
    out = PutString(out, f.contract_number);
    out = Put(out, ",\"stage\":");
    out = PutString(out, f.stage);
    out = Put(out, ",\"budget_fen\":\"");
    out = PutDecimal(out, f.budget_fen);
    out = Put(out, "\",\"unmatched_fen\":\"");
    out = PutDecimal(out, f.unmatched_fen);
    out = Put(out, "\",\"evidence_files\":");
    out = PutDecimal(out, f.evidence_files);
    out = Put(out, ",\"evidence_stored\":");
    out = PutDecimal(out, f.evidence_stored);
    *out++ = '}';
    Written(start, out, most);
    first_ = false;
  }

  // A trace that failed gives its memory back.
  ~JsonSink() override { SpareStrings::Process().Give(std::move(text_)); }

  // The whole document (give it to SpareStrings once sent); the sink is
  // spent.
  std::string Finish() && {
    Plain("]}");
    text_.resize(end_);
    return std::move(text_);
  }

 private:
  // The room made at a time: the string's size runs ahead of the bytes
  // written (end_) by up to this much, zero-filled just before they are
  // written over, and is cut back to them by Finish. A string from
  // SpareStrings comes with room: what a trace before wrote.
  static constexpr size_t kChunkBytes = size_t{64} << 10;
  // A node's text, about: 381 bytes on average in the 1M ledger's trace.
  static constexpr size_t kNodeTextBytes = 400;
  // The most reserved before the first node: a trace of 1M events is
  // ~100 MB; a larger one grows by doubling.
  static constexpr size_t kReserveBytesMax = size_t{256} << 20;
  // The most digits and sign of an int64 or uint64 in decimal.
  static constexpr size_t kDecimalBytesMax = 20;

  // The most bytes Begin writes besides its strings (its text, three
  // numbers and a hash: 228), and each match besides its allocation's
  // event_id (62); the most End writes besides its strings (129 bytes of
  // text and four numbers: 209). Written() checks each node against them.
  static constexpr size_t kBeginBytesMax = 256;
  static constexpr size_t kMatchBytesMax = 64;
  static constexpr size_t kEndBytesMax = 256;

  // The most bytes PutString writes for `text`: a byte escaped as \u00XX
  // at worst (a character of four bytes is two \uXXXX), and the quotes.
  static size_t StringBytesMax(absl::string_view text) { return 6 * text.size() + 2; }

  // Where the next `bytes` bytes go: at end_, with room for them. A node
  // asks once for the most it may write, then writes through a local
  // pointer: one written through a member would be read again after each
  // byte written (a char may alias anything).
  char* Room(size_t bytes) {
    if (text_.size() - end_ < bytes) {
      const size_t size = end_ + std::max(bytes, kChunkBytes);
      ReserveLarge(&text_, size - text_.size());
      text_.resize(size);
    }
    return text_.data() + end_;
  }

  // The node's bytes from `start` to `out` are written, at most `most`.
  void Written(const char* start, const char* out, size_t most) {
    AIDLEDGER_CHECK(static_cast<size_t>(out - start) <= most);
    end_ += static_cast<size_t>(out - start);
  }

  void Plain(absl::string_view bytes) {
    if (bytes.empty()) return;  // its data may be null, which memcpy must not be given
    std::memcpy(Room(bytes.size()), bytes.data(), bytes.size());
    end_ += bytes.size();
  }

  // A string literal, without its terminating NUL: a copy of a size known
  // when compiled, a few moves rather than a call.
  template <size_t kSize>
  static char* Put(char* out, const char (&bytes)[kSize]) {
    static_assert(kSize > 1);
    std::memcpy(out, bytes, kSize - 1);
    return out + kSize - 1;
  }

  // `text` as a JSON string: at most StringBytesMax(text) bytes.
  char* PutString(char* out, absl::string_view text) {
    if (text.empty()) return Put(out, "\"\"");  // a node's text fields mostly are
    if (!IsPlainJsonText(text)) {  // quotes, controls, format characters, ...
      escaped_.clear();
      AppendJsonString(text, &escaped_);
      std::memcpy(out, escaped_.data(), escaped_.size());
      return out + escaped_.size();
    }
    *out++ = '"';
    std::memcpy(out, text.data(), text.size());  // not empty: its data is not null
    out += text.size();
    *out++ = '"';
    return out;
  }

  template <typename Integer>
  static char* PutDecimal(char* out, Integer number) {
    return std::to_chars(out, out + kDecimalBytesMax, number).ptr;
  }

  absl::string_view AllocationId(const FlowMatch& match) const {
    return view_.allocations[match.allocation].source.event_id;
  }

  const ViewEvents& view_;
  std::string text_;  // the bytes written, then room (Room)
  size_t end_ = 0;    // how many of text_'s bytes are written
  std::string escaped_;  // String's, kept for its room
  bool first_ = true;  // the next node is the first of its list
};

// A project as the trace shows it, looked up once a trace (a province's
// trace shows each of its projects under many allocations): its fields,
// its investments, and its place among the projects of the allocation
// being written (TreeBuilder::AllocationNode).
struct ProjectShown {
  absl::string_view project_id;
  NodeFields fields;
  const std::vector<size_t>* investments = nullptr;  // null: none in the view
  bool investments_shown = false;  // under an earlier node of the project
  size_t allocation = SIZE_MAX;    // the allocation that listed it last
  size_t paid = 0;                 // its place in that list
};

// A part of a disbursement that one allocation paid.
struct PaidPart {
  size_t disbursement = 0;
  int64_t amount_fen = 0;
};

// A project an allocation paid (its index among the ProjectShown): the
// parts of its disbursements the allocation paid, in paying order.
struct PaidProject {
  size_t project = 0;
  std::vector<PaidPart> parts;
};

// Builds the nodes from the view and its matching into a sink.
class TreeBuilder {
 public:
  TreeBuilder(const Ledger& ledger, const Books& books, const ViewEvents& view,
              const FundFlow& flow, TraceSink* sink)
      : ledger_(ledger), books_(books), view_(view), flow_(flow), sink_(sink),
        paid_begin_(view.allocations.size() + 1, 0) {
    // paid_parts_ by allocation (a count, its running sum, then a fill):
    // one array, read in the tree's order, rather than a vector each.
    for (const FlowMatch& match : flow.matches) ++paid_begin_[match.allocation + 1];
    std::partial_sum(paid_begin_.begin(), paid_begin_.end(), paid_begin_.begin());
    paid_parts_.resize(paid_begin_.back());
    std::vector<size_t> filled(paid_begin_.begin(), paid_begin_.end() - 1);
    for (size_t d = 0; d < view.flow_disbursements.size(); ++d) {
      for (const FlowMatch& match : flow.PaidBy(d)) {
        paid_parts_[filled[match.allocation]++] = {d, match.amount_fen};
      }
    }
    for (size_t i = 0; i < view.investments.size(); ++i) {
      investments_of_[view.investment_projects[i]].push_back(i);
    }
  }

  // The allocations `kept` (indices in the view, in its order), grouped by
  // helper; in each allocation only the projects `project_kept` admits.
  template <typename ProjectKept>
  absl::Status Build(const std::vector<size_t>& kept, ProjectKept project_kept) {
    struct Helper {
      std::vector<size_t> allocations;
      int64_t amount_fen = 0;
      int64_t unspent_fen = 0;
    };
    std::map<absl::string_view, Helper> helpers;  // by code: a stable order
    absl::flat_hash_map<absl::string_view, Helper*> helper_of;  // the map's, by code
    for (size_t a : kept) {
      const absl::string_view code = view_.allocations[a].helper_code;
      auto [it, added] = helper_of.try_emplace(code);
      if (added) it->second = &helpers[code];  // std::map's values stay where they are
      Helper& helper = *it->second;
      helper.allocations.push_back(a);
      helper.amount_fen += view_.flow_allocations[a].amount_fen;
      helper.unspent_fen += flow_.unspent_fen[a];
    }
    for (const auto& [code, helper] : helpers) {
      NodeFields node = RegionFields("helper", code);
      node.amount_fen = helper.amount_fen;
      node.unspent_fen = helper.unspent_fen;
      Begin(node);
      for (size_t a : helper.allocations) {
        RETURN_IF_ERROR(AllocationNode(a, project_kept));
        RETURN_IF_ERROR(CheckNodes());
      }
      sink_->End(node);
    }
    return absl::OkStatus();
  }

  // The disbursements of the projects `project_kept` admits that no
  // allocation in the view covered in full: shown at the top, so that
  // money without a source is never hidden.
  template <typename ProjectKept>
  absl::Status AddUncovered(ProjectKept project_kept) {
    for (size_t d = 0; d < view_.disbursements.size(); ++d) {
      if (flow_.unmatched_fen[d] == 0 || !project_kept(view_.flow_disbursements[d].project_id)) {
        continue;
      }
      RETURN_IF_ERROR(DisbursementNode(d));
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

  void Begin(const NodeFields& node) {
    ++nodes_;
    sink_->Begin(node);
  }

  // Of the `files` files the event `source` names, how many the evidence
  // store holds: one read of the event and one lookup a file, only for
  // events that name files.
  absl::StatusOr<int> StoredEvidence(const Source& source, int files) const {
    if (files == 0 || source.sequence == 0) return 0;
    ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ledger_.ReadEvent(source.sequence));
    if (!stored.has_value()) return 0;  // beyond the head: no files
    int held = 0;
    for (const v1::Evidence& evidence : stored->event.evidence()) {
      absl::StatusOr<Hash> sha256 = HashFromHex(evidence.sha256());
      if (!sha256.ok()) continue;
      ASSIGN_OR_RETURN(std::optional<EvidenceManifest> manifest, ledger_.FindEvidence(*sha256));
      if (manifest.has_value()) ++held;
    }
    return held;
  }

  NodeFields RegionFields(absl::string_view kind, absl::string_view code) const {
    NodeFields node{.kind = kind, .id = code};
    const v1::RegionEntry* region = books_.regions.FindRegion(code);
    if (region != nullptr) node.name = region->name();
    if (auto it = view_.regions.find(code); it != view_.regions.end()) node.source = &it->second;
    return node;
  }

  NodeFields ProjectFields(absl::string_view project_id) const {
    NodeFields node{.kind = "project", .id = project_id};
    const v1::ProjectEntry* project = books_.projects.FindProject(project_id);
    if (project != nullptr) {
      node.name = project->name();
      node.stage = WordFor(kStages, project->stage());
      node.budget_fen = project->budget_fen();
    }
    if (auto it = view_.projects.find(project_id); it != view_.projects.end()) {
      node.source = &it->second;
    }
    return node;
  }

  absl::Status DisbursementNode(size_t d) {
    const Payment& payment = view_.disbursements[d];
    NodeFields node{.kind = "disbursement",
                    .id = payment.source.event_id,
                    .source = &payment.source,
                    .amount_fen = view_.flow_disbursements[d].amount_fen,
                    .matched = flow_.PaidBy(d),
                    .name = payment.name,
                    .contract_number = payment.contract_number,
                    .unmatched_fen = flow_.unmatched_fen[d],
                    .evidence_files = payment.evidence_files};
    ASSIGN_OR_RETURN(node.evidence_stored, StoredEvidence(payment.source, payment.evidence_files));
    Begin(node);
    sink_->End(node);
    return absl::OkStatus();
  }

  // The project `project_id`'s index among the ProjectShown, found or
  // looked up.
  size_t ProjectIndex(absl::string_view project_id) {
    const auto [it, added] = project_index_.try_emplace(project_id, shown_.size());
    if (added) {
      ProjectShown& shown = shown_.emplace_back();
      shown.project_id = project_id;
      shown.fields = ProjectFields(project_id);
      // investments_of_ is whole: its values stay where they are.
      const auto found = investments_of_.find(project_id);
      if (found != investments_of_.end()) shown.investments = &found->second;
    }
    return it->second;
  }

  // The fields of region `code`'s node, looked up once a trace.
  NodeFields RegionShown(absl::string_view code) {
    const auto [it, added] = regions_shown_.try_emplace(code);
    if (added) it->second = RegionFields("region", code);
    return it->second;
  }

  // A project's investments, under the first node of the project in the
  // trace only: no allocation paid them, so they are not repeated.
  absl::Status InvestmentNodes(ProjectShown& project) {
    if (project.investments_shown || project.investments == nullptr) return absl::OkStatus();
    project.investments_shown = true;
    for (size_t i : *project.investments) {
      const Payment& payment = view_.investments[i];
      NodeFields node{.kind = "investment",
                      .id = payment.source.event_id,
                      .source = &payment.source,
                      .name = payment.name,
                      .evidence_files = payment.evidence_files};
      ASSIGN_OR_RETURN(node.evidence_stored,
                       StoredEvidence(payment.source, payment.evidence_files));
      Begin(node);
      sink_->End(node);
    }
    return absl::OkStatus();
  }

  // An allocation: its region, and under it each project it paid for (or
  // the one it names), with the disbursements it paid.
  template <typename ProjectKept>
  absl::Status AllocationNode(size_t a, ProjectKept project_kept) {
    const Allocation& allocation = view_.allocations[a];
    const FlowAllocation& flow = view_.flow_allocations[a];
    NodeFields node{.kind = "allocation",
                    .id = allocation.source.event_id,
                    .source = &allocation.source,
                    .amount_fen = flow.amount_fen,
                    .unspent_fen = flow_.unspent_fen[a],
                    .document_number = allocation.document_number,
                    .evidence_files = allocation.evidence_files};
    ASSIGN_OR_RETURN(node.evidence_stored,
                     StoredEvidence(allocation.source, allocation.evidence_files));
    Begin(node);
    NodeFields region = RegionShown(flow.recipient_code);
    region.amount_fen = flow.amount_fen;
    region.unspent_fen = flow_.unspent_fen[a];
    Begin(region);
    // The projects in the order this allocation first paid them, each
    // with the disbursements of it that `a` paid, in paying order: one pass
    // over what `a` paid, however many projects it reached. The list keeps
    // its entries' room from one allocation to the next.
    size_t listed = 0;
    const auto project = [&](absl::string_view project_id) -> PaidProject& {
      const size_t index = ProjectIndex(project_id);
      ProjectShown& shown = shown_[index];
      if (shown.allocation != a) {
        shown.allocation = a;
        shown.paid = listed;
        if (listed == paid_projects_.size()) paid_projects_.emplace_back();
        paid_projects_[listed].project = index;
        paid_projects_[listed].parts.clear();
        ++listed;
      }
      return paid_projects_[shown.paid];
    };
    if (!flow.project_id.empty()) project(flow.project_id);
    for (size_t i = paid_begin_[a]; i < paid_begin_[a + 1]; ++i) {
      const PaidPart& part = paid_parts_[i];
      project(view_.flow_disbursements[part.disbursement].project_id).parts.push_back(part);
    }
    for (size_t i = 0; i < listed; ++i) {
      if (!project_kept(shown_[paid_projects_[i].project].project_id)) continue;
      RETURN_IF_ERROR(ProjectNode(a, paid_projects_[i]));
    }
    sink_->End(region);
    sink_->End(node);
    return absl::OkStatus();
  }

  // Project `paid.project_id` under allocation `a`: what `a` gave it, and
  // the disbursements of it that `a` paid.
  absl::Status ProjectNode(size_t a, const PaidProject& paid) {
    const FlowAllocation& flow = view_.flow_allocations[a];
    ProjectShown& shown = shown_[paid.project];
    const absl::string_view project_id = shown.project_id;
    NodeFields project = shown.fields;
    int64_t paid_fen = 0;
    for (const PaidPart& part : paid.parts) paid_fen += part.amount_fen;
    const bool named = project_id == flow.project_id;
    project.amount_fen = named ? flow.amount_fen : paid_fen;
    project.unspent_fen = named ? flow_.unspent_fen[a] : 0;
    Begin(project);
    for (const PaidPart& part : paid.parts) RETURN_IF_ERROR(DisbursementNode(part.disbursement));
    RETURN_IF_ERROR(InvestmentNodes(shown));
    sink_->End(project);
    return absl::OkStatus();
  }

  const Ledger& ledger_;
  const Books& books_;
  const ViewEvents& view_;
  const FundFlow& flow_;
  TraceSink* sink_;
  // Per allocation a: the parts of disbursements it paid, in paying order,
  // at paid_parts_[paid_begin_[a]] up to paid_parts_[paid_begin_[a + 1]].
  std::vector<PaidPart> paid_parts_;
  std::vector<size_t> paid_begin_;
  // Per project: its investments in the view, in the view's order.
  absl::flat_hash_map<absl::string_view, std::vector<size_t>> investments_of_;
  // The projects shown so far, and their indices there by project_id.
  std::vector<ProjectShown> shown_;
  absl::flat_hash_map<absl::string_view, size_t> project_index_;
  // The regions shown so far, by code.
  absl::flat_hash_map<absl::string_view, NodeFields> regions_shown_;
  // The projects of the allocation being written (AllocationNode): the
  // first of them, kept from one allocation to the next for their room.
  std::vector<PaidProject> paid_projects_;
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

// The trace of `query` at `point` into the sink that `sink_for` gives for
// the matched point.
absl::Status WriteTrace(const Ledger& ledger, PointOptions point, const TraceQuery& query,
                        const PointParameterNames& names,
                        absl::FunctionRef<TraceSink*(const MatchedPoint&)> sink_for) {
  RETURN_IF_ERROR(CheckQuery(query));
  ProvincesOf provinces_of = nullptr;
  if (!query.whole_view) {
    provinces_of = [&query](const Books& books) { return ProvincesOfQuery(query, books); };
  }
  ASSIGN_OR_RETURN(const MatchedPoint matched,
                   MatchAtPoint(ledger, point, names, Books::kHelpers, provinces_of));
  const Books& books = matched.folded.folded.books;
  const ViewEvents& view = matched.view;
  const FundFlow& flow = matched.flow;
  const auto region_of = [&books](absl::string_view project_id) {
    const v1::ProjectEntry* project = books.projects.FindProject(project_id);
    return project == nullptr ? std::string() : project->region_code();
  };
  // Which allocations and projects the query keeps.
  const auto project_kept = [&](absl::string_view project_id) {
    if (!query.project.empty()) return project_id == query.project;
    if (!query.region.empty()) return IsWithin(books, region_of(project_id), query.region);
    return true;
  };
  // The allocations that paid a kept project: a project's or region's
  // trace shows them too.
  absl::flat_hash_set<size_t> paid_kept;
  const bool by_place = !query.project.empty() || !query.region.empty();
  for (size_t d = 0; by_place && d < view.flow_disbursements.size(); ++d) {
    if (!project_kept(view.flow_disbursements[d].project_id)) continue;
    for (const FlowMatch& match : flow.PaidBy(d)) paid_kept.insert(match.allocation);
  }
  absl::flat_hash_map<absl::string_view, bool> helper_kept;  // by code: a helper's trace asks once
  const auto keep = [&](size_t a) {
    const FlowAllocation& allocation = view.flow_allocations[a];
    if (!query.allocation.empty()) return view.allocations[a].source.event_id == query.allocation;
    if (!query.helper.empty()) {
      const absl::string_view code = view.allocations[a].helper_code;
      const auto [it, added] = helper_kept.try_emplace(code);
      if (added) it->second = IsWithin(books, code, query.helper);
      return it->second;
    }
    if (!query.project.empty()) return allocation.project_id == query.project || paid_kept.contains(a);
    return IsWithin(books, allocation.recipient_code, query.region) || paid_kept.contains(a);
  };
  std::vector<size_t> kept;
  for (size_t a = 0; a < view.allocations.size(); ++a) {
    if (keep(a)) kept.push_back(a);
  }
  if (!query.allocation.empty() && kept.empty()) {
    return UsageError(absl::Substitute(Tr("--allocation $0: no allocation in the view has that "
                                          "event_id"),
                                       query.allocation));
  }
  TreeBuilder builder(ledger, books, view, flow, sink_for(matched));
  const bool whole_allocation = !query.allocation.empty() || !query.helper.empty();
  RETURN_IF_ERROR(whole_allocation ? builder.Build(kept, [](absl::string_view) { return true; })
                                   : builder.Build(kept, project_kept));
  if (!query.project.empty() || !query.region.empty()) {
    RETURN_IF_ERROR(builder.AddUncovered(project_kept));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::TraceReport> BuildTrace(const Ledger& ledger, PointOptions point,
                                           const TraceQuery& query,
                                           const PointParameterNames& names) {
  v1::TraceReport report;
  std::optional<ProtoSink> sink;
  RETURN_IF_ERROR(WriteTrace(ledger, point, query, names, [&](const MatchedPoint& matched) {
    *report.mutable_at() = matched.folded.at;
    return &sink.emplace(matched.view, &report);
  }));
  return report;
}

absl::StatusOr<std::string> TraceJson(const Ledger& ledger, PointOptions point,
                                      const TraceQuery& query, const PointParameterNames& names) {
  std::optional<JsonSink> sink;
  RETURN_IF_ERROR(WriteTrace(ledger, point, query, names, [&](const MatchedPoint& matched) {
    return &sink.emplace(matched.view, ToJson(matched.folded.at, true));
  }));
  return std::move(*sink).Finish();
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
