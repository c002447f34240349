#include "state/indicator_totals.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "state/indicators.h"

namespace aidledger {

std::optional<IndicatorFigure> OwnIndicatorFigureOf(const FoldEvent& event, int64_t sign) {
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
      return IndicatorFigure{.helper = event.helper_code, .recipient = event.recipient_code,
                             .indicator = v1::FISCAL_ASSISTANCE, .value = sign * event.amount_fen};
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      if (event.helper_code.empty()) return std::nullopt;
      return IndicatorFigure{.helper = event.helper_code, .recipient = event.region_code,
                             .indicator = event.payload == v1::Event::kSaleRecorded
                                              ? v1::CONSUMPTION_SALES
                                              : v1::ENTERPRISE_INVESTMENT,
                             .value = sign * event.amount_fen};
    case v1::Event::kIndicatorRecorded:
      return IndicatorFigure{.helper = event.helper_code, .recipient = event.recipient_code,
                             .indicator = event.indicator, .value = sign * event.value};
    default:
      return std::nullopt;
  }
}

absl::Status IndicatorFiguresOf(const FoldEvent& event, int64_t sign, IndicatorFigures* figures) {
  figures->clear();
  const std::optional<IndicatorFigure> own = OwnIndicatorFigureOf(event, sign);
  if (!own.has_value()) return absl::OkStatus();
  figures->push_back(*own);
  if (event.payload != v1::Event::kIndicatorRecorded) return absl::OkStatus();
  if (event.of_which_count > event.of_which.size()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " holds ",
                                            event.of_which_count, " breakdowns, more than ",
                                            event.of_which.size()));
  }
  for (uint32_t i = 0; i < event.of_which_count; ++i) {
    figures->push_back({.helper = own->helper, .recipient = own->recipient,
                        .indicator = event.of_which[i].indicator,
                        .value = sign * event.of_which[i].value});
  }
  return absl::OkStatus();
}

int32_t IndicatorTotals::YearOf(absl::string_view date) {
  if (date.size() < 4) return 0;
  int32_t year = 0;
  for (char c : date.substr(0, 4)) {
    if (c < '0' || c > '9') return 0;
    year = year * 10 + (c - '0');
  }
  return year;
}

std::optional<uint32_t> IndicatorTotals::CodeNumber(absl::string_view code) {
  if (code.size() != 6) return std::nullopt;
  uint32_t number = 0;
  for (char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint32_t>(c - '0');
  }
  return number;
}

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
  years.reserve(state->years_size());
  for (v1::IndicatorYear& year : *state->mutable_years()) {
    const int size = year.helper_size();
    if (year.recipient_size() != size || year.indicator_size() != size ||
        year.value_size() != size || static_cast<size_t>(size) > limits::kIndicatorYearFiguresMax) {
      return absl::DataLossError(
          absl::StrCat(projection, " state holds the figures of ", year.year(), " unaligned"));
    }
    auto [it, inserted] = years.try_emplace(year.year(), std::make_unique<YearIndex>());
    if (!inserted) return StateHoldsTwice(projection, "year", absl::StrCat(year.year()));
    it->second->figures = &year;
  }
  pairings.reserve(state->pairings_size());
  for (uint64_t pairing : state->pairings()) {
    if (!pairings.insert(pairing).second) {
      return StateHoldsTwice(projection, "pairing", absl::StrCat(pairing >> 32, ">", pairing & 0xffffffffu));
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

absl::StatusOr<IndicatorTotals::YearIndex*> IndicatorTotals::IndexedYear(int32_t year) {
  Index& index = *data_.mutable_index();
  auto [it, inserted] = index.years.try_emplace(year, nullptr);
  if (inserted) {
    it->second = std::make_unique<YearIndex>();
    it->second->figures = data_.mutable_state()->add_years();
    it->second->figures->set_year(year);
    it->second->indexed = true;
  }
  YearIndex& y = *it->second;
  if (y.indexed) return &y;
  const v1::IndicatorYear& figures = *y.figures;
  y.positions.reserve(figures.helper_size());
  for (int i = 0; i < figures.helper_size(); ++i) {
    const Key key{.helper = figures.helper(i), .recipient = figures.recipient(i),
                  .indicator = figures.indicator(i)};
    if (!y.positions.emplace(key, static_cast<uint32_t>(i)).second) {
      y.positions.clear();
      return StateHoldsTwice(name(), "figure",
                             absl::StrCat(key.helper, ">", key.recipient, " of ", year));
    }
  }
  y.indexed = true;
  return &y;
}

IndicatorTotals::Located IndicatorTotals::Locate(int32_t year, const Key& key) const {
  auto y = data_.index().years.find(year);
  if (y == data_.index().years.end() || !y->second->indexed) return {};
  auto it = y->second->positions.find(key);
  if (it == y->second->positions.end()) return {};
  return {.year = y->second->figures, .position = it->second};
}

const v1::IndicatorYear* IndicatorTotals::FiguresOf(int32_t year) const {
  auto it = data_.index().years.find(year);
  return it == data_.index().years.end() ? nullptr : it->second->figures;
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
  std::optional<Key> key = KeyOf(0, helper_code, recipient_code, indicator);
  if (!key.has_value()) return 0;
  if (const Located at = Locate(year, *key); at.year != nullptr) {
    return at.year->value(static_cast<int>(at.position));
  }
  const v1::IndicatorYear* figures = FiguresOf(year);
  if (figures == nullptr) return 0;
  for (int i = 0; i < figures->helper_size(); ++i) {
    if (figures->helper(i) == key->helper && figures->recipient(i) == key->recipient &&
        figures->indicator(i) == indicator) {
      return figures->value(i);
    }
  }
  return 0;
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

std::optional<std::pair<int32_t, IndicatorTotals::Key>> IndicatorTotals::FigureKeyOf(
    const FoldEvent& event) {
  const std::optional<IndicatorFigure> own = OwnIndicatorFigureOf(event, 1);
  if (!own.has_value()) return std::nullopt;
  const std::optional<Key> key = KeyOf(0, own->helper, own->recipient, own->indicator);
  if (!key.has_value()) return std::nullopt;
  return std::make_pair(YearOf(event.effective_date), *key);
}

absl::Status IndicatorTotals::ApplyBatch(absl::Span<const FoldEvent* const> events,
                                         size_t* failed) {
  return ApplyStaged<Located>(
      events, failed,
      [this](const FoldEvent& event) {
        const auto at = FigureKeyOf(event);
        if (!at.has_value()) return;
        auto y = data_.index().years.find(at->first);
        if (y != data_.index().years.end() && y->second->indexed) {
          y->second->positions.prefetch(at->second);
        }
      },
      [this](const FoldEvent& event) -> Located {
        const auto at = FigureKeyOf(event);
        if (!at.has_value()) return {};
        const Located located = Locate(at->first, at->second);
        if (located.year != nullptr) {
          __builtin_prefetch(located.year->value().data() + located.position);
        }
        return located;
      },
      [this](const FoldEvent& event, int64_t sign, Located located, absl::string_view) {
        return FoldAt(event, sign, located);
      });
}

absl::Status IndicatorTotals::AddFigure(const FoldEvent& event, absl::string_view helper,
                                        absl::string_view recipient, int indicator,
                                        int64_t value, Located located) {
  if (located.year == nullptr) {
    const std::optional<Key> key = KeyOf(0, helper, recipient, indicator);
    if (!key.has_value()) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, " names regions ", helper,
                                              " and ", recipient, ", not both six-digit codes"));
    }
    ASSIGN_OR_RETURN(YearIndex * y, IndexedYear(YearOf(event.effective_date)));
    auto it = y->positions.find(*key);
    if (it != y->positions.end()) {
      located = {.year = y->figures, .position = it->second};
    } else {
      if (value < 0) {
        return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                                " takes back a figure never recorded"));
      }
      const size_t size = y->positions.size();
      if (size >= limits::kIndicatorYearFiguresMax) {
        return absl::ResourceExhaustedError(
            absl::StrCat("event ", event.sequence, " adds a figure past the ",
                         limits::kIndicatorYearFiguresMax, " of a year"));
      }
      y->figures->add_helper(key->helper);
      y->figures->add_recipient(key->recipient);
      y->figures->add_indicator(indicator);
      y->figures->add_value(0);
      y->positions.emplace(*key, static_cast<uint32_t>(size));
      located = {.year = y->figures, .position = static_cast<uint32_t>(size)};
    }
  }
  int64_t* figure = located.year->mutable_value()->Mutable(static_cast<int>(located.position));
  int64_t sum;
  if (__builtin_add_overflow(*figure, value, &sum) || sum < 0) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " takes indicator ",
                                            IndicatorCode(indicator), " of ", helper, " to ",
                                            recipient, " out of range"));
  }
  *figure = sum;
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

