// The proto JSON of a report, written directly.
//
// protobuf's MessageToJsonString serializes the message to bytes and renders
// those through a generic object stream: 85 ms for the /v1/balances report
// of 3,650 regions, which every new head state renders again. This writer
// walks the message by reflection and prints the same bytes as
// MessageToJsonString with proto field names, no whitespace, enums by name
// and, when `defaults`, primitive fields at their default values too. A
// test holds it to that: every code point's escaping, every field kind the
// reports use, and real reports of a random ledger.
//
// It handles messages built of strings, integers, bools, enums, Timestamp
// fields, nested such messages and repeated fields of them. Anything else
// (maps, floats, bytes, other well-known types) is not handled:
// IsPlainMessage says so and the caller uses protobuf.
#ifndef AIDLEDGER_APP_JSON_WRITER_H_
#define AIDLEDGER_APP_JSON_WRITER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace aidledger::app {

// True when AppendJson can write messages of this type with `defaults`.
bool IsPlainMessage(const google::protobuf::Descriptor* descriptor, bool defaults);

// Appends the JSON of `message` to `out`. REQUIRES:
// IsPlainMessage(message.GetDescriptor(), defaults).
void AppendJson(const google::protobuf::Message& message, bool defaults, std::string* out);

// Appends `text` (valid UTF-8) as a JSON string, escaped as AppendJson
// escapes strings: for the few JSON documents written field by field.
void AppendJsonString(absl::string_view text, std::string* out);

// Whether AppendJsonString writes `text` as it is between the quotes: ASCII
// that JSON and HTML need not escape, and U+3000..U+CFFF (Chinese names).
bool IsPlainJsonText(absl::string_view text);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_JSON_WRITER_H_
