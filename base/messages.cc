#include "base/messages.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "absl/strings/match.h"
#include "base/check.h"

namespace aidledger {
namespace {

std::atomic<Language> current_language{Language::kEnglish};

// The GNU .mo layout (gettext manual, "The Format of GNU MO Files"): a
// header of 32-bit words (magic, revision, count, offset of the original
// strings' table, offset of the translations' table), each table `count`
// (length, offset) pairs, originals sorted by their bytes. msgfmt writes
// the machine's byte order; the magic tells which.
constexpr uint32_t kMoMagic = 0x950412de;
constexpr uint32_t kMoMagicSwapped = 0xde120495;
// The catalog is ours and small; a larger count means a broken build.
constexpr uint32_t kEntriesMax = 4096;

class Catalog {
 public:
  explicit Catalog(absl::string_view mo) : mo_(mo) {
    AIDLEDGER_CHECK(mo_.size() >= 20);
    const uint32_t magic = Word(0);
    AIDLEDGER_CHECK(magic == kMoMagic || magic == kMoMagicSwapped);
    swapped_ = magic == kMoMagicSwapped;
    AIDLEDGER_CHECK(Word(4) >> 16 == 0);  // major revision 0
    count_ = Word(8);
    AIDLEDGER_CHECK(count_ <= kEntriesMax);
    originals_ = Word(12);
    translations_ = Word(16);
    for (uint32_t i = 0; i < count_; ++i) {
      entries_.emplace_back(String(originals_, i), String(translations_, i));
    }
    for (size_t i = 1; i < entries_.size(); ++i) {
      AIDLEDGER_CHECK(entries_[i - 1].first < entries_[i].first);  // sorted, unique
    }
  }

  // The translation of `english`, or nullopt. The header entry (msgid "")
  // is not a translation.
  std::optional<absl::string_view> Find(absl::string_view english) const {
    if (english.empty()) return std::nullopt;
    auto at = std::lower_bound(entries_.begin(), entries_.end(), english,
                               [](const auto& entry, absl::string_view key) { return entry.first < key; });
    if (at == entries_.end() || at->first != english || at->second.empty()) return std::nullopt;
    return at->second;
  }

  const std::vector<std::pair<absl::string_view, absl::string_view>>& entries() const {
    return entries_;
  }

 private:
  uint32_t Word(size_t offset) const {
    AIDLEDGER_CHECK(offset + 4 <= mo_.size());
    uint32_t word;
    std::memcpy(&word, mo_.data() + offset, 4);
    return swapped_ ? __builtin_bswap32(word) : word;
  }

  absl::string_view String(uint32_t table, uint32_t index) const {
    const size_t at = size_t{table} + size_t{index} * 8;
    const uint32_t length = Word(at), offset = Word(at + 4);
    AIDLEDGER_CHECK(size_t{offset} + length < mo_.size() && mo_[offset + length] == '\0');
    return mo_.substr(offset, length);
  }

  absl::string_view mo_;
  bool swapped_ = false;
  uint32_t count_ = 0, originals_ = 0, translations_ = 0;
  std::vector<std::pair<absl::string_view, absl::string_view>> entries_;
};

const Catalog& Chinese() {
  static const Catalog* const catalog = new Catalog(internal::kChineseCatalog);
  return *catalog;
}

}  // namespace

void SetLanguage(Language language) { current_language.store(language, std::memory_order_relaxed); }

Language CurrentLanguage() { return current_language.load(std::memory_order_relaxed); }

std::optional<Language> LanguageNamed(absl::string_view name) {
  if (name == "en") return Language::kEnglish;
  if (name == "zh") return Language::kChinese;
  return std::nullopt;
}

Language LanguageFromLocale(const char* lc_all, const char* lc_messages, const char* lang) {
  for (const char* value : {lc_all, lc_messages, lang}) {
    if (value == nullptr || *value == '\0') continue;
    return absl::StartsWith(value, "zh") ? Language::kChinese : Language::kEnglish;
  }
  return Language::kEnglish;
}

absl::string_view TrIn(Language language, absl::string_view english) {
  if (language == Language::kEnglish) return english;
  return Chinese().Find(english).value_or(english);
}

absl::string_view Tr(absl::string_view english) { return TrIn(CurrentLanguage(), english); }

absl::string_view FieldLabel(absl::string_view field) {
  // A path ("sale_recorded.amount_fen") is a JSON key as typed: kept.
  if (absl::StrContains(field, '.')) return field;
  if (absl::EndsWith(field, "_fen")) field.remove_suffix(4);
  return Tr(field);
}

std::vector<std::pair<absl::string_view, absl::string_view>> CatalogEntries() {
  std::vector<std::pair<absl::string_view, absl::string_view>> entries;
  for (const auto& entry : Chinese().entries()) {
    if (!entry.first.empty()) entries.push_back(entry);
  }
  return entries;
}

}  // namespace aidledger
