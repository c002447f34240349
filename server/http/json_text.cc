#include "server/http/json_text.h"

#include <cstdint>

namespace aidledger::http {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

void AppendEscape(uint32_t point, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(point >> shift) & 0xf]);
}

// The length of the valid UTF-8 sequence at the start of `text` (1 to 4),
// or 0 when it is not one (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF).
size_t ValidSequenceLength(absl::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      AppendEscape(c, out);
      ++i;
    } else if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else if (const size_t length = ValidSequenceLength(text.substr(i)); length == 0) {
      out->append(kReplacement);
      ++i;
      // The rest of a broken sequence (continuation bytes) is replaced as one.
      while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80) ++i;
    } else if (length == 3 && c == 0xe2 && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
                static_cast<unsigned char>(text[i + 2]) == 0xa9)) {
      AppendEscape(static_cast<unsigned char>(text[i + 2]) == 0xa8 ? 0x2028 : 0x2029, out);
      i += 3;
    } else if (length == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
      AppendEscape(static_cast<unsigned char>(text[i + 1]), out);  // C1 controls, U+0080..U+009F
      i += 2;
    } else {
      out->append(text.data() + i, length);
      i += length;
    }
  }
  out->push_back('"');
}

std::string ErrorJson(absl::string_view message, absl::string_view reason,
                      absl::string_view field) {
  std::string out = "{\"error\":{";
  if (!reason.empty()) {
    out += "\"reason\":";
    AppendJsonString(reason, &out);
    out += ',';
  }
  if (!field.empty()) {
    out += "\"field\":";
    AppendJsonString(field, &out);
    out += ',';
  }
  out += "\"message\":";
  AppendJsonString(message, &out);
  out += "}}";
  return out;
}

}  // namespace aidledger::http
