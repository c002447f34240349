// ProjectTotals: per project, its budget and the money allocated to it,
// disbursed from it and invested in it.
#ifndef AIDLEDGER_STATE_PROJECT_TOTALS_H_
#define AIDLEDGER_STATE_PROJECT_TOTALS_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "aidledger/v1/projections.pb.h"
#include "state/indexed_state.h"
#include "state/projection.h"

namespace aidledger {

class ProjectTotals final : public Projection {
 public:
  // 3: amendments (name, category, budget; amended_on). 4: former names.
  // 5: registrations are taken back, and a project keeps the first event
  // that names it (first_reference). 6: the plan, who answers for the
  // project, and its stage (issue 25).
  static constexpr uint32_t kVersion = 6;

  static constexpr absl::string_view kName = "project_totals";

  absl::string_view name() const override { return kName; }
  uint32_t version() const override { return kVersion; }
  const v1::ProjectTotalsState& state() const override { return data_.state(); }
  absl::Status LoadState(absl::string_view bytes) override { return data_.Load(name(), bytes); }
  void Reset() override { data_.Reset(); }

  // nullptr when the project is not registered.
  const v1::ProjectEntry* FindProject(absl::string_view project_id) const;

  absl::Status ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) override;

 protected:
  absl::Status Fold(const FoldEvent& event, int64_t sign, absl::string_view) override {
    return FoldAt(event, sign, nullptr);
  }

 private:
  // Fold, given the entry ApplyBatch located for `event` (nullptr: look it up).
  absl::Status FoldAt(const FoldEvent& event, int64_t sign, v1::ProjectEntry* located);
  // A ProjectAmended: the fields it gives replace the project's; a
  // ProjectStageChanged: the project's stage.
  absl::Status FoldAmendment(const FoldEvent& event);
  // A ProjectRegistered taken back: the project removed.
  absl::Status TakeBack(const FoldEvent& event);

  // project_id -> its entry in the state: one flat-map probe per fold step.
  struct Index {
    absl::Status Rebuild(absl::string_view projection, v1::ProjectTotalsState* state);
    absl::flat_hash_map<std::string, v1::ProjectEntry*> entries;
  };

  IndexedState<v1::ProjectTotalsState, Index> data_;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_PROJECT_TOTALS_H_
