// `aidledger serve` end to end: the built binary on an ephemeral loopback
// port, driven by a real HTTP client.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "aidledger/v1/projections.pb.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "ledger/ledger.h"
#include "ledger/store/codec.h"
#include "tests/testing/rocksdb_edit.h"
#include "tests/cli/run.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

using testing::IsOk;
using testing::RunAidledger;
using testing::ServerProcess;

class ServerTest : public ServerFixture {};

TEST_F(ServerTest, EveryRouteAnswersWithItsStatusCodes) {
  StartServer();
  auto client = Client();
  auto health = client->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "{\"status\":\"ok\",\"head_seq\":\"5\"}");
  EXPECT_EQ(client->Get("/v1/digest", As("reader"))->status, 200);
  for (const char* path : {"/v1/balances", "/v1/projects", "/v1/helpers",
                           "/v1/balances?region=621100&as_of=2021-01-01", "/v1/balances?at_seq=3"}) {
    auto response = client->Get(path, As("reader"));
    ASSERT_TRUE(response) << path;
    EXPECT_EQ(response->status, 200) << path << ": " << response->body;
  }
  httplib::Result past = client->Get("/v1/balances?at_seq=99", As("reader"));
  EXPECT_EQ(past->status, 400);
  // Errors name the parameter as an HTTP client sent it, not as the CLI's flag.
  EXPECT_THAT(past->body, ::testing::HasSubstr("at_seq 99 is past the head of the log"));
  httplib::Result bad_time = client->Get("/v1/balances?known_at=yesterday", As("reader"));
  EXPECT_EQ(bad_time->status, 400);
  EXPECT_THAT(bad_time->body, ::testing::HasSubstr("known_at must be an RFC 3339 time"));
  EXPECT_THAT(bad_time->body, ::testing::Not(::testing::HasSubstr("--known-at")));
  EXPECT_EQ(client->Get("/v1/balances?region=999999", As("reader"))->status, 404);
  auto events = client->Get("/v1/events?from=2&limit=2", As("auditor"));
  EXPECT_EQ(events->status, 200);
  EXPECT_THAT(events->body, ::testing::HasSubstr("\"sequence\":\"3\""));
  EXPECT_THAT(events->body, ::testing::HasSubstr("\"next_from\":\"4\""));
  EXPECT_EQ(client->Get("/v1/events?limit=100000", As("auditor"))->status, 400);
  auto proof = client->Get("/v1/proof?seq=2", As("auditor"));
  EXPECT_EQ(proof->status, 200);
  EXPECT_THAT(proof->body, ::testing::HasSubstr("\"audit_path\""));

  auto created = client->Post("/v1/events", As("appender"), Sale("s-1", "621100", 100), "application/json");
  EXPECT_EQ(created->status, 201) << created->body;
  EXPECT_THAT(created->body, ::testing::MatchesRegex(
      "\\{\"seq\":\"6\",\"event_id\":\"s-1\",\"hash\":\"[0-9a-f]{64}\",\"duplicate\":false\\}"));
  auto repeated = client->Post("/v1/events", As("appender"), Sale("s-1", "621100", 100), "application/json");
  EXPECT_EQ(repeated->status, 200);
  EXPECT_THAT(repeated->body, ::testing::HasSubstr("\"seq\":\"6\""));
  EXPECT_THAT(repeated->body, ::testing::HasSubstr("\"duplicate\":true"));
  auto conflict = client->Post("/v1/events", As("appender"), Sale("s-1", "621100", 101), "application/json");
  EXPECT_EQ(conflict->status, 409);
  auto invalid = client->Post("/v1/events", As("appender"), Sale("s-2", "999999", 1), "application/json");
  EXPECT_EQ(invalid->status, 422);
  EXPECT_THAT(invalid->body, ::testing::HasSubstr("\"reason\":\"REGION_NOT_FOUND\",\"field\":\"region_code\""));
  auto malformed = client->Post("/v1/events", As("appender"), "{\"sale_recorded\":", "application/json");
  EXPECT_EQ(malformed->status, 400);
  auto huge = client->Post("/v1/events", As("appender"), std::string(5 * 1024 * 1024, ' '), "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 413);
  std::string many = "[";
  for (int i = 0; i < 1001; ++i) absl::StrAppend(&many, i ? "," : "", Sale(absl::StrCat("m-", i), "621100", 1));
  many += "]";
  EXPECT_EQ(client->Post("/v1/events", As("appender"), many, "application/json")->status, 413);
  EXPECT_EQ(client->Get("/metrics")->status, 401);  // it shows money: a reader's
  auto metrics = client->Get("/metrics", As("reader"));
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
  EXPECT_EQ(HeadAfterStop(), 6u);
}

