#include "app/json_fast.h"

#include <random>
#include <string>
#include <vector>

#include "aidledger/v1/events.pb.h"
#include "aidledger/v1/export.pb.h"
#include "app/import.h"
#include "app/output.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "tests/testing/testing.h"

namespace aidledger::app {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What protobuf's own parser (unknown fields refused) makes of `json`.
absl::StatusOr<std::string> ProtobufReads(absl::string_view json, const Message& prototype) {
  std::unique_ptr<Message> message(prototype.New());
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message.get(),
      google::protobuf::util::JsonParseOptions());
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return message->SerializeAsString();
}

// Sets every field of `message` below depth 4 to a random value of its
// type (two items for a repeated one; one member of each oneof, the
// `member`-th modulo its count), numbers reaching their type's limits.
void FillEveryField(Message* message, std::mt19937_64& random, int member, int depth) {
  const Descriptor* type = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
    reflection->SetInt64(message, type->FindFieldByName("seconds"), 1'700'000'000 + random() % 1'000'000);
    reflection->SetInt32(message, type->FindFieldByName("nanos"), (random() % 4) * 250'000'000);
    return;
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (const auto* oneof = field->real_containing_oneof();
        oneof != nullptr && oneof->field(member % oneof->field_count()) != field) {
      continue;
    }
    const int count = field->is_repeated() ? 2 : 1;
    for (int n = 0; n < count; ++n) {
      const bool extreme = random() % 3 == 0;
      const bool repeated = field->is_repeated();
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING: {
          const std::string text = absl::StrCat("定西 \"", random() % 1000, "\"\\\n\t\u00e9");
          repeated ? reflection->AddString(message, field, text) : reflection->SetString(message, field, text);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT64: {
          const int64_t v = extreme ? (random() % 2 ? INT64_MAX : INT64_MIN) : static_cast<int64_t>(random() % 2'000'000) - 1'000'000;
          repeated ? reflection->AddInt64(message, field, v) : reflection->SetInt64(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT64: {
          const uint64_t v = extreme ? UINT64_MAX : random() % 1'000'000;
          repeated ? reflection->AddUInt64(message, field, v) : reflection->SetUInt64(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_INT32: {
          const int32_t v = extreme ? (random() % 2 ? INT32_MAX : INT32_MIN) : static_cast<int32_t>(random() % 100'000) - 50'000;
          repeated ? reflection->AddInt32(message, field, v) : reflection->SetInt32(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_UINT32: {
          const uint32_t v = extreme ? UINT32_MAX : random() % 100'000;
          repeated ? reflection->AddUInt32(message, field, v) : reflection->SetUInt32(message, field, v);
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          repeated ? reflection->AddBool(message, field, random() % 2) : reflection->SetBool(message, field, random() % 2);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* value = field->enum_type()->value(random() % field->enum_type()->value_count());
          repeated ? reflection->AddEnum(message, field, value) : reflection->SetEnum(message, field, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth < 4) {
            Message* child = repeated ? reflection->AddMessage(message, field) : reflection->MutableMessage(message, field);
            FillEveryField(child, random, member, depth + 1);
          }
          break;
        default:
          FAIL() << field->full_name() << ": a type the events do not use; extend this test";
      }
    }
  }
}

// Every payload of an Event, and an ExportedEvent, filled at random and
// printed three ways (our writer; protobuf's with JSON names and enums as
// numbers; protobuf's with proto names): the fast path reads each, and
// reads it as protobuf does, byte for byte. Were it to hand any back, an
// import of real events would silently run at the slow path's speed.
TEST(FastJsonTest, ReadsEveryEventAsProtobufDoes) {
  const uint64_t seed = 20261203;
  std::cout << "seed " << seed << "\n";
  std::mt19937_64 random(seed);
  const int payloads = v1::Event::descriptor()->FindOneofByName("payload")->field_count();
  ASSERT_GT(payloads, 15);
  for (int round = 0; round < 20; ++round) {
    for (int member = 0; member < payloads; ++member) {
      v1::ExportedEvent exported;
      FillEveryField(&exported, random, member, 0);
      v1::Event event;
      ASSERT_TRUE(event.ParseFromString(exported.SerializeAsString()));
      event.DiscardUnknownFields();
      google::protobuf::util::JsonPrintOptions camel;
      camel.always_print_enums_as_ints = true;
      google::protobuf::util::JsonPrintOptions proto_names;
      proto_names.preserve_proto_field_names = true;
      for (const Message* message : {static_cast<const Message*>(&event), static_cast<const Message*>(&exported)}) {
        std::vector<std::string> texts = {ToJson(*message, false)};
        for (const auto& options : {camel, proto_names}) {
          std::string text;
          ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*message, &text, options).ok());
          texts.push_back(text);
        }
        for (const std::string& text : texts) {
          std::unique_ptr<Message> fast(message->New());
          ASSERT_EQ(FastJsonToMessage(text, fast.get()), FastJson::kParsed) << text;
          ASSERT_THAT(ProtobufReads(text, *message), testing::IsOkAndHolds(fast->SerializeAsString())) << text;
          EXPECT_EQ(fast->SerializeAsString(), message->SerializeAsString()) << text;
        }
      }
    }
  }
}

// What the fast path reads and what it leaves to protobuf's parser, case by
// case. Whatever it reads, protobuf reads the same.
TEST(FastJsonTest, LeavesToProtobufWhatItIsNotSureOf) {
  struct Case {
    const char* text;
    bool parsed;
  };
  const Case cases[] = {
      {R"({})", true},
      {R"( {"event_id":"a"} )", true},
      {R"({"eventId":"a","memo":"\u5b9a\u897f \ud83d\ude00"})", true},
      {R"({"sale_recorded":{"amount_fen":"12"}})", true},
      {R"({"sale_recorded":{"amount_fen":12}})", true},
      {R"({"sale_recorded":{"amountFen":"-9223372036854775808"}})", true},
      {R"({"sequence":"18446744073709551615"})", true},
      {R"({"sequence":18446744073709551615})", true},
      {R"({"recorded_at":"2024-01-02T03:04:05.250Z"})", true},
      {R"({"funds_allocated":{"source":"FISCAL"}})", true},
      {R"({"funds_allocated":{"source":1}})", true},
      // Handed back: protobuf decides.
      {R"({"event_id":"a","eventId":"b"})", false},          // a key twice
      {R"({"event_id":"a","event_id":"a"})", false},
      {R"({"evnt_id":"a"})", false},                         // unknown
      {R"({"event_id":null})", false},                       // null
      {R"({"event_id":5})", false},                          // wrong type
      {R"({"sale_recorded":{"amount_fen":"012"}})", false},  // not as protobuf writes it
      {R"({"sale_recorded":{"amount_fen":" 12"}})", false},
      {R"({"sale_recorded":{"amount_fen":"-0"}})", false},
      {R"({"sale_recorded":{"amount_fen":1.0}})", false},
      {R"({"sale_recorded":{"amount_fen":"9223372036854775808"}})", false},
      {R"({"sequence":-1})", false},
      {R"({"recorded_at":"2024-01-02T03:04:05+08:00"})", false},
      {R"({"funds_allocated":{"source":"fiscal"}})", false},
      {R"({"funds_allocated":{"source":9999}})", false},
      {R"({"sale_recorded":{},"funds_allocated":{}})", false},  // two of one oneof
      {R"({"event_id":"a"} x)", false},
      {R"([{"event_id":"a"}])", false},
      {R"({"event_id":"a",})", false},
  };
  for (const Case& c : cases) {
    v1::Event event;
    const FastJson outcome = FastJsonToMessage(c.text, &event);
    EXPECT_EQ(outcome, c.parsed ? FastJson::kParsed : FastJson::kNotHandled) << c.text;
    if (outcome == FastJson::kParsed) {
      EXPECT_THAT(ProtobufReads(c.text, event), testing::IsOkAndHolds(event.SerializeAsString())) << c.text;
    }
  }
}

// An export line's hashes are read past at the top level only, once each;
// and a draft read either way is the same draft.
TEST(FastJsonTest, SkipsExportHashesOnlyAtTheTop) {
  constexpr absl::string_view kSkipped[] = {"seq", "hash", "prev_hash"};
  v1::Event event;
  EXPECT_EQ(FastJsonToMessage(R"({"seq":7,"hash":"h","prev_hash":null,"event_id":"a"})", &event, kSkipped),
            FastJson::kParsed);
  EXPECT_EQ(event.event_id(), "a");
  // What a skipped key holds is read past only when it holds no key: one
  // given twice in there is CheckJsonObject's refusal (found by the fuzzer).
  EXPECT_EQ(FastJsonToMessage(R"({"seq":{"a":1,"a":2},"event_id":"a"})", &event, kSkipped),
            FastJson::kNotHandled);
  EXPECT_EQ(FastJsonToMessage(R"({"hash":[{"a":1,"a":2}],"event_id":"a"})", &event, kSkipped),
            FastJson::kNotHandled);
  EXPECT_EQ(FastJsonToMessage(R"({"hash":"a","hash":"b"})", &event, kSkipped), FastJson::kNotHandled);
  EXPECT_EQ(FastJsonToMessage(R"({"sale_recorded":{"hash":"a"}})", &event, kSkipped), FastJson::kNotHandled);
  EXPECT_EQ(FastJsonToMessage(R"({"hash":"a"})", &event), FastJson::kNotHandled);

  // The same refusals as before the fast path, worded by the slow one.
  EXPECT_THAT(DraftFromJson(R"({"hash":"a","hash":"b"})", JsonExtras::kExportHashes).status(),
              testing::RejectedWith(v1::FIELD_DUPLICATE, "hash: is given twice"));
  EXPECT_THAT(DraftFromJson(R"({"seq":"1","sale_recorded":{"region_code":"621100","amount_fen":"1"}})",
                            JsonExtras::kExportHashes),
              testing::IsOk());
}

}  // namespace
}  // namespace aidledger::app
