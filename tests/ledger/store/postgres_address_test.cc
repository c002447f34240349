#include "ledger/store/postgres_address.h"

#include "app/status_codes.h"
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
