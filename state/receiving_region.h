// How a money event names the region that receives it: an allocation by its
// recipient_code, a disbursement by its project's region, an investment and
// a sale by their region_code. RegionBalances and RegionMonths both fold a
// money event into that region's slot, found through these two maps.
#ifndef AIDLEDGER_STATE_RECEIVING_REGION_H_
#define AIDLEDGER_STATE_RECEIVING_REGION_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/projections.pb.h"
#include "state/fold_event.h"
#include "state/indexed_state.h"

namespace aidledger {

struct ReceivingRegionSlots {
  static constexpr uint32_t kNotFound = UINT32_MAX;

  absl::flat_hash_map<std::string, uint32_t> of_region;
  absl::flat_hash_map<std::string, uint32_t> of_project;  // the project's region's slot

  // Calls `visit(map, key)` with the map and key that find the slot of the
  // region receiving `event`; nothing for an event that is not money.
  template <typename Visit>
  void WithKey(const FoldEvent& event, Visit visit) const {
    switch (event.payload) {
      case v1::Event::kFundsAllocated:
        return visit(of_region, event.recipient_code);
      case v1::Event::kFundsDisbursed:
        return visit(of_project, event.project_id);
      case v1::Event::kInvestmentRecorded:
      case v1::Event::kSaleRecorded:
        return visit(of_region, event.region_code);
      default:
        return;
    }
  }
  // The slot of the region receiving `event`: kNotFound when it is not
  // registered, or for an event that is not money.
  uint32_t SlotFor(const FoldEvent& event) const {
    uint32_t slot = kNotFound;
    WithKey(event, [&](const auto& map, absl::string_view key) {
      auto it = map.find(key);
      if (it != map.end()) slot = it->second;
    });
    return slot;
  }
  void Prefetch(const FoldEvent& event) const {
    WithKey(event, [](const auto& map, absl::string_view key) { map.prefetch(key); });
  }
  // The slot of a registered region, or kNotFound.
  uint32_t SlotOf(absl::string_view code) const {
    auto it = of_region.find(code);
    return it == of_region.end() ? kNotFound : it->second;
  }
  // Indexes the projects' regions of a state whose regions of_region
  // holds: kDataLoss naming `projection` for a project twice or in a
  // region it does not hold.
  absl::Status IndexProjects(
      absl::string_view projection,
      const google::protobuf::RepeatedPtrField<v1::ProjectRegion>& projects) {
    of_project.reserve(projects.size());
    for (const v1::ProjectRegion& project : projects) {
      const uint32_t slot = SlotOf(project.region_code());
      if (slot == kNotFound) {
        return absl::DataLossError(absl::StrCat(projection, " state holds project ",
                                                project.project_id(), " in unknown region ",
                                                project.region_code()));
      }
      if (!of_project.emplace(project.project_id(), slot).second) {
        return StateHoldsTwice(projection, "project", project.project_id());
      }
    }
    return absl::OkStatus();
  }
  // The kDataLoss of a money event whose region SlotFor does not find.
  absl::Status Unknown(const FoldEvent& event) const {
    absl::Status unknown;
    WithKey(event, [&](const auto& map, absl::string_view key) {
      unknown = absl::DataLossError(absl::StrCat("event ", event.sequence, " references unknown ",
                                                 &map == &of_project ? "project " : "region ",
                                                 key));
    });
    return unknown;
  }
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_RECEIVING_REGION_H_
