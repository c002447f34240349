// A strict reading of one JSON text before protobuf parses it, for what
// protobuf's parser lets through: a key given twice in one object (it keeps
// the last: "amount_fen":"100","amount_fen":"999999" stored 999999) and
// nesting deeper than any event has.
#ifndef AIDLEDGER_APP_JSON_CHECK_H_
#define AIDLEDGER_APP_JSON_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger::app {

// Objects and arrays nest at most this deep: an event is three levels.
inline constexpr int kJsonDepthMax = 16;

struct JsonShape {
  // The top-level object's members: each key (decoded) and the byte range
  // [begin, end) of the member in the text, "key":value without the comma.
  struct Member {
    std::string key;
    size_t begin, end;
  };
  std::vector<Member> members;
};

// Checks that `text` is one JSON object (RFC 8259) with no key twice in any
// object and nesting within kJsonDepthMax; returns the top-level members.
// A rejection names the key given twice (FIELD_DUPLICATE, "sale_recorded.
// amount_fen: is given twice"), or says where the text stops being JSON
// (FIELD_INVALID, "json: ...").
absl::StatusOr<JsonShape> CheckJsonObject(absl::string_view text);

// `text` without the top-level members whose keys are in `drop`, commas
// mended. REQUIRES: `shape` is CheckJsonObject(text).
std::string WithoutMembers(absl::string_view text, const JsonShape& shape,
                           const std::vector<absl::string_view>& drop);

}  // namespace aidledger::app

#endif  // AIDLEDGER_APP_JSON_CHECK_H_
