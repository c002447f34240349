#include "app/json_writer.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "base/check.h"
#include "base/limits.h"

namespace aidledger::app {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

using limits::kJsonWriterDepthMax;

// The code points above ASCII that protobuf's JSON printer writes as \u
// escapes (C1 controls and Unicode format characters), as ranges.
struct Range {
  uint32_t first, last;
};
constexpr Range kEscapedRanges[] = {
    {0x80, 0x9f},       {0xad, 0xad},       {0x600, 0x603},     {0x6dd, 0x6dd},
    {0x70f, 0x70f},     {0x17b4, 0x17b5},   {0x200b, 0x200f},   {0x2028, 0x202e},
    {0x2060, 0x2064},   {0x206a, 0x206f},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},
    {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
};

bool IsEscaped(uint32_t point) {
  for (const Range& range : kEscapedRanges) {
    if (point >= range.first && point <= range.last) return true;
  }
  return false;
}

void AppendUnit(uint32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append("\\u");
  for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(unit >> shift) & 0xf]);
}

void AppendEscapedPoint(uint32_t point, std::string* out) {
  if (point < 0x10000) return AppendUnit(point, out);
  point -= 0x10000;  // a surrogate pair, as protobuf writes it
  AppendUnit(0xd800 + (point >> 10), out);
  AppendUnit(0xdc00 + (point & 0x3ff), out);
}

// Whether ASCII `c` is written as itself.
constexpr bool IsPlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
}

// IsPlainAscii by table: PlainRun asks it of every byte a trace writes.
constexpr std::array<bool, 0x80> kPlainAscii = [] {
  std::array<bool, 0x80> plain{};
  for (unsigned char c = 0; c < 0x80; ++c) plain[c] = IsPlainAscii(c);
  return plain;
}();

// The lead bytes of the three-byte UTF-8 sequences of U+3000..U+CFFF (CJK
// punctuation, kana, the unified ideographs, Hangul), none of which is in
// kEscapedRanges: a region's or a project's name is written as itself.
constexpr unsigned char kPlainLeadFirst = 0xe3, kPlainLeadLast = 0xec;

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// The length of the run of `text` from `start` written as itself: plain
// ASCII, and whole sequences of U+3000..U+CFFF.
size_t PlainRun(absl::string_view text, size_t start) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t end = start;
  while (end < text.size()) {
    const unsigned char c = bytes[end];
    if (c < 0x80) {
      if (!kPlainAscii[c]) break;
      ++end;
    } else if (c >= kPlainLeadFirst && c <= kPlainLeadLast && text.size() - end >= 3 &&
               IsContinuation(bytes[end + 1]) && IsContinuation(bytes[end + 2])) {
      end += 3;
    } else {
      break;
    }
  }
  return end - start;
}

}  // namespace

bool IsPlainJsonText(absl::string_view text) { return PlainRun(text, 0) == text.size(); }

// `text` is valid UTF-8 (protobuf checks string fields on parse and the
// ledger on every input).
void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const size_t plain = PlainRun(text, i);  // ids, hashes, dates: one append
    if (plain > 0) {
      out->append(text.data() + i, plain);
      i += plain;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        case '<': case '>': case 0x7f: AppendUnit(c, out); break;
        default:
          if (c < 0x20) {
            AppendUnit(c, out);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    AIDLEDGER_CHECK(i + length <= text.size());
    uint32_t point = c & (length == 2 ? 0x1f : length == 3 ? 0x0f : 0x07);
    for (size_t k = 1; k < length; ++k) point = (point << 6) | (text[i + k] & 0x3f);
    if (IsEscaped(point)) {
      AppendEscapedPoint(point, out);
    } else {
      out->append(text.data() + i, length);
    }
    i += length;
  }
  out->push_back('"');
}

