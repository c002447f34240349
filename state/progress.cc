#include "state/progress.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <vector>

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
// + 1 of them).
std::vector<std::string> SelfAndAncestors(const Books& books, const std::string& code) {
  std::vector<std::string> chain;
  const v1::RegionEntry* region = books.regions.FindRegion(code);
  for (int i = 0; region != nullptr && i <= limits::kRegionDepthMax; ++i) {
    chain.push_back(region->code());
    region = region->parent_code().empty() ? nullptr : books.regions.FindRegion(region->parent_code());
  }
  return chain;
}

using RowKey = std::tuple<std::string, std::string, int>;  // helper, recipient, OrderOf

bool Matches(const ProgressQuery& query, const std::string& helper, const std::string& recipient) {
  return (query.helper.empty() || query.helper == helper) &&
         (query.recipient.empty() || query.recipient == recipient);
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
  std::map<RowKey, v1::ProgressRow> rows;
  auto row = [&](const std::string& helper, const std::string& recipient, int indicator) {
    v1::ProgressRow& r = rows[RowKey(helper, recipient, OrderOf(indicator))];
    if (r.helper_code().empty()) {
      r.set_year(query.year);
      r.set_helper_code(helper);
      r.set_recipient_code(recipient);
      r.set_indicator(indicator);
    }
    return &r;
  };
  const v1::IndicatorTotalsState& state = books.indicators.state();
  for (const v1::IndicatorFigure& figure : state.figures()) {
    if (figure.year() != query.year || figure.value() == 0) continue;
    const std::vector<std::string> helpers = SelfAndAncestors(books, figure.helper_code());
    const std::vector<std::string> recipients = SelfAndAncestors(books, figure.recipient_code());
    for (const std::string& helper : helpers) {
      for (const std::string& recipient : recipients) {
        if (!Matches(query, helper, recipient) ||
            books.helpers.FindPairing(helper, recipient) == nullptr) {
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
  v1::ProgressReport report;
  report.set_year(query.year);
  for (auto& [key, r] : rows) {
    if (r.has_target()) r.set_completion_per_mille(CompletionPerMille(r.actual(), r.target()));
    *report.add_rows() = std::move(r);
  }
  return report;
}

}  // namespace aidledger
