#include "state/reports.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/substitute.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
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
      return Books::kHelpers | Books::kRegions;  // the tree the totals roll up
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
    v1::RegionEntry& entry = *report.add_regions();
    entry = *books.regions.FindRegion(code);
    entry.clear_first_reference();  // validation's, not a figure
    auto it = children.find(code);
    if (it != children.end()) stack.insert(stack.end(), it->second.rbegin(), it->second.rend());
  }
  return report;
}

Books::Set ProjectionsListed(ListKind kind) {
  switch (kind) {
    case ListKind::kRegions:
      return Books::kRegions;
    case ListKind::kPairings:
      return Books::kHelpers | Books::kRegions;
    case ListKind::kProjects:
      return Books::kProjects | Books::kRegions;
  }
  return Books::kAll;
}

absl::StatusOr<v1::RegionListReport> RegionListReport(const Books& books,
                                                      const std::string& region) {
  ASSIGN_OR_RETURN(v1::RegionBalancesReport tree, RegionBalancesReport(books, region));
  v1::RegionListReport report;
  for (const v1::RegionEntry& entry : tree.regions()) {
    v1::RegionRecord& record = *report.add_regions();
    record.set_code(entry.code());
    record.set_name(entry.name());
    record.set_parent_code(entry.parent_code());
    record.set_depth(entry.depth());
    record.set_registered_on(entry.registered_on());
    record.set_amended_on(entry.amended_on());
    *record.mutable_former_names() = entry.former_names();
  }
  return report;
}

absl::StatusOr<v1::PairingListReport> PairingListReport(const Books& books,
                                                        const std::string& region) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsListed(ListKind::kPairings)));
  if (!region.empty() && books.regions.FindRegion(region) == nullptr) return RegionNotFound(region);
  auto name_of = [&books](const std::string& code) {
    const v1::RegionEntry* entry = books.regions.FindRegion(code);
    return entry == nullptr ? std::string() : entry->name();
  };
  v1::PairingListReport report;
  for (const v1::Pairing& pairing : books.helpers.state().pairings()) {
    if (!region.empty() && !books.regions.IsWithin(pairing.helper_code(), region) &&
        !books.regions.IsWithin(pairing.recipient_code(), region)) {
      continue;
    }
    v1::PairingRecord& record = *report.add_pairings();
    record.set_helper_code(pairing.helper_code());
    record.set_helper_name(name_of(pairing.helper_code()));
    record.set_recipient_code(pairing.recipient_code());
    record.set_recipient_name(name_of(pairing.recipient_code()));
    record.set_program(pairing.program());
    record.set_since(pairing.since());
    record.set_established_on(pairing.established_on());
    record.set_status(pairing.ended_on().empty() ? "in_force" : "ended");
    record.set_ended_on(pairing.ended_on());
    record.set_end_reason(pairing.end_reason());
  }
  return report;
}

absl::StatusOr<v1::ProjectListReport> ProjectListReport(const Books& books,
                                                        const std::string& region) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsListed(ListKind::kProjects)));
  ASSIGN_OR_RETURN(v1::ProjectTotalsReport projects, ProjectTotalsReport(books, region));
  v1::ProjectListReport report;
  for (const v1::ProjectEntry& entry : projects.projects()) {
    v1::ProjectRecord& record = *report.add_projects();
    record.set_project_id(entry.project_id());
    record.set_name(entry.name());
    record.set_region_code(entry.region_code());
    const v1::RegionEntry* where = books.regions.FindRegion(entry.region_code());
    if (where != nullptr) record.set_region_name(where->name());
    record.set_category(entry.category());
    record.set_budget_fen(entry.budget_fen());
    record.set_registered_on(entry.registered_on());
    record.set_amended_on(entry.amended_on());
    *record.mutable_former_names() = entry.former_names();
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
  for (const v1::ProjectEntry* entry : selected) {
    v1::ProjectEntry& project = *report.add_projects();
    project = *entry;
    project.clear_first_reference();  // validation's, not a figure
  }
  return report;
}

