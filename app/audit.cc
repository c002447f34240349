#include "app/audit.h"

#include "app/evidence.h"

#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/strings/substitute.h"
#include "app/csv.h"
#include "app/drafts.h"
#include "app/json_check.h"
#include "app/export.h"
#include "app/line_reader.h"
#include "app/output.h"
#include "state/vocabulary.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "ledger/audit/merkle.h"
#include "ledger/snapshot_key.h"
#include "base/status_macros.h"

namespace aidledger::app {
using limits::kAuditFileBytesMax;
using limits::kRestoreBatchEvents;

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError(absl::Substitute(Tr("cannot open $0"), path));
  std::string text;
  text.resize(kAuditFileBytesMax + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kAuditFileBytesMax) {
    return UsageError(absl::Substitute(Tr("$0 is larger than $1 bytes"), path, kAuditFileBytesMax));
  }
  return text;
}

namespace {

template <typename Message>
absl::Status ParseJson(const std::string& text, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(text, message, options);
  if (status.ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      std::string(status.message().data(), status.message().size()));
}

absl::StatusOr<Hash> DigestHash(const std::string& hex, const std::string& path,
                                absl::string_view field) {
  absl::StatusOr<Hash> hash = HashFromHex(hex);
  if (!hash.ok()) return UsageError(absl::Substitute(Tr("$0: $1 is not 64 hex digits"), path, field));
  return hash;
}

// What a replay filter needs to know about regions and projects, learned
// from the log as it streams past.
class RegionIndex {
 public:
  void Learn(const v1::Event& event) {
    if (event.has_region_registered()) {
      parent_[event.region_registered().code()] = event.region_registered().parent_code();
    } else if (event.has_region_amended() && !event.region_amended().parent_code().empty()) {
      parent_[event.region_amended().code()] = event.region_amended().parent_code();  // moved
    } else if (event.has_project_registered()) {
      project_region_[event.project_registered().project_id()] =
          event.project_registered().region_code();
    }
  }
  bool Within(const std::string& code, const std::string& ancestor) const {
    std::string at = code;
    for (int step = 0; !at.empty() && step <= limits::kRegionDepthMax; ++step) {
      if (at == ancestor) return true;
      auto it = parent_.find(at);
      if (it == parent_.end()) return false;
      at = it->second;
    }
    return false;
  }
  bool Names(const v1::Event& event, const std::string& region) const {
    auto project = [&](const std::string& id) {
      auto it = project_region_.find(id);
      return it != project_region_.end() && Within(it->second, region);
    };
    switch (event.payload_case()) {
      case v1::Event::kRegionRegistered:
        return Within(event.region_registered().code(), region);
      case v1::Event::kPairingEstablished:
        return Within(event.pairing_established().helper_code(), region) ||
               Within(event.pairing_established().recipient_code(), region);
      case v1::Event::kProjectRegistered:
        return Within(event.project_registered().region_code(), region);
      case v1::Event::kProjectAmended:
        return project(event.project_amended().project_id());
      case v1::Event::kProjectStageChanged:
        return project(event.project_stage_changed().project_id());
      case v1::Event::kRegionAmended:
        return Within(event.region_amended().code(), region);
      case v1::Event::kPairingEnded:
        return Within(event.pairing_ended().helper_code(), region) ||
               Within(event.pairing_ended().recipient_code(), region);
      case v1::Event::kFundsAllocated:
        return Within(event.funds_allocated().helper_code(), region) ||
               Within(event.funds_allocated().recipient_code(), region);
      case v1::Event::kFundsDisbursed:
        return project(event.funds_disbursed().project_id());
      case v1::Event::kInvestmentRecorded:
        return Within(event.investment_recorded().helper_code(), region) ||
               Within(event.investment_recorded().region_code(), region);
      case v1::Event::kSaleRecorded:
        return Within(event.sale_recorded().helper_code(), region) ||
               Within(event.sale_recorded().region_code(), region);
      case v1::Event::kIndicatorRecorded:
        return Within(event.indicator_recorded().helper_code(), region) ||
               Within(event.indicator_recorded().recipient_code(), region);
      case v1::Event::kTargetSet:
        return Within(event.target_set().helper_code(), region) ||
               Within(event.target_set().recipient_code(), region);
      case v1::Event::kEventReversed:
        return Names(event.event_reversed().target(), region);
      case v1::Event::kPeriodClosed:  // the whole ledger's, no region's
      case v1::Event::kDigestSigned:
      case v1::Event::kPolicySet:
      case v1::Event::PAYLOAD_NOT_SET:
        break;
    }
    return false;
  }

