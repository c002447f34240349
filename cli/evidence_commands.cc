// evidence add, evidence get: files in the ledger's evidence store
// (issue 25). --evidence [KIND:]FILE on the appending commands is in
// append_commands.cc.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "app/evidence.h"
#include "app/output.h"
#include "base/errors.h"
#include "base/limits.h"
#include "base/messages.h"
#include "base/status_macros.h"
#include "cli/command.h"
#include "server/http/json_text.h"
#include "state/vocabulary.h"

namespace aidledger::cli {
namespace {

struct EvidenceFlags {
  std::vector<std::string> files;
  bool store = false;
  std::string sha256;
  std::string out;
};

// Hashes each file (one streaming pass), and with --store keeps it in the
// ledger's evidence store (a second pass, checked against the first).
absl::Status RunEvidenceAdd(const Globals& globals, const EvidenceFlags& flags) {
  RETURN_IF_ERROR(CheckFormat(globals, {"table", "json"}));
  if (flags.files.size() > limits::kEvidenceFilesPerCommandMax) {
    return UsageError(absl::Substitute(Tr("at most $0 files at a time"),
                                       limits::kEvidenceFilesPerCommandMax));
  }
  std::vector<v1::Evidence> described;
  std::vector<std::string> paths;
  for (const std::string& text : flags.files) {
    const app::EvidenceFileArg arg = app::ParseEvidenceFileArg(text);
    ASSIGN_OR_RETURN(v1::Evidence evidence, app::DescribeEvidenceFile(arg.path, arg.kind));
    described.push_back(std::move(evidence));
    paths.push_back(arg.path);
  }
  std::vector<std::string> states(described.size(), "hashed");
  if (flags.store) {
    ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kWrite));
    for (size_t i = 0; i < described.size(); ++i) {
      ASSIGN_OR_RETURN(bool stored, app::StoreEvidenceFile(*ledger, paths[i], described[i]));
      states[i] = stored ? "stored" : "already_stored";
    }
  }
  for (size_t i = 0; i < described.size(); ++i) {
    if (globals.format == "json") {
      std::string name;
      http::AppendJsonString(described[i].name(), &name);
      std::cout << absl::StrCat("{\"kind\":\"", WordFor(kEvidenceKinds, described[i].kind()),
                                "\",\"name\":", name, ",\"sha256\":\"", described[i].sha256(),
                                "\",\"size\":\"", described[i].size(), "\",\"state\":\"",
                                states[i], "\"}")
                << "\n";
    } else {
      std::cout << app::TerminalText(app::EvidenceFileLine(described[i]));
      if (states[i] == "stored") std::cout << "  " << Tr("stored");
      if (states[i] == "already_stored") std::cout << "  " << Tr("already stored");
      std::cout << "\n";
    }
  }
  return absl::OkStatus();
}

absl::Status RunEvidenceGet(const Globals& globals, const EvidenceFlags& flags) {
  absl::StatusOr<Hash> sha256 = HashFromHex(flags.sha256);
  if (!sha256.ok()) return UsageError(Tr("SHA256 must be 64 hex digits"));
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, OpenLedger(globals, Access::kRead));
  absl::Status written = app::WriteStoredEvidence(*ledger, *sha256, flags.out);
  if (absl::IsNotFound(written)) {
    return UsageError(absl::Substitute(Tr("the evidence store has no file $0"), Hex(*sha256)));
  }
  RETURN_IF_ERROR(written);
  ASSIGN_OR_RETURN(std::optional<EvidenceManifest> manifest, ledger->FindEvidence(*sha256));
  std::cout << absl::Substitute(Tr("wrote $0 ($1 bytes, SHA-256 checked)"), flags.out,
                                manifest.has_value() ? manifest->size : 0)
            << "\n";
  return absl::OkStatus();
}

}  // namespace

void DefineEvidenceCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  EvidenceFlags* flags = commands.Keep<EvidenceFlags>();
  CLI::App* evidence = app.add_subcommand("evidence", "evidence files: hash them, store them, get them back");
  evidence->require_subcommand(1);
  evidence->fallthrough();
  CLI::App* add = evidence->add_subcommand(
      "add", "print each file as KIND:SHA256:SIZE:NAME (import's evidence_files); with --store "
             "keep it in the ledger's evidence store");
  add->fallthrough();
  add->add_option("FILE", flags->files,
                  "[KIND:]FILE, KIND one of approval|contract|invoice|acceptance|payment_voucher|"
                  "photo|other (default other)")
      ->required();
  add->add_flag("--store", flags->store, "keep the files in the ledger's evidence store");
  commands.Add(add, [&globals, flags] { return RunEvidenceAdd(globals, *flags); });
  CLI::App* get = evidence->add_subcommand("get", "write a stored evidence file, its SHA-256 checked");
  get->fallthrough();
  get->add_option("SHA256", flags->sha256, "the file's SHA-256 (64 hex digits)")->required();
  get->add_option("--out", flags->out, "the file to write")->required();
  commands.Add(get, [&globals, flags] { return RunEvidenceGet(globals, *flags); });
}

}  // namespace aidledger::cli
