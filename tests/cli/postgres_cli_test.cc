// End to end on PostgreSQL: the built binary against the test PostgreSQL
// (ctest fixture "postgres"), each test on a ledger of its own in the one
// database. The same events give the same bytes, hashes and digests as on
// RocksDB; history rewritten behind the product's back is caught as on
// RocksDB; an application role cannot rewrite it at all.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/cli/run.h"
#include "tests/testing/postgres.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::ReadFile;
using testing::RunAidledger;
using testing::TestDataPath;
using testing::RunResult;

class PostgresCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> uri = testing::TestPostgresUri();
    ASSERT_TRUE(uri.ok()) << uri.status();
    database_ = *uri;
    ledger_ = testing::LedgerNameFor(dir_.path());
    db_ = absl::StrCat(database_, "?ledger=", ledger_);
  }
  // aidledger --db DB --snapshot-key KEY ARGS..., as a clerk.
  RunResult Run(std::vector<std::string> args, const std::string& db = "") {
    args.insert(args.begin(), {"--db", db.empty() ? db_ : db, "--snapshot-key", dir_.Sub("key")});
    return RunAidledger(args, dir_.path(), {"AIDLEDGER_ACTOR=clerk"});
  }
  void MustRun(std::vector<std::string> args) {
    RunResult result = Run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  void Restore() {
    RunResult restored = Run({"restore", TestDataPath("export-0.1.0.jsonl")});
    ASSERT_EQ(restored.exit_code, 0) << restored.err;
  }
  absl::Status Sql(const std::string& sql) {
    return testing::PgExecute(database_, absl::StrReplaceAll(sql, {{"LEDGER", ledger_}}));
  }

  testing::TempDir dir_;
  std::string database_;  // the test database's URI, no ledger=
  std::string ledger_;
  std::string db_;
};

// The export of release 0.1.0 (made on RocksDB) restores into PostgreSQL to
// the same chain, the same figures and the same export bytes.
TEST_F(PostgresCliTest, AnExportFromRocksDbRestoresToTheSameDigestFiguresAndBytes) {
  Restore();
  RunResult verified = Run({"verify", "--digest", TestDataPath("export-0.1.0.digest.json")});
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  RunResult replayed = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_EQ(replayed.out, ReadFile(TestDataPath("export-0.1.0.jsonl")));
  RunResult balances = Run({"balances", "--format", "json"});
  ASSERT_EQ(balances.exit_code, 0) << balances.err;
  EXPECT_EQ(balances.out, ReadFile(TestDataPath("export-0.1.0.balances.json")));
  // And back to RocksDB: the same digest again.
  const std::string rocks = dir_.Sub("rocks");
  std::ofstream(dir_.Sub("again.jsonl")) << replayed.out;
  RunResult back = RunAidledger({"--db", rocks, "restore", dir_.Sub("again.jsonl")}, dir_.path());
  ASSERT_EQ(back.exit_code, 0) << back.err;
  RunResult rocks_verified = RunAidledger(
      {"--db", rocks, "verify", "--digest", TestDataPath("export-0.1.0.digest.json")}, dir_.path());
  EXPECT_EQ(rocks_verified.exit_code, 0) << rocks_verified.err;
}