 private:
  std::unordered_map<std::string, std::string> parent_;
  std::unordered_map<std::string, std::string> project_region_;
};

// The replay CSV's name of `column`: amount and budget with their unit.
std::string ReplayColumn(const char* column, AmountUnit unit) {
  const absl::string_view name(column);
  if (name != "amount" && name != "budget") return std::string(name);
  return absl::StrCat(name, unit == AmountUnit::kFen ? "_fen" : "_yuan");
}

std::string CsvHeader(AmountUnit unit) {
  std::vector<std::string> columns;
  for (const char* column : kCsvFieldColumns) columns.push_back(ReplayColumn(column, unit));
  for (const char* column : kCsvExportOnlyColumns) columns.push_back(column);
  return absl::StrCat(absl::StrJoin(columns, ","), "\n");
}

std::string CsvLine(const StoredEvent& stored, AmountUnit unit) {
  // Not a structured binding: clang 14 cannot capture one in the lambda below.
  std::pair<std::string, FieldMap> typed = FieldsFromEvent(stored.event);
  FieldMap& fields = typed.second;
  fields["type"] = typed.first;
  // Amounts in the unit; a reversal's the negative of what it takes back,
  // so that a spreadsheet's sum of the column is the ledger's figure.
  const v1::Event& event = stored.event;
  int64_t amount = MoneyAmountFen(event);
  if (event.has_event_reversed()) amount = -MoneyAmountFen(event.event_reversed().target());
  if (amount != 0) fields["amount"] = PlainFen(amount, unit);
  if (event.has_project_registered() && event.project_registered().budget_fen() > 0) {
    fields["budget"] = PlainFen(event.project_registered().budget_fen(), unit);
  }
  fields["seq"] = absl::StrCat(stored.sequence);
  fields["recorded_at"] = absl::FormatTime(
      absl::RFC3339_full,
      absl::FromUnixSeconds(stored.event.recorded_at().seconds()) +
          absl::Nanoseconds(stored.event.recorded_at().nanos()),
      absl::UTCTimeZone());
  fields["actor"] = stored.event.actor();
  fields["hash"] = Hex(stored.hash);
  fields["prev_hash"] = Hex(stored.prev_hash);
  std::string line;
  bool first = true;
  auto add = [&](const char* column) {
    absl::StrAppend(&line, first ? "" : ",", CsvField(fields[column]));
    first = false;
  };
  for (const char* column : kCsvFieldColumns) add(column);
  for (const char* column : kCsvExportOnlyColumns) add(column);
  line.push_back('\n');
  return line;
}

// Appends `events` (stored events of an export, each with its hash) as
// they are: Submit in verbatim mode. kDataLoss names the first that does
// not pass.
absl::Status SubmitVerbatim(Ledger& ledger, std::vector<std::pair<v1::Event, Hash>>* events) {
  std::vector<v1::Event*> drafts;
  std::vector<Hash> hashes;
  drafts.reserve(events->size());
  hashes.reserve(events->size());
  for (auto& [event, hash] : *events) {
    drafts.push_back(&event);
    hashes.push_back(hash);
  }
  const Drafts request(drafts);
  return ledger.Submit({&request, 1}, {.verbatim_hashes = &hashes}).status();
}

}  // namespace

absl::StatusOr<ExpectedDigest> ReadDigestFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  v1::Digest digest;
  absl::Status parsed = ParseJson(text, &digest);
  if (!parsed.ok()) {
    return UsageError(absl::Substitute(Tr("$0 is not a digest: $1"), path, parsed.message()));
  }
  ExpectedDigest expected{.sequence = digest.seq()};
  ASSIGN_OR_RETURN(expected.merkle_root, DigestHash(digest.merkle_root(), path, "merkle_root"));
  if (digest.seq() > 0) {
    ASSIGN_OR_RETURN(expected.head_hash, DigestHash(digest.head_hash(), path, "head_hash"));
  }
  return expected;
}

absl::StatusOr<std::string> VerifyProofFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  return VerifyProofText(text);
}

