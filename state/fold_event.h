// FoldEvent: the fields of an event that the folds read, as views.
//
// A fold step needs a handful of an event's fields. Decoding a stored event
// into a v1::Event (allocating the payload, copying every string and
// checking it) cost more than reading, hashing and folding it together, so
// the read path decodes the wire bytes straight into this flat view instead:
// string fields are views into the stored bytes, nothing is allocated.
//
// The decoder is deliberately narrow. It handles the encoding our writer
// produces (each known field at most once, one payload, well-formed UTF-8),
// and for anything else (a repeated field that protobuf would merge, a
// known field under another wire type, groups, overlong varints, strings it
// cannot prove valid) it hands the bytes to protobuf and views the parsed
// message. So the fast path never accepts what protobuf rejects and never
// reads a field differently; tests and a fuzz target check both.
#ifndef AIDLEDGER_STATE_FOLD_EVENT_H_
#define AIDLEDGER_STATE_FOLD_EVENT_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aidledger/v1/events.pb.h"
#include "base/limits.h"

namespace aidledger {

struct FoldEvent {
  uint64_t sequence = 0;
  int64_t recorded_at_seconds = 0;  // recorded_at, as stored: every reader checks it
  int32_t recorded_at_nanos = 0;
  absl::string_view event_id;        // the ledger's writer reads it, the folds do not
  absl::string_view effective_date;
  v1::Event::PayloadCase payload = v1::Event::PAYLOAD_NOT_SET;
  // The payload's fields that folds read, under their proto names; a field
  // the payload does not have stays empty or zero.
  absl::string_view code;            // RegionRegistered
  absl::string_view name;            // RegionRegistered, ProjectRegistered
  absl::string_view parent_code;     // RegionRegistered, RegionAmended
  absl::string_view helper_code;     // pairing, allocation, investment, sale
  absl::string_view recipient_code;  // pairing, allocation
  absl::string_view region_code;     // project, investment, sale
  absl::string_view project_id;      // project, allocation, disbursement, investment
  absl::string_view since;           // PairingEstablished
  absl::string_view reason;          // PairingEnded
  int64_t amount_fen = 0;            // the money events
  int64_t budget_fen = 0;            // ProjectRegistered
  int32_t program = 0;               // v1::Program
  int32_t category = 0;              // v1::ProjectCategory
  int32_t indicator = 0;             // IndicatorRecorded, TargetSet: v1::Indicator
  int64_t value = 0;                 // IndicatorRecorded, TargetSet
  int32_t year = 0;                  // TargetSet, PeriodClosed, DigestSigned
  // PeriodClosed's digest, and DigestSigned's signer.
  uint64_t digest_sequence = 0;
  absl::string_view head_hash, merkle_root, report_sha256;
  absl::string_view signer, public_key;
  // ProjectRegistered's plan and who answers for it, ProjectStageChanged's
  // stage (v1::ProjectStage; its note is `reason`), PolicySet's cut-over.
  absl::string_view planned_start, planned_end, responsible_unit, responsible_person;
  int32_t stage = 0;
  absl::string_view payee_required_from;
  // What an auditor follows (issue 25; the trace reads them, no fold does):
  // FundsAllocated's document_number, FundsDisbursed's payee and
  // contract_number, InvestmentRecorded's enterprise, EventReversed's
  // reversed_sequence, and how many evidence files the event names.
  absl::string_view document_number, payee, contract_number, enterprise;
  uint64_t reversed_sequence = 0;
  uint32_t evidence_count = 0;
  // IndicatorRecorded's of_which, the first kIndicatorBreakdownsMax of
  // of_which_count (validation admits no more: a fold refuses them).
  struct Part {
    int32_t indicator = 0;
    int64_t value = 0;
    bool operator==(const Part& other) const {
      return indicator == other.indicator && value == other.value;
    }
  };
  std::array<Part, limits::kIndicatorBreakdownsMax> of_which{};
  uint32_t of_which_count = 0;
  // EventReversed: the reversed event as stamped into the reversal (never
  // null for a reversal: an empty event when the stamp is missing).
  const FoldEvent* target = nullptr;

  v1::Program program_value() const { return static_cast<v1::Program>(program); }
  v1::ProjectCategory category_value() const { return static_cast<v1::ProjectCategory>(category); }
  v1::ProjectStage stage_value() const { return static_cast<v1::ProjectStage>(stage); }
};

bool operator==(const FoldEvent& a, const FoldEvent& b);
inline bool operator!=(const FoldEvent& a, const FoldEvent& b) { return !(a == b); }

// Views `event` (which must outlive the views); a reversal's target is
// viewed into `*target`.
void ViewEvent(const v1::Event& event, FoldEvent* out, FoldEvent* target);

// The fast path alone: decodes `bytes` into views of them and returns true,
// or returns false when the encoding is not one it handles (the views are
// then meaningless). Exposed for tests and the fuzz target.
bool DecodeFoldEvent(absl::string_view bytes, FoldEvent* out, FoldEvent* target);

// Decodes stored events one after another, reusing its storage.
class FoldEventDecoder {
 public:
  FoldEventDecoder() = default;
  FoldEventDecoder(const FoldEventDecoder&) = delete;
  FoldEventDecoder& operator=(const FoldEventDecoder&) = delete;

  // The event in `bytes`, valid until the next call and while `bytes`
  // lives. kDataLoss when protobuf cannot parse the bytes as an Event.
  absl::StatusOr<const FoldEvent*> Decode(absl::string_view bytes);
  // Decode, for the event stored at `sequence`: kDataLoss naming it when
  // the bytes do not decode, the event says it is another or it was
  // recorded at a time the ledger cannot write (CheckDecodedEvent).
  absl::StatusOr<const FoldEvent*> DecodeStored(uint64_t sequence, absl::string_view bytes);
  // How many events took protobuf's path.
  uint64_t fallbacks() const { return fallbacks_; }

 private:
  FoldEvent event_, target_;
  v1::Event message_;  // the fallback's parse
  uint64_t fallbacks_ = 0;
};

}  // namespace aidledger

#endif  // AIDLEDGER_STATE_FOLD_EVENT_H_
