// A browser's way in: POST /login trades a token for a session cookie that
// reads and never writes; pages carry a strict Content-Security-Policy.
#include <httplib.h>

#include <regex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/audit/merkle.h"
#include "tests/server/server_fixture.h"
#include "tests/testing/testing.h"

namespace aidledger {
namespace {

class ServerLoginTest : public ServerFixture {
 protected:
  // POST /login with the form `body`.
  httplib::Result Login(const std::string& body) {
    return Client()->Post("/login", body, "application/x-www-form-urlencoded");
  }
  // The session a token logs in to: the Cookie header that carries it.
  httplib::Headers SessionOf(const std::string& role) {
    httplib::Result login = Login("token=" + token_[role]);
    EXPECT_TRUE(login);
    if (!login) return {};
    EXPECT_EQ(login->status, 303) << login->body;
    const std::string cookie = login->get_header_value("Set-Cookie");
    std::smatch id;
    EXPECT_TRUE(std::regex_search(cookie, id, std::regex("^aidledger_session=([0-9a-f]{64});")))
        << cookie;
    return {{"Cookie", absl::StrCat("theme=dark; aidledger_session=", id[1].str())}};
  }
};

TEST_F(ServerLoginTest, ATokenBuysASessionCookieThatReadsAndNeverWrites) {
  StartServer();
  auto client = Client();
  // No session: to the form, which asks for a field named token, by POST.
  httplib::Result home = client->Get("/");
  ASSERT_TRUE(home);
  EXPECT_EQ(home->status, 303);
  EXPECT_EQ(home->get_header_value("Location"), "/login");
  httplib::Result form = client->Get("/login");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_THAT(form->get_header_value("Content-Type"), ::testing::StartsWith("text/html"));
  EXPECT_THAT(form->body, ::testing::HasSubstr("<form method=\"post\" action=\"/login\">"));
  EXPECT_THAT(form->body, ::testing::HasSubstr("name=\"token\""));
  const std::string policy = form->get_header_value("Content-Security-Policy");
  EXPECT_THAT(policy, ::testing::HasSubstr("script-src 'self'"));
  EXPECT_THAT(policy, ::testing::HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(policy, ::testing::Not(::testing::HasSubstr("unsafe")));
  EXPECT_EQ(form->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(form->get_header_value("Referrer-Policy"), "no-referrer");

  // A wrong token, none, or one in the URL: no cookie.
  for (const auto& [body, status] : std::vector<std::pair<std::string, int>>{
           {"token=not-a-token", 401}, {"token=", 400}, {"other=1", 400}}) {
    httplib::Result refused = Login(body);
    ASSERT_TRUE(refused) << body;
    EXPECT_EQ(refused->status, status) << body;
    EXPECT_FALSE(refused->has_header("Set-Cookie")) << body;
  }
  httplib::Result in_url = client->Post("/login?token=" + token_["reader"], "",
                                        "application/x-www-form-urlencoded");
  EXPECT_EQ(in_url->status, 400);
  EXPECT_FALSE(in_url->has_header("Set-Cookie"));
  EXPECT_EQ(client->Get("/login?token=" + token_["reader"])->status, 400);

  // The cookie: HttpOnly, SameSite=Strict, for the whole site, with an end;
  // not Secure over plain HTTP (loopback), where a browser would drop it.
  httplib::Result login = Login("token=" + token_["reader"]);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 303);
  EXPECT_EQ(login->get_header_value("Location"), "/");
  EXPECT_THAT(login->get_header_value("Set-Cookie"),
              ::testing::MatchesRegex("aidledger_session=[0-9a-f]{64}; Path=/; Max-Age=28800; "
                                      "HttpOnly; SameSite=Strict"));

  const httplib::Headers reader = SessionOf("reader");
  httplib::Result page = client->Get("/", reader);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200) << page->body;
  EXPECT_THAT(page->body, ::testing::HasSubstr("截至 seq 5"));
  EXPECT_THAT(page->body, ::testing::HasSubstr("reader-1"));
  EXPECT_EQ(client->Get("/v1/balances", reader)->status, 200);
  EXPECT_EQ(client->Get("/v1/digest", reader)->status, 200);

  // Even an appender's token gives a session that reads only.
  const httplib::Headers appender = SessionOf("appender");
  httplib::Result write = client->Post("/v1/events", appender, Sale("web-1", "621100", 1),
                                       "application/json");
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 403);
  EXPECT_THAT(write->body, ::testing::HasSubstr("appender-1 is a reader"));
  EXPECT_EQ(client->Get("/v1/events", SessionOf("auditor"))->status, 403);

