// The tests' PostgreSQL: the throwaway server ctest starts for the suites
// that need it (fixture "postgres", tests/testing/postgres_server.sh), and
// statements run on it as its superuser, as somebody with the database's
// keys would.
#ifndef AIDLEDGER_TESTS_TESTING_POSTGRES_H_
#define AIDLEDGER_TESTS_TESTING_POSTGRES_H_

#include <string>

#include "absl/status/statusor.h"

namespace aidledger::testing {

// postgresql://postgres@127.0.0.1:PORT/aidledger_test, from the file the
// fixture wrote ($AIDLEDGER_TEST_POSTGRES_URI_FILE); an error when the test
// runs without the fixture.
absl::StatusOr<std::string> TestPostgresUri();

// The certificate of the CA that signed the test PostgreSQL's TLS
// certificate (for "localhost"), beside the URI file.
std::string TestPostgresCa();

// A ledger name of its own for `seed` (a test's temporary directory).
std::string LedgerNameFor(const std::string& seed);

// Runs `sql` on the database at `uri` (no ledger=) in one transaction.
absl::Status PgExecute(const std::string& uri, const std::string& sql);

}  // namespace aidledger::testing

#endif  // AIDLEDGER_TESTS_TESTING_POSTGRES_H_
