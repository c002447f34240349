// Every maximum of the HTTP transport, in one place. Each bounds memory or
// time that a client, authenticated or not, could otherwise take.
#ifndef AIDLEDGER_SERVER_HTTP_LIMITS_H_
#define AIDLEDGER_SERVER_HTTP_LIMITS_H_

#include <chrono>
#include <cstddef>

namespace aidledger::http::limits {

// The request line and every header field together. Browsers and curl send
// well under 2 KiB; 16 KiB leaves room for long cookies and tokens. The
// parser stops reading at this size, so a header flood costs at most this
// much per connection (431).
inline constexpr size_t kHeadBytesMax = 16 * 1024;
// Header fields in one request (431 beyond). No client we know sends 30.
inline constexpr size_t kHeaderFieldsMax = 100;
// The request target, path and query (414 beyond).
inline constexpr size_t kTargetBytesMax = 8 * 1024;
// Query parameters in one target (400 beyond).
inline constexpr size_t kQueryParamsMax = 32;
// A request body, chunked or not, counted while it is read (413 beyond, and
// the connection is closed: the rest is never read). An append batch of
// 1,000 events is about 250 KiB.
inline constexpr size_t kBodyBytesMax = 4 * 1024 * 1024;
// Bytes read from a socket ahead of the parser: the buffer never grows past
// this, whatever the framing.
inline constexpr size_t kReadBufferBytesMax = kHeadBytesMax + 64 * 1024;

// Time a client has to send a whole request head, counted from the moment
// the server waits for it (on a kept-alive connection: from the previous
// response). A client that trickles header lines (slowloris) is closed at
// this deadline however steadily it sends; it never holds a thread.
inline constexpr std::chrono::seconds kHeadTimeout{10};
// Time a client has to send a whole body once its head is accepted:
// 4 MiB at 140 KiB/s.
inline constexpr std::chrono::seconds kBodyTimeout{30};
// A TLS handshake must complete within this, as a head must: a client that
// opens connections and never finishes the handshake is cut off.
inline constexpr std::chrono::seconds kHandshakeTimeout{10};
// A TLS close: our close_notify, then the client's, within this.
inline constexpr std::chrono::seconds kTlsShutdownTimeout{2};
// Certificate, key and client CA files are read whole: at most this each
// (a chain of a few certificates is a few KiB).
inline constexpr size_t kTlsFileBytesMax = 1024 * 1024;
// HSTS under TLS: browsers use HTTPS only for this long after a visit.
inline constexpr int kHstsMaxAgeSeconds = 365 * 24 * 3600;
// Time a client has to take a whole response.
inline constexpr std::chrono::seconds kWriteTimeout{30};
// After a stop is asked for: how long requests already being handled may
// take to finish and be answered before the server closes what is left.
inline constexpr std::chrono::seconds kShutdownWaitMax{30};

// Connections open at once; one more is closed as soon as it is accepted.
// Each costs a socket and at most kReadBufferBytesMax + kBodyBytesMax.
inline constexpr size_t kConnectionsMax = 2'048;
// Requests on one kept-alive connection before the server closes it.
inline constexpr size_t kKeepAliveRequestsMax = 10'000;
// Connections waiting to be accepted (the listen backlog): a burst of
// clients is queued instead of dropped into a 1 s SYN retransmit.
inline constexpr int kListenBacklog = 1'024;

// Threads that parse and write (asynchronous, so two serve thousands of
// connections) and threads that run handlers, which may block: an append
// waits for its group commit, a point-in-time report folds the log.
inline constexpr size_t kIoThreads = 2;
inline constexpr size_t kHandlerThreads = 64;

}  // namespace aidledger::http::limits

#endif  // AIDLEDGER_SERVER_HTTP_LIMITS_H_