// Issue 21: a money event posted again without an event_id within a day
// is 409 POSSIBLE_DUPLICATE naming the first (in a batch, which event);
// ?allow_duplicate=true posts it, and an event_id is never suspected.
TEST_F(ServerTest, TheSameSalePostedAgainWithoutAnIdIsAPossibleDuplicate) {
  StartServer();
  auto client = Client();
  const std::string sale =
      "{\"effective_date\":\"2024-03-05\",\"sale_recorded\":{\"region_code\":\"621100\","
      "\"amount_fen\":\"8800\"}}";
  auto first = client->Post("/v1/events", As("appender"), sale, "application/json");
  ASSERT_EQ(first->status, 201) << first->body;
  auto again = client->Post("/v1/events", As("appender"), sale, "application/json");
  EXPECT_EQ(again->status, 409);
  EXPECT_THAT(again->body, ::testing::HasSubstr("\"reason\":\"POSSIBLE_DUPLICATE\",\"field\":\"event_id\""));
  EXPECT_THAT(again->body, ::testing::HasSubstr("the same sale effective 2024-03-05 was recorded at "));
  EXPECT_THAT(again->body, ::testing::HasSubstr(": seq 6, event_id ev-"));
  auto in_batch = client->Post("/v1/events", As("appender"),
                               absl::StrCat("[", Sale("other", "621100", 1), ",", sale, "]"),
                               "application/json");
  EXPECT_EQ(in_batch->status, 409);
  EXPECT_THAT(in_batch->body, ::testing::HasSubstr("event 2 of the batch: event_id: none given"));
  auto allowed =
      client->Post("/v1/events?allow_duplicate=true", As("appender"), sale, "application/json");
  EXPECT_EQ(allowed->status, 201) << allowed->body;
  EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
  EXPECT_EQ(HeadAfterStop(), 7u);
}

// GET /v1/series sums a region's subtree by month from the published
// state, or folds to a point; its sums through a month are the as-of
// balances of that month's last day.
TEST_F(ServerTest, TheSeriesRouteSumsTheSubtreeByPeriodAndAgreesWithAsOfBalances) {
  StartServer();
  auto client = Client();
  auto sale = [](const std::string& id, const std::string& region, int fen, const std::string& date) {
    return absl::StrCat("{\"event_id\":\"", id, "\",\"effective_date\":\"", date,
                        "\",\"sale_recorded\":{\"region_code\":\"", region,
                        "\",\"amount_fen\":\"", fen, "\"}}");
  };
  const std::string batch = absl::StrCat("[", sale("a", "621102", 100, "2022-01-05"), ",",
                                         sale("b", "621100", 50, "2022-03-01"), ",",
                                         sale("c", "621102", 7, "2022-03-31"), "]");
  ASSERT_EQ(client->Post("/v1/events", As("appender"), batch, "application/json")->status, 201);

  auto months = client->Get("/v1/series?region=620000&metric=sales", As("reader"));
  ASSERT_EQ(months->status, 200) << months->body;
  EXPECT_THAT(months->body, ::testing::HasSubstr("\"region_code\":\"620000\",\"region_name\":\"甘肃省\""));
  EXPECT_THAT(months->body, ::testing::HasSubstr(
      "\"period\":\"month\",\"from\":\"2022-01\",\"to\":\"2022-03\",\"metrics\":[\"sales\"],"
      "\"points\":[{\"period\":\"2022-01\",\"values_fen\":[\"100\"]},"
      "{\"period\":\"2022-02\",\"values_fen\":[\"0\"]},"
      "{\"period\":\"2022-03\",\"values_fen\":[\"57\"]}]"));
  EXPECT_THAT(months->body, ::testing::HasSubstr("\"seq\":\"8\""));
  // Through February: the as-of balances of its last day.
  auto february = client->Get("/v1/balances?region=620000&as_of=2022-02-28", As("reader"));
  EXPECT_THAT(february->body, ::testing::HasSubstr("\"sales_fen\":\"100\""));
  // At a point: the fold counts what was effective by then.
  auto mid_march = client->Get("/v1/series?region=621100&metric=sales&as_of=2022-03-15", As("reader"));
  ASSERT_EQ(mid_march->status, 200) << mid_march->body;
  EXPECT_THAT(mid_march->body, ::testing::HasSubstr(
      "{\"period\":\"2022-03\",\"values_fen\":[\"50\"]}"));
  EXPECT_THAT(mid_march->body, ::testing::HasSubstr("\"as_of_date\":\"2022-03-15\""));
  auto quarter = client->Get("/v1/series?metric=sales,allocated&period=quarter&from=2021-12&to=2022-03",
                             As("reader"));
  ASSERT_EQ(quarter->status, 200) << quarter->body;
  EXPECT_THAT(quarter->body, ::testing::HasSubstr(
      "\"points\":[{\"period\":\"2021-Q4\",\"values_fen\":[\"0\",\"0\"]},"
      "{\"period\":\"2022-Q1\",\"values_fen\":[\"157\",\"0\"]}]"));

  auto bad_metric = client->Get("/v1/series?metric=money", As("reader"));
  EXPECT_EQ(bad_metric->status, 400);
  EXPECT_THAT(bad_metric->body, ::testing::HasSubstr("metric must be allocated, disbursed"));
  auto bad_month = client->Get("/v1/series?from=2022-1", As("reader"));
  EXPECT_EQ(bad_month->status, 400);
  EXPECT_THAT(bad_month->body, ::testing::HasSubstr("from must be a month YYYY-MM"));
  EXPECT_EQ(client->Get("/v1/series?region=999999", As("reader"))->status, 404);
  EXPECT_EQ(client->Get("/v1/series")->status, 401);
  auto again = client->Get("/v1/series?region=620000&metric=sales",
                           {{"Authorization", "Bearer " + token_["reader"]},
                            {"If-None-Match", months->get_header_value("ETag")}});
  EXPECT_EQ(again->status, 304);
}