// copy: RocksDB -> PostgreSQL -> RocksDB keeps the digest, and a copy
// never writes into a ledger that exists.
TEST_F(PostgresCliTest, ACopyToPostgresAndBackKeepsTheDigest) {
  const std::string rocks = dir_.Sub("rocks");
  const std::string back = dir_.Sub("back");
  RunResult restored =
      RunAidledger({"--db", rocks, "restore", TestDataPath("export-0.1.0.jsonl")}, dir_.path());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  RunResult there = RunAidledger({"copy", "--from", rocks, "--to", db_, "--to-snapshot-key",
                                  dir_.Sub("key")}, dir_.path());
  ASSERT_EQ(there.exit_code, 0) << there.err;
  EXPECT_TRUE(absl::StartsWith(there.out, "copied 16 events from ")) << there.out;
  RunResult again = RunAidledger({"copy", "--from", db_, "--to", back}, dir_.path());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string digest = TestDataPath("export-0.1.0.digest.json");
  EXPECT_EQ(Run({"verify", "--digest", digest}).exit_code, 0);
  EXPECT_EQ(RunAidledger({"--db", back, "verify", "--digest", digest}, dir_.path()).exit_code, 0);
  RunResult rocks_digest = RunAidledger({"--db", rocks, "digest"}, dir_.path());
  RunResult back_digest = RunAidledger({"--db", back, "digest"}, dir_.path());
  RunResult pg_digest = Run({"digest"});
  EXPECT_EQ(rocks_digest.out, back_digest.out);
  EXPECT_EQ(rocks_digest.out, pg_digest.out);
  // Into a ledger that exists: refused, nothing written.
  RunResult onto_pg = RunAidledger({"copy", "--from", rocks, "--to", db_}, dir_.path());
  EXPECT_EQ(onto_pg.exit_code, 2) << onto_pg.err;
  RunResult onto_rocks = RunAidledger({"copy", "--from", db_, "--to", back}, dir_.path());
  EXPECT_EQ(onto_rocks.exit_code, 2) << onto_rocks.err;
  EXPECT_EQ(Run({"verify", "--digest", digest}).exit_code, 0);
}

