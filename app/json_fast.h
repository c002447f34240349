// A fast reading of JSON into a protobuf message, for the lines `import`
// and `restore` read by the million: simdjson parses the text, and the
// message is filled through reflection following protobuf's JSON mapping
// (a field by its proto name or its JSON name, 64-bit integers as a string
// or a number, enums by name or number, a Timestamp as RFC 3339).
//
// It never decides a refusal. Whatever it is not sure of (a key it does not
// know, a key twice, null, a float, bytes, a map, any other well-known
// type, a number written as a string where it need not be, text that is not
// strict JSON) it hands back untouched as kNotHandled, and the caller parses
// the text with protobuf's JsonStringToMessage as before, which then gives
// the answer and the message. So kParsed promises: protobuf's parser (told
// to refuse unknown fields) accepts the text and makes a message whose
// serialization is byte-equal to `*message`, and CheckJsonObject accepts
// the text too. tests/fuzz/json_fast_fuzz.cc checks that promise.
#ifndef AIDLEDGER_APP_JSON_FAST_H_
#define AIDLEDGER_APP_JSON_FAST_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "google/protobuf/message.h"

namespace aidledger::app {

// A longer text goes to protobuf's parser: the fast path keeps a buffer of
// about this size per thread, and no event line comes near it.
inline constexpr size_t kFastJsonBytesMax = 256 * 1024;

enum class FastJson { kParsed, kNotHandled };

// Reads the JSON object `json` into `*message`, which is cleared first.
// Top-level keys named in `skipped` are read past (an export line's "seq",
// "hash" and "prev_hash" beside the event's fields) when each is given once
// and holds no object or array. On kNotHandled `*message` holds anything: clear
// it before parsing again.
FastJson FastJsonToMessage(absl::string_view json, google::protobuf::Message* message,
                           absl::Span<const absl::string_view> skipped = {});

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_JSON_FAST_H_