  // Logging out ends the session, and asks the browser to drop the cookie.
  httplib::Result out = client->Post("/logout", reader, "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 303);
  EXPECT_EQ(out->get_header_value("Location"), "/login");
  EXPECT_THAT(out->get_header_value("Set-Cookie"), ::testing::HasSubstr("Max-Age=0"));
  httplib::Result after = client->Get("/v1/balances", reader);
  EXPECT_EQ(after->status, 401);
  EXPECT_THAT(after->body, ::testing::HasSubstr("the session has ended"));
  EXPECT_EQ(client->Get("/", reader)->get_header_value("Location"), "/login");
  // A made-up session is no session.
  httplib::Headers forged = {{"Cookie", "aidledger_session=" + std::string(64, 'a')}};
  EXPECT_EQ(client->Get("/v1/balances", forged)->status, 401);
  // The appender's token still writes through the API.
  EXPECT_EQ(client->Post("/v1/events", As("appender"), Sale("api-1", "621100", 1),
                         "application/json")->status, 201);
}

TEST_F(ServerLoginTest, ASessionEndsAtItsLifetime) {
  StartServer({"--session-lifetime", "2s"});
  const httplib::Headers reader = SessionOf("reader");
  EXPECT_EQ(Client()->Get("/v1/balances", reader)->status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Client()->Get("/v1/balances", reader)->status, 401);
  std::unique_ptr<testing::ServerProcess> bad = NewServer({"--session-lifetime", "forever"});
  EXPECT_EQ(bad->port(), 0);
  EXPECT_THAT(bad->output(), ::testing::HasSubstr("--session-lifetime must be a duration"));
}

// The dashboard's files come from the binary itself, to anyone (they are
// code, not data), revalidated by ETag; the page loads them from its own
// origin only.
TEST_F(ServerLoginTest, TheDashboardsFilesAreServedFromTheBinary) {
  StartServer();
  auto client = Client();
  httplib::Result script = client->Get("/assets/app.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(script->body, ::testing::HasSubstr("export function wanYuan(fen)"));
  const std::string etag = script->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(client->Get("/assets/app.js", {{"If-None-Match", etag}})->status, 304);
  httplib::Result style = client->Get("/assets/app.css");
  EXPECT_EQ(style->status, 200);
  EXPECT_EQ(style->get_header_value("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(client->Get("/assets/none.js")->status, 404);
  EXPECT_EQ(client->Get("/assets/../v1/balances")->status, 404);
  EXPECT_EQ(client->Post("/assets/app.js", "", "text/plain")->status, 405);
  httplib::Result page = client->Get("/", SessionOf("reader"));
  ASSERT_EQ(page->status, 200);
  EXPECT_THAT(page->body, ::testing::HasSubstr("<script type=\"module\" src=\"/assets/app.js\">"));
  EXPECT_THAT(page->body, ::testing::HasSubstr("<link rel=\"stylesheet\" href=\"/assets/app.css\">"));
  EXPECT_THAT(page->body, ::testing::Not(::testing::HasSubstr("http://")));
  EXPECT_THAT(page->body, ::testing::Not(::testing::HasSubstr("https://")));
}

// The field `name` of a flat JSON object of strings (and one array).
std::string Field(const std::string& json, const std::string& name) {
  std::smatch value;
  const std::regex pattern("\"" + name + "\":\"([^\"]*)\"");
  return std::regex_search(json, value, pattern) ? value[1].str() : "";
}

// A reader gets the head event's audit path (hashes only) in the digest's
// Merkle root, as every commit leaves it; it verifies by RFC 6962 and is
// the path an auditor's /v1/proof gives for the head.
TEST_F(ServerLoginTest, TheHeadProofVerifiesAtEveryHead) {
  StartServer();
  auto client = Client();
  for (int appended = 0; appended <= 12; ++appended) {
    if (appended > 0) {
      ASSERT_EQ(client->Post("/v1/events", As("appender"),
                             Sale(absl::StrCat("h-", appended), "621100", appended),
                             "application/json")->status, 201);
    }
    httplib::Result proof = client->Get("/v1/head-proof", As("reader"));
    ASSERT_TRUE(proof);
    ASSERT_EQ(proof->status, 200) << proof->body;
    const std::string digest = client->Get("/v1/digest", As("reader"))->body;
    const uint64_t seq = 5 + appended;
    EXPECT_EQ(Field(proof->body, "seq"), absl::StrCat(seq));
    EXPECT_EQ(Field(proof->body, "merkle_root"), Field(digest, "merkle_root"));
    EXPECT_EQ(Field(proof->body, "head_hash"), Field(digest, "head_hash"));
    EXPECT_THAT(proof->body, ::testing::Not(::testing::HasSubstr("event")));
    std::vector<Hash> path;
    std::smatch list;
    ASSERT_TRUE(std::regex_search(proof->body, list, std::regex("\"audit_path\":\\[([^\\]]*)\\]")));
    for (absl::string_view item : absl::StrSplit(list[1].str(), ',', absl::SkipEmpty())) {
      absl::StatusOr<Hash> hash = HashFromHex(absl::StripPrefix(absl::StripSuffix(item, "\""), "\""));
      ASSERT_TRUE(hash.ok()) << item;
      path.push_back(*hash);
    }
    absl::StatusOr<Hash> head = HashFromHex(Field(proof->body, "head_hash"));
    absl::StatusOr<Hash> root = HashFromHex(Field(proof->body, "merkle_root"));
    ASSERT_TRUE(head.ok() && root.ok());
    EXPECT_EQ(Field(proof->body, "leaf_hash"), Hex(MerkleLeafHash(*head)));
    EXPECT_THAT(VerifyInclusion(seq - 1, seq, MerkleLeafHash(*head), path, *root), testing::IsOk())
        << "at seq " << seq;
    // The auditor's proof of the head carries the same path.
    httplib::Result full = client->Get(absl::StrCat("/v1/proof?seq=", seq), As("auditor"));
    std::string joined;
    for (const Hash& hash : path) absl::StrAppend(&joined, joined.empty() ? "" : "\",\"", Hex(hash));
    if (!path.empty()) EXPECT_THAT(full->body, ::testing::HasSubstr(joined)) << seq;
  }
  EXPECT_EQ(client->Get("/v1/head-proof")->status, 401);
}

// A ledger whose name is markup: the page shows it as text.
class ServerLoginMarkupTest : public ServerLoginTest {
 protected:
  ServerLoginMarkupTest() { db_ = dir_.Sub("<img src=x onerror=alert(1)>"); }
};

TEST_F(ServerLoginMarkupTest, NamesOnAPageAreTextNeverMarkup) {
  StartServer();
  httplib::Result page = Client()->Get("/", SessionOf("reader"));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_THAT(page->body, ::testing::HasSubstr("&lt;img src=x onerror=alert(1)&gt;"));
  EXPECT_THAT(page->body, ::testing::Not(::testing::HasSubstr("<img")));
}

}  // namespace
}  // namespace aidledger
