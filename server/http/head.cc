#include "server/http/head.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/http/limits.h"

namespace aidledger::http {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `text` ('+' is a space, as in forms and query strings).
absl::StatusOr<std::string> Decode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int high = i + 2 < text.size() ? HexDigit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
      if (i + 2 >= text.size() || high < 0 || low < 0) {
        return absl::InvalidArgumentError("the query holds a malformed %-escape");
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    }
  }
  return out;
}

bool AllDigits(absl::string_view text) {
  if (text.empty() || text.size() > 19) return false;  // 19 digits fit in uint64
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

HeadError Refuse(int status, std::string message) { return HeadError{status, std::move(message)}; }

}  // namespace

absl::Status SplitTarget(absl::string_view target, std::string* path,
                         std::vector<std::pair<std::string, std::string>>* params) {
  if (!absl::StartsWith(target, "/")) {
    return absl::InvalidArgumentError("the request target must be a path starting with /");
  }
  const size_t question = target.find('?');
  *path = std::string(target.substr(0, question));
  params->clear();
  if (question == absl::string_view::npos) return absl::OkStatus();
  return ParseQuery(target.substr(question + 1), params);
}

absl::Status ParseQuery(absl::string_view query,
                        std::vector<std::pair<std::string, std::string>>* params) {
  params->clear();
  while (!query.empty()) {
    const size_t amp = query.find('&');
    absl::string_view pair = query.substr(0, amp);
    query = amp == absl::string_view::npos ? absl::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    if (params->size() == limits::kQueryParamsMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("the query holds more than ", limits::kQueryParamsMax, " parameters"));
    }
    const size_t equals = pair.find('=');
    absl::StatusOr<std::string> name = Decode(pair.substr(0, equals));
    if (!name.ok()) return name.status();
    absl::StatusOr<std::string> value =
        Decode(equals == absl::string_view::npos ? "" : pair.substr(equals + 1));
    if (!value.ok()) return value.status();
    for (const auto& [existing, unused] : *params) {
      if (existing == *name) {
        return absl::InvalidArgumentError("a query parameter is given more than once");
      }
    }
    params->emplace_back(*std::move(name), *std::move(value));
  }
  return absl::OkStatus();
}

std::variant<Request, HeadError> CheckHead(const RawHead& head) {
  if (head.version != 10 && head.version != 11) {
    return Refuse(505, "only HTTP/1.0 and HTTP/1.1 are served");
  }
  if (head.target.size() > limits::kTargetBytesMax) {
    return Refuse(414, absl::StrCat("the request target exceeds ", limits::kTargetBytesMax, " bytes"));
  }
  if (head.fields.size() > limits::kHeaderFieldsMax) {
    return Refuse(431, absl::StrCat("a request holds at most ", limits::kHeaderFieldsMax,
                                    " header fields"));
  }
  Request request;
  request.method = std::string(head.method);
  int content_lengths = 0, transfer_encodings = 0, hosts = 0, authorizations = 0;
  for (const auto& [name, value] : head.fields) {
    std::string lower = absl::AsciiStrToLower(name);
    if (lower == "content-length") {
      if (++content_lengths > 1 || !AllDigits(value)) {
        return Refuse(400, "Content-Length must be given once, as digits only");
      }
      // "00" announces no body as "0" does: any digit but 0 announces one.
      request.has_body = request.has_body || value.find_first_not_of('0') != absl::string_view::npos;
    } else if (lower == "transfer-encoding") {
      if (++transfer_encodings > 1 || !absl::EqualsIgnoreCase(value, "chunked")) {
        return Refuse(400, "Transfer-Encoding must be given once, as \"chunked\" only");
      }
      request.has_body = true;
    } else if (lower == "host") {
      ++hosts;
    } else if (lower == "authorization") {
      ++authorizations;
    }
    request.headers.emplace_back(std::move(lower), std::string(value));
  }
  if (content_lengths > 0 && transfer_encodings > 0) {
    return Refuse(400, "Content-Length and Transfer-Encoding must not both be given");
  }
  if (hosts > 1 || (head.version == 11 && hosts == 0)) {
    return Refuse(400, "an HTTP/1.1 request carries exactly one Host field");
  }
  if (authorizations > 1) return Refuse(400, "a request carries at most one Authorization field");
  if (absl::Status split = SplitTarget(head.target, &request.path, &request.params); !split.ok()) {
    return Refuse(400, std::string(split.message()));
  }
  return request;
}

}  // namespace aidledger::http
