#include "tests/testing/postgres.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/sha256.h"

namespace aidledger::testing {

absl::StatusOr<std::string> TestPostgresUri() {
  const char* file = std::getenv("AIDLEDGER_TEST_POSTGRES_URI_FILE");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        "no test PostgreSQL: run this suite through ctest (tools/test), which starts one");
  }
  std::ifstream in(file);
  std::string uri;
  if (!std::getline(in, uri) || uri.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("no PostgreSQL URI in ", file));
  }
  return std::string(absl::StripAsciiWhitespace(uri));
}

std::string TestPostgresCa() {
  const char* file = std::getenv("AIDLEDGER_TEST_POSTGRES_URI_FILE");
  if (file == nullptr) return "";
  return (std::filesystem::path(file).parent_path() / "tls" / "ca.pem").string();
}

std::string LedgerNameFor(const std::string& seed) {
  return absl::StrCat("t-", Hex(Sha256({seed})).substr(0, 20));
}

absl::Status PgExecute(const std::string& uri, const std::string& sql) {
  try {
    pqxx::connection connection(uri);
    pqxx::work tx(connection);
    tx.exec(sql);
    tx.commit();
    return absl::OkStatus();
  } catch (const std::exception& error) {
    return absl::InternalError(error.what());
  }
}

}  // namespace aidledger::testing