// Issue 22: GET /v1/progress is the CLI's progress JSON, at the head from
// the live Books and at a point by a fold; a reader may read it, an
// anonymous caller may not; bad parameters are a 400 naming them.
TEST_F(ServerTest, TheProgressRouteReportsTargetsAndFiguresAtAPoint) {
  StartServer();
  auto client = Client();
  const std::string batch =
      "[{\"event_id\":\"t\",\"effective_date\":\"2022-01-10\",\"target_set\":{\"year\":2022,"
      "\"helper_code\":\"370200\",\"recipient_code\":\"621100\",\"indicator\":"
      "\"PEOPLE_TRAINED\",\"value\":\"400\",\"reason\":\"协议\"}},"
      "{\"event_id\":\"i\",\"effective_date\":\"2022-03-01\",\"indicator_recorded\":{"
      "\"helper_code\":\"370200\",\"recipient_code\":\"621102\",\"indicator\":"
      "\"PEOPLE_TRAINED\",\"value\":\"150\",\"evidence\":\"培训签到表\"}}]";
  auto posted = client->Post("/v1/events", As("appender"), batch, "application/json");
  ASSERT_EQ(posted->status, 201) << posted->body;
  auto head = client->Get("/v1/progress?year=2022", As("reader"));
  ASSERT_EQ(head->status, 200) << head->body;
  // 150 trained in the district count for the city pairing: 37.5% of 400.
  EXPECT_THAT(head->body, ::testing::HasSubstr(
      "\"rows\":[{\"year\":2022,\"helper_code\":\"370200\",\"recipient_code\":\"621100\","
      "\"indicator\":\"people_trained\",\"unit\":\"person_times\",\"target\":\"400\","
      "\"actual\":\"150\",\"completion_percent\":37.5,\"target_history\":[{\"value\":\"400\","
      "\"effective_date\":\"2022-01-10\",\"seq\":"));
  auto before = client->Get("/v1/progress?year=2022&recipient=621100&as_of=2022-02-28",
                            As("reader"));
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_THAT(before->body, ::testing::HasSubstr("\"actual\":\"0\",\"completion_percent\":0.0"));
  EXPECT_THAT(before->body, ::testing::HasSubstr("\"as_of_date\":\"2022-02-28\""));
  // The district is no pairing's recipient: no row of its own.
  EXPECT_THAT(client->Get("/v1/progress?year=2022&recipient=621102", As("reader"))->body,
              ::testing::HasSubstr("\"rows\":[]}"));
  auto no_year = client->Get("/v1/progress", As("reader"));
  EXPECT_EQ(no_year->status, 400);
  EXPECT_THAT(no_year->body, ::testing::HasSubstr("year is required"));
  EXPECT_EQ(client->Get("/v1/progress?year=2022&recipient=999999", As("reader"))->status, 400);
  EXPECT_EQ(client->Get("/v1/progress?year=2022")->status, 401);
}

// Issue 25: GET /v1/trace is the CLI's trace JSON, for auditors only; a
// payment posted over HTTP names its payee and is matched to the allocation.
TEST_F(ServerTest, TheTraceRouteFollowsAnAllocationToItsPaymentsForAuditors) {
  AddFundedProject("1000");
  StartServer();
  auto client = Client();
  const std::string payment =
      "{\"event_id\":\"pay-1\",\"effective_date\":\"2022-02-01\",\"funds_disbursed\":{"
      "\"project_id\":\"P-1\",\"amount_fen\":\"25000\",\"payee\":\"冷链公司\","
      "\"contract_number\":\"HT-9\"}}";
  auto posted = client->Post("/v1/events", As("appender"), payment, "application/json");
  ASSERT_EQ(posted->status, 201) << posted->body;
  auto trace = client->Get("/v1/trace?project=P-1", As("auditor"));
  ASSERT_EQ(trace->status, 200) << trace->body;
  EXPECT_THAT(trace->body, ::testing::HasSubstr(
      "\"kind\":\"disbursement\",\"id\":\"pay-1\""));
  EXPECT_THAT(trace->body, ::testing::HasSubstr("\"amount_fen\":\"25000\",\"unspent_fen\":\"0\","
                                                "\"matched\":[{\"allocation_event_id\":"));
  EXPECT_THAT(trace->body, ::testing::HasSubstr("\"name\":\"冷链公司\""));
  EXPECT_THAT(trace->body, ::testing::HasSubstr("\"unspent_fen\":\"75000\""));  // the allocation's
  auto before = client->Get("/v1/trace?project=P-1&as_of=2022-01-31", As("auditor"));
  ASSERT_EQ(before->status, 200) << before->body;
  EXPECT_THAT(before->body, ::testing::Not(::testing::HasSubstr("pay-1")));
  EXPECT_EQ(client->Get("/v1/trace?project=P-1", As("reader"))->status, 403);
  EXPECT_EQ(client->Get("/v1/trace", As("auditor"))->status, 400);
}

