#include "state/indicator_totals.h"

#include "absl/strings/str_cat.h"
#include "state/indicators.h"

namespace aidledger {

int32_t IndicatorTotals::YearOf(absl::string_view date) {
  if (date.size() < 4) return 0;
  int32_t year = 0;
  for (char c : date.substr(0, 4)) {
    if (c < '0' || c > '9') return 0;
    year = year * 10 + (c - '0');
  }
  return year;
}

namespace {

// A six-digit region code as a number; nullopt for anything else.
std::optional<uint32_t> CodeNumber(absl::string_view code) {
  if (code.size() != 6) return std::nullopt;
  uint32_t number = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint32_t>(c - '0');
  }
  return number;
}

}  // namespace

std::optional<IndicatorTotals::Key> IndicatorTotals::KeyOf(int32_t year, absl::string_view helper,
                                                           absl::string_view recipient,
                                                           int indicator) {
  const std::optional<uint32_t> h = CodeNumber(helper), r = CodeNumber(recipient);
  if (!h.has_value() || !r.has_value()) return std::nullopt;
  return Key{.helper = *h, .recipient = *r, .year = year, .indicator = indicator};
}

absl::Status IndicatorTotals::Index::Rebuild(absl::string_view projection,
                                             v1::IndicatorTotalsState* state) {
  auto key_error = [&](absl::string_view helper, absl::string_view recipient) {
    return absl::DataLossError(absl::StrCat(projection, " state holds regions ", helper, " and ",
                                            recipient, ", not both six-digit codes"));
  };
  figures.reserve(state->figures_size());
  for (v1::IndicatorFigure& figure : *state->mutable_figures()) {
    const std::optional<Key> key = KeyOf(figure.year(), figure.helper_code(),
                                         figure.recipient_code(), figure.indicator());
    if (!key.has_value()) return key_error(figure.helper_code(), figure.recipient_code());
    if (!figures.emplace(*key, &figure).second) {
      return StateHoldsTwice(projection, "figure",
                             absl::StrCat(figure.helper_code(), ">", figure.recipient_code()));
    }
  }
  targets.reserve(state->targets_size());
  for (v1::IndicatorTarget& target : *state->mutable_targets()) {
    if (target.history().empty()) {
      return absl::DataLossError(absl::StrCat(projection, " state holds a target never set"));
    }
    const std::optional<Key> key = KeyOf(target.year(), target.helper_code(),
                                         target.recipient_code(), target.indicator());
    if (!key.has_value()) return key_error(target.helper_code(), target.recipient_code());
    if (!targets.emplace(*key, &target).second) {
      return StateHoldsTwice(projection, "target",
                             absl::StrCat(target.helper_code(), ">", target.recipient_code()));
    }
  }
  return absl::OkStatus();
}

const v1::IndicatorTarget* IndicatorTotals::FindTarget(int32_t year, absl::string_view helper_code,
                                                       absl::string_view recipient_code,
                                                       int indicator) const {
  const std::optional<Key> key = KeyOf(year, helper_code, recipient_code, indicator);
  if (!key.has_value()) return nullptr;
  auto it = data_.index().targets.find(*key);
  return it == data_.index().targets.end() ? nullptr : it->second;
}

int64_t IndicatorTotals::FigureOf(int32_t year, absl::string_view helper_code,
                                  absl::string_view recipient_code, int indicator) const {
  const std::optional<Key> key = KeyOf(year, helper_code, recipient_code, indicator);
  if (!key.has_value()) return 0;
  auto it = data_.index().figures.find(*key);
  return it == data_.index().figures.end() ? 0 : it->second->value();
}

uint64_t IndicatorTotals::FirstTargetOf(absl::string_view helper_code,
                                        absl::string_view recipient_code) const {
  uint64_t first = 0;
  for (const v1::IndicatorTarget& target : data_.state().targets()) {
    if (target.helper_code() != helper_code || target.recipient_code() != recipient_code) continue;
    const uint64_t seq = target.history(0).seq();
    if (first == 0 || seq < first) first = seq;
  }
  return first;
}

std::optional<IndicatorTotals::Key> IndicatorTotals::FigureKeyOf(const FoldEvent& event) {
  const int32_t year = YearOf(event.effective_date);
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      return KeyOf(year, event.helper_code, event.recipient_code, v1::FISCAL_ASSISTANCE);
    case v1::Event::kInvestmentRecorded:
      if (event.helper_code.empty()) return std::nullopt;
      return KeyOf(year, event.helper_code, event.region_code, v1::ENTERPRISE_INVESTMENT);
    case v1::Event::kSaleRecorded:
      if (event.helper_code.empty()) return std::nullopt;
      return KeyOf(year, event.helper_code, event.region_code, v1::CONSUMPTION_SALES);
    case v1::Event::kIndicatorRecorded:
      return KeyOf(year, event.helper_code, event.recipient_code, event.indicator);
    default:
      return std::nullopt;
  }
}

