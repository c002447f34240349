// GET /v1/balances, /v1/projects, /v1/helpers: at the head or at a point.
#include "server/service.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "aidledger/v1/cli.pb.h"
#include "server/gzip.h"
#include "app/export.h"
#include "app/import.h"
#include "server/metrics.h"
#include "app/output.h"
#include "app/progress.h"
#include "absl/strings/str_split.h"
#include "base/amount.h"
#include "app/alerts.h"
#include "app/queries.h"
#include "app/trace.h"
#include "app/status_codes.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
#include "base/large_buffers.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "ledger/audit/merkle.h"
#include "base/status_macros.h"
#include "state/reports.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "ledger/group_commit.h"

namespace aidledger::app::serving {

using namespace serve_limits;  // NOLINT: the service they bound

absl::StatusOr<std::string> RenderReport(ReportKind kind, const Books& books,
                                         const std::string& region, const v1::PointInTime& at) {
  ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> report,
                   BuildReport(kind, books, region, at));
  return ToJson(*report, true);
}

bool Service::SendRendered(const http::Request& request, http::Response& response,
                           ReportKind kind, bool wait) {
  const std::string key =
      absl::StrCat(ReportName(kind), "?", request.Param("region").value_or(""));
  const uint64_t head_sequence = CurrentSequence();
  std::unique_lock<std::mutex> lock(rendered_mutex_);
  auto it = rendered_.find(key);
  // Nothing rendered yet but a rendering under way: wait for it rather
  // than render the same report once per waiting reader.
  if (wait && it != rendered_.end() && it->second.body == nullptr && it->second.rendering) {
    rendered_cv_.wait_for(lock, kRenderWaitMax, [&] {
      return it->second.body != nullptr || !it->second.rendering;
    });
  }
  if (it == rendered_.end() || it->second.body == nullptr ||
      (it->second.sequence < head_sequence && !it->second.rendering)) {
    return false;
  }
  if (!NotModified(request, response, it->second.sequence)) {
    Send(request, response, it->second.body, "application/json", it->second.gzipped);
  }
  return true;
}

namespace {

// The point a query names by at_seq, known_at and as_of (none: the head).
absl::StatusOr<PointOptions> PointOf(const http::Request& request) {
  PointOptions point;
  if (std::optional<absl::string_view> at_seq = request.Param("at_seq")) {
    uint64_t at = 0;
    if (!absl::SimpleAtoi(*at_seq, &at)) {
      return absl::InvalidArgumentError("at_seq must be a number");
    }
    point.at_seq = at;
  }
  point.known_at = std::string(request.Param("known_at").value_or(""));
  point.as_of = std::string(request.Param("as_of").value_or(""));
  return point;
}

bool AtHead(const PointOptions& point) {
  return !point.at_seq.has_value() && point.known_at.empty() && point.as_of.empty();
}

}  // namespace

void Service::HandleSeries(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  auto param = [&](absl::string_view name) { return request.Param(name).value_or(""); };
  absl::StatusOr<PointOptions> point = PointOf(request);
  absl::StatusOr<SeriesQuery> query =
      ParseSeriesQuery(param("region"), param("metric"), param("period"), param("from"),
                       param("to"));
  for (const absl::Status& status : {point.status(), query.status()}) {
    if (!status.ok()) return SendError(request, response, HttpStatusFor(status), status.message());
  }
  absl::StatusOr<v1::SeriesReport> report;
  if (AtHead(*point)) {
    // The monthly figures are in the published Books: the sums are a pass
    // over the region's subtree, no fold.
    std::shared_ptr<const Published> published = Current();
    if (NotModified(request, response, published->head.sequence)) return;
    report = SeriesReport(published->books, *query);
    if (report.ok()) {
      report->mutable_at()->set_seq(published->head.sequence);
      report->mutable_at()->set_head_hash(
          published->head.sequence == 0 ? "" : Hex(published->head.hash));
    }
  } else {
    if (NotModified(request, response, CurrentSequence())) return;
    point->projections = kSeriesProjections;
    absl::StatusOr<FoldedPoint> folded = FoldAtPoint(*ledger_, *point);
    report = folded.ok() ? SeriesReport(folded->folded.books, *query) : folded.status();
    if (report.ok()) *report->mutable_at() = folded->at;
  }
  if (!report.ok()) {
    return SendError(request, response, HttpStatusFor(report.status()), report.status().message());
  }
  SendJson(request, response, ToJson(*report, true));
}

