// The browser's routes: GET /login (the form), POST /login (a token for a
// session cookie), POST /logout, and GET / (the ledger's front page, for a
// session or a bearer token). Pages carry no script of their own and a
// Content-Security-Policy that forbids inline script; every name from the
// ledger is escaped as HTML text.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/strings/strip.h"
#include "server/dashboard/assets.h"
#include "server/gzip.h"
#include "server/http/head.h"
#include "server/limits.h"
#include "server/service.h"
#include "server/sessions.h"

namespace aidledger::app::serving {
namespace {

using namespace serve_limits;  // NOLINT: the service they bound

std::string HtmlText(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"},
                                    {"<", "&lt;"},
                                    {">", "&gt;"},
                                    {"\"", "&quot;"},
                                    {"'", "&#39;"}});
}

// The head every page shares (no script; styles inline are refused by the
// policy too, so the page is plain).
std::string Page(absl::string_view title, absl::string_view body,
                 absl::string_view stylesheet = "") {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                      // No icon: else the browser asks for /favicon.ico.
                      "<link rel=\"icon\" href=\"data:,\"><title>",
                      HtmlText(title), "</title>",
                      stylesheet.empty() ? "" : absl::StrCat("<link rel=\"stylesheet\" href=\"", stylesheet, "\">"),
                      "</head><body>\n", body, "</body></html>\n");
}

// Why a login with its token in the URL is refused (the URL may be logged,
// kept in history, or sent on as a referrer).
constexpr char kTokenInUrl[] = "令牌不能放在网址中 (a token never goes in a URL)";

std::string LoginForm(absl::string_view message) {
  return Page("aidledger · 登录",
              absl::StrCat("<h1>aidledger</h1>\n",
                           message.empty() ? "" : absl::StrCat("<p role=\"alert\">", HtmlText(message), "</p>\n"),
                           "<form method=\"post\" action=\"/login\">\n"
                           "<label>令牌 (token) <input type=\"password\" name=\"token\" "
                           "autocomplete=\"off\" required></label>\n"
                           "<button type=\"submit\">登录</button>\n</form>\n"));
}

void SendPage(http::Response& response, int status, std::string html) {
  response.status = status;
  response.content_type = "text/html; charset=utf-8";
  response.body = std::make_shared<const std::string>(std::move(html));
  response.SetHeader("Cache-Control", "no-store");
}

void Redirect(http::Response& response, absl::string_view to) {
  response.status = 303;
  response.SetHeader("Location", to);
  response.SetHeader("Cache-Control", "no-store");
}

// The session cookie: HttpOnly (no script reads it), SameSite=Strict (no
// other site's page sends it), Secure under TLS; `max_age` 0 ends it.
std::string SessionCookie(absl::string_view id, absl::Duration max_age, bool secure) {
  return absl::StrCat(kSessionCookie, "=", id, "; Path=/; Max-Age=",
                      absl::ToInt64Seconds(max_age), "; HttpOnly; SameSite=Strict",
                      secure ? "; Secure" : "");
}

}  // namespace

void SetPageHeaders(http::Response& response) {
  response.SetHeader("Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                     "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
                     "frame-ancestors 'none'");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("Referrer-Policy", "no-referrer");
  response.SetHeader("X-Frame-Options", "DENY");
}

void Service::HandleLoginForm(const http::Request& request, const Caller& caller,
                              http::Response& response) {
  if (!tokens_.has_value()) return Redirect(response, "/");  // no tokens: nothing to log in to
  if (request.Param("token")) {
    return SendPage(response, 400, LoginForm(kTokenInUrl));
  }
  SendPage(response, 200, LoginForm(""));
}

void Service::HandleLogin(const http::Request& request, const Caller& caller,
                          http::Response& response) {
  if (!tokens_.has_value()) return Redirect(response, "/");
  if (!request.params.empty()) {
    return SendPage(response, 400, LoginForm(kTokenInUrl));
  }
  const absl::string_view type = request.Header("content-type").value_or("");
  if (!absl::StartsWith(type, "application/x-www-form-urlencoded")) {
    return SendPage(response, 415, LoginForm("the login form is application/x-www-form-urlencoded"));
  }
  if (request.body.size() > kLoginFormBytesMax) {
    return SendPage(response, 413, LoginForm(absl::StrCat("the form is larger than ",
                                                          kLoginFormBytesMax, " bytes")));
  }
  std::vector<std::pair<std::string, std::string>> fields;
  absl::Status parsed = http::ParseQuery(request.body, &fields);
  const std::string* token = nullptr;
  for (const auto& [name, value] : fields) {
    if (name == "token") token = &value;
  }
  if (!parsed.ok() || token == nullptr || token->empty()) {
    return SendPage(response, 400, LoginForm("请输入令牌 (the form needs a token)"));
  }
  std::optional<Caller> holder = tokens_->Authenticate(*token);
  if (!holder.has_value()) return SendPage(response, 401, LoginForm("令牌无效 (the token is not valid)"));
  absl::StatusOr<std::string> session = sessions_.Open(*holder, absl::Now());
  if (!session.ok()) return SendPage(response, 503, LoginForm(session.status().message()));
  response.SetHeader("Set-Cookie", SessionCookie(*session, sessions_.lifetime(), request.secure));
  Redirect(response, "/");
}

