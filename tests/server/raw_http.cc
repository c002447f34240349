#include "tests/server/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace aidledger::testing {
namespace {

// A response head larger than this is not one our server sends.
constexpr size_t kResponseHeadBytesMax = 64 * 1024;

}  // namespace

std::string RawResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

bool RawResponse::HasHeader(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::Send(absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

bool RawConnection::Fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd waiting{fd_, POLLIN, 0};
  if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) return false;
  char buffer[16 * 1024];
  const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (got <= 0) return false;
  pending_.append(buffer, static_cast<size_t>(got));
  return true;
}

RawResponse RawConnection::Read(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  RawResponse response;
  size_t head_end;
  while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
    if (pending_.size() > kResponseHeadBytesMax || !Fill(deadline)) {
      response.any_bytes = !pending_.empty();
      return response;
    }
  }
  response.any_bytes = true;
  std::vector<std::string> lines = absl::StrSplit(pending_.substr(0, head_end), "\r\n");
  std::vector<std::string> status = absl::StrSplit(lines[0], ' ');
  if (status.size() < 2 || !absl::SimpleAtoi(status[1], &response.status)) return response;
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    response.headers.emplace_back(absl::AsciiStrToLower(lines[i].substr(0, colon)),
                                  std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  pending_.erase(0, head_end + 4);
  size_t length = 0;
  const bool has_length = absl::SimpleAtoi(response.Header("content-length"), &length);
  if (!has_length && (response.status == 304 || response.status == 204)) length = 0;
  while (pending_.size() < length && Fill(deadline)) {
  }
  if (!has_length) {  // until the end of the stream
    while (Fill(deadline)) {
    }
    length = pending_.size();
  }
  response.complete = pending_.size() >= length;
  response.body = pending_.substr(0, length);
  pending_.erase(0, std::min(length, pending_.size()));
  return response;
}

bool RawConnection::ClosedWithin(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd waiting{fd_, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (::poll(&waiting, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) return false;
    char buffer[4096];
    if (::recv(fd_, buffer, sizeof(buffer), 0) <= 0) return true;
  }
  return false;
}

RawResponse RawExchange(int port, absl::string_view request, std::chrono::milliseconds timeout) {
  RawConnection connection(port);
  if (!connection.ok() || !connection.Send(request)) return RawResponse();
  return connection.Read(timeout);
}

uint64_t ResidentBytes(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    uint64_t kib = 0;
    if (absl::StartsWith(line, "VmRSS:") &&
        absl::SimpleAtoi(absl::StripAsciiWhitespace(absl::StripSuffix(line.substr(6), "kB")), &kib)) {
      return kib * 1024;
    }
  }
  return 0;
}

}  // namespace aidledger::testing
