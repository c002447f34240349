#include "cli/server.h"

#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
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

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "aidledger/v1/cli.pb.h"
#include "cli/gzip.h"
#include "cli/import.h"
#include "cli/metrics.h"
#include "cli/output.h"
#include "cli/queries.h"
#include "cli/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/errors.h"
#include "ledger/ledger.h"
#include "ledger/limits.h"
#include "ledger/merkle.h"
#include "ledger/status_macros.h"
#include "projections/reports.h"

namespace aidledger::app {
namespace {

// Limits of the service.
constexpr size_t kBodyBytesMax = 4 * 1024 * 1024;
constexpr size_t kRequestEventsMax = 1'000;        // events in one POST
constexpr size_t kQueueRequestsMax = 4'096;        // appends waiting to commit
constexpr size_t kCommitRequestsMax = 512;         // requests in one group commit
constexpr size_t kCommitEventsMax = 10'000;        // events in one group commit
constexpr uint64_t kEventsPageMax = 1'000;         // GET /v1/events?limit=
constexpr int kServerThreads = 192;                // connections served at once
constexpr size_t kKeepAliveRequestsMax = 10'000;   // requests on one connection
constexpr auto kAppendWaitMax = std::chrono::seconds(30);
constexpr time_t kSocketTimeoutSeconds = 10;
// After this long without appends the committer flushes RocksDB's memtables
// (when 1 MiB or more is unflushed), so that CLI reads beside the server do
// not replay up to 128 MiB of write-ahead log at every open.
constexpr auto kIdleFlushAfter = std::chrono::seconds(1);

const std::vector<std::string> kRoutes = {
    "/healthz", "/v1/digest", "/v1/balances", "/v1/projects", "/v1/helpers",
    "/v1/events GET", "/v1/events POST", "/v1/proof", "/metrics"};

constexpr size_t kRenderedReportsMax = 256;        // distinct head-report bodies kept
constexpr auto kRenderWaitMax = std::chrono::seconds(10);  // for the first rendering of a report
constexpr auto kSpareWaitMax = std::chrono::milliseconds(10);

// What readers see: an immutable state swapped after each commit.
struct Published {
  Books books;
  LedgerHead head;
  v1::Digest digest;
};

// The newest rendered body of one head report (a route and its region).
// Rendering a report of thousands of regions costs far more than sending
// it, so one reader renders while the others send the newest body already
// rendered: a whole, consistent state, at most one rendering behind.
struct Rendered {
  uint64_t sequence = 0;
  std::shared_ptr<const std::string> body;
  std::shared_ptr<const std::string> gzipped;  // the body gzipped, when it is large
  bool rendering = false;
};

// Bodies of at least this size are gzipped for clients that accept it.
constexpr size_t kGzipMinBytes = 1024;

// Every body leaves through Send. Given with its length, cpp-httplib sends a
// body as it is (it compresses only bodies given with set_content, and with
// brotli at its slowest whenever a client offers br), so compression is
// ours: gzip at the fastest level, done once per rendered report (`gzipped`)
// or else per response. The ETag of a gzipped body is the identity ETag
// with "-gzip" added, as a different representation needs its own ETag.
void Send(const httplib::Request& request, httplib::Response& response,
          std::shared_ptr<const std::string> body, const std::string& content_type,
          std::shared_ptr<const std::string> gzipped = nullptr) {
  response.set_header("Vary", "Accept-Encoding");
  if (body->size() >= kGzipMinBytes && AcceptsGzip(request.get_header_value("Accept-Encoding"))) {
    body = gzipped != nullptr ? std::move(gzipped) : std::make_shared<const std::string>(Gzip(*body));
    response.set_header("Content-Encoding", "gzip");
    if (response.has_header("ETag")) {
      std::string etag = response.get_header_value("ETag");
      response.headers.erase("ETag");
      response.set_header("ETag", etag.substr(0, etag.size() - 1) + "-gzip\"");
    }
  }
  if (body->empty()) {
    response.set_content("", content_type);
    return;
  }
  const size_t size = body->size();
  response.set_content_provider(
      size, content_type,
      [body = std::move(body)](size_t offset, size_t length, httplib::DataSink& sink) {
        return sink.write(body->data() + offset, length);
      });
}

void SendJson(const httplib::Request& request, httplib::Response& response, std::string body) {
  Send(request, response, std::make_shared<const std::string>(std::move(body)), "application/json");
}

struct AppendRequest {
  std::vector<v1::Event> drafts;
  std::promise<absl::StatusOr<SubmitOutcome>> done;
};

std::string ErrorJson(absl::string_view message, absl::string_view reason = "",
                      absl::string_view field = "") {
  std::string out = "{\"error\":{";
  if (!reason.empty()) absl::StrAppend(&out, "\"reason\":\"", reason, "\",");
  if (!field.empty()) absl::StrAppend(&out, "\"field\":\"", field, "\",");
  std::string escaped;
  for (char c : message) {
    if (c == '"' || c == '\\') escaped.push_back('\\');
    escaped.push_back(c == '\n' ? ' ' : c);
  }
  absl::StrAppend(&out, "\"message\":\"", escaped, "\"}}");
  return out;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

class Service {
 public:
  Service(const ServeOptions& options, std::unique_ptr<Ledger> ledger,
          std::optional<TokenTable> tokens)
      : options_(options), ledger_(std::move(ledger)), tokens_(std::move(tokens)),
        metrics_(kRoutes) {}

  absl::Status Start();
  void Run(httplib::Server& server);
  void StopCommitter();

 private:
  // Authentication: the caller, or an error response already set.
  std::optional<Caller> Authorize(const httplib::Request& request, httplib::Response& response,
                                  Role needed);
  std::shared_ptr<const Published> Current() const {
    std::lock_guard<std::mutex> lock(published_mutex_);
    return published_;
  }
  // Makes `published` the current state; returns the one it replaces.
  std::shared_ptr<const Published> Publish(std::shared_ptr<const Published> published) {
    std::lock_guard<std::mutex> lock(published_mutex_);
    published_sequence_.store(published->head.sequence, std::memory_order_release);
    std::swap(published_, published);
    return published;
  }
  // The head sequence of what Current() returns, without holding it: a
  // reader that holds the published state keeps the committer from reusing
  // it as its spare (it then copies the whole Books).
  uint64_t CurrentSequence() const { return published_sequence_.load(std::memory_order_acquire); }
  v1::Digest DigestNow(const LedgerHead& head) const;
  void CommitLoop();
  void Routes(httplib::Server& server);
  void Timed(httplib::Server& server, const std::string& method, const std::string& path,
             const std::string& route,
             std::function<void(const httplib::Request&, httplib::Response&)> handler);
  bool NotModified(const httplib::Request& request, httplib::Response& response,
                   uint64_t head_sequence);
  void HandleReport(const httplib::Request& request, httplib::Response& response,
                    const std::string& kind);
  void HandleAppend(const httplib::Request& request, httplib::Response& response);
  void HandleEvents(const httplib::Request& request, httplib::Response& response);
  void HandleProof(const httplib::Request& request, httplib::Response& response);

  const ServeOptions options_;
  std::unique_ptr<Ledger> ledger_;
  const std::optional<TokenTable> tokens_;
  Metrics metrics_;

  mutable std::mutex published_mutex_;
  std::shared_ptr<const Published> published_;
  std::atomic<uint64_t> published_sequence_{0};
  // Left-right publishing: the committer brings the spare up to date with
  // the events of the last two commits and swaps it in, instead of copying
  // the whole Books after every commit. Owned by the committer.
  std::shared_ptr<Published> spare_;
  std::vector<v1::Event> spare_lag_;  // events the spare has not applied yet
  std::mutex rendered_mutex_;
  std::condition_variable rendered_cv_;  // a rendering ended
  std::map<std::string, Rendered> rendered_;  // at most kRenderedReportsMax
  void PublishCommit(const LedgerHead& old_head, const LedgerHead& new_head);

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<std::shared_ptr<AppendRequest>> queue_;
  bool stopping_ = false;
  std::thread committer_;
  MerkleAccumulator merkle_;  // owned by the committer after Start
};

v1::Digest Service::DigestNow(const LedgerHead& head) const {
  v1::Digest digest;
  digest.set_seq(head.sequence);
  digest.set_merkle_root(Hex(merkle_.Root()));
  if (head.sequence > 0) {
    digest.set_head_hash(Hex(head.hash));
    digest.set_recorded_at(absl::FormatTime(absl::RFC3339_full, head.recorded_at, absl::UTCTimeZone()));
  }
  return digest;
}

absl::Status Service::Start() {
  // The Merkle tree of the whole log, kept up to date by the committer.
  const LedgerHead head = ledger_->head();
  RETURN_IF_ERROR(ledger_->VisitHashes(1, head.sequence, [this](const Hash& hash) {
    merkle_.AddLeaf(MerkleLeafHash(hash));
  }));
  auto published = std::make_shared<Published>();
  published->books = ledger_->books();
  published->head = head;
  published->digest = DigestNow(head);
  spare_ = std::make_shared<Published>();
  spare_->books = published->books;
  Publish(std::move(published));
  committer_ = std::thread([this] { CommitLoop(); });
  return absl::OkStatus();
}

void Service::StopCommitter() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_ready_.notify_all();
  if (committer_.joinable()) committer_.join();
}

void Service::CommitLoop() {
  while (true) {
    std::vector<std::shared_ptr<AppendRequest>> group;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      while (!queue_ready_.wait_for(lock, kIdleFlushAfter,
                                    [&] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        absl::Status flushed =
            ledger_->FlushIfBehind(limits::kUnflushedBytesWorthFlushing);
        if (!flushed.ok()) {
          std::cerr << "aidledger serve: warning: " << flushed.message() << "\n";
        }
        lock.lock();
      }
      if (queue_.empty()) return;  // stopping, and everything queued is written
      size_t events = 0;
      while (!queue_.empty() && group.size() < kCommitRequestsMax &&
             (group.empty() || events + queue_.front()->drafts.size() <= kCommitEventsMax)) {
        events += queue_.front()->drafts.size();
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<std::vector<v1::Event>> requests;
    for (const auto& request : group) requests.push_back(std::move(request->drafts));
    absl::StatusOr<std::vector<SubmitOutcome>> outcomes =
        ledger_->SubmitGroup(std::move(requests), SubmitOptions{});
    if (!outcomes.ok()) {
      for (const auto& request : group) request->done.set_value(outcomes.status());
      continue;
    }
    // New events in sequence order: requests were staged in order.
    uint64_t appended = 0;
    for (const SubmitOutcome& outcome : *outcomes) {
      if (!outcome.written) continue;
      for (const AppendResult& result : outcome.results) {
        if (!result.duplicate) merkle_.AddLeaf(MerkleLeafHash(result.hash));
      }
      appended += outcome.appended;
    }
    if (appended > 0) {
      metrics_.ObserveCommit(appended);
      metrics_.CountAppended(appended);
      PublishCommit(Current()->head, ledger_->head());
    }
    for (size_t i = 0; i < group.size(); ++i) group[i]->done.set_value(std::move((*outcomes)[i]));
  }
}

void Service::PublishCommit(const LedgerHead& old_head, const LedgerHead& new_head) {
  std::vector<v1::Event> events;
  std::unique_ptr<EventReader> reader = ledger_->Read(old_head.sequence + 1, new_head.sequence);
  StoredEvent stored;
  bool readable = true;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    if (!more.ok()) readable = false;
    if (!more.ok() || !*more) break;
    events.push_back(stored.event);
  }
  // Readers may still hold the spare from before the last swap; they hold it
  // for one response only. Wait briefly, else start a fresh copy.
  const auto deadline = std::chrono::steady_clock::now() + kSpareWaitMax;
  while (spare_.use_count() > 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  bool caught_up = readable && spare_.use_count() == 1;
  if (caught_up) {
    for (const std::vector<v1::Event>* batch : {&spare_lag_, &events}) {
      for (const v1::Event& event : *batch) caught_up = caught_up && spare_->books.Apply(event).ok();
    }
  }
  if (!caught_up) {
    metrics_.CountStateCopy();
    spare_ = std::make_shared<Published>();
    spare_->books = ledger_->books();
  }
  spare_->head = new_head;
  spare_->digest = DigestNow(new_head);
  std::shared_ptr<const Published> previous = Publish(spare_);
  // The previous state becomes the spare; it lacks this commit's events.
  spare_ = std::const_pointer_cast<Published>(previous);
  spare_lag_ = std::move(events);
}

std::optional<Caller> Service::Authorize(const httplib::Request& request,
                                         httplib::Response& response, Role needed) {
  if (!tokens_.has_value()) return Caller{Role::kAppender, options_.local_actor};
  const std::string header = request.get_header_value("Authorization");
  absl::string_view token = header;
  if (!absl::ConsumePrefix(&token, "Bearer ") || token.empty()) {
    response.status = 401;
    response.set_header("WWW-Authenticate", "Bearer");
    SendJson(request, response, ErrorJson("an Authorization: Bearer token is required"));
    return std::nullopt;
  }
  std::optional<Caller> caller = tokens_->Authenticate(token);
  if (!caller.has_value()) {
    response.status = 401;
    response.set_header("WWW-Authenticate", "Bearer");
    SendJson(request, response, ErrorJson("the token is not valid"));
    return std::nullopt;
  }
  if (static_cast<int>(caller->role) < static_cast<int>(needed)) {
    response.status = 403;
    SendJson(request, response, ErrorJson(absl::StrCat("this needs the ", RoleName(needed), " role; ",
                                                caller->name, " is a ", RoleName(caller->role))));
    return std::nullopt;
  }
  return caller;
}

bool Service::NotModified(const httplib::Request& request, httplib::Response& response,
                          uint64_t head_sequence) {
  const std::string etag = absl::StrCat("\"", head_sequence, "\"");
  const std::string gzip_etag = absl::StrCat("\"", head_sequence, "-gzip\"");
  const std::string asked = request.get_header_value("If-None-Match");
  if (asked == etag || asked == gzip_etag) {
    response.set_header("ETag", asked);
    response.status = 304;
    return true;
  }
  response.set_header("ETag", etag);
  return false;
}

void Service::Timed(httplib::Server& server, const std::string& method, const std::string& path,
                    const std::string& route,
                    std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  auto timed = [this, route, handler](const httplib::Request& request, httplib::Response& response) {
    const absl::Time start = absl::Now();
    handler(request, response);
    // A handler that sets no status answers 200 (cpp-httplib fills it in later).
    const int status = response.status == -1 ? 200 : response.status;
    metrics_.ObserveRequest(route, status, absl::ToDoubleSeconds(absl::Now() - start));
  };
  if (method == "GET") {
    server.Get(path, timed);
  } else {
    server.Post(path, timed);
  }
}

// The report a path names (/v1/balances, /v1/projects, /v1/helpers).
ReportKind KindNamed(const std::string& kind) {
  if (kind == "balances") return ReportKind::kBalances;
  if (kind == "projects") return ReportKind::kProjects;
  return ReportKind::kHelpers;
}

// The report of `kind` for `region` from `books` at `at`.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildReport(
    const std::string& kind, const Books& books, const std::string& region,
    const v1::PointInTime& at) {
  std::unique_ptr<google::protobuf::Message> built;
  const ReportKind which = KindNamed(kind);
  if (which == ReportKind::kBalances) {
    ASSIGN_OR_RETURN(v1::RegionBalancesReport report, RegionBalancesReport(books, region));
    *report.mutable_at() = at;
    built = std::make_unique<v1::RegionBalancesReport>(std::move(report));
  } else if (which == ReportKind::kProjects) {
    ASSIGN_OR_RETURN(v1::ProjectTotalsReport report, ProjectTotalsReport(books, region));
    *report.mutable_at() = at;
    built = std::make_unique<v1::ProjectTotalsReport>(std::move(report));
  } else {
    v1::HelperTotalsReport report = HelperTotalsReport(books);
    *report.mutable_at() = at;
    built = std::make_unique<v1::HelperTotalsReport>(std::move(report));
  }
  return built;
}

absl::StatusOr<std::string> RenderReport(const std::string& kind, const Books& books,
                                         const std::string& region, const v1::PointInTime& at) {
  ASSIGN_OR_RETURN(std::unique_ptr<google::protobuf::Message> report,
                   BuildReport(kind, books, region, at));
  return ToJson(*report, true);
}

void Service::HandleReport(const httplib::Request& request, httplib::Response& response,
                           const std::string& kind) {
  if (!Authorize(request, response, Role::kReader)) return;
  PointOptions point;
  if (request.has_param("at_seq")) {
    uint64_t at = 0;
    if (!absl::SimpleAtoi(request.get_param_value("at_seq"), &at)) {
      response.status = 400;
      SendJson(request, response, ErrorJson("at_seq must be a number"));
      return;
    }
    point.at_seq = at;
  }
  point.known_at = request.get_param_value("known_at");
  point.as_of = request.get_param_value("as_of");
  const std::string region = request.get_param_value("region");
  auto reply = [&](const absl::StatusOr<std::string>& body) {
    if (body.ok()) {
      SendJson(request, response, *body);
    } else {
      response.status = body.status().code() == absl::StatusCode::kNotFound ? 404 : 500;
      SendJson(request, response, ErrorJson(body.status().message()));
    }
  };
  if (point.at_seq.has_value() || !point.known_at.empty() || !point.as_of.empty()) {
    std::shared_ptr<const Published> published = Current();
    if (NotModified(request, response, published->head.sequence)) return;
    point.projections = ProjectionsRead(KindNamed(kind), region);
    absl::StatusOr<FoldedPoint> folded = FoldAtPoint(*ledger_, point);
    if (!folded.ok()) {
      response.status = ExitCodeFor(folded.status()) == kExitIntegrity ? 500 : 400;
      SendJson(request, response, ErrorJson(folded.status().message()));
      return;
    }
    reply(RenderReport(kind, folded->folded.books, region, folded->at));
    return;
  }
  // At the head: the newest rendered body, or render it.
  const std::string key = absl::StrCat(kind, "?", region);
  const uint64_t head_sequence = CurrentSequence();
  {
    std::unique_lock<std::mutex> lock(rendered_mutex_);
    auto it = rendered_.find(key);
    // Nothing rendered yet but a rendering under way: wait for it rather
    // than render the same report once per waiting reader.
    if (it != rendered_.end() && it->second.body == nullptr && it->second.rendering) {
      rendered_cv_.wait_for(lock, kRenderWaitMax, [&] {
        return it->second.body != nullptr || !it->second.rendering;
      });
    }
    if (it != rendered_.end() && it->second.body != nullptr &&
        (it->second.sequence >= head_sequence || it->second.rendering)) {
      if (NotModified(request, response, it->second.sequence)) return;
      Send(request, response, it->second.body, "application/json", it->second.gzipped);
      return;
    }
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

absl::StatusOr<std::vector<v1::Event>> ParseBody(const std::string& body) {
  absl::string_view text = absl::StripAsciiWhitespace(body);
  std::vector<v1::Event> drafts;
  if (absl::StartsWith(text, "[")) {
    // A batch: each top-level object of the array is one event, parsed as an
    // import JSONL row is. Strings are skipped so braces in them do not count.
    int depth = 0;
    bool in_string = false;
    size_t start = std::string::npos;
    for (size_t i = 1; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        if (depth++ == 0) start = i;
      } else if (c == '}') {
        if (--depth == 0) {
          if (drafts.size() == kRequestEventsMax) {
            return absl::ResourceExhaustedError(
                absl::StrCat("a batch holds at most ", kRequestEventsMax, " events"));
          }
          ASSIGN_OR_RETURN(v1::Event draft, DraftFromJson(text.substr(start, i - start + 1)));
          drafts.push_back(std::move(draft));
        } else if (depth < 0) {
          return absl::InvalidArgumentError("the JSON array is malformed");
        }
      } else if (depth == 0 && c != ',' && c != ']' && !absl::ascii_isspace(c)) {
        return absl::InvalidArgumentError("the JSON array must hold event objects");
      }
    }
    if (depth != 0 || in_string || text.back() != ']') {
      return absl::InvalidArgumentError("the JSON array is malformed");
    }
    if (drafts.empty()) return absl::InvalidArgumentError("the batch is empty");
    return drafts;
  }
  ASSIGN_OR_RETURN(v1::Event draft, DraftFromJson(text));
  drafts.push_back(std::move(draft));
  return drafts;
}

std::string ReceiptJson(const AppendResult& result) {
  v1::AppendReceipt receipt;
  receipt.set_seq(result.sequence);
  receipt.set_event_id(result.event_id);
  receipt.set_hash(Hex(result.hash));
  receipt.set_duplicate(result.duplicate);
  return ToJson(receipt, true);
}

void Service::HandleAppend(const httplib::Request& request, httplib::Response& response) {
  std::optional<Caller> caller = Authorize(request, response, Role::kAppender);
  if (!caller) return;
  absl::StatusOr<std::vector<v1::Event>> drafts = ParseBody(request.body);
  if (!drafts.ok()) {
    const bool too_large = drafts.status().code() == absl::StatusCode::kResourceExhausted;
    response.status = too_large ? 413 : 400;
    std::optional<v1::RejectReason> reason = RejectReasonOf(drafts.status());
    if (reason.has_value() && *reason != v1::FIELD_INVALID) response.status = 422;
    SendJson(request, response, ErrorJson(drafts.status().message(),
                                   reason ? v1::RejectReason_Name(*reason) : ""));
    return;
  }
  const bool batch = absl::StartsWith(absl::StripAsciiWhitespace(request.body), "[");
  for (v1::Event& draft : *drafts) draft.set_actor(caller->name);
  auto pending = std::make_shared<AppendRequest>();
  pending->drafts = *std::move(drafts);
  std::future<absl::StatusOr<SubmitOutcome>> done = pending->done.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (stopping_ || queue_.size() >= kQueueRequestsMax) {
      response.status = 503;
      SendJson(request, response, ErrorJson("the server is busy or stopping; try again"));
      return;
    }
    queue_.push_back(pending);
  }
  queue_ready_.notify_one();
  if (done.wait_for(kAppendWaitMax) != std::future_status::ready) {
    response.status = 503;
    SendJson(request, response, ErrorJson("the append did not commit in time; retry with the same event_id"));
    return;
  }
  absl::StatusOr<SubmitOutcome> outcome = done.get();
  if (!outcome.ok()) {
    response.status = 500;
    SendJson(request, response, ErrorJson(outcome.status().message()));
    return;
  }
  if (!outcome->rejections.empty()) {
    const Rejection& first = outcome->rejections.front();
    const v1::RejectReason reason = *RejectReasonOf(first.status);
    metrics_.CountRejection(v1::RejectReason_Name(reason));
    response.status = reason == v1::EVENT_ID_CONFLICT ? 409 : 422;
    std::string message(first.status.message());
    if (batch) message = absl::StrCat("event ", first.index + 1, " of the batch: ", message);
    const std::string field = message.substr(0, message.find(':'));
    SendJson(request, response, ErrorJson(message, v1::RejectReason_Name(reason),
                                   batch ? "" : field));
    return;
  }
  response.status = outcome->appended > 0 ? 201 : 200;
  if (!batch) {
    SendJson(request, response, ReceiptJson(outcome->results.front()));
    return;
  }
  std::string json = "{\"results\":[";
  for (size_t i = 0; i < outcome->results.size(); ++i) {
    absl::StrAppend(&json, i > 0 ? "," : "", ReceiptJson(outcome->results[i]));
  }
  json += "]}";
  SendJson(request, response, json);
}

void Service::HandleEvents(const httplib::Request& request, httplib::Response& response) {
  if (!Authorize(request, response, Role::kAuditor)) return;
  std::shared_ptr<const Published> published = Current();
  if (NotModified(request, response, published->head.sequence)) return;
  uint64_t from = 1, limit = 100;
  if ((request.has_param("from") && !absl::SimpleAtoi(request.get_param_value("from"), &from)) ||
      (request.has_param("limit") && !absl::SimpleAtoi(request.get_param_value("limit"), &limit)) ||
      from == 0 || limit == 0 || limit > kEventsPageMax) {
    response.status = 400;
    SendJson(request, response, ErrorJson(absl::StrCat("from must be >= 1 and limit in 1..", kEventsPageMax)));
    return;
  }
  const uint64_t to = std::min(published->head.sequence, from + limit - 1);
  std::unique_ptr<EventReader> reader = ledger_->Read(from, to);
  std::string json = "{\"events\":[";
  StoredEvent stored;
  uint64_t last = from - 1;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    if (!more.ok()) {
      response.status = 500;
      SendJson(request, response, ErrorJson(more.status().message()));
      return;
    }
    if (!*more) break;
    absl::StrAppend(&json, last >= from ? "," : "", EventJsonLine(stored));
    last = stored.sequence;
  }
  absl::StrAppend(&json, "],\"next_from\":\"", last + 1, "\"}");
  SendJson(request, response, json);
}

void Service::HandleProof(const httplib::Request& request, httplib::Response& response) {
  if (!Authorize(request, response, Role::kAuditor)) return;
  std::shared_ptr<const Published> published = Current();
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(request.get_param_value("seq"), &seq) || seq == 0 ||
      seq > published->head.sequence) {
    response.status = 400;
    SendJson(request, response, ErrorJson(absl::StrCat("seq must be in 1..", published->head.sequence)));
    return;
  }
  if (NotModified(request, response, published->head.sequence)) return;
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(seq, published->head.sequence);
  if (!proof.ok()) {
    response.status = 500;
    SendJson(request, response, ErrorJson(proof.status().message()));
    return;
  }
  SendJson(request, response, ToJson(*proof, false));
}

void Service::Routes(httplib::Server& server) {
  Timed(server, "GET", "/healthz", "/healthz", [this](const auto& request, httplib::Response& response) {
    SendJson(request, response, absl::StrCat("{\"status\":\"ok\",\"head_seq\":\"",
                                      Current()->head.sequence, "\"}"));
  });
  Timed(server, "GET", "/v1/digest", "/v1/digest", [this](const auto& request, auto& response) {
    if (!Authorize(request, response, Role::kReader)) return;
    std::shared_ptr<const Published> published = Current();
    if (NotModified(request, response, published->head.sequence)) return;
    SendJson(request, response, ToJson(published->digest, true));
  });
  for (const char* kind : {"balances", "projects", "helpers"}) {
    const std::string path = absl::StrCat("/v1/", kind);
    Timed(server, "GET", path, path, [this, kind](const auto& request, auto& response) {
      HandleReport(request, response, kind);
    });
  }
  Timed(server, "GET", "/v1/events", "/v1/events GET",
        [this](const auto& request, auto& response) { HandleEvents(request, response); });
  Timed(server, "POST", "/v1/events", "/v1/events POST",
        [this](const auto& request, auto& response) { HandleAppend(request, response); });
  Timed(server, "GET", "/v1/proof", "/v1/proof",
        [this](const auto& request, auto& response) { HandleProof(request, response); });
  Timed(server, "GET", "/metrics", "/metrics", [this](const auto& request, httplib::Response& response) {
    std::shared_ptr<const Published> published = Current();
    Send(request, response,
         std::make_shared<const std::string>(metrics_.Render(published->head.sequence, published->books)),
         "text/plain; version=0.0.4");
  });
}

void Service::Run(httplib::Server& server) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kServerThreads); };
  server.set_payload_max_length(kBodyBytesMax);
  server.set_keep_alive_max_count(kKeepAliveRequestsMax);
  server.set_read_timeout(kSocketTimeoutSeconds, 0);
  server.set_write_timeout(kSocketTimeoutSeconds, 0);
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (response.body.empty() && response.content_length_ == 0) {
      SendJson(request, response, ErrorJson(absl::StrCat("HTTP ", response.status)));
    }
  });
  Routes(server);
}

}  // namespace