// Issue 25: GET /v1/alerts is the CLI's alerts JSON, for dashboards.
TEST_F(ServerTest, TheAlertsRouteListsTheWarningsAtAPoint) {
  AddFundedProject("1000");  // allocated on 2022-01-01, never spent
  StartServer();
  auto client = Client();
  auto late = client->Get("/v1/alerts?as_of=2022-12-31&rule=idle_funds", As("reader"));
  ASSERT_EQ(late->status, 200) << late->body;
  EXPECT_THAT(late->body, ::testing::HasSubstr("\"rule\":\"idle_funds\""));
  EXPECT_THAT(late->body, ::testing::HasSubstr("\"amount_fen\":\"100000\",\"seqs\":[\"7\"]"));
  auto early = client->Get("/v1/alerts?as_of=2022-06-29&rule=idle_funds", As("reader"));
  ASSERT_EQ(early->status, 200) << early->body;
  EXPECT_THAT(early->body, ::testing::HasSubstr("\"alerts\":[]"));
  auto shorter = client->Get("/v1/alerts?as_of=2022-06-29&rule=idle_funds&idle_days=100",
                             As("reader"));
  EXPECT_THAT(shorter->body, ::testing::HasSubstr("\"rule\":\"idle_funds\""));
  EXPECT_EQ(client->Get("/v1/alerts?rule=nothing", As("reader"))->status, 400);
  EXPECT_EQ(client->Get("/v1/alerts?idle_days=x", As("reader"))->status, 400);
  EXPECT_EQ(client->Get("/v1/alerts")->status, 401);
}

TEST_F(ServerTest, RolesAreEnforcedAndTokensChecked) {
  StartServer();
  auto client = Client();
  struct Route {
    std::string method, path;
    std::string needs;
  };
  const Route routes[] = {{"GET", "/v1/digest", "reader"},   {"GET", "/v1/balances", "reader"},
                          {"GET", "/v1/projects", "reader"}, {"GET", "/v1/helpers", "reader"},
                          {"GET", "/v1/events", "auditor"},  {"GET", "/v1/proof?seq=1", "auditor"},
                          {"POST", "/v1/events", "appender"}};
  const std::vector<std::string> order = {"reader", "auditor", "appender"};
  int serial = 0;
  for (const Route& route : routes) {
    const size_t needed = std::find(order.begin(), order.end(), route.needs) - order.begin();
    for (size_t held = 0; held < order.size(); ++held) {
      auto response = route.method == "GET"
                          ? client->Get(route.path, As(order[held]))
                          : client->Post(route.path, As(order[held]),
                                         Sale(absl::StrCat("r-", ++serial), "621100", 1), "application/json");
      ASSERT_TRUE(response);
      if (held < needed) {
        EXPECT_EQ(response->status, 403) << route.path << " as " << order[held];
      } else {
        EXPECT_LT(response->status, 300) << route.path << " as " << order[held] << ": " << response->body;
      }
    }
    EXPECT_EQ(client->Get(route.path)->status, 401) << route.path;
    EXPECT_EQ(client->Get(route.path, {{"Authorization", "Bearer aid_wrong"}})->status, 401);
  }
  // The token's name becomes the actor.
  auto events = client->Get("/v1/events?from=6&limit=1", As("auditor"));
  EXPECT_THAT(events->body, ::testing::HasSubstr("\"actor\":\"appender-1\""));
  // The tokens file holds hashes only.
  std::ifstream file(tokens_);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const auto& [role, token] : token_) EXPECT_EQ(text.find(token), std::string::npos);
  EXPECT_EQ(server_->output().find(token_["appender"]), std::string::npos) << "a token was logged";
}

TEST_F(ServerTest, ConcurrentAppendersLandGaplessAndDurable) {
  StartServer();
  constexpr int kAppenders = 32, kEach = 15;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kAppenders; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client();
      for (int i = 0; i < kEach; ++i) {
        auto response = client->Post("/v1/events", As("appender"),
                                     Sale(absl::StrCat("c-", t, "-", i), "621102", 1 + t), "application/json");
        if (response && response->status == 201) {
          ++created;
        } else {
          ADD_FAILURE() << "append " << t << "-" << i << ": "
                        << (response ? absl::StrCat(response->status, " ", response->body)
                                     : httplib::to_string(response.error()));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), kAppenders * kEach);
  auto metrics = Client()->Get("/metrics", As("reader"));
  EXPECT_NE(metrics->body.find(absl::StrCat("aidledger_commit_events_sum ", kAppenders * kEach)),
            std::string::npos);
  // No reader held a published state, so every commit reused the spare.
  EXPECT_NE(metrics->body.find("aidledger_state_copies_total 0\n"), std::string::npos);
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  EXPECT_EQ(HeadAfterStop(), 5u + kAppenders * kEach);
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db_, {});
  ASSERT_THAT(ledger, IsOk());
  int64_t expected = 0;
  for (int t = 0; t < kAppenders; ++t) expected += kEach * (1 + t);
  EXPECT_EQ((*ledger)->books().regions.FindRegion("621102")->own().sales_fen(), expected);
}

TEST_F(ServerTest, ABatchWithOneBadEventWritesNothing) {
  StartServer();
  auto client = Client();
  const std::string batch = absl::StrCat("[", Sale("b-1", "621100", 1), ",", Sale("b-2", "999999", 1), ",",
                                         Sale("b-3", "621100", 1), "]");
  auto response = client->Post("/v1/events", As("appender"), batch, "application/json");
  EXPECT_EQ(response->status, 422);
  EXPECT_THAT(response->body, ::testing::HasSubstr("event 2 of the batch"));
  auto good = client->Post("/v1/events", As("appender"),
                           absl::StrCat("[", Sale("b-1", "621100", 1), ",", Sale("b-3", "621100", 1), "]"),
                           "application/json");
  EXPECT_EQ(good->status, 201);
  EXPECT_THAT(good->body, ::testing::HasSubstr("\"seq\":\"7\""));
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  EXPECT_EQ(HeadAfterStop(), 7u);
}

