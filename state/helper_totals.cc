#include "state/helper_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

std::string HelperTotals::PairingKey(absl::string_view helper_code,
                                     absl::string_view recipient_code) {
  return absl::StrCat(helper_code, ">", recipient_code);
}

absl::Status HelperTotals::Index::Rebuild(absl::string_view projection,
                                          v1::HelperTotalsState* state) {
  region_names.reserve(state->region_names_size());
  for (const v1::RegionName& region : state->region_names()) {
    if (!region_names.emplace(region.code(), &region.name()).second) {
      return StateHoldsTwice(projection, "region", region.code());
    }
  }
  entries.reserve(state->helpers_size());
  for (v1::HelperEntry& helper : *state->mutable_helpers()) {
    if (!region_names.contains(helper.code())) {
      return absl::DataLossError(
          absl::StrCat(projection, " state holds helper ", helper.code(), " of no region"));
    }
    if (!entries.emplace(helper.code(), &helper).second) {
      return StateHoldsTwice(projection, "helper", helper.code());
    }
  }
  pairings.reserve(state->pairings_size());
  for (v1::Pairing& pairing : *state->mutable_pairings()) {
    const std::string key = PairingKey(pairing.helper_code(), pairing.recipient_code());
    if (!pairings.emplace(key, &pairing).second) return StateHoldsTwice(projection, "pairing", key);
  }
  flows.reserve(state->flows_size());
  for (v1::MoneyFlow& flow : *state->mutable_flows()) {
    const std::string key = PairingKey(flow.helper_code(), flow.region_code());
    if (!flows.emplace(key, &flow).second) return StateHoldsTwice(projection, "money flow", key);
  }
  return absl::OkStatus();
}

const v1::Pairing* HelperTotals::FindPairing(absl::string_view helper_code,
                                             absl::string_view recipient_code) const {
  const auto& pairings = data_.index().pairings;
  auto it = pairings.find(PairingKey(helper_code, recipient_code));
  return it == pairings.end() ? nullptr : it->second;
}

v1::HelperEntry* HelperTotals::Helper(absl::string_view code) {
  Index& index = *data_.mutable_index();
  auto indexed = index.entries.find(code);
  if (indexed != index.entries.end()) return indexed->second;
  auto name = index.region_names.find(code);
  if (name == index.region_names.end()) return nullptr;
  v1::HelperEntry& entry = *data_.mutable_state()->add_helpers();
  entry.set_code(code.data(), code.size());
  entry.set_name(*name->second);
  index.entries.emplace(entry.code(), &entry);
  return &entry;
}

absl::string_view HelperTotals::FlowRegion(const FoldEvent& event) {
  switch (event.payload) {
    case v1::Event::kFundsAllocated:
    case v1::Event::kIndicatorRecorded:
      return event.recipient_code;
    case v1::Event::kInvestmentRecorded:
    case v1::Event::kSaleRecorded:
      return event.region_code;
    default:
      return {};
  }
}

const std::string& HelperTotals::FlowKey(const FoldEvent& event, absl::string_view region,
                                         std::string* key) {
  key->assign(event.helper_code.data(), event.helper_code.size());
  key->push_back('>');
  key->append(region.data(), region.size());
  return *key;
}

