// Where a PostgreSQL ledger lives: the `--db` URI, split into what libpq
// takes and the ledger's name.
//
//   postgresql://USER@HOST[:PORT][,HOST2[:PORT2]...]/DBNAME?ledger=NAME[&libpq parameters]
//
// `ledger=NAME` selects one ledger among many in the database (default
// "main"); it is taken out before the rest goes to libpq, so that
// target_session_attrs, connect_timeout, sslmode and multi-host lists work
// as libpq documents them. Pure string work: no connection is made here.
#ifndef AIDLEDGER_LEDGER_STORE_POSTGRES_ADDRESS_H_
#define AIDLEDGER_LEDGER_STORE_POSTGRES_ADDRESS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace aidledger {

struct PostgresAddress {
  std::string conninfo;  // the URI for libpq, without ledger=
  std::string ledger;    // the ledger's name in the database
  // HOST:PORT[,HOST2:PORT2]/DBNAME for messages: never the user's password.
  std::string where;
  // The hosts libpq may connect to (the URI's, or its host= and hostaddr=
  // parameters'), without ports; "" for libpq's default Unix socket.
  std::vector<std::string> hosts;
  std::string sslmode;  // the sslmode= parameter, "" when absent
};

// Whether `db` is a PostgreSQL URI (postgresql:// or postgres://) rather
// than a RocksDB directory.
bool IsPostgresUri(absl::string_view db);

// Splits a URI. A usage error (exit 2) names what is wrong: no database
// name, a ledger name that is not 1-64 of [a-z0-9_-], ledger= given twice.
absl::StatusOr<PostgresAddress> ParsePostgresUri(absl::string_view uri);

// Refuses (a usage error naming the host and --insecure-plain-db) an
// address that would carry the ledger across a network in clear text: a
// host that is not loopback (localhost, 127.0.0.0/8, ::1) or a Unix socket,
// with an sslmode (the URI's, else `env_sslmode`, libpq's $PGSSLMODE) that
// is not require, verify-ca or verify-full.
absl::Status CheckEncryptedTransport(const PostgresAddress& address,
                                     absl::string_view env_sslmode);

}  // namespace aidledger

#endif  // AIDLEDGER_LEDGER_STORE_POSTGRES_ADDRESS_H_