std::string ServerMarkerPath(const std::string& db) { return db + "/SERVER"; }

absl::StatusOr<std::vector<v1::Event>> DraftsFromBody(const std::string& body) {
  return ParseBody(body);
}

int BindWithBacklog(httplib::Server* server, const std::string& host, int port) {
  // Keep the listening socket and listen again with a longer queue.
  int listening_fd = -1;
  server->set_socket_options([&listening_fd](int fd) {
    httplib::default_socket_options(fd);
    listening_fd = fd;
  });
  const int bound = port == 0 ? server->bind_to_any_port(host) : (server->bind_to_port(host, port) ? port : -1);
  server->set_socket_options(httplib::default_socket_options);  // drop the capture
  if (bound >= 0 && listening_fd >= 0) ::listen(listening_fd, kListenBacklog);
  return bound;
}

absl::Status Serve(const ServeOptions& options) {
  const size_t colon = options.listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(options.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return UsageError(absl::StrCat("--listen must be HOST:PORT (got \"", options.listen, "\")"));
  }
  std::string host = options.listen.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) host = host.substr(1, host.size() - 2);
  std::optional<TokenTable> tokens;
  if (!options.tokens_file.empty()) {
    ASSIGN_OR_RETURN(tokens, TokenTable::Load(options.tokens_file));
  } else if (!options.insecure_local) {
    return UsageError("serve needs --tokens FILE (make tokens with `aidledger token add`), or "
                      "--insecure-local to serve loopback without tokens");
  } else if (!IsLoopback(host)) {
    return UsageError("--insecure-local listens on a loopback address only (127.0.0.1, ::1)");
  }
  // Block the stop signals before any thread starts, so that only the
  // signal thread below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (!Ledger::Exists(options.db)) {
    return UsageError(absl::StrCat("no ledger at ", options.db, "; create one with `aidledger init`"));
  }
  LedgerOptions ledger_options;
  ledger_options.snapshot_every = options.snapshot_every;
  ledger_options.warn = [](absl::string_view message) {
    std::cerr << "aidledger serve: warning: " << message << "\n";
  };
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(options.db, ledger_options));
  Service service(options, std::move(ledger), std::move(tokens));
  RETURN_IF_ERROR(service.Start());

  httplib::Server server;
  service.Run(server);
  const int bound = BindWithBacklog(&server, host, port);
  if (bound < 0) {
    service.StopCommitter();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
  }
  const std::string address = absl::StrCat(host, ":", bound);
  {
    std::ofstream marker(ServerMarkerPath(options.db));
    marker << "pid " << getpid() << "\nlisten " << address << "\n";
  }
  std::atomic<bool> signaled{false};
  std::thread signals([&server, &signaled, stop_signals] {
    int received = 0;
    sigwait(&stop_signals, &received);
    signaled = true;
    server.stop();
  });
  if (options.on_listening) options.on_listening(address);
  server.listen_after_bind();  // returns after stop(), once in-flight requests are done
  // Everything queued was acknowledged to no one yet; write it anyway so a
  // request that raced the signal is not left hanging.
  service.StopCommitter();
  std::error_code error;
  std::filesystem::remove(ServerMarkerPath(options.db), error);
  // If listening ended without a signal, wake the signal thread up.
  if (!signaled) pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return absl::OkStatus();
}

}  // namespace aidledger::app