void Service::HandleLogout(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  if (std::optional<absl::string_view> id =
          CookieValue(request.Header("cookie").value_or(""), kSessionCookie)) {
    sessions_.Close(*id);
  }
  response.SetHeader("Set-Cookie", SessionCookie("", absl::ZeroDuration(), request.secure));
  Redirect(response, tokens_.has_value() ? "/login" : "/");
}

void Service::HandleHome(const http::Request& request, const Caller& caller,
                         http::Response& response) {
  // The page's frame, with the head as the server sees it; the script
  // (server/dashboard/app.js) fills the region tree from /v1/balances.
  std::shared_ptr<const Published> published = Current();
  const v1::Digest& digest = published->digest;
  const std::string ledger = Ledger::ShortName(options_.db);
  std::string body = absl::StrCat(
      "<header><h1>", HtmlText(ledger), "</h1><span id=\"point\">截至 seq ", digest.seq(),
      digest.recorded_at().empty() ? "" : absl::StrCat(" · ", HtmlText(digest.recorded_at().substr(0, 10))),
      digest.head_hash().empty() ? "" : absl::StrCat(" · ", HtmlText(digest.head_hash().substr(0, 16))),
      "</span><span id=\"verified\">验证中…</span></header>\n"
      "<div id=\"controls\"><nav id=\"crumbs\"></nav>"
      "<form id=\"when\"><label>业务日期截至 <input type=\"date\" id=\"as-of\"></label> "
      "<button type=\"submit\">查看</button></form></div>\n"
      "<p id=\"status\" role=\"alert\"></p>\n"
      // The board's panels; on a wide screen (大屏) the tree stands beside
      // the trends and the helpers.
      "<main id=\"board\">\n"
      "<section id=\"regions-panel\"><h2>地区</h2>"
      "<table id=\"tree\"><thead><tr></tr></thead><tbody></tbody></table></section>\n"
      "<section id=\"trends-panel\"><h2 id=\"trend-title\">趋势</h2>"
      "<form id=\"trend-range\"><label>周期 <select id=\"period\"></select></label> "
      "<label>从 <input type=\"month\" id=\"from\"></label> "
      "<label>到 <input type=\"month\" id=\"to\"></label> <button type=\"submit\">更新</button>"
      "</form><p id=\"trend-status\" role=\"status\"></p>"
      "<div id=\"trend-chart\" role=\"img\" aria-label=\"资金趋势图（数据见下表）\"></div>"
      "<details><summary>数据表</summary><table id=\"trend-table\"><thead><tr></tr></thead>"
      "<tbody></tbody></table></details></section>\n"
      "<section id=\"helpers-panel\"><h2>帮扶方（按协作类型）</h2>"
      "<table id=\"helpers\"><thead><tr></tr></thead><tbody></tbody></table></section>\n"
      // The slot of indicators and annual targets (issue 22), shown once
      // the ledger records them.
      "<section id=\"indicators-panel\" hidden><h2>指标与年度目标</h2></section>\n"
      "</main>\n"
      "<noscript><p>这个页面需要 JavaScript；数据也可从下面的 JSON 接口读取。</p></noscript>\n"
      "<footer><p>Merkle root ", HtmlText(digest.merkle_root()), "</p><p>");
  for (const char* path :
       {"/v1/digest", "/v1/balances", "/v1/projects", "/v1/helpers", "/v1/series"}) {
    absl::StrAppend(&body, "<a href=\"", path, "\">", path, "</a> ");
  }
  absl::StrAppend(&body, "</p><p>", HtmlText(caller.name), " · ", RoleName(caller.role),
                  "</p><form method=\"post\" action=\"/logout\"><button type=\"submit\">退出登录"
                  "</button></form><p>图表：Apache ECharts（<a href=\"/assets/echarts-LICENSE.txt\">"
                  "Apache-2.0</a>，<a href=\"/assets/echarts-NOTICE.txt\">NOTICE</a>）</p>"
                  "</footer>\n"
                  "<script type=\"module\" src=\"/assets/app.js\"></script>\n");
  SendPage(response, 200,
           Page(absl::StrCat("aidledger · ", ledger), body, /*stylesheet=*/"/assets/app.css"));
}

void Service::HandleAsset(const http::Request& request, const Caller& caller,
                          http::Response& response) {
  std::optional<dashboard::Asset> asset =
      dashboard::FindAsset(absl::StripPrefix(request.path, "/assets/"));
  if (!asset.has_value()) {
    return SendError(request, response, 404, absl::StrCat("no such path: ", request.path));
  }
  response.SetHeader("Cache-Control", "no-cache");
  if (request.Header("if-none-match") == asset->etag) {
    response.SetHeader("ETag", asset->etag);
    response.status = 304;
    return;
  }
  response.SetHeader("ETag", asset->etag);
  Rendered prepared;
  {
    std::lock_guard<std::mutex> lock(assets_mutex_);
    Rendered& entry = assets_[std::string(asset->name)];
    if (entry.body == nullptr) {
      entry.body = std::make_shared<const std::string>(asset->bytes);
      if (entry.body->size() >= kGzipMinBytes) {
        entry.gzipped = std::make_shared<const std::string>(Gzip(*entry.body));
      }
    }
    prepared = entry;
  }
  Send(request, response, prepared.body, std::string(asset->content_type), prepared.gzipped);
}

}  // namespace aidledger::app::serving
