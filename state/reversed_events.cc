#include "state/reversed_events.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace aidledger {

absl::Status ReversedEvents::Index::Rebuild(absl::string_view projection,
                                            v1::ReversedEventsState* state) {
  sequences.reserve(state->sequences_size());
  for (uint64_t sequence : state->sequences()) {
    if (sequence == 0) return absl::DataLossError(absl::StrCat(projection, " state holds event 0"));
    if (!sequences.insert(sequence).second) {
      return StateHoldsTwice(projection, "reversed event", absl::StrCat(sequence));
    }
  }
  for (v1::ClosedYear& close : *state->mutable_closes()) {
    if (close.closed_by() == 0) {
      return absl::DataLossError(absl::StrCat(projection, " state holds a close of event 0"));
    }
    if (!closes.emplace(close.year(), &close).second) {
      return StateHoldsTwice(projection, "close of", absl::StrCat(close.year()));
    }
  }
  return absl::OkStatus();
}

const v1::ClosedYear* ReversedEvents::FindClose(int32_t year) const {
  auto it = data_.index().closes.find(year);
  return it == data_.index().closes.end() ? nullptr : it->second;
}

absl::Status ReversedEvents::FoldClose(const FoldEvent& event) {
  if (FindClose(event.year) != nullptr) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " closes ", event.year,
                                            " a second time"));
  }
  v1::ClosedYear* close = data_.mutable_state()->add_closes();
  close->set_year(event.year);
  close->set_closed_by(event.sequence);
  close->set_effective_date(std::string(event.effective_date));
  close->set_sequence(event.digest_sequence);
  close->set_head_hash(std::string(event.head_hash));
  close->set_merkle_root(std::string(event.merkle_root));
  close->set_report_sha256(std::string(event.report_sha256));
  data_.mutable_index()->closes.emplace(event.year, close);
  return absl::OkStatus();
}

absl::Status ReversedEvents::FoldSignature(const FoldEvent& event) {
  auto it = data_.index().closes.find(event.year);
  if (it == data_.index().closes.end()) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " signs the close of ",
                                            event.year, ", which is not closed"));
  }
  v1::CloseSignature* signature = it->second->add_signatures();
  signature->set_signer(std::string(event.signer));
  signature->set_public_key(std::string(event.public_key));
  signature->set_signed_by(event.sequence);
  return absl::OkStatus();
}

absl::Status ReversedEvents::FoldPolicy(const FoldEvent& event) {
  if (policy_set_by() != 0) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " sets the policy again"));
  }
  data_.mutable_state()->set_payee_required_from(std::string(event.payee_required_from));
  data_.mutable_state()->set_policy_set_by(event.sequence);
  return absl::OkStatus();
}

absl::Status ReversedEvents::Fold(const FoldEvent& event, int64_t sign, absl::string_view) {
  if (event.payload == v1::Event::kPolicySet) return FoldPolicy(event);
  if (event.payload == v1::Event::kPeriodClosed) return FoldClose(event);
  if (event.payload == v1::Event::kDigestSigned) return FoldSignature(event);
  if (sign > 0) return absl::OkStatus();
  if (event.sequence == 0) {
    return absl::DataLossError("a reversal carries a target without a sequence");
  }
  if (!data_.mutable_index()->sequences.insert(event.sequence).second) {
    return absl::DataLossError(absl::StrCat("event ", event.sequence, " is reversed twice"));
  }
  data_.mutable_state()->add_sequences(event.sequence);
  return absl::OkStatus();
}

}  // namespace aidledger