absl::Status IndicatorTotals::ApplyBatch(absl::Span<const FoldEvent* const> events,
                                         size_t* failed) {
  return ApplyStaged<v1::IndicatorFigure*>(
      events, failed,
      [this](const FoldEvent& event) {
        if (const std::optional<Key> key = FigureKeyOf(event)) data_.index().figures.prefetch(*key);
      },
      [this](const FoldEvent& event) -> v1::IndicatorFigure* {
        const std::optional<Key> key = FigureKeyOf(event);
        if (!key.has_value()) return nullptr;
        auto it = data_.index().figures.find(*key);
        if (it == data_.index().figures.end()) return nullptr;
        PrefetchObject(it->second);
        return it->second;
      },
      [this](const FoldEvent& event, int64_t sign, v1::IndicatorFigure* located,
             absl::string_view) { return FoldAt(event, sign, located); });
}

absl::Status IndicatorTotals::AddFigure(const FoldEvent& event, absl::string_view helper,
                                        absl::string_view recipient, int indicator,
                                        int64_t value, v1::IndicatorFigure* located) {
  if (located != nullptr) {
    int64_t sum;
    if (__builtin_add_overflow(located->value(), value, &sum) || sum < 0) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, " takes indicator ",
                                              IndicatorCode(indicator), " of ", helper, " to ",
                                              recipient, " out of range"));
    }
    located->set_value(sum);
    return absl::OkStatus();
  }
  const int32_t year = YearOf(event.effective_date);
  const std::optional<Key> key = KeyOf(year, helper, recipient, indicator);
  if (!key.has_value()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " names regions ", helper,
                                            " and ", recipient, ", not both six-digit codes"));
  }
  Index& index = *data_.mutable_index();
  auto it = index.figures.find(*key);
  v1::IndicatorFigure* figure;
  if (it != index.figures.end()) {
    figure = it->second;
  } else {
    if (value < 0) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                              " takes back a figure never recorded"));
    }
    figure = data_.mutable_state()->add_figures();
    figure->set_helper_code(helper.data(), helper.size());
    figure->set_recipient_code(recipient.data(), recipient.size());
    figure->set_year(year);
    figure->set_indicator(indicator);
    index.figures.emplace(*key, figure);
  }
  int64_t sum;
  if (__builtin_add_overflow(figure->value(), value, &sum) || sum < 0) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " takes indicator ",
                                            IndicatorCode(indicator), " of ", helper, " to ",
                                            recipient, " out of range"));
  }
  figure->set_value(sum);
  return absl::OkStatus();
}

absl::Status IndicatorTotals::SetTarget(const FoldEvent& event) {
  const std::optional<Key> key =
      KeyOf(event.year, event.helper_code, event.recipient_code, event.indicator);
  if (!key.has_value()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " sets a target of ",
                                            event.helper_code, " and ", event.recipient_code,
                                            ", not both six-digit codes"));
  }
  Index& index = *data_.mutable_index();
  auto it = index.targets.find(*key);
  v1::IndicatorTarget* target;
  if (it != index.targets.end()) {
    target = it->second;
  } else {
    target = data_.mutable_state()->add_targets();
    target->set_helper_code(event.helper_code.data(), event.helper_code.size());
    target->set_recipient_code(event.recipient_code.data(), event.recipient_code.size());
    target->set_year(event.year);
    target->set_indicator(event.indicator);
    index.targets.emplace(*key, target);
  }
  v1::TargetRevision& revision = *target->add_history();
  revision.set_value(event.value);
  revision.set_effective_date(event.effective_date.data(), event.effective_date.size());
  revision.set_seq(event.sequence);
  revision.set_reason(event.reason.data(), event.reason.size());
  return absl::OkStatus();
}

absl::Status IndicatorTotals::FoldAt(const FoldEvent& event, int64_t sign,
                                     v1::IndicatorFigure* located) {
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      return AddFigure(event, event.helper_code, event.recipient_code, v1::FISCAL_ASSISTANCE,
                       sign * event.amount_fen, located);
    case v1::Event::kInvestmentRecorded:
      if (event.helper_code.empty()) return absl::OkStatus();
      return AddFigure(event, event.helper_code, event.region_code, v1::ENTERPRISE_INVESTMENT,
                       sign * event.amount_fen, located);
    case v1::Event::kSaleRecorded:
      if (event.helper_code.empty()) return absl::OkStatus();
      return AddFigure(event, event.helper_code, event.region_code, v1::CONSUMPTION_SALES,
                       sign * event.amount_fen, located);
    case v1::Event::kIndicatorRecorded: {
      if (event.of_which_count > event.of_which.size()) {
        return absl::DataLossError(absl::StrCat("event ", event.sequence, " holds ",
                                                event.of_which_count, " breakdowns, more than ",
                                                event.of_which.size()));
      }
      absl::Status added = AddFigure(event, event.helper_code, event.recipient_code,
                                     event.indicator, sign * event.value, located);
      for (uint32_t i = 0; added.ok() && i < event.of_which_count; ++i) {
        added = AddFigure(event, event.helper_code, event.recipient_code,
                          event.of_which[i].indicator, sign * event.of_which[i].value);
      }
      return added;
    }
    case v1::Event::kTargetSet:
      if (sign < 0) return absl::DataLossError("a target is reversed");
      return SetTarget(event);
    default:
      return absl::OkStatus();
  }
}

}  // namespace aidledger
