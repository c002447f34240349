// POST /v1/events: one event or a batch, through the group committer.
#include "server/service.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "aidledger/v1/cli.pb.h"
#include "server/gzip.h"
#include "app/export.h"
#include "app/import.h"
#include "server/metrics.h"
#include "app/output.h"
#include "app/possible_duplicate.h"
#include "app/queries.h"
#include "app/status_codes.h"
#include "server/tokens.h"
#include "google/protobuf/util/json_util.h"
#include "base/errors.h"
#include "base/messages.h"
#include "ledger/ledger.h"
#include "base/limits.h"
#include "ledger/audit/merkle.h"
#include "base/status_macros.h"
#include "state/reports.h"
#include "server/http/json_text.h"
#include "server/http/limits.h"
#include "server/http/server.h"
#include "server/limits.h"
#include "ledger/group_commit.h"

namespace aidledger::app::serving {

using namespace serve_limits;  // NOLINT: the service they bound

absl::StatusOr<std::vector<v1::Event>> ParseBody(const std::string& body) {
  absl::string_view text = absl::StripAsciiWhitespace(body);
  std::vector<v1::Event> drafts;
  if (absl::StartsWith(text, "[")) {
    // A batch: each top-level object of the array is one event, parsed as an
    // import JSONL row is. Strings are skipped so braces in them do not count.
    int depth = 0;
    bool in_string = false;
    size_t start = std::string::npos;
    for (size_t i = 1; i < text.size(); ++i) {
      const char c = text[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        if (depth++ == 0) start = i;
      } else if (c == '}') {
        if (--depth == 0) {
          if (drafts.size() == kRequestEventsMax) {
            return absl::ResourceExhaustedError(
                absl::StrCat("a batch holds at most ", kRequestEventsMax, " events"));
          }
          ASSIGN_OR_RETURN(v1::Event draft, DraftFromJson(text.substr(start, i - start + 1)));
          drafts.push_back(std::move(draft));
        } else if (depth < 0) {
          return absl::InvalidArgumentError("the JSON array is malformed");
        }
      } else if (depth == 0 && c != ',' && c != ']' && !absl::ascii_isspace(c)) {
        return absl::InvalidArgumentError("the JSON array must hold event objects");
      }
    }
    if (depth != 0 || in_string || text.back() != ']') {
      return absl::InvalidArgumentError("the JSON array is malformed");
    }
    if (drafts.empty()) return absl::InvalidArgumentError("the batch is empty");
    return drafts;
  }
  ASSIGN_OR_RETURN(v1::Event draft, DraftFromJson(text));
  drafts.push_back(std::move(draft));
  return drafts;
}

void Service::HandleAppend(const http::Request& request, const Caller& caller,
                           http::Response& response) {
  absl::StatusOr<std::vector<v1::Event>> drafts = ParseBody(request.body);
  if (!drafts.ok()) {
    const bool too_large = drafts.status().code() == absl::StatusCode::kResourceExhausted;
    int status = too_large ? 413 : 400;
    std::optional<v1::RejectReason> reason = RejectReasonOf(drafts.status());
    if (reason.has_value() && *reason != v1::FIELD_INVALID) status = 422;
    const absl::string_view message = drafts.status().message();
    const absl::string_view field =
        status == 422 ? message.substr(0, message.find(':')) : absl::string_view();
    return SendError(request, response, status, message,
                     reason ? v1::RejectReason_Name(*reason) : "", field);
  }
  const bool batch = absl::StartsWith(absl::StripAsciiWhitespace(request.body), "[");
  for (v1::Event& draft : *drafts) draft.set_actor(caller.name);
  if (request.Param("allow_duplicate").value_or("") != "true") {
    size_t index = 0;
    absl::Status checked = CheckNotPossibleDuplicate(
        *ledger_, *drafts,
        Tr("if this is a second one, give it an event_id or post with ?allow_duplicate=true"),
        &index);
    if (!checked.ok()) {
      if (RejectReasonOf(checked) != v1::POSSIBLE_DUPLICATE) {
        return SendError(request, response, HttpStatusFor(checked), checked.message());
      }
      std::string message(checked.message());
      if (batch) message = absl::StrCat("event ", index + 1, " of the batch: ", message);
      return SendError(request, response, HttpStatusFor(checked), message, "POSSIBLE_DUPLICATE",
                       "event_id");
    }
  }
  BeginSpareCopy(std::launch::async);
  absl::StatusOr<std::future<absl::StatusOr<SubmitOutcome>>> queued =
      committer_->Enqueue(*std::move(drafts));
  // A 503 says when to try again; a retry with the same event_id is either
  // appended or a duplicate (200), never a second event.
  const std::string retry_after = absl::StrCat(absl::ToInt64Seconds(absl::FromChrono(kRetryAfter)));
  if (!queued.ok()) {
    response.SetHeader("Retry-After", retry_after);
    return SendError(request, response, 503, "the server is busy or stopping; try again");
  }
  std::future<absl::StatusOr<SubmitOutcome>>& done = *queued;
  if (done.wait_for(kAppendWaitMax) != std::future_status::ready) {
    response.SetHeader("Retry-After", retry_after);
    return SendError(request, response, 503,
                     "the append did not commit in time; retry with the same event_id");
  }
  absl::StatusOr<SubmitOutcome> outcome = done.get();
  if (!outcome.ok()) {
    // The store unreachable (a database restarting or failing over): 503.
    const bool unavailable = absl::IsUnavailable(outcome.status());
    if (unavailable) response.SetHeader("Retry-After", retry_after);
    return SendError(request, response, unavailable ? 503 : 500, outcome.status().message());
  }
  if (!outcome->rejections.empty()) {
    const Rejection& first = outcome->rejections.front();
    const v1::RejectReason reason = *RejectReasonOf(first.status);
    metrics_.CountRejection(v1::RejectReason_Name(reason));
    std::string message(first.status.message());
    if (batch) message = absl::StrCat("event ", first.index + 1, " of the batch: ", message);
    const std::string field = message.substr(0, message.find(':'));
    return SendError(request, response, reason == v1::EVENT_ID_CONFLICT ? 409 : 422, message,
                     v1::RejectReason_Name(reason), batch ? "" : field);
  }
  response.status = outcome->appended > 0 ? 201 : 200;
  if (!batch) {
    SendJson(request, response, ReceiptJson(outcome->results.front()));
    return;
  }
  std::string json = "{\"results\":[";
  for (size_t i = 0; i < outcome->results.size(); ++i) {
    absl::StrAppend(&json, i > 0 ? "," : "", ReceiptJson(outcome->results[i]));
  }
  json += "]}";
  SendJson(request, response, json);
}

}  // namespace aidledger::app::serving
