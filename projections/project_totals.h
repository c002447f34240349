// ProjectTotals: per project, its budget and the money allocated to it,
// disbursed from it and invested in it.
#ifndef AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_
#define AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "projections/projection.h"

namespace aidledger {

class ProjectTotals final : public Projection {
 public:
  static constexpr uint32_t kVersion = 1;

  ProjectTotals() = default;
  // The index points into the state: copies rebuild it, moves keep it.
  ProjectTotals(const ProjectTotals& other);
  ProjectTotals& operator=(const ProjectTotals& other);
  ProjectTotals(ProjectTotals&& other) noexcept;
  ProjectTotals& operator=(ProjectTotals&& other) noexcept;

  absl::string_view name() const override { return "project_totals"; }
  uint32_t version() const override { return kVersion; }
  const v1::ProjectTotalsState& state() const override { return state_; }
  absl::Status LoadState(absl::string_view bytes) override;
  void Reset() override;

  // nullptr when the project is not registered.
  const v1::ProjectEntry* FindProject(absl::string_view project_id) const;

 protected:
  absl::Status Fold(const v1::Event& event, int64_t sign) override;

 private:
  void RebuildIndex();
  // After `state_` and the index were moved from `from`: keeps the index if
  // it points into `state_`, and empties `from`.
  void AfterMove(ProjectTotals* from);

  v1::ProjectTotalsState state_;
  // project_id -> its entry in `state_`: one flat-map probe per fold step.
  // Protobuf's Map, like std::unordered_map, never moves an element when it
  // grows, and nothing is erased, so the pointers stay valid.
  absl::flat_hash_map<std::string, v1::ProjectEntry*> index_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_PROJECTIONS_PROJECT_TOTALS_H_
