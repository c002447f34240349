#include "state/fund_view_entry.h"

#include <algorithm>
#include <utility>

#include "base/fields.h"
#include "base/limits.h"
#include "base/proto_bytes.h"
#include "state/projection.h"

namespace aidledger {

bool InFundView(const FoldEvent& e) {
  switch (e.payload) {
    case v1::Event::kRegionRegistered:
    case v1::Event::kProjectRegistered:
    case v1::Event::kEventReversed:
    case v1::Event::kFundsAllocated:
    case v1::Event::kFundsDisbursed:
      return true;
    case v1::Event::kProjectStageChanged:
      return e.stage_value() == v1::ACCEPTED;
    case v1::Event::kInvestmentRecorded:
      return !e.project_id.empty();  // a trace follows money into projects
    default:
      return false;
  }
}

v1::FundViewEntry FundViewEntryOf(uint64_t sequence, const Hash& hash, const FoldEvent& e) {
  v1::FundViewEntry entry;
  entry.set_sequence(sequence);
  entry.set_hash(std::string(HashBytes(hash)));
  entry.set_payload(e.payload);
  entry.set_event_id(std::string(e.event_id));
  entry.set_effective_date(std::string(e.effective_date));
  entry.set_code(std::string(e.code));
  entry.set_helper_code(std::string(e.helper_code));
  entry.set_recipient_code(std::string(e.recipient_code));
  entry.set_project_id(std::string(e.project_id));
  entry.set_amount_fen(e.amount_fen);
  entry.set_document_number(std::string(e.document_number));
  entry.set_name(std::string(e.payload == v1::Event::kInvestmentRecorded ? e.enterprise : e.payee));
  entry.set_contract_number(std::string(e.contract_number));
  entry.set_evidence_count(e.evidence_count);
  entry.set_stage(e.stage);
  entry.set_reversed_sequence(e.reversed_sequence);
  return entry;
}

FoldEvent ViewFundViewEntry(const v1::FundViewEntry& entry) {
  FoldEvent e;
  e.sequence = entry.sequence();
  e.payload = static_cast<v1::Event::PayloadCase>(entry.payload());
  e.event_id = entry.event_id();
  e.effective_date = entry.effective_date();
  e.code = entry.code();
  e.helper_code = entry.helper_code();
  e.recipient_code = entry.recipient_code();
  e.project_id = entry.project_id();
  e.amount_fen = entry.amount_fen();
  e.document_number = entry.document_number();
  if (e.payload == v1::Event::kInvestmentRecorded) {
    e.enterprise = entry.name();
  } else {
    e.payee = entry.name();
  }
  e.contract_number = entry.contract_number();
  e.evidence_count = entry.evidence_count();
  e.stage = entry.stage();
  e.reversed_sequence = entry.reversed_sequence();
  return e;
}

namespace {

// Where FundViewPartReader's fast path puts v1::FundViewEntry's varint
// field `number` (an unknown one is left unread, as protobuf leaves it).
void SetEntryNumber(uint64_t number, uint64_t value, FoldEvent* e) {
  switch (number) {
    case 1: e->sequence = value; break;
    case 3: e->payload = static_cast<v1::Event::PayloadCase>(static_cast<int32_t>(value)); break;
    case 10: e->amount_fen = static_cast<int64_t>(value); break;
    case 14: e->evidence_count = static_cast<uint32_t>(value); break;
    case 15: e->stage = static_cast<int32_t>(value); break;
    case 16: e->reversed_sequence = value; break;
    default: break;
  }
}

// Where it puts the text field `number` (4-9, 11-13); `name` (12) is the
// payee's or the enterprise's, which the payload decides.
absl::string_view* EntryText(uint64_t number, FoldEvent* e, absl::string_view* name) {
  switch (number) {
    case 4: return &e->event_id;
    case 5: return &e->effective_date;
    case 6: return &e->code;
    case 7: return &e->helper_code;
    case 8: return &e->recipient_code;
    case 9: return &e->project_id;
    case 11: return &e->document_number;
    case 12: return name;
    default: return &e->contract_number;  // 13
  }
}

}  // namespace

bool FundViewPartReader::DecodeFast(absl::string_view bytes, absl::string_view* hash) {
  event_ = FoldEvent();
  *hash = {};
  absl::string_view name;
  const char* at = bytes.data();
  const char* const end = at + bytes.size();
  uint32_t seen = 0;  // the field numbers met: a repeat is protobuf's to merge
  while (at < end) {
    uint64_t tag;
    if (!ReadShortestVarint(&at, end, &tag) || tag > UINT32_MAX) return false;
    const uint64_t number = tag >> 3, wire = tag & 7;
    if (number == 0) return false;
    // v1::FundViewEntry's fields: 2 and 4-9, 11-13 hold bytes, the others varints.
    const bool known = number <= 16;
    const bool text = number == 2 || (number >= 4 && number <= 9) || (number >= 11 && number <= 13);
    if (known) {
      if ((seen & (1u << number)) != 0 || wire != (text ? kLengthDelimited : kVarint)) return false;
      seen |= 1u << number;
    }
    switch (wire) {
      case kVarint: {
        uint64_t value;
        if (!ReadShortestVarint(&at, end, &value)) return false;
        SetEntryNumber(number, value, &event_);
        break;
      }
      case kLengthDelimited: {
        uint64_t length;
        if (!ReadShortestVarint(&at, end, &length) || length > static_cast<uint64_t>(end - at)) {
          return false;
        }
        const absl::string_view value(at, length);
        at += length;
        if (!known) break;
        if (number == 2) {  // bytes: no UTF-8 to check
          *hash = value;
          break;
        }
        if (!IsValidUtf8(value)) return false;  // protobuf refuses it, or decides
        *EntryText(number, &event_, &name) = value;
        break;
      }
      case kFixed64:
      case kFixed32: {
        const int64_t size = wire == kFixed64 ? 8 : 4;
        if (known || end - at < size) return false;
        at += size;
        break;
      }
      default:
        return false;  // groups and the unused wire types
    }
  }
  (event_.payload == v1::Event::kInvestmentRecorded ? event_.enterprise : event_.payee) = name;
  return true;
}

absl::StatusOr<const FoldEvent*> FundViewPartReader::Next(Hash* hash) {
  absl::string_view hash_bytes;
  if (!parsed_.has_value()) {
    if (rest_.empty()) return nullptr;
    const char* at = rest_.data();
    const char* const end = at + rest_.size();
    uint64_t tag, length;
    // A part holds its entries (field 1) and nothing else.
    const bool fast = ReadShortestVarint(&at, end, &tag) && tag == ((1 << 3) | kLengthDelimited) &&
                      ReadShortestVarint(&at, end, &length) &&
                      length <= static_cast<uint64_t>(end - at) &&
                      DecodeFast(absl::string_view(at, length), &hash_bytes);
    if (fast) {
      rest_.remove_prefix(at + length - rest_.data());
    } else {
      parsed_.emplace();
      if (!parsed_->ParseFromArray(part_.data(), static_cast<int>(part_.size()))) {
        return absl::DataLossError("a part of the fund view stored at a snapshot does not decode");
      }
    }
  }
  if (parsed_.has_value()) {
    if (read_ >= static_cast<size_t>(parsed_->entries_size())) return nullptr;
    const v1::FundViewEntry& entry = parsed_->entries(static_cast<int>(read_));
    event_ = ViewFundViewEntry(entry);
    hash_bytes = entry.hash();
    ++fallbacks_;
  }
  ++read_;
  absl::StatusOr<Hash> read_hash = HashFromBytes(hash_bytes);
  if (!read_hash.ok()) {
    return absl::DataLossError("an entry of the fund view stored at a snapshot has no chain hash");
  }
  *hash = *read_hash;
  return &event_;
}

std::string ProvinceOf(const Books& books, const std::string& code) {
  const std::string* next = &code;
  for (int depth = 0; depth <= limits::kRegionDepthMax; ++depth) {
    const v1::RegionEntry* region = books.regions.FindRegion(*next);
    if (region == nullptr) return "";
    if (region->parent_code().empty()) return region->code();
    next = &region->parent_code();
  }
  return "";  // deeper than validation admits: a broken chain
}

namespace {

// The province of `project_id`'s region in `books`; empty when it has none.
std::string ProjectProvince(const Books& books, const std::string& project_id) {
  const v1::ProjectEntry* project = books.projects.FindProject(project_id);
  return project == nullptr ? "" : ProvinceOf(books, project->region_code());
}

}  // namespace

std::vector<std::string> FundViewPartitionsOf(const Books& books, const v1::FundViewEntry& entry) {
  std::vector<std::string> partitions;
  const auto file = [&partitions](std::string province) {
    if (province.empty()) province = kFundViewUnplaced;
    if (std::find(partitions.begin(), partitions.end(), province) == partitions.end()) {
      partitions.push_back(std::move(province));
    }
  };
  switch (entry.payload()) {
    case v1::Event::kFundsAllocated:
      file(ProvinceOf(books, entry.recipient_code()));
      if (!entry.project_id().empty()) file(ProjectProvince(books, entry.project_id()));
      break;
    case v1::Event::kFundsDisbursed:
    case v1::Event::kInvestmentRecorded:
      file(ProjectProvince(books, entry.project_id()));
      break;
    default:
      partitions.push_back(kFundViewRegistry);
      break;
  }
  return partitions;
}

void PlacementsOf(const Books& books, v1::FundViewManifest* manifest) {
  std::vector<const v1::RegionEntry*> regions;
  for (const v1::RegionEntry& region : books.regions.state().regions()) regions.push_back(&region);
  std::sort(regions.begin(), regions.end(),
            [](const v1::RegionEntry* a, const v1::RegionEntry* b) { return a->code() < b->code(); });
  for (const v1::RegionEntry* region : regions) {
    v1::FundViewManifest::Placement* placement = manifest->add_placements();
    placement->set_region_code(region->code());
    placement->set_province_code(ProvinceOf(books, region->code()));
  }
}

FundViewDelta FileFundView(const Books& books, uint64_t previous,
                           std::vector<v1::FundViewEntry> entries) {
  FundViewDelta delta;
  delta.manifest.set_previous(previous);
  for (v1::FundViewEntry& entry : entries) {
    const std::vector<std::string> partitions = FundViewPartitionsOf(books, entry);
    for (size_t i = 0; i + 1 < partitions.size(); ++i) {
      *delta.parts[partitions[i]].add_entries() = entry;
    }
    *delta.parts[partitions.back()].add_entries() = std::move(entry);
  }
  for (const auto& [partition, part] : delta.parts) delta.manifest.add_partitions(partition);
  PlacementsOf(books, &delta.manifest);
  return delta;
}

}  // namespace aidledger
