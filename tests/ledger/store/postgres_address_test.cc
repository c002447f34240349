#include "ledger/store/postgres_address.h"

#include "absl/strings/str_cat.h"
#include "app/status_codes.h"
#include "base/errors.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;

TEST(PostgresAddressTest, LedgerIsTakenOutAndTheRestGoesToLibpq) {
  absl::StatusOr<PostgresAddress> address = ParsePostgresUri(
      "postgresql://clerk@db1:5432,db2:5433/aid?target_session_attrs=read-write&ledger=qingdao"
      "&connect_timeout=5");
  ASSERT_THAT(address, IsOk());
  EXPECT_EQ(address->ledger, "qingdao");
  EXPECT_EQ(address->conninfo,
            "postgresql://clerk@db1:5432,db2:5433/aid?target_session_attrs=read-write"
            "&connect_timeout=5");
  EXPECT_EQ(address->where, "db1:5432,db2:5433/aid");
}

TEST(PostgresAddressTest, TheLedgerDefaultsToMainAndBothSchemesWork) {
  absl::StatusOr<PostgresAddress> address = ParsePostgresUri("postgres://h/aid");
  ASSERT_THAT(address, IsOk());
  EXPECT_EQ(address->ledger, "main");
  EXPECT_EQ(address->conninfo, "postgres://h/aid");
  EXPECT_TRUE(IsPostgresUri("postgresql://h/aid"));
  EXPECT_TRUE(IsPostgresUri("postgres://h/aid"));
  EXPECT_FALSE(IsPostgresUri("./ledger-data"));
  EXPECT_FALSE(IsPostgresUri("/var/lib/postgresql/x"));
}

TEST(PostgresAddressTest, MessagesNeverShowThePassword) {
  absl::StatusOr<PostgresAddress> address =
      ParsePostgresUri("postgresql://clerk:s3cret@db1:5432/aid?ledger=main");
  ASSERT_THAT(address, IsOk());
  EXPECT_EQ(address->where, "db1:5432/aid");
  absl::StatusOr<PostgresAddress> bad =
      ParsePostgresUri("postgresql://clerk:s3cret@db1:5432/aid?ledger=Bad!");
  EXPECT_EQ(bad.status().message().find("s3cret"), std::string::npos);
}

TEST(PostgresAddressTest, BadUrisAreUsageErrorsNamingWhatIsWrong) {
  for (const char* uri : {"postgresql://h:5432", "postgresql://h/", "postgresql://h/aid?ledger=",
                          "postgresql://h/aid?ledger=UPPER", "postgresql://h/aid?ledger=a&ledger=b",
                          "postgresql://h/aid?ledger=has%20space"}) {
    absl::StatusOr<PostgresAddress> address = ParsePostgresUri(uri);
    EXPECT_EQ(ExitCodeFor(address.status()), kExitUsage) << uri << ": " << address.status();
  }
  absl::StatusOr<PostgresAddress> long_name =
      ParsePostgresUri(absl::StrCat("postgresql://h/aid?ledger=", std::string(65, 'a')));
  EXPECT_EQ(ExitCodeFor(long_name.status()), kExitUsage);
  EXPECT_THAT(ParsePostgresUri(absl::StrCat("postgresql://h/aid?ledger=", std::string(64, 'a'))),
              IsOk());
}

}  // namespace
}  // namespace aidledger

namespace aidledger {
namespace {

absl::Status Transport(const std::string& uri, absl::string_view env_sslmode = "") {
  absl::StatusOr<PostgresAddress> address = ParsePostgresUri(uri);
  if (!address.ok()) return address.status();
  return CheckEncryptedTransport(*address, env_sslmode);
}

// Across a network the ledger travels only under TLS (sslmode require or
// stronger, in the URI or $PGSSLMODE); loopback and Unix sockets need none.
TEST(PostgresAddressTest, ARemoteHostNeedsTlsAndLoopbackDoesNot) {
  for (const char* uri : {"postgresql://u@127.0.0.1:5432/db", "postgresql://u@localhost/db",
                          "postgresql://u@[::1]:5432/db", "postgresql://u@127.1.2.3,localhost:5433/db",
                          "postgresql:///db", "postgresql://u@%2Fvar%2Frun%2Fpostgresql/db",
                          "postgresql:///db?host=/tmp&ledger=x"}) {
    EXPECT_THAT(Transport(uri), testing::IsOk()) << uri;
  }
  for (const char* mode : {"require", "verify-ca", "verify-full"}) {
    EXPECT_THAT(Transport(absl::StrCat("postgresql://u@db.example:5432/db?sslmode=", mode)),
                testing::IsOk());
    EXPECT_THAT(Transport("postgresql://u@db.example/db", mode), testing::IsOk()) << mode;
  }
  for (const char* uri :
       {"postgresql://u@db.example:5432/db", "postgresql://u@127.0.0.1,10.0.0.2:5433/db",
        "postgresql://u@db.example/db?sslmode=prefer", "postgresql://u@db.example/db?sslmode=disable",
        "postgresql://u@127.0.0.1/db?host=db.example", "postgresql://u@[2001:db8::1]/db",
        "postgresql://u@127.0.0.1.example/db", "postgresql://u@localhost/db?hostaddr=10.1.1.1"}) {
    absl::Status status = Transport(uri);
    EXPECT_TRUE(IsUsageError(status)) << uri << ": " << status;
    EXPECT_THAT(status.message(), ::testing::HasSubstr("--insecure-plain-db")) << uri;
  }
  EXPECT_THAT(Transport("postgresql://u@db.example/db?sslmode=allow", "verify-full").message(),
              ::testing::HasSubstr("reaches db.example across a network without TLS"));
}

}  // namespace
}  // namespace aidledger
