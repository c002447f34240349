#include "projections/books.h"

#include "ledger/status_macros.h"

namespace aidledger {

absl::Status Books::Apply(const v1::Event& event) {
  RETURN_IF_ERROR(regions.Apply(event));
  RETURN_IF_ERROR(projects.Apply(event));
  RETURN_IF_ERROR(helpers.Apply(event));
  ++events_folded_;
  return absl::OkStatus();
}

void Books::Reset() {
  for (Projection* projection : all()) projection->Reset();
  events_folded_ = 0;
}

}  // namespace aidledger
