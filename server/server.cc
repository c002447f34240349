#include "server/server.h"

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
#include "app/queries.h"
#include "app/status_codes.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "ledger/merkle.h"
#include "base/status_macros.h"
#include "state/reports.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "ledger/group_commit.h"

namespace aidledger::app {
namespace {

using namespace serve_limits;  // NOLINT: this file is the service they bound

const std::vector<std::string> kRoutes = {
    "/healthz", "/v1/digest", "/v1/balances", "/v1/projects", "/v1/helpers",
    "/v1/events GET", "/v1/events POST", "/v1/proof", "/metrics"};


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


// Every body leaves through Send, which compresses it for clients that
// accept gzip: at the fastest level, once per rendered report (`gzipped`)
// or else per response. The ETag of a gzipped body is the identity ETag
// with "-gzip" added, as a different representation needs its own ETag.
void Send(const http::Request& request, http::Response& response,
          std::shared_ptr<const std::string> body, const std::string& content_type,
          std::shared_ptr<const std::string> gzipped = nullptr) {
  response.SetHeader("Vary", "Accept-Encoding");
  if (body->size() >= kGzipMinBytes && AcceptsGzip(std::string(request.Header("accept-encoding").value_or("")))) {
    body = gzipped != nullptr ? std::move(gzipped) : std::make_shared<const std::string>(Gzip(*body));
    response.SetHeader("Content-Encoding", "gzip");
    if (std::optional<absl::string_view> etag = response.Header("ETag")) {
      response.SetHeader("ETag", absl::StrCat(etag->substr(0, etag->size() - 1), "-gzip\""));
    }
  }
  response.content_type = content_type;
  response.body = std::move(body);
}

void SendJson(const http::Request& request, http::Response& response, std::string body) {
  Send(request, response, std::make_shared<const std::string>(std::move(body)), "application/json");
}

// An error body, always through the JSON writer: messages may quote input.
void SendError(const http::Request& request, http::Response& response, int status,
               absl::string_view message, absl::string_view reason = "", absl::string_view field = "") {
  response.status = status;
  SendJson(request, response, http::ErrorJson(message, reason, field));
}

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4";

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

class Service;

// A route: the method and path it answers, the label of its metrics, the
// role it needs (none: anyone) and its handler.
struct Route {
  const char* method;
  const char* path;
  const char* label;
  std::optional<Role> needed;
  void (Service::*handle)(const http::Request&, const Caller&, http::Response&);
};

// What Admit hands to Handle.
struct Admitted {
  const Route* route;
  Caller caller;
};

class Service : public http::Handler {
 public:
  Service(const ServeOptions& options, std::unique_ptr<Ledger> ledger,
          std::optional<TokenTable> tokens)
      : options_(options), ledger_(std::move(ledger)), tokens_(std::move(tokens)),
        metrics_(kRoutes) {}

  absl::Status Start();
  void StopCommitter();

  // http::Handler: the route and the caller are settled before any body is read.
  std::optional<http::Response> Admit(http::Request& request) override;
  std::optional<http::Response> Answer(http::Request& request) override;
  http::Response Handle(http::Request& request) override;

  // The Prometheus text, with per-region money only when `with_regions`.
  std::string RenderMetrics(bool with_regions) const {
    std::shared_ptr<const Published> published = Current();
    return metrics_.Render(published->head.sequence, published->books, with_regions);
  }

 private:
  static const Route kRouteTable[];