TEST_F(PostgresCliTest, AppendsRepeatsAndRejectionsBehaveAsOnRocksDb) {
  Restore();
  RunResult sale = Run({"sale", "--region", "540202", "--amount", "5", "--date", "2022-01-01",
                        "--event-id", "pg-sale-1"});
  ASSERT_EQ(sale.exit_code, 0) << sale.err;
  EXPECT_TRUE(absl::StartsWith(sale.out, "appended seq=17 event_id=pg-sale-1 ")) << sale.out;
  RunResult repeat = Run({"sale", "--region", "540202", "--amount", "5", "--date", "2022-01-01",
                          "--event-id", "pg-sale-1"});
  ASSERT_EQ(repeat.exit_code, 0) << repeat.err;
  EXPECT_TRUE(absl::StartsWith(repeat.out, "duplicate seq=17 ")) << repeat.out;
  // DX-001 was given 1,234,567.89 and has disbursed 100,000: 2,000,000 is too much.
  RunResult overspent = Run({"disburse", "--project", "DX-001", "--amount", "2000000",
                             "--date", "2022-01-02"});
  EXPECT_EQ(overspent.exit_code, 3) << overspent.err;
  EXPECT_TRUE(absl::StrContains(overspent.err, "[OVERSPENT]")) << overspent.err;
  RunResult digest = Run({"digest"});
  ASSERT_EQ(digest.exit_code, 0) << digest.err;
  EXPECT_TRUE(absl::StrContains(digest.out, "\"seq\":\"17\"")) << digest.out;
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Writers in several processes on one PostgreSQL ledger: appends are
// serialized by the head row; a writer that finds the head moved folds what
// the others wrote and validates its batch again, so every event lands
// once and no balance can be overspent between two of them.
TEST_F(PostgresCliTest, ConcurrentWritersInterleaveWithoutLossOrOverspending) {
  Restore();
  constexpr int kRows = 200;
  for (const char* writer : {"a", "b"}) {
    std::ofstream csv(dir_.Sub(absl::StrCat(writer, ".csv")));
    csv << "type,event_id,effective_date,region_code,amount\n";
    for (int n = 1; n <= kRows; ++n) {
      csv << "sale," << writer << "-" << n << ",2022-03-01,540202,1.00\n";
    }
  }
  std::vector<RunResult> imports(2);
  {
    std::vector<std::thread> threads;
    for (int w = 0; w < 2; ++w) {
      threads.emplace_back([&, w] {
        imports[w] = Run({"import", "--batch-size", "10", dir_.Sub(w == 0 ? "a.csv" : "b.csv")});
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  for (const RunResult& result : imports) EXPECT_EQ(result.exit_code, 0) << result.err;

  // DX-001 holds 1,134,567.89 yuan: three disbursements of 300,000 fit, a fourth does not.
  constexpr int kDisbursers = 6;
  std::vector<RunResult> disbursed(kDisbursers);
  {
    std::vector<std::thread> threads;
    for (int d = 0; d < kDisbursers; ++d) {
      threads.emplace_back([&, d] {
        disbursed[d] = Run({"disburse", "--project", "DX-001", "--amount", "300000", "--date",
                            "2022-03-02", "--event-id", absl::StrCat("race-", d)});
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  int accepted = 0;
  for (const RunResult& result : disbursed) {
    if (result.exit_code == 0) {
      ++accepted;
    } else {
      EXPECT_EQ(result.exit_code, 3) << result.err;
      EXPECT_TRUE(absl::StrContains(result.err, "[OVERSPENT]")) << result.err;
    }
  }
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
  RunResult replay = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(std::count(replay.out.begin(), replay.out.end(), '\n'), 16 + 2 * kRows + accepted);
  for (const char* writer : {"a", "b"}) {
    for (int n = 1; n <= kRows; ++n) {
      const std::string id = absl::StrCat("\"event_id\":\"", writer, "-", n, "\"");
      const size_t at = replay.out.find(id);
      ASSERT_NE(at, std::string::npos) << id;
      EXPECT_EQ(replay.out.find(id, at + 1), std::string::npos) << id << " twice";
    }
  }
}

// Connections cut again and again during an import (pg_terminate_backend,
// as a restarting or failing-over database does): what was written stays
// whole batches, nothing is written twice, and running the import again
// appends only what is missing.
TEST_F(PostgresCliTest, AnImportWhoseConnectionsAreCutResumesWithoutLossOrDuplicates) {
  Restore();
  constexpr int kRows = 3000, kBatch = 50;
  {
    std::ofstream csv(dir_.Sub("rows.csv"));
    csv << "type,event_id,effective_date,region_code,amount\n";
    for (int n = 1; n <= kRows; ++n) csv << "sale,cut-" << n << ",2022-03-01,540202,1.00\n";
  }
  const std::string db = absl::StrCat(db_, "&application_name=import_under_fire");
  std::atomic<bool> done{false};
  std::atomic<int> cuts{0};
  std::thread cutter([&] {
    while (!done) {
      absl::Status cut = testing::PgExecute(
          database_,
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          "WHERE application_name = 'import_under_fire'");
      if (cut.ok()) ++cuts;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  RunResult first = Run({"import", "--batch-size", absl::StrCat(kBatch), dir_.Sub("rows.csv")}, db);
  done = true;
  cutter.join();
  std::cout << "first import: exit " << first.exit_code << " after " << cuts << " cuts: " << first.err;
  // Either it rode out the cuts, or it stopped with one line saying so.
  if (first.exit_code != 0) {
    EXPECT_NE(first.exit_code, 4) << first.err;
    EXPECT_EQ(std::count(first.err.begin(), first.err.end(), '\n'), 1) << first.err;
  }
  RunResult written = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const long after_first = std::count(written.out.begin(), written.out.end(), '\n') - 16;
  EXPECT_EQ(after_first % kBatch, 0) << after_first << " rows: not whole batches";

  RunResult second = Run({"import", "--batch-size", absl::StrCat(kBatch), dir_.Sub("rows.csv")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
  RunResult replay = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(std::count(replay.out.begin(), replay.out.end(), '\n'), 16 + kRows);
  for (int n = 1; n <= kRows; ++n) {
    const std::string id = absl::StrCat("\"event_id\":\"cut-", n, "\"");
    const size_t at = replay.out.find(id);
    ASSERT_NE(at, std::string::npos) << id;
    EXPECT_EQ(replay.out.find(id, at + 1), std::string::npos) << id << " twice";
  }
}

// A batch goes to the database row by row as it is staged; a row refused
// near its end (DX-001 cannot pay 2,000,000) takes the whole batch back:
// none of the rows streamed before it is written, and the next import
// appends from the same head.
TEST_F(PostgresCliTest, AnImportBatchRefusedNearItsEndWritesNoneOfItsRows) {
  Restore();
  constexpr int kRows = 2000;
  {
    std::ofstream csv(dir_.Sub("rows.csv"));
    csv << "type,event_id,effective_date,region_code,project_id,amount\n";
    for (int n = 1; n < kRows; ++n) csv << "sale,late-" << n << ",2022-03-01,540202,,1.00\n";
    csv << "disbursement,late-" << kRows << ",2022-03-01,,DX-001,2000000.00\n";
  }
  RunResult refused = Run({"import", "--batch-size", absl::StrCat(kRows), dir_.Sub("rows.csv")});
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, absl::StrCat(":", kRows + 1, ":"))) << refused.err;
  RunResult head = Run({"digest"});
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_TRUE(absl::StrContains(head.out, "\"seq\":\"16\"")) << head.out;
  RunResult replay = Run({"replay", "--format", "jsonl"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  EXPECT_EQ(std::count(replay.out.begin(), replay.out.end(), '\n'), 16);
  RunResult sale = Run({"sale", "--region", "540202", "--amount", "1", "--date", "2022-03-01"});
  ASSERT_EQ(sale.exit_code, 0) << sale.err;
  EXPECT_TRUE(absl::StartsWith(sale.out, "appended seq=17 ")) << sale.out;
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// A database at schema version 1 (as release 0.1's aidledger left it, in a
// schema of its own here): reads refuse it until a writable open (init
// --if-missing) migrates it forward to this build's version; a schema newer
// than this build is refused.
TEST_F(PostgresCliTest, AnOlderSchemaIsMigratedForwardAndANewerOneRefused) {
  std::string schema = absl::StrCat("m_", ledger_);
  std::replace(schema.begin(), schema.end(), '-', '_');
  ASSERT_THAT(testing::PgExecute(database_, absl::StrReplaceAll(R"sql(
CREATE SCHEMA {schema};
SET LOCAL search_path = {schema};
CREATE TABLE aidledger_migrations (version integer PRIMARY KEY, description text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now());
INSERT INTO aidledger_migrations (version, description) VALUES (1, 'version 1');
CREATE TABLE ledger_head (ledger_id text COLLATE "C" PRIMARY KEY, format_version text NOT NULL,
  head_seq bigint NOT NULL CHECK (head_seq >= 0), head_hash bytea NOT NULL,
  head_recorded_at_micros bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE events (ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  seq bigint NOT NULL CHECK (seq >= 1), event_id text COLLATE "C" NOT NULL,
  prev_hash bytea NOT NULL, hash bytea NOT NULL, payload bytea NOT NULL,
  PRIMARY KEY (ledger_id, seq), UNIQUE (ledger_id, event_id));
CREATE TABLE reversals (ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  reversed_event_id text COLLATE "C" NOT NULL, seq bigint NOT NULL,
  PRIMARY KEY (ledger_id, reversed_event_id));
CREATE TABLE snapshots (ledger_id text COLLATE "C" NOT NULL REFERENCES ledger_head,
  projection text COLLATE "C" NOT NULL, seq bigint NOT NULL, record bytea NOT NULL,
  PRIMARY KEY (ledger_id, projection, seq));
)sql", {{"{schema}", schema}})),
              testing::IsOk());
  const std::string db =
      absl::StrCat(database_, "?ledger=main&options=-csearch_path%3D", schema);
  RunResult read = Run({"balances"}, db);
  EXPECT_EQ(read.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(read.err, "older than this aidledger's")) << read.err;

  RunResult migrated = Run({"init", "--if-missing"}, db);
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_THAT(testing::PgExecute(database_, absl::StrReplaceAll(R"sql(
DO $$ BEGIN
  IF (SELECT max(version) FROM {schema}.aidledger_migrations) < 3 OR NOT EXISTS (
      SELECT 1 FROM pg_constraint WHERE conname = 'events_event_id_ledger_id_key'
      AND connamespace = '{schema}'::regnamespace) OR EXISTS (
      SELECT 1 FROM pg_constraint WHERE contype = 'f'
      AND conrelid IN ('{schema}.events'::regclass, '{schema}.reversals'::regclass)) THEN
    RAISE EXCEPTION 'not migrated';
  END IF;
END $$;
)sql", {{"{schema}", schema}})),
              testing::IsOk());
  RunResult added = Run({"region", "add", "--code", "110000", "--name", "北京市"}, db);
  EXPECT_EQ(added.exit_code, 0) << added.err;
  EXPECT_EQ(Run({"verify"}, db).exit_code, 0);

  ASSERT_THAT(testing::PgExecute(database_, absl::StrCat("INSERT INTO ", schema,
                                                          ".aidledger_migrations VALUES (99, 'a "
                                                          "future aidledger')")),
              testing::IsOk());
  RunResult newer = Run({"balances"}, db);
  EXPECT_EQ(newer.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(newer.err, "newer than this aidledger's")) << newer.err;
}

TEST_F(PostgresCliTest, InitCreatesOnceAndAgainOnlyWhenAskedIfMissing) {
  RunResult created = Run({"init"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, absl::StrCat("initialized an empty ledger ", ledger_, " at ",
                                      database_.substr(database_.find('@') + 1), "\n"));
  RunResult again = Run({"init"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(again.err, absl::StrCat("a ledger named ", ledger_, " exists")))
      << again.err;
  EXPECT_EQ(Run({"init", "--if-missing"}).exit_code, 0);
  RunResult missing = Run({"balances"}, absl::StrCat(database_, "?ledger=", ledger_, "-none"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(missing.err, "no ledger named")) << missing.err;
}

// An unreachable database is exit 2 with one line naming host and port,
// never the password.
TEST_F(PostgresCliTest, AnUnreachableDatabaseIsOneLineWithoutThePassword) {
  RunResult result =
      Run({"balances"}, "postgresql://clerk:s3cret-pw@127.0.0.1:1/aid?ledger=main&connect_timeout=2");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(result.err, "127.0.0.1:1/aid")) << result.err;
  EXPECT_FALSE(absl::StrContains(result.err, "s3cret")) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

// Across a network the ledger travels only under TLS. verify-full against
// the CA that signed the test server's certificate works; another CA's is
// refused in one line; a host that is not loopback, with no sslmode, is
// refused before any connection is tried, unless --insecure-plain-db.
TEST_F(PostgresCliTest, TlsToPostgresIsVerifiedAndPlainTextAcrossANetworkIsRefused) {
  const std::string localhost = absl::StrReplaceAll(database_, {{"@127.0.0.1:", "@localhost:"}});
  ASSERT_NE(localhost, database_);
  const std::string verified = absl::StrCat(localhost, "?sslmode=verify-full&sslrootcert=",
                                            testing::TestPostgresCa(), "&ledger=", ledger_);
  RunResult init = Run({"init"}, verified);
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RunResult digest = Run({"digest"}, verified);
  EXPECT_EQ(digest.exit_code, 0) << digest.err;
  EXPECT_TRUE(absl::StrContains(digest.out, "\"seq\":\"0\"")) << digest.out;

  ASSERT_EQ(std::system(absl::StrCat("bash '", AIDLEDGER_SOURCE_DIR, "/tools/pilot-certs' '",
                                     dir_.Sub("other"), "' localhost >/dev/null")
                            .c_str()),
            0);
  RunResult other_ca = Run({"digest"}, absl::StrCat(localhost, "?sslmode=verify-full&sslrootcert=",
                                                   dir_.Sub("other/ca.pem"), "&ledger=", ledger_));
  EXPECT_EQ(other_ca.exit_code, 2) << other_ca.err;
  EXPECT_TRUE(absl::StrContains(other_ca.err, "certificate verify failed")) << other_ca.err;
  EXPECT_EQ(std::count(other_ca.err.begin(), other_ca.err.end(), '\n'), 1) << other_ca.err;

  const std::string remote = "postgresql://clerk@db.invalid:5432/aid?ledger=main&connect_timeout=2";
  RunResult refused = Run({"digest"}, remote);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(refused.err, "reaches db.invalid across a network without TLS"))
      << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "--insecure-plain-db")) << refused.err;
  RunResult allowed = Run({"--insecure-plain-db", "digest"}, remote);
  EXPECT_EQ(allowed.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(allowed.err, "cannot connect to PostgreSQL at db.invalid"))
      << allowed.err;
  RunResult encrypted = Run({"digest"}, absl::StrCat(remote, "&sslmode=verify-full"));
  EXPECT_TRUE(absl::StrContains(encrypted.err, "cannot connect")) << encrypted.err;
}

// A superuser's edit of a row, or a deleted row, is caught by verify naming
// the sequence (exit 4), and reads refuse to fold it into figures.
TEST_F(PostgresCliTest, RowsRewrittenOrDeletedBehindItsBackAreCaught) {
  Restore();
  ASSERT_THAT(Sql("UPDATE events SET payload = overlay(payload placing '\\x39'::bytea from 60 "
                  "for 1) WHERE ledger_id = 'LEDGER' AND seq = 12"),
              testing::IsOk());
  RunResult verified = Run({"verify"});
  EXPECT_EQ(verified.exit_code, 4);
  EXPECT_TRUE(absl::StrContains(verified.err, "event 12")) << verified.err;
  EXPECT_EQ(Run({"balances"}).exit_code, 4);

  const std::string other = absl::StrCat(ledger_, "-gap");
  const std::string gapped = absl::StrCat(database_, "?ledger=", other);
  RunResult restored = Run({"restore", TestDataPath("export-0.1.0.jsonl")}, gapped);
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  ASSERT_THAT(testing::PgExecute(database_, absl::StrCat("DELETE FROM events WHERE ledger_id = '",
                                                          other, "' AND seq = 7")),
              testing::IsOk());
  RunResult gap = Run({"verify"}, gapped);
  EXPECT_EQ(gap.exit_code, 4);
  EXPECT_TRUE(absl::StrContains(gap.err, "event 7")) << gap.err;
}

// The application role of the README may add events and read them, and
// nothing else: history cannot be rewritten through it.
TEST_F(PostgresCliTest, TheApplicationRoleAppendsButCannotRewriteHistory) {
  Restore();
  const std::string role = absl::StrCat("app_", ledger_.substr(2, 8));
  ASSERT_THAT(testing::PgExecute(database_, absl::StrCat(
                  "CREATE ROLE ", role, " LOGIN; "
                  "GRANT SELECT, INSERT ON events, reversals TO ", role, "; "
                  "GRANT SELECT, INSERT, UPDATE ON ledger_head, snapshots TO ", role, "; "
                  "GRANT SELECT ON aidledger_migrations TO ", role)),
              testing::IsOk());
  std::string as_app = absl::StrReplaceAll(db_, {{"postgres@", absl::StrCat(role, "@")}});
  RunResult sale = Run({"sale", "--region", "540202", "--amount", "1", "--date", "2022-01-01"},
                       as_app);
  EXPECT_EQ(sale.exit_code, 0) << sale.err;
  std::string database_as_app =
      absl::StrReplaceAll(database_, {{"postgres@", absl::StrCat(role, "@")}});
  for (const char* sql : {"UPDATE events SET payload = payload WHERE ledger_id = 'LEDGER'",
                          "DELETE FROM events WHERE ledger_id = 'LEDGER'",
                          "TRUNCATE events"}) {
    absl::Status refused =
        testing::PgExecute(database_as_app, absl::StrReplaceAll(sql, {{"LEDGER", ledger_}}));
    EXPECT_FALSE(refused.ok()) << sql;
    EXPECT_TRUE(absl::StrContains(refused.message(), "permission denied")) << refused;
  }
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Events carry no per-row foreign key to their ledger (it cost 40% of an
// import); instead no role, not even the owner of the tables, may remove a
// ledger's head row, so events never lose their ledger.
TEST_F(PostgresCliTest, NoRoleRemovesALedgerRow) {
  Restore();
  // (Should the rule not hold, the division by zero rolls the TRUNCATE of
  // every test's ledgers back.)
  for (const char* sql : {"DELETE FROM ledger_head WHERE ledger_id = 'LEDGER'",
                          "TRUNCATE ledger_head CASCADE; SELECT 1 / 0"}) {
    absl::Status refused = Sql(sql);
    EXPECT_FALSE(refused.ok()) << sql;
    EXPECT_TRUE(absl::StrContains(refused.message(), "a ledger is never removed")) << refused;
  }
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

}  // namespace
}  // namespace aidledger
