// A hardened HTTP/1.1 server over Boost.Beast: the transport of `aidledger
// serve`, knowing nothing of ledgers.
//
// Why Beast and not cpp-httplib (whose 0.11 leaked heap through Range
// requests, read chunked bodies whole before any check, and gave a thread
// to each slow client): Beast's parser is strict and enforces the head and
// body limits while it reads, chunked bodies included; I/O is asynchronous,
// so a slow or idle client costs a socket and a buffer, never a thread; and
// it does nothing we did not ask for (no Range, no form parsing, no
// compression of its own).
//
// A request goes through these steps, each bounded by limits.h:
//   1. the head is read within kHeadTimeout and kHeadBytesMax, then checked
//      by CheckHead (framing, duplicates, target); a refusal is answered
//      and the connection closed;
//   2. Handler::Admit sees the head (route, authentication) before a single
//      byte of the body is read; a refusal is answered, and the connection
//      closed if a body was announced, so that body is never read;
//   3. the body is read within kBodyTimeout and kBodyBytesMax (413 and close
//      beyond, chunked or not);
//   4. Handler::Answer may answer at once from memory; else
//      Handler::Handle runs on a handler thread (it may block). The
//      response is written within kWriteTimeout.
// Sockets have TCP_NODELAY. Range and Expect other than 100-continue are
// ignored. Stop() closes the listeners and every connection waiting for a
// request, lets each request already read be handled and answered in full,
// then returns from Run().
//
// Thread safety: Stop() and ReloadTls() may be called from any thread; everything else
// from the thread that owns the Server.
#ifndef AIDLEDGER_SERVER_HTTP_SERVER_H_
#define AIDLEDGER_SERVER_HTTP_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "server/http/message.h"

namespace aidledger::http {

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on an I/O thread with the checked head (no body yet): a response
  // to answer at once (404, 401, ...), or nullopt to read the body and call
  // Handle. May set request.context for Handle. Must not block.
  virtual std::optional<Response> Admit(Request& request) = 0;
  // Called on the I/O thread with the whole request, first: a response when
  // one can be given from memory without blocking (a cached report), else
  // nullopt and Handle runs. Saves two thread hand-offs on the hot reads.
  virtual std::optional<Response> Answer(Request& request) { return std::nullopt; }
  // Called on a handler thread with the whole request. May block.
  virtual Response Handle(Request& request) = 0;
};

class Connection;  // server.cc
template <typename Stream>
class StreamConnection;

// The files of `serve --tls-cert/--tls-key/--tls-client-ca`, in PEM.
struct TlsFiles {
  std::string cert_file;       // the server's certificate, then its chain
  std::string key_file;        // its private key: refused unless only its owner may read it
  std::string client_ca_file;  // empty: no client certificate asked for
};

class Server {
 public:
  Server();
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves HTTPS on every listener opened after this call: each connection
  // first completes a TLS handshake (within kHandshakeTimeout), every
  // response carries Strict-Transport-Security, and with a client CA each
  // request carries the client certificate's common name. See tls.h for
  // the protocol versions and suites, and the errors.
  absl::Status UseTls(const TlsFiles& files);
  // Reads the files given to UseTls again: connections accepted from now on
  // use the new certificate and key, those open keep theirs. On an error the
  // server goes on with what it had. Safe from any thread.
  absl::Status ReloadTls();

  // Listens on host:port (port 0: a free one) for requests to `handler`,
  // which must outlive the server. Returns the port bound. Two servers
  // cannot listen on one address: no SO_REUSEPORT, and the bind fails with
  // kUnavailable "address in use".
  absl::StatusOr<int> Listen(const std::string& host, int port, Handler* handler);

  // Serves every listener until Stop(), then returns once each request
  // already read has been answered (or after kShutdownWaitMax).
  void Run();

  // Asks Run() to return as described above. Safe from any thread, and
  // more than once.
  void Stop();

 private:
  friend class Connection;
  template <typename Stream>
  friend class StreamConnection;
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_SERVER_H_