// Issue 17, items 4 and 5: a sale with "helpr_code" was appended without its
// helper, and of two "amount_fen" keys the last was stored.
TEST_F(ServerTest, UnknownAndDuplicateJsonKeysAreRefusedWith422NamingTheKey) {
  StartServer();
  auto client = Client();
  struct Case {
    std::string body, reason, field;
  };
  const Case cases[] = {
      {R"({"event_id":"u-1","effective_date":"2022-01-01","sale_recorded":{"region_code":"621100","helpr_code":"370200","amount_fen":"100"}})",
       "FIELD_UNKNOWN", "sale_recorded.helpr_code"},
      {R"({"event_id":"u-2","effective_date":"2022-01-01","sale_recorded":{"region_code":"621100","amount":"5万"}})",
       "FIELD_UNKNOWN", "sale_recorded.amount"},
      {R"({"event_id":"u-3","effective_date":"2022-01-01","sale_recorded":{"region_code":"621100","amount_fen":"100","amount_fen":"999999"}})",
       "FIELD_DUPLICATE", "sale_recorded.amount_fen"},
      {R"([{"event_id":"u-4","effective_date":"2022-01-01","sale_recorded":{"region_code":"621100","amount_fen":"1"}},{"event_id":"u-5","eventId":"u-6"}])",
       "FIELD_DUPLICATE", "eventId"},
  };
  for (const Case& c : cases) {
    auto response = client->Post("/v1/events", As("appender"), c.body, "application/json");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 422) << c.body << ": " << response->body;
    EXPECT_THAT(response->body, ::testing::HasSubstr(absl::StrCat("\"reason\":\"", c.reason, "\",\"field\":\"",
                                                                  c.field, "\"")))
        << response->body;
  }
  EXPECT_EQ(client->Get("/healthz")->body, "{\"status\":\"ok\",\"head_seq\":\"5\"}");
}

// Issue 17, item 14: /v1/proof returned the CLI's proof without its final
// newline, which verify-proof then refused.
TEST_F(ServerTest, AProofOverHttpIsByteForByteTheClisAndHolds) {
  StartServer();
  auto served = Client()->Get("/v1/proof?seq=2", As("auditor"));
  ASSERT_TRUE(served && served->status == 200);
  testing::RunResult printed = Run({"proof", "--seq", "2"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(served->body, printed.out);
  const std::string file = dir_.Sub("served-proof.json");
  std::ofstream(file) << served->body;
  testing::RunResult held = testing::RunAidledger({"verify-proof", file}, dir_.path());
  EXPECT_EQ(held.exit_code, 0) << held.err;
}

// Issue 26: serve starts from the Merkle tree the newest snapshot holds and
// hashes only the events after it. Its digest, and its head's audit path,
// are the CLI's, which hashes the whole log, before and after it appends.
TEST_F(ServerTest, AServerStartedFromASnapshotsMerkleTreePublishesTheLogsDigest) {
  const std::vector<std::string> every = {"--snapshot-every", "4"};
  for (int start = 0; start < 2; ++start) {
    StartServer(every);
    for (int round = 0; round < 2; ++round) {
      auto served = Client()->Get("/v1/digest", As("reader"));
      ASSERT_TRUE(served && served->status == 200);
      testing::RunResult printed = Run({"digest"});
      ASSERT_EQ(printed.exit_code, 0) << printed.err;
      EXPECT_EQ(served->body + "\n", printed.out) << "start " << start << ", round " << round;
      auto head_proof = Client()->Get("/v1/head-proof", As("reader"));
      ASSERT_TRUE(head_proof && head_proof->status == 200);
      for (int i = 0; i < 7; ++i) {
        auto posted = Client()->Post("/v1/events", As("appender"),
                                     Sale(absl::StrCat("m-", start, round, i), "621102", 100 + i),
                                     "application/json");
        ASSERT_TRUE(posted && posted->status == 201) << (posted ? posted->body : "no answer");
      }
    }
    ASSERT_EQ(server_->Stop(SIGTERM), 0);
  }
  testing::RunResult listed = Run({"snapshot", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, ::testing::HasSubstr(kMerkleSnapshotName));
  EXPECT_EQ(Run({"verify"}).exit_code, 0);
}

// Every region's total equals its own figures plus its children's totals.
void ExpectConsistent(const v1::RegionBalancesReport& report) {
  std::map<std::string, int64_t> sum;
  for (const auto& region : report.regions()) {
    sum[region.code()] += region.own().sales_fen();
    if (!region.parent_code().empty()) sum[region.parent_code()] += region.total().sales_fen();
  }
  for (const auto& region : report.regions()) {
    EXPECT_EQ(region.total().sales_fen(), sum[region.code()]) << region.code();
  }
}

TEST_F(ServerTest, ReadersDuringAppendsAlwaysSeeAConsistentStateAndEtagsWork) {
  StartServer();
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client();
      for (int i = 0; i < 40; ++i) {
        client->Post("/v1/events", As("appender"),
                     Sale(absl::StrCat("w-", t, "-", i), i % 2 ? "621102" : "621100", 7), "application/json");
      }
    });
  }
  std::thread reader([&] {
    auto client = Client();
    while (!done) {
      auto response = client->Get("/v1/balances", As("reader"));
      if (!response || response->status != 200) continue;
      v1::RegionBalancesReport report;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &report).ok());
      ExpectConsistent(report);
      EXPECT_EQ(response->get_header_value("ETag"), absl::StrCat("\"", report.at().seq(), "\""));
      ++reads;
    }
  });
  for (std::thread& thread : threads) thread.join();
  done = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  auto client = Client();
  auto latest = client->Get("/v1/balances", As("reader"));
  const std::string etag = latest->get_header_value("ETag");
  EXPECT_EQ(etag, "\"165\"");
  httplib::Headers conditional = As("reader");
  conditional.emplace("If-None-Match", etag);
  EXPECT_EQ(client->Get("/v1/balances", conditional)->status, 304);
  client->Post("/v1/events", As("appender"), Sale("after", "621100", 1), "application/json");
  EXPECT_EQ(client->Get("/v1/balances", conditional)->status, 200);
}

