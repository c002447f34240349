// The language aidledger speaks to people: English or Chinese.
//
// Every sentence shown to a person (a table header, a summary, the detail of
// an error) is written in English in the source and passed through Tr(); the
// Chinese is looked up in one gettext message catalog, base/zh_CN.po, which
// the build compiles with Debian's msgfmt and embeds in the binary (so that
// Chinese works on a machine with no zh_CN locale generated, and nothing is
// read from disk at run time). Reason codes (AMOUNT_INVALID, ...) and JSON
// field names are never translated.
//
// Dynamic parts are absl::Substitute placeholders ($0, $1, ...): a
// translation may reorder them but must use the same ones
// (tests/base/messages_test.cc checks every entry).
//
// The catalog also holds the column names a clerk types in an import file
// (msgid "amount", msgstr "金额"): the importer accepts either, and an error
// names a field by the column the clerk typed (FieldLabel).
#ifndef AIDLEDGER_BASE_MESSAGES_H_
#define AIDLEDGER_BASE_MESSAGES_H_

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace aidledger {

enum class Language { kEnglish, kChinese };

// The language of every later Tr(). Set once at start-up, before any thread;
// English until then.
void SetLanguage(Language language);
Language CurrentLanguage();

// "en" or "zh" (the value of --lang), else nullopt.
std::optional<Language> LanguageNamed(absl::string_view name);

// The language a POSIX locale asks for: the first of LC_ALL, LC_MESSAGES and
// LANG that is set and not empty (the order in which they override each
// other); Chinese when it starts with "zh" (zh_CN.UTF-8, zh_CN.GB18030,
// zh_TW...), English otherwise or when none is set.
Language LanguageFromLocale(const char* lc_all, const char* lc_messages, const char* lang);

// `english` in the current language: its catalog translation, or `english`
// itself (English, or a sentence the catalog lacks, which the catalog test
// prevents).
absl::string_view Tr(absl::string_view english);
// The same in `language`, whatever the current one.
absl::string_view TrIn(Language language, absl::string_view english);

// How an error names `field` (a field of an event or an import column, e.g.
// "amount_fen", "effective_date"): by the import column a clerk types for it
// in the current language ("amount"/"金额"). A money field's _fen suffix is
// dropped (the column is "amount"; its unit is a column of its own). A
// dotted path ("sale_recorded.amount_fen") names a JSON key as it was typed
// and is kept as it is. The view is into `field` or the catalog.
absl::string_view FieldLabel(absl::string_view field);

// Marks a literal that is translated later, where it is shown (a command's
// description, looked up when the help is written): the catalog test finds
// it by this name.
constexpr const char* TrLater(const char* english) { return english; }

// Every entry of the catalog (English, Chinese), for the tests.
std::vector<std::pair<absl::string_view, absl::string_view>> CatalogEntries();

namespace internal {
// The compiled catalog (a GNU .mo file), embedded by base/embed_catalog.cmake.
extern const absl::string_view kChineseCatalog;
}  // namespace internal

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_MESSAGES_H_