absl::Status IndicatorTotals::FoldPairing(const FoldEvent& event, int64_t sign) {
  const std::optional<Key> key = KeyOf(0, event.helper_code, event.recipient_code, 0);
  if (!key.has_value()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " pairs ", event.helper_code,
                                            " with ", event.recipient_code,
                                            ", not both six-digit codes"));
  }
  const uint64_t pairing = PairingOf(key->helper, key->recipient);
  google::protobuf::RepeatedField<uint64_t>& pairings = *data_.mutable_state()->mutable_pairings();
  absl::flat_hash_set<uint64_t>& indexed = data_.mutable_index()->pairings;
  if (sign > 0) {
    if (!indexed.insert(pairing).second) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, " pairs ",
                                              event.helper_code, " with ", event.recipient_code,
                                              " again"));
    }
    pairings.Add(pairing);
    return absl::OkStatus();
  }
  // A registration taken back: the pairing goes, the others keep their order.
  for (int i = 0; i < pairings.size(); ++i) {
    if (pairings.Get(i) != pairing) continue;
    for (int j = i + 1; j < pairings.size(); ++j) pairings.Set(j - 1, pairings.Get(j));
    pairings.RemoveLast();
    indexed.erase(pairing);
    return absl::OkStatus();
  }
  return absl::DataLossError(absl::StrCat("event ", event.sequence, " takes back a pairing of ",
                                          event.helper_code, " with ", event.recipient_code,
                                          " never established"));
}

absl::Status IndicatorTotals::FoldAt(const FoldEvent& event, int64_t sign, Located located) {
  switch (event.payload) {
    case v1::Event::kTargetSet:
      if (sign < 0) return absl::DataLossError("a target is reversed");
      return SetTarget(event);
    case v1::Event::kPairingEstablished:
      return FoldPairing(event, sign);
    default:
      break;
  }
  IndicatorFigures figures;
  RETURN_IF_ERROR(IndicatorFiguresOf(event, sign, &figures));
  for (size_t i = 0; i < figures.size(); ++i) {
    const IndicatorFigure& figure = figures[i];
    // ApplyBatch located the event's own figure, not its breakdowns.
    RETURN_IF_ERROR(AddFigure(event, figure.helper, figure.recipient, figure.indicator,
                              figure.value, i == 0 ? located : Located{}));
  }
  return absl::OkStatus();
}

}  // namespace aidledger