// The state readers see is kept up to date from spare states that lag a
// few commits behind, while readers hold others (each rendering, series
// query, region report or point-in-time fold holds one): after every append has landed, what
// the server publishes is the log's own fold, figure for figure.
TEST_F(ServerTest, ThePublishedStateAfterAppendsUnderReadersIsTheLogsFold) {
  StartServer();
  std::atomic<bool> done{false};
  std::vector<std::thread> appenders, readers;
  for (int t = 0; t < 4; ++t) {
    appenders.emplace_back([&, t] {
      auto client = Client();
      for (int i = 0; i < 50; ++i) {
        client->Post("/v1/events", As("appender"),
                     Sale(absl::StrCat("s-", t, "-", i), i % 3 ? "621102" : "621100", 1 + t * 50 + i),
                     "application/json");
      }
    });
  }
  const std::vector<std::string> paths = {"/v1/balances", "/v1/balances?region=621100",
                                          "/v1/series?region=621100&metric=sales&period=month",
                                          "/v1/helpers", "/v1/projects",
                                          // holds a state while it folds the log
                                          "/v1/balances?as_of=2099-12-31"};
  for (size_t r = 0; r < 6; ++r) {
    readers.emplace_back([&, r] {
      auto client = Client();
      for (size_t i = r; !done; ++i) client->Get(paths[i % paths.size()], As("reader"));
    });
  }
  for (std::thread& thread : appenders) thread.join();
  done = true;
  for (std::thread& thread : readers) thread.join();
  v1::RegionBalancesReport served, folded;
  auto response = Client()->Get("/v1/balances", As("reader"));
  ASSERT_TRUE(response && response->status == 200);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(response->body, &served).ok());
  EXPECT_EQ(served.at().seq(), 5u + 4 * 50);
  testing::RunResult cli = Run({"balances", "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(cli.out, &folded).ok()) << cli.out;
  ASSERT_EQ(served.regions_size(), folded.regions_size());
  for (int i = 0; i < served.regions_size(); ++i) {
    EXPECT_EQ(served.regions(i).SerializeAsString(), folded.regions(i).SerializeAsString())
        << served.regions(i).code();
  }
}

// Bodies are gzipped by the server for clients that accept gzip, and sent
// as they are to everyone else: never brotli at its slowest, which is what
// cpp-httplib does on its own for any client that offers br.
TEST_F(ServerTest, LargeBodiesAreGzippedForClientsThatAcceptItAndForNoOneElse) {
  StartServer();
  auto client = Client();
  for (int i = 0; i < 20; ++i) {
    client->Post("/v1/events", As("appender"), Sale(absl::StrCat("g-", i), "621102", 100 + i),
                 "application/json");
  }
  auto raw = Client();
  raw->set_decompress(false);  // to see the bytes on the wire
  for (const char* path : {"/v1/balances", "/v1/projects", "/v1/helpers", "/v1/events?limit=20",
                           "/metrics"}) {
    const std::string role = absl::StartsWith(path, "/v1/events") ? "auditor" : "reader";
    const bool metrics = std::string(path) == "/metrics";
    auto with = [&](const char* accept) {
      httplib::Headers headers = As(role);
      headers.emplace("Accept-Encoding", accept);
      return headers;
    };
    auto identity = client->Get(path, with("identity"));
    ASSERT_TRUE(identity && identity->status == 200) << path;
    EXPECT_FALSE(identity->has_header("Content-Encoding")) << path;
    for (const char* refused : {"br", "gzip;q=0", "deflate"}) {
      auto plain = raw->Get(path, with(refused));
      ASSERT_TRUE(plain && plain->status == 200) << path;
      EXPECT_FALSE(plain->has_header("Content-Encoding")) << path << " for " << refused;
      if (!metrics) {
        EXPECT_EQ(plain->body, identity->body) << path << " for " << refused;
      }
    }
    if (identity->body.size() < 1024) continue;  // small bodies are never compressed
    auto wire = raw->Get(path, with("br, gzip, deflate"));
    ASSERT_TRUE(wire && wire->status == 200) << path;
    EXPECT_EQ(wire->get_header_value("Content-Encoding"), "gzip") << path;
    EXPECT_EQ(wire->get_header_value("Vary"), "Accept-Encoding") << path;
    EXPECT_LT(wire->body.size(), identity->body.size()) << path;
    auto inflated = client->Get(path, with("br, gzip, deflate"));  // httplib inflates it
    ASSERT_TRUE(inflated && inflated->status == 200) << path;
    if (metrics) {  // its counters move with every request
      EXPECT_TRUE(absl::StartsWith(inflated->body, "# HELP")) << inflated->body.substr(0, 100);
    } else {
      EXPECT_EQ(inflated->body, identity->body) << path;
    }
  }
  // A gzipped body has its own ETag, and either ETag of the head revalidates.
  auto gzipped = raw->Get("/v1/balances", [&] {
    httplib::Headers headers = As("reader");
    headers.emplace("Accept-Encoding", "gzip");
    return headers;
  }());
  ASSERT_TRUE(gzipped && gzipped->status == 200);
  const std::string head = Client()->Get("/healthz")->body;
  const std::string seq = head.substr(head.find("head_seq\":\"") + 11);
  EXPECT_EQ(gzipped->get_header_value("ETag"),
            absl::StrCat("\"", seq.substr(0, seq.find('"')), "-gzip\""));
  for (const std::string& etag : {gzipped->get_header_value("ETag"),
                                  absl::StrCat("\"", seq.substr(0, seq.find('"')), "\"")}) {
    httplib::Headers conditional = As("reader");
    conditional.emplace("If-None-Match", etag);
    conditional.emplace("Accept-Encoding", "gzip");
    EXPECT_EQ(raw->Get("/v1/balances", conditional)->status, 304) << etag;
  }
}

TEST_F(ServerTest, SigtermDuringLoadLosesNoAcknowledgedEvent) {
  StartServer();
  std::mutex acknowledged_mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto client = Client();
      for (int i = 0; i < 2000 && !stop; ++i) {
        const std::string id = absl::StrCat("k-", t, "-", i);
        auto response = client->Post("/v1/events", As("appender"), Sale(id, "621100", 1), "application/json");
        if (!response) break;
        if (response->status == 201) {
          std::lock_guard<std::mutex> lock(acknowledged_mutex);
          acknowledged.push_back(id);
        }
      }
    });
  }
  while (true) {
    std::lock_guard<std::mutex> lock(acknowledged_mutex);
    if (acknowledged.size() >= 100) break;
  }
  EXPECT_EQ(server_->Stop(SIGTERM), 0) << server_->output();
  stop = true;
  for (std::thread& thread : threads) thread.join();
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(db_, {.read_only = true});
  ASSERT_THAT(ledger, IsOk());
  EXPECT_THAT((*ledger)->Verify({}), IsOk());
  for (const std::string& id : acknowledged) {
    absl::StatusOr<std::optional<StoredEvent>> found = (*ledger)->FindByEventId(id);
    ASSERT_TRUE(found.ok() && found->has_value()) << id << " was acknowledged but is missing";
  }
}

