// TraceJson writes the trace's JSON as it builds it; it must be the very
// bytes ToJson(BuildTrace(...), true) prints, for every kind of node and
// field: names that need escaping, evidence stored and missing, stages,
// budgets, investments, reversals, points in the past, and the errors.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/evidence.h"
#include "app/output.h"
#include "app/trace.h"
#include "base/large_buffers.h"
#include "base/sha256.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/state/random_stream.h"

namespace aidledger::app {
namespace {

using aidledger::testing::IsOk;

class TraceJsonTest : public aidledger::testing::LedgerFixture {
 protected:
  // Both renderings of `query` at `point`: the same bytes, or the same error.
  void ExpectTheReportsJson(const TraceQuery& query, const PointOptions& point = {}) {
    absl::StatusOr<v1::TraceReport> report = BuildTrace(*ledger_, point, query);
    absl::StatusOr<std::string> json = TraceJson(*ledger_, point, query);
    ASSERT_EQ(report.status(), json.status());
    if (!report.ok()) return;
    EXPECT_EQ(*json, ToJson(*report, true))
        << "helper " << query.helper << " region " << query.region << " project "
        << query.project << " allocation " << query.allocation << " as of " << point.as_of;
    ++compared_;
    if (report->nodes_size() > 0) ++nonempty_;
  }

  // A file in the test's directory named by an evidence line of `kind`.
  std::string EvidenceLine(const std::string& kind, const std::string& name,
                           const std::string& text, bool store) {
    const std::string path = WriteFile(name, text);
    absl::StatusOr<v1::Evidence> described = DescribeEvidenceFile(path, v1::CONTRACT);
    EXPECT_THAT(described, IsOk());
    if (store) {
      EXPECT_THAT(StoreEvidenceFile(*ledger_, path, *described), IsOk());
    }
    return absl::StrCat(kind, ":", described->sha256(), ":", described->size(), ":", name);
  }

