// Indicators (issue 22): the one table of what assistance beyond money is
// measured in. Each row gives an indicator its stable code (CLI, CSV, JSON),
// its Chinese and English names, its unit and how it is measured: derived
// from money events (never typed twice) or recorded by IndicatorRecorded.
// Adding an indicator is a value in events.proto's Indicator and one row
// here.
#ifndef AIDLEDGER_STATE_INDICATORS_H_
#define AIDLEDGER_STATE_INDICATORS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aidledger/v1/events.pb.h"

namespace aidledger {

// How an indicator's figure comes about.
enum class Measure {
  kAllocations,  // the FundsAllocated of the pairing (fen)
  kInvestments,  // the InvestmentRecorded with a helper (fen)
  kSales,        // the SaleRecorded with a helper (fen)
  kRecorded,     // IndicatorRecorded events
};

struct IndicatorInfo {
  v1::Indicator value;
  absl::string_view code;          // "rural_workers_employed"
  absl::string_view chinese;       // "帮助农村劳动力就业"
  absl::string_view english;       // "rural workers helped into jobs"
  absl::string_view unit;          // "fen", "people", ...: stable, in JSON and CSV
  absl::string_view unit_chinese;  // "分", "人", ...
  Measure measure;
  // The indicator this one is a part of (an of_which breakdown), or
  // INDICATOR_UNSPECIFIED.
  v1::Indicator part_of;

  bool money() const { return unit == "fen"; }
  bool derived() const { return measure != Measure::kRecorded; }
};

// Every indicator, in the order reports list them.
absl::Span<const IndicatorInfo> Indicators();

// The row of `value`; nullptr for a value the table does not know (from a
// newer writer).
const IndicatorInfo* FindIndicator(int value);

// The indicator a code (or its proto name) names; FIELD_INVALID naming
// `field` and listing the codes otherwise.
absl::StatusOr<v1::Indicator> ParseIndicator(absl::string_view text, absl::string_view field);

// The code of `value`: the table's, or "indicator_<n>" for one it does not
// know, so that a newer writer's figure is shown, not dropped.
std::string IndicatorCode(int value);
// The name in the current language (base/messages.h); the code for an
// unknown value.
std::string IndicatorName(int value);
// The unit, stable ("fen", "people"; "" for an unknown value), and in the
// current language.
absl::string_view IndicatorUnit(int value);
std::string IndicatorUnitName(int value);

// The measure in words, in the current language: "derived from allocations".
std::string MeasureName(Measure measure);

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_INDICATORS_H_
