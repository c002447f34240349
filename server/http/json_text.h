// JSON text for bodies that carry words from a request (error messages
// quoting a parameter, a field, a token's name). Every such body is built
// here, never by concatenation, so that it always parses: control
// characters are escaped as \uXXXX, U+2028 and U+2029 too (JavaScript
// treats them as line ends), and bytes that are not valid UTF-8 are
// replaced by U+FFFD (a broken sequence and the continuation bytes after
// it by one).
#ifndef AIDLEDGER_SERVER_HTTP_JSON_TEXT_H_
#define AIDLEDGER_SERVER_HTTP_JSON_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace aidledger::http {

// Appends `text` as a quoted JSON string.
void AppendJsonString(absl::string_view text, std::string* out);

// {"error":{"reason":R,"field":F,"message":M}}, with reason and field left
// out when empty.
std::string ErrorJson(absl::string_view message, absl::string_view reason = "",
                      absl::string_view field = "");

}  // namespace aidledger::http

#endif  // AIDLEDGER_SERVER_HTTP_JSON_TEXT_H_
