// `aidledger serve` over HTTPS (issue 27): certificates made by
// tools/pilot-certs (the openssl command) in the test's directory; curl,
// `openssl s_client` and cpp-httplib's TLS client as the clients.
#include <signal.h>
#include <sys/stat.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/server/raw_http.h"
#include "tests/server/server_fixture.h"

namespace aidledger {
namespace {

struct ShellResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` with bash, bounded by `timeout` 10 (every command here
// talks to a local server that answers at once or not at all).
ShellResult Shell(const std::string& command) {
  const std::string bounded = absl::StrCat("timeout 10 bash -c '", command, "' 2>&1");
  ShellResult result;
  FILE* pipe = popen(bounded.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk;
  size_t read = 0;
  while ((read = fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.output.append(chunk.data(), read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class ServerTlsTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    MakeCerts(certs_, "appender-1 reader-1");
  }
  static void MakeCerts(const std::string& dir, const std::string& clients) {
    ShellResult made = Shell(absl::StrCat(AIDLEDGER_SOURCE_DIR, "/tools/pilot-certs ", dir,
                                          " 127.0.0.1 ", clients));
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }
  std::vector<std::string> TlsArgs() const {
    return {"--tls-cert", certs_ + "/server.pem", "--tls-key", certs_ + "/server.key"};
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("https://127.0.0.1:", server_->port(), path);
  }
  // curl with `options`, trusting the test CA; -f: an HTTP error is exit 22.
  ShellResult Curl(const std::string& options, const std::string& path) const {
    return Shell(absl::StrCat("curl -sS --cacert ", certs_, "/ca.pem ", options, " ", Url(path)));
  }
  // The serial number of the certificate a new connection is shown.
  std::string ServedSerial() const {
    return std::string(absl::StripAsciiWhitespace(
        Shell(absl::StrCat("openssl s_client -connect 127.0.0.1:", server_->port(), " -CAfile ",
                           certs_, "/ca.pem -verify_return_error </dev/null 2>/dev/null",
                           " | openssl x509 -noout -serial"))
            .output));
  }
  std::string FileSerial() const {
    return std::string(absl::StripAsciiWhitespace(
        Shell(absl::StrCat("openssl x509 -noout -serial -in ", certs_, "/server.pem")).output));
  }
  std::unique_ptr<httplib::SSLClient> TlsClient() const {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    client->set_ca_cert_path((certs_ + "/ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_read_timeout(10, 0);
    return client;
  }
  // Waits (at most 5 s) for the server to print `text`.
  bool ServerSays(const std::string& text) const {
    for (int step = 0; step < 200; ++step) {
      if (server_->output().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  std::string certs_ = dir_.Sub("certs");
};

TEST_F(ServerTlsTest, HttpsWorksWithTheCaOnlyAndOnlyOverTls12And13) {
  StartServer(TlsArgs());
  EXPECT_THAT(server_->output(), ::testing::HasSubstr("listening on https://127.0.0.1:"));
  ShellResult ok = Curl("-i", "/healthz");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_THAT(ok.output, ::testing::HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(ok.output, ::testing::HasSubstr("Strict-Transport-Security: max-age=31536000"));
  EXPECT_EQ(Curl("--tlsv1.2 --tls-max 1.2", "/healthz").exit_code, 0);
  EXPECT_EQ(Curl("--tlsv1.3", "/healthz").exit_code, 0);
  // curl's exit 35 is a failed handshake; 60 a certificate it cannot verify.
  EXPECT_EQ(Curl("--tlsv1.1 --tls-max 1.1", "/healthz").exit_code, 35);
  EXPECT_EQ(Curl("--tlsv1.0 --tls-max 1.0", "/healthz").exit_code, 35);
  EXPECT_EQ(Shell("curl -sS " + Url("/healthz")).exit_code, 60);

  // The product's own test client, with a token.
  httplib::Result balances = TlsClient()->Get("/v1/balances", As("reader"));
  ASSERT_TRUE(balances) << httplib::to_string(balances.error());
  EXPECT_EQ(balances->status, 200);
  EXPECT_THAT(balances->body, ::testing::HasSubstr("621100"));

  // Plain HTTP to the TLS port: no handshake, so no HTTP response at all.
  testing::RawResponse plain = testing::RawExchange(
      server_->port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(5));
  EXPECT_EQ(plain.status, 0);
  EXPECT_EQ(plain.body, "");
}

// Under TLS the browser's session cookie is Secure (never sent over plain
// HTTP), and the login page comes with HSTS.
TEST_F(ServerTlsTest, TheSessionCookieIsSecureUnderTls) {
  StartServer(TlsArgs());
  httplib::Result login = TlsClient()->Post("/login", "token=" + token_["reader"],
                                            "application/x-www-form-urlencoded");
  ASSERT_TRUE(login) << httplib::to_string(login.error());
  EXPECT_EQ(login->status, 303);
  EXPECT_THAT(login->get_header_value("Set-Cookie"),
              ::testing::MatchesRegex("aidledger_session=[0-9a-f]{64}; Path=/; Max-Age=28800; "
                                      "HttpOnly; SameSite=Strict; Secure"));
  EXPECT_THAT(login->get_header_value("Strict-Transport-Security"),
              ::testing::HasSubstr("max-age="));
  const std::string cookie = login->get_header_value("Set-Cookie");
  httplib::Result page =
      TlsClient()->Get("/", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
}

TEST_F(ServerTlsTest, MutualTlsTakesTheCertificatesNameForAToken) {
  std::vector<std::string> args = TlsArgs();
  args.insert(args.end(), {"--tls-client-ca", certs_ + "/ca.pem"});
  StartServer(args);
  const std::string as_appender =
      absl::StrCat("--cert ", certs_, "/appender-1.pem --key ", certs_, "/appender-1.key");
  const std::string post = absl::StrCat("-H \"Content-Type: application/json\" --data-binary ",
                                        "\"{\\\"event_id\\\":\\\"m-1\\\",\\\"effective_date\\\":",
                                        "\\\"2022-01-01\\\",\\\"sale_recorded\\\":{\\\"region_code",
                                        "\\\":\\\"621100\\\",\\\"amount_fen\\\":\\\"500\\\"}}\"");
  // The certificate of appender-1 appends, without a token, as appender-1.
  ShellResult appended = Curl(absl::StrCat("-i ", as_appender, " ", post), "/v1/events");
  ASSERT_EQ(appended.exit_code, 0) << appended.output;
  EXPECT_THAT(appended.output, ::testing::HasSubstr("HTTP/1.1 201"));
  // reader-1's certificate has reader-1's role.
  ShellResult read_only = Curl(absl::StrCat("-i --cert ", certs_, "/reader-1.pem --key ", certs_,
                                            "/reader-1.key ", post), "/v1/events");
  EXPECT_THAT(read_only.output, ::testing::HasSubstr("HTTP/1.1 403"));
  EXPECT_THAT(read_only.output, ::testing::HasSubstr("reader-1 is a reader"));
  // A token of another holder than the certificate names is refused.
  ShellResult mixed = Curl(absl::StrCat("-i ", as_appender, " -H \"Authorization: Bearer ",
                                        token_["reader"], "\""), "/v1/balances");
  EXPECT_THAT(mixed.output, ::testing::HasSubstr("HTTP/1.1 401"));
  EXPECT_THAT(mixed.output,
              ::testing::HasSubstr("the token belongs to reader-1 but the client certificate names appender-1"));
  // No certificate, or one from another CA: the handshake fails.
  EXPECT_NE(Curl("", "/healthz").exit_code, 0);
  const std::string other = dir_.Sub("other-ca");
  MakeCerts(other, "appender-1");
  ShellResult foreign = Curl(
      absl::StrCat("--cert ", other, "/appender-1.pem --key ", other, "/appender-1.key"), "/healthz");
  EXPECT_NE(foreign.exit_code, 0);
  EXPECT_THAT(foreign.output, ::testing::Not(::testing::HasSubstr("status")));

  server_.reset();
  testing::RunResult replay = Run({"replay", "--format", "jsonl"});
  EXPECT_THAT(replay.out, ::testing::HasSubstr("\"actor\":\"appender-1\""));
}

TEST_F(ServerTlsTest, AKeyOthersMayReadOrThatDoesNotMatchIsRefused) {
  ASSERT_EQ(::chmod((certs_ + "/server.key").c_str(), 0640), 0);
  std::vector<std::string> args = {"serve", "--db", db_, "--tokens", tokens_, "--listen", "127.0.0.1:0"};
  std::vector<std::string> tls = TlsArgs();
  args.insert(args.end(), tls.begin(), tls.end());
  testing::RunResult readable = testing::RunAidledger(args, dir_.path());
  EXPECT_EQ(readable.exit_code, 2);
  EXPECT_THAT(readable.err, ::testing::HasSubstr("(mode 0640): chmod 600 it"));
  ASSERT_EQ(::chmod((certs_ + "/server.key").c_str(), 0600), 0);
  ASSERT_EQ(::rename((certs_ + "/appender-1.key").c_str(), (certs_ + "/server.key").c_str()), 0);
  testing::RunResult mismatched = testing::RunAidledger(args, dir_.path());
  EXPECT_EQ(mismatched.exit_code, 2);
  EXPECT_THAT(mismatched.err, ::testing::HasSubstr("does not match the certificate"));
}

TEST_F(ServerTlsTest, SighupSwapsTheCertificateForNewConnections) {
  StartServer(TlsArgs());
  const std::string first = ServedSerial();
  ASSERT_THAT(first, ::testing::StartsWith("serial="));
  EXPECT_EQ(first, FileSerial());
  std::unique_ptr<httplib::SSLClient> open = TlsClient();
  open->set_keep_alive(true);
  ASSERT_EQ(open->Get("/healthz")->status, 200);

  MakeCerts(certs_, "");  // the same CA, a new server certificate and key
  const std::string second = FileSerial();
  ASSERT_NE(second, first);
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(ServerSays("reloaded the TLS certificate and key")) << server_->output();
  EXPECT_EQ(ServedSerial(), second);
  httplib::Result again = open->Get("/healthz");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  // A reload that fails keeps what was served.
  ASSERT_EQ(::chmod((certs_ + "/server.key").c_str(), 0644), 0);
  ASSERT_EQ(::kill(server_->pid(), SIGHUP), 0);
  ASSERT_TRUE(ServerSays("TLS reload failed, still serving")) << server_->output();
  EXPECT_EQ(ServedSerial(), second);
}

TEST_F(ServerTlsTest, PlainHttpOffLoopbackNeedsToBeAskedFor) {
  for (const char* flag : {"", "--insecure-plain-http"}) {
    std::vector<std::string> args = {"--db", db_, "--tokens", tokens_, "--metrics-listen", "0.0.0.0:0"};
    if (*flag != '\0') args.push_back(flag);
    testing::ServerProcess wide(args, dir_.path());
    if (*flag == '\0') {
      EXPECT_EQ(wide.port(), 0);
      EXPECT_THAT(wide.output(), ::testing::HasSubstr(
                                     "refusing plain HTTP on 0.0.0.0: tokens and figures would "
                                     "cross the network in clear text"));
    } else {
      EXPECT_GT(wide.port(), 0) << wide.output();
      EXPECT_EQ(wide.Stop(SIGTERM), 0);
    }
  }
}

}  // namespace
}  // namespace aidledger