void Service::HandleProgress(const http::Request& request, const Caller& caller,
                             http::Response& response) {
  absl::StatusOr<PointOptions> point = PointOf(request);
  if (!point.ok()) return SendError(request, response, 400, point.status().message());
  const ProgressOptions options{.year = std::string(request.Param("year").value_or("")),
                                .helper = std::string(request.Param("helper").value_or("")),
                                .recipient = std::string(request.Param("recipient").value_or("")),
                                .point = *point};
  absl::StatusOr<v1::ProgressReport> report;
  if (AtHead(*point)) {
    // The live Books fold the indicators: no fold, a pass over them.
    std::shared_ptr<const Published> published = Current();
    if (NotModified(request, response, published->head.sequence)) return;
    v1::PointInTime at;
    at.set_seq(published->head.sequence);
    at.set_head_hash(published->head.sequence == 0 ? "" : Hex(published->head.hash));
    report = ProgressOfBooks(published->books, options, at);
  } else {
    if (NotModified(request, response, CurrentSequence())) return;
    report = ProgressAtPoint(*ledger_, options, kPointParameters);
  }
  if (!report.ok()) {
    return SendError(request, response, HttpStatusFor(report.status()), report.status().message());
  }
  SendJson(request, response, ProgressJson(*report));
}

void Service::HandleTrace(const http::Request& request, const Caller& caller,
                          http::Response& response) {
  absl::StatusOr<PointOptions> point = PointOf(request);
  if (!point.ok()) return SendError(request, response, 400, point.status().message());
  if (NotModified(request, response, CurrentSequence())) return;
  auto param = [&](absl::string_view name) {
    return std::string(request.Param(name).value_or(""));
  };
  const TraceQuery query{.allocation = param("allocation"),
                         .project = param("project"),
                         .region = param("region"),
                         .helper = param("helper")};
  absl::StatusOr<std::string> report = TraceJson(*ledger_, *point, query);
  if (!report.ok()) {
    return SendError(request, response, HttpStatusFor(report.status()), report.status().message());
  }
  // Once sent (or gzipped), its memory goes to the next trace's JSON.
  std::shared_ptr<const std::string> body(new std::string(*std::move(report)), [](std::string* sent) {
    SpareStrings::Process().Give(std::move(*sent));
    delete sent;
  });
  Send(request, response, std::move(body), "application/json");
}

void Service::HandleAlerts(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  absl::StatusOr<PointOptions> point = PointOf(request);
  if (!point.ok()) return SendError(request, response, 400, point.status().message());
  if (NotModified(request, response, CurrentSequence())) return;
  AlertOptions options{.point = *point};
  const std::pair<absl::string_view, int*> counts[] = {
      {"idle_days", &options.idle_days}, {"payee_counties", &options.payee_counties_max}};
  for (const auto& [name, value] : counts) {
    const std::optional<absl::string_view> text = request.Param(name);
    if (text.has_value() && !absl::SimpleAtoi(*text, value)) {
      return SendError(request, response, 400, absl::StrCat(name, " must be a whole number"));
    }
  }
  if (std::optional<absl::string_view> above = request.Param("contract_above")) {
    absl::StatusOr<int64_t> fen = ParseAmountFen(*above, "contract_above");
    if (!fen.ok()) return SendError(request, response, 400, fen.status().message());
    options.contract_above_fen = *fen;
  }
  if (std::optional<absl::string_view> rules = request.Param("rule")) {
    options.rules = absl::StrSplit(*rules, ',', absl::SkipEmpty());
  }
  absl::StatusOr<v1::AlertsReport> report = BuildAlerts(*ledger_, options);
  if (!report.ok()) {
    return SendError(request, response, HttpStatusFor(report.status()), report.status().message());
  }
  SendJson(request, response, ToJson(*report, true));
}

