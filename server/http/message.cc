#include "server/http/message.h"

#include "absl/strings/match.h"

namespace aidledger::http {
namespace {

template <typename Fields>
std::optional<absl::string_view> Find(const Fields& fields, absl::string_view name) {
  for (const auto& [key, value] : fields) {
    if (absl::EqualsIgnoreCase(key, name)) return absl::string_view(value);
  }
  return std::nullopt;
}

}  // namespace

std::optional<absl::string_view> Request::Header(absl::string_view name) const {
  return Find(headers, name);
}

std::optional<absl::string_view> Request::Param(absl::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return absl::string_view(value);
  }
  return std::nullopt;
}

void Response::SetHeader(absl::string_view name, absl::string_view value) {
  for (auto& [key, existing] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) {
      existing = std::string(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

std::optional<absl::string_view> Response::Header(absl::string_view name) const {
  return Find(headers, name);
}

Response MakeResponse(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::make_shared<const std::string>(std::move(body));
  return response;
}

}  // namespace aidledger::http