absl::Status HelperTotals::ApplyBatch(absl::Span<const FoldEvent* const> events, size_t* failed) {
  const Index& index = data_.index();
  std::string key;  // reused: a key fits the string's own buffer
  auto helper_of = [](const FoldEvent& event) {
    return IsMoneyEvent(event.payload) ? event.helper_code : absl::string_view();
  };
  return ApplyStaged<Located>(
      events, failed,
      [&](const FoldEvent& event) {
        if (!helper_of(event).empty()) index.entries.prefetch(helper_of(event));
        const absl::string_view region = FlowRegion(event);
        if (!region.empty()) index.flows.prefetch(FlowKey(event, region, &key));
      },
      [&](const FoldEvent& event) -> Located {
        Located located;
        if (!helper_of(event).empty()) {
          auto it = index.entries.find(helper_of(event));
          if (it != index.entries.end()) {
            PrefetchObject(it->second);
            located.helper = it->second;
          }
        }
        const absl::string_view region = FlowRegion(event);
        if (!region.empty()) {
          auto it = index.flows.find(FlowKey(event, region, &key));
          if (it != index.flows.end()) {
            PrefetchObject(it->second);
            located.flow = it->second;
          }
        }
        return located;
      },
      [this](const FoldEvent& event, int64_t sign, Located located, absl::string_view) {
        return FoldAt(event, sign, located);
      });
}

absl::Status HelperTotals::FoldRegion(const FoldEvent& event, int64_t sign) {
  Index& index = *data_.mutable_index();
  if (sign < 0) {
    // Validation took it back only while nothing named it: it helped no one.
    if (index.entries.contains(event.code) ||
        !RemoveFirst(data_.mutable_state()->mutable_region_names(),
                     [&](const v1::RegionName& region) { return region.code() == event.code; })) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, "'s region ", event.code,
                                              " is taken back while unknown or a helper"));
    }
    return data_.Reindex(name());
  }
  if (index.region_names.contains(event.code)) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " registers region ",
                                            event.code, " again"));
  }
  v1::RegionName& region = *data_.mutable_state()->add_region_names();
  region.set_code(event.code.data(), event.code.size());
  region.set_name(event.name.data(), event.name.size());
  index.region_names.emplace(region.code(), &region.name());
  return absl::OkStatus();
}

// A region's new name: in the names, and in its helper entry if it has one.
absl::Status HelperTotals::RenameRegion(const FoldEvent& event) {
  if (event.name.empty()) return absl::OkStatus();  // moved, not renamed
  Index& index = *data_.mutable_index();
  auto named = index.region_names.find(event.code);
  if (named == index.region_names.end()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " amends unknown region ",
                                            event.code));
  }
  for (v1::RegionName& region : *data_.mutable_state()->mutable_region_names()) {
    if (region.code() != event.code) continue;
    region.set_name(event.name.data(), event.name.size());
    named->second = &region.name();
  }
  auto helper = index.entries.find(event.code);
  if (helper != index.entries.end()) helper->second->set_name(event.name.data(), event.name.size());
  return absl::OkStatus();
}

absl::Status HelperTotals::FoldPairing(const FoldEvent& event, int64_t sign) {
  std::string key = PairingKey(event.helper_code, event.recipient_code);
  if (sign < 0) {
    if (!RemoveFirst(data_.mutable_state()->mutable_pairings(), [&](const v1::Pairing& pairing) {
          return pairing.helper_code() == event.helper_code &&
                 pairing.recipient_code() == event.recipient_code;
        })) {
      return absl::DataLossError(absl::StrCat("event ", event.sequence, "'s pairing ", key,
                                              " is taken back while not established"));
    }
    return data_.Reindex(name());
  }
  if (data_.index().pairings.contains(key)) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " pairs ",
                                            event.helper_code, " with ",
                                            event.recipient_code, " again"));
  }
  if (Helper(event.helper_code) == nullptr) {
    return absl::DataLossError(absl::StrCat(
        "event ", event.sequence, " pairs an unknown helper region"));
  }
  v1::Pairing& pairing = *data_.mutable_state()->add_pairings();
  data_.mutable_index()->pairings.emplace(std::move(key), &pairing);
  pairing.set_helper_code(event.helper_code.data(), event.helper_code.size());
  pairing.set_recipient_code(event.recipient_code.data(), event.recipient_code.size());
  pairing.set_program(event.program_value());
  pairing.set_since(event.since.data(), event.since.size());
  pairing.set_established_on(event.effective_date.data(), event.effective_date.size());
  return absl::OkStatus();
}

