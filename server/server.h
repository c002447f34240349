// `aidledger serve`: one process owns the ledger and serves dashboards,
// finance staff and auditors over HTTP/JSON (the transport is server/http/).
//
// Appends go through a single committer thread (group commit): requests
// queue up, are validated in order and written as one synced WriteBatch,
// and each is answered only once its events are durable. Reads never wait
// on writes: after each commit the committer publishes an immutable copy of
// the Books (a shared_ptr swapped under a short lock) that readers use.
#ifndef AIDLEDGER_SERVER_SERVER_H_
#define AIDLEDGER_SERVER_SERVER_H_

#include <functional>
#include <string>

#include <vector>

#include "absl/status/statusor.h"
#include "aidledger/v1/events.pb.h"

namespace aidledger::app {

struct ServeOptions {
  std::string db;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  std::string tokens_file;                // required unless insecure_local
  bool insecure_local = false;            // no tokens; loopback only
  std::string local_actor = "local";      // the actor of insecure appends
  uint64_t snapshot_every = 100'000;
  std::string snapshot_key;  // LedgerOptions::snapshot_key_path
  std::string cache;         // LedgerOptions::cache_dir (a PostgreSQL ledger)
  // HOST:PORT serving GET /metrics without a token, for a Prometheus on the
  // same host; empty: none (then /metrics needs a reader token). Per-region
  // money appears there only with metrics_regions.
  std::string metrics_listen;
  bool metrics_regions = false;
  // HTTPS (both files, PEM): the certificate chain and its private key
  // (refused unless only its owner may read it). Reloaded on SIGHUP.
  std::string tls_cert;
  std::string tls_key;
  // Mutual TLS: clients must present a certificate signed by this CA; its
  // common name may stand for a token (the tokens file gives its role).
  std::string tls_client_ca;
  // Plain HTTP on a non-loopback address: refused unless this is set.
  bool insecure_plain_http = false;
  // How long a browser session lasts after login (absl::ParseDuration's
  // form, e.g. "8h", "30m"); empty: serve_limits::kSessionLifetimeDefault.
  std::string session_lifetime;
  // Told the addresses actually bound (after port 0), once listening;
  // metrics_address is empty without metrics_listen.
  std::function<void(const std::string& address, const std::string& metrics_address)> on_listening;
};

// Serves until SIGTERM or SIGINT (SIGHUP reloads the TLS files), then
// finishes in-flight requests, writes
// what is queued and closes the ledger. REQUIRES: called from the main thread
// before any other thread is started (it blocks those signals process-wide).
absl::Status Serve(const ServeOptions& options);

// The events of a POST /v1/events body: one event object, or a JSON array
// of them (at most 1,000; kResourceExhausted beyond). Rejections name the
// field; malformed JSON is kInvalidArgument.
absl::StatusOr<std::vector<v1::Event>> DraftsFromBody(const std::string& body);

// The file a running server keeps in the ledger directory, so that the CLI
// can tell "held by a server" from "held by another command".
std::string ServerMarkerPath(const std::string& db);

}  // namespace aidledger::app

#endif  // AIDLEDGER_SERVER_SERVER_H_
