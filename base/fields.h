// Checks of single fields: dates, region codes, identifiers and free text.
// Each returns a rejection naming `field` on failure.
#ifndef AIDLEDGER_BASE_FIELDS_H_
#define AIDLEDGER_BASE_FIELDS_H_

#include <cstddef>
#include <string>
#include <utility>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/timestamp.pb.h"

namespace aidledger {

// A calendar date "YYYY-MM-DD" that exists (2023-02-30 does not), with the
// year in [limits::kYearMin, limits::kYearMax].
absl::Status CheckDate(absl::string_view text, absl::string_view field);

// A date as a clerk types it, in canonical form: "2024-03-05" for
// 2024-03-05, 2024-3-5, 2024/3/5, 2024.3.5 and 2024年3月5日 (full-width digits
// and surrounding spaces allowed). Anything else comes back as it was, for
// CheckDate to refuse (the month and day are not checked here).
std::string NormalizeDate(absl::string_view text);

// `text` with full-width digits and the full-width comma, full stop,
// hyphen, slash and space (as a Chinese input method types them) turned
// into their ASCII forms; nothing else changes.
std::string NormalizeFullwidth(absl::string_view text);

// Today's date in China Standard Time (UTC+8), as "YYYY-MM-DD".
std::string DateInChina(absl::Time now);

// A time as tables and messages show it: "2026-11-30 16:18:23 +08:00" in
// China Standard Time, or "2026-11-30 08:18:23 UTC" when `utc`.
std::string DisplayTime(absl::Time time, bool utc = false);

// The last instant of `date` (YYYY-MM-DD) in China Standard Time: what
// "known at 2024-03-05" means to a clerk.
absl::Time EndOfDayInChina(absl::CivilDay date);

// A 6-digit administrative division code (GB/T 2260), not all zeros.
absl::Status CheckRegionCode(absl::string_view code, absl::string_view field);

// An identifier chosen by a person or a tool (event_id, project_id):
// non-empty, at most `bytes_max`, letters, digits and . _ : - / only.
absl::Status CheckIdentifier(absl::string_view id, absl::string_view field,
                             size_t bytes_max);

// Free text (names, memos): valid UTF-8, no IsInvisibleControl code point, at most
// `bytes_max` bytes; `required` rejects the empty string.
absl::Status CheckText(absl::string_view text, absl::string_view field,
                       size_t bytes_max, bool required);

// A stored event's recording time: seconds in 0..kRecordedAtSecondsMax and
// whole microseconds, as the ledger writes it. The message names recorded_at.
absl::Status CheckRecordedAt(int64_t seconds, int32_t nanos);
// An event's recorded_at in microseconds since 1970, and back: the one
// conversion (the ledger stamps whole microseconds).
int64_t RecordedMicros(const google::protobuf::Timestamp& recorded_at);
void SetRecordedMicros(int64_t micros, google::protobuf::Timestamp* recorded_at);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(absl::string_view text);

// Code points that change how a terminal or a table shows the text around
// them while showing nothing themselves: C0 and C1 controls and DEL, the
// bidirectional marks, embeddings, overrides and isolates (U+061C,
// U+200E-200F, U+202A-202E, U+2066-2069), zero-width characters (U+200B-
// 200D, U+2060, U+FEFF) and the line and paragraph separators (U+2028,
// U+2029). Names and memos may not hold them; output escapes them.
bool IsInvisibleControl(uint32_t point);

// The code point of the well-formed UTF-8 sequence at the start of `text`
// and its length in bytes; length 0 when there is none.
std::pair<uint32_t, size_t> DecodeUtf8(absl::string_view text);

}  // namespace aidledger

#endif  // AIDLEDGER_BASE_FIELDS_H_
