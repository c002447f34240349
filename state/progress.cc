#include "state/progress.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "base/check.h"
#include "base/limits.h"
#include "base/messages.h"
#include "state/indicators.h"

namespace aidledger {
namespace {

// Reports list indicators in the table's order, a newer writer's last.
int OrderOf(int indicator) {
  const absl::Span<const IndicatorInfo> all = Indicators();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].value == indicator) return static_cast<int>(i);
  }
  return static_cast<int>(all.size()) + indicator;
}

// `code` and the regions above it, nearest first (at most kRegionDepthMax
// + 1 of them), as views into `books`.
using Chain = absl::InlinedVector<absl::string_view, limits::kRegionDepthMax + 1>;
Chain SelfAndAncestors(const Books& books, absl::string_view code) {
  Chain chain;
  const v1::RegionEntry* region = books.regions.FindRegion(code);
  while (region != nullptr && chain.size() < chain.capacity()) {
    chain.push_back(region->code());
    region = region->parent_code().empty() ? nullptr : books.regions.FindRegion(region->parent_code());
  }
  return chain;
}

// A row's place: helper, recipient, and the indicator's OrderOf.
using RowKey = std::tuple<absl::string_view, absl::string_view, int>;

bool Matches(const ProgressQuery& query, absl::string_view helper, absl::string_view recipient) {
  return (query.helper.empty() || query.helper == helper) &&
         (query.recipient.empty() || query.recipient == recipient);
}

// The report of `rows` in RowKey order, each with its completion rate.
v1::ProgressReport Ordered(int32_t year, absl::flat_hash_map<RowKey, v1::ProgressRow>* rows) {
  std::vector<std::pair<RowKey, v1::ProgressRow*>> ordered;
  ordered.reserve(rows->size());
  for (auto& [key, r] : *rows) ordered.emplace_back(key, &r);
  std::sort(ordered.begin(), ordered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  v1::ProgressReport report;
  report.set_year(year);
  for (auto& [key, r] : ordered) {
    if (r->has_target()) r->set_completion_per_mille(CompletionPerMille(r->actual(), r->target()));
    *report.add_rows() = std::move(*r);
  }
  return report;
}

}  // namespace

int64_t CompletionPerMille(int64_t actual, int64_t target) {
  AIDLEDGER_CHECK(target > 0 && actual >= 0);
  const __int128 scaled = static_cast<__int128>(actual) * 2000 + target;
  return static_cast<int64_t>(scaled / (2 * static_cast<__int128>(target)));
}

absl::StatusOr<v1::ProgressReport> BuildProgress(const Books& books, const ProgressQuery& query) {
  AIDLEDGER_CHECK(books.Folds(kProgressProjections));
  for (const std::string* code : {&query.helper, &query.recipient}) {
    if (!code->empty() && books.regions.FindRegion(*code) == nullptr) {
      return absl::NotFoundError(absl::Substitute(Tr("region $0 is not registered"), *code));
    }
  }
  absl::flat_hash_map<RowKey, v1::ProgressRow> rows;
  auto row = [&](absl::string_view helper, absl::string_view recipient, int indicator) {
    v1::ProgressRow& r = rows[RowKey(helper, recipient, OrderOf(indicator))];
    if (r.helper_code().empty()) {
      r.set_year(query.year);
      r.set_helper_code(helper.data(), helper.size());
      r.set_recipient_code(recipient.data(), recipient.size());
      r.set_indicator(indicator);
    }
    return &r;
  };
  // The pairings by helper: a figure looks up its helper's regions here,
  // and only for those that are paired its recipient's.
  absl::flat_hash_map<absl::string_view, absl::flat_hash_set<absl::string_view>> paired;
  for (const v1::Pairing& pairing : books.helpers.state().pairings()) {
    paired[pairing.helper_code()].insert(pairing.recipient_code());
  }
  const v1::IndicatorTotalsState& state = books.indicators.state();
  for (const v1::IndicatorFigure& figure : state.figures()) {
    if (figure.year() != query.year || figure.value() == 0) continue;
    std::optional<Chain> recipients;  // computed for the first paired helper
    for (absl::string_view helper : SelfAndAncestors(books, figure.helper_code())) {
      auto recipients_of_helper = paired.find(helper);
      if (recipients_of_helper == paired.end()) continue;
      if (!recipients.has_value()) recipients = SelfAndAncestors(books, figure.recipient_code());
      for (absl::string_view recipient : *recipients) {
        if (!recipients_of_helper->second.contains(recipient) ||
            !Matches(query, helper, recipient)) {
          continue;
        }
        v1::ProgressRow* r = row(helper, recipient, figure.indicator());
        int64_t sum;
        if (__builtin_add_overflow(r->actual(), figure.value(), &sum)) {
          return absl::OutOfRangeError(absl::StrCat("the figure of ", IndicatorCode(figure.indicator()),
                                                    " of ", helper, " to ", recipient,
                                                    " overflows 64 bits"));
        }
        r->set_actual(sum);
      }
    }
  }
  for (const v1::IndicatorTarget& target : state.targets()) {
    if (target.year() != query.year ||
        !Matches(query, target.helper_code(), target.recipient_code())) {
      continue;
    }
    v1::ProgressRow* r = row(target.helper_code(), target.recipient_code(), target.indicator());
    std::vector<const v1::TargetRevision*> history;
    for (const v1::TargetRevision& revision : target.history()) history.push_back(&revision);
    std::sort(history.begin(), history.end(), [](const auto* a, const auto* b) {
      if (a->effective_date() != b->effective_date()) return a->effective_date() < b->effective_date();
      return a->seq() < b->seq();
    });
    for (const v1::TargetRevision* revision : history) *r->add_target_history() = *revision;
    r->set_target(history.back()->value());
  }
  return Ordered(query.year, &rows);
}

}  // namespace aidledger
