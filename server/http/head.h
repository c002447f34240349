// The checks on a request head that the parser leaves to us, in one pure
// function so that a fuzz target can drive it (tests/fuzz/http_head_fuzz.cc).
//
// Boost.Beast's parser already refuses malformed request lines and fields,
// a Content-Length with a sign or letters, two different Content-Length
// values, and Content-Length together with Transfer-Encoding. CheckHead
// adds what a server behind a proxy must also refuse (RFC 9112 section 6.3,
// RFC 9110 section 8.6): any second Content-Length field or list, even of
// equal values; a Transfer-Encoding other than exactly "chunked"; two Host
// or Authorization fields; and it splits and decodes the target.
#ifndef AIDLEDGER_SERVER_HTTP_HEAD_H_
#define AIDLEDGER_SERVER_HTTP_HEAD_H_

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/message.h"

namespace aidledger::http {

struct RawHead {
  absl::string_view method;
  absl::string_view target;
  unsigned version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1
  std::vector<std::pair<absl::string_view, absl::string_view>> fields;  // names as sent
};

// A refusal of a head: the status to answer (400, 414, 431, 505) and why.
struct HeadError {
  int status;
  std::string message;
};

// The request of a head that passes every check (body empty), or why not.
// Every refusal is answered and the connection then closed.
std::variant<Request, HeadError> CheckHead(const RawHead& head);

// The path and decoded parameters of an origin-form target
// ("/v1/balances?region=621100&as_of=2024-12-31"). '+' decodes to a space.
// Refuses a target not starting with '/', a bad %-escape, a parameter named
// twice, and more than limits::kQueryParamsMax parameters.
// The decoded parameters of a query string or a form body
// (application/x-www-form-urlencoded: "a=1&b=x+y"), with SplitTarget's
// refusals.
absl::Status ParseQuery(absl::string_view query,
                        std::vector<std::pair<std::string, std::string>>* params);

absl::Status SplitTarget(absl::string_view target, std::string* path,
                         std::vector<std::pair<std::string, std::string>>* params);

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_HEAD_H_