TEST_F(ServerTest, MetricsParseAsPrometheusText) {
  StartServer();
  auto client = Client();
  client->Post("/v1/events", As("appender"), Sale("p-1", "621100", 5), "application/json");
  client->Post("/v1/events", As("appender"), Sale("p-2", "999999", 5), "application/json");
  ASSERT_EQ(client->Get("/v1/balances", As("reader"))->status, 200);
  auto metrics = client->Get("/metrics", As("reader"));
  ASSERT_EQ(metrics->status, 200);
  EXPECT_THAT(metrics->get_header_value("Content-Type"), ::testing::StartsWith("text/plain"));
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (-?[0-9.e+-]+|\+Inf)$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  int samples = 0;
  for (absl::string_view line : absl::StrSplit(metrics->body, '\n', absl::SkipEmpty())) {
    const std::string text(line);
    if (text[0] == '#') {
      EXPECT_TRUE(std::regex_match(text, comment)) << text;
    } else {
      EXPECT_TRUE(std::regex_match(text, sample)) << text;
      ++samples;
    }
  }
  EXPECT_GT(samples, 20);
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("aidledger_head_sequence 6\n"));
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("aidledger_rejections_total{reason=\"REGION_NOT_FOUND\"} 1\n"));
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("aidledger_region_sales_fen{region=\"620000\"} 5\n"));
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("aidledger_http_request_duration_seconds_bucket{route=\"/v1/events POST\",le=\"+Inf\"} 2\n"));
  // A handler that sets no status answered 200, and is counted so.
  EXPECT_THAT(metrics->body, ::testing::HasSubstr("aidledger_http_requests_total{route=\"/v1/balances\",status=\"200\"} 1\n"));
}

TEST_F(ServerTest, TheCliReadsBesideTheServerButAppendsThroughIt) {
  StartServer();
  testing::RunResult write = Run({"sale", "--region", "621100", "--amount", "1"});
  EXPECT_EQ(write.exit_code, 5);
  EXPECT_THAT(write.err, ::testing::HasSubstr("held by `aidledger serve`"));
  EXPECT_THAT(write.err, ::testing::HasSubstr("POST /v1/events"));
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"log"}, {"balances"}, {"projects"}, {"helpers"}, {"verify"}, {"digest"}, {"replay"}}) {
    testing::RunResult read = Run(args);
    EXPECT_EQ(read.exit_code, 0) << args[0] << ": " << read.err;
  }
}

