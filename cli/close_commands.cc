// The year-end close and its co-signers (issue 24): close, sign and
// verify-close.
#include <iostream>

#include "absl/strings/substitute.h"
#include "app/audit.h"
#include "app/closes.h"
#include "app/output.h"
#include "base/errors.h"
#include "base/messages.h"
#include "base/signing.h"
#include "base/status_macros.h"
#include "cli/command.h"

namespace aidledger::cli {
namespace {

struct CloseFlags {
  int32_t year = 0;
  std::string reason;
  std::string key_file;
  std::string signer;  // empty: the key file's name less ".key"
  std::string trusted_keys;
};

// Appends `draft` and prints its receipt (JSON with --format json).
absl::Status AppendAndPrint(const Globals& globals, Ledger& ledger, v1::Event draft,
                            const std::string& done) {
  draft.set_actor(globals.actor);
  ASSIGN_OR_RETURN(AppendResult result, ledger.Append(draft));
  if (globals.format == "json") {
    std::cout << app::ToJson(draft, false) << "\n";
    return absl::OkStatus();
  }
  std::cout << app::TerminalText(done) << "\n"
            << absl::Substitute(Tr("appended seq=$0 event_id=$1 hash=$2"), result.sequence,
                                result.event_id, Hex(result.hash))
            << "\n";
  return absl::OkStatus();
}

absl::Status RunClose(const Globals& globals, const CloseFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  ASSIGN_OR_RETURN(v1::Event draft, app::MakeCloseDraft(*ledger, flags.year, flags.reason));
  const v1::PeriodClosed& c = draft.period_closed();
  const std::string done = absl::Substitute(
      Tr("closed $0: digest seq=$1 head_hash=$2 merkle_root=$3; report_sha256=$4"), c.year(),
      c.sequence(), c.head_hash(), c.merkle_root(), c.report_sha256());
  return AppendAndPrint(globals, *ledger, std::move(draft), done);
}

// The signer a key file stands for: NAME of DIR/NAME.key.
std::string SignerOfKeyFile(absl::string_view path) {
  const size_t slash = path.rfind('/');
  absl::string_view name = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  absl::ConsumeSuffix(&name, ".key");
  return std::string(name);
}

absl::Status RunSign(const Globals& globals, const CloseFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  const std::string signer = flags.signer.empty() ? SignerOfKeyFile(flags.key_file) : flags.signer;
  RETURN_IF_ERROR(CheckSignerName(signer, "--name"));
  ASSIGN_OR_RETURN(std::string private_pem, ReadPrivateKey(flags.key_file));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
  ASSIGN_OR_RETURN(v1::Event draft,
                   app::MakeSignatureDraft(*ledger, flags.year, private_pem, signer));
  const std::string done =
      absl::Substitute(Tr("$0 signed the close of $1"), signer, flags.year);
  return AppendAndPrint(globals, *ledger, std::move(draft), done);
}

void PrintFinding(const app::CloseFinding& finding) {
  const v1::ClosedYear& close = finding.close;
  std::cout << absl::Substitute(Tr("$0: closed by event $1 on $2; digest seq=$3 merkle_root=$4"),
                                close.year(), close.closed_by(), close.effective_date(),
                                close.sequence(), close.merkle_root())
            << "\n"
            << (finding.digest_holds ? Tr("the log still gives the close's digest and report")
                                     : finding.problem)
            << "\n";
  for (const app::SignatureFinding& found : finding.signatures) {
    const absl::string_view trust = found.impostor ? Tr("NOT the trusted key of this name")
                                    : found.trusted ? Tr("trusted")
                                                    : Tr("not in the trusted keys");
    std::cout << absl::Substitute(Tr("  $0: signed by event $1 on $2, $3, $4"),
                                  app::TerminalText(found.signer), found.signed_by, found.date,
                                  found.valid ? Tr("valid") : Tr("INVALID"), trust)
              << "\n";
  }
  for (const std::string& name : finding.unsigned_trusted) {
    std::cout << absl::Substitute(Tr("  $0: has not signed"), app::TerminalText(name)) << "\n";
  }
}

absl::Status RunVerifyClose(const Globals& globals, const CloseFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table"}));
  ASSIGN_OR_RETURN(std::string text, app::ReadSmallFile(flags.trusted_keys));
  ASSIGN_OR_RETURN(std::vector<Signer> trusted, ParseTrustedKeys(text));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  ASSIGN_OR_RETURN(app::CloseFinding finding, app::CheckClose(*ledger, flags.year, trusted));
  PrintFinding(finding);
  if (finding.failed()) {
    return Corruption(absl::Substitute(
        Tr("the close of $0 does not hold: a signature is invalid, is made with another key than "
           "the trusted one of its name, or the log no longer gives the digest that was signed"),
        flags.year));
  }
  return absl::OkStatus();
}

}  // namespace

void DefineCloseCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  CloseFlags* flags = commands.Keep<CloseFlags>();
  const CLI::Range years(limits::kTargetYearMin, limits::kTargetYearMax);
  CLI::App* close = app.add_subcommand(
      "close", "close a year: seal its figures with the ledger's digest; later changes are "
               "adjustments (--adjusts-closed)");
  close->fallthrough();
  close->add_option("--year", flags->year, "the year YYYY, after its last day")
      ->required()
      ->check(years);
  close->add_option("--reason", flags->reason, "a note on the close (optional)");
  commands.Add(close, [&globals, flags] { return RunClose(globals, *flags); });

  CLI::App* sign = app.add_subcommand("sign", "sign a year's close with a signer's key");
  sign->fallthrough();
  sign->add_option("--close", flags->year, "the closed year YYYY")->required()->check(years);
  sign->add_option("--key", flags->key_file, "the signer's private key file NAME.key")
      ->required();
  sign->add_option("--name", flags->signer, "the signer's name (default: NAME of NAME.key)");
  commands.Add(sign, [&globals, flags] { return RunSign(globals, *flags); });

  CLI::App* verify_close = app.add_subcommand(
      "verify-close",
      "check a year's close against the log and say which trusted signers signed it (exit 4 if "
      "a signature is invalid)");
  verify_close->fallthrough();
  verify_close->add_option("YEAR", flags->year, "the closed year YYYY")->required()->check(years);
  verify_close->add_option("--trusted-keys", flags->trusted_keys,
                           "a file of NAME ed25519 KEY lines, one per signer")
      ->required();
  commands.Add(verify_close, [&globals, flags] { return RunVerifyClose(globals, *flags); });
}

}  // namespace aidledger::cli
