#include "state/reports.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/check.h"
#include "base/limits.h"
#include "base/status_macros.h"

namespace aidledger {
namespace {

absl::Status RegionNotFound(const std::string& region) {
  return absl::NotFoundError(absl::StrCat("region ", region, " is not registered at this point"));
}

}  // namespace

Books::Set ProjectionsRead(ReportKind kind, const std::string& region) {
  switch (kind) {
    case ReportKind::kBalances:
      return Books::kRegions;
    case ReportKind::kProjects:
      return region.empty() ? Books::kProjects : Books::kProjects | Books::kRegions;
    case ReportKind::kHelpers:
      return Books::kHelpers;
  }
  return Books::kAll;
}

absl::StatusOr<v1::RegionBalancesReport> RegionBalancesReport(const Books& books,
                                                              const std::string& region) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsRead(ReportKind::kBalances, region)));
  if (!region.empty() && books.regions.FindRegion(region) == nullptr) return RegionNotFound(region);
  // Children of each region, by code (std::map keeps them sorted).
  std::map<std::string, std::vector<std::string>> children;
  std::vector<std::string> roots;
  for (const v1::RegionEntry& entry : books.regions.state().regions()) {
    if (entry.parent_code().empty()) {
      roots.push_back(entry.code());
    } else {
      children[entry.parent_code()].push_back(entry.code());
    }
  }
  for (auto& [parent, codes] : children) std::sort(codes.begin(), codes.end());
  std::sort(roots.begin(), roots.end());
  if (!region.empty()) roots = {region};

  v1::RegionBalancesReport report;
  // Depth-first, without recursion: the stack holds codes still to visit,
  // in reverse order. Depth is bounded by kRegionDepthMax at registration.
  std::vector<std::string> stack(roots.rbegin(), roots.rend());
  while (!stack.empty()) {
    std::string code = std::move(stack.back());
    stack.pop_back();
    *report.add_regions() = *books.regions.FindRegion(code);
    auto it = children.find(code);
    if (it != children.end()) stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
  }
  return report;
}

absl::StatusOr<v1::ProjectTotalsReport> ProjectTotalsReport(const Books& books,
                                                            const std::string& region) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsRead(ReportKind::kProjects, region)));
  if (!region.empty() && books.regions.FindRegion(region) == nullptr) return RegionNotFound(region);
  std::vector<const v1::ProjectEntry*> selected;
  for (const v1::ProjectEntry& entry : books.projects.state().projects()) {
    if (region.empty() || books.regions.IsWithin(entry.region_code(), region)) {
      selected.push_back(&entry);
    }
  }
  std::sort(selected.begin(), selected.end(),
            [](const auto* a, const auto* b) { return a->project_id() < b->project_id(); });
  v1::ProjectTotalsReport report;
  for (const v1::ProjectEntry* entry : selected) *report.add_projects() = *entry;
  return report;
}

v1::HelperTotalsReport HelperTotalsReport(const Books& books) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsRead(ReportKind::kHelpers, "")));
  std::vector<const v1::HelperEntry*> selected;
  for (const v1::HelperEntry& entry : books.helpers.state().helpers()) selected.push_back(&entry);
  std::sort(selected.begin(), selected.end(),
            [](const auto* a, const auto* b) { return a->code() < b->code(); });
  v1::HelperTotalsReport report;
  for (const v1::HelperEntry* entry : selected) *report.add_helpers() = *entry;
  return report;
}

absl::string_view ReportName(ReportKind kind) {
  for (const auto& [each, name] : kReportNames) {
    if (each == kind) return name;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildReport(
    ReportKind kind, const Books& books, const std::string& region, const v1::PointInTime& at) {
  switch (kind) {
    case ReportKind::kBalances: {
      ASSIGN_OR_RETURN(v1::RegionBalancesReport report, RegionBalancesReport(books, region));
      *report.mutable_at() = at;
      return std::make_unique<v1::RegionBalancesReport>(std::move(report));
    }
    case ReportKind::kProjects: {
      ASSIGN_OR_RETURN(v1::ProjectTotalsReport report, ProjectTotalsReport(books, region));
      *report.mutable_at() = at;
      return std::make_unique<v1::ProjectTotalsReport>(std::move(report));
    }
    case ReportKind::kHelpers: {
      v1::HelperTotalsReport report = HelperTotalsReport(books);
      *report.mutable_at() = at;
      return std::make_unique<v1::HelperTotalsReport>(std::move(report));
    }
  }
  return absl::InternalError("no such report");
}

}  // namespace aidledger
