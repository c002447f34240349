#include "base/messages.h"

#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "app/drafts.h"
#include "aidledger/v1/events.pb.h"
#include "base/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aidledger {
namespace {

// The $N placeholders a message uses.
std::set<char> Placeholders(absl::string_view text) {
  std::set<char> used;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '$' && absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1]))) {
      used.insert(text[i + 1]);
    }
  }
  return used;
}

class LanguageTest : public ::testing::Test {
 protected:
  ~LanguageTest() override { SetLanguage(Language::kEnglish); }
};

TEST(CatalogTest, EveryEntryIsTranslatedWithTheSamePlaceholders) {
  const auto entries = CatalogEntries();
  ASSERT_GT(entries.size(), 40u);
  for (const auto& [english, chinese] : entries) {
    EXPECT_FALSE(chinese.empty()) << english;
    EXPECT_NE(chinese, english) << english;
    EXPECT_EQ(Placeholders(english), Placeholders(chinese)) << english << " / " << chinese;
  }
}

// Every field an event carries, of every type, can be named in Chinese: an
// error may name any of them.
TEST(CatalogTest, EveryEventFieldHasAChineseLabel) {
  const google::protobuf::Descriptor* event = v1::Event::descriptor();
  std::set<std::string> fields;
  for (int i = 0; i < event->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = event->field(i);
    if (field->containing_oneof() == nullptr) {
      fields.insert(field->name());
      continue;
    }
    const google::protobuf::Descriptor* payload = field->message_type();
    for (int j = 0; j < payload->field_count(); ++j) fields.insert(payload->field(j)->name());
  }
  ASSERT_GT(fields.size(), 20u);
  SetLanguage(Language::kChinese);
  for (const std::string& field : fields) {
    const std::string column = field.ends_with("_fen") ? field.substr(0, field.size() - 4) : field;
    EXPECT_NE(FieldLabel(field), column) << field;
  }
  SetLanguage(Language::kEnglish);
}

TEST(CatalogTest, EveryImportColumnHasADistinctChineseName) {
  std::set<absl::string_view> names;
  for (const char* column : app::kCsvFieldColumns) {
    const absl::string_view chinese = TrIn(Language::kChinese, column);
    EXPECT_NE(chinese, column);
    EXPECT_TRUE(names.insert(chinese).second) << chinese << " names two columns";
  }
}

TEST_F(LanguageTest, EnglishIsTheSourceAndChineseTheCatalog) {
  EXPECT_EQ(Tr("amount"), "amount");
  SetLanguage(Language::kChinese);
  EXPECT_EQ(Tr("amount"), "金额");
  EXPECT_EQ(Tr("no such sentence in the catalog"), "no such sentence in the catalog");
  EXPECT_EQ(TrIn(Language::kEnglish, "amount"), "amount");
}

TEST_F(LanguageTest, ARejectionNamesTheColumnTheClerkTypes) {
  absl::Status english = Rejected(v1::AMOUNT_INVALID, "amount_fen", "must be positive");
  EXPECT_EQ(english.message(), "amount: must be positive");
  SetLanguage(Language::kChinese);
  absl::Status chinese = Rejected(v1::AMOUNT_INVALID, "amount_fen", "必须为正数");
  EXPECT_EQ(chinese.message(), "金额: 必须为正数");
  EXPECT_EQ(RejectReasonOf(chinese), v1::AMOUNT_INVALID);
  EXPECT_EQ(Rejected(v1::FIELD_INVALID, "effective_date", "x").message(), "生效日期: x");
  EXPECT_EQ(Rejected(v1::FIELD_DUPLICATE, "sale_recorded.amount_fen", "x").message(),
            "sale_recorded.amount_fen: x");
}

TEST(LanguageFromLocaleTest, TheFirstVariableSetDecides) {
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, nullptr), Language::kEnglish);
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, "zh_CN.UTF-8"), Language::kChinese);
  EXPECT_EQ(LanguageFromLocale(nullptr, nullptr, "zh_CN.GB18030"), Language::kChinese);
  EXPECT_EQ(LanguageFromLocale("", nullptr, "zh_TW.UTF-8"), Language::kChinese);
  EXPECT_EQ(LanguageFromLocale("C.UTF-8", nullptr, "zh_CN.UTF-8"), Language::kEnglish);
  EXPECT_EQ(LanguageFromLocale(nullptr, "zh_CN.UTF-8", "en_US.UTF-8"), Language::kChinese);
  EXPECT_EQ(LanguageFromLocale("en_GB.UTF-8", "zh_CN.UTF-8", nullptr), Language::kEnglish);
  EXPECT_EQ(LanguageNamed("zh"), Language::kChinese);
  EXPECT_EQ(LanguageNamed("en"), Language::kEnglish);
  EXPECT_EQ(LanguageNamed("fr"), std::nullopt);
}

}  // namespace
}  // namespace aidledger