// A server that goes idle after appending 1 MiB or more flushes its
// memtables, so that the CLI's read-only opens beside it replay no log.
TEST_F(ServerTest, AnIdleServerFlushesWhatItAppended) {
  StartServer();
  std::unique_ptr<httplib::Client> client = Client();
  constexpr int kRequests = 8;  // of 1,000 sales each: about 2 MB written
  for (int request = 0; request < kRequests; ++request) {
    std::string body = "[";
    for (int i = 0; i < 1000; ++i) {
      if (i > 0) body += ",";
      body += Sale(absl::StrCat("idle-", request, "-", i), "621102", 100);
    }
    body += "]";
    httplib::Result posted = client->Post("/v1/events", As("appender"), body, "application/json");
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 201) << posted->body.substr(0, 200);
  }
  // Nothing was flushed while appends kept coming.
  EXPECT_GT(testing::WalBytes(db_), uint64_t{1} << 20);
  constexpr uint64_t kFlushedLog = 64 << 10;
  for (int waited = 0; waited < 100 && testing::WalBytes(db_) > kFlushedLog; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // at most 10 s in all
  }
  EXPECT_LE(testing::WalBytes(db_), kFlushedLog);
  testing::RunResult verify = Run({"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, ::testing::HasSubstr(absl::StrCat("verified ", 5 + kRequests * 1000)));
}

TEST_F(ServerTest, ItRefusesToStartWithoutTokensUnlessLocal) {
  testing::RunResult no_tokens = RunAidledger({"serve", "--db", db_, "--listen", "127.0.0.1:0"}, dir_.path());
  EXPECT_EQ(no_tokens.exit_code, 2);
  EXPECT_THAT(no_tokens.err, ::testing::HasSubstr("--tokens"));
  testing::RunResult wide = RunAidledger({"serve", "--db", db_, "--listen", "0.0.0.0:0", "--insecure-local"}, dir_.path());
  EXPECT_EQ(wide.exit_code, 2);
  EXPECT_THAT(wide.err, ::testing::HasSubstr("loopback"));
  ServerProcess local({"--db", db_, "--insecure-local"}, dir_.path());
  ASSERT_GT(local.port(), 0) << local.output();
  httplib::Client client("127.0.0.1", local.port());
  EXPECT_EQ(client.Post("/v1/events", Sale("l-1", "621100", 1), "application/json")->status, 201);
  EXPECT_EQ(local.Stop(SIGINT), 0);
}

// Issue 25: GET /v1/evidence/SHA256 streams a stored file to auditors, its
// last bytes sent only once every byte hashed to its name: an altered file
// ends short of its Content-Length, never a whole-looking wrong body.
TEST_F(ServerTest, TheEvidenceRouteStreamsAStoredFileToAuditorsChecked) {
  const uint64_t seed = testing::TestSeed(20261203);
  std::mt19937_64 random(seed);
  std::string contract(5 * limits::kEvidenceChunkBytes / 2, '\0');
  for (char& byte : contract) byte = static_cast<char>(random() & 0xff);
  const std::string altered_copy = contract + "!";  // another file, to alter
  const std::vector<std::pair<std::string, const std::string*>> files = {
      {"contract.pdf", &contract}, {"other.pdf", &altered_copy}};
  for (const auto& [name, bytes] : files) {
    std::ofstream(dir_.Sub(name), std::ios::binary) << *bytes;
    testing::RunResult stored = Run({"evidence", "add", "--store", dir_.Sub(name)});
    ASSERT_EQ(stored.exit_code, 0) << stored.err;
  }
  const Hash sha256 = Sha256({contract});
  const Hash other = Sha256({altered_copy});
  std::string chunk = altered_copy.substr(limits::kEvidenceChunkBytes, limits::kEvidenceChunkBytes);
  chunk[7] ^= 1;
  ASSERT_THAT(testing::RocksDbPut(db_, "evidence", internal::EvidenceChunkKey(other, 1), chunk),
              testing::IsOk());
  StartServer();
  auto client = Client();
  const std::string path = absl::StrCat("/v1/evidence/", Hex(sha256));
  auto got = client->Get(path, As("auditor"));
  ASSERT_TRUE(got);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/octet-stream");
  EXPECT_EQ(got->get_header_value("Content-Length"), absl::StrCat(contract.size()));
  EXPECT_TRUE(got->body == contract);
  httplib::Headers again = As("auditor");
  again.emplace("If-None-Match", got->get_header_value("ETag"));
  EXPECT_EQ(client->Get(path, again)->status, 304);
  EXPECT_EQ(client->Get(path, As("reader"))->status, 403);
  EXPECT_EQ(client->Get(absl::StrCat("/v1/evidence/", std::string(64, 'e')), As("auditor"))->status,
            404);
  EXPECT_EQ(client->Get("/v1/evidence/not-a-hash", As("auditor"))->status, 400);
  auto cut = Client()->Get(absl::StrCat("/v1/evidence/", Hex(other)), As("auditor"));
  EXPECT_TRUE(!cut || cut->body.size() < altered_copy.size())
      << "an altered file came whole: " << (cut ? cut->body.size() : 0) << " bytes";
  // The server goes on serving.
  EXPECT_EQ(Client()->Get(path, As("auditor"))->status, 200);
}

}  // namespace
}  // namespace aidledger