  // The caller of a request needing `needed`, or the refusal (401, 403, 400).
  std::variant<Caller, http::Response> Authorize(const http::Request& request, Role needed) const;
  // `caller` when it has the `needed` role, else a 403 naming both.
  std::variant<Caller, http::Response> CheckRole(const http::Request& request, Caller caller,
                                                 Role needed) const;
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
  // The committer's hook: after a group commit, before its requests are answered.
  void Committed(const std::vector<SubmitOutcome>& outcomes);
  bool NotModified(const http::Request& request, http::Response& response,
                   uint64_t head_sequence);
  void HandleHealth(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleDigest(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleBalances(const http::Request& request, const Caller& caller, http::Response& response) {
    HandleReport(request, response, ReportKind::kBalances);
  }
  void HandleProjects(const http::Request& request, const Caller& caller, http::Response& response) {
    HandleReport(request, response, ReportKind::kProjects);
  }
  void HandleHelpers(const http::Request& request, const Caller& caller, http::Response& response) {
    HandleReport(request, response, ReportKind::kHelpers);
  }
  void HandleReport(const http::Request& request, http::Response& response, ReportKind kind);
  // Sends the newest rendered body of the head report `kind` (or 304) when
  // one is current, or being replaced by a rendering under way; else false.
  // With `wait`, first waits for a first rendering under way.
  bool SendRendered(const http::Request& request, http::Response& response, ReportKind kind,
                    bool wait);
  void HandleAppend(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleEvents(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleProof(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleMetrics(const http::Request& request, const Caller& caller, http::Response& response);

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

  // Writes the appends (engine group commit); its hook keeps merkle_ and
  // the published state up to date.
  std::unique_ptr<GroupCommitter> committer_;
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
  committer_ = std::make_unique<GroupCommitter>(
      ledger_.get(),
      GroupCommitter::Hooks{
          .committed = [this](const std::vector<SubmitOutcome>& outcomes) { Committed(outcomes); },
          .warn = [](const absl::Status& status) {
            std::cerr << "aidledger serve: warning: " << status.message() << "\n";
          }});
  return absl::OkStatus();
}

void Service::StopCommitter() {
  if (committer_ != nullptr) committer_->Stop();
}

void Service::Committed(const std::vector<SubmitOutcome>& outcomes) {
  // New events in sequence order: requests were staged in order.
  uint64_t appended = 0;
  for (const SubmitOutcome& outcome : outcomes) {
    if (!outcome.written) continue;
    for (const AppendResult& result : outcome.results) {
      if (!result.duplicate) merkle_.AddLeaf(MerkleLeafHash(result.hash));
    }
    appended += outcome.appended;
  }
  if (appended == 0) return;
  metrics_.ObserveCommit(appended);
  metrics_.CountAppended(appended);
  PublishCommit(Current()->head, ledger_->head());
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

std::variant<Caller, http::Response> Service::Authorize(const http::Request& request,
                                                      Role needed) const {
  if (!tokens_.has_value()) return Caller{Role::kAppender, options_.local_actor};
  http::Response refusal;
  refusal.status = 401;
  refusal.SetHeader("WWW-Authenticate", "Bearer");
  // RFC 6750 and RFC 9110 section 11.1: the scheme name is case-insensitive.
  absl::string_view header = request.Header("authorization").value_or("");
  if (header.empty() && !request.client_name.empty()) {
    // Mutual TLS: the verified certificate's common name stands for a token.
    std::optional<Caller> named = tokens_->FindByName(request.client_name);
    if (!named.has_value()) {
      SendError(request, refusal, 401,
                absl::StrCat("the client certificate names ", request.client_name,
                             ", who holds no entry in the tokens file"));
      return refusal;
    }
    return CheckRole(request, *std::move(named), needed);
  }
  const size_t space = header.find(' ');
  absl::string_view token =
      space == absl::string_view::npos ? "" : absl::StripLeadingAsciiWhitespace(header.substr(space));
  if (!absl::EqualsIgnoreCase(header.substr(0, space), "bearer") || token.empty()) {
    SendError(request, refusal, 401, "an Authorization: Bearer token is required");
    return refusal;
  }
  std::optional<Caller> caller = tokens_->Authenticate(token);
  if (!caller.has_value()) {
    SendError(request, refusal, 401, "the token is not valid");
    return refusal;
  }
  if (!request.client_name.empty() && caller->name != request.client_name) {
    SendError(request, refusal, 401,
              absl::StrCat("the token belongs to ", caller->name,
                           " but the client certificate names ", request.client_name));
    return refusal;
  }
  return CheckRole(request, *std::move(caller), needed);
}

std::variant<Caller, http::Response> Service::CheckRole(const http::Request& request,
                                                       Caller caller, Role needed) const {
  if (static_cast<int>(caller.role) < static_cast<int>(needed)) {
    http::Response forbidden;
    SendError(request, forbidden, 403,
              absl::StrCat("this needs the ", RoleName(needed), " role; ", caller.name, " is a ",
                           RoleName(caller.role)));
    return forbidden;
  }
  return caller;
}

bool Service::NotModified(const http::Request& request, http::Response& response,
                          uint64_t head_sequence) {
  const std::string etag = absl::StrCat("\"", head_sequence, "\"");
  const std::string gzip_etag = absl::StrCat("\"", head_sequence, "-gzip\"");
  const absl::string_view asked = request.Header("if-none-match").value_or("");
  if (asked == etag || asked == gzip_etag) {
    response.SetHeader("ETag", asked);
    response.status = 304;
    return true;
  }
  response.SetHeader("ETag", etag);
  return false;
}

const Route Service::kRouteTable[] = {
    {"GET", "/healthz", "/healthz", std::nullopt, &Service::HandleHealth},
    {"GET", "/v1/digest", "/v1/digest", Role::kReader, &Service::HandleDigest},
    {"GET", "/v1/balances", "/v1/balances", Role::kReader, &Service::HandleBalances},
    {"GET", "/v1/projects", "/v1/projects", Role::kReader, &Service::HandleProjects},
    {"GET", "/v1/helpers", "/v1/helpers", Role::kReader, &Service::HandleHelpers},
    {"GET", "/v1/events", "/v1/events GET", Role::kAuditor, &Service::HandleEvents},
    {"POST", "/v1/events", "/v1/events POST", Role::kAppender, &Service::HandleAppend},
    {"GET", "/v1/proof", "/v1/proof", Role::kAuditor, &Service::HandleProof},
    {"GET", "/metrics", "/metrics", Role::kReader, &Service::HandleMetrics},
};

std::optional<http::Response> Service::Admit(http::Request& request) {
  const Route* route = nullptr;
  std::string allowed;
  for (const Route& candidate : kRouteTable) {
    if (request.path != candidate.path) continue;
    absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", candidate.method);
    if (request.method == candidate.method) route = &candidate;
  }
  if (route == nullptr) {
    http::Response refusal;
    if (allowed.empty()) {
      SendError(request, refusal, 404, absl::StrCat("no such path: ", request.path));
    } else {
      SendError(request, refusal, 405, absl::StrCat(request.path, " answers ", allowed, " only"));
      refusal.SetHeader("Allow", allowed);
    }
    return refusal;
  }
  Caller caller{Role::kReader, ""};
  if (route->needed.has_value()) {
    std::variant<Caller, http::Response> authorized = Authorize(request, *route->needed);
    if (auto* refusal = std::get_if<http::Response>(&authorized)) {
      metrics_.ObserveRequest(route->label, refusal->status, 0);
      return std::move(*refusal);
    }
    caller = std::get<Caller>(std::move(authorized));
  }
  request.context = Admitted{route, std::move(caller)};
  return std::nullopt;
}

std::optional<http::Response> Service::Answer(http::Request& request) {
  const Admitted& admitted = std::any_cast<const Admitted&>(request.context);
  const absl::Time start = absl::Now();
  http::Response response;
  const auto handle = admitted.route->handle;
  if (handle == &Service::HandleHealth || handle == &Service::HandleDigest) {
    (this->*handle)(request, admitted.caller, response);
  } else if (handle == &Service::HandleBalances || handle == &Service::HandleProjects ||
             handle == &Service::HandleHelpers) {
    if (request.Param("at_seq") || request.Param("known_at") || request.Param("as_of")) {
      return std::nullopt;  // a point in time folds the log
    }
    const ReportKind kind = handle == &Service::HandleBalances   ? ReportKind::kBalances
                            : handle == &Service::HandleProjects ? ReportKind::kProjects
                                                                 : ReportKind::kHelpers;
    if (!SendRendered(request, response, kind, /*wait=*/false)) return std::nullopt;
  } else {
    return std::nullopt;
  }
  metrics_.ObserveRequest(admitted.route->label, response.status,
                          absl::ToDoubleSeconds(absl::Now() - start));
  return response;
}

http::Response Service::Handle(http::Request& request) {
  const absl::Time start = absl::Now();
  const Admitted& admitted = std::any_cast<const Admitted&>(request.context);
  http::Response response;
  (this->*admitted.route->handle)(request, admitted.caller, response);
  metrics_.ObserveRequest(admitted.route->label, response.status,
                          absl::ToDoubleSeconds(absl::Now() - start));
  return response;
}

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

void Service::HandleReport(const http::Request& request, http::Response& response,
                           ReportKind kind) {
  PointOptions point;
  if (std::optional<absl::string_view> at_seq = request.Param("at_seq")) {
    uint64_t at = 0;
    if (!absl::SimpleAtoi(*at_seq, &at)) return SendError(request, response, 400, "at_seq must be a number");
    point.at_seq = at;
  }
  point.known_at = std::string(request.Param("known_at").value_or(""));
  point.as_of = std::string(request.Param("as_of").value_or(""));
  const std::string region(request.Param("region").value_or(""));
  auto reply = [&](const absl::StatusOr<std::string>& body) {
    if (body.ok()) {
      SendJson(request, response, *body);
    } else {
      SendError(request, response, HttpStatusFor(body.status()), body.status().message());
    }
  };
  if (point.at_seq.has_value() || !point.known_at.empty() || !point.as_of.empty()) {
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

void Service::HandleAppend(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  absl::StatusOr<std::vector<v1::Event>> drafts = ParseBody(request.body);
  if (!drafts.ok()) {
    const bool too_large = drafts.status().code() == absl::StatusCode::kResourceExhausted;
    int status = too_large ? 413 : 400;
    std::optional<v1::RejectReason> reason = RejectReasonOf(drafts.status());
    if (reason.has_value() && *reason != v1::FIELD_INVALID) status = 422;
    const absl::string_view message = drafts.status().message();
    const absl::string_view field =
        status == 422 ? message.substr(0, message.find(':')) : absl::string_view();
    return SendError(request, response, status, message,
                     reason ? v1::RejectReason_Name(*reason) : "", field);
  }
  const bool batch = absl::StartsWith(absl::StripAsciiWhitespace(request.body), "[");
  for (v1::Event& draft : *drafts) draft.set_actor(caller.name);
  absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> queued =
      committer_->Enqueue(*std::move(drafts));
  if (!queued.ok()) {
    return SendError(request, response, 503, "the server is busy or stopping; try again");
  }
  std::future<absl::StatusOr<SubmitOutcome>>& done = *queued;
  if (done.wait_for(kAppendWaitMax) != std::future_status::ready) {
    return SendError(request, response, 503,
                     "the append did not commit in time; retry with the same event_id");
  }
  absl::StatusOr<SubmitOutcome> outcome = done.get();
  if (!outcome.ok()) {
    return SendError(request, response, 500, outcome.status().message());
  }
  if (!outcome->rejections.empty()) {
    const Rejection& first = outcome->rejections.front();
    const v1::RejectReason reason = *RejectReasonOf(first.status);
    metrics_.CountRejection(v1::RejectReason_Name(reason));
    std::string message(first.status.message());
    if (batch) message = absl::StrCat("event ", first.index + 1, " of the batch: ", message);
    const std::string field = message.substr(0, message.find(':'));
    return SendError(request, response, reason == v1::EVENT_ID_CONFLICT ? 409 : 422, message,
                     v1::RejectReason_Name(reason), batch ? "" : field);
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

void Service::HandleEvents(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  if (NotModified(request, response, published->head.sequence)) return;
  uint64_t from = 1, limit = 100;
  const std::optional<absl::string_view> from_text = request.Param("from");
  const std::optional<absl::string_view> limit_text = request.Param("limit");
  if ((from_text.has_value() && !absl::SimpleAtoi(*from_text, &from)) ||
      (limit_text.has_value() && !absl::SimpleAtoi(*limit_text, &limit)) || from == 0 ||
      limit == 0 || limit > kEventsPageMax) {
    return SendError(request, response, 400,
                     absl::StrCat("from must be >= 1 and limit in 1..", kEventsPageMax));
  }
  const uint64_t to = std::min(published->head.sequence, from + limit - 1);
  std::unique_ptr<EventReader> reader = ledger_->Read(from, to);
  std::string json = "{\"events\":[";
  StoredEvent stored;
  uint64_t last = from - 1;
  while (true) {
    absl::StatusOr<bool> more = reader->Next(&stored);
    if (!more.ok()) {
      return SendError(request, response, 500, more.status().message());
    }
    if (!*more) break;
    absl::StrAppend(&json, last >= from ? "," : "", ExportLine(stored));
    last = stored.sequence;
  }
  absl::StrAppend(&json, "],\"next_from\":\"", last + 1, "\"}");
  SendJson(request, response, json);
}

void Service::HandleProof(const http::Request& request, const Caller& caller,
                          http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  uint64_t seq = 0;
  if (!absl::SimpleAtoi(request.Param("seq").value_or(""), &seq) || seq == 0 ||
      seq > published->head.sequence) {
    return SendError(request, response, 400, absl::StrCat("seq must be in 1..", published->head.sequence));
  }
  if (NotModified(request, response, published->head.sequence)) return;
  absl::StatusOr<v1::InclusionProof> proof = ledger_->Prove(seq, published->head.sequence);
  if (!proof.ok()) {
    return SendError(request, response, 500, proof.status().message());
  }
  SendJson(request, response, ToJson(*proof, false) + "\n");  // the bytes `aidledger proof` prints
}

void Service::HandleHealth(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  SendJson(request, response,
           absl::StrCat("{\"status\":\"ok\",\"head_seq\":\"", Current()->head.sequence, "\"}"));
}

void Service::HandleDigest(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  std::shared_ptr<const Published> published = Current();
  if (NotModified(request, response, published->head.sequence)) return;
  SendJson(request, response, ToJson(published->digest, true));
}

void Service::HandleMetrics(const http::Request& request, const Caller& caller,
                            http::Response& response) {
  Send(request, response, std::make_shared<const std::string>(RenderMetrics(true)),
       kMetricsContentType);
}

// GET /metrics without a token, on --metrics-listen: for a Prometheus on
// the same host. Per-region money only with --metrics-regions.
class MetricsOnly : public http::Handler {
 public:
  MetricsOnly(const Service* service, bool with_regions)
      : service_(service), with_regions_(with_regions) {}
  std::optional<http::Response> Admit(http::Request& request) override {
    if (request.path != "/metrics") return http::MakeResponse(404, http::ErrorJson("only /metrics is served here"));
    if (request.method != "GET") {
      http::Response refusal = http::MakeResponse(405, http::ErrorJson("/metrics answers GET only"));
      refusal.SetHeader("Allow", "GET");
      return refusal;
    }
    return std::nullopt;
  }
  http::Response Handle(http::Request& request) override {
    http::Response response;
    Send(request, response, std::make_shared<const std::string>(service_->RenderMetrics(with_regions_)),
         kMetricsContentType);
    return response;
  }

 private:
  const Service* service_;
  const bool with_regions_;
};

// HOST:PORT (or [IPv6]:PORT) of a --listen flag.
absl::StatusOr<std::pair<std::string, int>> ParseListen(const std::string& flag, const std::string& value) {
  const size_t colon = value.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(value.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return UsageError(absl::StrCat(flag, " must be HOST:PORT (got \"", value, "\")"));
  }
  std::string host = value.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) host = host.substr(1, host.size() - 2);
  return std::make_pair(host, port);
}

// Writes the marker that tells the CLI a server holds the ledger. A marker
// left by a server that died is removed first (this process holds the
// ledger's lock, so no live server owns it); the new one is created
// exclusively and never through a symbolic link planted in its place.
absl::Status WriteMarker(const std::string& db, const std::string& address) {
  const std::string path = ServerMarkerPath(db);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::InternalError(absl::StrCat("cannot replace ", path, ": ", std::strerror(errno)));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  const std::string text = absl::StrCat("pid ", getpid(), "\nlisten ", address, "\n");
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

std::string ServerMarkerPath(const std::string& db) { return db + "/SERVER"; }

absl::StatusOr<std::vector<v1::Event>> DraftsFromBody(const std::string& body) {
  return ParseBody(body);
}

absl::Status Serve(const ServeOptions& options) {
  ASSIGN_OR_RETURN(auto listen, ParseListen("--listen", options.listen));
  const auto& [host, port] = listen;
  std::optional<std::pair<std::string, int>> metrics_listen;
  if (!options.metrics_listen.empty()) {
    ASSIGN_OR_RETURN(metrics_listen, ParseListen("--metrics-listen", options.metrics_listen));
  } else if (options.metrics_regions) {
    return UsageError("--metrics-regions needs --metrics-listen");
  }
  std::optional<TokenTable> tokens;
  if (!options.tokens_file.empty()) {
    ASSIGN_OR_RETURN(tokens, TokenTable::Load(options.tokens_file, [](absl::string_view message) {
                       std::cerr << "aidledger serve: warning: " << message << "\n";
                     }));
  } else if (!options.insecure_local) {
    return UsageError("serve needs --tokens FILE (make tokens with `aidledger token add`), or "
                      "--insecure-local to serve loopback without tokens");
  } else if (!IsLoopback(host)) {
    return UsageError("--insecure-local listens on a loopback address only (127.0.0.1, ::1)");
  }
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return UsageError("HTTPS needs both --tls-cert and --tls-key");
  }
  if (!tls && !options.tls_client_ca.empty()) {
    return UsageError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (!tls && !options.insecure_plain_http) {
    for (const std::string* where : {&host, metrics_listen ? &metrics_listen->first : &host}) {
      if (IsLoopback(*where)) continue;
      return UsageError(absl::StrCat(
          "refusing plain HTTP on ", *where, ": tokens and figures would cross the network in "
          "clear text; give --tls-cert and --tls-key (tools/pilot-certs makes a private CA), or "
          "--insecure-plain-http"));
    }
  }
  // Block the stop and reload signals before any thread starts, so that
  // only the signal thread below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  if (!Ledger::Exists(options.db)) {
    return UsageError(absl::StrCat("no ledger at ", options.db, "; create one with `aidledger init`"));
  }
  LedgerOptions ledger_options;
  ledger_options.snapshot_every = options.snapshot_every;
  ledger_options.snapshot_key_path = options.snapshot_key;
  ledger_options.warn = [](absl::string_view message) {
    std::cerr << "aidledger serve: warning: " << message << "\n";
  };
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(options.db, ledger_options));
  Service service(options, std::move(ledger), std::move(tokens));
  MetricsOnly metrics_only(&service, options.metrics_regions);
  http::Server server;
  if (tls) {
    absl::Status loaded = server.UseTls({.cert_file = options.tls_cert,
                                         .key_file = options.tls_key,
                                         .client_ca_file = options.tls_client_ca});
    if (!loaded.ok()) return UsageError(loaded.message());
  }
  absl::StatusOr<int> bound = server.Listen(host, port, &service);
  std::string metrics_address;
  if (bound.ok() && metrics_listen.has_value()) {
    absl::StatusOr<int> metrics_bound =
        server.Listen(metrics_listen->first, metrics_listen->second, &metrics_only);
    if (!metrics_bound.ok()) bound = metrics_bound.status();
    if (metrics_bound.ok()) metrics_address = absl::StrCat(metrics_listen->first, ":", *metrics_bound);
  }
  if (!bound.ok()) return bound.status();
  RETURN_IF_ERROR(service.Start());
  const std::string address = absl::StrCat(host, ":", *bound);
  if (absl::Status marked = WriteMarker(options.db, address); !marked.ok()) {
    service.StopCommitter();
    return marked;
  }
  std::atomic<bool> signaled{false};
  std::thread signals([&server, &signaled, stop_signals, tls] {
    while (true) {
      int received = 0;
      sigwait(&stop_signals, &received);
      if (received != SIGHUP) break;
      if (!tls) {
        std::cerr << "aidledger serve: SIGHUP: not serving TLS, nothing to reload\n";
        continue;
      }
      absl::Status reloaded = server.ReloadTls();
      if (reloaded.ok()) {
        std::cerr << "aidledger serve: reloaded the TLS certificate and key\n";
      } else {
        std::cerr << "aidledger serve: warning: TLS reload failed, still serving the certificate "
                     "loaded before: "
                  << reloaded.message() << "\n";
      }
    }
    signaled = true;
    server.Stop();
  });
  if (options.on_listening) options.on_listening(address, metrics_address);
  server.Run();  // returns after Stop(), once every request already read is answered
  // Everything queued was acknowledged to no one yet; write it anyway so a
  // request that raced the signal is not left hanging.
  service.StopCommitter();
  std::error_code error;
  std::filesystem::remove(ServerMarkerPath(options.db), error);
  // If serving ended without a signal, wake the signal thread up.
  if (!signaled) pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return absl::OkStatus();
}

}  // namespace aidledger::app