namespace {

bool IsTimestamp(const Descriptor* descriptor) {
  return descriptor->full_name() == "google.protobuf.Timestamp";
}

// The seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the range
// protobuf prints (RFC 3339's four-digit years).
constexpr int64_t kTimestampSecondsMin = -62'135'596'800;
constexpr int64_t kTimestampSecondsMax = 253'402'300'799;

// A Timestamp field as protobuf prints it: RFC 3339 in UTC, with 3, 6 or 9
// fractional digits, as few as hold the nanoseconds, or none.
void AppendTimestamp(const Message& timestamp, std::string* out) {
  const Descriptor* descriptor = timestamp.GetDescriptor();
  const Reflection* reflection = timestamp.GetReflection();
  const int64_t seconds = reflection->GetInt64(timestamp, descriptor->FindFieldByNumber(1));
  const int32_t nanos = reflection->GetInt32(timestamp, descriptor->FindFieldByNumber(2));
  // Events read from a ledger hold times CheckRecordedAt admitted; protobuf
  // refuses to print anything outside its range, and so does this.
  AIDLEDGER_CHECK(seconds >= kTimestampSecondsMin && seconds <= kTimestampSecondsMax &&
                  nanos >= 0 && nanos <= 999'999'999);
  const absl::CivilSecond civil =
      absl::ToCivilSecond(absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
  absl::StrAppendFormat(out, "\"%04d-%02d-%02dT%02d:%02d:%02d", civil.year(), civil.month(),
                        civil.day(), civil.hour(), civil.minute(), civil.second());
  if (nanos % 1'000'000 == 0) {
    if (nanos != 0) absl::StrAppendFormat(out, ".%03d", nanos / 1'000'000);
  } else if (nanos % 1000 == 0) {
    absl::StrAppendFormat(out, ".%06d", nanos / 1000);
  } else {
    absl::StrAppendFormat(out, ".%09d", nanos);
  }
  out->append("Z\"");
}

// With `defaults`, protobuf 3.21 prints a message's Timestamp fields after
// all its other fields (its default-value writer adds them last), so those
// messages stay protobuf's; without, fields come in declaration order.
bool IsPlain(const Descriptor* descriptor, bool defaults,
             absl::flat_hash_set<const Descriptor*>* seen) {
  if (!seen->insert(descriptor).second) return true;  // already being checked
  if (IsTimestamp(descriptor)) return !defaults;  // as a field: AppendTimestamp
  if (descriptor->file()->package() == "google.protobuf") return false;  // JSON of its own
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->is_map()) return false;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return false;
      case FieldDescriptor::CPPTYPE_STRING:
        if (field->type() == FieldDescriptor::TYPE_BYTES) return false;
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (!IsPlain(field->message_type(), defaults, seen)) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

void AppendValue(const Message& message, const FieldDescriptor* field, int index, bool defaults,
                 int depth, std::string* out);

void AppendMessage(const Message& message, bool defaults, int depth, std::string* out) {
  AIDLEDGER_CHECK(depth < kJsonWriterDepthMax);
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  out->push_back('{');
  bool first = true;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    int count = 0;
    if (field->is_repeated()) {
      count = reflection->FieldSize(message, field);
      if (count == 0 && !defaults) continue;
    } else if (field->has_presence()) {  // messages, oneof members, `optional`
      if (!reflection->HasField(message, field)) continue;
    } else if (!defaults && !reflection->HasField(message, field)) {
      continue;  // proto3: HasField is "differs from the default"
    }
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(field->name());
    out->append("\":");
    if (!field->is_repeated()) {
      AppendValue(message, field, -1, defaults, depth, out);
      continue;
    }
    out->push_back('[');
    for (int k = 0; k < count; ++k) {
      if (k > 0) out->push_back(',');
      AppendValue(message, field, k, defaults, depth, out);
    }
    out->push_back(']');
  }
  out->push_back('}');
}

// The value of `field` (element `index` of a repeated field, else -1).
void AppendValue(const Message& message, const FieldDescriptor* field, int index, bool defaults,
                 int depth, std::string* out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedInt32(message, field, index) : r->GetInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedUInt32(message, field, index) : r->GetUInt32(message, field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:  // 64-bit integers are JSON strings
      absl::StrAppend(out, "\"", repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field), "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"", repeated ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field), "\"");
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((repeated ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field)) ? "true" : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
      const EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
      if (value != nullptr) {
        absl::StrAppend(out, "\"", value->name(), "\"");
      } else {
        absl::StrAppend(out, number);  // a value this build does not know
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text = repeated ? r->GetRepeatedStringReference(message, field, index, &scratch)
                                         : r->GetStringReference(message, field, &scratch);
      AppendJsonString(text, out);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& value =
          repeated ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field);
      if (IsTimestamp(field->message_type())) {
        AppendTimestamp(value, out);
      } else {
        AppendMessage(value, defaults, depth + 1, out);
      }
      break;
    }
    default:
      AIDLEDGER_CHECK(false);  // IsPlainMessage admits no other kind
  }
}

}  // namespace

bool IsPlainMessage(const Descriptor* descriptor, bool defaults) {
  // Remembered per type: `log --format jsonl` asks once per event. Generated
  // descriptors live as long as the program, and there are as many entries
  // as message types the program prints.
  static absl::Mutex mutex(absl::kConstInit);
  static auto* known ABSL_GUARDED_BY(mutex) =
      new absl::flat_hash_map<std::pair<const Descriptor*, bool>, bool>();
  absl::MutexLock lock(&mutex);
  auto [it, inserted] = known->try_emplace({descriptor, defaults}, false);
  if (inserted) {
    absl::flat_hash_set<const Descriptor*> seen;
    // A Timestamp is written as a field only; on its own it is protobuf's.
    it->second = !IsTimestamp(descriptor) && IsPlain(descriptor, defaults, &seen);
  }
  return it->second;
}

void AppendJson(const Message& message, bool defaults, std::string* out) {
  AppendMessage(message, defaults, 0, out);
}

}  // namespace aidledger::app
