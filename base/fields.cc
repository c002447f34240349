#include "base/fields.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"

namespace aidledger {
namespace {

bool IsLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Quotes user text in messages, cut short so that a message stays one line.
std::string Quoted(absl::string_view text) {
  constexpr size_t kQuoteBytesMax = 40;
  std::string out;
  for (char c : text.substr(0, kQuoteBytesMax)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (text.size() > kQuoteBytesMax) out += "...";
  return absl::StrCat("\"", out, "\"");
}

}  // namespace

std::string NormalizeFullwidth(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const auto [point, length] = DecodeUtf8(text);
    if (length == 0) {  // not UTF-8: kept byte for byte, for the checks to refuse
      out.push_back(text.front());
      text.remove_prefix(1);
      continue;
    }
    if (point >= 0xFF10 && point <= 0xFF19) {
      out.push_back(static_cast<char>('0' + (point - 0xFF10)));
    } else if (point == 0xFF0C || point == 0xFF0E || point == 0xFF0D || point == 0xFF0F) {
      out.push_back(static_cast<char>(point - 0xFF00 + 0x20));  // ， ． － ／
    } else if (point == 0x3000) {
      out.push_back(' ');  // the ideographic space
    } else {
      out.append(text.data(), length);
    }
    text.remove_prefix(length);
  }
  return out;
}

std::string NormalizeDate(absl::string_view text) {
  const std::string ascii = NormalizeFullwidth(text);
  absl::string_view rest = absl::StripAsciiWhitespace(ascii);
  // YEAR SEP MONTH SEP DAY [END]: one separator used twice, or 年 月 日.
  constexpr absl::string_view kYear = "\xE5\xB9\xB4", kMonth = "\xE6\x9C\x88", kDay = "\xE6\x97\xA5";
  auto digits = [&](size_t min, size_t max, std::string* into) {
    size_t n = 0;
    while (n < rest.size() && n < max && absl::ascii_isdigit(static_cast<unsigned char>(rest[n]))) ++n;
    if (n < min || (n < rest.size() && absl::ascii_isdigit(static_cast<unsigned char>(rest[n])))) {
      return false;
    }
    into->assign(rest.data(), n);
    rest.remove_prefix(n);
    return true;
  };
  std::string year, month, day;
  if (!digits(4, 4, &year)) return std::string(text);
  bool chinese = false;
  char separator = 0;
  if (absl::ConsumePrefix(&rest, kYear)) {
    chinese = true;
  } else if (!rest.empty() && (rest[0] == '-' || rest[0] == '/' || rest[0] == '.')) {
    separator = rest[0];
    rest.remove_prefix(1);
  } else {
    return std::string(text);
  }
  if (!digits(1, 2, &month)) return std::string(text);
  if (chinese ? !absl::ConsumePrefix(&rest, kMonth)
              : !absl::ConsumePrefix(&rest, absl::string_view(&separator, 1))) {
    return std::string(text);
  }
  if (!digits(1, 2, &day)) return std::string(text);
  if (chinese && !absl::ConsumePrefix(&rest, kDay)) return std::string(text);
  if (!rest.empty()) return std::string(text);
  return absl::StrCat(year, month.size() == 1 ? "-0" : "-", month, day.size() == 1 ? "-0" : "-",
                      day);
}

absl::Status CheckDate(absl::string_view text, absl::string_view field) {
  auto bad = [&](absl::string_view why) {
    return Rejected(v1::DATE_INVALID, field,
                    absl::Substitute(Tr("$0 (got $1)"), why, Quoted(text)));
  };
  const absl::string_view kForms =
      Tr("must be a date like 2024-03-05, 2024-3-5, 2024/3/5, 2024.3.5 or 2024年3月5日");
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad(kForms);
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return bad(kForms);
  }
  auto number = [&](size_t pos, size_t len) {
    int value = 0;
    for (size_t i = pos; i < pos + len; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const int year = number(0, 4), month = number(5, 2), day = number(8, 2);
  if (year < limits::kYearMin || year > limits::kYearMax) {
    return bad(absl::Substitute(Tr("year must be in $0..$1"), limits::kYearMin, limits::kYearMax));
  }
  if (month < 1 || month > 12) return bad(Tr("month must be 01..12"));
  if (day < 1 || day > DaysInMonth(year, month)) return bad(Tr("no such day in that month"));
  return absl::OkStatus();
}

std::string DateInChina(absl::Time now) {
  static const absl::TimeZone kChinaStandardTime = absl::FixedTimeZone(8 * 3600);
  return absl::FormatTime("%Y-%m-%d", now, kChinaStandardTime);
}

std::string DisplayTime(absl::Time time, bool utc) {
  static const absl::TimeZone kChinaStandardTime = absl::FixedTimeZone(8 * 3600);
  return utc ? absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", time, absl::UTCTimeZone())
             : absl::FormatTime("%Y-%m-%d %H:%M:%S +08:00", time, kChinaStandardTime);
}

absl::Time EndOfDayInChina(absl::CivilDay date) {
  static const absl::TimeZone kChinaStandardTime = absl::FixedTimeZone(8 * 3600);
  return absl::FromCivil(date + 1, kChinaStandardTime) - absl::Nanoseconds(1);
}

absl::Status CheckRegionCode(absl::string_view code, absl::string_view field) {
  if (code.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  bool digits = code.size() == 6;
  for (char c : code) digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (!digits || code == "000000") {
    return Rejected(v1::CODE_INVALID, field,
                    absl::Substitute(Tr("must be a 6-digit administrative division code (got $0)"),
                                     Quoted(code)));
  }
  return absl::OkStatus();
}

absl::Status CheckIdentifier(absl::string_view id, absl::string_view field,
                             size_t bytes_max) {
  if (id.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  if (id.size() > bytes_max) {
    return Rejected(v1::FIELD_TOO_LONG, field,
                    absl::Substitute(Tr("is longer than $0 bytes"), bytes_max));
  }
  for (char c : id) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '.' && c != '_' && c != ':' && c != '-' &&
        c != '/') {
      return Rejected(v1::FIELD_INVALID, field,
                      absl::Substitute(Tr("may hold only letters, digits and . _ : - / (got $0)"),
                                       Quoted(id)));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t bytes_max, bool required) {
  if (text.empty()) {
    return required ? Rejected(v1::FIELD_MISSING, field, Tr("is required"))
                    : absl::OkStatus();
  }
  if (text.size() > bytes_max) {
    return Rejected(v1::FIELD_TOO_LONG, field,
                    absl::Substitute(Tr("is longer than $0 bytes"), bytes_max));
  }
  if (!IsValidUtf8(text)) {
    return Rejected(v1::FIELD_INVALID, field, Tr("is not valid UTF-8"));
  }
  for (size_t i = 0; i < text.size();) {
    const auto [point, length] = DecodeUtf8(text.substr(i));
    if (length == 0) return Rejected(v1::FIELD_INVALID, field, Tr("is not valid UTF-8"));
    if (IsInvisibleControl(point)) {
      const bool control = point < 0x20 || (point >= 0x7f && point <= 0x9f);
      return Rejected(v1::FIELD_INVALID, field,
                      absl::Substitute(control ? Tr("contains a control character (U+$0)")
                                               : Tr("contains an invisible or bidirectional "
                                                    "character (U+$0)"),
                                       absl::StrFormat("%04X", point)));
    }
    i += length;
  }
  return absl::OkStatus();
}

bool IsInvisibleControl(uint32_t point) {
  return point < 0x20 || (point >= 0x7f && point <= 0x9f) || point == 0x061c ||
         (point >= 0x200b && point <= 0x200f) || (point >= 0x2028 && point <= 0x202e) ||
         (point >= 0x2060 && point <= 0x2069) || point == 0xfeff;
}

std::pair<uint32_t, size_t> DecodeUtf8(absl::string_view text) {
  if (text.empty()) return {0, 0};
  const unsigned char lead = static_cast<unsigned char>(text[0]);
  if (lead < 0x80) return {lead, 1};
  const size_t length = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  if (length == 0 || length > text.size() || !IsValidUtf8(text.substr(0, length))) return {0, 0};
  uint32_t point = lead & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
  for (size_t k = 1; k < length; ++k) point = (point << 6) | (static_cast<unsigned char>(text[k]) & 0x3F);
  return {point, length};
}

absl::Status CheckRecordedAt(int64_t seconds, int32_t nanos) {
  if (seconds < 0 || seconds > limits::kRecordedAtSecondsMax || nanos < 0 ||
      nanos > 999'999'999 || nanos % 1000 != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "recorded_at: ", seconds, " s ", nanos,
        " ns is not a time from 1970 to ", limits::kYearMax, " in whole microseconds"));
  }
  return absl::OkStatus();
}

bool IsValidUtf8(absl::string_view text) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  size_t i = 0;
  while (i < text.size()) {
    if (text.size() - i >= sizeof(uint64_t)) {  // eight ASCII bytes at a time
      uint64_t word;
      std::memcpy(&word, text.data() + i, sizeof(word));
      if ((word & kHighBits) == 0) {
        i += sizeof(word);
        continue;
      }
    }
    unsigned char lead = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t code_point;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinForLength[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

int64_t RecordedMicros(const google::protobuf::Timestamp& recorded_at) {
  return recorded_at.seconds() * 1'000'000 + recorded_at.nanos() / 1000;
}

void SetRecordedMicros(int64_t micros, google::protobuf::Timestamp* recorded_at) {
  recorded_at->set_seconds(micros / 1'000'000);
  recorded_at->set_nanos(static_cast<int32_t>(micros % 1'000'000) * 1000);
}

}  // namespace aidledger
