// A raw HTTP/1.1 client over one TCP connection, for tests that must send
// what no well-behaved client would (split heads, conflicting framing,
// floods) and see exactly what comes back.
#ifndef AIDLEDGER_TESTS_SERVER_RAW_HTTP_H_
#define AIDLEDGER_TESTS_SERVER_RAW_HTTP_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace aidledger::testing {

struct RawResponse {
  int status = 0;  // 0: no status line arrived
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  bool any_bytes = false;  // some byte of a response arrived
  bool complete = false;   // the whole head and Content-Length bytes of body arrived

  std::string Header(absl::string_view name) const;  // "" when absent
  bool HasHeader(absl::string_view name) const;
};

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; ok() tells whether it did.
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // Sends all of `bytes`; false when the peer closed or reset (no SIGPIPE).
  bool Send(absl::string_view bytes);
  // Reads one response, waiting at most `timeout` in all.
  RawResponse Read(std::chrono::milliseconds timeout);
  // True when the server closes the connection within `timeout` (reading
  // and dropping whatever else it sends).
  bool ClosedWithin(std::chrono::milliseconds timeout);

 private:
  // Reads what is available into pending_, waiting until `deadline`;
  // false at end of stream, on an error, or at the deadline.
  bool Fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string pending_;
};

// One request on a new connection, and its response.
RawResponse RawExchange(int port, absl::string_view request,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The resident set of process `pid`, in bytes (0 when unreadable).
uint64_t ResidentBytes(int pid);

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_SERVER_RAW_HTTP_H_
