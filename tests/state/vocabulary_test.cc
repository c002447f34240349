#include "state/vocabulary.h"

#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RejectedWith;

const Vocabulary* const kEnumVocabularies[] = {&kPrograms, &kCategories, &kSources,
                                                &kPaymentMethods, &kStages, &kEvidenceKinds};

// Every value of each enum but the unspecified zero has one word, so that a
// value added to the proto without a word fails here, not in a clerk's CSV.
TEST(VocabularyTest, EveryEnumValueHasExactlyOneWord) {
  for (const Vocabulary* vocabulary : kEnumVocabularies) {
    const google::protobuf::EnumDescriptor* descriptor = vocabulary->descriptor();
    ASSERT_EQ(vocabulary->words.size(), static_cast<size_t>(descriptor->value_count() - 1))
        << vocabulary->field;
    for (int i = 0; i < descriptor->value_count(); ++i) {
      const int value = descriptor->value(i)->number();
      EXPECT_EQ(WordFor(*vocabulary, value).empty(), value == 0)
          << vocabulary->field << " " << descriptor->value(i)->name();
    }
  }
}

TEST(VocabularyTest, EveryPayloadHasAnEventTypeWord) {
  const google::protobuf::OneofDescriptor* payload =
      v1::Event::descriptor()->FindOneofByName("payload");
  ASSERT_NE(payload, nullptr);
  ASSERT_EQ(kEventTypes.words.size(), static_cast<size_t>(payload->field_count()));
  for (int i = 0; i < payload->field_count(); ++i) {
    EXPECT_FALSE(WordFor(kEventTypes, payload->field(i)->number()).empty())
        << payload->field(i)->name();
  }
}

TEST(VocabularyTest, AWordAndItsProtoNameParseToTheSameValue) {
  for (const Vocabulary* vocabulary : kEnumVocabularies) {
    for (const Word& word : vocabulary->words) {
      EXPECT_THAT(ParseWord(*vocabulary, word.text), IsOk());
      EXPECT_EQ(*ParseWord(*vocabulary, word.text), word.value);
      const std::string proto_name = vocabulary->descriptor()->FindValueByNumber(word.value)->name();
      EXPECT_EQ(*ParseWord(*vocabulary, proto_name), word.value) << proto_name;
    }
  }
  EXPECT_EQ(*ParseWord(kPrograms, "east-west"), v1::EAST_WEST_COOPERATION);
  EXPECT_EQ(*ParseWord(kEventTypes, "reversal"), v1::Event::kEventReversed);
}

TEST(VocabularyTest, AnythingElseIsRejectedNamingTheFieldAndTheWords) {
  EXPECT_THAT(ParseWord(kSources, "loan"),
              RejectedWith(v1::FIELD_INVALID, "source: must be one of fiscal, social (got \"loan\")"));
  EXPECT_THAT(ParseWord(kPrograms, "PROGRAM_UNSPECIFIED"), RejectedWith(v1::FIELD_INVALID, "program"));
  EXPECT_THAT(ParseWord(kEventTypes, "FUNDS_ALLOCATED"), RejectedWith(v1::FIELD_INVALID, "type"));
  EXPECT_THAT(ParseWord(kCategories, ""), RejectedWith(v1::FIELD_INVALID, "category"));
  // A pasted cell is quoted back only in part.
  absl::StatusOr<int> long_input = ParseWord(kSources, std::string(1000, 'x'));
  EXPECT_LT(long_input.status().message().size(), 200u);
}

TEST(VocabularyTest, JoinedFormsAreWhatTheCliAndValidationShow) {
  EXPECT_EQ(JoinedWords(kPrograms, "|"), "east-west|counterpart|intra-province");
  EXPECT_EQ(JoinedProtoNames(kSources, " or "), "FISCAL or SOCIAL");
  v1::Event event;
  EXPECT_EQ(EventTypeWord(event), "unknown");
  event.mutable_sale_recorded();
  EXPECT_EQ(EventTypeWord(event), "sale");
}

}  // namespace
}  // namespace aidledger
