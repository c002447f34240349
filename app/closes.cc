#include "app/closes.h"

#include "absl/strings/escaping.h"
#include "absl/strings/substitute.h"
#include "base/errors.h"
#include "base/messages.h"
#include "base/sha256.h"
#include "base/limits.h"
#include "base/status_macros.h"
#include "app/output.h"
#include "state/closes.h"
#include "state/indicator_totals.h"
#include "state/vocabulary.h"

namespace aidledger::app {
namespace {

absl::StatusOr<const v1::ClosedYear*> NeedClose(const Books& books, int32_t year) {
  const v1::ClosedYear* close = books.reversed.FindClose(year);
  if (close == nullptr) {
    return Rejected(v1::PERIOD_NOT_CLOSED, "year",
                    absl::Substitute(Tr("$0 is not closed: only a close is signed"), year));
  }
  return close;
}

}  // namespace

absl::StatusOr<v1::Event> MakeCloseDraft(const Ledger& ledger, int32_t year,
                                         const std::string& reason) {
  const LedgerHead head = ledger.head();
  v1::Event draft;
  v1::PeriodClosed& close = *draft.mutable_period_closed();
  close.set_year(year);
  close.set_reason(reason);
  close.set_sequence(head.sequence);
  if (head.sequence == 0) return draft;  // validation says why not
  ASSIGN_OR_RETURN(v1::Digest digest, ledger.MakeDigest(head.sequence));
  close.set_head_hash(digest.head_hash());
  close.set_merkle_root(digest.merkle_root());
  ASSIGN_OR_RETURN(std::string report, YearReportSha256(ledger.books(), year));
  close.set_report_sha256(report);
  return draft;
}

absl::StatusOr<v1::Event> MakeSignatureDraft(const Ledger& ledger, int32_t year,
                                             absl::string_view private_pem,
                                             const std::string& signer) {
  ASSIGN_OR_RETURN(const v1::ClosedYear* close, NeedClose(ledger.books(), year));
  ASSIGN_OR_RETURN(std::string public_key, PublicKeyOf(private_pem));
  ASSIGN_OR_RETURN(std::string signature, Sign(private_pem, CloseSigningMessage(*close)));
  v1::Event draft;
  v1::DigestSigned& signed_by = *draft.mutable_digest_signed();
  signed_by.set_year(year);
  signed_by.set_signer(signer);
  signed_by.set_public_key(absl::Base64Escape(public_key));
  signed_by.set_signature(absl::Base64Escape(signature));
  return draft;
}

bool CloseFinding::failed() const {
  if (!digest_holds) return true;
  for (const SignatureFinding& found : signatures) {
    if (!found.valid || found.impostor) return true;
  }
  return false;
}

namespace {

// Whether the log before the close still gives the digest and the report
// hash the close holds; why not in `*problem`.
absl::StatusOr<bool> DigestHolds(const Ledger& ledger, const v1::ClosedYear& close,
                                 std::string* problem) {
  ASSIGN_OR_RETURN(v1::Digest digest, ledger.MakeDigest(close.sequence()));
  if (digest.head_hash() != close.head_hash() || digest.merkle_root() != close.merkle_root()) {
    *problem = std::string(Tr("the log no longer extends the close's digest: the events it sealed "
                              "were rewritten"));
    return false;
  }
  ASSIGN_OR_RETURN(FoldedBooks folded, ledger.Fold(close.sequence(), std::nullopt));
  ASSIGN_OR_RETURN(std::string report, YearReportSha256(folded.books, close.year()));
  if (report != close.report_sha256()) {
    *problem = std::string(
        Tr("the year's report folded from the log differs from the one the close sealed"));
    return false;
  }
  return true;
}

// The signature of `held`, read from its event and checked against the
// digest `close` holds (which DigestHolds has checked against the log).
absl::StatusOr<SignatureFinding> CheckSignature(const Ledger& ledger, const v1::ClosedYear& close,
                                                const v1::CloseSignature& held,
                                                const std::vector<Signer>& trusted) {
  SignatureFinding found{.signer = held.signer(), .public_key = held.public_key(),
                         .signed_by = held.signed_by()};
  ASSIGN_OR_RETURN(std::optional<StoredEvent> stored, ledger.ReadEvent(held.signed_by()));
  if (!stored.has_value() || !stored->event.has_digest_signed()) {
    return Corruption(absl::Substitute(Tr("event $0 is not the signature the close names"),
                                       held.signed_by()));
  }
  found.date = stored->event.effective_date();
  std::string key, signature;
  found.valid = absl::Base64Unescape(held.public_key(), &key) &&
                absl::Base64Unescape(stored->event.digest_signed().signature(), &signature) &&
                SignatureValid(key, CloseSigningMessage(close), signature);
  for (const Signer& signer : trusted) {
    if (signer.name != held.signer()) continue;
    found.trusted = signer.public_key == key;
    found.impostor = !found.trusted;
  }
  return found;
}

absl::StatusOr<v1::ClosedYear> FindCloseAtHead(const Ledger& ledger, int32_t year) {
  ASSIGN_OR_RETURN(FoldedBooks head,
                   ledger.Fold(ledger.head().sequence, std::nullopt, true, Books::kReversed));
  const v1::ClosedYear* close = head.books.reversed.FindClose(year);
  if (close == nullptr) return UsageError(absl::Substitute(Tr("$0 is not closed"), year));
  return *close;
}

}  // namespace

absl::Status AddClosedYearAdjustments(const Ledger& ledger, uint64_t point,
                                      v1::RegionPeriodReport* report) {
  const int32_t first = IndicatorTotals::YearOf(report->from());
  const int32_t last = IndicatorTotals::YearOf(report->to());
  ASSIGN_OR_RETURN(FoldedBooks at, ledger.Fold(point, std::nullopt, true, Books::kReversed));
  uint64_t after = 0;  // the earliest close of the report's years
  for (const v1::ClosedYear& close : at.books.reversed.state().closes()) {
    if (close.year() < first || close.year() > last) continue;
    if (after == 0 || close.closed_by() < after) after = close.closed_by();
  }
  if (after == 0 || after >= point) return absl::OkStatus();
  std::unique_ptr<EventReader> reader = ledger.Read(after + 1, point);
  StoredEvent stored;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, reader->Next(&stored));
    if (!more) break;
    const v1::Event& event = stored.event;
    if (event.adjusts_closed() < first || event.adjusts_closed() > last) continue;
    if (static_cast<size_t>(report->adjustments_size()) >= limits::kAdjustmentsListedMax) {
      report->set_adjustments_not_listed(report->adjustments_not_listed() + 1);
      continue;
    }
    v1::PeriodAdjustment& listed = *report->add_adjustments();
    listed.set_year(event.adjusts_closed());
    listed.set_sequence(stored.sequence);
    listed.set_effective_date(event.effective_date());
    listed.set_type(std::string(EventTypeWord(event)));
    listed.set_reason(event.adjustment_reason());
    stored.event.clear_adjusts_closed();  // the summary without its mark
    listed.set_summary(EventSummary(stored.event));
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ClosedAt(const Ledger& ledger, int32_t year) {
  ASSIGN_OR_RETURN(const v1::ClosedYear close, FindCloseAtHead(ledger, year));
  return close.sequence();
}

absl::StatusOr<CloseFinding> CheckClose(const Ledger& ledger, int32_t year,
                                        const std::vector<Signer>& trusted) {
  ASSIGN_OR_RETURN(const v1::ClosedYear held, FindCloseAtHead(ledger, year));
  const v1::ClosedYear* close = &held;
  CloseFinding finding{.close = held};
  ASSIGN_OR_RETURN(finding.digest_holds, DigestHolds(ledger, *close, &finding.problem));
  for (const v1::CloseSignature& held : close->signatures()) {
    ASSIGN_OR_RETURN(SignatureFinding found, CheckSignature(ledger, *close, held, trusted));
    finding.signatures.push_back(std::move(found));
  }
  for (const Signer& signer : trusted) {
    bool signed_it = false;
    for (const SignatureFinding& found : finding.signatures) {
      signed_it = signed_it || (found.trusted && found.signer == signer.name);
    }
    if (!signed_it) finding.unsigned_trusted.push_back(signer.name);
  }
  return finding;
}

}  // namespace aidledger::app
