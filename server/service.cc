// Admission, authorization, publication after each commit, and the small routes.
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
#include "app/queries.h"
#include "app/status_codes.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
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

void Send(const http::Request& request, http::Response& response,
          std::shared_ptr<const std::string> body, const std::string& content_type,
          std::shared_ptr<const std::string> gzipped) {
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

void SendError(const http::Request& request, http::Response& response, int status,
               absl::string_view message, absl::string_view reason, absl::string_view field) {
  response.status = status;
  SendJson(request, response, http::ErrorJson(message, reason, field));
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

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
  // The Merkle tree of the whole log (from the newest snapshot's, with the
  // events after it), kept up to date by the committer.
  ASSIGN_OR_RETURN(Ledger::TreeAtHead at_head, ledger_->MerkleAtHead());
  const LedgerHead head = at_head.head;
  merkle_ = std::move(at_head.tree);
  auto published = std::make_shared<Published>();
  published->books = ledger_->books();
  published->head = head;
  published->digest = DigestNow(head);
  if (merkle_.size() > 0) published->head_path = merkle_.LastLeafPath();
  // The spare is a second copy of megabytes of state (a fifth of a start
  // on the 1M-event ledger), made from the published copy, which nobody
  // changes, when the first append arrives (BeginSpareCopy), not beside the
  // start: a copy made while the first requests are served made them 25-35%
  // slower in the first ~0.2 s (BENCHMARKS.md), and a server that only
  // reads never needs it.
  spare_source_ = published;
  Publish(std::move(published));
  committer_ = std::make_unique<GroupCommitter>(
      ledger_.get(),
      GroupCommitter::Hooks{
          .committed = [this](const std::vector<SubmitOutcome>& outcomes,
                              absl::Span<const Drafts> requests) { Committed(outcomes, requests); },
          .warn = [](const absl::Status& status) {
            std::cerr << "aidledger serve: warning: " << status.message() << "\n";
          }},
      /*follow_others=*/ledger_->shared());
  return absl::OkStatus();
}

void Service::BeginSpareCopy(std::launch policy) {
  std::call_once(spare_begun_, [this, policy] {
    spare_copy_ = std::async(policy, [source = spare_source_] {
      auto spare = std::make_shared<Published>();
      spare->books = source->books;
      return spare;
    });
  });
}

void Service::StopCommitter() {
  if (committer_ != nullptr) committer_->Stop();
}

void Service::Committed(const std::vector<SubmitOutcome>& outcomes,
                        absl::Span<const Drafts> requests) {
  uint64_t appended = 0;
  std::vector<v1::Event> events;
  std::vector<Hash> hashes;
  for (size_t r = 0; r < outcomes.size(); ++r) {
    if (!outcomes[r].written) continue;
    appended += outcomes[r].appended;
    for (size_t i = 0; i < outcomes[r].results.size(); ++i) {
      if (outcomes[r].results[i].duplicate) continue;
      events.push_back(*requests[r][i]);
      hashes.push_back(outcomes[r].results[i].hash);
    }
  }
  if (appended > 0) {
    metrics_.ObserveCommit(appended);
    metrics_.CountAppended(appended);
  }
  const LedgerHead published = Current()->head;
  const LedgerHead head = ledger_->head();
  if (head.sequence != published.sequence) {
    PublishCommit(published, head, std::move(events), std::move(hashes));
  }
}

void Service::PublishCommit(const LedgerHead& old_head, const LedgerHead& new_head,
                            std::vector<v1::Event> events, std::vector<Hash> hashes) {
  // The new events: this server's own, when nobody else's came between
  // (their first follows the published head); else read back in sequence
  // order, this server's and (on a shared store) other writers', with
  // every link and hash checked.
  bool readable = true;
  if (events.size() != new_head.sequence - old_head.sequence ||
      events.front().sequence() != old_head.sequence + 1) {
    events.clear();
    hashes.clear();
    std::unique_ptr<EventReader> reader = ledger_->Read(old_head.sequence + 1, new_head.sequence);
    StoredEvent stored;
    while (true) {
      absl::StatusOr<bool> more = reader->Next(&stored);
      if (!more.ok()) readable = false;
      if (!more.ok() || !*more) break;
      events.push_back(stored.event);
      hashes.push_back(stored.hash);
    }
  }
  if (readable && hashes.size() == new_head.sequence - old_head.sequence &&
      merkle_.size() == old_head.sequence) {
    for (const Hash& hash : hashes) merkle_.AddLeaf(MerkleLeafHash(hash));
  } else {
    // Rare (the store failed a read): the tree again from the log.
    absl::StatusOr<MerkleAccumulator> tree = ledger_->MerkleAt(new_head.sequence);
    if (tree.ok()) {
      merkle_ = *std::move(tree);
    } else {
      std::cerr << "aidledger serve: warning: the digest's Merkle root may be stale: "
                << tree.status().message() << "\n";
    }
    readable = false;
  }
  BeginSpareCopy(std::launch::deferred);  // made here if no append of ours began it
  if (spare_copy_.valid()) {  // the first commit
    spares_.Add(spare_copy_.get());
    spare_source_.reset();
  }
  auto chosen = spares_.TakeFree();
  bool caught_up = readable && chosen.state != nullptr;
  if (caught_up) {
    for (const std::vector<v1::Event>* batch : {&chosen.lag, &events}) {
      for (const v1::Event& event : *batch) {
        caught_up = caught_up && chosen.state->books.Apply(event).ok();
      }
    }
  }
  if (!caught_up) {
    metrics_.CountStateCopy();
    chosen.state = std::make_shared<Published>();
    chosen.state->books = ledger_->books();
  }
  chosen.state->head = new_head;
  chosen.state->digest = DigestNow(new_head);
  chosen.state->head_path = merkle_.size() > 0 ? merkle_.LastLeafPath() : std::vector<Hash>();
  std::shared_ptr<const Published> previous = Publish(chosen.state);
  if (readable) {
    spares_.Replaced(std::const_pointer_cast<Published>(previous), events);
  } else {
    spares_.Clear();  // the events since the old head are not all known
  }
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
  if (header.empty()) {
    // A browser's session (POST /login), which reads only.
    if (std::optional<absl::string_view> id =
            CookieValue(request.Header("cookie").value_or(""), kSessionCookie)) {
      std::optional<Caller> session = sessions_.Find(*id, absl::Now());
      if (session.has_value()) return CheckRole(request, *std::move(session), needed);
      SendError(request, refusal, 401, "the session has ended; log in again at /login");
      return refusal;
    }
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
    {"GET", "/v1/head-proof", "/v1/head-proof", Role::kReader, &Service::HandleHeadProof},
    {"GET", "/v1/series", "/v1/series", Role::kReader, &Service::HandleSeries},
    {"GET", "/v1/progress", "/v1/progress", Role::kReader, &Service::HandleProgress},
    {"GET", "/v1/trace", "/v1/trace", Role::kAuditor, &Service::HandleTrace},
    {"GET", "/v1/alerts", "/v1/alerts", Role::kReader, &Service::HandleAlerts},
    {"GET", "/metrics", "/metrics", Role::kReader, &Service::HandleMetrics},
    {"GET", "/", "/", Role::kReader, &Service::HandleHome},
    {"GET", "/login", "/login GET", std::nullopt, &Service::HandleLoginForm},
    {"POST", "/login", "/login POST", std::nullopt, &Service::HandleLogin},
    {"POST", "/logout", "/logout", std::nullopt, &Service::HandleLogout},
};

const Route Service::kPrefixRoutes[] = {
    {"GET", "/assets/", "/assets", std::nullopt, &Service::HandleAsset},
    {"GET", "/v1/evidence/", "/v1/evidence", Role::kAuditor, &Service::HandleEvidence},
};

std::optional<http::Response> Service::Admit(http::Request& request) {
  const Route* route = nullptr;
  std::string allowed;
  for (const Route& candidate : kPrefixRoutes) {
    if (!absl::StartsWith(request.path, candidate.path)) continue;
    allowed = candidate.method;
    if (request.method == candidate.method) route = &candidate;
  }
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
      if (route->handle == &Service::HandleHome && refusal->status == 401) {
        // A browser without a session: to the login form.
        *refusal = http::Response();
        refusal->status = 303;
        refusal->SetHeader("Location", "/login");
        SetPageHeaders(*refusal);
      }
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
  SetPageHeaders(response);
  metrics_.ObserveRequest(admitted.route->label, response.status,
                          absl::ToDoubleSeconds(absl::Now() - start));
  return response;
}

void Service::HandleHealth(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  // Degraded while the store cannot be reached (a database failing over):
  // reads go on from the published state; appends wait or answer 503.
  const std::optional<absl::Time> unreachable = ledger_->StoreUnreachableSince();
  const std::string head = absl::StrCat(",\"head_seq\":\"", Current()->head.sequence, "\"}");
  if (unreachable.has_value()) {
    return SendJson(request, response,
                    absl::StrCat("{\"status\":\"degraded\",\"store\":\"unreachable since ",
                                 absl::FormatTime(absl::RFC3339_sec, *unreachable,
                                                  absl::UTCTimeZone()),
                                 "\"", head));
  }
  SendJson(request, response, absl::StrCat("{\"status\":\"ok\"", head));
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

}  // namespace aidledger::app::serving
