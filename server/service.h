// The HTTP service behind `aidledger serve`: its routes, the state readers
// see, and the handlers, one file per route group (service.cc: admission,
// authorization and publication; report_routes.cc; append_routes.cc;
// audit_routes.cc). Internal to server/: server.h is the public face.
#ifndef AIDLEDGER_SERVER_SERVICE_H_
#define AIDLEDGER_SERVER_SERVICE_H_

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "aidledger/v1/audit.pb.h"
#include "ledger/group_commit.h"
#include "ledger/ledger.h"
#include "ledger/audit/merkle.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "server/metrics.h"
#include "server/spare_states.h"
#include "server/server.h"
#include "server/sessions.h"
#include "server/tokens.h"
#include "state/reports.h"

namespace aidledger::app::serving {

// The routes by their metrics labels.
inline const std::vector<std::string> kRoutes = {
    "/healthz", "/v1/digest", "/v1/balances", "/v1/projects", "/v1/helpers",
    "/v1/events GET", "/v1/events POST", "/v1/proof", "/metrics",
    "/", "/login GET", "/login POST", "/logout", "/assets", "/v1/head-proof",
    "/v1/series", "/v1/progress", "/v1/trace", "/v1/alerts", "/v1/evidence"};

// What readers see: an immutable state swapped after each commit.
struct Published {
  Books books;
  LedgerHead head;
  v1::Digest digest;
  // The head event's RFC 6962 audit path in digest's Merkle root (empty
  // for an empty log): GET /v1/head-proof, which the dashboard checks.
  std::vector<Hash> head_path;
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
          std::shared_ptr<const std::string> gzipped = nullptr);

void SendJson(const http::Request& request, http::Response& response, std::string body);

// The headers of every page and answer of the service: a strict
// Content-Security-Policy (no inline script, no eval, nothing from another
// origin, no framing), nosniff, no referrer.
void SetPageHeaders(http::Response& response);

// An error body, always through the JSON writer: messages may quote input.
void SendError(const http::Request& request, http::Response& response, int status,
               absl::string_view message, absl::string_view reason = "", absl::string_view field = "");

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4";


// Whether `host` names this machine's loopback interface.
bool IsLoopback(const std::string& host);

// The JSON body of report `kind` over `books` (of `region`, at `at`).
absl::StatusOr<std::string> RenderReport(ReportKind kind, const Books& books,
                                         const std::string& region, const v1::PointInTime& at);

// The drafts of a POST /v1/events body: one JSON object, or an array of them.
absl::StatusOr<std::vector<v1::Event>> ParseBody(const std::string& body);

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
          std::optional<TokenTable> tokens, absl::Duration session_lifetime)
      : options_(options), ledger_(std::move(ledger)), tokens_(std::move(tokens)),
        sessions_(session_lifetime, absl::FromChrono(serve_limits::kSessionIdleMax),
                  serve_limits::kSessionsMax),
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
    return metrics_.Render(published->head.sequence, ledger_->outage_counts(), published->books,
                           with_regions);
  }

 private:
  static const Route kRouteTable[];
  // Routes of every path under a prefix: /assets/, /v1/evidence/.
  static const Route kPrefixRoutes[];

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
  // Begins the first spare's copy (spare_copy_) with `policy`, once.
  void BeginSpareCopy(std::launch policy);
  // The committer's hook: after a group commit, before its requests are answered.
  void Committed(const std::vector<SubmitOutcome>& outcomes, absl::Span<const Drafts> requests);
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
  // GET /v1/series: a region's figures by month, quarter or year.
  void HandleSeries(const http::Request& request, const Caller& caller, http::Response& response);
  // GET /v1/progress: progress against the annual targets (issue 22).
  void HandleProgress(const http::Request& request, const Caller& caller,
                      http::Response& response);
  // GET /v1/trace: the fund-flow trace (issue 25), for auditors.
  void HandleTrace(const http::Request& request, const Caller& caller, http::Response& response);
  // GET /v1/alerts: the early warnings (issue 25), for dashboards.
  void HandleAlerts(const http::Request& request, const Caller& caller, http::Response& response);
  // GET /v1/evidence/SHA256: a stored evidence file (issue 25), streamed,
  // its last bytes sent only once all of them hash to its name.
  void HandleEvidence(const http::Request& request, const Caller& caller,
                      http::Response& response);
  // Sends the newest rendered body of the head report `kind` (or 304) when
  // one is current, or being replaced by a rendering under way; else false.
  // With `wait`, first waits for a first rendering under way.
  bool SendRendered(const http::Request& request, http::Response& response, ReportKind kind,
                    bool wait);
  void HandleAppend(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleEvents(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleProof(const http::Request& request, const Caller& caller, http::Response& response);
  // The head event's inclusion in the digest, hashes only (for readers).
  void HandleHeadProof(const http::Request& request, const Caller& caller,
                       http::Response& response);
  void HandleMetrics(const http::Request& request, const Caller& caller, http::Response& response);
  // login_routes.cc
  void HandleLoginForm(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleLogin(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleLogout(const http::Request& request, const Caller& caller, http::Response& response);
  void HandleHome(const http::Request& request, const Caller& caller, http::Response& response);
  // GET /assets/NAME: the dashboard's embedded files, to anyone (code, no data).
  void HandleAsset(const http::Request& request, const Caller& caller, http::Response& response);

  const ServeOptions options_;
  std::unique_ptr<Ledger> ledger_;
  const std::optional<TokenTable> tokens_;
  mutable SessionTable sessions_;  // thread-safe; a lookup refreshes a session
  Metrics metrics_;

  mutable std::mutex published_mutex_;
  std::shared_ptr<const Published> published_;
  std::atomic<uint64_t> published_sequence_{0};
  // The states the committer publishes next (server/spare_states.h).
  // Owned by the committer.
  SpareStates<Published, v1::Event> spares_{serve_limits::kSparesMax,
                                            serve_limits::kSpareLagEventsMax,
                                            serve_limits::kSpareWaitMax};
  // The first spare: a copy of the start's state (spare_source_), begun on
  // a thread of its own when the first append arrives, so that it overlaps
  // that append's first pass over the log's event ids (Ledger::BuildLoggedIds),
  // or made by the first commit that publishes another writer's events.
  // Taken, and the source let go, by the first commit.
  std::shared_ptr<const Published> spare_source_;
  std::once_flag spare_begun_;
  std::future<std::shared_ptr<Published>> spare_copy_;
  std::mutex rendered_mutex_;
  std::condition_variable rendered_cv_;  // a rendering ended
  std::map<std::string, Rendered> rendered_;  // at most kRenderedReportsMax
  // Each embedded asset's bytes, gzipped once when first asked (the chart
  // library is 700 KB): at most one entry per embedded file.
  std::mutex assets_mutex_;
  std::map<std::string, Rendered> assets_;
  // Publishes the state at `new_head`: `written` (this server's new events
  // and their hashes, in order) when they are all that is new since
  // `old_head`, else what the ledger reads back.
  void PublishCommit(const LedgerHead& old_head, const LedgerHead& new_head,
                     std::vector<v1::Event> events, std::vector<Hash> hashes);

  // Writes the appends (engine group commit); its hook keeps merkle_ and
  // the published state up to date.
  std::unique_ptr<GroupCommitter> committer_;
  MerkleAccumulator merkle_;  // owned by the committer after Start
};

}  // namespace aidledger::app::serving

#endif  // AIDLEDGER_SERVER_SERVICE_H_
