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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  // Extra header fields; the transport adds Content-Length and Connection.
  std::vector<std::pair<std::string, std::string>> headers;
  std::shared_ptr<const std::string> body;  // null: no body

  // Sets `name` to `value`, replacing a field of that name (ASCII-case-insensitive).
  void SetHeader(absl::string_view name, absl::string_view value);
  std::optional<absl::string_view> Header(absl::string_view name) const;
};

// A response whose body is `body`.
Response MakeResponse(int status, std::string body,
                      std::string content_type = "application/json");

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_MESSAGE_H_
