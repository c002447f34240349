#include "state/fund_view_entry.h"

#include <algorithm>
#include <utility>

#include "base/limits.h"
#include "state/projection.h"

namespace aidledger {

bool InFundView(const FoldEvent& e) {
  switch (e.payload) {
    case v1::Event::kRegionRegistered:
    case v1::Event::kProjectRegistered:
    case v1::Event::kEventReversed:
    case v1::Event::kFundsAllocated:
    case v1::Event::kFundsDisbursed:
      return true;
    case v1::Event::kProjectStageChanged:
      return e.stage_value() == v1::ACCEPTED;
    case v1::Event::kInvestmentRecorded:
      return !e.project_id.empty();  // a trace follows money into projects
    default:
      return false;
  }
}

v1::FundViewEntry FundViewEntryOf(uint64_t sequence, const Hash& hash, const FoldEvent& e) {
  v1::FundViewEntry entry;
  entry.set_sequence(sequence);
  entry.set_hash(std::string(HashBytes(hash)));
  entry.set_payload(e.payload);
  entry.set_event_id(std::string(e.event_id));
  entry.set_effective_date(std::string(e.effective_date));
  entry.set_code(std::string(e.code));
  entry.set_helper_code(std::string(e.helper_code));
  entry.set_recipient_code(std::string(e.recipient_code));
  entry.set_project_id(std::string(e.project_id));
  entry.set_amount_fen(e.amount_fen);
  entry.set_document_number(std::string(e.document_number));
  entry.set_name(std::string(e.payload == v1::Event::kInvestmentRecorded ? e.enterprise : e.payee));
  entry.set_contract_number(std::string(e.contract_number));
  entry.set_evidence_count(e.evidence_count);
  entry.set_stage(e.stage);
  entry.set_reversed_sequence(e.reversed_sequence);
  return entry;
}

FoldEvent ViewFundViewEntry(const v1::FundViewEntry& entry) {
  FoldEvent e;
  e.sequence = entry.sequence();
  e.payload = static_cast<v1::Event::PayloadCase>(entry.payload());
  e.event_id = entry.event_id();
  e.effective_date = entry.effective_date();
  e.code = entry.code();
  e.helper_code = entry.helper_code();
  e.recipient_code = entry.recipient_code();
  e.project_id = entry.project_id();
  e.amount_fen = entry.amount_fen();
  e.document_number = entry.document_number();
  if (e.payload == v1::Event::kInvestmentRecorded) {
    e.enterprise = entry.name();
  } else {
    e.payee = entry.name();
  }
  e.contract_number = entry.contract_number();
  e.evidence_count = entry.evidence_count();
  e.stage = entry.stage();
  e.reversed_sequence = entry.reversed_sequence();
  return e;
}

std::string ProvinceOf(const Books& books, const std::string& code) {
  const std::string* next = &code;
  for (int depth = 0; depth <= limits::kRegionDepthMax; ++depth) {
    const v1::RegionEntry* region = books.regions.FindRegion(*next);
    if (region == nullptr) return "";
    if (region->parent_code().empty()) return region->code();
    next = &region->parent_code();
  }
  return "";  // deeper than validation admits: a broken chain
}

namespace {

// The province of `project_id`'s region in `books`; empty when it has none.
std::string ProjectProvince(const Books& books, const std::string& project_id) {
  const v1::ProjectEntry* project = books.projects.FindProject(project_id);
  return project == nullptr ? "" : ProvinceOf(books, project->region_code());
}

}  // namespace

std::vector<std::string> FundViewPartitionsOf(const Books& books, const v1::FundViewEntry& entry) {
  std::vector<std::string> partitions;
  const auto file = [&partitions](std::string province) {
    if (province.empty()) province = kFundViewUnplaced;
    if (std::find(partitions.begin(), partitions.end(), province) == partitions.end()) {
      partitions.push_back(std::move(province));
    }
  };
  switch (entry.payload()) {
    case v1::Event::kFundsAllocated:
      file(ProvinceOf(books, entry.recipient_code()));
      if (!entry.project_id().empty()) file(ProjectProvince(books, entry.project_id()));
      break;
    case v1::Event::kFundsDisbursed:
    case v1::Event::kInvestmentRecorded:
      file(ProjectProvince(books, entry.project_id()));
      break;
    default:
      partitions.push_back(kFundViewRegistry);
      break;
  }
  return partitions;
}

void PlacementsOf(const Books& books, v1::FundViewManifest* manifest) {
  std::vector<const v1::RegionEntry*> regions;
  for (const v1::RegionEntry& region : books.regions.state().regions()) regions.push_back(&region);
  std::sort(regions.begin(), regions.end(),
            [](const v1::RegionEntry* a, const v1::RegionEntry* b) { return a->code() < b->code(); });
  for (const v1::RegionEntry* region : regions) {
    v1::FundViewManifest::Placement* placement = manifest->add_placements();
    placement->set_region_code(region->code());
    placement->set_province_code(ProvinceOf(books, region->code()));
  }
}

FundViewDelta FileFundView(const Books& books, uint64_t previous,
                           std::vector<v1::FundViewEntry> entries) {
  FundViewDelta delta;
  delta.manifest.set_previous(previous);
  for (v1::FundViewEntry& entry : entries) {
    const std::vector<std::string> partitions = FundViewPartitionsOf(books, entry);
    for (size_t i = 0; i + 1 < partitions.size(); ++i) {
      *delta.parts[partitions[i]].add_entries() = entry;
    }
    *delta.parts[partitions.back()].add_entries() = std::move(entry);
  }
  for (const auto& [partition, part] : delta.parts) delta.manifest.add_partitions(partition);
  PlacementsOf(books, &delta.manifest);
  return delta;
}

}  // namespace aidledger