absl::Status HelperTotals::EndPairing(const FoldEvent& event) {
  auto found = data_.index().pairings.find(PairingKey(event.helper_code, event.recipient_code));
  if (found == data_.index().pairings.end() || !found->second->ended_on().empty()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " ends a pairing of ",
                                            event.helper_code, " with ", event.recipient_code,
                                            " that is not in force"));
  }
  v1::Pairing& pairing = *found->second;
  pairing.set_ended_on(event.effective_date.data(), event.effective_date.size());
  pairing.set_end_reason(event.reason.data(), event.reason.size());
  return absl::OkStatus();
}

void HelperTotals::NoteFlow(const FoldEvent& event, absl::string_view region,
                            v1::MoneyFlow* located) {
  v1::MoneyFlow* flow = located;
  if (flow == nullptr) {
    Index& index = *data_.mutable_index();
    auto found = index.flows.find(FlowKey(event, region, &flow_key_));
    if (found != index.flows.end()) {
      flow = found->second;
    } else {
      flow = data_.mutable_state()->add_flows();
      flow->set_helper_code(event.helper_code.data(), event.helper_code.size());
      flow->set_region_code(region.data(), region.size());
      index.flows.emplace(flow_key_, flow);
    }
  }
  if (flow->last_on() >= event.effective_date) return;
  flow->set_last_on(event.effective_date.data(), event.effective_date.size());
}

absl::Status HelperTotals::FoldAt(const FoldEvent& event, int64_t sign, Located located) {
  int64_t allocated = 0, invested = 0, sales = 0;
  switch (event.payload) {
    case v1::Event::kRegionRegistered:
      return FoldRegion(event, sign);
    case v1::Event::kRegionAmended:
      return RenameRegion(event);
    case v1::Event::kPairingEstablished:
      return FoldPairing(event, sign);
    case v1::Event::kPairingEnded:
      return EndPairing(event);
    case v1::Event::kFundsAllocated:
      allocated = sign * event.amount_fen;
      break;
    case v1::Event::kInvestmentRecorded:
      invested = sign * event.amount_fen;
      break;
    case v1::Event::kSaleRecorded:
      sales = sign * event.amount_fen;
      break;
    case v1::Event::kIndicatorRecorded:
      // Assistance counted, not paid: a flow that bounds the pairing's end
      // like money does, and no figure here.
      if (sign > 0) NoteFlow(event, FlowRegion(event), located.flow);
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
  const v1::Program program = event.program_value();
  // A reversal takes the money back, not the date it went (sign -1). A sale
  // with no helper is a flow from no one.
  if (sign > 0) NoteFlow(event, FlowRegion(event), located.flow);
  if (event.helper_code.empty()) return absl::OkStatus();  // no helper named
  v1::HelperEntry* helper = located.helper != nullptr ? located.helper : Helper(event.helper_code);
  if (helper == nullptr) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence,
                                            " references unknown helper ", event.helper_code));
  }
  helper->set_allocated_fen(helper->allocated_fen() + allocated);
  helper->set_invested_fen(helper->invested_fen() + invested);
  helper->set_sales_fen(helper->sales_fen() + sales);
  // Program rows stay in enum order: find the row or insert it in place.
  auto* rows = helper->mutable_by_program();
  int index = 0;
  while (index < rows->size() && rows->Get(index).program() < program) ++index;
  if (index == rows->size() || rows->Get(index).program() != program) {
    rows->Add()->set_program(program);
    for (int i = rows->size() - 1; i > index; --i) rows->SwapElements(i, i - 1);
  }
  v1::ProgramFigures& row = *rows->Mutable(index);
  row.set_allocated_fen(row.allocated_fen() + allocated);
  row.set_invested_fen(row.invested_fen() + invested);
  row.set_sales_fen(row.sales_fen() + sales);
  return absl::OkStatus();
}

}  // namespace aidledger
