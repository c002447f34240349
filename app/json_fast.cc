#include "app/json_fast.h"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "app/json_check.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/time_util.h"

namespace aidledger::app {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using simdjson::dom::element;
using simdjson::dom::element_type;

// simdjson's std::string_view as Abseil's (Debian's is its own type).
absl::string_view View(std::string_view text) { return absl::string_view(text.data(), text.size()); }

// A message type's fields under both names protobuf's JSON parser files a
// key under: the proto name ("event_id") and the JSON name ("eventId").
class FieldNames {
 public:
  const FieldDescriptor* Find(const Descriptor* type, std::string_view key) {
    auto [it, inserted] = by_type_.try_emplace(type);
    if (inserted) {
      for (int i = 0; i < type->field_count(); ++i) {
        const FieldDescriptor* field = type->field(i);
        it->second.emplace(field->name(), field);
        it->second.emplace(field->json_name(), field);
      }
    }
    auto found = it->second.find(View(key));
    return found == it->second.end() ? nullptr : found->second;
  }

 private:
  // Bounded by the message types linked in: a few dozen.
  absl::flat_hash_map<const Descriptor*, absl::flat_hash_map<std::string, const FieldDescriptor*>>
      by_type_;
};

// A 64-bit integer as protobuf writes it in JSON, "-12" or "12": digits
// with no leading zero, no sign but a minus, no space. Anything else is for
// protobuf's parser to judge.
bool CanonicalInteger(std::string_view text, bool allow_minus) {
  const bool negative = allow_minus && !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || (text.front() == '0' && (text.size() > 1 || negative))) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The Timestamp in `text` if it is in UTC ("...Z") and protobuf reads it.
bool ReadTimestamp(std::string_view text, Message* message) {
  if (text.empty() || text.back() != 'Z') return false;
  google::protobuf::Timestamp parsed;
  if (!google::protobuf::util::TimeUtil::FromString(std::string(text), &parsed)) return false;
  message->CopyFrom(parsed);
  return true;
}

class Reader {
 public:
  bool Object(simdjson::dom::object object, google::protobuf::Message* message, int depth,
               absl::Span<const absl::string_view> skipped) {
    if (depth > kJsonDepthMax) return false;
    const Descriptor* type = message->GetDescriptor();
    const Reflection* reflection = message->GetReflection();
    // Each key once, counting its two spellings as one (CheckJsonObject).
    absl::InlinedVector<const void*, 32> seen;
    for (simdjson::dom::key_value_pair member : object) {
      const void* identity = nullptr;
      const FieldDescriptor* field = names_.Find(type, member.key);
      if (field != nullptr) {
        identity = field;
      } else {
        for (const absl::string_view& name : skipped) {
          if (name == View(member.key)) identity = &name;
        }
        if (identity == nullptr) return false;  // unknown: protobuf words the refusal
      }
      for (const void* earlier : seen) {
        if (earlier == identity) return false;
      }
      seen.push_back(identity);
      if (field == nullptr) {
        // An export line's seq and hashes are a number and strings. An
        // object or array in their place is protobuf's and CheckJsonObject's
        // to judge: it may hold a key twice.
        const element_type kind = member.value.type();
        if (kind == element_type::OBJECT || kind == element_type::ARRAY) return false;
        continue;
      }
      if (!Field(member.value, message, reflection, field, depth)) return false;
    }
    return true;
  }

 private:
  bool Field(element value, google::protobuf::Message* message, const Reflection* reflection,
             const FieldDescriptor* field, int depth) {
    if (field->is_map()) return false;
    if (field->is_repeated()) {
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) return false;
      for (element item : items) {
        if (!Value(item, message, reflection, field, depth + 1)) return false;
      }
      return true;
    }
    if (const auto* oneof = field->real_containing_oneof();
        oneof != nullptr && reflection->HasOneof(*message, oneof)) {
      return false;  // a second member of one oneof
    }
    return Value(value, message, reflection, field, depth);
  }