absl::StatusOr<std::string> VerifyProofText(const std::string& text) {
  // Strict JSON first: a key given twice would let a reader see one value
  // while the check used another.
  if (absl::StatusOr<JsonShape> shape = CheckJsonObject(text); !shape.ok()) {
    return absl::DataLossError(
        absl::Substitute(Tr("the proof is not strict JSON: $0"), shape.status().message()));
  }
  v1::InclusionProof proof;
  absl::Status parsed = ParseJson(text, &proof);
  if (!parsed.ok()) {
    return absl::DataLossError(absl::Substitute(Tr("the proof does not parse: $0"), parsed.message()));
  }
  RETURN_IF_ERROR(VerifyInclusionProof(proof));
  // Whitespace, line ends and indentation are free; every value must be
  // exactly as `aidledger proof` writes it (no upper-case hex, no number
  // for a string), so that no value of the file can change and still hold.
  google::protobuf::Struct as_given, as_written;
  const bool compared = ParseJson(text, &as_given).ok() &&
                        ParseJson(ToJson(proof, false), &as_written).ok();
  if (!compared || !google::protobuf::util::MessageDifferencer::Equals(as_given, as_written)) {
    return absl::DataLossError(
        Tr("the proof holds a value in another form than `aidledger proof` writes it"));
  }
  v1::Event head;
  const uint64_t proven = proof.seq(), size = proof.tree_size();
  if (head.ParseFromString(proof.head_event_bytes()) && head.has_event_reversed() &&
      head.event_reversed().reversed_sequence() == proven) {
    return absl::Substitute(Tr("event $0 was reversed by event $1, the head this proof is bound to"),
                            proven, size);
  }
  return absl::Substitute(Tr("a proof shows that event $0 is in the log of $1 events, not that it "
                             "is still in effect: a later reversal would not show in it (replay "
                             "--type reversal, or a proof bound to a later head, would)"),
                          proven, size);
}

absl::Status Replay(const Ledger& ledger, const ReplayOptions& options, std::ostream& out) {
  const uint64_t to = options.to == 0 ? ledger.head().sequence : options.to;
  const bool filtered = !options.region.empty();
  // A region filter needs the registrations before `from`, so it reads from 1.
  std::unique_ptr<EventReader> reader = ledger.Read(filtered ? 1 : options.from, to);
  RegionIndex index;
  StoredEvent stored;
  if (options.format == "csv") out << kUtf8Bom << CsvHeader(options.unit);
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) break;
    if (filtered) index.Learn(stored.event);
    if (stored.sequence < options.from) continue;
    // A type's events come with the reversals that take them back, so that
    // its rows sum to the ledger's figure.
    if (!options.type.empty() && EventTypeWord(stored.event) != options.type &&
        !(stored.event.has_event_reversed() &&
          EventTypeWord(stored.event.event_reversed().target()) == options.type)) {
      continue;
    }
    if (filtered && !index.Names(stored.event, options.region)) continue;
    out << (options.format == "csv" ? CsvLine(stored, options.unit) : ExportLine(stored) + "\n");
    if (!out) return absl::InternalError("cannot write the output");
  }
  return absl::OkStatus();
}

namespace {

// Where the records of a verbatim write come from: the next one and, for
// messages, where it was read ("FILE:LINE"); false at the end.
using RecordSource = std::function<absl::StatusOr<bool>(ExportedRecord* record, std::string* where)>;

// Writes the records of `next` as they are into a new ledger at `db` (a
// restore, a copy), `limits::kRestoreBatchEvents` at a time, each event's
// hash checked against its bytes and the chain by Submit's verbatim mode.
// `origin` names the source in messages. On failure a RocksDB ledger is
// removed whole; a PostgreSQL one keeps what was committed (aidledger
// deletes nothing from a database), and the message says so.
absl::StatusOr<LedgerHead> WriteVerbatim(absl::string_view verb, const std::string& db,
                                         const std::string& snapshot_key,
                                         const std::string& origin, const RecordSource& next) {
  std::error_code error;
  const bool on_postgres = Ledger::IsPostgres(db);
  if (!on_postgres && std::filesystem::exists(db, error) && !std::filesystem::is_empty(db, error)) {
    return UsageError(
        absl::Substitute(Tr("$0 is not empty; $1 needs an empty or absent directory"), db, verb));
  }
  // On PostgreSQL the key is the ledger's default one unless given (Ledger::Create).
  const std::string key_path =
      !snapshot_key.empty() || on_postgres ? snapshot_key : DefaultSnapshotKeyPath(db);
  const bool key_existed = key_path.empty() || std::filesystem::exists(key_path, error);
  absl::Status created = Ledger::Create(db, key_path);
  if (on_postgres && absl::IsAlreadyExists(created)) {
    return UsageError(absl::Substitute(Tr("$0; $1 needs a new ledger"), created.message(), verb));
  }
  RETURN_IF_ERROR(created);
  auto written = [&]() -> absl::StatusOr<LedgerHead> {
    ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                     Ledger::Open(db, {.snapshot_key_path = key_path}));
    std::vector<std::pair<v1::Event, Hash>> batch;
    Hash prev{};
    ExportedRecord record;
    std::string where;
    while (true) {
      ASSIGN_OR_RETURN(bool more, next(&record, &where));
      if (!more) break;
      if (record.prev_hash != prev) {
        return absl::DataLossError(
            absl::Substitute(Tr("$0: event $1: prev_hash is not the hash of the event before it"),
                             where, record.event.sequence()));
      }
      prev = record.hash;
      batch.emplace_back(std::move(record.event), record.hash);
      if (batch.size() == kRestoreBatchEvents) {
        absl::Status appended = SubmitVerbatim(*ledger, &batch);
        batch.clear();
        if (!appended.ok()) return WithContext(appended, absl::StrCat(where, ": "));
      }
    }
    absl::Status appended = SubmitVerbatim(*ledger, &batch);
    if (!appended.ok()) return WithContext(appended, absl::StrCat(origin, ": "));
    return ledger->head();
  }();
  if (!written.ok() && on_postgres) {
    return absl::Status(written.status().code(),
                        absl::StrCat(written.status().message(), "; ", Ledger::DisplayName(db),
                                     " keeps the events written before it: write again into a "
                                     "new ledger name"));
  }
  if (!written.ok()) {  // leave nothing partial
    std::filesystem::remove_all(db, error);
    if (!key_existed) std::filesystem::remove(key_path, error);
  }
  return written;
}

}  // namespace

