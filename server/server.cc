#include "server/server.h"

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
#include "absl/strings/substitute.h"
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
#include "base/messages.h"
#include "ledger/audit/merkle.h"
#include "base/status_macros.h"
#include "state/reports.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "ledger/group_commit.h"

namespace aidledger::app {
namespace {

using namespace serve_limits;  // NOLINT: the service they bound
using serving::Send;
using serving::IsLoopback;
using serving::kMetricsContentType;
using serving::ParseBody;
using serving::Service;

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
    return UsageError(absl::Substitute(Tr("$0 must be HOST:PORT (got \"$1\")"), flag, value));
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
  absl::Duration session_lifetime = absl::FromChrono(kSessionLifetimeDefault);
  if (!options.session_lifetime.empty() &&
      (!absl::ParseDuration(options.session_lifetime, &session_lifetime) ||
       session_lifetime <= absl::ZeroDuration() || session_lifetime > absl::Hours(24 * 7))) {
    return UsageError(absl::Substitute(Tr("--session-lifetime must be a duration from 1s to 168h "
                                          "(e.g. 8h, 30m; got \"$0\")"),
                                       options.session_lifetime.substr(0, 32)));
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
      return UsageError(absl::Substitute(
          Tr("refusing plain HTTP on $0: tokens and figures would cross the network in clear "
             "text; give --tls-cert and --tls-key (tools/pilot-certs makes a private CA), or "
             "--insecure-plain-http"),
          *where));
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

  const bool on_postgres = Ledger::IsPostgres(options.db);
  if (!on_postgres && !Ledger::Exists(options.db)) {
    return UsageError(absl::Substitute(Tr("no ledger at $0; create one with `aidledger init`"),
                                       options.db));
  }
  LedgerOptions ledger_options;
  ledger_options.snapshot_every = options.snapshot_every;
  // Other servers may share the ledger (PostgreSQL): a group that finds the
  // head moved is staged again after their events (the service publishes
  // what lies between its published head and the ledger's).
  ledger_options.catch_up_on_conflict = true;
  ledger_options.snapshot_key_path = options.snapshot_key;
  ledger_options.cache_dir = options.cache;
  ledger_options.warn = [](absl::string_view message) {
    std::cerr << "aidledger serve: warning: " << message << "\n";
  };
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Open(options.db, ledger_options));
  Service service(options, std::move(ledger), std::move(tokens), session_lifetime);
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
  // The marker tells a CLI beside a RocksDB ledger why it is locked; a
  // PostgreSQL ledger has no lock and no directory to mark.
  absl::Status marked = on_postgres ? absl::OkStatus() : WriteMarker(options.db, address);
  if (!marked.ok()) {
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
  if (!on_postgres) std::filesystem::remove(ServerMarkerPath(options.db), error);
  // If serving ended without a signal, wake the signal thread up.
  if (!signaled) pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return absl::OkStatus();
}

}  // namespace aidledger::app