v1::HelperTotalsReport HelperTotalsReport(const Books& books) {
  AIDLEDGER_CHECK(books.Folds(ProjectionsRead(ReportKind::kHelpers, "")));
  // Each helper's entry, then every region above one (a province that gave
  // nothing itself is still where its cities' giving adds up), with its
  // own giving added to its total and to each total above it. No sum
  // overflows: validation bounds the ledger's grand totals.
  std::map<std::string, v1::HelperEntry> shown;  // by code: ordered, for the tree walk
  for (const v1::HelperEntry& own : books.helpers.state().helpers()) {
    v1::HelperEntry& entry = shown[own.code()];
    const v1::HelperFigures keep = entry.total();  // added by a helper below, seen first
    entry = own;
    *entry.mutable_total() = keep;
    std::string code = own.code();
    while (!code.empty()) {
      v1::HelperEntry& at = shown[code];
      at.set_code(code);
      at.mutable_total()->set_allocated_fen(at.total().allocated_fen() + own.allocated_fen());
      at.mutable_total()->set_invested_fen(at.total().invested_fen() + own.invested_fen());
      at.mutable_total()->set_sales_fen(at.total().sales_fen() + own.sales_fen());
      const v1::RegionEntry* region = books.regions.FindRegion(code);
      if (region == nullptr) break;
      if (at.name().empty()) at.set_name(region->name());
      at.set_parent_code(region->parent_code());
      at.set_depth(region->depth());
      code = region->parent_code();
    }
  }
  std::map<std::string, std::vector<const v1::HelperEntry*>> children;
  std::vector<const v1::HelperEntry*> roots;
  for (const auto& [code, entry] : shown) {
    (shown.contains(entry.parent_code()) ? children[entry.parent_code()] : roots).push_back(&entry);
  }
  v1::HelperTotalsReport report;
  // Depth first; the tree is as deep as a region may be (REGION_TOO_DEEP).
  std::vector<const v1::HelperEntry*> pending(roots.rbegin(), roots.rend());
  while (!pending.empty()) {
    const v1::HelperEntry* entry = pending.back();
    pending.pop_back();
    *report.add_helpers() = *entry;
    auto below = children.find(entry->code());
    if (below != children.end()) pending.insert(pending.end(), below->second.rbegin(), below->second.rend());
  }
  return report;
}

absl::StatusOr<std::optional<uint32_t>> ParseMonth(absl::string_view text,
                                                   absl::string_view parameter) {
  if (text.empty()) return std::nullopt;
  std::optional<uint32_t> month = RegionMonths::MonthIndex(text);
  if (text.size() != 7 || !month.has_value()) {
    return UsageError(
        absl::Substitute(Tr("$0 must be a month YYYY-MM from $1-01 to $2-12 (got \"$3\")"),
                         parameter, limits::kYearMin, limits::kYearMax,
                         text.substr(0, limits::kQuotedInputBytesMax)));
  }
  return month;
}

uint32_t PeriodOf(SeriesQuery::Period period, uint32_t month) {
  switch (period) {
    case SeriesQuery::Period::kMonth:
      return month;
    case SeriesQuery::Period::kQuarter:
      return month / 3;
    case SeriesQuery::Period::kYear:
      return month / 12;
  }
  return month;
}

std::string PeriodName(SeriesQuery::Period period, uint32_t index) {
  switch (period) {
    case SeriesQuery::Period::kMonth:
      return RegionMonths::MonthName(index);
    case SeriesQuery::Period::kQuarter:
      return absl::StrCat(index / 4, "-Q", index % 4 + 1);
    case SeriesQuery::Period::kYear:
      return absl::StrCat(index);
  }
  return "";
}

absl::StatusOr<SeriesQuery> ParseSeriesQuery(absl::string_view region, absl::string_view metric,
                                             absl::string_view period, absl::string_view from,
                                             absl::string_view to) {
  SeriesQuery query;
  query.region = std::string(region);
  if (!metric.empty()) {
    for (absl::string_view name : absl::StrSplit(metric, ',')) {
      auto it = std::find(kSeriesMetrics.begin(), kSeriesMetrics.end(), name);
      if (it == kSeriesMetrics.end()) {
        return UsageError(absl::Substitute(
            Tr("metric must be allocated, disbursed, invested or sales, or a comma-separated "
               "list of them (got \"$0\")"),
            name.substr(0, limits::kQuotedInputBytesMax)));
      }
      const size_t index = static_cast<size_t>(it - kSeriesMetrics.begin());
      if (std::find(query.metrics.begin(), query.metrics.end(), index) != query.metrics.end()) {
        return UsageError(absl::Substitute(Tr("metric names $0 twice"), name));
      }
      query.metrics.push_back(index);
    }
  } else {
    for (size_t i = 0; i < kSeriesMetrics.size(); ++i) query.metrics.push_back(i);
  }
  if (!period.empty()) {
    auto it = std::find_if(kSeriesPeriods.begin(), kSeriesPeriods.end(),
                           [&](const auto& each) { return each.second == period; });
    if (it == kSeriesPeriods.end()) {
      return UsageError(
          absl::Substitute(Tr("period must be month, quarter or year (got \"$0\")"),
                           period.substr(0, limits::kQuotedInputBytesMax)));
    }
    query.period = it->first;
  }
  ASSIGN_OR_RETURN(query.from, ParseMonth(from, "from"));
  ASSIGN_OR_RETURN(query.to, ParseMonth(to, "to"));
  if (query.from.has_value() && query.to.has_value() && *query.from > *query.to) {
    return UsageError(absl::Substitute(Tr("from ($0) is after to ($1)"), from, to));
  }
  return query;
}

