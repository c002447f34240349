#include "projections/helper_totals.h"

#include "absl/strings/str_cat.h"

namespace aidledger {

std::string HelperTotals::PairingKey(const std::string& helper_code,
                                     const std::string& recipient_code) {
  return absl::StrCat(helper_code, ">", recipient_code);
}

const v1::Pairing* HelperTotals::FindPairing(const std::string& helper_code,
                                             const std::string& recipient_code) const {
  auto it = data_.state.pairings().find(PairingKey(helper_code, recipient_code));
  return it == data_.state.pairings().end() ? nullptr : &it->second;
}

v1::HelperEntry* HelperTotals::Helper(const std::string& code) {
  auto indexed = data_.index.entries.find(code);
  if (indexed != data_.index.entries.end()) return indexed->second;
  auto names = data_.state.region_names().find(code);
  if (names == data_.state.region_names().end()) return nullptr;
  v1::HelperEntry& entry = (*data_.state.mutable_helpers())[code];
  if (entry.code().empty()) {
    entry.set_code(code);
    entry.set_name(names->second);
  }
  data_.index.entries[code] = &entry;
  return &entry;
}

absl::Status HelperTotals::Fold(const v1::Event& event, int64_t sign) {
  const std::string* helper_code = nullptr;
  v1::Program program = v1::PROGRAM_UNSPECIFIED;
  int64_t allocated = 0, invested = 0, sales = 0;
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
      (*data_.state.mutable_region_names())[event.region_registered().code()] =
          event.region_registered().name();
      return absl::OkStatus();
    case v1::Event::kPairingEstablished: {
      const v1::PairingEstablished& p = event.pairing_established();
      if (Helper(p.helper_code()) == nullptr) break;
      v1::Pairing& pairing =
          (*data_.state.mutable_pairings())[PairingKey(p.helper_code(), p.recipient_code())];
      pairing.set_helper_code(p.helper_code());
      pairing.set_recipient_code(p.recipient_code());
      pairing.set_program(p.program());
      pairing.set_since(p.since());
      pairing.set_established_on(event.effective_date());
      return absl::OkStatus();
    }
    case v1::Event::kFundsAllocated:
      helper_code = &event.funds_allocated().helper_code();
      program = event.funds_allocated().program();
      allocated = sign * event.funds_allocated().amount_fen();
      break;
    case v1::Event::kInvestmentRecorded:
      helper_code = &event.investment_recorded().helper_code();
      program = event.investment_recorded().program();
      invested = sign * event.investment_recorded().amount_fen();
      break;
    case v1::Event::kSaleRecorded:
      helper_code = &event.sale_recorded().helper_code();
      program = event.sale_recorded().program();
      sales = sign * event.sale_recorded().amount_fen();
      break;
    default:
      return absl::OkStatus();
  }
  if (helper_code == nullptr) {
    return absl::DataLossError(absl::StrCat(
        "event ", event.sequence(), " pairs an unknown helper region"));
  }
  if (helper_code->empty()) return absl::OkStatus();  // no helper named
  v1::HelperEntry* helper = Helper(*helper_code);
  if (helper == nullptr) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence(),
                                            " references unknown helper ", *helper_code));
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