  int compared_ = 0;
  int nonempty_ = 0;
};

TEST_F(TraceJsonTest, EveryNodeAndFieldIsWrittenAsTheReportsJson) {
  AddQingdaoBasics();
  MustAdd("project", {{"project_id", "P-1"}, {"region_code", "621102"},
                      {"name", "道路 \"一期\" <A&B> \\ 工程"}, {"category", "infrastructure"},
                      {"budget", "500"}, {"effective_date", "2021-02-01"}});
  MustAdd("stage", {{"project_id", "P-1"}, {"stage", "started"}, {"reason", "开工"},
                    {"effective_date", "2021-03-01"}});
  MustAdd("project", {{"project_id", "P-2"}, {"region_code", "540202"}, {"name", "学校"},
                      {"category", "education"}, {"effective_date", "2021-02-01"}});
  MustAdd("allocation", {{"helper_code", "370200"}, {"recipient_code", "621100"},
                         {"amount", "300"}, {"event_id", "a-general"},
                         {"effective_date", "2021-04-01"}});
  MustAdd("allocation",
          {{"helper_code", "370200"}, {"recipient_code", "621102"}, {"project_id", "P-1"},
           {"amount", "100"}, {"document_number", "青财预指〔2021〕\"12\"号<急>"},
           {"event_id", "a-named"}, {"effective_date", "2021-04-02"},
           {"evidence_files", EvidenceLine("approval", "批文.txt", "批文", true)}});
  MustAdd("allocation", {{"helper_code", "370202"}, {"recipient_code", "540202"},
                         {"project_id", "P-2"}, {"amount", "50"}, {"event_id", "a-tibet"},
                         {"effective_date", "2021-04-03"}});
  MustAdd("disbursement",
          {{"project_id", "P-1"}, {"amount", "80"}, {"payee", "某\"公司\"\\<一>"},
           {"contract_number", "HT-1 <二>"}, {"event_id", "d-1"},
           {"effective_date", "2021-05-01"},
           {"evidence_files",
            absl::StrCat(EvidenceLine("contract", "合同.pdf", "合同", true), "\n",
                         EvidenceLine("invoice", "发票.pdf", "发票", false))}});
  MustAdd("allocation", {{"helper_code", "370202"}, {"recipient_code", "621102"},
                         {"project_id", "P-1"}, {"amount", "30"}, {"event_id", "a-named-2"},
                         {"effective_date", "2021-05-02"}});
  MustAdd("disbursement", {{"project_id", "P-1"}, {"amount", "15"}, {"event_id", "d-2"},
                           {"effective_date", "2021-06-01"}});
  MustAdd("disbursement", {{"project_id", "P-2"}, {"amount", "20"}, {"event_id", "d-3"},
                           {"effective_date", "2021-06-02"}});
  // At the head (d-2 reversed) d-4 is paid by a-named's last 20 and a-named-2.
  MustAdd("disbursement", {{"project_id", "P-1"}, {"amount", "30"}, {"event_id", "d-4"},
                           {"effective_date", "2021-06-03"}});
  MustAdd("investment", {{"enterprise", "青岛<啤酒>"}, {"helper_code", "370200"},
                         {"region_code", "621102"}, {"project_id", "P-1"}, {"amount", "1000"},
                         {"event_id", "i-1"}, {"effective_date", "2021-07-01"}});
  MustAdd("reversal", {{"reversed_event_id", "d-2"}, {"reason", "重复"},
                       {"effective_date", "2021-08-01"}});

  absl::StatusOr<std::string> json = TraceJson(*ledger_, {}, {.project = "P-1"});
  ASSERT_THAT(json, IsOk());
  // What needs escaping is escaped as protobuf escapes it.
  EXPECT_THAT(*json, ::testing::HasSubstr("\"name\":\"某\\\"公司\\\"\\\\\\u003c一\\u003e\""));
  EXPECT_THAT(*json, ::testing::HasSubstr("\"contract_number\":\"HT-1 \\u003c二\\u003e\""));
  EXPECT_THAT(*json, ::testing::HasSubstr("\"evidence_files\":2,\"evidence_stored\":1}"));
  EXPECT_THAT(*json, ::testing::HasSubstr("\"kind\":\"investment\""));
  // P-1 is shown under a-named and a-named-2; its investment under the first only.
  const auto count = [&json](const std::string& text) {
    size_t n = 0;
    for (size_t at = json->find(text); at != std::string::npos; at = json->find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("{\"kind\":\"project\",\"id\":\"P-1\""), 2);
  EXPECT_EQ(count("\"kind\":\"investment\""), 1);
  EXPECT_THAT(*json, ::testing::HasSubstr(
      "\"matched\":[{\"allocation_event_id\":\"a-named\",\"amount_fen\":\"2000\"},"
      "{\"allocation_event_id\":\"a-named-2\",\"amount_fen\":\"1000\"}]"));

  for (const char* as_of : {"", "2021-06-15", "2021-04-02", "2020-12-31"}) {
    const PointOptions point{.as_of = as_of};
    for (const char* code : {"370000", "370200", "370202", "620000"}) {
      ExpectTheReportsJson({.helper = code}, point);
    }
    for (const char* code : {"620000", "621100", "621102", "540202", "540000"}) {
      ExpectTheReportsJson({.region = code}, point);
    }
    for (const char* id : {"P-1", "P-2", "P-9"}) ExpectTheReportsJson({.project = id}, point);
    for (const char* id : {"a-general", "a-named", "a-named-2", "a-tibet", "d-1"}) {
      ExpectTheReportsJson({.allocation = id}, point);
    }
  }
  ExpectTheReportsJson({});  // names nothing: the same usage error
  ExpectTheReportsJson({.helper = "370200", .whole_view = true});
  EXPECT_GT(nonempty_, compared_ / 2);
}

// A trace written into a string that SpareStrings kept (as `serve` gives
// each answer back once sent) is written over what was there before and
// cut to itself: none of the old bytes is sent.
TEST_F(TraceJsonTest, ATraceWrittenOverAKeptStringIsExactlyItself) {
  const uint64_t seed = aidledger::testing::TestSeed(20261206);
  aidledger::testing::RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(200, 4);
  const std::string& helper = stream.region_codes().front();
  absl::StatusOr<v1::TraceReport> report = BuildTrace(*ledger_, {}, {.helper = helper});
  ASSERT_THAT(report, IsOk());
  ASSERT_GT(report->nodes_size(), 0) << "seed " << seed;
  // Kept strings as a larger answer left one (its size all room) and as a
  // smaller one did (room beyond its bytes).
  for (const size_t written : {SpareStrings::kSpareBytesMin, size_t{16}}) {
    std::string kept(written, 'x');
    kept.reserve(SpareStrings::kSpareBytesMin);
    const char* memory = kept.data();
    for (size_t i = 0; i < SpareStrings::kSpareStringsMax; ++i) SpareStrings::Process().Take();
    SpareStrings::Process().Give(std::move(kept));
    absl::StatusOr<std::string> json = TraceJson(*ledger_, {}, {.helper = helper});
    ASSERT_THAT(json, IsOk());
    EXPECT_EQ(json->data(), memory) << written;  // written into the kept string
    EXPECT_EQ(*json, ToJson(*report, true)) << "seed " << seed << " written " << written;
  }
}

// A random ledger's every helper, region and project, at the head and as of
// an earlier date.
TEST_F(TraceJsonTest, ARandomLedgersTracesAreWrittenAsTheReportsJson) {
  const uint64_t seed = aidledger::testing::TestSeed(20261205);
  aidledger::testing::RandomStream stream(ledger_.get(), seed);
  stream.AddRegistry();
  stream.AddMoneyEvents(400, 6);
  for (const char* as_of : {"", "2017-06-30"}) {
    const PointOptions point{.as_of = as_of};
    for (const std::string& code : stream.region_codes()) {
      ExpectTheReportsJson({.helper = code}, point);
      ExpectTheReportsJson({.region = code}, point);
    }
    for (int i = 0; i < 40; ++i) ExpectTheReportsJson({.project = absl::StrCat("P-", i)}, point);
  }
  EXPECT_GT(nonempty_, compared_ / 2) << "seed " << seed;
}

}  // namespace
}  // namespace aidledger::app