absl::StatusOr<uint64_t> Restore(const std::string& file, const std::string& db,
                                 const std::string& snapshot_key) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return UsageError(absl::Substitute(Tr("cannot open $0"), file));
  uint64_t line_number = 0;
  std::string line;
  // A line past the limit (or a file with no newline) is refused having
  // held no more than the limit.
  LineReader lines(&in, limits::kImportRecordBytesMax);
  auto next = [&](ExportedRecord* record, std::string* where) -> absl::StatusOr<bool> {
    while (true) {
      const LineReader::Got got = lines.Next(&line);
      if (got == LineReader::Got::kEnd) break;
      ++line_number;
      *where = absl::StrCat(file, ":", line_number);
      if (got == LineReader::Got::kTooLong) {
        return absl::DataLossError(absl::Substitute(Tr("$0: the line is too long"), *where));
      }
      if (absl::StripAsciiWhitespace(line).empty()) continue;
      absl::StatusOr<ExportedRecord> parsed = ParseExportLine(line);
      if (!parsed.ok()) {
        return absl::DataLossError(absl::StrCat(*where, ": ", parsed.status().message()));
      }
      *record = *std::move(parsed);
      return true;
    }
    return false;
  };
  ASSIGN_OR_RETURN(LedgerHead head, WriteVerbatim("restore", db, snapshot_key, file, next));
  return head.sequence;
}

absl::StatusOr<CopyReport> Copy(const std::string& from, const std::string& to,
                                const std::string& to_snapshot_key) {
  if (!Ledger::IsPostgres(from) && !Ledger::Exists(from)) {
    return UsageError(absl::Substitute(Tr("no ledger at $0"), from));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> source,
                   Ledger::Open(from, {.read_only = true, .fold_on_open = false}));
  const LedgerHead head = source->head();
  const std::string origin = Ledger::DisplayName(from);
  std::unique_ptr<EventReader> reader = source->Read(1, head.sequence);
  StoredEvent stored;
  auto next = [&](ExportedRecord* record, std::string* where) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(bool more, reader->Next(&stored));
    if (!more) return false;
    *where = absl::StrCat(origin, ", event ", stored.sequence);
    record->event = std::move(stored.event);
    record->hash = stored.hash;
    record->prev_hash = stored.prev_hash;
    return true;
  };
  ASSIGN_OR_RETURN(LedgerHead copied, WriteVerbatim("copy", to, to_snapshot_key, origin, next));
  if (copied.sequence != head.sequence || copied.hash != head.hash) {
    return absl::DataLossError(
        absl::Substitute(Tr("the copy ends at event $0 but the source's head is event $1"),
                         copied.sequence, head.sequence));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> copy,
                   Ledger::Open(to, {.fold_on_open = false, .snapshot_key_path = to_snapshot_key}));
  ASSIGN_OR_RETURN(const EvidenceCopied evidence, CopyEvidence(*source, *copy));
  return CopyReport{.events = copied.sequence,
                    .head_hash = copied.hash,
                    .evidence_files = evidence.files,
                    .evidence_bytes = evidence.bytes};
}

}  // namespace aidledger::app
