#include "state/progress.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/substitute.h"
#include "base/check.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
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

// A region code held as a number (IndicatorTotals::CodeNumber) as text.
std::string CodeText(uint64_t code) { return absl::StrFormat("%06u", code); }

// The pairings by helper (as views into `books`): a figure looks up its
// helper's regions here, and only for those that are paired its
// recipient's. kDataLoss for a pairing of a region not registered.
using Paired = absl::flat_hash_map<absl::string_view, absl::flat_hash_set<absl::string_view>>;
absl::StatusOr<Paired> PairedByHelper(const Books& books) {
  Paired paired;
  for (uint64_t pairing : books.indicators.state().pairings()) {
    const v1::RegionEntry* helper = books.regions.FindRegion(CodeText(pairing >> 32));
    const v1::RegionEntry* recipient = books.regions.FindRegion(CodeText(pairing & 0xffffffffu));
    if (helper == nullptr || recipient == nullptr) {
      return absl::DataLossError(absl::StrCat("the pairing ", pairing >> 32, ">",
                                              pairing & 0xffffffffu, " names a region not registered"));
    }
    paired[helper->code()].insert(recipient->code());
  }
  return paired;
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
  ASSIGN_OR_RETURN(const Paired paired, PairedByHelper(books));
  // Each region's chain, walked once for all the figures that name it.
  absl::node_hash_map<uint32_t, Chain> chains;
  auto chain_of = [&](uint32_t code) -> const Chain& {
    auto [it, inserted] = chains.try_emplace(code);
    if (inserted) it->second = SelfAndAncestors(books, CodeText(code));
    return it->second;
  };
  const v1::IndicatorYear empty;
  const v1::IndicatorYear* figures = books.indicators.FiguresOf(query.year);
  if (figures == nullptr) figures = &empty;
  for (int i = 0; i < figures->helper_size(); ++i) {
    if (figures->value(i) == 0) continue;
    const Chain* recipients = nullptr;  // found for the first paired helper
    for (absl::string_view helper : chain_of(figures->helper(i))) {
      auto recipients_of_helper = paired.find(helper);
      if (recipients_of_helper == paired.end()) continue;
      if (recipients == nullptr) recipients = &chain_of(figures->recipient(i));
      for (absl::string_view recipient : *recipients) {
        if (!recipients_of_helper->second.contains(recipient) ||
            !Matches(query, helper, recipient)) {
          continue;
        }
        v1::ProgressRow* r = row(helper, recipient, figures->indicator(i));
        int64_t sum;
        if (__builtin_add_overflow(r->actual(), figures->value(i), &sum)) {
          return absl::OutOfRangeError(absl::StrCat("the figure of ", IndicatorCode(figures->indicator(i)),
                                                    " of ", helper, " to ", recipient,
                                                    " overflows 64 bits"));
        }
        r->set_actual(sum);
      }
    }
  }
  const v1::IndicatorTotalsState& state = books.indicators.state();
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
