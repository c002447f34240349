// The auditor's commands: verify, digest, proof, verify-proof, replay,
// restore, copy, and keygen (a signer's key pair).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/substitute.h"
#include "app/audit.h"
#include "app/output.h"
#include "base/errors.h"
#include "base/messages.h"
#include "base/signing.h"
#include "base/status_macros.h"
#include "cli/command.h"
#include "state/vocabulary.h"

namespace aidledger::cli {
namespace {

struct AuditFlags {
  std::string digest_file;
  uint64_t seq = 0;
  std::string proof_file;
  std::string restore_file;
  std::string copy_from;
  std::string copy_to;
  std::string copy_to_snapshot_key;
  app::ReplayOptions replay;
  std::string replay_unit;  // empty: not given
  std::string key_name;
  std::string key_dir = ".";
  bool require_evidence = false;
};

absl::Status RunKeygen(const AuditFlags& flags) {
  ASSIGN_OR_RETURN(const Signer signer, CreateSigningKey(flags.key_dir, flags.key_name));
  const std::string base = absl::StrCat(flags.key_dir, "/", signer.name);
  std::cout << absl::Substitute(Tr("wrote $0.key (private: keep it, mode 0600) and $0.pub (give it "
                                   "to those who check your signatures):"),
                                base)
            << "\n"
            << PublicKeyLine(signer) << "\n";
  return absl::OkStatus();
}

absl::Status RunVerify(const Globals& globals, const AuditFlags& flags) {
  VerifyOptions options;
  if (!flags.digest_file.empty()) {
    ASSIGN_OR_RETURN(options.digest, app::ReadDigestFile(flags.digest_file));
  }
  options.progress = TerminalProgress("verify");
  options.require_evidence = flags.require_evidence;
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(VerifyReport report, ledger->Verify(options));
  for (const std::string& warning : report.warnings) {
    std::cerr << "aidledger: " << Tr("warning: ") << app::TerminalText(warning) << "\n";
  }
  const double rate = report.seconds > 0 ? static_cast<double>(report.events) / report.seconds : 0;
  std::cout << absl::Substitute(
      Tr("verified $0 events in $1 s ($2 events/s): hashes, chain, indexes, validation, $3; "
         "$4 snapshot states equal the rebuild"),
      report.events, absl::StrFormat("%.3f", report.seconds), absl::StrFormat("%.0f", rate),
      Ledger::IsPostgres(globals.db) ? Tr("PostgreSQL's page checksums as read")
                                     : Tr("RocksDB checksums"),
      report.snapshots_checked);
  if (options.digest.has_value()) {
    std::cout << absl::Substitute(Tr("; the log extends the digest at seq $0"),
                                  options.digest->sequence);
  }
  std::cout << "\n";
  if (report.evidence_checked > 0 || report.evidence_missing > 0) {
    std::cout << absl::Substitute(Tr("evidence: $0 stored files ($1 bytes) hash to their names; "
                                     "$2 files the events name are not stored"),
                                  report.evidence_checked, report.evidence_bytes,
                                  report.evidence_missing)
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunDigest(const Globals& globals) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(v1::Digest digest, ledger->MakeDigest(ledger->head().sequence));
  std::cout << app::ToJson(digest, true) << "\n";
  return absl::OkStatus();
}

absl::Status RunProof(const Globals& globals, const AuditFlags& flags) {
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  uint64_t tree_size = ledger->head().sequence;
  std::optional<ExpectedDigest> digest;
  if (!flags.digest_file.empty()) {
    ASSIGN_OR_RETURN(digest, app::ReadDigestFile(flags.digest_file));
    tree_size = digest->sequence;
    if (tree_size > ledger->head().sequence) {
      return Corruption(absl::Substitute(Tr("the digest names event $0 but the log ends at $1"),
                                         tree_size, ledger->head().sequence));
    }
  }
  if (flags.seq == 0 || flags.seq > tree_size) {
    return UsageError(absl::Substitute(Tr("--seq must be in 1..$0"), tree_size));
  }
  ASSIGN_OR_RETURN(v1::InclusionProof proof, ledger->Prove(flags.seq, tree_size));
  if (digest.has_value() && (proof.digest().merkle_root() != Hex(digest->merkle_root) ||
                             proof.digest().head_hash() != Hex(digest->head_hash))) {
    return Corruption(Tr("the log no longer extends the digest: its Merkle root differs"));
  }
  std::cout << app::ToJson(proof, false) << "\n";
  return absl::OkStatus();
}

absl::Status RunVerifyProof(const AuditFlags& flags) {
  absl::StatusOr<std::string> held = app::VerifyProofFile(flags.proof_file);
  if (!held.ok()) {
    return held.status().code() == absl::StatusCode::kDataLoss
               ? Corruption(absl::Substitute(Tr("the proof does not hold: $0"), held.status().message()))
               : held.status();
  }
  std::cout << Tr("the proof holds") << "\n" << *held << "\n";
  return absl::OkStatus();
}

absl::Status RunReplay(const Globals& globals, AuditFlags flags) {
  if (globals.format != "table") flags.replay.format = globals.format;
  if (flags.replay.format != "jsonl" && flags.replay.format != "csv") {
    return UsageError("replay prints --format jsonl or csv");
  }
  if (!flags.replay_unit.empty()) {
    if (flags.replay.format != "csv") {
      return UsageError("--unit is for replay --format csv; JSONL carries amount_fen as it is stored");
    }
    flags.replay.unit = flags.replay_unit == "fen" ? AmountUnit::kFen : AmountUnit::kYuan;
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  std::ios::sync_with_stdio(false);
  return app::Replay(*ledger, flags.replay, std::cout);
}

absl::Status RunCopy(const Globals& globals, const AuditFlags& flags) {
  RETURN_IF_ERROR(CheckDbTransport(globals, flags.copy_from));
  RETURN_IF_ERROR(CheckDbTransport(globals, flags.copy_to));
  ASSIGN_OR_RETURN(app::CopyReport report,
                   app::Copy(flags.copy_from, flags.copy_to, flags.copy_to_snapshot_key));
  std::cout << absl::Substitute(Tr("copied $0 events from $1 to $2; head hash $3"), report.events,
                                Ledger::DisplayName(flags.copy_from),
                                Ledger::DisplayName(flags.copy_to), Hex(report.head_hash))
            << "\n";
  if (report.evidence_files > 0) {
    std::cout << absl::Substitute(Tr("copied $0 evidence files ($1 bytes), each SHA-256 checked"),
                                  report.evidence_files, report.evidence_bytes)
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunRestore(const Globals& globals, const AuditFlags& flags) {
  ASSIGN_OR_RETURN(uint64_t events, app::Restore(flags.restore_file, globals.db, globals.snapshot_key));
  std::cout << absl::Substitute(Tr("restored $0 events into $1"), events,
                                Ledger::DisplayName(globals.db))
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void DefineAuditCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  AuditFlags* flags = commands.Keep<AuditFlags>();
  CLI::App* verify = app.add_subcommand("verify", "check the whole log: hashes, chain, indexes, validation, snapshots");
  verify->fallthrough();
  commands.Add(verify, [&globals, flags] { return RunVerify(globals, *flags); });
  verify->add_option("--digest", flags->digest_file, "also prove the log extends this digest (JSON file)");
  verify->add_flag("--require-evidence", flags->require_evidence,
                   "evidence an event names that the evidence store lacks is a failure (exit 4), "
                   "not a warning");
  CLI::App* digest = app.add_subcommand("digest", "print the head's digest (seq, head_hash, merkle_root, recorded_at)");
  digest->fallthrough();
  commands.Add(digest, [&globals] { return RunDigest(globals); });
  CLI::App* proof = app.add_subcommand("proof", "print an RFC 6962 inclusion proof of one event");
  proof->fallthrough();
  commands.Add(proof, [&globals, flags] { return RunProof(globals, *flags); });
  proof->add_option("--seq", flags->seq, "the event's sequence")->required()->check(kWholePositive);
  proof->add_option("--digest", flags->digest_file, "prove inclusion in this digest (default: the head)");
  CLI::App* verify_proof = app.add_subcommand("verify-proof", "check a proof offline, without a ledger (exit 0 or 4)");
  verify_proof->fallthrough();
  commands.Add(verify_proof, [flags] { return RunVerifyProof(*flags); });
  verify_proof->add_option("FILE", flags->proof_file, "the proof JSON")->required();
  CLI::App* replay = app.add_subcommand("replay", "stream events in order with seq, hash and prev_hash");
  replay->fallthrough();
  commands.Add(replay, [&globals, flags] { return RunReplay(globals, *flags); });
  replay->add_option("--from", flags->replay.from, "first sequence")->check(kWholePositive);
  replay->add_option("--to", flags->replay.to, "last sequence")->check(kWholePositive);
  replay->add_option("--region", flags->replay.region, "events naming this region or one below it");
  replay->add_option("--type", flags->replay.type, "one event type")
      ->check(CLI::IsMember(Words(kEventTypes)));
  replay->add_option("--unit", flags->replay_unit,
                     "CSV amounts: yuan (default, amount_yuan) or fen (amount_fen, for machines)")
      ->check(CLI::IsMember({"yuan", "fen"}));
  CLI::App* restore = app.add_subcommand("restore", "rebuild a ledger at --db from a replay --format jsonl export");
  restore->fallthrough();
  commands.Add(restore, [&globals, flags] { return RunRestore(globals, *flags); });
  restore->add_option("FILE", flags->restore_file, "the export")->required();
  CLI::App* copy = app.add_subcommand(
      "copy", "copy a whole ledger between stores (RocksDB, PostgreSQL), verbatim and verified");
  copy->fallthrough();
  copy->add_option("--from", flags->copy_from, "the ledger to copy: a directory or a postgresql:// URI")
      ->required();
  copy->add_option("--to", flags->copy_to, "where to: an empty or absent directory, or a new "
                                           "PostgreSQL ledger")
      ->required();
  copy->add_option("--to-snapshot-key", flags->copy_to_snapshot_key,
                   "the copy's snapshot key file (default: its own default)");
  commands.Add(copy, [&globals, flags] { return RunCopy(globals, *flags); });
  CLI::App* keygen = app.add_subcommand(
      "keygen", "make a signer's Ed25519 key pair: NAME.key (private) and NAME.pub (one line)");
  keygen->fallthrough();
  keygen->add_option("--name", flags->key_name, "the signer, e.g. qingdao-finance")->required();
  keygen->add_option("--out", flags->key_dir, "the directory to write the two files in (default: .)");
  commands.Add(keygen, [flags] { return RunKeygen(*flags); });
}

}  // namespace aidledger::cli
