// The server's commands: serve, and token add.
#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/command.h"
#include "server/server.h"
#include "server/tokens.h"

namespace aidledger::cli {
namespace {

struct ServeFlags {
  app::ServeOptions options;
  std::string role;
  std::string name;
};

absl::Status RunServe(const Globals& globals, ServeFlags flags) {
  flags.options.db = globals.db;
  flags.options.snapshot_every = globals.snapshot_every;
  flags.options.snapshot_key = globals.snapshot_key;
  flags.options.local_actor = globals.actor;
  const std::string scheme = flags.options.tls_cert.empty() ? "http" : "https";
  flags.options.on_listening = [&globals, scheme](const std::string& address,
                                                  const std::string& metrics_address) {
    std::cout << "aidledger serve: listening on " << scheme << "://" << address << " (ledger "
              << Ledger::DisplayName(globals.db) << "); SIGTERM or Ctrl-C stops it, SIGHUP reloads TLS files"
              << std::endl;
    if (!metrics_address.empty()) {
      std::cout << "aidledger serve: metrics without a token on " << scheme << "://" << metrics_address
                << "/metrics" << std::endl;
    }
  };
  return app::Serve(flags.options);
}

absl::Status RunTokenAdd(const ServeFlags& flags) {
  ASSIGN_OR_RETURN(app::Role role, app::ParseRole(flags.role));
  ASSIGN_OR_RETURN(std::string token, app::AddToken(flags.options.tokens_file, role, flags.name));
  std::cout << token << "\n";
  std::cerr << "aidledger: added a " << app::RoleName(role) << " token for " << flags.name
            << " to " << flags.options.tokens_file
            << "; it is shown only this once (the file keeps its SHA-256)\n";
  return absl::OkStatus();
}

}  // namespace

void DefineServeCommands(CLI::App& app, const Globals& globals, Commands& commands) {
  ServeFlags* flags = commands.Keep<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "serve the ledger over HTTP/JSON (dashboards, appenders, auditors)");
  serve->fallthrough();
  commands.Add(serve, [&globals, flags] { return RunServe(globals, *flags); });
  serve->add_option("--listen", flags->options.listen, "HOST:PORT (default 127.0.0.1:8080; port 0: any free port)");
  serve->add_option("--tokens", flags->options.tokens_file, "tokens file: lines ROLE NAME SHA256-HEX");
  serve->add_flag("--insecure-local", flags->options.insecure_local,
                   "serve without tokens, on loopback only");
  serve->add_option("--metrics-listen", flags->options.metrics_listen,
                     "HOST:PORT serving GET /metrics without a token (for a Prometheus on this host)");
  serve->add_flag("--metrics-regions", flags->options.metrics_regions,
                   "include per-region money in the --metrics-listen metrics");
  serve->add_option("--tls-cert", flags->options.tls_cert,
                     "serve HTTPS with this PEM certificate chain (reloaded on SIGHUP)");
  serve->add_option("--tls-key", flags->options.tls_key,
                     "the PEM private key of --tls-cert (mode 0600 or stricter)");
  serve->add_option("--tls-client-ca", flags->options.tls_client_ca,
                     "mutual TLS: clients need a certificate signed by this PEM CA; its CN may "
                     "stand for a token of that name");
  serve->add_option("--cache", flags->options.cache,
                     "a ledger in PostgreSQL: keep a local RocksDB copy of its log in this "
                     "directory (made when missing), followed and checked, for reads");
  serve->add_flag("--insecure-plain-http", flags->options.insecure_plain_http,
                   "allow plain HTTP on a non-loopback address (tokens travel in clear text)");
  serve->add_option("--session-lifetime", flags->options.session_lifetime,
                     "how long a browser session lasts after login (default 8h; e.g. 30m)");
  CLI::App* token = app.add_subcommand("token", "bearer tokens for serve");
  token->require_subcommand(1);
  token->fallthrough();
  CLI::App* token_add = token->add_subcommand("add", "make a random token, print it once, store its hash");
  token_add->fallthrough();
  commands.Add(token_add, [flags] { return RunTokenAdd(*flags); });
  token_add->add_option("--role", flags->role, "reader|auditor|appender")
      ->required()->check(CLI::IsMember({"reader", "auditor", "appender"}));
  token_add->add_option("--name", flags->name, "who holds it (becomes the actor)")->required();
  token_add->add_option("--tokens", flags->options.tokens_file, "the tokens file")->required();
}

}  // namespace aidledger::cli