  // One value of `field` (an item when it is repeated).
  bool Value(element value, google::protobuf::Message* message, const Reflection* reflection,
             const FieldDescriptor* field, int depth) {
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string_view text;
        if (field->type() != FieldDescriptor::TYPE_STRING || value.get_string().get(text) != simdjson::SUCCESS) {
          return false;  // bytes are base64: protobuf's
        }
        if (repeated) {
          reflection->AddString(message, field, std::string(text));
        } else {
          reflection->SetString(message, field, std::string(text));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t number;
        if (!Int64(value, &number)) return false;
        repeated ? reflection->AddInt64(message, field, number) : reflection->SetInt64(message, field, number);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t number;
        if (!UInt64(value, &number)) return false;
        repeated ? reflection->AddUInt64(message, field, number) : reflection->SetUInt64(message, field, number);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t number;
        if (!Narrow(value, &number)) return false;
        repeated ? reflection->AddInt32(message, field, number) : reflection->SetInt32(message, field, number);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t number;
        if (!Narrow(value, &number)) return false;
        repeated ? reflection->AddUInt32(message, field, number) : reflection->SetUInt32(message, field, number);
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool flag;
        if (value.get_bool().get(flag) != simdjson::SUCCESS) return false;
        repeated ? reflection->AddBool(message, field, flag) : reflection->SetBool(message, field, flag);
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumValueDescriptor* named = Enum(value, field);
        if (named == nullptr) return false;
        repeated ? reflection->AddEnum(message, field, named) : reflection->SetEnum(message, field, named);
        return true;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return SubMessage(value, message, reflection, field, depth);
      default:
        return false;  // float and double: NaN, Infinity and rounding are protobuf's
    }
  }

  bool SubMessage(element value, google::protobuf::Message* message, const Reflection* reflection,
                  const FieldDescriptor* field, int depth) {
    const Descriptor* type = field->message_type();
    google::protobuf::Message* child =
        field->is_repeated() ? reflection->AddMessage(message, field) : reflection->MutableMessage(message, field);
    if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
      std::string_view text;
      return value.get_string().get(text) == simdjson::SUCCESS && ReadTimestamp(text, child);
    }
    if (type->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return false;
    simdjson::dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return false;
    return Object(object, child, depth + 1, {});
  }

  // A 32-bit integer written as a JSON number within its type's range
  // (protobuf also reads "12" for one: that is its to judge).
  template <typename T>
  static bool Narrow(element value, T* out) {
    int64_t number;
    if (value.type() != element_type::INT64 || value.get_int64().get(number) != simdjson::SUCCESS ||
        number < std::numeric_limits<T>::min() || number > std::numeric_limits<T>::max()) {
      return false;
    }
    *out = static_cast<T>(number);
    return true;
  }

  static bool Int64(element value, int64_t* number) {
    if (value.type() == element_type::INT64) return value.get_int64().get(*number) == simdjson::SUCCESS;
    std::string_view text;
    return value.get_string().get(text) == simdjson::SUCCESS && CanonicalInteger(text, true) &&
           absl::SimpleAtoi(View(text), number);
  }

  static bool UInt64(element value, uint64_t* number) {
    if (value.type() == element_type::INT64 || value.type() == element_type::UINT64) {
      return value.get_uint64().get(*number) == simdjson::SUCCESS;  // refuses a negative
    }
    std::string_view text;
    return value.get_string().get(text) == simdjson::SUCCESS && CanonicalInteger(text, false) &&
           absl::SimpleAtoi(View(text), number);
  }

  // The enum value named (or numbered) by `value`, if the enum has it.
  static const EnumValueDescriptor* Enum(element value, const FieldDescriptor* field) {
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      return field->enum_type()->FindValueByName(std::string(text));
    }
    int32_t number;
    return Narrow(value, &number) ? field->enum_type()->FindValueByNumber(number) : nullptr;
  }

  FieldNames names_;
};

// Per thread: simdjson's parser keeps its buffers between texts, and the
// padded copy of the text is reused too.
struct ThreadState {
  simdjson::dom::parser parser;
  std::string padded;
  Reader reader;
};

}  // namespace

FastJson FastJsonToMessage(absl::string_view json, google::protobuf::Message* message,
                           absl::Span<const absl::string_view> skipped) {
  if (json.size() > kFastJsonBytesMax) return FastJson::kNotHandled;
  thread_local ThreadState state;
  // simdjson reads up to SIMDJSON_PADDING bytes past the text's end.
  state.padded.assign(json.data(), json.size());
  state.padded.resize(json.size() + simdjson::SIMDJSON_PADDING, ' ');
  element root;
  if (state.parser.parse(state.padded.data(), json.size(), false).get(root) != simdjson::SUCCESS) {
    return FastJson::kNotHandled;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return FastJson::kNotHandled;
  message->Clear();
  return state.reader.Object(object, message, 1, skipped) ? FastJson::kParsed : FastJson::kNotHandled;
}

}  // namespace aidledger::app
