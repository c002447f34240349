#include "ledger/store/postgres_address.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/errors.h"
#include "base/limits.h"

namespace aidledger {
namespace {

constexpr absl::string_view kSchemes[] = {"postgresql://", "postgres://"};
constexpr absl::string_view kDefaultLedger = "main";

bool IsLedgerName(absl::string_view name) {
  if (name.empty() || name.size() > limits::kLedgerNameBytesMax) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

// HOST:PORT,... of the authority, without USER[:PASSWORD]@.
std::string HostsOf(absl::string_view authority) {
  const size_t at = authority.rfind('@');
  return std::string(at == absl::string_view::npos ? authority : authority.substr(at + 1));
}

// HOST of HOST[:PORT] or [IPV6][:PORT].
std::string HostOf(absl::string_view host_port) {
  if (absl::ConsumePrefix(&host_port, "[")) {
    return std::string(host_port.substr(0, host_port.find(']')));
  }
  return std::string(host_port.substr(0, host_port.find(':')));
}

bool IsLoopbackOrSocket(absl::string_view host) {
  if (host.empty() || absl::StartsWith(host, "/") || absl::StartsWithIgnoreCase(host, "%2F")) {
    return true;  // a Unix socket: libpq's default, or a directory
  }
  if (absl::EqualsIgnoreCase(host, "localhost") || host == "::1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (absl::string_view part : parts) {
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != absl::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool IsPostgresUri(absl::string_view db) {
  for (absl::string_view scheme : kSchemes) {
    if (absl::StartsWith(db, scheme)) return true;
  }
  return false;
}

absl::StatusOr<PostgresAddress> ParsePostgresUri(absl::string_view uri) {
  absl::string_view rest = uri;
  for (absl::string_view scheme : kSchemes) {
    if (absl::ConsumePrefix(&rest, scheme)) break;
  }
  if (rest.size() == uri.size()) {
    return UsageError("a PostgreSQL --db starts with postgresql://");
  }
  const size_t query_at = rest.find('?');
  const absl::string_view query =
      query_at == absl::string_view::npos ? absl::string_view() : rest.substr(query_at + 1);
  const absl::string_view location = rest.substr(0, query_at);
  const size_t slash = location.find('/');
  const absl::string_view authority = location.substr(0, slash);
  const absl::string_view database =
      slash == absl::string_view::npos ? absl::string_view() : location.substr(slash + 1);
  PostgresAddress address;
  address.where = absl::StrCat(HostsOf(authority), "/", database);
  if (database.empty()) {
    return UsageError(absl::StrCat("the PostgreSQL --db names no database (",
                                   "postgresql://USER@HOST:PORT/DBNAME?ledger=NAME)"));
  }
  for (absl::string_view host_port : absl::StrSplit(HostsOf(authority), ',')) {
    address.hosts.push_back(HostOf(host_port));
  }
  std::vector<absl::string_view> kept;
  bool named = false, hosts_given = false;
  for (absl::string_view parameter : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    absl::string_view value = parameter;
    if (absl::ConsumePrefix(&value, "sslmode=")) address.sslmode = std::string(value);
    value = parameter;
    if (absl::ConsumePrefix(&value, "host=") || absl::ConsumePrefix(&value, "hostaddr=")) {
      // They take the place of the URI's hosts (hostaddr: the address
      // connected to, host then only names it).
      if (!hosts_given) address.hosts.clear();
      hosts_given = true;
      for (absl::string_view host : absl::StrSplit(value, ',')) {
        address.hosts.push_back(std::string(host));
      }
    }
    value = parameter;
    if (!absl::ConsumePrefix(&value, "ledger=")) {
      kept.push_back(parameter);
      continue;
    }
    if (named) return UsageError("the PostgreSQL --db gives ledger= twice");
    if (!IsLedgerName(value)) {
      return UsageError(absl::StrCat("ledger=", value.substr(0, limits::kQuotedInputBytesMax),
                                     " is not a ledger name (1-", limits::kLedgerNameBytesMax,
                                     " of a-z, 0-9, _ and -)"));
    }
    address.ledger = std::string(value);
    named = true;
  }
  if (!named) address.ledger = std::string(kDefaultLedger);
  address.conninfo = std::string(uri.substr(0, uri.size() - rest.size() + location.size()));
  if (!kept.empty()) absl::StrAppend(&address.conninfo, "?", absl::StrJoin(kept, "&"));
  return address;
}

absl::Status CheckEncryptedTransport(const PostgresAddress& address,
                                     absl::string_view env_sslmode) {
  const absl::string_view sslmode = address.sslmode.empty() ? env_sslmode : address.sslmode;
  if (sslmode == "require" || sslmode == "verify-ca" || sslmode == "verify-full") {
    return absl::OkStatus();
  }
  for (const std::string& host : address.hosts) {
    if (IsLoopbackOrSocket(host)) continue;
    return UsageError(absl::StrCat(
        "the PostgreSQL --db reaches ", absl::string_view(host).substr(0, limits::kQuotedInputBytesMax),
        " across a network without TLS: add sslmode=verify-full&sslrootcert=CA.crt (or give "
        "--insecure-plain-db)"));
  }
  return absl::OkStatus();
}

}  // namespace aidledger
