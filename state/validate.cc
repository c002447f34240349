#include "state/validate.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "base/amount.h"
#include "base/check.h"
#include "base/errors.h"
#include "base/fields.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/proto_bytes.h"
#include "base/signing.h"
#include "base/status_macros.h"
#include "state/closes.h"
#include "state/indicators.h"
#include "state/vocabulary.h"

namespace aidledger {
namespace {

// What validation fills into an event: the program of the pairing behind an
// allocation, investment or sale, and a reversal's target.
struct Resolved {
  v1::Program program = v1::PROGRAM_UNSPECIFIED;
  std::optional<LoggedEvent> target;
};

absl::Status CheckAmount(int64_t amount_fen, absl::string_view field) {
  if (amount_fen <= 0) {
    return Rejected(v1::AMOUNT_INVALID, field,
                    absl::Substitute(Tr("must be greater than zero (got $0 fen)"), amount_fen));
  }
  return CheckAmountAtMost(amount_fen, field);
}

absl::Status CheckOptionalCode(const std::string& code, absl::string_view field) {
  return code.empty() ? absl::OkStatus() : CheckRegionCode(code, field);
}

absl::Status CheckOptionalProjectId(const std::string& id) {
  return id.empty() ? absl::OkStatus()
                    : CheckIdentifier(id, "project_id", limits::kProjectIdBytesMax);
}

// An optional text field: absent, or a value that is not only spaces (a
// blank document number would look given on a notice and say nothing).
absl::Status CheckOptionalText(const std::string& text, absl::string_view field,
                               size_t bytes_max) {
  if (!text.empty() && absl::StripAsciiWhitespace(text).empty()) {
    return Rejected(v1::FIELD_INVALID, field, Tr("is blank: leave it out or give a value"));
  }
  return CheckText(text, field, bytes_max, false);
}

absl::Status CheckOptionalDate(const std::string& date, absl::string_view field) {
  return date.empty() ? absl::OkStatus() : CheckDate(date, field);
}

// 64 lowercase hex digits: a SHA-256 as the ledger prints it.
absl::Status CheckHexHash(const std::string& hex, absl::string_view field) {
  if (hex.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  absl::StatusOr<Hash> hash = HashFromHex(hex);
  if (!hash.ok() || Hex(*hash) != hex) {
    return Rejected(v1::FIELD_INVALID, field, Tr("must be 64 lowercase hex digits"));
  }
  return absl::OkStatus();
}

// The files an event names as its evidence (issue 25): a bounded list, each
// of a known kind, named, by its SHA-256 and size, no file twice.
absl::Status CheckEvidence(const v1::Event& event) {
  if (event.evidence_size() > limits::kEvidencePerEventMax) {
    return Rejected(v1::FIELD_INVALID, "evidence",
                    absl::Substitute(Tr("names $0 files, more than $1"), event.evidence_size(),
                                     limits::kEvidencePerEventMax));
  }
  for (int i = 0; i < event.evidence_size(); ++i) {
    const v1::Evidence& e = event.evidence(i);
    if (e.kind() == v1::EVIDENCE_KIND_UNSPECIFIED || !v1::EvidenceKind_IsValid(e.kind())) {
      return Rejected(v1::FIELD_INVALID, "evidence.kind",
                      absl::Substitute(Tr("must be $0"), JoinedProtoNames(kEvidenceKinds, " or ")));
    }
    RETURN_IF_ERROR(CheckText(e.name(), "evidence.name", limits::kNameBytesMax, true));
    RETURN_IF_ERROR(CheckHexHash(e.sha256(), "evidence.sha256"));
    if (e.size() <= 0 || e.size() > limits::kEvidenceFileBytesMax) {
      return Rejected(v1::FIELD_INVALID, "evidence.size",
                      absl::Substitute(Tr("must be 1..$0 bytes (got $1)"),
                                       limits::kEvidenceFileBytesMax, e.size()));
    }
    for (int j = 0; j < i; ++j) {
      if (event.evidence(j).sha256() == e.sha256()) {
        return Rejected(v1::FIELD_DUPLICATE, "evidence.sha256",
                        absl::Substitute(Tr("names file $0 twice"), e.sha256()));
      }
    }
  }
  return absl::OkStatus();
}

// The events of a book may not refer to what did not yet exist on their
// effective date: an as-of view must hold everything its events name.
// `what` (English, with $0 for `name` and $1 for `other`) says what the date is of; it is
// translated and filled in only for a rejection, so that the checks of an
// admitted event build no strings.
absl::Status CheckNotBefore(const v1::Event& event, const std::string& reference_date,
                            absl::string_view field, const char* what,
                            absl::string_view name, absl::string_view other = {}) {
  if (event.effective_date() < reference_date) {
    return Rejected(v1::DATE_BEFORE_REFERENCE, "effective_date",
                    absl::Substitute(Tr("$0 is before $1 named in $2 ($3)"),
                                     event.effective_date(), absl::Substitute(Tr(what), name, other),
                                     FieldLabel(field), reference_date));
  }
  return absl::OkStatus();
}

// The registered region named by `field`, or a rejection.
absl::StatusOr<const v1::RegionEntry*> NeedRegion(const Books& books, const v1::Event& event,
                                                  const std::string& code,
                                                  absl::string_view field) {
  const v1::RegionEntry* region = books.regions.FindRegion(code);
  if (region == nullptr) {
    return Rejected(v1::REGION_NOT_FOUND, field,
                    absl::Substitute(Tr("region $0 is not registered"), code));
  }
  RETURN_IF_ERROR(
      CheckNotBefore(event, region->registered_on(), field, "the registration of region $0", code));
  return region;
}

// The registered project named by project_id, or a rejection. When
// `within` is given the project must lie in that region or below it.
absl::StatusOr<const v1::ProjectEntry*> NeedProject(const Books& books, const v1::Event& event,
                                                    const std::string& project_id,
                                                    const std::string* within) {
  const v1::ProjectEntry* project = books.projects.FindProject(project_id);
  if (project == nullptr) {
    return Rejected(v1::PROJECT_NOT_FOUND, "project_id",
                    absl::Substitute(Tr("project $0 is not registered"), project_id));
  }
  RETURN_IF_ERROR(CheckNotBefore(event, project->registered_on(), "project_id",
                                 "the registration of project $0", project_id));
  if (within != nullptr && !books.regions.IsWithin(project->region_code(), *within)) {
    return Rejected(v1::PROJECT_OUTSIDE_REGION, "project_id",
                    absl::Substitute(Tr("project $0 lies in region $1, not in $2 or below it"),
                                     project_id, project->region_code(), *within));
  }
  return project;
}

// The pairing that admits money from `helper` (or an ancestor) to
// `recipient` (or an ancestor) on the event's date: the most specific
// helper first, then the most specific recipient, skipping pairings not yet
// established or already ended on that date. Rejects when none does.
absl::StatusOr<const v1::Pairing*> ResolvePairing(const Books& books, const v1::Event& event,
                                                  const std::string& helper,
                                                  const std::string& recipient) {
  const v1::Pairing* too_late = nullptr;
  const v1::Pairing* ended = nullptr;
  const std::string& date = event.effective_date();
  const v1::RegionEntry* h = books.regions.FindRegion(helper);
  for (int i = 0; h != nullptr && i <= limits::kRegionDepthMax; ++i) {
    const v1::RegionEntry* r = books.regions.FindRegion(recipient);
    for (int j = 0; r != nullptr && j <= limits::kRegionDepthMax; ++j) {
      const v1::Pairing* pairing = books.helpers.FindPairing(h->code(), r->code());
      if (pairing != nullptr) {
        if (pairing->established_on() > date) {
          too_late = pairing;
        } else if (!pairing->ended_on().empty() && pairing->ended_on() < date) {
          ended = pairing;
        } else {
          return pairing;
        }
      }
      r = r->parent_code().empty() ? nullptr : books.regions.FindRegion(r->parent_code());
    }
    h = h->parent_code().empty() ? nullptr : books.regions.FindRegion(h->parent_code());
  }
  if (ended != nullptr) {
    return Rejected(v1::PAIRING_ENDED, "effective_date",
                    absl::Substitute(Tr("$0 is after the end of the pairing of $1 with $2 ($3: $4)"),
                                     date, ended->helper_code(), ended->recipient_code(),
                                     ended->ended_on(), ended->end_reason()));
  }
  if (too_late != nullptr) {
    return Rejected(v1::DATE_BEFORE_REFERENCE, "effective_date",
                    absl::Substitute(Tr("$0 is before the pairing of $1 with $2 ($3)"), date,
                                     too_late->helper_code(), too_late->recipient_code(),
                                     too_late->established_on()));
  }
  return Rejected(v1::PAIRING_NOT_FOUND, "recipient_code",
                  absl::Substitute(Tr("no pairing links helper $0 (or a region above it) with $1 "
                                      "(or a region above it)"),
                                   helper, recipient));
}

// Every subtotal is bounded by the grand total, so one check suffices.
absl::Status CheckNoOverflow(int64_t grand_fen, int64_t amount_fen, absl::string_view field) {
  int64_t sum;
  if (__builtin_add_overflow(grand_fen, amount_fen, &sum)) {
    return Rejected(v1::TOTAL_OVERFLOW, field,
                    Tr("would overflow the ledger's 64-bit fen totals"));
  }
  return absl::OkStatus();
}

absl::Status CheckAvailable(const Books& books, const std::string& region_code,
                            int64_t amount_fen, absl::string_view field,
                            absl::string_view action) {
  const v1::RegionEntry* region = books.regions.FindRegion(region_code);
  const int64_t available = region->own().balance_fen();
  if (amount_fen > available) {
    return Rejected(v1::OVERSPENT, field,
                    absl::Substitute(Tr("$0 $1 yuan exceeds the available balance $2 yuan of "
                                        "region $3 $4"),
                                     Tr(action), FormatFen(amount_fen), FormatFen(available),
                                     region_code, region->name()));
  }
  return absl::OkStatus();
}

// GB/T 2260's structure: a code under a province (PP0000) starts with the
// province's two digits, one under a city (PPCC00) with the city's four; a
// county-level unit directly under its province (省直辖, PP90NN) is the
// first case. Below a county-level code GB/T 2260 has no 6-digit codes, so
// nothing is checked there.
absl::Status CheckCodeUnderParent(const std::string& code, const std::string& parent) {
  const size_t prefix = absl::EndsWith(parent, "0000") ? 2 : absl::EndsWith(parent, "00") ? 4 : 0;
  if (prefix == 0 || code.compare(0, prefix, parent, 0, prefix) == 0) return absl::OkStatus();
  return Rejected(v1::CODE_INVALID, "code",
                  absl::Substitute(prefix == 2 ? Tr("$0 cannot lie under $1: under a province a "
                                                    "code starts with its 2 digits $2 (GB/T 2260)")
                                               : Tr("$0 cannot lie under $1: under a city a code "
                                                    "starts with its 4 digits $2 (GB/T 2260)"),
                                   code, parent, parent.substr(0, prefix)));
}

absl::Status AdmitRegion(const Books& books, const v1::Event& event) {
  const v1::RegionRegistered& r = event.region_registered();
  RETURN_IF_ERROR(CheckRegionCode(r.code(), "code"));
  RETURN_IF_ERROR(CheckText(r.name(), "name", limits::kNameBytesMax, true));
  RETURN_IF_ERROR(CheckOptionalCode(r.parent_code(), "parent_code"));
  if (r.parent_code() == r.code()) {
    return Rejected(v1::FIELD_INVALID, "parent_code", Tr("must differ from code"));
  }
  if (books.regions.FindRegion(r.code()) != nullptr) {
    return Rejected(v1::REGION_EXISTS, "code",
                    absl::Substitute(Tr("region $0 is already registered"), r.code()));
  }
  if (r.parent_code().empty()) return absl::OkStatus();
  const v1::RegionEntry* parent = books.regions.FindRegion(r.parent_code());
  if (parent == nullptr) {
    return Rejected(v1::PARENT_NOT_FOUND, "parent_code",
                    absl::Substitute(Tr("parent region $0 is not registered"), r.parent_code()));
  }
  RETURN_IF_ERROR(CheckCodeUnderParent(r.code(), r.parent_code()));
  if (parent->depth() + 1 > limits::kRegionDepthMax) {
    return Rejected(v1::REGION_TOO_DEEP, "parent_code",
                    absl::Substitute(Tr("regions nest at most $0 levels deep"),
                                     limits::kRegionDepthMax));
  }
  return CheckNotBefore(event, parent->registered_on(), "parent_code",
                        "the registration of region $0", r.parent_code());
}

absl::Status AdmitPairing(const Books& books, const v1::Event& event) {
  const v1::PairingEstablished& p = event.pairing_established();
  RETURN_IF_ERROR(CheckRegionCode(p.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(p.recipient_code(), "recipient_code"));
  if (p.program() == v1::PROGRAM_UNSPECIFIED) {
    return Rejected(v1::FIELD_MISSING, "program", Tr("is required"));
  }
  if (!v1::Program_IsValid(p.program())) {
    return Rejected(v1::FIELD_INVALID, "program", absl::Substitute(Tr("unknown value $0"), p.program()));
  }
  if (!p.since().empty()) RETURN_IF_ERROR(CheckDate(p.since(), "since"));
  if (p.helper_code() == p.recipient_code()) {
    return Rejected(v1::FIELD_INVALID, "recipient_code", Tr("a region cannot pair with itself"));
  }
  RETURN_IF_ERROR(NeedRegion(books, event, p.helper_code(), "helper_code").status());
  RETURN_IF_ERROR(NeedRegion(books, event, p.recipient_code(), "recipient_code").status());
  const v1::Pairing* held = books.helpers.FindPairing(p.helper_code(), p.recipient_code());
  if (held != nullptr) {
    return Rejected(v1::PAIRING_EXISTS, "recipient_code",
                    held->ended_on().empty()
                        ? absl::Substitute(Tr("$0 is already paired with $1"), p.helper_code(),
                                           p.recipient_code())
                        : absl::Substitute(Tr("$0 was paired with $1 until $2; an ended pairing "
                                              "is not established again"),
                                           p.helper_code(), p.recipient_code(), held->ended_on()));
  }
  return absl::OkStatus();
}

// A pairing's end names a pairing in force, gives a reason, and is dated
// neither before the pairing nor before the latest money any helper at or
// below its helper gave any region at or below its recipient: the pairing
// may have admitted that money, and a view as of any date must agree with
// the end. (Money a more specific pairing admitted counts too: the ledger
// does not record which pairing admitted an event, so it errs on the side
// of refusing.)
// The latest money flow from a helper within `helper` to a region within
// `region`, or nullptr: one pass over the flows, at most one per helper and
// region that money went between, bounded by the regions registered.
const v1::MoneyFlow* LatestFlowWithin(const Books& books, absl::string_view helper,
                                      absl::string_view region) {
  const v1::MoneyFlow* latest = nullptr;
  for (const v1::MoneyFlow& flow : books.helpers.state().flows()) {
    if (latest != nullptr && flow.last_on() <= latest->last_on()) continue;
    if (books.regions.IsWithin(flow.helper_code(), helper) &&
        books.regions.IsWithin(flow.region_code(), region)) {
      latest = &flow;
    }
  }
  return latest;
}

// "assistance from H to R dated D" (money or a recorded indicator; a sale
// with no helper: "assistance to R …").
std::string Money(const v1::MoneyFlow& flow) {
  return flow.helper_code().empty()
             ? absl::Substitute(Tr("assistance to $0 dated $1"), flow.region_code(),
                                flow.last_on())
             : absl::Substitute(Tr("assistance from $0 to $1 dated $2"), flow.helper_code(),
                                flow.region_code(), flow.last_on());
}

absl::Status AdmitPairingEnd(const Books& books, const v1::Event& event) {
  const v1::PairingEnded& p = event.pairing_ended();
  RETURN_IF_ERROR(CheckRegionCode(p.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(p.recipient_code(), "recipient_code"));
  RETURN_IF_ERROR(CheckText(p.reason(), "reason", limits::kMemoBytesMax, true));
  const v1::Pairing* pairing = books.helpers.FindPairing(p.helper_code(), p.recipient_code());
  if (pairing == nullptr) {
    return Rejected(v1::PAIRING_NOT_FOUND, "recipient_code",
                    absl::Substitute(Tr("no pairing of $0 with $1 is established"),
                                     p.helper_code(), p.recipient_code()));
  }
  if (!pairing->ended_on().empty()) {
    return Rejected(v1::PAIRING_ENDED, "recipient_code",
                    absl::Substitute(Tr("the pairing of $0 with $1 already ended on $2"),
                                     p.helper_code(), p.recipient_code(), pairing->ended_on()));
  }
  RETURN_IF_ERROR(CheckNotBefore(event, pairing->established_on(), "recipient_code",
                                 "the pairing of $0 with $1", p.helper_code(),
                                 p.recipient_code()));
  const v1::MoneyFlow* latest = LatestFlowWithin(books, p.helper_code(), p.recipient_code());
  if (latest != nullptr && latest->last_on() > event.effective_date()) {
    return Rejected(v1::DATE_BEFORE_REFERENCE, "effective_date",
                    absl::Substitute(Tr("$0 is before $1, which the pairing may have admitted; "
                                        "end it on $2 or later"),
                                     event.effective_date(), Money(*latest), latest->last_on()));
  }
  return absl::OkStatus();
}

// A project's category (known, when given) and budget (0 to the amount
// bound), as a registration and an amendment both take them.
absl::Status CheckCategoryAndBudget(v1::ProjectCategory category, int64_t budget_fen) {
  if (!v1::ProjectCategory_IsValid(category)) {
    return Rejected(v1::FIELD_INVALID, "category", absl::Substitute(Tr("unknown value $0"), category));
  }
  if (budget_fen < 0) {
    return Rejected(v1::AMOUNT_INVALID, "budget_fen",
                    absl::Substitute(Tr("must not be negative (got $0 fen)"), budget_fen));
  }
  return CheckAmountAtMost(budget_fen, "budget_fen");
}

// A registration's plan (issue 25): dates, start no later than end, and
// who answers for the project; all optional.
absl::Status CheckProjectPlan(const v1::ProjectRegistered& p) {
  RETURN_IF_ERROR(CheckOptionalDate(p.planned_start(), "planned_start"));
  RETURN_IF_ERROR(CheckOptionalDate(p.planned_end(), "planned_end"));
  if (!p.planned_start().empty() && !p.planned_end().empty() &&
      p.planned_end() < p.planned_start()) {
    return Rejected(v1::FIELD_INVALID, "planned_end",
                    absl::Substitute(Tr("$0 is before planned_start $1"), p.planned_end(),
                                     p.planned_start()));
  }
  RETURN_IF_ERROR(
      CheckOptionalText(p.responsible_unit(), "responsible_unit", limits::kNameBytesMax));
  RETURN_IF_ERROR(
      CheckOptionalText(p.responsible_person(), "responsible_person", limits::kNameBytesMax));
  return CheckOptionalText(p.expected_goals(), "expected_goals", limits::kMemoBytesMax);
}

absl::Status AdmitProject(const Books& books, const v1::Event& event) {
  const v1::ProjectRegistered& p = event.project_registered();
  RETURN_IF_ERROR(CheckIdentifier(p.project_id(), "project_id", limits::kProjectIdBytesMax));
  RETURN_IF_ERROR(CheckRegionCode(p.region_code(), "region_code"));
  RETURN_IF_ERROR(CheckText(p.name(), "name", limits::kNameBytesMax, true));
  if (p.category() == v1::PROJECT_CATEGORY_UNSPECIFIED) {
    return Rejected(v1::FIELD_MISSING, "category", Tr("is required"));
  }
  RETURN_IF_ERROR(CheckCategoryAndBudget(p.category(), p.budget_fen()));
  RETURN_IF_ERROR(CheckProjectPlan(p));
  if (books.projects.FindProject(p.project_id()) != nullptr) {
    return Rejected(v1::PROJECT_EXISTS, "project_id",
                    absl::Substitute(Tr("project $0 is already registered"), p.project_id()));
  }
  return NeedRegion(books, event, p.region_code(), "region_code").status();
}

// A region's amendment names a registered region, gives it a new name or a
// new parent (or both) and a reason, and is dated neither before its
// registration nor before its last amendment. A new parent is registered
// (and not dated after the amendment), lies outside the region, takes the
// region's code (GB/T 2260: what lies below it keeps its own parent, whose
// code rule is unchanged) and keeps the tree within kRegionDepthMax.
absl::Status AdmitRegionAmendment(const Books& books, const v1::Event& event) {
  const v1::RegionAmended& r = event.region_amended();
  RETURN_IF_ERROR(CheckRegionCode(r.code(), "code"));
  if (r.name().empty() && r.parent_code().empty()) {
    return Rejected(v1::FIELD_MISSING, "name", Tr("is required (a new name, a new parent or both)"));
  }
  if (!r.name().empty()) RETURN_IF_ERROR(CheckText(r.name(), "name", limits::kNameBytesMax, true));
  RETURN_IF_ERROR(CheckOptionalCode(r.parent_code(), "parent_code"));
  RETURN_IF_ERROR(CheckText(r.reason(), "reason", limits::kMemoBytesMax, true));
  ASSIGN_OR_RETURN(const v1::RegionEntry* region, NeedRegion(books, event, r.code(), "code"));
  RETURN_IF_ERROR(CheckNotBefore(event, region->amended_on(), "code",
                                 "the last amendment of region $0", r.code()));
  const bool renames = !r.name().empty() && r.name() != region->name();
  const bool moves = !r.parent_code().empty() && r.parent_code() != region->parent_code();
  if (!renames && !moves) {
    const std::string held =
        r.parent_code().empty()
            ? absl::Substitute(Tr("the amendment changes nothing: region $0 is already named $1"),
                               r.code(), r.name())
        : r.name().empty()
            ? absl::Substitute(Tr("the amendment changes nothing: region $0 already lies under $1"),
                               r.code(), r.parent_code())
            : absl::Substitute(Tr("the amendment changes nothing: region $0 is already named $1 "
                                  "and already lies under $2"),
                               r.code(), r.name(), r.parent_code());
    return Rejected(v1::NOTHING_AMENDED, r.name().empty() ? "parent_code" : "name", held);
  }
  if (renames && region->former_names_size() >= limits::kFormerNamesMax) {
    return Rejected(v1::FIELD_INVALID, "name",
                    absl::Substitute(Tr("region $0 has been renamed $1 times, the most the "
                                        "ledger keeps"),
                                     r.code(), limits::kFormerNamesMax));
  }
  if (!moves) return absl::OkStatus();
  const v1::RegionEntry* parent = books.regions.FindRegion(r.parent_code());
  if (parent == nullptr) {
    return Rejected(v1::PARENT_NOT_FOUND, "parent_code",
                    absl::Substitute(Tr("parent region $0 is not registered"), r.parent_code()));
  }
  RETURN_IF_ERROR(CheckNotBefore(event, parent->registered_on(), "parent_code",
                                 "the registration of region $0", r.parent_code()));
  if (books.regions.IsWithin(r.parent_code(), r.code())) {
    return Rejected(v1::FIELD_INVALID, "parent_code",
                    absl::Substitute(Tr("$0 is $1 or lies below it: a region cannot move under "
                                        "itself"),
                                     r.parent_code(), r.code()));
  }
  RETURN_IF_ERROR(CheckCodeUnderParent(r.code(), r.parent_code()));
  // How far the tree reaches below the region: one pass over the regions,
  // each walked up at most kRegionDepthMax steps.
  int below = 0;
  for (const v1::RegionEntry& other : books.regions.state().regions()) {
    if (other.depth() - region->depth() > below && books.regions.IsWithin(other.code(), r.code())) {
      below = other.depth() - region->depth();
    }
  }
  if (parent->depth() + 1 + below > limits::kRegionDepthMax) {
    return Rejected(v1::REGION_TOO_DEEP, "parent_code",
                    absl::Substitute(Tr("regions nest at most $0 levels deep; under $1 region $2 "
                                        "and the $3 levels below it would not fit"),
                                     limits::kRegionDepthMax, r.parent_code(), r.code(), below));
  }
  return absl::OkStatus();
}

// An amendment names a registered project, is dated neither before its
// registration nor before its last amendment (so that log order is date
// order and a view as of any date shows what was in force), gives a reason
// and changes something.
absl::Status AdmitProjectAmendment(const Books& books, const v1::Event& event) {
  const v1::ProjectAmended& p = event.project_amended();
  RETURN_IF_ERROR(CheckIdentifier(p.project_id(), "project_id", limits::kProjectIdBytesMax));
  if (!p.name().empty()) RETURN_IF_ERROR(CheckText(p.name(), "name", limits::kNameBytesMax, true));
  RETURN_IF_ERROR(CheckCategoryAndBudget(p.category(), p.budget_fen()));
  RETURN_IF_ERROR(CheckText(p.reason(), "reason", limits::kMemoBytesMax, true));
  ASSIGN_OR_RETURN(const v1::ProjectEntry* project,
                   NeedProject(books, event, p.project_id(), nullptr));
  RETURN_IF_ERROR(CheckNotBefore(event, project->amended_on(), "project_id",
                                 "the last amendment of project $0", p.project_id()));
  const bool changes =
      (!p.name().empty() && p.name() != project->name()) ||
      (p.category() != v1::PROJECT_CATEGORY_UNSPECIFIED && p.category() != project->category()) ||
      (p.budget_fen() > 0 && p.budget_fen() != project->budget_fen());
  if (!p.name().empty() && p.name() != project->name() &&
      project->former_names_size() >= limits::kFormerNamesMax) {
    return Rejected(v1::FIELD_INVALID, "name",
                    absl::Substitute(Tr("project $0 has been renamed $1 times, the most the "
                                        "ledger keeps"),
                                     p.project_id(), limits::kFormerNamesMax));
  }
  if (!changes) {
    return Rejected(v1::NOTHING_AMENDED, "project_id",
                    absl::Substitute(Tr("the amendment changes nothing: project $0 already has "
                                        "the name, category and budget given"),
                                     p.project_id()));
  }
  return absl::OkStatus();
}

absl::Status AdmitAllocation(const Books& books, const v1::Event& event, Resolved* resolved) {
  const v1::FundsAllocated& a = event.funds_allocated();
  RETURN_IF_ERROR(CheckRegionCode(a.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(a.recipient_code(), "recipient_code"));
  RETURN_IF_ERROR(CheckOptionalProjectId(a.project_id()));
  RETURN_IF_ERROR(CheckAmount(a.amount_fen(), "amount_fen"));
  if (a.source() == v1::FUND_SOURCE_UNSPECIFIED || !v1::FundSource_IsValid(a.source())) {
    return Rejected(v1::FIELD_INVALID, "source",
                    absl::Substitute(Tr("must be $0"), JoinedProtoNames(kSources, " or ")));
  }
  if (a.fiscal_year() < limits::kYearMin || a.fiscal_year() > limits::kYearMax) {
    return Rejected(v1::FIELD_INVALID, "fiscal_year",
                    absl::Substitute(Tr("must be a year in $0..$1 (got $2)"), limits::kYearMin,
                                     limits::kYearMax, a.fiscal_year()));
  }
  RETURN_IF_ERROR(
      CheckOptionalText(a.document_number(), "document_number", limits::kDocumentNumberBytesMax));
  RETURN_IF_ERROR(
      CheckOptionalText(a.fund_category(), "fund_category", limits::kFundCategoryBytesMax));
  RETURN_IF_ERROR(NeedRegion(books, event, a.helper_code(), "helper_code").status());
  RETURN_IF_ERROR(NeedRegion(books, event, a.recipient_code(), "recipient_code").status());
  if (!a.project_id().empty()) {
    RETURN_IF_ERROR(NeedProject(books, event, a.project_id(), &a.recipient_code()).status());
  }
  ASSIGN_OR_RETURN(const v1::Pairing* pairing,
                   ResolvePairing(books, event, a.helper_code(), a.recipient_code()));
  RETURN_IF_ERROR(
      CheckNoOverflow(books.regions.state().grand().allocated_fen(), a.amount_fen(), "amount_fen"));
  resolved->program = pairing->program();
  return absl::OkStatus();
}

// Who was paid and how (issue 25). The payee is required from the ledger's
// payee_required_from on (PolicySet), optional before it and in a ledger
// without one, so that ledgers kept before the field existed stay valid.
absl::Status CheckPayment(const Books& books, const v1::Event& event) {
  const v1::FundsDisbursed& d = event.funds_disbursed();
  const std::string& required_from = books.reversed.payee_required_from();
  if (d.payee().empty() && books.reversed.policy_set_by() != 0 &&
      event.effective_date() >= required_from) {
    return Rejected(v1::FIELD_MISSING, "payee",
                    absl::Substitute(Tr("is required for a disbursement effective on or after "
                                        "$0 (the ledger's payee_required_from)"),
                                     required_from));
  }
  RETURN_IF_ERROR(CheckOptionalText(d.payee(), "payee", limits::kNameBytesMax));
  if (!d.payee_account_hash().empty()) {
    RETURN_IF_ERROR(CheckHexHash(d.payee_account_hash(), "payee_account_hash"));
  }
  if (!v1::PaymentMethod_IsValid(d.payment_method())) {
    return Rejected(v1::FIELD_INVALID, "payment_method",
                    absl::Substitute(Tr("must be $0"), JoinedProtoNames(kPaymentMethods, " or ")));
  }
  RETURN_IF_ERROR(
      CheckOptionalText(d.contract_number(), "contract_number", limits::kDocumentNumberBytesMax));
  return CheckOptionalText(d.purpose(), "purpose", limits::kMemoBytesMax);
}

absl::Status AdmitDisbursement(const Books& books, const v1::Event& event) {
  const v1::FundsDisbursed& d = event.funds_disbursed();
  RETURN_IF_ERROR(CheckIdentifier(d.project_id(), "project_id", limits::kProjectIdBytesMax));
  RETURN_IF_ERROR(CheckAmount(d.amount_fen(), "amount_fen"));
  RETURN_IF_ERROR(CheckPayment(books, event));
  ASSIGN_OR_RETURN(const v1::ProjectEntry* project,
                   NeedProject(books, event, d.project_id(), nullptr));
  RETURN_IF_ERROR(CheckAvailable(books, project->region_code(), d.amount_fen(), "amount_fen",
                                 "disbursing"));
  return CheckNoOverflow(books.regions.state().grand().disbursed_fen(), d.amount_fen(),
                         "amount_fen");
}

// The program of the pairing behind an investment or a sale, when there is
// one; these events need no pairing. An investment is refused after the
// end of the pairing that would have admitted it (PAIRING_ENDED); a sale
// after it is recorded without a program: buying a region's products needs
// no agreement.
absl::StatusOr<v1::Program> OptionalProgram(const Books& books, const v1::Event& event,
                                            const std::string& helper,
                                            const std::string& region) {
  if (helper.empty()) return v1::PROGRAM_UNSPECIFIED;
  absl::StatusOr<const v1::Pairing*> pairing = ResolvePairing(books, event, helper, region);
  if (pairing.ok()) return (*pairing)->program();
  if (event.has_investment_recorded() && RejectReasonOf(pairing.status()) == v1::PAIRING_ENDED) {
    return pairing.status();
  }
  return v1::PROGRAM_UNSPECIFIED;
}

absl::Status AdmitInvestment(const Books& books, const v1::Event& event, Resolved* resolved) {
  const v1::InvestmentRecorded& i = event.investment_recorded();
  RETURN_IF_ERROR(CheckText(i.enterprise(), "enterprise", limits::kNameBytesMax, true));
  RETURN_IF_ERROR(CheckOptionalCode(i.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(i.region_code(), "region_code"));
  RETURN_IF_ERROR(CheckOptionalProjectId(i.project_id()));
  RETURN_IF_ERROR(CheckAmount(i.amount_fen(), "amount_fen"));
  if (!i.helper_code().empty()) {
    RETURN_IF_ERROR(NeedRegion(books, event, i.helper_code(), "helper_code").status());
  }
  RETURN_IF_ERROR(NeedRegion(books, event, i.region_code(), "region_code").status());
  if (!i.project_id().empty()) {
    RETURN_IF_ERROR(NeedProject(books, event, i.project_id(), &i.region_code()).status());
  }
  RETURN_IF_ERROR(
      CheckNoOverflow(books.regions.state().grand().invested_fen(), i.amount_fen(), "amount_fen"));
  ASSIGN_OR_RETURN(resolved->program,
                   OptionalProgram(books, event, i.helper_code(), i.region_code()));
  return absl::OkStatus();
}

absl::Status AdmitSale(const Books& books, const v1::Event& event, Resolved* resolved) {
  const v1::SaleRecorded& s = event.sale_recorded();
  RETURN_IF_ERROR(CheckRegionCode(s.region_code(), "region_code"));
  RETURN_IF_ERROR(CheckOptionalCode(s.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckText(s.channel(), "channel", limits::kChannelBytesMax, false));
  RETURN_IF_ERROR(CheckAmount(s.amount_fen(), "amount_fen"));
  if (!s.helper_code().empty()) {
    RETURN_IF_ERROR(NeedRegion(books, event, s.helper_code(), "helper_code").status());
  }
  RETURN_IF_ERROR(NeedRegion(books, event, s.region_code(), "region_code").status());
  RETURN_IF_ERROR(
      CheckNoOverflow(books.regions.state().grand().sales_fen(), s.amount_fen(), "amount_fen"));
  ASSIGN_OR_RETURN(resolved->program,
                   OptionalProgram(books, event, s.helper_code(), s.region_code()));
  return absl::OkStatus();
}

// The indicator `value` names in `field`, as this ledger's table knows it.
absl::StatusOr<const IndicatorInfo*> NeedIndicator(int value, absl::string_view field) {
  if (value == v1::INDICATOR_UNSPECIFIED) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  const IndicatorInfo* info = FindIndicator(value);
  if (info == nullptr) {
    return Rejected(v1::FIELD_INVALID, field,
                    absl::Substitute(Tr("is not an indicator this ledger knows (got $0)"), value));
  }
  return info;
}

// A value of `info` in its unit: fen as an amount, a count from 1 to
// limits::kIndicatorCountMax.
absl::Status CheckIndicatorValue(const IndicatorInfo& info, int64_t value,
                                 absl::string_view field) {
  if (info.money()) return CheckAmount(value, field);
  if (value <= 0 || value > limits::kIndicatorCountMax) {
    return Rejected(v1::FIELD_INVALID, field,
                    absl::Substitute(Tr("must be a whole number of $0 from 1 to $1 (got $2)"),
                                     IndicatorUnitName(info.value), limits::kIndicatorCountMax,
                                     value));
  }
  return absl::OkStatus();
}

// An indicator recorded by hand: a known indicator that is not derived from
// money events, a value in its unit, breakdowns that are parts of it and no
// larger, and a pairing of the helper (or a region above it) with the
// recipient (or a region above it) in force on the effective date, as for
// an allocation.
absl::Status AdmitIndicator(const Books& books, const v1::Event& event) {
  const v1::IndicatorRecorded& p = event.indicator_recorded();
  RETURN_IF_ERROR(CheckRegionCode(p.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(p.recipient_code(), "recipient_code"));
  ASSIGN_OR_RETURN(const IndicatorInfo* info, NeedIndicator(p.indicator(), "indicator"));
  if (info->derived()) {
    return Rejected(v1::INDICATOR_DERIVED, "indicator",
                    absl::Substitute(Tr("$0 is $1, never recorded by hand"), info->code,
                                     MeasureName(info->measure)));
  }
  RETURN_IF_ERROR(CheckIndicatorValue(*info, p.value(), "value"));
  if (p.of_which_size() > limits::kIndicatorBreakdownsMax) {
    return Rejected(v1::FIELD_INVALID, "of_which",
                    absl::Substitute(Tr("holds $0 breakdowns, more than $1"), p.of_which_size(),
                                     limits::kIndicatorBreakdownsMax));
  }
  for (int i = 0; i < p.of_which_size(); ++i) {
    const v1::IndicatorBreakdown& part = p.of_which(i);
    ASSIGN_OR_RETURN(const IndicatorInfo* part_info, NeedIndicator(part.indicator(), "of_which"));
    if (part_info->part_of != info->value) {
      return Rejected(v1::FIELD_INVALID, "of_which",
                      absl::Substitute(Tr("$0 is not a breakdown of $1"), part_info->code,
                                       info->code));
    }
    for (int j = 0; j < i; ++j) {
      if (p.of_which(j).indicator() == part.indicator()) {
        return Rejected(v1::FIELD_INVALID, "of_which",
                        absl::Substitute(Tr("$0 is given twice"), part_info->code));
      }
    }
    RETURN_IF_ERROR(CheckIndicatorValue(*part_info, part.value(), "of_which"));
    if (part.value() > p.value()) {
      return Rejected(v1::BREAKDOWN_EXCEEDS_TOTAL, "of_which",
                      absl::Substitute(Tr("$0 $1 is more than the $2 $3 it is part of"),
                                       part_info->code, part.value(), info->code, p.value()));
    }
  }
  RETURN_IF_ERROR(CheckOptionalProjectId(p.project_id()));
  RETURN_IF_ERROR(CheckText(p.description(), "description", limits::kMemoBytesMax, false));
  RETURN_IF_ERROR(CheckText(p.evidence(), "evidence", limits::kEvidenceBytesMax, false));
  RETURN_IF_ERROR(NeedRegion(books, event, p.helper_code(), "helper_code").status());
  RETURN_IF_ERROR(NeedRegion(books, event, p.recipient_code(), "recipient_code").status());
  if (!p.project_id().empty()) {
    RETURN_IF_ERROR(NeedProject(books, event, p.project_id(), &p.recipient_code()).status());
  }
  RETURN_IF_ERROR(ResolvePairing(books, event, p.helper_code(), p.recipient_code()).status());
  AIDLEDGER_CHECK(books.Folds(Books::kIndicators));
  const int64_t held = books.indicators.FigureOf(IndicatorTotals::YearOf(event.effective_date()),
                                                 p.helper_code(), p.recipient_code(),
                                                 p.indicator());
  return CheckNoOverflow(held, p.value(), "value");
}

// An annual target: a year from kTargetYearMin to kTargetYearMax not before
// the pairing began (nor after it ended), a known indicator (derived ones
// too), a value in its unit, a reason, and the pairing of exactly this
// helper with this recipient, established by the target's effective date.
absl::Status AdmitTarget(const Books& books, const v1::Event& event) {
  const v1::TargetSet& t = event.target_set();
  if (t.year() < limits::kTargetYearMin || t.year() > limits::kTargetYearMax) {
    return Rejected(v1::FIELD_INVALID, "year",
                    absl::Substitute(Tr("must be a year from $0 to $1 (got $2)"),
                                     limits::kTargetYearMin, limits::kTargetYearMax, t.year()));
  }
  RETURN_IF_ERROR(CheckRegionCode(t.helper_code(), "helper_code"));
  RETURN_IF_ERROR(CheckRegionCode(t.recipient_code(), "recipient_code"));
  ASSIGN_OR_RETURN(const IndicatorInfo* info, NeedIndicator(t.indicator(), "indicator"));
  RETURN_IF_ERROR(CheckIndicatorValue(*info, t.value(), "value"));
  RETURN_IF_ERROR(CheckText(t.reason(), "reason", limits::kMemoBytesMax, true));
  RETURN_IF_ERROR(NeedRegion(books, event, t.helper_code(), "helper_code").status());
  RETURN_IF_ERROR(NeedRegion(books, event, t.recipient_code(), "recipient_code").status());
  const v1::Pairing* pairing = books.helpers.FindPairing(t.helper_code(), t.recipient_code());
  if (pairing == nullptr) {
    return Rejected(v1::PAIRING_NOT_FOUND, "recipient_code",
                    absl::Substitute(Tr("no pairing of $0 with $1 is established"),
                                     t.helper_code(), t.recipient_code()));
  }
  RETURN_IF_ERROR(CheckNotBefore(event, pairing->established_on(), "recipient_code",
                                 "the pairing of $0 with $1", t.helper_code(),
                                 t.recipient_code()));
  const int32_t began = IndicatorTotals::YearOf(pairing->established_on());
  if (t.year() < began) {
    return Rejected(v1::DATE_BEFORE_REFERENCE, "year",
                    absl::Substitute(Tr("$0 is before the pairing of $1 with $2 began ($3)"),
                                     t.year(), t.helper_code(), t.recipient_code(),
                                     pairing->established_on()));
  }
  if (!pairing->ended_on().empty() && t.year() > IndicatorTotals::YearOf(pairing->ended_on())) {
    return Rejected(v1::PAIRING_ENDED, "year",
                    absl::Substitute(Tr("$0 is after the end of the pairing of $1 with $2 ($3: "
                                        "$4)"),
                                     t.year(), t.helper_code(), t.recipient_code(),
                                     pairing->ended_on(), pairing->end_reason()));
  }
  return absl::OkStatus();
}

absl::Status Referenced(const LoggedEvent& target, absl::string_view what) {
  return Rejected(v1::TARGET_REFERENCED, "reversed_event_id",
                  absl::Substitute(Tr("event $0 registered $1; a registration is reversed only "
                                      "while nothing names what it registered"),
                                   target.sequence, what));
}

std::string NamedBy(uint64_t sequence) {
  return absl::Substitute(Tr("event $0 names it"), sequence);
}

// A registration's reversal: only while nothing names the region, pairing or
// project it registered. A reversed event still names it, and money counts
// wherever it went (one pass over the regions or the flows, both bounded by
// the regions registered).
absl::Status AdmitRegistrationReversal(const Books& books, const LoggedEvent& target) {
  const v1::Event& event = target.event;
  if (event.has_region_registered()) {
    const std::string& code = event.region_registered().code();
    const v1::RegionEntry* entry = books.regions.FindRegion(code);
    if (entry == nullptr) {
      return absl::DataLossError(absl::StrCat("region ", code, " of event ", target.sequence,
                                              " is not registered"));
    }
    if (entry->first_reference() != 0) {
      return Referenced(target, absl::Substitute(Tr("region $0, and $1"), code,
                                                 NamedBy(entry->first_reference())));
    }
    for (const v1::MoneyFlow& flow : books.helpers.state().flows()) {
      if (flow.helper_code() == code || flow.region_code() == code) {
        return Referenced(target,
                          absl::Substitute(Tr("region $0, and $1 names it"), code, Money(flow)));
      }
    }
    return absl::OkStatus();
  }
  if (event.has_pairing_established()) {
    const v1::PairingEstablished& p = event.pairing_established();
    const v1::Pairing* pairing = books.helpers.FindPairing(p.helper_code(), p.recipient_code());
    if (pairing == nullptr) {
      return absl::DataLossError(absl::StrCat("the pairing of ", p.helper_code(), " with ",
                                              p.recipient_code(), " of event ", target.sequence,
                                              " is not established"));
    }
    if (!pairing->ended_on().empty()) {
      return Referenced(target, absl::Substitute(Tr("the pairing of $0 with $1, and its end on $2 "
                                                    "names it"),
                                                 p.helper_code(), p.recipient_code(),
                                                 pairing->ended_on()));
    }
    const v1::MoneyFlow* flow = LatestFlowWithin(books, p.helper_code(), p.recipient_code());
    if (flow != nullptr) {
      return Referenced(target, absl::Substitute(Tr("the pairing of $0 with $1, which may have "
                                                    "admitted $2"),
                                                 p.helper_code(), p.recipient_code(), Money(*flow)));
    }
    const uint64_t set_by = books.indicators.FirstTargetOf(p.helper_code(), p.recipient_code());
    if (set_by != 0) {
      return Referenced(target, absl::Substitute(Tr("the pairing of $0 with $1, and event $2 "
                                                    "sets a target under it"),
                                                 p.helper_code(), p.recipient_code(), set_by));
    }
    return absl::OkStatus();
  }
  const std::string& id = event.project_registered().project_id();
  const v1::ProjectEntry* entry = books.projects.FindProject(id);
  if (entry == nullptr) {
    return absl::DataLossError(absl::StrCat("project ", id, " of event ", target.sequence,
                                            " is not registered"));
  }
  if (entry->first_reference() != 0) {
    return Referenced(target, absl::Substitute(Tr("project $0, and $1"), id,
                                               NamedBy(entry->first_reference())));
  }
  return absl::OkStatus();
}

absl::Status AdmitReversal(const Books& books, const EventLookup& lookup,
                           const v1::Event& event, Resolved* resolved) {
  AIDLEDGER_CHECK(books.Folds(Books::kReversed));
  const v1::EventReversed& r = event.event_reversed();
  RETURN_IF_ERROR(
      CheckIdentifier(r.reversed_event_id(), "reversed_event_id", limits::kEventIdBytesMax));
  RETURN_IF_ERROR(CheckText(r.reason(), "reason", limits::kMemoBytesMax, true));
  ASSIGN_OR_RETURN(std::optional<LoggedEvent> target, lookup(r.reversed_event_id()));
  if (!target.has_value()) {
    return Rejected(v1::TARGET_NOT_FOUND, "reversed_event_id",
                    absl::Substitute(Tr("no event has event_id $0"), r.reversed_event_id()));
  }
  if (!IsReversible(target->event.payload_case())) {
    return Rejected(v1::TARGET_NOT_MONEY, "reversed_event_id",
                    absl::Substitute(Tr("event $0 is neither a money event, a recorded "
                                        "indicator nor a registration (allocations, "
                                        "disbursements, investments, sales and indicators, and "
                                        "registrations of regions, pairings and projects can be "
                                        "reversed)"),
                                     target->sequence));
  }
  if (books.reversed.IsReversed(target->sequence)) {
    return Rejected(v1::TARGET_ALREADY_REVERSED, "reversed_event_id",
                    absl::Substitute(Tr("event $0 is already reversed"), target->sequence));
  }
  if (event.effective_date() < target->event.effective_date()) {
    return Rejected(v1::DATE_BEFORE_REFERENCE, "effective_date",
                    absl::Substitute(Tr("$0 is before the effective date of event $1 ($2)"),
                                     event.effective_date(), target->sequence,
                                     target->event.effective_date()));
  }
  // A registration may be taken back while nothing names it, an allocation
  // while its recipient has not spent it. Taking back a recorded count, a
  // disbursement, an investment or a sale leaves no figure below zero: the
  // fold added what it takes away.
  if (!IsMoneyEvent(target->event) && !target->event.has_indicator_recorded()) {
    RETURN_IF_ERROR(AdmitRegistrationReversal(books, *target));
  } else if (target->event.has_funds_allocated()) {
    const v1::FundsAllocated& a = target->event.funds_allocated();
    RETURN_IF_ERROR(CheckAvailable(books, a.recipient_code(), a.amount_fen(),
                                   "reversed_event_id", "taking back the allocation of"));
  }
  resolved->target = std::move(target);
  return absl::OkStatus();
}

// A year a close names: as a target's (kTargetYearMin..kTargetYearMax).
absl::Status CheckCloseYear(int32_t year) {
  if (year >= limits::kTargetYearMin && year <= limits::kTargetYearMax) return absl::OkStatus();
  return Rejected(v1::FIELD_INVALID, "year",
                  absl::Substitute(Tr("must be a year from $0 to $1 (got $2)"),
                                   limits::kTargetYearMin, limits::kTargetYearMax, year));
}

// A SHA-256 as the ledger writes one: 64 lowercase hex digits.
// `text` as canonical base64 of exactly `bytes` bytes, into `*raw`.
absl::Status CheckBase64(const std::string& text, size_t bytes, absl::string_view field,
                         std::string* raw) {
  if (text.empty()) return Rejected(v1::FIELD_MISSING, field, Tr("is required"));
  if (!absl::Base64Unescape(text, raw) || raw->size() != bytes ||
      absl::Base64Escape(*raw) != text) {
    return Rejected(v1::FIELD_INVALID, field,
                    absl::Substitute(Tr("must be the base64 of $0 bytes"), bytes));
  }
  return absl::OkStatus();
}

std::string ClosedBy(const v1::ClosedYear& close) {
  return absl::Substitute(Tr("closed by event $0 on $1"), close.closed_by(),
                          close.effective_date());
}

// A close: a year that ended before the close's effective date and is not
// closed yet, an optional reason, and a digest of a point of the log. That
// the digest is the log's is the ledger's to check (CheckCloseAtHead when
// it is appended, verify for the Merkle root and the report's hash).
absl::Status AdmitClose(const Books& books, const v1::Event& event) {
  AIDLEDGER_CHECK(books.Folds(Books::kReversed));
  const v1::PeriodClosed& c = event.period_closed();
  RETURN_IF_ERROR(CheckCloseYear(c.year()));
  RETURN_IF_ERROR(CheckText(c.reason(), "reason", limits::kMemoBytesMax, false));
  if (c.sequence() == 0) {
    return Rejected(v1::FIELD_MISSING, "sequence", Tr("a close covers at least one event"));
  }
  RETURN_IF_ERROR(CheckHexHash(c.head_hash(), "head_hash"));
  RETURN_IF_ERROR(CheckHexHash(c.merkle_root(), "merkle_root"));
  RETURN_IF_ERROR(CheckHexHash(c.report_sha256(), "report_sha256"));
  if (IndicatorTotals::YearOf(event.effective_date()) <= c.year()) {
    return Rejected(v1::FIELD_INVALID, "year",
                    absl::Substitute(Tr("$0 has not ended on $1, the close's effective date: a "
                                        "year is closed after its last day"),
                                     c.year(), event.effective_date()));
  }
  const v1::ClosedYear* held = books.reversed.FindClose(c.year());
  if (held != nullptr) {
    return Rejected(v1::PERIOD_CLOSED, "year",
                    absl::Substitute(Tr("$0 is already $1"), c.year(), ClosedBy(*held)));
  }
  return absl::OkStatus();
}

// A signature of a close: a closed year, a signer's name and key that have
// not signed it yet, and a valid Ed25519 signature of the close's digest.
absl::Status AdmitSignature(const Books& books, const v1::Event& event) {
  AIDLEDGER_CHECK(books.Folds(Books::kReversed));
  const v1::DigestSigned& d = event.digest_signed();
  RETURN_IF_ERROR(CheckCloseYear(d.year()));
  if (!IsSignerName(d.signer())) {
    return Rejected(d.signer().empty() ? v1::FIELD_MISSING : v1::FIELD_INVALID, "signer",
                    absl::Substitute(Tr("a signer's name is 1 to $0 bytes with no space, control "
                                        "character, '/' or '\\', not starting with '.'"),
                                     limits::kSignerNameBytesMax));
  }
  std::string key, signature;
  RETURN_IF_ERROR(CheckBase64(d.public_key(), kEd25519PublicKeyBytes, "public_key", &key));
  RETURN_IF_ERROR(CheckBase64(d.signature(), kEd25519SignatureBytes, "signature", &signature));
  const v1::ClosedYear* close = books.reversed.FindClose(d.year());
  if (close == nullptr) {
    return Rejected(v1::PERIOD_NOT_CLOSED, "year",
                    absl::Substitute(Tr("$0 is not closed: only a close is signed"), d.year()));
  }
  // A key signs a close once. A name may sign again under another key: one
  // who signed first under a trusted signer's name with a foreign key
  // (verify-close calls it an impostor) must not lock the true signer out.
  for (const v1::CloseSignature& held : close->signatures()) {
    if (held.public_key() == d.public_key()) {
      return Rejected(v1::ALREADY_SIGNED, held.signer() == d.signer() ? "signer" : "public_key",
                      absl::Substitute(Tr("$0 signed the close of $1 already (event $2)"),
                                       held.signer(), d.year(), held.signed_by()));
    }
  }
  if (close->signatures_size() >= limits::kCloseSignaturesMax) {
    return Rejected(v1::FIELD_INVALID, "year",
                    absl::Substitute(Tr("the close of $0 holds $1 signatures, the most one may"),
                                     d.year(), close->signatures_size()));
  }
  if (!SignatureValid(key, CloseSigningMessage(*close), signature)) {
    return Rejected(v1::FIELD_INVALID, "signature",
                    absl::Substitute(Tr("is not a signature of the close of $0 (event $1) under "
                                        "this public_key"),
                                     d.year(), close->closed_by()));
  }
  return absl::OkStatus();
}

// A project's stage moves forward only, each on or after the date of the
// one before (so that an as-of view sees the stages in order).
absl::Status AdmitStage(const Books& books, const v1::Event& event) {
  const v1::ProjectStageChanged& p = event.project_stage_changed();
  RETURN_IF_ERROR(CheckIdentifier(p.project_id(), "project_id", limits::kProjectIdBytesMax));
  if (p.stage() == v1::PROJECT_STAGE_UNSPECIFIED) {
    return Rejected(v1::FIELD_MISSING, "stage", Tr("is required"));
  }
  if (!v1::ProjectStage_IsValid(p.stage())) {
    return Rejected(v1::FIELD_INVALID, "stage",
                    absl::Substitute(Tr("must be $0"), JoinedProtoNames(kStages, " or ")));
  }
  RETURN_IF_ERROR(CheckOptionalText(p.reason(), "reason", limits::kMemoBytesMax));
  ASSIGN_OR_RETURN(const v1::ProjectEntry* project,
                   NeedProject(books, event, p.project_id(), nullptr));
  if (p.stage() <= project->stage()) {
    return Rejected(v1::STAGE_NOT_FORWARD, "stage",
                    absl::Substitute(Tr("project $0 is already at $1 (since $2): a stage only "
                                        "moves forward"),
                                     p.project_id(), WordFor(kStages, project->stage()),
                                     project->stage_on()));
  }
  return CheckNotBefore(event, project->stage_on(), "project_id",
                        "the last stage of project $0", p.project_id());
}

// The ledger's policy is set once.
absl::Status AdmitPolicy(const Books& books, const v1::Event& event) {
  RETURN_IF_ERROR(CheckDate(event.policy_set().payee_required_from(), "payee_required_from"));
  if (books.reversed.policy_set_by() != 0) {
    return Rejected(v1::POLICY_EXISTS, "payee_required_from",
                    absl::Substitute(Tr("the ledger's policy was set by event $0"),
                                     books.reversed.policy_set_by()));
  }
  return absl::OkStatus();
}

// Whether an event of `payload` changes the figures of the year it is
// effective in: what a close seals.
bool ChangesFigures(v1::Event::PayloadCase payload) {
  return IsMoneyEvent(payload) || payload == v1::Event::kIndicatorRecorded ||
         payload == v1::Event::kEventReversed;
}

// A figure effective in a closed year is admitted only as an adjustment of
// it (以前年度调整): marked with that year and a reason. The mark is refused
// elsewhere: on an event that changes no figure, on an open year, on a
// year the event is not effective in.
absl::Status CheckClosedPeriod(const Books& books, const v1::Event& event) {
  AIDLEDGER_CHECK(books.Folds(Books::kReversed));
  const bool marked = event.adjusts_closed() != 0 || !event.adjustment_reason().empty();
  if (!ChangesFigures(event.payload_case())) {
    if (!marked) return absl::OkStatus();
    return Rejected(v1::FIELD_INVALID, "adjusts_closed",
                    Tr("only a money event, a recorded indicator or a reversal adjusts a closed "
                       "year"));
  }
  const int32_t year = IndicatorTotals::YearOf(event.effective_date());
  const v1::ClosedYear* close = books.reversed.FindClose(year);
  if (!marked) {
    if (close == nullptr) return absl::OkStatus();
    return Rejected(v1::PERIOD_CLOSED, "effective_date",
                    absl::Substitute(Tr("$0 is in $1, which is $2: an event effective in a closed "
                                        "year is an adjustment of it (adjusts_closed $1 with an "
                                        "adjustment_reason)"),
                                     event.effective_date(), year, ClosedBy(*close)));
  }
  if (event.adjusts_closed() != year) {
    return Rejected(v1::FIELD_INVALID, "adjusts_closed",
                    absl::Substitute(Tr("is $0, but the event is effective on $1"),
                                     event.adjusts_closed(), event.effective_date()));
  }
  if (close == nullptr) {
    return Rejected(v1::PERIOD_NOT_CLOSED, "adjusts_closed",
                    absl::Substitute(Tr("$0 is not closed: an event effective in an open year is "
                                        "no adjustment"),
                                     year));
  }
  return CheckText(event.adjustment_reason(), "adjustment_reason", limits::kMemoBytesMax, true);
}

// The payload's checks of Check.
absl::Status CheckPayload(const Books& books, const EventLookup& lookup, const v1::Event& event,
                   Resolved* resolved) {
  switch (event.payload_case()) {
    case v1::Event::kRegionRegistered:
      return AdmitRegion(books, event);
    case v1::Event::kPairingEstablished:
      return AdmitPairing(books, event);
    case v1::Event::kPairingEnded:
      return AdmitPairingEnd(books, event);
    case v1::Event::kProjectRegistered:
      return AdmitProject(books, event);
    case v1::Event::kFundsAllocated:
      return AdmitAllocation(books, event, resolved);
    case v1::Event::kFundsDisbursed:
      return AdmitDisbursement(books, event);
    case v1::Event::kInvestmentRecorded:
      return AdmitInvestment(books, event, resolved);
    case v1::Event::kSaleRecorded:
      return AdmitSale(books, event, resolved);
    case v1::Event::kEventReversed:
      return AdmitReversal(books, lookup, event, resolved);
    case v1::Event::kProjectAmended:
      return AdmitProjectAmendment(books, event);
    case v1::Event::kRegionAmended:
      return AdmitRegionAmendment(books, event);
    case v1::Event::kIndicatorRecorded:
      return AdmitIndicator(books, event);
    case v1::Event::kTargetSet:
      return AdmitTarget(books, event);
    case v1::Event::kPeriodClosed:
      return AdmitClose(books, event);
    case v1::Event::kDigestSigned:
      return AdmitSignature(books, event);
    case v1::Event::kProjectStageChanged:
      return AdmitStage(books, event);
    case v1::Event::kPolicySet:
      return AdmitPolicy(books, event);
    case v1::Event::PAYLOAD_NOT_SET:
      break;
  }
  return Rejected(v1::FIELD_MISSING, "payload", Tr("an event needs exactly one payload"));
}

// Checks `event` against `books`; sets in `resolved` what the ledger fills in.
absl::Status Check(const Books& books, const EventLookup& lookup, const v1::Event& event,
                   Resolved* resolved) {
  if (!event.event_id().empty()) {
    RETURN_IF_ERROR(CheckIdentifier(event.event_id(), "event_id", limits::kEventIdBytesMax));
  }
  RETURN_IF_ERROR(CheckDate(event.effective_date(), "effective_date"));
  RETURN_IF_ERROR(CheckText(event.actor(), "actor", limits::kActorBytesMax, true));
  RETURN_IF_ERROR(CheckText(event.memo(), "memo", limits::kMemoBytesMax, false));
  RETURN_IF_ERROR(CheckEvidence(event));
  RETURN_IF_ERROR(CheckPayload(books, lookup, event, resolved));
  return CheckClosedPeriod(books, event);
}

// Whether `event` holds what validation resolved for it.
bool HoldsResolved(const v1::Event& event, const Resolved& resolved) {
  switch (event.payload_case()) {
    case v1::Event::kFundsAllocated:
      return event.funds_allocated().program() == resolved.program;
    case v1::Event::kInvestmentRecorded:
      return event.investment_recorded().program() == resolved.program;
    case v1::Event::kSaleRecorded:
      return event.sale_recorded().program() == resolved.program;
    case v1::Event::kEventReversed: {
      const v1::EventReversed& r = event.event_reversed();
      return resolved.target.has_value() && r.has_target() &&
             r.reversed_sequence() == resolved.target->sequence &&
             SerializeDeterministic(r.target()) == SerializeDeterministic(resolved.target->event);
    }
    default:
      return true;
  }
}

// Rungs 3-8 of the ladder (validate.h) for a draft after ApplyDefaults.
absl::Status Admit(const Books& books, const EventLookup& lookup, const std::string& today,
                   v1::Event* draft) {
  RETURN_IF_ERROR(CheckDate(draft->effective_date(), "effective_date"));
  if (draft->effective_date() > today) {
    return Rejected(v1::FUTURE_DATE, "effective_date",
                    absl::Substitute(Tr("$0 is after today in China ($1): an event records what "
                                        "has happened"),
                                     draft->effective_date(), today));
  }
  Resolved resolved;
  RETURN_IF_ERROR(Check(books, lookup, *draft, &resolved));
  switch (draft->payload_case()) {
    case v1::Event::kFundsAllocated:
      draft->mutable_funds_allocated()->set_program(resolved.program);
      break;
    case v1::Event::kInvestmentRecorded:
      draft->mutable_investment_recorded()->set_program(resolved.program);
      break;
    case v1::Event::kSaleRecorded:
      draft->mutable_sale_recorded()->set_program(resolved.program);
      break;
    case v1::Event::kEventReversed: {
      v1::EventReversed& r = *draft->mutable_event_reversed();
      r.set_reversed_sequence(resolved.target->sequence);
      *r.mutable_target() = std::move(resolved.target->event);
      break;
    }
    default:
      break;
  }
  // Last, as the fold will see it (a reversal with its target stamped).
  FoldEvent view, target;
  ViewEvent(*draft, &view, &target);
  AIDLEDGER_CHECK(books.Folds(Books::kMonths));
  if (books.months.MonthWouldOverflow(view)) {
    return Rejected(v1::TOTAL_OVERFLOW, "amount_fen",
                    absl::Substitute(Tr("would overflow the 64-bit fen total of its region in the "
                                        "month of $0"),
                                     draft->effective_date()));
  }
  return absl::OkStatus();
}

}  // namespace

void ApplyDefaults(const std::string& today, v1::Event* draft) {
  if (draft->effective_date().empty()) draft->set_effective_date(today);
  if (draft->has_funds_allocated()) {
    v1::FundsAllocated& a = *draft->mutable_funds_allocated();
    if (a.source() == v1::FUND_SOURCE_UNSPECIFIED) a.set_source(v1::FISCAL);
    if (a.fiscal_year() == 0 && draft->effective_date().size() >= 4) {
      int year = 0;
      for (char c : draft->effective_date().substr(0, 4)) {
        year = (c >= '0' && c <= '9') ? year * 10 + (c - '0') : -1;
        if (year < 0) break;
      }
      if (year > 0) a.set_fiscal_year(year);
    }
  }
}

absl::Status Readmit(const Books& books, const EventLookup& lookup, const v1::Event& stored) {
  Resolved resolved;
  absl::Status admitted = Check(books, lookup, stored, &resolved);
  if (!admitted.ok()) {
    return absl::DataLossError(absl::StrCat("event ", stored.sequence(),
                                            " does not pass validation again: ",
                                            admitted.message()));
  }
  if (!HoldsResolved(stored, resolved)) {
    return absl::DataLossError(absl::StrCat(
        "event ", stored.sequence(),
        " holds resolved fields (program, reversal target) that validation does not give"));
  }
  return absl::OkStatus();
}

std::string IdempotencyContent(const v1::Event& event) {
  v1::Event content;
  content.set_effective_date(event.effective_date());
  content.set_memo(event.memo());
  content.set_adjusts_closed(event.adjusts_closed());
  content.set_adjustment_reason(event.adjustment_reason());
  switch (event.payload_case()) {
    case v1::Event::kFundsAllocated:
      *content.mutable_funds_allocated() = event.funds_allocated();
      content.mutable_funds_allocated()->clear_program();
      break;
    case v1::Event::kInvestmentRecorded:
      *content.mutable_investment_recorded() = event.investment_recorded();
      content.mutable_investment_recorded()->clear_program();
      break;
    case v1::Event::kSaleRecorded:
      *content.mutable_sale_recorded() = event.sale_recorded();
      content.mutable_sale_recorded()->clear_program();
      break;
    case v1::Event::kEventReversed:
      content.mutable_event_reversed()->set_reversed_event_id(
          event.event_reversed().reversed_event_id());
      content.mutable_event_reversed()->set_reason(event.event_reversed().reason());
      break;
    default:
      content = event;
      content.clear_sequence();
      content.clear_event_id();
      content.clear_recorded_at();
      content.clear_actor();
      break;
  }
  return SerializeDeterministic(content);
}

absl::Status CheckBatchSize(size_t events) {
  if (events <= limits::kBatchEventsMax) return absl::OkStatus();
  return Rejected(v1::FIELD_INVALID, "batch",
                  absl::Substitute(Tr("holds $0 events, more than $1"), events,
                                   limits::kBatchEventsMax));
}

absl::StatusOr<Judgement> JudgeDraft(const Books& books, const EventLookup& lookup,
                                     const std::string& today, v1::Event* draft) {
  ApplyDefaults(today, draft);
  if (!draft->event_id().empty()) {
    ASSIGN_OR_RETURN(std::optional<LoggedEvent> held, lookup(draft->event_id()));
    if (held.has_value()) {
      if (IdempotencyContent(held->event) != IdempotencyContent(*draft)) {
        return Rejected(v1::EVENT_ID_CONFLICT, "event_id",
                        absl::Substitute(Tr("$0 is already event $1 with different content"),
                                         draft->event_id(), held->sequence));
      }
      return Judgement{.repeat_of = std::move(held)};
    }
  }
  RETURN_IF_ERROR(Admit(books, lookup, today, draft));
  return Judgement{};
}

absl::Status CheckCloseAtHead(const v1::Event& event, uint64_t prev_sequence,
                              const Hash& prev_hash) {
  if (!event.has_period_closed()) return absl::OkStatus();
  const v1::PeriodClosed& c = event.period_closed();
  if (c.sequence() != prev_sequence) {
    return Rejected(v1::FIELD_INVALID, "sequence",
                    absl::Substitute(Tr("the close's digest is of event $0, but it comes after "
                                     "event $1: the ledger moved on while the close was made; "
                                     "close again"),
                                     c.sequence(), prev_sequence));
  }
  if (c.head_hash() != Hex(prev_hash)) {
    return Rejected(v1::FIELD_INVALID, "head_hash",
                    absl::Substitute(Tr("is not the chain hash of event $0 (history was "
                                        "rewritten)"),
                                     prev_sequence));
  }
  return absl::OkStatus();
}

absl::Status CheckStoredSize(size_t bytes) {
  if (bytes <= limits::kEventBytesMax) return absl::OkStatus();
  return Rejected(v1::FIELD_TOO_LONG, "event",
                  absl::Substitute(Tr("is $0 bytes stored, more than $1"), bytes,
                                   limits::kEventBytesMax));
}

}  // namespace aidledger
