// FlowMonths, ProjectMonths and IndicatorMonths, the monthly figures only
// period reports read.
//
// FlowMonths: each helper's money to each receiving region under each
// program, by effective month (v1::FlowMonths), counted as RegionMonths
// counts a region's: an allocation to its recipient_code, an investment and
// a sale to their region_code, a change in the month it is effective and a
// reversal in its own. The period reports by helper, and the region
// reports limited to a helper or a program, sum these.
//
// Not one of the Books: no query but those reports reads it, so the live
// Books neither folds nor snapshots it, and a report folds it from the
// start of the log (Ledger::Fold's `extra`).
#ifndef AIDLEDGER_STATE_FLOW_MONTHS_H_
#define AIDLEDGER_STATE_FLOW_MONTHS_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

class FlowMonths final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;
  static constexpr absl::string_view kName = "flow_months";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::FlowMonthsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

 protected:
  // Folds an allocation, investment or sale (sign -1: its reversal);
  // other events change nothing.
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) override;

 private:
  // The flows by helper, receiving region and program (FlowKey).
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::FlowMonthsState* state);
    absl::flat_hash_map<std::string, v1::FlowMonths*> flows;
  };
  static const std::string& FlowKey(absl::string_view helper, absl::string_view region,
                                    int32_t program, std::string* key);
  std::string key_;  // Fold's key, reused

  IndexedState<v1::FlowMonthsState, Index> data_;
};

// ProjectMonths: the money allocated to, disbursed from and invested in
// each project, by effective month (v1::ProjectMonths), counted as
// ProjectTotals counts a project's and in the month RegionMonths counts
// it. The projects report sums these. Like FlowMonths, not one of the
// Books: a report folds it from the start of the log.
class ProjectMonths final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;
  static constexpr absl::string_view kName = "project_months";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::ProjectMonthsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

 protected:
  // Folds an allocation, disbursement or investment that names a project
  // (sign -1: its reversal); other events change nothing.
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) override;

 private:
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::ProjectMonthsState* state);
    absl::flat_hash_map<std::string, v1::MonthlyFigures*> projects;  // by project_id
  };

  IndexedState<v1::ProjectMonthsState, Index> data_;
};

// IndicatorMonths: each figure of IndicatorTotals (a pairing as recorded
// and an indicator, IndicatorFiguresOf) by effective month
// (v1::IndicatorMonths), but counted in the month RegionMonths counts a
// money event: a change in the month it is effective, a reversal in its
// own (IndicatorTotals takes a reversal back from the year of the event it
// reverses). The indicators report sums these. Like FlowMonths, not one of
// the Books: a report folds it from the start of the log.
class IndicatorMonths final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;
  static constexpr absl::string_view kName = "indicator_months";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::IndicatorMonthsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

 protected:
  // Folds a money event or a recorded indicator (sign -1: its reversal);
  // other events change nothing.
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view counted_on) override;

 private:
  // The figures by helper, recipient and indicator (FigureKey).
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::IndicatorMonthsState* state);
    absl::flat_hash_map<std::string, v1::IndicatorMonths*> figures;
  };
  static const std::string& FigureKey(absl::string_view helper, absl::string_view recipient,
                                      int32_t indicator, std::string* key);
  std::string key_;  // Fold's key, reused

  IndexedState<v1::IndicatorMonthsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_FLOW_MONTHS_H_
