#include "app/json_check.h"

#include "app/import.h"
#include "tests/testing/testing.h"

namespace aidledger::app {
namespace {

using testing::IsOk;
using testing::RejectedWith;

// One line per text: accepted, or the reason and the message.
TEST(CheckJsonObjectTest, RefusesKeysGivenTwiceAnywhereAndWhatIsNotOneObject) {
  struct Case {
    const char* text;
    v1::RejectReason reason;  // REJECT_REASON_UNSPECIFIED: accepted
    const char* message;
  };
  const Case cases[] = {
      {R"({"a":1,"b":{"c":[1,2,{"d":true}]},"e":null})", v1::REJECT_REASON_UNSPECIFIED, ""},
      {R"( { } )", v1::REJECT_REASON_UNSPECIFIED, ""},
      {R"({"a":1,"a":2})", v1::FIELD_DUPLICATE, "a: is given twice"},
      {R"({"s":{"amount_fen":"100","amount_fen":"999999"}})", v1::FIELD_DUPLICATE,
       "s.amount_fen: is given twice"},
      {R"({"a":1,"\u0061":2})", v1::FIELD_DUPLICATE, "a: is given twice"},
      {R"({"x":[{"k":1,"k":1}]})", v1::FIELD_DUPLICATE, "x.k: is given twice"},
      {R"({"a":{"b":1},"b":{"a":1}})", v1::REJECT_REASON_UNSPECIFIED, ""},  // other objects
      {R"([{"a":1}])", v1::FIELD_INVALID, "must be a JSON object"},
      {R"({"a":1} {"b":2})", v1::FIELD_INVALID, "more after the object"},
      {R"({"a":01})", v1::FIELD_INVALID, "expected ',' or '}'"},
      {R"({"a":"x)", v1::FIELD_INVALID, "not closed"},
      {"{\"a\":\"\x01\"}", v1::FIELD_INVALID, "raw control character"},
      {R"({"a":[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]})", v1::FIELD_INVALID, "nest deeper than 16"},
      {R"({a:1})", v1::FIELD_INVALID, "expected a key"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<JsonShape> shape = CheckJsonObject(c.text);
    if (c.reason == v1::REJECT_REASON_UNSPECIFIED) {
      EXPECT_THAT(shape, IsOk()) << c.text;
    } else {
      EXPECT_THAT(shape.status(), RejectedWith(c.reason, c.message)) << c.text;
    }
  }
}

TEST(CheckJsonObjectTest, DropsTopLevelMembersAndKeepsTheRest) {
  const std::string text = R"({"seq":"3", "event_id":"a","hash":"h","memo":"m,}","prev_hash":"p"})";
  absl::StatusOr<JsonShape> shape = CheckJsonObject(text);
  ASSERT_THAT(shape, IsOk());
  ASSERT_EQ(shape->members.size(), 5u);
  EXPECT_EQ(WithoutMembers(text, *shape, {"seq", "hash", "prev_hash"}), R"({"event_id":"a","memo":"m,}"})");
  EXPECT_EQ(WithoutMembers(text, *shape, {"nothing"}), text);
}

// Issue 17, items 4 and 5: unknown keys were dropped silently ("helpr_code"
// appended a sale without its helper) and the last of two keys won.
TEST(DraftFromJsonTest, UnknownAndDuplicateKeysAreRejectedNamingThem) {
  EXPECT_THAT(DraftFromJson(R"({"sale_recorded":{"region_code":"621100","helpr_code":"370200","amount_fen":"1"}})")
                  .status(),
              RejectedWith(v1::FIELD_UNKNOWN, "sale_recorded.helpr_code: is not a field"));
  EXPECT_THAT(DraftFromJson(R"({"funds_allocated":{"helper_code":"370200","recipient_code":"621100","projectid":"P","amount_fen":"1"}})")
                  .status(),
              RejectedWith(v1::FIELD_UNKNOWN, "funds_allocated.projectid: is not a field"));
  EXPECT_THAT(DraftFromJson(R"({"sale_recorded":{"region_code":"621100","amount":"5万"}})").status(),
              RejectedWith(v1::FIELD_UNKNOWN, "sale_recorded.amount: is not a field; JSON takes amount_fen"));
  EXPECT_THAT(DraftFromJson(R"({"sale_recorded":{"region_code":"621100","amount_fen":"100","amount_fen":"999999"}})")
                  .status(),
              RejectedWith(v1::FIELD_DUPLICATE, "sale_recorded.amount_fen: is given twice"));
  EXPECT_THAT(DraftFromJson(R"({"hash":"ab","sale_recorded":{"region_code":"621100","amount_fen":"1"}})").status(),
              RejectedWith(v1::FIELD_UNKNOWN, "hash: is not a field"));
  // An export line's own extras are read past only where exports are read.
  EXPECT_THAT(DraftFromJson(R"({"seq":"1","hash":"ab","prev_hash":"cd","sale_recorded":{"region_code":"621100","amount_fen":"1"}})",
                            JsonExtras::kExportHashes),
              IsOk());
  // Both spellings of a field name are one field.
  EXPECT_THAT(DraftFromJson(R"({"event_id":"a","eventId":"b"})").status(),
              RejectedWith(v1::FIELD_DUPLICATE, "eventId: is given twice"));
  EXPECT_THAT(DraftFromJson(R"({"sale_recorded":{"regionCode":"621100","region_code":"1","amount_fen":"1"}})").status(),
              RejectedWith(v1::FIELD_DUPLICATE, "sale_recorded.region_code: is given twice"));
}

}  // namespace
}  // namespace aidledger::app