absl::StatusOr<v1::SeriesReport> SeriesReport(const Books& books, const SeriesQuery& query) {
  AIDLEDGER_CHECK(books.Folds(kSeriesProjections));
  const v1::RegionEntry* region = nullptr;
  if (!query.region.empty()) {
    region = books.regions.FindRegion(query.region);
    if (region == nullptr) return RegionNotFound(query.region);
  }
  // The monthly figures of the region and of every region below it (the
  // tree is RegionBalances'; a walk up is at most kRegionDepthMax steps).
  std::vector<const v1::MonthlyFigures*> within;
  uint32_t first = UINT32_MAX, last = 0;
  for (const v1::MonthlyFigures& months : books.months.state().months()) {
    if (!query.region.empty() && !books.regions.IsWithin(months.region_code(), query.region)) {
      continue;
    }
    within.push_back(&months);
    first = std::min(first, months.first_month());
    last = std::max(last, months.first_month() +
                              static_cast<uint32_t>(months.allocated_fen_size()) - 1);
  }
  v1::SeriesReport report;
  report.set_region_code(query.region);
  if (region != nullptr) report.set_region_name(region->name());
  report.set_period(std::string(kSeriesPeriods[static_cast<size_t>(query.period)].second));
  for (size_t metric : query.metrics) report.add_metrics(std::string(kSeriesMetrics[metric]));
  const uint32_t from = query.from.value_or(first);
  const uint32_t to = query.to.value_or(last);
  if (within.empty() && !(query.from.has_value() && query.to.has_value())) return report;
  report.set_from(RegionMonths::MonthName(from));
  report.set_to(RegionMonths::MonthName(to));
  if (from > to) return report;  // only one bound given, beyond the figures
  // Sums in 128 bits: a subtree's month can exceed what one region's can.
  const uint32_t first_period = PeriodOf(query.period, from);
  std::vector<std::array<__int128, kSeriesMetrics.size()>> sums(
      PeriodOf(query.period, to) - first_period + 1);
  for (const v1::MonthlyFigures* months : within) {
    const std::array<const google::protobuf::RepeatedField<int64_t>*, 4> arrays = {
        &months->allocated_fen(), &months->disbursed_fen(), &months->invested_fen(),
        &months->sales_fen()};
    const uint32_t begin = std::max(from, months->first_month());
    const uint32_t end =
        std::min(to + 1, months->first_month() + static_cast<uint32_t>(arrays[0]->size()));
    for (uint32_t month = begin; month < end; ++month) {
      std::array<__int128, 4>& sum = sums[PeriodOf(query.period, month) - first_period];
      const int at = static_cast<int>(month - months->first_month());
      for (size_t metric = 0; metric < arrays.size(); ++metric) sum[metric] += arrays[metric]->Get(at);
    }
  }
  for (size_t i = 0; i < sums.size(); ++i) {
    v1::SeriesPoint& point = *report.add_points();
    point.set_period(PeriodName(query.period, first_period + static_cast<uint32_t>(i)));
    for (size_t metric : query.metrics) {
      const __int128 value = sums[i][metric];
      if (value > INT64_MAX || value < INT64_MIN) {
        return absl::OutOfRangeError(absl::StrCat("the ", kSeriesMetrics[metric], " of ",
                                                  point.period(), " exceeds 64 bits"));
      }
      point.add_values_fen(static_cast<int64_t>(value));
    }
  }
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
