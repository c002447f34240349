// A request as the transport hands it to a handler, and the response a
// handler gives back. No Boost type appears here: the application builds on
// these two structs only.
#ifndef AIDLEDGER_SERVER_HTTP_MESSAGE_H_
#define AIDLEDGER_SERVER_HTTP_MESSAGE_H_

#include <any>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger::http {

struct Request {
  std::string method;  // as sent, e.g. "GET"
  std::string path;    // the target up to '?', as sent (never decoded)
  // Query parameters, percent-decoded, in target order; each name once.
  std::vector<std::pair<std::string, std::string>> params;
  // Header fields with lower-case names, in the order sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;    // filled only for the handler, never for Admit
  bool has_body = false;  // the head announced a body (Content-Length > 0 or chunked)
  // The request came over TLS.
  bool secure = false;
  // Under mutual TLS: the common name (CN) of the client certificate, which
  // the handshake verified against the client CA; empty otherwise.
  std::string client_name;
  // Whatever Handler::Admit wants Handler::Handle to have (the caller).
  std::any context;

  // The first field of that lower-case name, or nullopt.
  std::optional<absl::string_view> Header(absl::string_view name) const;
  // The value of a query parameter, or nullopt when absent.
  std::optional<absl::string_view> Param(absl::string_view name) const;
};

// A body made as it is sent, a piece at a time (a stored evidence file of
// up to a GiB): the transport announces size() bytes (Content-Length) and
// asks for the pieces on a handler thread, one at a time, each written
// before the next is asked for. A piece that fails, or pieces that overrun
// size() or end short of it, cut the connection: the client sees fewer
// bytes than announced, never a whole-looking wrong body.
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual uint64_t size() const = 0;
  // The next piece: not empty while bytes remain.
  virtual absl::StatusOr<std::string> Next() = 0;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // Extra header fields; the transport adds Content-Length and Connection.
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const std::string> body;  // null: no body
  // Set instead of `body` for a body sent as it is made (BodySource).
  std::shared_ptr<BodySource> stream;

  // Sets `name` to `value`, replacing a field of that name (ASCII-case-insensitive).
  void SetHeader(absl::string_view name, absl::string_view value);
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

// A response whose body is `body`.
Response MakeResponse(int status, std::string body,
                      std::string content_type = "application/json");

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_MESSAGE_H_
