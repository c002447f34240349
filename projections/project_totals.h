// ProjectTotals: per project, its budget and the money allocated to it,
// disbursed from it and invested in it.
#ifndef AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_
#define AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_

#include "aidledger/v1/projections.pb.h"
#include "projections/projection.h"

namespace aidledger {

class ProjectTotals final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;

  absl::string_view name() const override { return "project_totals"; }
  uint32_t version() const override { return kVersion; }
  const v1::ProjectTotalsState& state() const override { return state_; }
  absl::Status LoadState(absl::string_view bytes) override;
  void Reset() override { state_.Clear(); }

  // nullptr when the project is not registered.
  const v1::ProjectEntry* FindProject(const std::string& project_id) const;

 protected:
  absl::Status Fold(const v1::Event& event, int64_t sign) override;

 private:
  v1::ProjectTotalsState state_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_