void Service::HandleReport(const http::Request& request, http::Response& response,
                           ReportKind kind) {
  absl::StatusOr<PointOptions> parsed = PointOf(request);
  if (!parsed.ok()) return SendError(request, response, 400, parsed.status().message());
  PointOptions point = *std::move(parsed);
  const std::string region(request.Param("region").value_or(""));
  auto reply = [&](const absl::StatusOr<std::string>& body) {
    if (body.ok()) {
      SendJson(request, response, *body);
    } else {
      SendError(request, response, HttpStatusFor(body.status()), body.status().message());
    }
  };
  if (!AtHead(point)) {
    std::shared_ptr<const Published> published = Current();
    if (NotModified(request, response, published->head.sequence)) return;
    point.projections = ProjectionsRead(kind, region);
    absl::StatusOr<FoldedPoint> folded = FoldAtPoint(*ledger_, point);
    if (!folded.ok()) {
      return SendError(request, response, HttpStatusFor(folded.status()),
                       folded.status().message());
    }
    reply(RenderReport(kind, folded->folded.books, region, folded->at));
    return;
  }
  // At the head: the newest rendered body, or render it.
  if (SendRendered(request, response, kind, /*wait=*/true)) return;
  const std::string key = absl::StrCat(ReportName(kind), "?", region);
  {
    std::unique_lock<std::mutex> lock(rendered_mutex_);
    auto it = rendered_.find(key);
    if (it != rendered_.end()) {
      it->second.rendering = true;
    } else if (rendered_.size() < kRenderedReportsMax) {
      rendered_[key].rendering = true;
    }
  }
  std::shared_ptr<const Published> published = Current();  // at head_sequence or newer
  if (NotModified(request, response, published->head.sequence)) {
    {
      std::lock_guard<std::mutex> lock(rendered_mutex_);
      if (auto it = rendered_.find(key); it != rendered_.end()) it->second.rendering = false;
    }
    rendered_cv_.notify_all();
    return;
  }
  const uint64_t sequence = published->head.sequence;
  v1::PointInTime at;
  at.set_seq(sequence);
  at.set_head_hash(sequence == 0 ? "" : Hex(published->head.hash));
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> report =
      BuildReport(kind, published->books, region, at);
  // The report holds all it needs. Give the state back before writing the
  // JSON and compressing it: the committer reuses it as its spare, and
  // copies the whole Books when a reader holds it too long.
  published.reset();
  absl::StatusOr<std::string> rendered =
      report.ok() ? absl::StatusOr<std::string>(ToJson(**report, true)) : report.status();
  if (!rendered.ok()) {
    {
      std::lock_guard<std::mutex> lock(rendered_mutex_);
      if (auto it = rendered_.find(key); it != rendered_.end()) it->second.rendering = false;
    }
    rendered_cv_.notify_all();
    reply(rendered);
    return;
  }
  auto body = std::make_shared<const std::string>(*std::move(rendered));
  auto gzipped = body->size() >= kGzipMinBytes ? std::make_shared<const std::string>(Gzip(*body))
                                                : nullptr;
  {
    std::lock_guard<std::mutex> lock(rendered_mutex_);
    if (auto it = rendered_.find(key); it != rendered_.end()) {
      it->second.rendering = false;
      if (it->second.body == nullptr || it->second.sequence < sequence) {
        it->second.sequence = sequence;
        it->second.body = body;
        it->second.gzipped = gzipped;
      }
    }
  }
  rendered_cv_.notify_all();
  Send(request, response, body, "application/json", gzipped);
}

}  // namespace aidledger::app::serving
